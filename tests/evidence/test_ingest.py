"""The ingest stage end to end, on the project's own synthetic takedowns."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from intercop.errors import InputError
from intercop.evidence.ingest import IngestRequest, IngestResult, ingest
from intercop.evidence.vault import Vault
from intercop.settings import Settings
from intercop.synth import Scenario
from intercop.workspace import Workspace

CANONICAL = {
    "accounts": [
        "dataset_id", "account_key", "platform", "username", "email", "display_name",
        "first_name", "last_name", "birth_date", "phone", "country_claimed", "registered_at",
        "last_seen_at", "role", "source_table",
    ],
    "identifiers": [
        "dataset_id", "account_key", "kind", "value", "raw_value", "first_seen", "last_seen",
        "count", "source",
    ],
    "events": [
        "dataset_id", "account_key", "kind", "at", "ip", "amount", "currency", "target",
        "target_port", "method", "duration_s", "detail", "source",
    ],
}  # fmt: skip


def _truth_accounts(scenario: Scenario, path: str) -> set[str]:
    with (scenario.out / "truth" / "accounts.csv").open(newline="", encoding="utf-8") as fh:
        return {row["account_key"] for row in csv.DictReader(fh) if row["file"] == path}


def test_every_file_ingests_with_its_row_counts(
    takedowns: Scenario, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> None:
    _, results = ingested
    for f in takedowns.files:
        manifest = results[f.path].manifest
        rows = {n: t.rows for n, t in manifest.tables.items()}
        if f.format == "csv":  # a CSV's one table is named after the file
            assert rows == {Path(f.path).stem: sum(f.tables.values())}
        else:
            assert rows == f.tables, f.path
        assert manifest.sources[0].sha256 == f.sha256
        assert manifest.quarantined == 0, (f.path, manifest.quarantine_reasons)


def test_accounts_match_ground_truth(
    takedowns: Scenario, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> None:
    ws, results = ingested
    for f in takedowns.files:
        dataset = ws.vault / results[f.path].manifest.dataset_id
        accounts = pq.read_table(dataset / "canonical" / "accounts.parquet")
        assert set(accounts.column("account_key").to_pylist()) == _truth_accounts(
            takedowns, f.path
        ), f.path


def test_canonical_tables_have_the_contract_columns(
    ingested: tuple[Workspace, dict[str, IngestResult]],
) -> None:
    ws, results = ingested
    for result in results.values():
        folder = ws.vault / result.manifest.dataset_id / "canonical"
        for table, columns in CANONICAL.items():
            assert pq.read_schema(folder / f"{table}.parquet").names == columns


def test_roles_are_recognised_without_a_mapping(
    takedowns: Scenario, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> None:
    ws, results = ingested
    kinds_by_platform: dict[str, set[str]] = {}
    id_kinds: dict[str, set[str]] = {}
    for f in takedowns.files:
        folder = ws.vault / results[f.path].manifest.dataset_id / "canonical"
        events = pq.read_table(folder / "events.parquet").column("kind").to_pylist()
        idents = pq.read_table(folder / "identifiers.parquet").column("kind").to_pylist()
        kinds_by_platform[f.kind] = kinds_by_platform.get(f.kind, set()) | set(events)
        id_kinds[f.kind] = id_kinds.get(f.kind, set()) | set(idents)
    assert {"login", "attack", "payment"} <= kinds_by_platform["booter"]
    assert {"post", "message"} <= kinds_by_platform["forum"]
    assert {"email", "ip", "username", "paypal_email", "btc_address"} <= id_kinds["booter"]
    assert {"email", "ip", "username"} <= id_kinds["forum"]


def test_binary_forum_ips_are_decoded(
    takedowns: Scenario, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> None:
    ws, results = ingested
    forums = [f for f in takedowns.files if f.kind == "forum"]
    assert len(forums) == 2  # one written with --hex-blob, one with escaped bytes
    for f in forums:
        folder = ws.vault / results[f.path].manifest.dataset_id / "canonical"
        ips = [
            r["value"]
            for r in pq.read_table(folder / "identifiers.parquet").to_pylist()
            if r["kind"] == "ip"
        ]
        assert ips, f.path
        assert all(("." in ip or ":" in ip) and "\\x" not in ip for ip in ips), ips[:5]


def test_secrets_are_minimised(
    ingested: tuple[Workspace, dict[str, IngestResult]],
) -> None:
    ws, results = ingested
    dropped = [c for r in results.values() for c in r.manifest.dropped_columns]
    assert "inlog_geschiedenis.wachtwoord_poging" in dropped
    for result in results.values():
        m = result.manifest
        for secret in m.secrets:
            path = ws.vault / m.dataset_id / m.tables[secret.table].file
            schema = pq.read_schema(path)
            if secret.action == "drop":
                assert secret.column not in schema.names
            else:
                values = pq.read_table(path, columns=[secret.column]).column(0).to_pylist()
                assert all(v is None or v.startswith("hmac-sha256:") for v in values)
    # no bcrypt hash anywhere in the vault
    for parquet in ws.vault.rglob("*.parquet"):
        text = parquet.read_bytes()
        assert b"$2y$" not in text and b"$2a$" not in text, parquet


def test_same_bytes_again_is_a_no_op(
    takedowns: Scenario, ingested: tuple[Workspace, dict[str, IngestResult]], tmp_path: Path
) -> None:
    ws, results = ingested
    f = takedowns.files[0]
    copy = tmp_path / "renamed-copy.sql"
    copy.write_bytes((takedowns.out / f.path).read_bytes())
    before = sorted(p.name for p in ws.vault.iterdir())
    again = ingest(ws, IngestRequest(paths=(copy,), platform="other-name"), Settings())
    assert again.created is False
    assert again.manifest.dataset_id == results[f.path].manifest.dataset_id
    assert again.manifest.platform == f.platform
    assert sorted(p.name for p in ws.vault.iterdir()) == before


def test_manifest_records_sources_and_mapping(
    ingested: tuple[Workspace, dict[str, IngestResult]],
) -> None:
    ws, results = ingested
    for result in results.values():
        folder = ws.vault / result.manifest.dataset_id
        on_disk = json.loads((folder / "manifest.json").read_text())
        assert on_disk["dataset_id"] == folder.name
        assert on_disk["mapping"]["tables"]
        assert Vault(ws).manifest(folder.name[:8]).dataset_id == folder.name


def test_missing_file_is_a_clear_error(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.sql: no such file"):
        ingest(workspace, IngestRequest(paths=(tmp_path / "nope.sql",), platform="x"), Settings())
