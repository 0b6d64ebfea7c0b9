"""PostgreSQL plain-format dumps (pg_dump): CREATE TABLE, COPY ... FROM stdin, INSERT.

Invariants: the file is read line by line; outside COPY blocks lines are
gathered into statements by a scanner that knows quotes, dollar quotes and
comments; COPY rows are split on tabs and unescaped as bytes before decoding
(octal escapes are bytes of the server encoding); every value goes through the
text form PostgreSQL would print, then one converter per column type. A row
whose value does not convert is quarantined whole, never half-written.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import pyarrow as pa

from intercop.errors import InputError
from intercop.evidence.quarantine import Quarantine
from intercop.evidence.readers import register
from intercop.evidence.readers.base import Reader, TableSink
from intercop.evidence.readers.postgres_values import (
    E_BODY,
    Converter,
    arrow_type_of,
    converter_for,
    copy_unescape,
    parse_values,
)
from intercop.evidence.schema import Column, ForeignKey, TableSchema
from intercop.evidence.source import Opened

log = logging.getLogger(__name__)

_IDENT = r'(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)'
_QNAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_COLS = r"\(([^)]*)\)"
_RE_CREATE = re.compile(
    rf"CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:UNLOGGED|TEMP|TEMPORARY)\s+)?TABLE\s+"
    rf"(?:IF\s+NOT\s+EXISTS\s+)?({_QNAME})\s*\(",
    re.I,
)
_RE_COPY = re.compile(rf"COPY\s+({_QNAME})\s*(?:{_COLS})?\s*FROM\s+stdin", re.I)
_RE_INSERT = re.compile(
    rf"INSERT\s+INTO\s+({_QNAME})\s*(?:{_COLS})?\s*(?:OVERRIDING\s+\w+\s+VALUE\s+)?VALUES\s*",
    re.I,
)
_RE_ALTER = re.compile(
    rf"ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?({_QNAME})\s+ADD\s+CONSTRAINT\s+{_IDENT}\s+"
    rf"(PRIMARY\s+KEY|FOREIGN\s+KEY)\s*{_COLS}(?:\s*REFERENCES\s+({_QNAME})\s*(?:{_COLS})?)?",
    re.I,
)
_RE_SET = re.compile(r"SET\s+(client_encoding|standard_conforming_strings)\s*=\s*'?(\w+)'?", re.I)
_RE_CONSTRAINT_WORD = re.compile(
    r"\s(?:DEFAULT|NOT\s+NULL|NULL|CONSTRAINT|PRIMARY\s+KEY|UNIQUE|REFERENCES|CHECK|COLLATE|"
    r"GENERATED)\b",
    re.I,
)
_RE_COMMENT_LINES = re.compile(r"\A(?:\s*--[^\n]*\n|\s+)*")
_SCAN = re.compile(r"'|\"|\$|--|/\*|;")
_DOLLAR = re.compile(r"\$([A-Za-z_][\w]*)?\$")


def unquote(ident: str) -> str:
    """An identifier as PostgreSQL stores it: quoted kept verbatim, unquoted folded."""
    ident = ident.strip()
    if ident.startswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident.lower()


def table_name(qname: str) -> str:
    """``public.users`` -> ``users``; other schemas stay qualified (``forum.posts``)."""
    parts = [unquote(p) for p in re.findall(_IDENT, qname)]
    if len(parts) > 1 and parts[-2] == "public":
        return parts[-1]
    return ".".join(parts[-2:])


def ident_list(text: str) -> list[str]:
    return [unquote(p) for p in re.findall(_IDENT, text)]


def _split_top(text: str) -> list[str]:
    """Split a CREATE TABLE body on commas outside parentheses and quotes."""
    parts, depth, start, quote = [], 0, 0, ""
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_create(stmt: str, source: str) -> TableSchema | None:
    """The schema declared by a CREATE TABLE statement (None for LIKE/PARTITION OF forms)."""
    m = _RE_CREATE.match(stmt)
    if m is None:
        return None
    body = stmt[m.end() : stmt.rstrip().rstrip(";").rstrip().rfind(")")]
    columns: list[Column] = []
    pk: list[str] = []
    fks: list[ForeignKey] = []
    for part in _split_top(body):
        head = part.split(None, 1)[0].upper()
        if head in ("CONSTRAINT", "PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "EXCLUDE", "LIKE"):
            pk_m = re.search(rf"PRIMARY\s+KEY\s*{_COLS}", part, re.I)
            if pk_m:
                pk = ident_list(pk_m.group(1))
            fk_m = re.search(rf"FOREIGN\s+KEY\s*{_COLS}\s*REFERENCES\s+({_QNAME})\s*(?:{_COLS})?",
                             part, re.I)  # fmt: skip
            if fk_m:
                fks.append(_fk(fk_m.group(1), fk_m.group(2), fk_m.group(3)))
            continue
        name_m = re.match(_IDENT, part)
        if name_m is None:
            continue
        name = unquote(name_m.group(0))
        rest = part[name_m.end() :]
        cut = _RE_CONSTRAINT_WORD.search(rest)
        sql_type = " ".join((rest[: cut.start()] if cut else rest).split())
        constraints = rest[cut.start() :] if cut else ""
        not_null = bool(re.search(r"\bNOT\s+NULL\b|\bPRIMARY\s+KEY\b", constraints, re.I))
        if re.search(r"\bPRIMARY\s+KEY\b", constraints, re.I):
            pk = [name]
        ref = re.search(rf"\bREFERENCES\s+({_QNAME})\s*(?:{_COLS})?", constraints, re.I)
        if ref:
            fks.append(_fk(name, ref.group(1), ref.group(2)))
        columns.append(Column(name, sql_type, arrow_type_of(sql_type), nullable=not not_null))
    return TableSchema(
        name=table_name(m.group(1)),
        columns=tuple(columns),
        primary_key=tuple(pk),
        foreign_keys=tuple(fks),
        source=source,
    )


def _fk(cols: str, ref_table: str, ref_cols: str | None) -> ForeignKey:
    return ForeignKey(
        columns=tuple(ident_list(cols)),
        table=table_name(ref_table),
        ref_columns=tuple(ident_list(ref_cols or "")),
    )


@dataclass
class _Table:
    """A declared table and the rows gathered for its next batch."""

    schema: TableSchema
    converters: list[Converter]
    rows: list[list[object]] = field(default_factory=list)


@dataclass
class _Scanner:
    """Gathers lines into SQL statements, tracking quotes across lines."""

    mode: str = ""  # "", "'", "E", '"', "$", "*"
    tag: str = ""
    parts: list[str] = field(default_factory=list)
    start_line: int = 0
    conforming: bool = True  # standard_conforming_strings: off makes '' strings escape

    def feed(self, line: str, lineno: int) -> Iterator[tuple[str, int]]:
        """Statements completed by ``line``, each with the line it started on."""
        if not self.parts and not self.mode:
            stripped = line.lstrip()
            # psql meta-commands (\connect, pg_dump's \restrict) are not SQL
            if not stripped or stripped.startswith(("--", "\\")):
                return
            self.start_line = lineno
        pos, begin = 0, 0
        while pos < len(line):
            if self.mode == "":
                m = _SCAN.search(line, pos)
                if m is None:
                    break
                tok, pos = m.group(0), m.end()
                if tok == ";":
                    self.parts.append(line[begin:pos])
                    yield "".join(self.parts), self.start_line
                    self.parts, begin = [], pos
                    if not line[pos:].strip():
                        return
                    self.start_line = lineno
                elif tok == "--":
                    break
                elif tok == "'":
                    prev = line[pos - 2 : pos - 1]
                    before = line[pos - 3 : pos - 2]
                    escape = prev in ("E", "e") and not (before.isalnum() or before == "_")
                    self.mode = "E" if escape or not self.conforming else "'"
                elif tok == '"':
                    self.mode = '"'
                elif tok == "/*":
                    self.mode = "*"
                else:
                    d = _DOLLAR.match(line, pos - 1)
                    if d:
                        self.mode, self.tag, pos = "$", d.group(0), d.end()
            elif self.mode in ("'", '"'):
                end = line.find(self.mode, pos)
                if end < 0:
                    break
                if line.startswith(self.mode, end + 1):
                    pos = end + 2
                else:
                    self.mode, pos = "", end + 1
            elif self.mode == "E":
                m = E_BODY.search(line, pos)
                if m is None:
                    break
                pos = m.end()
                if m.group(0) == "'":
                    self.mode = ""
            elif self.mode == "$":
                end = line.find(self.tag, pos)
                if end < 0:
                    break
                self.mode, pos = "", end + len(self.tag)
            else:
                end = line.find("*/", pos)
                if end < 0:
                    break
                self.mode, pos = "", end + 2
        self.parts.append(line[begin:])


@register
class PostgresReader(Reader):
    """Reads pg_dump plain-format SQL."""

    NAME = "postgres"
    SUFFIXES = (".sql", ".pgsql", ".psql", ".dump")

    @classmethod
    def sniff(cls, head: bytes, name: str) -> float:
        text = head.decode("utf-8", "replace")
        score = 0.0
        if "PostgreSQL database dump" in text:
            score = 0.95
        elif re.search(r"^COPY\s+\S+.*FROM\s+stdin;", text, re.M | re.I):
            score = 0.9
        elif re.search(r"SET\s+(search_path|client_encoding|standard_conforming_strings)", text):
            score = 0.7
        elif re.search(r"::(?:timestamp|text|regclass|character varying)|\bE'", text) and (
            re.search(r"^(CREATE TABLE|INSERT INTO) ", text, re.M)
        ):
            score = 0.5
        # MySQL dialect (backquoted DDL, engines, conditional comments) outweighs weak
        # signals, but not pg_dump's own header or COPY blocks (data may hold backquotes)
        mysql_ddl = re.search(
            r"(CREATE TABLE|INSERT INTO)\s+`|ENGINE\s*=|/\*!\d{5}|LOCK TABLES", text
        )
        if score < 0.9 and mysql_ddl:
            score = min(score, 0.2)
        return score

    def read(self, member: Opened, sink: TableSink, quarantine: Quarantine) -> None:
        _Run(self, member, sink, quarantine).run()


class _Run:
    """The state of reading one dump."""

    def __init__(
        self, reader: PostgresReader, member: Opened, sink: TableSink, quarantine: Quarantine
    ) -> None:
        self.batch_rows = reader.batch_rows
        self.member = member
        self.sink = sink
        self.quarantine = quarantine
        self.tables: dict[str, _Table] = {}
        self.encoding = "utf-8"
        self.conforming = True
        self.repaired = 0

    def run(self) -> None:
        scanner = _Scanner()
        copy: tuple[_Table, list[int], list[Converter], int] | None = None
        lineno = 0
        last = b""
        with self.member.open() as fh:
            for lineno, raw in enumerate(fh, 1):
                last = raw
                if copy is not None:
                    if raw.rstrip(b"\r\n") == b"\\.":
                        copy = None
                    elif not raw.endswith(b"\n"):
                        self._quarantine(lineno, copy[0], "truncated: COPY row cut off", raw)
                    else:
                        self._copy_row(copy, raw, lineno)
                    continue
                line = self._decode(raw, lineno)
                for stmt, start in scanner.feed(line, lineno):
                    copy = self._statement(stmt, start)
                    scanner.conforming = self.conforming
        if copy is not None:
            self._quarantine(
                lineno, copy[0], "truncated: COPY block not ended by \\.", last, rows=0
            )
        elif scanner.parts and "".join(scanner.parts).strip():
            self.quarantine.add(
                source=self.member.name,
                line=scanner.start_line,
                reason="truncated: statement not ended by ;",
                raw="".join(scanner.parts),
            )
        if lineno == 0:
            raise InputError("the file is empty", path=self.member.name)
        for table in self.tables.values():
            self._flush(table)

    def _decode(self, raw: bytes, lineno: int) -> str:
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            self.repaired += 1
            self.quarantine.add(
                source=self.member.name,
                line=lineno,
                reason=f"repaired: not {self.encoding}, decoded as cp1252",
                raw=raw,
            )
            return raw.decode("cp1252", "replace")

    def _statement(
        self, stmt: str, line: int
    ) -> tuple[_Table, list[int], list[Converter], int] | None:
        stmt = stmt[_RE_COMMENT_LINES.match(stmt).end() :]  # type: ignore[union-attr]
        word = stmt[:6].upper()
        if word.startswith("SET"):
            m = _RE_SET.match(stmt)
            if m and m.group(1).lower() == "client_encoding":
                self.encoding = _codec(m.group(2), self.member.name, line)
            elif m:
                self.conforming = m.group(2).lower() == "on"
        elif word == "CREATE":
            schema = parse_create(stmt, self.member.name)
            if schema is not None:
                self._declare(schema)
        elif word == "COPY  " or word.startswith("COPY"):
            m = _RE_COPY.match(stmt)
            if m:
                table, index = self._target(m.group(1), m.group(2), line)
                convs = [table.converters[i] for i in index]
                return table, index, convs, len(table.schema.columns)
        elif word == "INSERT":
            self._insert(stmt, line)
        elif word == "ALTER ":
            self._alter(stmt)
        return None

    def _declare(self, schema: TableSchema) -> _Table:
        old = self.tables.get(schema.name)
        if old is not None:
            self._flush(old)
        table = _Table(schema, [converter_for(c.sql_type) for c in schema.columns])
        self.tables[schema.name] = table
        self.sink.declare(schema)
        return table

    def _target(self, qname: str, cols: str | None, line: int) -> tuple[_Table, list[int]]:
        name = table_name(qname)
        names = ident_list(cols) if cols else None
        table = self.tables.get(name)
        if table is None:
            # a data-only dump: no DDL, so keep every value as its exact text form
            log.warning("%s:%d: table %s was not declared; storing text", self.member.name,
                        line, name)  # fmt: skip
            columns = tuple(Column(c, "text", pa.string()) for c in names or [])
            table = self._declare(TableSchema(name, columns, source=self.member.name,
                                              extra={"undeclared": "true"}))  # fmt: skip
        known = table.schema.column_names
        if names is None:
            return table, list(range(len(known)))
        missing = [c for c in names if c not in known]
        if missing:
            raise InputError(f"columns {missing} of table {name} were not declared",
                             path=self.member.name, line=line)  # fmt: skip
        return table, [known.index(c) for c in names]

    def _copy_row(
        self, copy: tuple[_Table, list[int], list[Converter], int], raw: bytes, lineno: int
    ) -> None:
        table, index, convs, width = copy
        fields = raw.rstrip(b"\n").rstrip(b"\r").split(b"\t")
        if len(fields) != len(index):
            self._quarantine(lineno, table, f"expected {len(index)} fields, got {len(fields)}",
                             raw)  # fmt: skip
            return
        row: list[object] = [None] * width
        try:
            for i, conv, value in zip(index, convs, fields, strict=True):
                if value == b"\\N":
                    continue
                data = copy_unescape(value) if b"\\" in value else value
                try:
                    text = data.decode(self.encoding)
                except UnicodeDecodeError:
                    text = data.decode("cp1252", "replace")
                    reason = f"repaired: not {self.encoding}, decoded as cp1252"
                    self._quarantine(lineno, table, reason, raw)
                row[i] = conv(text)
        except (ValueError, ArithmeticError) as exc:
            self._quarantine(lineno, table, "bad value", f"{exc}: {raw!r}")
            return
        self._append(table, row)

    def _insert(self, stmt: str, line: int) -> None:
        m = _RE_INSERT.match(stmt)
        if m is None:
            self.quarantine.add(source=self.member.name, line=line, reason="INSERT not understood",
                                raw=stmt)  # fmt: skip
            return
        try:
            tuples = parse_values(stmt, m.end(), conforming=self.conforming)
        except ValueError as exc:
            self.quarantine.add(source=self.member.name, line=line, reason=f"INSERT: {exc}",
                                raw=stmt)  # fmt: skip
            return
        cols = m.group(2)
        if self.tables.get(table_name(m.group(1))) is None and cols is None and tuples:
            cols = ", ".join(f"col_{i + 1}" for i in range(len(tuples[0])))
        table, index = self._target(m.group(1), cols, line)
        width = len(table.schema.columns)
        for values in tuples:
            if len(values) != len(index):
                self._quarantine(line, table, f"expected {len(index)} values, got {len(values)}",
                                 stmt)  # fmt: skip
                continue
            row: list[object] = [None] * width
            try:
                for i, value in zip(index, values, strict=True):
                    row[i] = None if value is None else table.converters[i](value)
            except (ValueError, ArithmeticError) as exc:
                self._quarantine(line, table, "bad value", f"{exc}: {stmt}")
                continue
            self._append(table, row)

    def _alter(self, stmt: str) -> None:
        m = _RE_ALTER.match(stmt)
        if m is None:
            return
        table = self.tables.get(table_name(m.group(1)))
        if table is None:
            return
        schema = table.schema
        if m.group(2).upper().startswith("PRIMARY"):
            pk = tuple(ident_list(m.group(3)))
            cols = tuple(replace(c, nullable=False) if c.name in pk else c for c in schema.columns)
            schema = replace(schema, primary_key=pk, columns=cols)
        elif m.group(4):
            fk = _fk(m.group(3), m.group(4), m.group(5))
            schema = replace(schema, foreign_keys=(*schema.foreign_keys, fk))
        self._flush(table)
        table.schema = schema
        self.sink.declare(schema)

    def _append(self, table: _Table, row: list[object]) -> None:
        table.rows.append(row)
        if len(table.rows) >= self.batch_rows:
            self._flush(table)

    def _flush(self, table: _Table) -> None:
        if not table.rows:
            return
        schema = table.schema.arrow_schema()
        columns = list(zip(*table.rows, strict=True))
        arrays = [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)]
        self.sink.write(table.schema.name, pa.RecordBatch.from_arrays(arrays, schema=schema))
        table.rows = []

    def _quarantine(
        self, line: int, table: _Table, reason: str, raw: bytes | str, rows: int = 1
    ) -> None:
        self.quarantine.add(source=self.member.name, line=line, table=table.schema.name,
                            reason=reason, raw=raw, rows=rows)  # fmt: skip


def _codec(name: str, path: str, line: int) -> str:
    aliases = {"utf8": "utf-8", "sql_ascii": "latin-1", "win1252": "cp1252", "latin1": "latin-1"}
    codec = aliases.get(name.lower(), name.lower())
    try:
        codecs.lookup(codec)
    except LookupError:
        raise InputError(f"client_encoding {name!r} is not known", path=path, line=line) from None
    return codec
