"""Bad seized files: a clear one-line error, or quarantined and counted; never half a dataset."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from intercop.errors import ArchiveBombError, InputError, UnsupportedFormatError
from intercop.evidence.ingest import IngestRequest, IngestResult, ingest
from intercop.settings import Settings
from intercop.synth import generate_bad_inputs
from intercop.workspace import Workspace


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bad")
    generate_bad_inputs(out)
    return out


def _ingest(ws: Workspace, path: Path) -> IngestResult:
    return ingest(ws, IngestRequest(paths=(path,), platform="bad", kind="booter"), Settings())


def _quarantine(ws: Workspace, result: IngestResult) -> list[dict[str, object]]:
    path = ws.vault / result.manifest.dataset_id / "quarantine.ndjson"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _rows(ws: Workspace, result: IngestResult, table: str) -> list[dict[str, object]]:
    entry = result.manifest.tables[table]
    return pq.read_table(ws.vault / result.manifest.dataset_id / entry.file).to_pylist()


def _nothing_half_written(ws: Workspace) -> None:
    assert [p.name for p in ws.vault.iterdir() if p.name != ".staging"] == []
    assert list(ws.staging.iterdir()) == []


def test_truncated_dump_keeps_everything_before_the_cut(workspace: Workspace, bad: Path) -> None:
    result = _ingest(workspace, bad / "truncated.sql")
    assert result.manifest.tables["users"].rows == 50
    assert 0 < result.manifest.tables["attack_logs"].rows < 30_000
    items = _quarantine(workspace, result)
    assert any(i["reason"] == "truncated" and i["source"] == "truncated.sql" for i in items)
    assert all(isinstance(i["line"], int) for i in items)


def test_latin1_bytes_are_repaired_and_listed(workspace: Workspace, bad: Path) -> None:
    result = _ingest(workspace, bad / "latin1_in_utf8mb4.sql")
    names = [r["username"] for r in _rows(workspace, result, "users")]
    assert "José Müller" in names and len(names) == 6
    reasons = [str(i["reason"]) for i in _quarantine(workspace, result)]
    assert any(r.startswith("repaired:") for r in reasons)


def test_unparsable_statement_is_quarantined_rest_kept(workspace: Workspace, bad: Path) -> None:
    result = _ingest(workspace, bad / "unparsable_statement.sql")
    assert result.manifest.tables["users"].rows == 5
    assert result.manifest.quarantined >= 1
    assert all(i["line"] for i in _quarantine(workspace, result))


def test_insert_into_undeclared_table_is_quarantined(workspace: Workspace, bad: Path) -> None:
    result = _ingest(workspace, bad / "undeclared_table.sql")
    assert result.manifest.tables["users"].rows == 5
    assert any("undeclared" in r for r in result.manifest.quarantine_reasons)


def test_ragged_csv_rows_are_quarantined_with_their_line(workspace: Workspace, bad: Path) -> None:
    path = bad / "ragged.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    width = len(rows[0])
    ragged = [i for i, r in enumerate(rows[1:], start=2) if len(r) != width]
    assert ragged
    result = _ingest(workspace, path)
    assert result.manifest.quarantined == len(ragged)
    assert sorted(int(str(i["line"])) for i in _quarantine(workspace, result)) == ragged
    assert result.manifest.tables["ragged"].rows == len(rows) - 1 - len(ragged)


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("not_a_dump.sql", UnsupportedFormatError, "not a database dump"),
        ("empty.sql", InputError, "empty"),
        ("bomb.sql.gz", ArchiveBombError, "bomb.sql"),
    ],
)
def test_unreadable_files_are_refused_whole(
    workspace: Workspace, bad: Path, name: str, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as caught:
        _ingest(workspace, bad / name)
    message = str(caught.value)
    assert message.startswith(name.split(".")[0]) and words in message
    assert "\n" not in message
    _nothing_half_written(workspace)
