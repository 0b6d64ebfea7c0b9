"""One table of a dump being read: its definition, declaration and pending rows.

Rows arrive as tokenized pieces of INSERT statements, possibly with a column
list in another order or a subset; a piece becomes a RecordBatch of the full
schema (omitted columns get the DDL default, auto-increment columns the next
ids), rows that cannot be converted are cut out and reported, and batches go
to the sink in ``batch_rows``-row batches.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from intercop.evidence.readers.base import TableSink
from intercop.evidence.readers.mysql_columns import convert, default_array
from intercop.evidence.readers.mysql_ddl import TableDef
from intercop.evidence.readers.mysql_values import ColumnBuffers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowIssue:
    """A row of a piece that was left out (``reason``) or kept with a note."""

    row: int
    reason: str
    raw: str
    kept: bool
    rows: int = 1


class TableState:
    """Definition and output state of one table of the dump."""

    def __init__(self, table: TableDef, sink: TableSink, batch_rows: int) -> None:
        self.table = table
        self.sink = sink
        self.batch_rows = batch_rows
        self.declared = False
        self.rows_written = 0
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self._arrow_schema = table.schema.arrow_schema()
        self._index = {s.name.lower(): i for i, s in enumerate(table.specs)}
        auto = [i for i, s in enumerate(table.specs) if s.auto_increment]
        self._auto = auto[0] if auto else None
        self._next_id = 1

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def room(self) -> int:
        """Rows that fit in the batch being filled."""
        return max(1, self.batch_rows - self._pending_rows)

    def declare(self) -> None:
        self.sink.declare(self.table.schema)
        self.declared = True

    def redefine(self, table: TableDef) -> None:
        """Take new keys (same columns), declaring again if already declared."""
        self.table = table
        if self.declared:
            self.declare()

    def positions(self, names: list[str] | None) -> list[int]:
        """Schema positions of an INSERT's column list; KeyError names an unknown column."""
        if names is None:
            return list(range(len(self.table.specs)))
        return [self._index[n.lower()] for n in names]

    def add(
        self, positions: list[int], columns: list[ColumnBuffers], nrows: int, legacy: bool
    ) -> list[RowIssue]:
        """Convert a tokenized piece, queue its good rows, and say what was wrong."""
        if not self.declared:
            self.declare()
        specs = self.table.specs
        arrays: list[pa.Array | None] = [None] * len(specs)
        issues: list[RowIssue] = []
        bad: dict[int, str] = {}
        for pos, buffers in zip(positions, columns, strict=True):
            spec = specs[pos]
            result = convert(spec, buffers, legacy=legacy)
            arrays[pos] = result.array
            bad.update(result.bad)
            for row in result.repaired:
                value = result.array[row].as_py()
                issues.append(
                    RowIssue(
                        row,
                        f"repaired: column {spec.name} was not valid UTF-8; decoded as cp1252",
                        str(value)[:200],
                        kept=True,
                    )
                )
            if result.zero_dates:
                issues.append(
                    RowIssue(
                        result.zero_dates[0],
                        "zero date stored as NULL",
                        f"column {spec.name}: {len(result.zero_dates)} zero dates",
                        kept=True,
                        rows=len(result.zero_dates),
                    )
                )
        for pos, spec in enumerate(specs):
            if arrays[pos] is None:
                if pos == self._auto:
                    arrays[pos] = pa.array(
                        range(self._next_id, self._next_id + nrows), type=spec.arrow_type
                    )
                else:
                    arrays[pos] = default_array(spec, nrows)
        if self._auto is not None and nrows:
            top = pc.max(arrays[self._auto]).as_py()
            if top is not None and top >= self._next_id:
                self._next_id = int(top) + 1
        batch = pa.RecordBatch.from_arrays(arrays, schema=self._arrow_schema)
        if bad:
            keep = pa.array([i not in bad for i in range(nrows)], type=pa.bool_())
            for row, reason in sorted(bad.items()):
                issues.append(RowIssue(row, reason, _row_text(batch, row), kept=False))
            batch = batch.filter(keep)
        self._queue(batch)
        return issues

    def _queue(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        if self._pending_rows >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        """Write the pending rows as one batch."""
        if not self._pending:
            return
        if len(self._pending) == 1:
            batch = self._pending[0]
        else:
            combined = pa.Table.from_batches(self._pending, schema=self._arrow_schema)
            batch = combined.combine_chunks().to_batches()[0]
        self.sink.write(self.name, batch)
        self.rows_written += batch.num_rows
        self._pending = []
        self._pending_rows = 0


def _row_text(batch: pa.RecordBatch, row: int) -> str:
    """The values of one row as far as they were read, for the quarantine."""
    values: list[str] = []
    for column in batch.columns:
        value = column[row].as_py()
        values.append(repr(value))
    return "(" + ", ".join(values) + ")"
