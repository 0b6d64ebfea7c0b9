"""A sliding window over a dump's bytes, with line numbers and statement boundaries.

The window holds at most one chunk plus the statement or row being read, so
memory stays bounded whatever the file size; it grows only for a single row
larger than a chunk, up to ``MAX_SPAN``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import BinaryIO

from intercop.evidence.readers.mysql_values import FAST_NEWLINES

#: bytes read at a time
CHUNK = 8 << 20
#: the largest single statement (other than INSERT) or row kept in memory
MAX_SPAN = 256 << 20

#: whitespace and complete comments between statements (not /*! conditional ones)
GAP = re.compile(
    rb"(?:[ \t\r\n\f\v]++|--[ \t\r\f\v][^\n]*+\n|--\n|\#[^\n]*+\n"
    rb"|/\*(?![!+])(?:[^*]++|\*(?!/))*+\*/)*+"
)
#: what an unfinished comment starts with, when GAP stops at one
COMMENT_START = re.compile(rb"--[ \t\r\f\v\n]|--\Z|\#|/\*(?![!+])")


@lru_cache(maxsize=8)
def statement_end(delimiter: bytes, backslash: bool) -> re.Pattern[bytes]:
    """A pattern matching from a statement's start through its delimiter, quote-aware."""
    d = re.escape(delimiter)
    first = re.escape(delimiter[:1])
    if backslash:
        single = rb"'(?:[^'\\]++|\\.|'')*+'"
        double = rb'"(?:[^"\\]++|\\.|"")*+"'
    else:
        single = rb"'(?:[^']++|'')*+'"
        double = rb'"(?:[^"]++|"")*+"'
    plain = rb"[^'\"`/#\-" + first + rb"]++"
    parts = [
        plain,
        single,
        double,
        rb"`[^`]*+`",
        rb"/\*(?:[^*]++|\*(?!/))*+\*/",
        rb"--[ \t\r\f\v][^\n]*+\n",
        rb"\#[^\n]*+\n",
        rb"/(?!\*)",
        rb"-(?!-[ \t\r\f\v\n])",
    ]
    if delimiter[:1] not in b"'\"`/#-":
        parts.append(rb"(?!" + d + rb")" + first)
    return re.compile(rb"(?:" + b"|".join(parts) + rb")*+" + d, re.S)


class Window:
    """The part of the stream being read: ``buf[pos:]`` is unread."""

    def __init__(self, stream: BinaryIO, chunk_size: int = CHUNK) -> None:
        self.stream = stream
        self.chunk_size = chunk_size
        self.buf = b""
        self.pos = 0
        self.eof = False
        self._line = 1  # line number of buf[0]
        self._cursor = 0  # an index into buf whose line is known
        self._cursor_line = 1

    def fill(self) -> bool:
        """Drop what was read, append more of the stream; False at the end of the stream."""
        if self.eof:
            return False
        keep = len(self.buf) - self.pos
        if self.pos:
            self._line = self.line_at(self.pos)
            self.buf = self.buf[self.pos :]
            self.pos = 0
            self._cursor, self._cursor_line = 0, self._line
        # read at least as much as is kept, so a huge row costs O(n), not O(n^2)
        more = self.stream.read(max(self.chunk_size, keep))
        if not more:
            self.eof = True
            return False
        self.buf += more
        return True

    def ensure(self, size: int) -> None:
        """Have at least ``size`` unread bytes, or all that is left."""
        while len(self.buf) - self.pos < size and self.fill():
            pass

    @property
    def unread(self) -> int:
        return len(self.buf) - self.pos

    def line_at(self, index: int) -> int:
        """1-based line number of ``buf[index]``."""
        if index < self._cursor:
            self._cursor, self._cursor_line = 0, self._line
        self._cursor_line += FAST_NEWLINES(self.buf, self._cursor, index)
        self._cursor = index
        return self._cursor_line
