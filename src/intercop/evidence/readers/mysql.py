"""MySQL / MariaDB dumps (mysqldump, phpMyAdmin) to typed Arrow batches, streaming.

The dump is read in chunks through a ``Window``; statements other than INSERT
are cut at their delimiter (quote- and comment-aware) and read as DDL where it
matters (CREATE TABLE, ALTER TABLE ... ADD keys, DROP TABLE, SET NAMES/sql_mode,
DELIMITER). INSERT/REPLACE values are tokenized tuple by tuple straight from the
window, so a statement of any size costs one chunk of memory; a run of INSERTs
with the same header (one-row INSERTs) is tokenized and converted as if it were
one statement. Every statement or row that cannot be read is quarantined with
the file name and 1-based line; reading goes on at the next row or statement.
"""

from __future__ import annotations

import logging
import re
from typing import BinaryIO

from intercop.errors import InputError
from intercop.evidence.quarantine import Quarantine
from intercop.evidence.readers import register
from intercop.evidence.readers.base import Reader, TableSink
from intercop.evidence.readers.mysql_ddl import (
    parse_alter_table,
    parse_create_table,
    table_name_after,
    tokens,
    with_keys,
)
from intercop.evidence.readers.mysql_handoff import run_with_handoff
from intercop.evidence.readers.mysql_stream import (
    CHUNK,
    COMMENT_START,
    GAP,
    MAX_SPAN,
    Window,
    statement_end,
)
from intercop.evidence.readers.mysql_tables import TableState
from intercop.evidence.readers.mysql_values import (
    FAST_TOKENIZE,
    ST_END,
    ST_FULL,
    ST_MORE,
    ST_TRAILER,
    ST_TRUNCATED,
    Tokenizer,
)
from intercop.evidence.source import Opened

log = logging.getLogger(__name__)

_NAME = rb"(?:`(?:[^`]|``)+`|[\w$]+)"
_INSERT = re.compile(
    rb"(?:INSERT|REPLACE)\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\s+)*(?:INTO\s+)?"
    rb"(" + _NAME + rb"(?:\s*\.\s*" + _NAME + rb")?)\s*"
    rb"(?:\(((?:[^()`]|`(?:[^`]|``)*`)*)\)\s*)?VALUES?\s*(?=\()",
    re.I | re.S,
)
_INSERT_WORD = re.compile(rb"(?:INSERT|REPLACE)\b", re.I)
_DELIMITER = re.compile(rb"DELIMITER[ \t]+(\S+)[^\n]*(?:\n|\Z)", re.I)
_ON_DUPLICATE = re.compile(rb"\s*ON\s+DUPLICATE\s+KEY\s+UPDATE\b", re.I)
_IDENTIFIER = re.compile(rb"`((?:[^`]|``)+)`|([\w$]+)")
_PG_SIGNS = (b"COPY ", b"FROM stdin", b"SET search_path", b"pg_dump", b"PostgreSQL database dump")
_MYSQL_HEADERS = (
    b"-- MySQL dump",
    b"-- MariaDB dump",
    b"phpMyAdmin SQL Dump",
    b"/*!40101 SET",
    b"/*!40014 SET",
    b"-- Server version",
)
_MYSQL_SIGNS = (
    b"CREATE TABLE `",
    b"INSERT INTO `",
    b"ENGINE=",
    b"AUTO_INCREMENT",
    b"LOCK TABLES `",
)
_STATEMENT = re.compile(rb"CREATE TABLE|INSERT\s+INTO")


def _line_starts(head: bytes, limit: int = 65536) -> list[bytes]:
    """The first 200 bytes of every line of ``head`` (to ``limit``), leading blanks removed."""
    return [line.lstrip()[:200] for line in head[:limit].splitlines()]


def _sign_in(sign: bytes, line: bytes) -> bool:
    """A statement begins the line; table options and column definitions sit inside a
    CREATE TABLE, on lines that begin with ``)`` or a backquoted name."""
    return line.startswith(sign) or (line[:1] in (b")", b"`") and sign in line)


#: how much of a statement is kept as the quarantined text
_RAW_KEEP = 4096


def _names(spec: bytes) -> list[str]:
    """Identifiers of a comma-separated (back-quoted or bare) list."""
    out = []
    for m in _IDENTIFIER.finditer(spec):
        quoted, bare = m.group(1), m.group(2)
        name = quoted.replace(b"``", b"`") if quoted is not None else bare
        out.append(name.decode("utf-8", "replace"))
    return out


@register
class MySQLDumpReader(Reader):
    """Reads mysqldump and phpMyAdmin SQL dumps."""

    NAME = "mysql"
    SUFFIXES = (".sql",)

    def __init__(
        self,
        batch_rows: int = 65_536,
        chunk_size: int = CHUNK,
        tokenizer: Tokenizer | None = None,
        threaded: bool = True,
    ) -> None:
        super().__init__(batch_rows)
        self.chunk_size = chunk_size
        self.tokenizer = tokenizer or FAST_TOKENIZE
        self.threaded = threaded

    @classmethod
    def sniff(cls, head: bytes, name: str) -> float:
        if any(sign in head for sign in _PG_SIGNS):
            return 0.05
        if head[:4096].count(b"\0") > 16:
            return 0.0  # binary, not SQL text
        # A dump's statements and comments start lines; the same words inside a field of a
        # CSV export (a forum post quoting SQL, an injection attempt in a note) do not.
        starts = _line_starts(head)
        comments = [s for s in starts if s.startswith((b"--", b"/*"))]
        if any(h in s for s in comments for h in _MYSQL_HEADERS):
            return 0.95
        signs = sum(any(_sign_in(sign, s) for s in starts) for sign in _MYSQL_SIGNS)
        if signs:
            return min(0.9, 0.6 + 0.1 * signs)
        if any(_STATEMENT.match(s.upper()) for s in starts):
            return 0.5
        return 0.2 if name.lower().endswith(".sql") else 0.0

    def read(self, member: Opened, sink: TableSink, quarantine: Quarantine) -> None:
        def produce(target: TableSink) -> None:
            with member.open() as stream:
                _DumpReading(self, member.name, stream, target, quarantine).run()

        if self.threaded:
            run_with_handoff(produce, sink)
        else:
            produce(sink)


class _DumpReading:
    """The state of reading one dump."""

    def __init__(
        self,
        reader: MySQLDumpReader,
        name: str,
        stream: BinaryIO,
        sink: TableSink,
        quarantine: Quarantine,
    ) -> None:
        self.reader = reader
        self.name = name
        self.window = Window(stream, reader.chunk_size)
        self.sink = sink
        self.quarantine = quarantine
        self.tables: dict[str, TableState] = {}
        self.delimiter = b";"
        self.backslash = True
        self.legacy = False
        self.statements = 0

    def run(self) -> None:
        w = self.window
        w.fill()
        if w.buf[:3] == b"\xef\xbb\xbf":
            w.pos = 3
        while True:
            w.ensure(1 << 16)
            m = GAP.match(w.buf, w.pos)
            w.pos = m.end() if m else w.pos
            if w.pos >= len(w.buf):
                if not w.fill():
                    break
                continue
            if COMMENT_START.match(w.buf, w.pos):
                if w.eof:
                    break  # an unclosed comment at the very end
                if w.unread > MAX_SPAN:
                    self._resync(w.pos, "comment never closed")
                    continue
                w.ensure(w.unread + w.chunk_size)
                continue
            self.statements += 1
            self._statement()
        for table in self.tables.values():
            if not table.declared:
                table.declare()
            table.flush()
        if self.statements == 0:
            raise InputError("no SQL statement found", path=self.name, line=1)

    def _statement(self) -> None:
        w = self.window
        head = w.buf[w.pos : w.pos + 8]
        if self.delimiter == b";" and _INSERT_WORD.match(head):
            w.ensure(1 << 16)
            m = _INSERT.match(w.buf, w.pos)
            if m is not None:
                self._insert(m)
                return
        if head[:9].upper() == b"DELIMITER":
            d = _DELIMITER.match(w.buf, w.pos)
            if d is not None:
                self.delimiter = d.group(1)
                w.pos = d.end()
                return
        start = w.pos
        end = self._find_end(start)
        if end is None:
            return
        self._other(w.buf[start:end], w.line_at(start))

    def _find_end(self, start: int) -> int | None:
        """Index after the delimiter of the statement at ``start`` (then ``pos`` = it)."""
        w = self.window
        pattern = statement_end(self.delimiter, self.backslash)
        while True:
            m = pattern.match(w.buf, start)
            if m is not None:
                w.pos = m.end()
                return m.end()
            if w.eof:
                line = w.line_at(start)
                text = w.buf[start:].strip()
                if text and text != b"\x1a":
                    self._quarantine("truncated", text, line, None)
                w.pos = len(w.buf)
                return None
            if len(w.buf) - start > MAX_SPAN:
                self._resync(start, "statement longer than 256 MB or an unclosed quote")
                return None
            w.pos = start
            w.fill()
            start = w.pos

    def _resync(self, start: int, reason: str) -> None:
        """Skip what cannot be read to the next line that starts a known statement."""
        w = self.window
        line = w.line_at(start)
        self._quarantine(reason, w.buf[start : start + _RAW_KEEP], line, None)
        resume = re.compile(rb"\n(?=(?:INSERT|REPLACE|CREATE|DROP|ALTER|LOCK|UNLOCK|--|/\*!))")
        w.pos = start + 1
        while True:
            m = resume.search(w.buf, w.pos)
            if m is not None:
                w.pos = m.end()
                return
            w.pos = max(w.pos, len(w.buf) - 64)
            if not w.fill():
                w.pos = len(w.buf)
                return

    def _other(self, sql: bytes, line: int) -> None:
        """A statement other than INSERT: read the DDL, ignore the rest."""
        text = sql.decode("utf-8", "replace")
        toks = tokens(text)
        words = [t.text.upper() for t in toks[:3] if t.kind == "word"]
        try:
            if words[:1] == ["CREATE"] and "TABLE" in words[1:3]:
                self._create(text, line, sql)
            elif words[:2] == ["ALTER", "TABLE"]:
                self._alter(text)
            elif words[:2] == ["DROP", "TABLE"]:
                name, _ = table_name_after(toks, 2)
                state = self.tables.get(name)
                if state is not None and not state.declared:
                    del self.tables[name]  # a view's stand-in table, or a table re-created
            elif words[:1] == ["SET"]:
                self._set(sql)
            elif words[:1] in (["INSERT"], ["REPLACE"]):
                self._quarantine("statement does not parse: not an INSERT ... VALUES", sql, line)
        except (ValueError, IndexError, StopIteration) as why:
            self._quarantine(f"statement does not parse: {why}", sql, line)

    def _create(self, text: str, line: int, sql: bytes) -> None:
        table = parse_create_table(text, source=self.name)
        old = self.tables.get(table.name)
        if old is not None and old.declared:
            if old.table.schema.columns != table.schema.columns:
                self._quarantine(
                    "table declared again with different columns; the first one is kept",
                    sql,
                    line,
                    table.name,
                )
            return
        self.tables[table.name] = TableState(table, self.sink, self.reader.batch_rows)

    def _alter(self, text: str) -> None:
        alter = parse_alter_table(text)
        state = self.tables.get(alter.table)
        if state is not None and (alter.primary_key or alter.foreign_keys):
            state.redefine(with_keys(state.table, alter))

    def _set(self, sql: bytes) -> None:
        upper = sql.upper()
        if b"SQL_MODE" in upper and (b"'" in upper or b'"' in upper):
            self.backslash = b"NO_BACKSLASH_ESCAPES" not in upper
        names = re.search(rb"SET\s+NAMES\s+'?(\w+)", upper)
        if names is not None:
            self.legacy = names.group(1) in (b"LATIN1", b"CP1252")

    def _insert(self, m: re.Match[bytes]) -> None:
        w = self.window
        table_name = _names(m.group(1))[-1]
        state = self.tables.get(table_name)
        positions: list[int] = []
        reason = ""
        if state is None:
            reason = "undeclared table"
        else:
            columns = _names(m.group(2)) if m.group(2) is not None else None
            try:
                positions = state.positions(columns)
            except KeyError as unknown:
                reason = f"unknown column {unknown} in the column list"
        header = m.group(0)
        ncols = len(positions) if not reason else 0
        w.pos = m.end()
        tuple_state = 0
        while True:
            room = state.room if state is not None and not reason else 1 << 30
            status, pos, nrows, tuple_state, columns_out, starts, bad = self.reader.tokenizer(
                w.buf, w.pos, ncols, room, tuple_state, w.eof, self.backslash, header
            )
            for row_start, row_end, why in bad:
                self._quarantine(why, w.buf[row_start:row_end], w.line_at(row_start), table_name)
            if nrows:
                first = int.from_bytes(starts[:8], "little", signed=True)
                if reason or state is None:
                    raw = header + w.buf[first : min(pos, first + _RAW_KEEP)]
                    self._quarantine(reason, raw, w.line_at(first), table_name, rows=nrows)
                else:
                    self._rows(state, positions, columns_out, nrows, starts)
            w.pos = pos
            if status == ST_END:
                return
            if status == ST_FULL:
                continue
            if status == ST_MORE:
                if w.unread > MAX_SPAN:
                    self._resync(w.pos, "row longer than 256 MB or an unclosed quote")
                    return
                w.fill()
                continue
            if status == ST_TRUNCATED:
                rest = w.buf[w.pos :]
                self._quarantine("truncated", header + rest, w.line_at(w.pos), table_name)
                w.pos = len(w.buf)
                return
            if status == ST_TRAILER:
                trailer_start = w.pos
                trailer_line = w.line_at(trailer_start)
                end = self._find_end(trailer_start)
                if end is None:
                    return
                trailer = w.buf[trailer_start:end]
                if not _ON_DUPLICATE.match(trailer) and trailer.strip() != b";":
                    self._quarantine(
                        "statement does not parse: unexpected text after the values",
                        trailer,
                        trailer_line,
                        table_name,
                    )
                return

    def _rows(
        self,
        state: TableState,
        positions: list[int],
        columns: list[tuple[bytes, bytes, bytes]],
        nrows: int,
        starts: bytes,
    ) -> None:
        issues = state.add(positions, columns, nrows, self.legacy)
        if not issues:
            return
        offsets = memoryview(starts).cast("q")
        for issue in issues:
            line = self.window.line_at(offsets[issue.row])
            self.quarantine.add(
                source=self.name,
                reason=issue.reason,
                raw=issue.raw,
                line=line,
                table=state.name,
                rows=issue.rows,
            )

    def _quarantine(
        self, reason: str, raw: bytes, line: int, table: str | None = None, rows: int = 1
    ) -> None:
        self.quarantine.add(
            source=self.name,
            reason=reason,
            raw=raw[:_RAW_KEEP],
            line=line,
            table=table,
            rows=rows,
        )
