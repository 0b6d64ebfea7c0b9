"""Arrow batches from a DuckDB relation, whichever name the installed DuckDB uses."""

from __future__ import annotations

import warnings

import duckdb
import pyarrow as pa

from intercop.evidence.batches import arrow_batches


def test_batches_of_a_relation_without_a_deprecation_warning() -> None:
    con = duckdb.connect()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reader = arrow_batches(con.sql("SELECT range AS n FROM range(2500)"), 1000)
        batches = list(reader)
    assert sum(len(b) for b in batches) == 2500
    assert max(len(b) for b in batches) <= 1000
    assert pa.Table.from_batches(batches).column("n").to_pylist() == list(range(2500))


class _OldRelation:
    """A DuckDB 1.1 relation: ``fetch_arrow_reader`` only."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.asked: int | None = None

    def fetch_arrow_reader(self, batch_size: int = 1_000_000) -> pa.RecordBatchReader:
        self.asked = batch_size
        return pa.RecordBatchReader.from_batches(
            self.table.schema, self.table.to_batches(max_chunksize=batch_size)
        )


def test_falls_back_to_the_duckdb_1_1_name() -> None:
    old = _OldRelation(pa.table({"n": list(range(10))}))
    batches = list(arrow_batches(old, 4))
    assert old.asked == 4
    assert [len(b) for b in batches] == [4, 4, 2]
