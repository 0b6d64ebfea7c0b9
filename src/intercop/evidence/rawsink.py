"""The raw layer's writer: one Parquet file per source table, minimised as it streams.

Invariant: a plaintext password never reaches disk. When the first batch of a table
arrives, the secret columns are decided from the DDL and that batch (or the
mapping given with ``--mapping``); dropped columns are never written and hashed ones
are written only as keyed hashes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from intercop.errors import InputError
from intercop.evidence.mapping import ColumnRole, Secret
from intercop.evidence.minimise import apply_secrets, minimised_schema
from intercop.evidence.schema import TableSchema

log = logging.getLogger(__name__)

SecretPolicy = Callable[[TableSchema, pa.RecordBatch], dict[str, tuple[Secret, ColumnRole]]]


@dataclass
class RawTable:
    """What was written for one source table."""

    schema: TableSchema
    file: str
    rows: int = 0
    secrets: dict[str, tuple[Secret, ColumnRole]] = field(default_factory=dict)
    writer: pq.ParquetWriter | None = None


def safe_file_name(table: str, taken: set[str]) -> str:
    """A file name for ``table`` that is safe on every file system and not yet taken."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", table).strip("._") or "table"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name.lower())
    return f"{name}.parquet"


class RawSink:
    """A ``TableSink`` writing minimised Parquet files into ``directory``."""

    def __init__(self, directory: Path, *, key: bytes, policy: SecretPolicy) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.key = key
        self.policy = policy
        self.tables: dict[str, RawTable] = {}
        self._taken: set[str] = set()

    def declare(self, schema: TableSchema) -> None:
        known = self.tables.get(schema.name)
        if known is None:
            self.tables[schema.name] = RawTable(schema, safe_file_name(schema.name, self._taken))
            return
        if known.schema.arrow_schema() != schema.arrow_schema():
            raise InputError(
                f"table {schema.name!r} is declared again with different columns",
                path=schema.source or schema.name,
                hint="Ingest the files that disagree as separate datasets",
            )
        known.schema = schema  # a re-declaration may add keys (ALTER TABLE ... ADD PRIMARY KEY)

    def write(self, table: str, batch: pa.RecordBatch) -> None:
        raw = self.tables[table]
        if raw.writer is None:
            self._open(raw, batch)
        assert raw.writer is not None
        raw.writer.write_batch(apply_secrets(batch, raw.secrets, self.key))
        raw.rows += batch.num_rows

    def _open(self, raw: RawTable, sample: pa.RecordBatch) -> None:
        raw.secrets = self.policy(raw.schema, sample)
        for column, (action, role) in raw.secrets.items():
            log.info("%s.%s: %s (%s)", raw.schema.name, column, action.value, role.value)
        schema = minimised_schema(raw.schema.arrow_schema(), raw.secrets)
        raw.writer = pq.ParquetWriter(
            self.directory / raw.file, schema, compression="zstd", write_statistics=True
        )

    def close(self) -> dict[str, RawTable]:
        """Finish every file; tables declared without rows get an empty file too."""
        for raw in self.tables.values():
            if raw.writer is None:
                self._open(raw, pa.RecordBatch.from_pylist([], raw.schema.arrow_schema()))
            assert raw.writer is not None
            raw.writer.close()
            raw.writer = None
        return self.tables

    def abort(self) -> None:
        """Close open files after a failure; the staging folder is removed by the vault."""
        for raw in self.tables.values():
            if raw.writer is not None:
                try:
                    raw.writer.close()
                except OSError:
                    log.debug("closing %s after a failure", raw.file, exc_info=True)
                raw.writer = None
