"""The canonical tables (ARCHITECTURE §5): accounts, identifiers and events.

Built by DuckDB straight from the raw Parquet files with bounded memory: the mapping
becomes SQL (``canonical_sql``, ``canonical_parts``), identity values are normalised
through lookups of their distinct values (``canonical_norm``), and each table is
written with ``COPY ... TO`` in exactly the contract's columns and types.

Invariants: every row names its source (``table.column``); an event whose user cannot
be found is kept with a NULL ``account_key``; attack targets and message recipients
appear only in ``events.target``/``detail`` (marked ``third_party``), never as
identifiers. ``amount`` is DECIMAL(18,8): exact for fiat cents and bitcoin satoshis
alike, where a float would add rounding noise to sums of payments.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from intercop.errors import VaultError
from intercop.evidence.canonical_norm import Lookups
from intercop.evidence.canonical_parts import Parts, Source
from intercop.evidence.canonical_sql import ident, literal
from intercop.evidence.mapping import Mapping
from intercop.evidence.schema import TableSchema

log = logging.getLogger(__name__)

MEMORY_LIMIT = "1GB"

ACCOUNTS = (
    ("dataset_id", "VARCHAR"), ("account_key", "VARCHAR"), ("platform", "VARCHAR"),
    ("username", "VARCHAR"), ("email", "VARCHAR"), ("display_name", "VARCHAR"),
    ("first_name", "VARCHAR"), ("last_name", "VARCHAR"), ("birth_date", "DATE"),
    ("phone", "VARCHAR"), ("country_claimed", "VARCHAR"), ("registered_at", "TIMESTAMPTZ"),
    ("last_seen_at", "TIMESTAMPTZ"), ("role", "VARCHAR"), ("source_table", "VARCHAR"),
)  # fmt: skip
IDENTIFIERS = (
    ("dataset_id", "VARCHAR"), ("account_key", "VARCHAR"), ("kind", "VARCHAR"),
    ("value", "VARCHAR"), ("raw_value", "VARCHAR"), ("first_seen", "TIMESTAMPTZ"),
    ("last_seen", "TIMESTAMPTZ"), ("count", "BIGINT"), ("source", "VARCHAR"),
)  # fmt: skip
EVENTS = (
    ("dataset_id", "VARCHAR"), ("account_key", "VARCHAR"), ("kind", "VARCHAR"),
    ("at", "TIMESTAMPTZ"), ("ip", "VARCHAR"), ("amount", "DECIMAL(18,8)"),
    ("currency", "VARCHAR"), ("target", "VARCHAR"), ("target_port", "INTEGER"),
    ("method", "VARCHAR"), ("duration_s", "BIGINT"), ("detail", "VARCHAR"),
    ("source", "VARCHAR"),
)  # fmt: skip


@dataclass(frozen=True)
class CanonicalCounts:
    """Rows written per canonical table."""

    accounts: int
    identifiers: int
    events: int


def build_canonical(
    raw: dict[str, Path],
    schemas: dict[str, TableSchema],
    mapping: Mapping,
    *,
    dataset_id: str,
    platform: str,
    out_dir: Path,
) -> CanonicalCounts:
    """Write ``accounts``, ``identifiers`` and ``events`` Parquet files into ``out_dir``.

    Args:
        raw: table name -> its raw (minimised) Parquet file.
        schemas: table name -> its schema as stored (primary keys are used).
        mapping: roles of tables and columns; tables absent from ``raw`` are skipped.
        dataset_id: written into every row.
        platform: written into ``accounts.platform``.
        out_dir: created if missing; DuckDB spills to a folder beside it.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    spill = out_dir.parent / ".duckdb-spill"
    con = duckdb.connect(
        ":memory:", config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)}
    )
    try:
        con.execute("SET TimeZone = 'UTC'")
        sources = _sources(con, raw, schemas, mapping)
        lookups = Lookups()
        parts = Parts(sources, mapping, lookups, dataset_id=dataset_id, platform=platform)
        accounts = parts.accounts()
        users = parts.account_index()
        bases = parts.bases()
        identifiers = parts.identifiers()
        events = parts.events()
        _run(con, "normalisation lookups", lambda: lookups.build(con))
        for sql in [*users, *bases]:
            _run(con, "account index", lambda s=sql: con.execute(s))
        files = {
            "accounts": (accounts, ACCOUNTS),
            "identifiers": (identifiers, IDENTIFIERS),
            "events": (events, EVENTS),
        }
        counts = {}
        for name, (selects, columns) in files.items():
            path = out_dir / f"{name}.parquet"
            sql = _copy(selects, columns, path)
            _run(con, name, lambda s=sql: con.execute(s))
            counts[name] = pq.ParquetFile(path).metadata.num_rows
            log.info("canonical %s: %d rows", name, counts[name])
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    return CanonicalCounts(counts["accounts"], counts["identifiers"], counts["events"])


def _sources(
    con: duckdb.DuckDBPyConnection,
    raw: dict[str, Path],
    schemas: dict[str, TableSchema],
    mapping: Mapping,
) -> list[Source]:
    """One view per mapped raw table, with its column types as DuckDB reads them."""
    out = []
    for i, (table, tm) in enumerate(mapping.tables.items()):
        path = raw.get(table)
        if path is None:
            log.warning("mapping names table %s, which is not in the dataset", table)
            continue
        view = f"r{i}"
        con.execute(
            f"CREATE TEMP VIEW {view} AS SELECT * FROM "
            f"read_parquet({literal(str(path))}, file_row_number = true)"
        )
        types = {str(r[0]): str(r[1]) for r in con.execute(f"DESCRIBE {view}").fetchall()}
        schema = schemas.get(table)
        out.append(
            Source(
                table=table,
                view=view,
                base=f"b{i}",
                mapping=tm,
                types=types,
                primary_key=schema.primary_key if schema else (),
            )
        )
    return out


def _copy(selects: list[str], columns: tuple[tuple[str, str], ...], path: Path) -> str:
    """``COPY`` of the union of ``selects`` in exactly ``columns`` and their types."""
    names = ", ".join(ident(n) for n, _ in columns)
    if selects:
        body = " UNION ALL ".join(f"SELECT {names} FROM ({s})" for s in selects)
    else:
        body = "SELECT " + ", ".join(f"NULL AS {ident(n)}" for n, _ in columns) + " WHERE false"
    project = ", ".join(f"CAST({ident(n)} AS {t}) AS {ident(n)}" for n, t in columns)
    return (
        f"COPY (SELECT {project} FROM ({body})) TO {literal(str(path))} "
        "(FORMAT parquet, COMPRESSION zstd)"
    )


def _run(con: duckdb.DuckDBPyConnection, what: str, step: object) -> None:
    """Run one step; a DuckDB failure is re-raised with what was being built."""
    assert callable(step)
    try:
        step()
    except duckdb.Error as exc:
        raise VaultError(f"building the canonical {what} failed: {exc}") from exc
