"""Normalisation lookups: each distinct raw value normalised once, joined in SQL.

The same pure functions of ``identity.normalise`` the rest of the platform uses turn
the distinct raw values of every column that needs them into a temp table
``n_<name>(raw, value)``; the canonical SQL joins it. Distinct values are few next to
rows (IPs and usernames repeat across login logs), and they stream through Python in
batches, so memory stays bounded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa

from intercop.evidence.batches import arrow_batches
from intercop.evidence.canonical_sql import as_text, is_blob, is_numeric
from intercop.identity.normalise import (
    normalise_btc,
    normalise_email,
    normalise_handle,
    normalise_ip,
    normalise_phone,
    normalise_username,
)

log = logging.getLogger(__name__)

#: distinct values sent through Python at a time
BATCH = 100_000


def _ip(value: Any) -> str | None:
    ip = normalise_ip(value)
    return ip.value if ip is not None else None


#: name -> (normaliser, SQL type of the raw value)
NORMALISERS: dict[str, tuple[Callable[[Any], str | None], str]] = {
    "email": (normalise_email, "VARCHAR"),
    "username": (normalise_username, "VARCHAR"),
    "handle": (normalise_handle, "VARCHAR"),
    "phone": (normalise_phone, "VARCHAR"),
    "btc": (normalise_btc, "VARCHAR"),
    "ip_text": (_ip, "VARCHAR"),
    "ip_blob": (_ip, "BLOB"),
    "ip_int": (_ip, "BIGINT"),
}


def ip_lookup(sql_type: str) -> str:
    """Which IP lookup a column of ``sql_type`` needs."""
    if is_blob(sql_type):
        return "ip_blob"
    return "ip_int" if is_numeric(sql_type) else "ip_text"


def raw_input(name: str, col: str, sql_type: str) -> str:
    """The raw value as the lookup ``name`` keys it (must match when joining)."""
    kind = NORMALISERS[name][1]
    if kind == "BLOB":
        return col
    if kind == "BIGINT":
        return f"TRY_CAST({col} AS BIGINT)"
    if is_blob(sql_type):
        return as_text(col, sql_type)
    return f"CAST({col} AS VARCHAR)"


class Lookups:
    """The lookups a canonical build needs, gathered while its SQL is generated."""

    def __init__(self) -> None:
        self.sources: dict[str, list[str]] = {}

    def join(self, name: str, relation: str, row: str, col: str, sql_type: str, alias: str) -> str:
        """A LEFT JOIN giving ``alias.value`` for ``row.col`` of ``relation``.

        Records the column so its distinct values are normalised by ``build``.
        """
        source = f"SELECT {raw_input(name, col, sql_type)} AS raw FROM {relation}"
        if source not in self.sources.setdefault(name, []):
            self.sources[name].append(source)
        raw = raw_input(name, f"{row}.{col}", sql_type)
        return f"LEFT JOIN n_{name} AS {alias} ON {alias}.raw = {raw}"

    def build(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create every ``n_<name>`` table on ``con`` (an empty one for unused names)."""
        for name, (fn, sql_type) in NORMALISERS.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE n_{name} (raw {sql_type}, value VARCHAR)")
            parts = self.sources.get(name)
            if not parts:
                continue
            union = " UNION ".join(parts)
            reader = arrow_batches(
                con.sql(f"SELECT DISTINCT raw FROM ({union}) WHERE raw IS NOT NULL"), BATCH
            )
            # kept as Arrow until the reader is done: one query at a time per connection
            chunks = []
            for batch in reader:
                raws = batch.column(0)
                values = pa.array([fn(v) for v in raws.to_pylist()], type=pa.string())
                chunks.append(pa.record_batch([raws, values], names=["raw", "value"]))
            if chunks:
                con.register("n_chunk", pa.Table.from_batches(chunks))
                con.execute(f"INSERT INTO n_{name} SELECT raw, value FROM n_chunk")
                con.unregister("n_chunk")
            log.debug("normalised %d distinct %s values", sum(len(c) for c in chunks), name)
