"""Tokenizer of the VALUES tuples of MySQL INSERT statements, into column buffers.

``tokenize`` reads tuples from ``buf[pos:]`` until the statement ends, the
buffer runs out (the caller refills and calls again with the returned ``pos``
and ``state``) or ``max_rows`` rows are read. For each column it returns three
buffers Arrow can adopt: one kind byte per value (see ``K_*``), int64 offsets,
and the value bytes (strings unescaped as MySQL does, hex and bit literals
decoded, numbers as written). Rows with the wrong number of values, or an
expression that is not a literal, are reported by byte span and left out.
Given the statement's ``header`` (its bytes from INSERT up to the first '('),
it reads on through a next statement that starts with the very same bytes, so
a dump of one-row INSERTs costs a few calls, not one per row.

The compiled ``mysql_cvalues`` module does the same about 20x faster; this
pure-Python twin is used when it is not built, and the tests run both.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from typing import Protocol, TypeAlias

K_NULL, K_STR, K_NUM, K_HEX, K_BIT, K_DEFAULT = range(6)
ST_END, ST_MORE, ST_FULL, ST_TRAILER, ST_TRUNCATED = range(5)

#: kinds, int64 offsets (n + 1), data
ColumnBuffers: TypeAlias = tuple[bytes, bytes, bytes]
#: (start, end, reason) of a row left out
BadRow: TypeAlias = tuple[int, int, str]
#: status, pos, rows, state, columns, row starts (int64), bad rows
Tokenized: TypeAlias = tuple[int, int, int, int, list[ColumnBuffers], bytes, list[BadRow]]


class Tokenizer(Protocol):
    """The signature of ``tokenize`` and of its compiled twin."""

    def __call__(
        self,
        buf: bytes,
        pos: int,
        ncols: int,
        max_rows: int,
        state: int,
        final: bool,
        backslash: bool,
        header: bytes = ...,
        /,
    ) -> Tokenized: ...


_SPACE = re.compile(rb"[ \n\r\t\f\v]*")
_IDENT = re.compile(rb"[A-Za-z0-9_$\x80-\xff]*")
_NUMBER = re.compile(rb"[-+.0-9](?:[0-9.]|[eE][-+]?)*")
_HEXRUN = re.compile(rb"[0-9a-fA-F]*")
_BITRUN = re.compile(rb"[01]*")
_IDENT_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$") | set(
    range(0x80, 0x100)
)
_ESCAPES = {
    b"0": b"\0",
    b"b": b"\b",
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"Z": b"\x1a",
    b"%": b"\\%",
    b"_": b"\\_",
}


class _More(Exception):
    """The buffer ends inside a value."""


class _Bad(Exception):
    """A value that is not a literal."""


def _string_patterns(backslash: bool) -> dict[int, tuple[re.Pattern[bytes], re.Pattern[bytes]]]:
    out = {}
    for q in (b"'", b'"'):
        qe = re.escape(q)
        if backslash:
            body = rb"(?:[^" + qe + rb"\\]|\\.|" + qe + qe + rb")*"
            unescape = re.compile(rb"\\(.)|" + qe + qe, re.S)
        else:
            body = rb"(?:[^" + qe + rb"]|" + qe + qe + rb")*"
            unescape = re.compile(qe + qe)
        out[q[0]] = (re.compile(qe + b"(" + body + b")" + qe, re.S), unescape)
    return out


_STRINGS = {flag: _string_patterns(flag) for flag in (True, False)}


class _Parser:
    """State of one ``tokenize`` call."""

    def __init__(self, buf: bytes, final: bool, backslash: bool) -> None:
        self.s = buf
        self.n = len(buf)
        self.final = final
        self.strings = _STRINGS[backslash]

    def string(self, p: int) -> tuple[bytes, int]:
        quote = self.s[p]
        pattern, unescape = self.strings[quote]
        m = pattern.match(self.s, p)
        if m is None:
            raise _More
        end = m.end()
        if not self.final and (end == self.n or (end == self.n - 1 and self.s[end] == quote)):
            # the closing quote may be the first half of a doubled one
            raise _More
        body = m.group(1)
        if b"\\" in body or bytes((quote, quote)) in body:
            body = unescape.sub(lambda e: _unescape(e, quote), body)
        return body, m.end()

    def value(self, p: int) -> tuple[int, bytes, int]:
        s, n = self.s, self.n
        c = s[p]
        if c in (0x27, 0x22):
            body, end = self.string(p)
            return K_STR, body, end
        if c in b"xXbB" and p + 1 < n and s[p + 1] == 0x27:
            hexa = c in b"xX"
            run = (_HEXRUN if hexa else _BITRUN).match(s, p + 2)
            assert run is not None
            end = run.end()
            if end >= n:
                raise _More
            if s[end] != 0x27:
                raise _Bad("bad hex literal" if hexa else "bad bit literal")
            digits = run.group()
            if hexa and len(digits) % 2:
                raise _Bad("hex literal X'...' needs an even number of digits")
            return (K_HEX, _hex(digits), end + 1) if hexa else (K_BIT, _bits(digits), end + 1)
        if c == 0x30 and p + 1 < n and s[p + 1] in b"xb":
            hexa = s[p + 1] == 0x78
            run = (_HEXRUN if hexa else _BITRUN).match(s, p + 2)
            assert run is not None
            end = run.end()
            if end >= n and not self.final:
                raise _More
            if end > p + 2 and (end >= n or s[end] not in _IDENT_BYTES):
                digits = run.group()
                return (K_HEX, _hex(digits), end) if hexa else (K_BIT, _bits(digits), end)
        if c in b"0123456789-+.":
            m = _NUMBER.match(s, p)
            assert m is not None
            end = m.end()
            if end >= n and not self.final:
                raise _More
            if end < n and s[end] in _IDENT_BYTES:
                raise _Bad("bad number")
            text = m.group()
            return K_NUM, text[1:] if c == 0x2B else text, end
        if c in _IDENT_BYTES:
            m = _IDENT.match(s, p)
            assert m is not None
            end = m.end()
            if end >= n and not self.final:
                raise _More
            word = m.group().upper()
            if c == 0x5F and len(word) > 1:
                q = _SPACE.match(s, end)
                assert q is not None
                if q.end() >= n:
                    raise _More
                if s[q.end()] in b"'\"xXbB0":
                    return self.value(q.end())
                raise _Bad("character set introducer without a literal")
            if word == b"N" and end < n and s[end] == 0x27:
                body, end = self.string(end)
                return K_STR, body, end
            if word == b"NULL":
                return K_NULL, b"", end
            if word == b"TRUE":
                return K_NUM, b"1", end
            if word == b"FALSE":
                return K_NUM, b"0", end
            if word == b"DEFAULT":
                return K_DEFAULT, b"", end
            raise _Bad("expression is not a literal value")
        raise _Bad("unexpected character in a value")

    def skip_tuple(self, p: int) -> int:
        depth = 0
        s = self.s
        while p < self.n:
            c = s[p]
            if c in (0x27, 0x22):
                _, p = self.string(p)
                continue
            if c == 0x28:
                depth += 1
            elif c == 0x29:
                depth -= 1
                if depth == 0:
                    return p + 1
            p += 1
        raise _More

    def space(self, p: int) -> int:
        m = _SPACE.match(self.s, p)
        assert m is not None
        return m.end()


def _unescape(m: re.Match[bytes], quote: int) -> bytes:
    escaped = m.group(1) if m.lastindex else None
    if escaped is None:
        return bytes((quote,))
    return _ESCAPES.get(escaped, escaped)


def _hex(digits: bytes) -> bytes:
    return bytes.fromhex(("0" if len(digits) % 2 else "") + digits.decode())


def _bits(digits: bytes) -> bytes:
    if not digits:
        return b"\0"
    return int(digits, 2).to_bytes((len(digits) + 7) // 8, "big")


def _continuation(buf: bytes, p: int, header: bytes) -> int:
    """After a ';' at ``p``: the '(' of a next statement with the same header, else -1."""
    if not header:
        return -1
    m = _SPACE.match(buf, p)
    assert m is not None
    q = m.end() + len(header)
    if q >= len(buf) or buf[q] != 0x28 or not buf.startswith(header, m.end()):
        return -1  # another statement, or the buffer ends before that can be told
    return q


def tokenize(
    buf: bytes,
    pos: int,
    ncols: int,
    max_rows: int,
    state: int,
    final: bool,
    backslash: bool,
    header: bytes = b"",
    /,
) -> Tokenized:
    """Read VALUES tuples from ``buf[pos:]``; see the module docstring."""
    ps = _Parser(buf, final, backslash)
    store = ncols > 0
    kinds = [bytearray() for _ in range(ncols)] if store else []
    offsets = [array("q", [0]) for _ in range(ncols)] if store else []
    data = [bytearray() for _ in range(ncols)] if store else []
    starts = array("q")
    bad: list[BadRow] = []
    n, p, rows = len(buf), pos, 0
    status = ST_MORE
    while True:
        p = ps.space(p)
        if p >= n:
            status = (ST_END if state == 1 else ST_TRUNCATED) if final else ST_MORE
            break
        if state == 1:
            if buf[p] == 0x2C:
                p, state = p + 1, 0
                continue
            if buf[p] == 0x3B:
                q = _continuation(buf, p + 1, header)
                if q >= 0:
                    p, state = q, 0
                    continue
                p, status = p + 1, ST_END
                break
            status = ST_TRAILER
            break
        if buf[p] != 0x28:
            status = ST_TRAILER
            break
        row_start = p
        values: list[tuple[int, bytes]] = []
        reason = ""
        try:
            p += 1
            p = ps.space(p)
            if p >= n:
                raise _More
            if buf[p] == 0x29:
                p += 1
            else:
                while True:
                    kind, value, p = ps.value(p)
                    values.append((kind, value))
                    p = ps.space(p)
                    if p >= n:
                        raise _More
                    if buf[p] == 0x2C:
                        p = ps.space(p + 1)
                        if p >= n:
                            raise _More
                        continue
                    if buf[p] == 0x29:
                        p += 1
                        break
                    raise _Bad("expected ',' or ')' after a value")
            if store and len(values) != ncols:
                reason = f"{len(values)} values where {ncols} columns were expected"
        except _More:
            p = row_start
            status = ST_TRUNCATED if final else ST_MORE
            break
        except _Bad as why:
            reason = str(why)
        if reason:
            try:
                p = ps.skip_tuple(row_start)
            except _More:
                p = row_start
                status = ST_TRUNCATED if final else ST_MORE
                break
            bad.append((row_start, p, reason))
            state = 1
            continue
        for i, (kind, value) in enumerate(values if store else ()):
            kinds[i].append(kind)
            data[i] += value
            offsets[i].append(len(data[i]))
        starts.append(row_start)
        rows += 1
        state = 1
        if rows >= max_rows:
            status = ST_FULL
            break
    columns = [(bytes(kinds[i]), offsets[i].tobytes(), bytes(data[i])) for i in range(len(kinds))]
    return status, p, rows, state, columns, starts.tobytes(), bad


def newlines(buf: bytes, start: int, end: int) -> int:
    """Count of line feeds in ``buf[start:end]``."""
    return buf.count(b"\n", start, end)


try:
    from intercop.evidence.readers import mysql_cvalues
except ImportError:  # not built: the pure-Python twins
    #: the compiled tokenizer when built, else the pure-Python one
    FAST_TOKENIZE: Tokenizer = tokenize
    FAST_NEWLINES: Callable[[bytes, int, int], int] = newlines
else:
    FAST_TOKENIZE = mysql_cvalues.tokenize
    FAST_NEWLINES = mysql_cvalues.newlines
