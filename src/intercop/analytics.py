"""``analytics.duckdb``: views over the workspace's Parquet files, for analysts' SQL.

The views are rebuilt after every ingest and resolve, so `duckdb analytics.duckdb`
(or any DuckDB client) sees every dataset and the derived tables without copying
them: ``accounts``, ``identifiers``, ``events`` (all datasets, with ``dataset_id``),
``datasets`` (one row per manifest), and ``persons``, ``links``, ``profiles`` once
resolve has run. The database holds views only; the Parquet files stay the truth.
"""

from __future__ import annotations

import json
import logging

import duckdb

from intercop.evidence.vault import Vault
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

CANONICAL = ("accounts", "identifiers", "events")
DERIVED = ("persons", "links", "profiles", "records")


def _quote(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def refresh_views(workspace: Workspace) -> list[str]:
    """(Re)create the views; returns their names."""
    vault = Vault(workspace)
    manifests = vault.manifests()
    statements: list[tuple[str, str]] = []
    for table in CANONICAL:
        files = [vault.path(m.dataset_id) / "canonical" / f"{table}.parquet" for m in manifests]
        files = [f for f in files if f.exists()]
        if files:
            listed = ", ".join(_quote(str(f)) for f in files)
            statements.append(
                (table, f"SELECT * FROM read_parquet([{listed}], union_by_name=true)")
            )
    if manifests:
        rows = [
            {
                "dataset_id": m.dataset_id,
                "platform": m.platform,
                "kind": m.kind,
                "seized_on": m.seized_on.isoformat() if m.seized_on else None,
                "agency": m.agency,
                "retention_until": m.retention_until.isoformat(),
                "accounts": m.canonical.get("accounts", 0),
                "events": m.canonical.get("events", 0),
            }
            for m in manifests
        ]
        doc = _quote(json.dumps(rows))
        select = f"SELECT unnest(from_json({doc}, '{_DATASET_TYPE}'), recursive := true)"
        statements.append(("datasets", select))
    for table in DERIVED:
        path = workspace.derived / f"{table}.parquet"
        if path.exists():
            statements.append((table, f"SELECT * FROM read_parquet({_quote(str(path))})"))
    tmp = workspace.analytics_db.with_suffix(".duckdb.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for name, select in statements:
            con.execute(f"CREATE VIEW {name} AS {select}")
    finally:
        con.close()
    tmp.replace(workspace.analytics_db)  # readers never see a half-built database
    names = [n for n, _ in statements]
    log.info("analytics views: %s", ", ".join(names))
    return names


_DATASET_TYPE = (
    '[{"dataset_id": "VARCHAR", "platform": "VARCHAR", "kind": "VARCHAR", '
    '"seized_on": "DATE", "agency": "VARCHAR", "retention_until": "DATE", '
    '"accounts": "BIGINT", "events": "BIGINT"}]'
)
