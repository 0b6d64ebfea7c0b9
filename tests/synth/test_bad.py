"""The bad inputs are bad in exactly the advertised way."""

from __future__ import annotations

import csv
import json
import struct
import zlib
from pathlib import Path

import pytest

from intercop.synth import generate_bad_inputs
from intercop.synth.bad import BOMB_BYTES


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bad")
    generate_bad_inputs(out)
    return out


def test_catalogue(bad_dir: Path) -> None:
    listed = json.loads((bad_dir / "bad_inputs.json").read_text("utf-8"))
    assert {b["problem"] for b in listed} == {
        "truncated", "mojibake", "syntax", "undeclared-table", "ragged-rows", "not-a-dump",
        "archive-bomb", "empty"}  # fmt: skip
    assert all((bad_dir / b["path"]).exists() for b in listed)


def test_truncated_ends_inside_a_statement(bad_dir: Path) -> None:
    data = (bad_dir / "truncated.sql").read_bytes()
    assert data.count(b"INSERT INTO `attack_logs`") >= 1
    assert not data.rstrip().endswith(b";") and b"Dump completed" not in data


def test_latin1_bytes_in_utf8mb4(bad_dir: Path) -> None:
    data = (bad_dir / "latin1_in_utf8mb4.sql").read_bytes()
    assert b"SET NAMES utf8mb4" in data and b"Jos\xe9 M\xfcller" in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_statement_errors(bad_dir: Path) -> None:
    assert "(7,'broken',,'Gold' 'x')" in (bad_dir / "unparsable_statement.sql").read_text()
    text = (bad_dir / "undeclared_table.sql").read_text()
    assert "INSERT INTO `chat_messages`" in text and "CREATE TABLE `chat_messages`" not in text


def test_ragged_csv_and_empty_and_jpeg(bad_dir: Path) -> None:
    with (bad_dir / "ragged.csv").open(newline="") as handle:
        widths = [len(r) for r in csv.reader(handle)]
    assert set(widths) == {3, 4, 6}
    assert (bad_dir / "empty.sql").stat().st_size == 0
    jpeg = (bad_dir / "not_a_dump.sql").read_bytes()
    assert (
        jpeg[:4] == b"\xff\xd8\xff\xe0" and jpeg[6:11] == b"JFIF\x00" and jpeg[-2:] == b"\xff\xd9"
    )


def test_bomb_expands_enormously(bad_dir: Path) -> None:
    path = bad_dir / "bomb.sql.gz"
    packed = path.read_bytes()
    # compressed well beyond the default 200x expansion guard
    assert packed[:2] == b"\x1f\x8b" and len(packed) < BOMB_BYTES / 300
    _crc, size = struct.unpack("<II", packed[-8:])
    assert BOMB_BYTES - (2 << 20) <= size <= BOMB_BYTES
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    head = inflater.decompress(packed[: 1 << 18], 128 << 20)
    assert len(head) > 50 << 20
    # a valid dump, so only the expansion guard (not sniffing) can stop it
    assert head.startswith(b"-- MariaDB dump") and b"INSERT INTO `flood` VALUES" in head
