"""The SQLite reader: declared types checked against stored values, keys, WAL, bad files."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pyarrow as pa
import pytest

from intercop.errors import InputError
from intercop.evidence.archive import open_members
from intercop.evidence.quarantine import Quarantine
from intercop.evidence.readers.sqlite import MIXED, SqliteReader
from intercop.evidence.source import Opened, fingerprint
from tests.evidence.readers.test_postgres import ListSink

NASTY = 'O\'Brien "x"\n\t\\ 日本 🎉'


def make_db(path: Path) -> None:
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INT, score REAL,
                            created DATETIME, avatar BLOB, misc, price DECIMAL(10,2));
        CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id),
                            body TEXT);
        """
    )
    first = "INSERT INTO users VALUES (1, ?, 30, 1.5, '2024-01-01 10:00:00', x'00ff', 'a', 9.99)"
    con.execute(first, (NASTY,))
    con.execute("INSERT INTO users VALUES (2, 'b', 'thirty', 2, '2024-02-02', NULL, 5, 10)")
    con.execute(
        "INSERT INTO users VALUES (3, CAST(x'ff41' AS TEXT), NULL, NULL, NULL, x'', x'01', NULL)"
    )
    con.executemany(
        "INSERT INTO posts VALUES (?, ?, ?)", [(i, 1 + i % 2, f"p{i}") for i in range(250)]
    )
    con.commit()
    con.close()


def read(member: Opened, tmp_path: Path) -> tuple[ListSink, Quarantine]:
    sink = ListSink()
    q = Quarantine(tmp_path / "q.ndjson")
    SqliteReader(batch_rows=100).read(member, sink, q)
    q.close()
    return sink, q


def plain(path: Path) -> Opened:
    return Opened(path.name, fingerprint(path), lambda: path.open("rb"), path)


@pytest.fixture
def db(tmp_path: Path) -> tuple[ListSink, Quarantine]:
    path = tmp_path / "panel.sqlite"
    make_db(path)
    return read(plain(path), tmp_path)


def test_types_checked_against_values(db: tuple[ListSink, Quarantine]) -> None:
    users = db[0].schemas["users"]
    assert {c.name: c.arrow_type for c in users.columns} == {
        "id": pa.int64(), "name": pa.string(), "age": pa.string(), "score": pa.float64(),
        "created": pa.string(), "avatar": pa.binary(), "misc": pa.string(),
        "price": pa.float64(),
    }  # fmt: skip
    assert users.column("age").sql_type == "INT"
    assert users.primary_key == ("id",)
    assert users.column("name").nullable is False


def test_values_are_kept_and_mismatches_counted(db: tuple[ListSink, Quarantine]) -> None:
    rows = db[0].table("users").to_pylist()
    assert rows[0]["name"] == NASTY
    assert [r["age"] for r in rows] == ["30", "thirty", None]
    assert [r["avatar"] for r in rows] == [b"\x00\xff", None, b""]
    assert [r["misc"] for r in rows] == ["a", "5", "X'01'"]
    assert rows[2]["name"] == "X'FF41'"  # not UTF-8: kept as its bytes, and said so
    assert db[1].by_reason[MIXED] == 1 + 2  # age: one integer; misc: an integer and a blob
    reasons = [json.loads(x)["reason"] for x in db[1].path.read_text().splitlines()]
    assert any(r.startswith("repaired:") for r in reasons)


def test_foreign_keys_and_batches(db: tuple[ListSink, Quarantine]) -> None:
    sink = db[0]
    fk = sink.schemas["posts"].foreign_keys[0]
    assert (fk.columns, fk.table, fk.ref_columns) == (("user_id",), "users", ("id",))
    assert [b.num_rows for b in sink.batches["posts"]] == [100, 100, 50]
    assert sink.table("posts").column("body").to_pylist()[-1] == "p249"


def test_gzipped_database_through_the_archive(tmp_path: Path) -> None:
    db = tmp_path / "panel.sqlite"
    make_db(db)
    gz = tmp_path / "panel.sqlite.gz"
    gz.write_bytes(gzip.compress(db.read_bytes()))
    (member,) = open_members(fingerprint(gz), max_ratio=200, max_bytes=2**30,
                             scratch=tmp_path / "scratch")  # fmt: skip
    sink, _ = read(member, tmp_path)
    assert sink.table("posts").num_rows == 250


def test_committed_wal_transactions_are_read(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE t (x INTEGER)")
    con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(10)])
    con.commit()
    # the writer stays open, as on a seized live disk: the rows are only in the WAL
    assert (tmp_path / "wal.sqlite-wal").stat().st_size > 0
    sink, _ = read(plain(path), tmp_path)
    con.close()
    assert sink.table("t").column("x").to_pylist() == list(range(10))


def test_truncated_database_is_an_input_error(tmp_path: Path) -> None:
    db = tmp_path / "panel.sqlite"
    make_db(db)
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(db.read_bytes()[:100])
    with pytest.raises(InputError, match=r"cut\.sqlite"):
        read(plain(cut), tmp_path)


def test_sniff(tmp_path: Path) -> None:
    db = tmp_path / "panel.sqlite"
    make_db(db)
    assert SqliteReader.sniff(db.read_bytes()[:4096], "x") == 1.0
    assert SqliteReader.sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF", "a.jpg") < 0.3
    assert SqliteReader.sniff(b"", "a.db") < 0.3
    assert SqliteReader.sniff(b"-- PostgreSQL database dump\n", "a.db") < 0.3
