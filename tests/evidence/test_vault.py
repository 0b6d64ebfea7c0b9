from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from intercop.errors import DatasetNotFoundError
from intercop.evidence.manifest import Manifest
from intercop.evidence.source import fingerprint
from intercop.evidence.vault import Vault, dataset_id_for
from intercop.workspace import Workspace


def _manifest(dataset_id: str) -> Manifest:
    return Manifest(
        dataset_id=dataset_id,
        platform="p",
        kind="booter",
        agency="NL",
        retention_until=date(2030, 1, 1),
        ingested_at=datetime.now(UTC),
        tool_version="t",
        sources=[],
        tables={},
        mapping_software="detected",
        mapping={},
    )


def test_dataset_id_depends_on_bytes_not_names_or_order(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.sql", tmp_path / "b.sql", tmp_path / "renamed.sql"
    a.write_bytes(b"one")
    b.write_bytes(b"two")
    c.write_bytes(b"one")
    fa, fb, fc = fingerprint(a), fingerprint(b), fingerprint(c)
    assert dataset_id_for([fa, fb]) == dataset_id_for([fb, fa])
    assert dataset_id_for([fc, fb]) == dataset_id_for([fa, fb])
    assert dataset_id_for([fa]) != dataset_id_for([fb])
    assert fa.sha256 == "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed"


def test_failed_staging_leaves_nothing(workspace: Workspace) -> None:
    vault = Vault(workspace)
    with pytest.raises(RuntimeError), vault.stage("abc") as staging:
        (staging / "raw").mkdir()
        (staging / "raw" / "t.parquet").write_bytes(b"half")
        raise RuntimeError("crash in the middle")
    assert list(workspace.staging.iterdir()) == []
    assert vault.manifests() == []
    assert not vault.exists("abc")


def test_commit_is_atomic_and_idempotent(workspace: Workspace) -> None:
    vault = Vault(workspace)
    with vault.stage("abc") as staging:
        (staging / "x").write_text("data")
        assert vault.commit(staging, _manifest("abc")) is True
    assert vault.exists("abc")
    assert (vault.path("abc") / "x").read_text() == "data"
    with vault.stage("abc") as staging:
        (staging / "x").write_text("other")
        assert vault.commit(staging, _manifest("abc")) is False
    assert (vault.path("abc") / "x").read_text() == "data"
    assert [m.dataset_id for m in vault.manifests()] == ["abc"]
    assert list(workspace.staging.iterdir()) == []


def test_manifest_lookup_by_prefix(workspace: Workspace) -> None:
    vault = Vault(workspace)
    for ident in ("abc123", "abd456"):
        with vault.stage(ident) as staging:
            vault.commit(staging, _manifest(ident))
    assert vault.manifest("abc").dataset_id == "abc123"
    with pytest.raises(DatasetNotFoundError, match="matches 2"):
        vault.manifest("ab")
    with pytest.raises(DatasetNotFoundError, match="no dataset"):
        vault.manifest("zzz")
