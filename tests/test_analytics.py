from __future__ import annotations

import duckdb

from intercop.evidence.ingest import IngestResult
from intercop.workspace import Workspace


def test_views_cover_every_dataset(ingested: tuple[Workspace, dict[str, IngestResult]]) -> None:
    ws, results = ingested
    con = duckdb.connect(str(ws.analytics_db), read_only=True)
    try:
        accounts = con.execute("SELECT count(*) FROM accounts").fetchone()
        datasets = con.execute("SELECT count(*), sum(accounts) FROM datasets").fetchone()
        per_dataset = dict(
            con.execute("SELECT dataset_id, count(*) FROM events GROUP BY 1").fetchall()
        )
    finally:
        con.close()
    expected = sum(r.manifest.canonical["accounts"] for r in results.values())
    assert accounts == (expected,)
    assert datasets == (len(results), expected)
    for r in results.values():
        assert per_dataset[r.manifest.dataset_id] == r.manifest.canonical["events"]
