"""The VALUES tokenizer, compiled and pure-Python, on nasty values."""

from __future__ import annotations

import struct

import pytest

from intercop.evidence.readers import mysql_values as mv
from intercop.evidence.readers.mysql_values import (
    K_BIT,
    K_DEFAULT,
    K_HEX,
    K_NULL,
    K_NUM,
    K_STR,
    ST_END,
    ST_FULL,
    ST_MORE,
    ST_TRAILER,
    ST_TRUNCATED,
    Tokenizer,
)


def _compiled() -> Tokenizer:
    try:
        from intercop.evidence.readers import mysql_cvalues
    except ImportError:
        pytest.skip("the compiled tokenizer is not built (pure-Python one tested)")
    return mysql_cvalues.tokenize


@pytest.fixture(params=["python", "compiled"])
def tokenize(request: pytest.FixtureRequest) -> Tokenizer:
    return mv.tokenize if request.param == "python" else _compiled()


def values(result: mv.Tokenized) -> list[list[tuple[int, bytes]]]:
    """Rows of (kind, bytes) from a tokenizer result."""
    columns = result[4]
    rows: list[list[tuple[int, bytes]]] = [[] for _ in range(result[2])]
    for kinds, offsets, data in columns:
        bounds = struct.unpack(f"<{len(offsets) // 8}q", offsets)
        for i, kind in enumerate(kinds):
            rows[i].append((kind, data[bounds[i] : bounds[i + 1]]))
    return rows


def one(tokenize: Tokenizer, literal: bytes, backslash: bool = True) -> tuple[int, bytes]:
    result = tokenize(b"(" + literal + b");", 0, 1, 100, 0, False, backslash)
    assert result[0] == ST_END, result
    return values(result)[0][0]


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (rb"'it''s'", (K_STR, b"it's")),
        (rb"'it\'s'", (K_STR, b"it's")),
        (rb'"say ""hi"" \"x\""', (K_STR, b'say "hi" "x"')),
        (rb"'a\\b'", (K_STR, b"a\\b")),
        (rb"'\0\b\n\r\t\Z'", (K_STR, b"\0\b\n\r\t\x1a")),
        (rb"'\%\_'", (K_STR, b"\\%\\_")),
        (rb"'\q'", (K_STR, b"q")),
        (rb"'); DROP TABLE x; -- '", (K_STR, b"); DROP TABLE x; -- ")),
        (b"'line1\nline2'", (K_STR, b"line1\nline2")),
        ("'😀 日本語 ñ'".encode(), (K_STR, "😀 日本語 ñ".encode())),
        (rb"''", (K_STR, b"")),
        (b"NULL", (K_NULL, b"")),
        (b"null", (K_NULL, b"")),
        (b"-42", (K_NUM, b"-42")),
        (b"+7", (K_NUM, b"7")),
        (b"3.25", (K_NUM, b"3.25")),
        (b"-1.5e-3", (K_NUM, b"-1.5e-3")),
        (b"1E+10", (K_NUM, b"1E+10")),
        (b"0xABCD", (K_HEX, b"\xab\xcd")),
        (b"0xabc", (K_HEX, b"\x0a\xbc")),
        (b"X'00ff1A'", (K_HEX, b"\x00\xff\x1a")),
        (b"x''", (K_HEX, b"")),
        (b"b'0101'", (K_BIT, b"\x05")),
        (b"b'100000001'", (K_BIT, b"\x01\x01")),
        (b"0b11", (K_BIT, b"\x03")),
        (rb"_binary '\0\Z\''", (K_STR, b"\0\x1a'")),
        (b"_binary 0x00ff", (K_HEX, b"\x00\xff")),
        ("_utf8mb4'é'".encode(), (K_STR, "é".encode())),
        (b"N'abc'", (K_STR, b"abc")),
        (b"TRUE", (K_NUM, b"1")),
        (b"false", (K_NUM, b"0")),
        (b"DEFAULT", (K_DEFAULT, b"")),
    ],
)
def test_literal(tokenize: Tokenizer, literal: bytes, expected: tuple[int, bytes]) -> None:
    assert one(tokenize, literal) == expected


def test_binary_bytes_survive(tokenize: Tokenizer) -> None:
    every_byte = bytes(range(256))
    escaped = (
        every_byte.replace(b"\\", b"\\\\")
        .replace(b"'", b"\\'")
        .replace(b"\0", b"\\0")
        .replace(b"\x1a", b"\\Z")
    )
    assert one(tokenize, b"_binary '" + escaped + b"'") == (K_STR, every_byte)


def test_no_backslash_escapes(tokenize: Tokenizer) -> None:
    assert one(tokenize, rb"'a\n''b'", backslash=False) == (K_STR, b"a\\n'b")


def test_rows_columns_and_statement_end(tokenize: Tokenizer) -> None:
    sql = b"(1,'a',NULL),\n (2 , 'b;c' ,0x41) ;INSERT"
    status, pos, nrows, _, _, starts, bad = result = tokenize(sql, 0, 3, 100, 0, False, True)
    assert (status, nrows, bad) == (ST_END, 2, [])
    assert sql[pos:] == b"INSERT"
    assert struct.unpack("<2q", starts) == (0, 15)
    assert values(result) == [
        [(K_NUM, b"1"), (K_STR, b"a"), (K_NULL, b"")],
        [(K_NUM, b"2"), (K_STR, b"b;c"), (K_HEX, b"A")],
    ]


def test_bad_rows_are_reported_and_skipped(tokenize: Tokenizer) -> None:
    sql = b"(1,'x'),(2),(3,NOW()),(4,'a)b', 5),(6,'y');"
    status, _, nrows, _, _, _, bad = result = tokenize(sql, 0, 2, 100, 0, False, True)
    assert status == ST_END
    assert nrows == 2
    assert [row[0][1] for row in values(result)] == [b"1", b"6"]
    assert [(sql[a:b], why) for a, b, why in bad] == [
        (b"(2)", "1 values where 2 columns were expected"),
        (b"(3,NOW())", "expression is not a literal value"),
        (b"(4,'a)b', 5)", "3 values where 2 columns were expected"),
    ]


def test_needs_more_and_resumes(tokenize: Tokenizer) -> None:
    sql = b"(1,'abc'),(2,'de"
    status, pos, nrows, state, *_ = tokenize(sql, 0, 2, 100, 0, False, True)
    assert (status, nrows, state) == (ST_MORE, 1, 0)
    assert sql[pos:] == b"(2,'de"
    full = sql + b"f'),(3,'g');"
    status, pos, nrows, *_ = tokenize(full, pos, 2, 100, state, False, True)
    assert (status, nrows, pos) == (ST_END, 2, len(full))


def test_a_closing_quote_at_the_end_waits(tokenize: Tokenizer) -> None:
    # 'abc' could go on as 'abc''def' - the tokenizer must not decide yet
    status, pos, nrows, *_ = tokenize(b"(1,'abc'", 0, 2, 100, 0, False, True)
    assert (status, pos, nrows) == (ST_MORE, 0, 0)


def test_truncated_and_end_without_semicolon(tokenize: Tokenizer) -> None:
    status, pos, nrows, *_ = tokenize(b"(1,'a'),(2,'b", 0, 2, 100, 0, True, True)
    assert (status, pos, nrows) == (ST_TRUNCATED, 8, 1)
    status, _, nrows, *_ = tokenize(b"(1,'a')\n", 0, 2, 100, 0, True, True)
    assert (status, nrows) == (ST_END, 1)


def test_full_batch_then_continue(tokenize: Tokenizer) -> None:
    sql = b"(1),(2),(3);"
    status, pos, nrows, state, *_ = tokenize(sql, 0, 1, 2, 0, False, True)
    assert (status, nrows, state) == (ST_FULL, 2, 1)
    status, pos, nrows, *_ = tokenize(sql, pos, 1, 2, state, False, True)
    assert (status, nrows, pos) == (ST_END, 1, len(sql))


def test_trailer_after_values(tokenize: Tokenizer) -> None:
    sql = b"(1,2) ON DUPLICATE KEY UPDATE a=1;"
    status, pos, nrows, *_ = tokenize(sql, 0, 2, 100, 0, False, True)
    assert (status, nrows) == (ST_TRAILER, 1)
    assert sql[pos:].startswith(b"ON DUPLICATE")


def test_counting_only(tokenize: Tokenizer) -> None:
    status, _, nrows, _, columns, _, bad = tokenize(b"(1),(2,3),();", 0, 0, 100, 0, False, True)
    assert (status, nrows, columns, bad) == (ST_END, 3, [], [])


def test_both_tokenizers_agree_at_every_cut() -> None:
    compiled = _compiled()
    sql = "(1,'a''b\\'c\\n',NULL,-1.5e3,0xABC,X'0a0B',b'101',_binary 'x\\0y','😀'),"
    sql += '(2,"q""",3,4,5,6,7,8,\'日本\'),(3,NOW()),(4,5);'
    data = sql.encode()
    for cut in range(len(data) + 1):
        for final in (False, True):
            args = (data[:cut], 0, 9, 100, 0, final, True)
            assert mv.tokenize(*args) == compiled(*args), (cut, final)


HEADER = b"INSERT INTO `t` VALUES "


def test_continues_into_a_statement_with_the_same_header(tokenize: Tokenizer) -> None:
    sql = (
        b"(1,'a');\n" + HEADER + b"(2,'b'),(3,'c');\r\n" + HEADER + b"(4);\n"
        b"INSERT INTO `u` VALUES (5,'e');"
    )
    status, pos, nrows, _, _, starts, bad = result = tokenize(
        sql, 0, 2, 100, 0, False, True, HEADER
    )
    assert (status, nrows) == (ST_END, 3)
    assert sql[pos:] == b"\nINSERT INTO `u` VALUES (5,'e');"
    assert [row[0][1] for row in values(result)] == [b"1", b"2", b"3"]
    assert [sql[a : a + 3] for a in struct.unpack("<3q", starts)] == [b"(1,", b"(2,", b"(3,"]
    assert [(sql[a:b], why) for a, b, why in bad] == [
        (b"(4)", "1 values where 2 columns were expected")
    ]


def test_without_a_header_a_statement_ends_at_its_semicolon(tokenize: Tokenizer) -> None:
    sql = b"(1);\n" + HEADER + b"(2);"
    status, pos, nrows, *_ = tokenize(sql, 0, 1, 100, 0, False, True)
    assert (status, pos, nrows) == (ST_END, 4, 1)


def test_a_header_cut_by_the_buffer_ends_the_statement(tokenize: Tokenizer) -> None:
    # whether the next statement is a twin cannot be told yet: the caller reads it as usual
    for cut in (b"(1);\n", b"(1);\n" + HEADER[:10], b"(1);\n" + HEADER):
        status, pos, nrows, *_ = tokenize(cut, 0, 1, 100, 0, False, True, HEADER)
        assert (status, pos, nrows) == (ST_END, 4, 1)


def test_both_tokenizers_agree_across_statements() -> None:
    compiled = _compiled()
    data = (
        b"(1,'a;b');\n" + HEADER + b"(2,'x''');\n" + HEADER + b"(3,NOW());  " + HEADER
        + b"(4,'d'),(5);\n" + HEADER + b"(6,'f') ON DUPLICATE KEY UPDATE a=1;"
    )  # fmt: skip
    for cut in range(len(data) + 1):
        for final in (False, True):
            args = (data[:cut], 0, 2, 100, 0, final, True, HEADER)
            assert mv.tokenize(*args) == compiled(*args), (cut, final)
