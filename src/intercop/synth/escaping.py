"""Literals exactly as the dump tools write them.

MySQL strings are escaped like ``mysql_real_escape_string`` (``\\0 \\' \\" \\\\ \\n \\r
\\Z``); binary is either ``0x...`` (``--hex-blob``) or the raw bytes escaped the same
way. Raw bytes travel through ``str`` as surrogate escapes and are written with
``errors="surrogateescape"``, so arbitrary binary survives exactly.
PostgreSQL COPY text escapes backslash, tab, newline and carriage return; NULL is
``\\N`` and bytea is ``\\\\x`` + hex.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

#: encode files with this, so surrogate-escaped binary comes out as the original bytes
FILE_ERRORS = "surrogateescape"

_MYSQL = str.maketrans(
    {0: "\\0", 10: "\\n", 13: "\\r", 26: "\\Z", 34: '\\"', 39: "\\'", 92: "\\\\"}
)
_PG_COPY = str.maketrans(
    {92: "\\\\", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
)

SqlValue = None | bool | int | float | Decimal | str | bytes | datetime | date


def mysql_escape(text: str) -> str:
    """Escape a string the way ``mysql_real_escape_string`` does (without the quotes)."""
    return text.translate(_MYSQL)


def binary_as_text(data: bytes) -> str:
    """Carry raw bytes in a ``str`` (surrogate escapes for bytes that are not UTF-8)."""
    return data.decode("utf-8", FILE_ERRORS)


def mysql_literal(value: SqlValue, *, hex_blob: bool = True) -> str:
    """One value as mysqldump writes it inside ``VALUES (...)``."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return f"'{value.translate(_MYSQL)}'"
    if isinstance(value, bytes):
        if hex_blob:
            return f"0x{value.hex().upper()}" if value else "''"
        return f"'{binary_as_text(value).translate(_MYSQL)}'"
    if isinstance(value, datetime):
        return f"'{value:%Y-%m-%d %H:%M:%S}'"
    return f"'{value:%Y-%m-%d}'"


def pg_copy_field(value: SqlValue) -> str:
    """One value as ``pg_dump`` writes it in a ``COPY ... FROM stdin`` row."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, str):
        return value.translate(_PG_COPY)
    if isinstance(value, bytes):
        return f"\\\\x{value.hex()}"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}+00"
    return f"{value:%Y-%m-%d}"
