"""CSV/TSV exports: dialect sniffed, every column kept as text.

Invariants: a CSV has no types, so every column is ``string`` (sql_type
``text``) and values are exactly the characters between the delimiters. Each
physical line is decoded on its own (UTF-8, else cp1252, counted in quarantine
as "repaired:"), so one stray latin-1 line does not spoil the file. Rows with
more or fewer fields than the header are quarantined with the line they start
on and the text of its lines as the file holds them (never re-written through the
``csv`` module, whose writer fails on some sniffed dialects); the rest are kept. No
``csv.Error`` escapes the reader: an unreadable row is quarantined like a ragged one.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

import pyarrow as pa

from intercop.errors import InputError
from intercop.evidence.archive import inner_name
from intercop.evidence.quarantine import Quarantine
from intercop.evidence.readers import register
from intercop.evidence.readers.base import Reader, TableSink
from intercop.evidence.schema import Column, TableSchema
from intercop.evidence.source import Opened

if TYPE_CHECKING:
    from _csv import Reader as CsvRows

log = logging.getLogger(__name__)

DELIMITERS = ",;\t|"
SAMPLE_BYTES = 256 * 1024
#: seized exports hold long text (posts, bios); the csv module's default is 128 KiB
FIELD_LIMIT = 64 * 1024 * 1024
_DATA_LIKE = re.compile(
    r"^\s*(?:[-+]?\d+(?:[.,]\d+)?|\S+@\S+\.\S+|\d{1,3}(?:\.\d{1,3}){3}|\d{4}-\d\d-\d\d.*|"
    r"(?:true|false|null))\s*$",
    re.I,
)


def _decode_line(raw: bytes) -> tuple[str, bool]:
    """A physical line as text, and whether it had to be repaired from cp1252."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace"), True


def _text_sample(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", "replace")
    head = head.removeprefix(codecs.BOM_UTF8)
    # a multi-byte character may be cut at the end of the sample
    return (
        head.decode("utf-8", "ignore") if _mostly_utf8(head) else head.decode("cp1252", "replace")
    )


def _mostly_utf8(head: bytes) -> bool:
    try:
        head[:-4].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _delimiter_counts(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Per delimiter: the commonest count per line (outside quotes) and how many lines had it."""
    out: dict[str, tuple[int, int]] = {}
    for d in DELIMITERS:
        counts = Counter(len(re.sub(r'"[^"]*"', "", line).split(d)) - 1 for line in lines)
        (mode, freq), *_ = counts.most_common(1) or [((0, 0))]
        out[d] = (mode, freq)
    return out


def sniff_dialect(sample: str, name: str) -> tuple[type[csv.Dialect] | csv.Dialect, bool]:
    """The dialect of a CSV sample and whether its first row is a header."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample cuts the last line
    dialect: type[csv.Dialect] | csv.Dialect
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    counts = _delimiter_counts(lines)
    mode, freq = counts.get(dialect.delimiter, (0, 0))
    best = max(DELIMITERS, key=lambda d: (counts[d][1] * (counts[d][0] > 0), counts[d][0]))
    if name.lower().endswith(".tsv") and counts["\t"][0] > 0:
        best = "\t"
    # the Sniffer guesses from character frequencies and is fooled by prose; trust
    # it only when its delimiter splits most lines the same way
    if mode == 0 or freq < len(lines) * 0.8 or best == "\t" != dialect.delimiter:
        dialect = _fallback(best)
    header = _has_header(sample, lines, dialect)
    return dialect, header


def _fallback(delimiter: str) -> type[csv.Dialect]:
    class Fallback(csv.excel):
        pass

    Fallback.delimiter = delimiter
    return Fallback


def _has_header(sample: str, lines: list[str], dialect: type[csv.Dialect] | csv.Dialect) -> bool:
    try:
        first = next(csv.reader(lines[:1], dialect), [])
    except csv.Error:
        return False
    if not first:
        return False
    try:
        if csv.Sniffer().has_header(sample):
            return True
    except csv.Error:
        pass
    # the Sniffer only sees type differences; in an all-text export a header is a
    # row of short labels with nothing that looks like a value
    return all(len(f) <= 64 and not _DATA_LIKE.match(f) for f in first)


def unique_names(header: list[str]) -> list[str]:
    """Column names from a header: blanks become ``col_N``, duplicates get ``_2``, ``_3``..."""
    names: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(header, 1):
        base = raw.strip() or f"col_{i}"
        name, n = base, 1
        while name in seen:
            n += 1
            name = f"{base}_{n}"
        seen.add(name)
        names.append(name)
    return names


@register
class CsvReader(Reader):
    """Reads one delimited text file as one table named after the file."""

    NAME = "csv"
    SUFFIXES = (".csv", ".tsv", ".txt")

    @classmethod
    def sniff(cls, head: bytes, name: str) -> float:
        window = head[:4096]
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        # a stray NUL inside a field happens in real exports; many of them mean binary
        if not head or (window.count(b"\x00") > len(window) * 0.01 and not utf16):
            return 0.0
        text = _text_sample(head)
        control = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\t\r\n")
        if control > len(text[:4096]) * 0.01 or text.lstrip()[:1] in ("{", "["):
            return 0.0
        lines = [ln for ln in text.splitlines()[:30] if ln.strip()]
        if len(lines) > 1 and not text.endswith(("\n", "\r")):
            lines = lines[:-1]
        counts = _delimiter_counts(lines)
        consistent = any(m > 0 and f >= max(2, len(lines) * 0.8) for m, f in counts.values())
        suffix = name.lower().endswith(cls.SUFFIXES)
        if suffix:
            return 0.9 if consistent else 0.5
        return 0.4 if consistent else 0.0

    def read(self, member: Opened, sink: TableSink, quarantine: Quarantine) -> None:
        csv.field_size_limit(FIELD_LIMIT)
        with member.open() as fh:
            head = fh.read(SAMPLE_BYTES)
        if not head.strip():
            raise InputError("the file is empty", path=member.name,
                             hint="Check that the copy is complete")  # fmt: skip
        dialect, header = sniff_dialect(_text_sample(head), member.name)
        utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        table = inner_name(member.name).rsplit(".", 1)[0] or "table"
        log.debug("%s: delimiter %r, header %s", member.name, dialect.delimiter, header)
        with member.open() as fh:
            tape = _Tape(_lines(fh, utf16, member.name, table, quarantine))
            reader = csv.reader(tape, dialect)
            self._rows(reader, tape, header, table, member, sink, quarantine)

    def _rows(
        self,
        reader: CsvRows,
        tape: _Tape,
        header: bool,
        table: str,
        member: Opened,
        sink: TableSink,
        quarantine: Quarantine,
    ) -> None:
        line_num = 0
        schema: TableSchema | None = None
        columns: list[list[str]] = []
        while True:
            start = line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                line_num = reader.line_num
                quarantine.add(source=member.name, line=start, table=table,
                               reason=f"unreadable CSV row: {exc}", raw=tape.take())  # fmt: skip
                continue
            line_num = reader.line_num
            raw = tape.take()
            if not row:
                continue  # a blank line is not a row
            if schema is None:
                names = unique_names(row if header else [""] * len(row))
                schema = TableSchema(table, tuple(Column(n, "text", pa.string()) for n in names),
                                     source=member.name)  # fmt: skip
                sink.declare(schema)
                columns = [[] for _ in names]
                if header:
                    continue
            if len(row) != len(columns):
                quarantine.add(source=member.name, line=start, table=table,
                               reason="ragged row: not as many fields as the header",
                               raw=raw)  # fmt: skip
                continue
            for col, value in zip(columns, row, strict=True):
                col.append(value)
            if len(columns[0]) >= self.batch_rows:
                _flush(sink, schema, columns)
        if schema is None:
            raise InputError("no rows: the file holds only blank lines", path=member.name)
        _flush(sink, schema, columns)


class _Tape:
    """Lines handed to ``csv.reader``, kept until taken: the raw text of the last row."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._held: list[str] = []

    def __iter__(self) -> _Tape:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._held.append(line)
        return line

    def take(self) -> str:
        """The lines read since the last call, as the file wrote them (no final newline)."""
        text = "".join(self._held).rstrip("\r\n")
        self._held.clear()
        return text


def _flush(sink: TableSink, schema: TableSchema, columns: list[list[str]]) -> None:
    if not columns or not columns[0]:
        return
    arrays = [pa.array(c, type=pa.string()) for c in columns]
    sink.write(schema.name, pa.RecordBatch.from_arrays(arrays, schema=schema.arrow_schema()))
    for c in columns:
        c.clear()


def _lines(fh: BinaryIO, utf16: bool, name: str, table: str, q: Quarantine) -> Iterator[str]:
    """Physical lines as text (line ends kept, so quoted newlines survive)."""
    if utf16:
        yield from io.TextIOWrapper(fh, encoding="utf-16", newline="")
        return
    first = True
    for lineno, raw in enumerate(fh, 1):
        if first:
            raw = raw.removeprefix(codecs.BOM_UTF8)
            first = False
        text, repaired = _decode_line(raw)
        if repaired:
            reason = "repaired: not UTF-8, decoded as cp1252"
            q.add(source=name, line=lineno, table=table, reason=reason, raw=raw)
        yield text
