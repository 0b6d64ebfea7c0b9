"""SQLite database files, read with the stdlib driver, never written to.

Invariants: SQLite is dynamically typed, so a column's Arrow type comes from its
declared affinity *checked against the storage classes it really holds*
(``typeof``, one scan per table): when they agree the column keeps its natural
type; when they do not, the column is stored as text (blobs as ``X'..'``
literals, reals in shortest round-trip form) and every value that did not fit
is counted in quarantine as "mixed types: stored as text". Nothing is coerced
silently and nothing is dropped. A database with a ``-wal`` file is copied with
it to a scratch folder first, so committed transactions in the WAL are read and
the evidence is never touched.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa

from intercop.errors import InputError
from intercop.evidence.archive import SQLITE_MAGIC, materialise
from intercop.evidence.quarantine import Quarantine
from intercop.evidence.readers import register
from intercop.evidence.readers.base import Reader, TableSink
from intercop.evidence.schema import Column, ForeignKey, TableSchema
from intercop.evidence.source import Opened

log = logging.getLogger(__name__)

MIXED = "mixed types: stored as text"
_NATURAL = {"integer": pa.int64(), "real": pa.float64(), "text": pa.string(), "blob": pa.binary()}


def affinity(declared: str) -> str:
    """SQLite's column affinity of a declared type (rules of section 3.1 of its docs)."""
    t = declared.upper()
    if "INT" in t:
        return "INTEGER"
    if any(k in t for k in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in t or not t.strip():
        return "BLOB"
    if any(k in t for k in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def storage_type(declared: str, classes: set[str]) -> tuple[pa.DataType, set[str]]:
    """The Arrow type for a column holding ``classes``, and the classes that do not fit it."""
    preferred = {"INTEGER": "integer", "REAL": "real", "TEXT": "text"}.get(affinity(declared))
    if not classes:
        return _NATURAL[preferred or "text"], set()
    if len(classes) == 1:
        (only,) = classes
        return _NATURAL[only], set()
    if classes == {"integer", "real"}:
        # integers are exact in float64 only up to 2**53; the caller checks the range
        return pa.float64(), set()
    misfits = classes - {preferred or "text"}
    return pa.string(), misfits


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_text(value: object) -> str:
    if isinstance(value, bytes):
        return "X'" + value.hex().upper() + "'"
    if isinstance(value, float):
        return repr(value)
    return str(value)


@register
class SqliteReader(Reader):
    """Reads every table of a SQLite 3 database file."""

    NAME = "sqlite"
    SUFFIXES = (".sqlite", ".sqlite3", ".db", ".db3")

    @classmethod
    def sniff(cls, head: bytes, name: str) -> float:
        return 1.0 if head.startswith(SQLITE_MAGIC) else 0.0

    def read(self, member: Opened, sink: TableSink, quarantine: Quarantine) -> None:
        with _connect(member) as con:
            tables = con.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid"
            ).fetchall()
            for name, sql in tables:
                if str(sql or "").upper().startswith("CREATE VIRTUAL"):
                    log.info("%s: skipping virtual table %s (its shadow tables are read)",
                             member.name, name)  # fmt: skip
                    continue
                self._table(con, member, str(name), sink, quarantine)

    def _table(
        self,
        con: sqlite3.Connection,
        member: Opened,
        name: str,
        sink: TableSink,
        quarantine: Quarantine,
    ) -> None:
        q = _quote(name)
        info = con.execute(f"PRAGMA table_info({q})").fetchall()
        names = [str(r[1]) for r in info]
        declared = [str(r[2] or "") for r in info]
        pk = tuple(str(r[1]) for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        classes, big_ints = _classes(con, q, names)
        columns: list[Column] = []
        mismatched: dict[str, int] = {}
        for i, col in enumerate(names):
            dtype, misfits = storage_type(declared[i], classes[i])
            if pa.types.is_floating(dtype) and big_ints[i]:
                dtype, misfits = pa.string(), {"integer"}
            if misfits:
                mismatched[col] = _count(con, q, col, misfits)
            sql_type = declared[i] or "(none)"
            columns.append(Column(col, sql_type, dtype, nullable=not info[i][3] and col not in pk))
        schema = TableSchema(
            name=name,
            columns=tuple(columns),
            primary_key=pk,
            foreign_keys=_foreign_keys(con, q),
            source=member.name,
        )
        sink.declare(schema)
        for col, n in mismatched.items():
            quarantine.add(source=member.name, table=name, reason=MIXED, rows=n,
                           raw=f"column {col}: {n} values not of the declared type "
                           f"{schema.column(col).sql_type!r}; kept as text")  # fmt: skip
        self._rows(con, member, schema, sink, quarantine)

    def _rows(
        self,
        con: sqlite3.Connection,
        member: Opened,
        schema: TableSchema,
        sink: TableSink,
        quarantine: Quarantine,
    ) -> None:
        arrow = schema.arrow_schema()
        kinds = [
            "text" if pa.types.is_string(f.type) else "float" if pa.types.is_floating(f.type)
            else "" for f in arrow
        ]  # fmt: skip
        select = ", ".join(_quote(c) for c in schema.column_names)
        cur = con.execute(f"SELECT {select} FROM {_quote(schema.name)}")
        row_no = 0
        while batch := cur.fetchmany(self.batch_rows):
            columns: list[list[object]] = [[] for _ in kinds]
            for row in batch:
                row_no += 1
                for i, value in enumerate(row):
                    columns[i].append(_convert(value, kinds[i], member, schema.name, row_no,
                                               quarantine))  # fmt: skip
            arrays = [pa.array(c, type=f.type) for c, f in zip(columns, arrow, strict=True)]
            sink.write(schema.name, pa.RecordBatch.from_arrays(arrays, schema=arrow))


def _convert(
    value: object, kind: str, member: Opened, table: str, row: int, quarantine: Quarantine
) -> object:
    """One value as its column stores it; text arrives as bytes so bad UTF-8 is visible."""
    if value is None:
        return None
    if kind == "float":
        return float(value)  # type: ignore[arg-type]
    if kind != "text":
        return value
    if isinstance(value, _BadText):
        reason = "repaired: TEXT not UTF-8, stored as an X'..' literal"
        quarantine.add(source=member.name, table=table, reason=reason, raw=f"row {row}: {value!r}")
    return value if isinstance(value, str) else _as_text(value)


def _classes(
    con: sqlite3.Connection, q: str, names: list[str]
) -> tuple[list[set[str]], list[bool]]:
    """Storage classes present in each column, and whether integers exceed 2**53."""
    out: list[set[str]] = []
    big: list[bool] = []
    kinds = ("integer", "real", "text", "blob")
    # chunks of columns keep the result under SQLite's 2000-column limit
    for start in range(0, len(names), 100):
        chunk = names[start : start + 100]
        parts = []
        for c in chunk:
            qc = _quote(c)
            parts += [f"SUM(typeof({qc}) = '{k}')" for k in kinds]
            limit = 9007199254740992
            parts.append(f"MAX(typeof({qc}) = 'integer' AND ({qc} > {limit} OR {qc} < -{limit}))")
        row = con.execute(f"SELECT {', '.join(parts)} FROM {q}").fetchone()
        for i in range(len(chunk)):
            counts = row[i * 5 : i * 5 + 4]
            out.append({k for k, n in zip(kinds, counts, strict=True) if n})
            big.append(bool(row[i * 5 + 4]))
    return out, big


def _count(con: sqlite3.Connection, q: str, col: str, classes: set[str]) -> int:
    marks = ", ".join(f"'{c}'" for c in sorted(classes))
    n = con.execute(f"SELECT count(*) FROM {q} WHERE typeof({_quote(col)}) IN ({marks})")
    return int(n.fetchone()[0])


def _foreign_keys(con: sqlite3.Connection, q: str) -> tuple[ForeignKey, ...]:
    groups: dict[int, list[tuple[str, str, str | None]]] = {}
    for r in con.execute(f"PRAGMA foreign_key_list({q})").fetchall():
        groups.setdefault(int(r[0]), []).append((str(r[2]), str(r[3]), r[4]))
    keys = []
    for refs in groups.values():
        table = refs[0][0]
        ref_cols = tuple(str(to) for _, _, to in refs if to is not None)
        if not ref_cols:  # "REFERENCES parent" without columns means the parent's key
            info = con.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
            ref_cols = tuple(str(r[1]) for r in sorted((r for r in info if r[5]),
                                                       key=lambda r: r[5]))  # fmt: skip
        keys.append(ForeignKey(tuple(frm for _, frm, _ in refs), table, ref_cols))
    return tuple(keys)


@contextmanager
def _connect(member: Opened) -> Iterator[sqlite3.Connection]:
    """A read-only connection; WAL databases are read from a scratch copy with their WAL."""
    with tempfile.TemporaryDirectory(prefix="intercop-sqlite-") as tmp:
        path = member.path if member.path is not None else materialise(member, Path(tmp))
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            copy = Path(tmp) / "db.sqlite"
            shutil.copyfile(path, copy)
            shutil.copyfile(wal, copy.with_name("db.sqlite-wal"))
            uri = f"file:{quote(str(copy))}?mode=ro"
        else:
            uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
        try:
            con = sqlite3.connect(uri, uri=True)
            con.text_factory = _text
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"not a readable SQLite database: {exc}",
                path=member.name,
                hint="The file may be truncated, or encrypted (SQLCipher)",
            ) from exc
        try:
            yield con
        finally:
            con.close()


class _BadText(bytes):
    """A TEXT value that is not valid UTF-8, told apart from a real BLOB."""


def _text(data: bytes) -> str | bytes:
    """TEXT values: UTF-8 as str; anything else stays bytes, stored as an X'..' literal."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _BadText(data)
