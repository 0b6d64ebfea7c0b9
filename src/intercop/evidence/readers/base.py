"""The reader contract: a seized file in, typed Arrow batches per source table out.

Readers are registered by ``NAME`` (see ``readers/__init__.py``); each one
streams, so memory stays bounded whatever the file size. A reader

* calls ``sink.declare(schema)`` once per table before writing its rows (the same
  table declared again with the same columns, e.g. from a second file, is fine);
* calls ``sink.write(table, batch)`` with ``pa.RecordBatch``es whose schema is
  exactly ``schema.arrow_schema()``;
* sends rows it cannot read to ``quarantine`` (counted, never fatal) and raises
  ``InputError`` (naming the file and line) only when the file as a whole cannot
  be read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Protocol

import pyarrow as pa

from intercop.evidence.quarantine import Quarantine
from intercop.evidence.schema import TableSchema
from intercop.evidence.source import Opened


class TableSink(Protocol):
    """Where a reader puts what it reads."""

    def declare(self, schema: TableSchema) -> None: ...

    def write(self, table: str, batch: pa.RecordBatch) -> None: ...


class Reader(ABC):
    """A format reader; subclasses set ``NAME`` and ``SUFFIXES``."""

    NAME: ClassVar[str]
    SUFFIXES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, batch_rows: int = 65_536) -> None:
        self.batch_rows = batch_rows

    @classmethod
    @abstractmethod
    def sniff(cls, head: bytes, name: str) -> float:
        """Confidence in [0, 1] that a file starting with ``head`` is this format."""

    @abstractmethod
    def read(self, member: Opened, sink: TableSink, quarantine: Quarantine) -> None:
        """Stream every table of ``member`` into ``sink``."""
