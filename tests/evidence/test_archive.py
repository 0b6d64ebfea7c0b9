"""Archives: members, decompression, bombs and path traversal."""

from __future__ import annotations

import bz2
import gzip
import lzma
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest

from intercop.errors import ArchiveBombError, InputError
from intercop.evidence.archive import FLOOR, inner_name, materialise, open_members
from intercop.evidence.source import fingerprint

PAYLOAD = "id,name\n1,Jan 日本 🎉\n".encode() * 1000
RATIO = 200.0
CAP = 64 * 1024**3


def members(path: Path, scratch: Path, *, ratio: float = RATIO, cap: int = CAP) -> list:  # type: ignore[type-arg]
    return open_members(fingerprint(path), max_ratio=ratio, max_bytes=cap, scratch=scratch)


def read_all(member) -> bytes:  # type: ignore[no-untyped-def]
    with member.open() as fh:
        return fh.read()  # type: ignore[no-any-return]


def test_plain_file_is_one_member_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_bytes(PAYLOAD)
    (m,) = members(path, tmp_path / "scratch")
    assert (m.name, m.path) == ("users.csv", path)
    assert read_all(m) == PAYLOAD


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)],
)
def test_compressed_stream_is_one_decompressed_member(tmp_path: Path, suffix, compress) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"customers.csv{suffix}"
    path.write_bytes(compress(PAYLOAD))
    (m,) = members(path, tmp_path / "scratch")
    assert m.name == f"customers.csv{suffix}!customers.csv"
    assert inner_name(m.name) == "customers.csv"
    assert m.path is None
    assert read_all(m) == PAYLOAD
    assert read_all(m) == PAYLOAD  # each open() is a fresh stream


def test_gzip_is_recognised_by_magic_not_suffix(tmp_path: Path) -> None:
    path = tmp_path / "evidence.bin"
    path.write_bytes(gzip.compress(PAYLOAD))
    (m,) = members(path, tmp_path / "scratch")
    assert read_all(m) == PAYLOAD


def test_truncated_gzip_is_an_input_error(tmp_path: Path) -> None:
    data = gzip.compress(bytes(range(256)) * 20000)
    path = tmp_path / "dump.sql.gz"
    path.write_bytes(data[: len(data) // 2])
    (m,) = members(path, tmp_path / "scratch")
    with pytest.raises(InputError, match="damaged or cut off"):
        read_all(m)


def test_zip_gives_one_member_per_file_and_skips_folders(tmp_path: Path) -> None:
    path = tmp_path / "dump.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("db/", b"")
        zf.writestr("db/users.sql", b"CREATE TABLE users (id int);\n")
        zf.writestr("posts.csv", PAYLOAD)
    found = {m.name: read_all(m) for m in members(path, tmp_path / "scratch")}
    assert found == {
        "dump.zip!db/users.sql": b"CREATE TABLE users (id int);\n",
        "dump.zip!posts.csv": PAYLOAD,
    }


@pytest.mark.parametrize("evil", ["../../etc/cron.d/x.sql", "/etc/passwd", "a/../../b.csv"])
def test_zip_path_traversal_is_refused(tmp_path: Path, evil: str) -> None:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ok.csv", b"a\n1\n")
        zf.writestr(evil, b"x")
    with pytest.raises(InputError, match="path-traversal"):
        members(path, tmp_path / "scratch")
    assert not (tmp_path / "scratch").exists()


def _zeros_gzip(path: Path, total: int) -> None:
    chunk = bytes(1 << 20)
    with gzip.open(path, "wb", compresslevel=1) as fh:
        for _ in range(total // len(chunk)):
            fh.write(chunk)


@pytest.mark.slow
def test_gzip_bomb_is_refused_quickly_without_writing_it(tmp_path: Path) -> None:
    path = tmp_path / "bomb.sql.gz"
    _zeros_gzip(path, 300 * 1024 * 1024)
    assert path.stat().st_size < 2 * 1024 * 1024
    scratch = tmp_path / "scratch"
    (m,) = members(path, scratch)
    started = time.monotonic()
    with pytest.raises(ArchiveBombError, match=r"bomb\.sql\.gz") as err, m.open() as fh:
        while fh.read(1 << 20):
            pass
    assert time.monotonic() - started < 10
    assert "archive bomb" in str(err.value)
    with pytest.raises(ArchiveBombError):
        materialise(m, scratch)
    assert list(scratch.iterdir()) == []  # the partial copy is removed


def test_expansion_cap_applies_even_below_the_ratio(tmp_path: Path) -> None:
    path = tmp_path / "big.csv.gz"
    path.write_bytes(gzip.compress(PAYLOAD))
    with pytest.raises(ArchiveBombError, match="MAX_EXPANDED_BYTES"):
        (m,) = members(path, tmp_path / "scratch", cap=1000)
        read_all(m)


def test_small_repetitive_archives_are_allowed_by_the_floor(tmp_path: Path) -> None:
    data = b"INSERT INTO t VALUES (1);\n" * 400_000  # ~10 MB, compresses > 200x
    path = tmp_path / "dump.sql.gz"
    path.write_bytes(gzip.compress(data))
    assert len(data) / path.stat().st_size > RATIO
    assert len(data) < FLOOR
    (m,) = members(path, tmp_path / "scratch")
    assert read_all(m) == data


@pytest.mark.slow
def test_zip_bomb_is_refused_from_its_declared_size(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    chunk = bytes(1 << 20)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open("users.sql", "w", force_zip64=True) as fh,
    ):
        for _ in range(300):
            fh.write(chunk)
    started = time.monotonic()
    with pytest.raises(ArchiveBombError, match="declares"):
        members(path, tmp_path / "scratch")
    assert time.monotonic() - started < 1


def test_compressed_sqlite_is_materialised_to_scratch(tmp_path: Path) -> None:
    db = tmp_path / "panel.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO users VALUES (1, 'jan')")
    con.commit()
    con.close()
    path = tmp_path / "panel.sqlite.gz"
    path.write_bytes(gzip.compress(db.read_bytes()))
    scratch = tmp_path / "scratch"
    (m,) = members(path, scratch)
    assert m.path is not None and m.path.parent == scratch
    assert m.path.read_bytes() == db.read_bytes()
