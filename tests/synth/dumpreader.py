"""A tiny test-only reader of the MySQL dumps the generator writes (not the real ingest)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

_UNESCAPE = {
    ord("0"): b"\x00", ord("n"): b"\n", ord("r"): b"\r", ord("Z"): b"\x1a",
    ord("'"): b"'", ord('"'): b'"', ord("\\"): b"\\",
}  # fmt: skip
_INSERT = re.compile(rb"INSERT INTO `(\w+)`(?: \([^)]*\))? VALUES\s*")

Value = None | bytes | str


def unescape(body: bytes) -> bytes:
    """Undo mysql_real_escape_string on the inside of a quoted literal."""
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == 0x5C:
            out += _UNESCAPE[body[i + 1]]
            i += 2
        else:
            out.append(ch)
            i += 1
    return bytes(out)


def _values(data: bytes, i: int) -> tuple[list[list[Value]], int]:
    """Parse ``(..),(..);`` starting at ``i``; strings stay bytes, numbers stay text."""
    rows: list[list[Value]] = []
    while True:
        assert data[i] == 0x28, data[i : i + 40]
        i += 1
        row: list[Value] = []
        while True:
            if data[i] == 0x27:
                j = i + 1
                while data[j] != 0x27:
                    j += 2 if data[j] == 0x5C else 1
                row.append(unescape(data[i + 1 : j]))
                i = j + 1
            else:
                j = i
                while data[j] not in b",)":
                    j += 1
                token = data[i:j].decode("ascii").strip()
                if token == "NULL":
                    row.append(None)
                elif token.startswith("0x"):
                    row.append(bytes.fromhex(token[2:]))
                else:
                    row.append(token)
                i = j
            while data[i] in b" \n":
                i += 1
            if data[i] == 0x2C:
                i += 1
                while data[i] in b" \n":
                    i += 1
                continue
            assert data[i] == 0x29
            i += 1
            break
        rows.append(row)
        while data[i] in b" \n":
            i += 1
        if data[i] == 0x3B:
            return rows, i + 1
        assert data[i] == 0x2C
        i += 1
        while data[i] in b" \n":
            i += 1


def read_rows(path: Path) -> Iterator[tuple[str, list[Value]]]:
    """Yield (table, row) for every row of every INSERT of a mysqldump/phpMyAdmin file."""
    data = path.read_bytes()
    pos = 0
    while (m := _INSERT.search(data, pos)) is not None:
        table = m.group(1).decode()
        rows, pos = _values(data, m.end())
        for row in rows:
            yield table, row


def tables(path: Path) -> dict[str, list[list[Value]]]:
    """All rows of a dump grouped by table."""
    out: dict[str, list[list[Value]]] = {}
    for table, row in read_rows(path):
        out.setdefault(table, []).append(row)
    return out
