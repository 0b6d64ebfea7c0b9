"""Literals round-trip through a reader written independently of the writer."""

from __future__ import annotations

import random

import pytest

from intercop.synth.content import NASTY
from intercop.synth.escaping import mysql_literal, pg_copy_field
from tests.synth.dumpreader import unescape

PG_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}


def pg_unescape(field: str) -> str:
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\":
            out.append(PG_UNESCAPE[field[i + 1]])
            i += 2
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


@pytest.mark.parametrize("text", NASTY)
def test_mysql_string_round_trips(text: str) -> None:
    literal = mysql_literal(text)
    assert literal[0] == literal[-1] == "'"
    inner = literal[1:-1]
    # no bare quote or raw newline may survive inside the literal
    assert "\n" not in inner and "\r" not in inner and "\x00" not in inner
    assert unescape(inner.encode("utf-8")).decode("utf-8") == text


def test_mysql_escapes_exactly_like_mysql_real_escape_string() -> None:
    assert mysql_literal("a'b\"c\\d\ne\rf\x00g\x1ah") == "'a\\'b\\\"c\\\\d\\ne\\rf\\0g\\Zh'"


def test_binary_round_trips_with_and_without_hex_blob() -> None:
    rng = random.Random(3)
    blobs = [bytes([0, 39, 92, 34, 10, 13, 26, 255]), *(rng.randbytes(16) for _ in range(200))]
    for blob in blobs:
        assert mysql_literal(blob, hex_blob=True) == "0x" + blob.hex().upper()
        literal = mysql_literal(blob, hex_blob=False).encode("utf-8", "surrogateescape")
        assert unescape(literal[1:-1]) == blob


@pytest.mark.parametrize("text", [t for t in NASTY if "\x00" not in t])
def test_pg_copy_field_round_trips(text: str) -> None:
    field = pg_copy_field(text)
    assert "\t" not in field and "\n" not in field
    assert pg_unescape(field) == text


def test_pg_copy_null_and_bytea() -> None:
    assert pg_copy_field(None) == "\\N"
    assert pg_copy_field("\\N") == "\\\\N"  # the text "\N" is not NULL
    assert pg_copy_field(b"\x00\xff") == "\\\\x00ff"
