"""JSON exports: an array of objects, an object of arrays (a table per key), or NDJSON.

Invariants: a column's type is what its values hold when they agree (int64,
float64, bool, string); nested objects and arrays are kept as JSON text; a
column whose values disagree is stored as text (strings as they are, other
values as JSON) with the disagreeing values counted in quarantine. NDJSON is
streamed twice (types first, rows second) so memory stays bounded; a single JSON
document is read whole, up to ``MAX_DOCUMENT`` bytes.
"""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import pyarrow as pa

from intercop.errors import InputError
from intercop.evidence.archive import inner_name
from intercop.evidence.quarantine import Quarantine
from intercop.evidence.readers import register
from intercop.evidence.readers.base import Reader, TableSink
from intercop.evidence.schema import Column, TableSchema
from intercop.evidence.source import Opened

log = logging.getLogger(__name__)

MAX_DOCUMENT = 256 * 1024 * 1024
MIXED = "mixed types: stored as text"
_EXACT_FLOAT = 2**53
_INT64 = (-(2**63), 2**63 - 1)


@dataclass
class _Kinds:
    """What one key's values hold across the rows of a table."""

    kinds: set[str] = field(default_factory=set)
    big: bool = False  # an integer that int64 (or float64, mixed with floats) cannot hold
    big_for_float: bool = False
    non_text: int = 0

    def see(self, value: object) -> None:
        if value is None:
            return
        kind = _kind(value)
        self.kinds.add(kind)
        if kind != "str":
            self.non_text += 1
        if kind == "int":
            assert isinstance(value, int)
            self.big |= not _INT64[0] <= value <= _INT64[1]
            self.big_for_float |= abs(value) > _EXACT_FLOAT

    def column(self, name: str) -> tuple[Column, int]:
        """The column for these values, and how many values it stores as mismatched text."""
        k = self.kinds
        if k == {"bool"}:
            return Column(name, "boolean", pa.bool_()), 0
        if k == {"int"} and not self.big:
            return Column(name, "integer", pa.int64()), 0
        if k in ({"float"}, {"int", "float"}) and not self.big_for_float:
            return Column(name, "number", pa.float64()), 0
        if k == {"json"}:
            return Column(name, "json", pa.string()), 0
        if not k or k == {"str"}:
            return Column(name, "string" if k else "null", pa.string()), 0
        if k <= {"int", "float"}:  # numbers too large to be held exactly: their JSON text
            return Column(name, "number", pa.string()), 0
        return Column(name, "mixed", pa.string()), self.non_text


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return "json"


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           separators=(",", ":"))  # fmt: skip


class _Table:
    """Declares one table from its key statistics and writes its rows in batches."""

    def __init__(
        self, name: str, stats: dict[str, _Kinds], member: Opened, sink: TableSink,
        quarantine: Quarantine, batch_rows: int,
    ) -> None:  # fmt: skip
        self.keys = list(stats)
        self.sink = sink
        self.batch_rows = batch_rows
        columns = []
        for i, (key, kinds) in enumerate(stats.items(), 1):
            column, mismatched = kinds.column(key or f"col_{i}")
            columns.append(column)
            if mismatched:
                quarantine.add(source=member.name, table=name, reason=MIXED, rows=mismatched,
                               raw=f"key {key!r}: {mismatched} values are not strings; "
                               "kept as JSON text")  # fmt: skip
        self.schema = TableSchema(name, tuple(columns), source=member.name)
        self.text = [pa.types.is_string(c.arrow_type) for c in columns]
        self.rows: list[list[object]] = [[] for _ in columns]
        sink.declare(self.schema)

    def add(self, obj: dict[str, object]) -> None:
        for i, key in enumerate(self.keys):
            value = obj.get(key)
            if value is not None and self.text[i]:
                value = _as_text(value)
            elif isinstance(value, int) and not isinstance(value, bool) and not self.text[i]:
                value = value if self.schema.columns[i].arrow_type == pa.int64() else float(value)
            self.rows[i].append(value)
        if len(self.rows[0]) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if not self.rows or not self.rows[0]:
            return
        arrow = self.schema.arrow_schema()
        arrays = [pa.array(col, type=f.type) for col, f in zip(self.rows, arrow, strict=True)]
        self.sink.write(self.schema.name, pa.RecordBatch.from_arrays(arrays, schema=arrow))
        self.rows = [[] for _ in self.rows]


def _stats(rows: Iterable[dict[str, object]]) -> dict[str, _Kinds]:
    stats: dict[str, _Kinds] = {}
    for obj in rows:
        for key, value in obj.items():
            stats.setdefault(key, _Kinds()).see(value)
    return stats


def _strip(head: bytes) -> bytes:
    return head.removeprefix(codecs.BOM_UTF8).lstrip()


def _ndjson_first(head: bytes) -> bool:
    """True when the first line is a whole JSON object and another value follows it."""
    first, _, rest = _strip(head).partition(b"\n")
    try:
        value = json.loads(first)
    except ValueError:
        return False
    return isinstance(value, dict) and bool(rest.strip())


@register
class JsonReader(Reader):
    """Reads JSON documents of tables and NDJSON streams of objects."""

    NAME = "json"
    SUFFIXES = (".json", ".ndjson", ".jsonl")

    @classmethod
    def sniff(cls, head: bytes, name: str) -> float:
        text = _strip(head)
        if not text or b"\x00" in text[:4096]:
            return 0.0
        bonus = 0.05 if name.lower().endswith(cls.SUFFIXES) else 0.0
        if text.startswith(b"{"):
            if _ndjson_first(text):
                return 0.9 + bonus
            return (0.7 if b'":' in text[:4096] or b'" :' in text[:4096] else 0.2) + bonus
        if text.startswith(b"["):
            nxt = text[1:].lstrip()[:1]
            return (0.85 if nxt == b"{" else 0.5 if nxt == b"]" else 0.2) + bonus
        return 0.0

    def read(self, member: Opened, sink: TableSink, quarantine: Quarantine) -> None:
        with member.open() as fh:
            head = fh.read(64 * 1024)
        text = _strip(head)
        if not text:
            raise InputError("the file is empty", path=member.name,
                             hint="Check that the copy is complete")  # fmt: skip
        if text[:1] not in (b"{", b"["):
            raise InputError("not JSON: it does not start with { or [", path=member.name)
        if text.startswith(b"{") and (_ndjson_first(text) or _ndjson_second(text)):
            self._ndjson(member, sink, quarantine)
        else:
            self._document(member, sink, quarantine)

    def _ndjson(self, member: Opened, sink: TableSink, quarantine: Quarantine) -> None:
        name = _stem(member)
        with member.open() as fh:
            stats = _stats(obj for _, obj, _ in _objects(fh) if obj is not None)
        table = _Table(name, stats, member, sink, quarantine, self.batch_rows)
        with member.open() as fh:
            for lineno, obj, error in _objects(fh):
                if obj is None:
                    quarantine.add(source=member.name, line=lineno, table=name,
                                   reason=error[0], raw=error[1])  # fmt: skip
                else:
                    table.add(obj)
        table.flush()

    def _document(self, member: Opened, sink: TableSink, quarantine: Quarantine) -> None:
        with member.open() as fh:
            data = fh.read(MAX_DOCUMENT + 1)
        if len(data) > MAX_DOCUMENT:
            raise InputError(
                f"a single JSON document larger than {MAX_DOCUMENT // 2**20} MB",
                path=member.name,
                hint="Convert it to NDJSON (one object per line), e.g. `jq -c '.[]' FILE`",
            )
        try:
            doc = json.loads(data.removeprefix(codecs.BOM_UTF8).decode("utf-8"))
        except UnicodeDecodeError as exc:
            hint = "Convert the file to UTF-8 (JSON must be UTF-8)"
            raise InputError(f"not UTF-8 at byte {exc.start}", path=member.name, hint=hint) from exc
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", path=member.name,
                             line=exc.lineno) from exc  # fmt: skip
        for name, items in _tables(doc, _stem(member)):
            rows: list[dict[str, object]] = []
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    rows.append(item)
                else:
                    quarantine.add(source=member.name, table=name, reason="not a JSON object",
                                   raw=f"element {i}: {_as_text(item)}")  # fmt: skip
            table = _Table(name, _stats(rows), member, sink, quarantine, self.batch_rows)
            for row in rows:
                table.add(row)
            table.flush()


def _stem(member: Opened) -> str:
    return inner_name(member.name).rsplit(".", 1)[0] or "table"


def _ndjson_second(text: bytes) -> bool:
    """NDJSON whose first line is damaged: the next non-blank line is an object."""
    lines = [ln for ln in text.split(b"\n")[1:3] if ln.strip()]
    return bool(lines) and _ndjson_first(lines[0] + b"\n{}")


def _objects(fh: BinaryIO) -> Iterator[tuple[int, dict[str, object] | None, tuple[str, str]]]:
    """Each non-blank NDJSON line: its number and object, or why it could not be read."""
    for lineno, raw in enumerate(fh, 1):
        line = raw.removeprefix(codecs.BOM_UTF8) if lineno == 1 else raw
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            yield lineno, None, ("invalid JSON", raw.decode("utf-8", "backslashreplace"))
            continue
        if isinstance(value, dict):
            yield lineno, value, ("", "")
        else:
            yield lineno, None, ("not a JSON object", raw.decode("utf-8", "backslashreplace"))


def _tables(doc: object, stem: str) -> list[tuple[str, list[object]]]:
    """The tables in a document: an array, an object of arrays, or a phpMyAdmin export."""
    if isinstance(doc, list):
        exported = [
            d for d in doc
            if isinstance(d, dict) and d.get("type") == "table" and isinstance(d.get("data"), list)
        ]  # fmt: skip
        if exported:  # phpMyAdmin's JSON export: header, database, then table entries
            return [(str(d["name"]), d["data"]) for d in exported]
        return [(stem, doc)]
    if isinstance(doc, dict):
        arrays = [(str(k), v) for k, v in doc.items() if isinstance(v, list)]
        rest = {k: v for k, v in doc.items() if not isinstance(v, list)}
        if not arrays:
            return [(stem, [doc])]
        # keys beside the arrays (export date, version...) are kept as a one-row table
        return arrays + ([(stem if stem not in doc else f"{stem}_meta", [rest])] if rest else [])
    return [(stem, [doc])]
