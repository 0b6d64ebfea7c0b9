"""Query results as a stream of Arrow record batches, on every supported DuckDB.

DuckDB 2.0 names this ``to_arrow_reader`` and deprecates ``fetch_arrow_reader``;
DuckDB 1.1 (the lower bound in ``pyproject.toml``) only has ``fetch_arrow_reader``.
``.arrow()`` is no way out: it returns a ``Table`` in 1.1 and a reader in 2.0.
"""

from __future__ import annotations

from typing import Protocol, cast

import pyarrow as pa


class _Relation(Protocol):
    """The part of ``duckdb.DuckDBPyRelation`` used here (present in 1.1)."""

    def fetch_arrow_reader(self, batch_size: int = ...) -> pa.RecordBatchReader:
        """Older name of ``to_arrow_reader``."""
        ...


def arrow_batches(relation: object, rows: int) -> pa.RecordBatchReader:
    """A reader of ``relation``'s rows in batches of at most ``rows`` rows."""
    reader = getattr(relation, "to_arrow_reader", None)
    if reader is not None:
        return cast(pa.RecordBatchReader, reader(rows))
    return cast(_Relation, relation).fetch_arrow_reader(rows)
