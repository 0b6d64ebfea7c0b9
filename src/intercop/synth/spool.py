"""Table spools: each table's INSERT statements stream to a temporary file.

A platform's tables are generated in one pass over its accounts, but a dump lists
them one after the other; spooling each table to its own file and concatenating at
the end keeps memory bounded whatever the size.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self, TextIO

from intercop.synth.escaping import FILE_ERRORS, SqlValue, mysql_literal
from intercop.synth.sqltable import SqlTable

#: called with the number of characters just written (for progress bars)
Progress = Callable[[int], None]


@dataclass(frozen=True)
class InsertStyle:
    """How a tool lays out an INSERT: mysqldump (extended, one line) or phpMyAdmin."""

    with_columns: bool
    row_separator: str
    value_separator: str
    max_statement: int

    def prefix(self, table: SqlTable) -> str:
        """Everything up to the first row."""
        if self.with_columns:
            cols = ", ".join(f"`{c}`" for c in table.column_names)
            return f"INSERT INTO `{table.name}` ({cols}) VALUES\n"
        return f"INSERT INTO `{table.name}` VALUES "


MYSQLDUMP_STYLE = InsertStyle(False, ",", ",", 1_000_000)
PHPMYADMIN_STYLE = InsertStyle(True, ",\n", ", ", 50_000)


class TableSpool:
    """The INSERT statements of one table, written to a temporary file as rows arrive."""

    def __init__(
        self,
        table: SqlTable,
        path: Path,
        style: InsertStyle,
        *,
        hex_blob: bool,
        progress: Progress | None,
    ) -> None:
        self.table = table
        self.path = path
        self.rows = 0
        self.chars = 0
        self._style = style
        self._hex_blob = hex_blob
        self._progress = progress
        self._prefix = style.prefix(table)
        self._pending: list[str] = []
        self._pending_chars = len(self._prefix)
        self._file: TextIO = path.open("w", encoding="utf-8", errors=FILE_ERRORS, newline="")

    @property
    def size(self) -> int:
        """Characters written so far, counting the statement not yet flushed."""
        return self.chars + self._pending_chars

    def add(self, values: Sequence[SqlValue]) -> None:
        """Append one row given as Python values."""
        sep = self._style.value_separator
        hb = self._hex_blob
        self.add_literal(f"({sep.join(mysql_literal(v, hex_blob=hb) for v in values)})")

    def add_literal(self, row: str) -> None:
        """Append one row already rendered as ``(v1,v2,...)``."""
        if self._pending and self._pending_chars + len(row) > self._style.max_statement:
            self._flush()
        self._pending.append(row)
        self._pending_chars += len(row) + 1
        self.rows += 1

    def _flush(self) -> None:
        if not self._pending:
            return
        statement = f"{self._prefix}{self._style.row_separator.join(self._pending)};\n"
        self._file.write(statement)
        self.chars += len(statement)
        if self._progress is not None:
            self._progress(len(statement))
        self._pending.clear()
        self._pending_chars = len(self._prefix)

    def close(self) -> None:
        """Write the last statement and close the spool file."""
        self._flush()
        self._file.close()

    def copy_to(self, out: TextIO) -> None:
        """Append the spooled statements to ``out``."""
        with self.path.open("r", encoding="utf-8", errors=FILE_ERRORS, newline="") as src:
            shutil.copyfileobj(src, out, 1 << 20)


class SpoolSet:
    """The spools of one dump, in a temporary folder beside the output file."""

    def __init__(self, out: Path, style: InsertStyle, *, hex_blob: bool, progress: Progress | None):
        self.out = out
        self.style = style
        self.hex_blob = hex_blob
        self.progress = progress
        self.spools: list[TableSpool] = []
        self._dir = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))

    def table(self, table: SqlTable) -> TableSpool:
        """Open the spool of ``table`` (tables are dumped in the order they are opened)."""
        spool = TableSpool(
            table,
            self._dir / f"{len(self.spools):03d}.sql",
            self.style,
            hex_blob=self.hex_blob,
            progress=self.progress,
        )
        self.spools.append(spool)
        return spool

    def open_output(self) -> TextIO:
        """Close every spool and open the final file for writing."""
        for spool in self.spools:
            spool.close()
        return self.out.open("w", encoding="utf-8", errors=FILE_ERRORS, newline="")

    def cleanup(self) -> None:
        """Remove the temporary folder."""
        shutil.rmtree(self._dir, ignore_errors=True)


class SpooledDump:
    """Base of the dump writers: tables spool to temporary files until ``close``.

    Subclasses set ``_spools`` and write the file in ``close``; leaving a ``with``
    block without ``close`` only removes the spools.
    """

    _spools: SpoolSet

    def table(self, table: SqlTable) -> TableSpool:
        """Start a table; add its rows to the returned spool."""
        return self._spools.table(table)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._spools.cleanup()
