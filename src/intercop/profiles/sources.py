"""The inputs of profiling as DuckDB relations: persons, datasets and canonical tables.

Views registered on the connection (names used by every profile query):

- ``pmap(person_id, dataset_id, account_key)``: the resolver's persons table;
- ``ds(dataset_id, platform, kind, seized_on)``: one row per dataset (manifests);
- ``acc``, ``ev``, ``idf``: the canonical accounts, events and identifiers of every
  dataset, read from the vault's Parquet files (nothing is loaded into Python).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from intercop.errors import IntercopError
from intercop.evidence.vault import Vault
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

PERSON_COLUMNS = ("person_id", "dataset_id", "account_key")

DATASETS = pa.schema(
    [
        ("dataset_id", pa.string()),
        ("platform", pa.string()),
        ("kind", pa.string()),
        ("seized_on", pa.date32()),
    ]
)


class ProfileInputError(IntercopError):
    """The persons table or the vault cannot be profiled."""

    hint = "Run `intercop resolve` first, after ingesting at least one dataset"


@dataclass(frozen=True)
class Sources:
    """An open DuckDB connection with the profile inputs registered."""

    con: duckdb.DuckDBPyConnection
    datasets: int


def _files(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def open_sources(workspace: Workspace, persons: pa.Table, *, threads: int | None = None) -> Sources:
    """A DuckDB connection with ``pmap``, ``ds``, ``acc``, ``ev`` and ``idf`` registered."""
    missing = [c for c in PERSON_COLUMNS if c not in persons.column_names]
    if missing:
        raise ProfileInputError(f"the persons table lacks the columns {', '.join(missing)}")
    manifests = Vault(workspace).manifests()
    if not manifests:
        raise ProfileInputError(f"the vault of {workspace.root} holds no dataset")
    datasets = pa.table(
        {
            "dataset_id": [m.dataset_id for m in manifests],
            "platform": [m.platform for m in manifests],
            "kind": [m.kind for m in manifests],
            "seized_on": [m.seized_on for m in manifests],
        },
        schema=DATASETS,
    )
    con = duckdb.connect()
    # dates of timestamps (attack-days, takedown comparisons) are UTC dates
    con.execute("SET TimeZone = 'UTC'")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    con.register("persons_in", persons.select(list(PERSON_COLUMNS)))
    con.register("datasets_in", datasets)
    con.execute(
        "CREATE TEMP TABLE pmap AS SELECT DISTINCT CAST(person_id AS VARCHAR) AS person_id, "
        "CAST(dataset_id AS VARCHAR) AS dataset_id, CAST(account_key AS VARCHAR) AS account_key "
        "FROM persons_in"
    )
    con.execute("CREATE TEMP TABLE ds AS SELECT * FROM datasets_in")
    con.unregister("persons_in")
    con.unregister("datasets_in")
    for view, table in (("acc", "accounts"), ("ev", "events"), ("idf", "identifiers")):
        paths = [
            workspace.vault / m.dataset_id / "canonical" / f"{table}.parquet" for m in manifests
        ]
        present = [p for p in paths if p.is_file()]
        if len(present) < len(paths):
            log.warning("%d datasets have no canonical %s", len(paths) - len(present), table)
        if not present:
            raise ProfileInputError(f"no dataset of {workspace.vault} has canonical {table}")
        con.execute(
            f"CREATE VIEW {view} AS SELECT * FROM read_parquet({_files(present)}, "
            "union_by_name = true)"
        )
    return Sources(con, len(manifests))
