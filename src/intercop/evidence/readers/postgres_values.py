"""PostgreSQL values in their text form (COPY text and SQL literals), converted for Arrow.

Invariants: every value arrives as the text PostgreSQL prints for it (after
COPY unescaping or literal parsing); ``converter_for`` turns it into what the
column's Arrow type stores, raising ``ValueError`` for a value that does not fit,
so the reader can quarantine the row instead of storing something invented.
Dates and timestamps are computed arithmetically, so BC dates and years past
9999 survive where Python's ``datetime`` would not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import pyarrow as pa

Converter = Callable[[str], object]
E_BODY = re.compile(r"\\.|''|'", re.S)

_INT_RANGES = {16: (-(2**15), 2**15 - 1), 32: (-(2**31), 2**31 - 1), 64: (-(2**63), 2**63 - 1)}
_INT_NAMES = {
    **dict.fromkeys(("smallint", "int2", "smallserial", "serial2"), 16),
    **dict.fromkeys(("integer", "int", "int4", "serial", "serial4"), 32),
    **dict.fromkeys(("bigint", "int8", "bigserial", "serial8"), 64),
}
_BOOL = {"t": True, "true": True, "f": False, "false": False, "1": True, "0": False,
         "y": True, "yes": True, "n": False, "no": False, "on": True, "off": False}  # fmt: skip
_RE_TIMESTAMP = re.compile(
    r"(\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?"
    r"(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?)?( BC)?"
)
_RE_COPY_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.S)
_COPY_CHARS = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_RE_E_ESCAPE = re.compile(
    r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S
)
_RE_BYTEA_ESCAPE = re.compile(r"\\(?:\\|([0-7]{3}))")
_RE_TOKEN = re.compile(
    r"\s*(?:(NULL|TRUE|FALSE|DEFAULT)\b|([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|([EeBbXxNn]?)')",
    re.I,
)
_RE_CAST = re.compile(r"\s*::\s*[A-Za-z_\"][\w .\"]*(?:\([^)]*\))?(?:\s*\[\])*")


def _type_parts(sql_type: str) -> tuple[str, list[int], bool]:
    """A declared type as (base name, integer modifiers, is array)."""
    t = sql_type.lower().strip()
    is_array = t.endswith("]") or t.startswith("_") or t.startswith("array")
    args = [int(a) for a in re.findall(r"-?\d+", (re.findall(r"\(([^)]*)\)", t) or [""])[0])]
    name = " ".join(re.sub(r"\([^)]*\)|\[\d*\]|\"", " ", t).split())
    name = re.sub(r"^(?:pg_catalog|public)\.", "", name)
    return name, args, is_array


def _decimal_type(args: list[int]) -> pa.DataType | None:
    if not args:
        return None  # unconstrained numeric: any scale, so only text is lossless
    precision, scale = args[0], args[1] if len(args) > 1 else 0
    if not 0 <= scale <= precision:
        return None
    if precision <= 38:
        return pa.decimal128(precision, scale)
    return pa.decimal256(precision, scale) if precision <= 76 else None


def arrow_type_of(sql_type: str) -> pa.DataType:
    """The Arrow type a PostgreSQL column type is stored as, losslessly."""
    name, args, is_array = _type_parts(sql_type)
    if is_array:
        return pa.string()
    if name in _INT_NAMES:
        return {16: pa.int16(), 32: pa.int32(), 64: pa.int64()}[_INT_NAMES[name]]
    if name in ("numeric", "decimal"):
        return _decimal_type(args) or pa.string()
    if name in ("real", "float4") or (name == "float" and args and args[0] <= 24):
        return pa.float32()
    if name in ("double precision", "float8", "float"):
        return pa.float64()
    if name in ("boolean", "bool"):
        return pa.bool_()
    if name == "bytea":
        return pa.binary()
    if name == "date":
        return pa.date32()
    if name in ("timestamp", "timestamp without time zone"):
        return pa.timestamp("us")
    if name in ("timestamptz", "timestamp with time zone"):
        return pa.timestamp("us", tz="UTC")
    return pa.string()


def _days(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year, BC as <= 0)."""
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not (1 <= month <= 12 and 1 <= day <= (29 if leap and month == 2 else _MONTH[month])):
        raise ValueError(f"no such date: {year}-{month:02d}-{day:02d}")
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _moment(text: str, *, date_only: bool = False, zoned: bool = False) -> int:
    """Days (``date_only``) or microseconds since the epoch, UTC when ``zoned``."""
    m = _RE_TIMESTAMP.fullmatch(text)
    if m is None or (date_only and m.group(4)) or (not date_only and not m.group(4)):
        raise ValueError(f"not a PostgreSQL {'date' if date_only else 'timestamp'}: {text!r}")
    year = int(m.group(1))
    days = _days(1 - year if m.group(12) else year, int(m.group(2)), int(m.group(3)))
    if date_only:
        return days
    hour, minute, second = int(m.group(4)), int(m.group(5)), int(m.group(6))
    micros = int((m.group(7) or "0").ljust(6, "0"))
    seconds = days * 86400 + hour * 3600 + minute * 60 + second
    if m.group(8):
        if not zoned:
            raise ValueError(f"time zone in a timestamp without time zone: {text!r}")
        offset = int(m.group(9)) * 3600 + int(m.group(10) or 0) * 60 + int(m.group(11) or 0)
        seconds -= offset if m.group(8) == "+" else -offset
    return seconds * 1_000_000 + micros


def _int(bits: int) -> Converter:
    lo, hi = _INT_RANGES[bits]

    def convert(text: str) -> object:
        value = int(text)
        if not lo <= value <= hi:
            raise ValueError(f"{value} out of range for int{bits}")
        return value

    return convert


def _decimal(dtype: pa.Decimal128Type | pa.Decimal256Type) -> Converter:
    quantum = Decimal(1).scaleb(-dtype.scale)

    def convert(text: str) -> object:
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {text!r}") from None
        if not value.is_finite():
            raise ValueError(f"{text} does not fit numeric({dtype.precision},{dtype.scale})")
        exact = value.quantize(quantum)
        if exact != value or len(exact.as_tuple().digits) > dtype.precision:
            raise ValueError(f"{text} does not fit numeric({dtype.precision},{dtype.scale})")
        return exact

    return convert


def bytea(text: str) -> bytes:
    """Bytes of a bytea in its text form: hex (``\\x4142``) or escape format."""
    if text.startswith("\\x"):
        return bytes.fromhex(text[2:])
    out = bytearray()
    pos = 0
    for m in _RE_BYTEA_ESCAPE.finditer(text):
        out += text[pos : m.start()].encode("utf-8")
        out.append(int(m.group(1), 8) & 0xFF if m.group(1) else 0x5C)
        pos = m.end()
    out += text[pos:].encode("utf-8")
    return bytes(out)


def _bool(text: str) -> object:
    try:
        return _BOOL[text.strip().lower()]
    except KeyError:
        raise ValueError(f"not a boolean: {text!r}") from None


def converter_for(sql_type: str) -> Converter:
    """A function from PostgreSQL's text form of a value to what Arrow stores."""
    dtype = arrow_type_of(sql_type)
    if pa.types.is_integer(dtype):
        return _int(dtype.bit_width)
    if pa.types.is_floating(dtype):
        return float
    if pa.types.is_decimal(dtype):
        return _decimal(dtype)
    if pa.types.is_boolean(dtype):
        return _bool
    if pa.types.is_binary(dtype):
        return bytea
    if pa.types.is_date32(dtype):
        return lambda text: _moment(text, date_only=True)
    if pa.types.is_timestamp(dtype):
        zoned = dtype.tz is not None
        return lambda text: _moment(text, zoned=zoned)
    return str


def copy_unescape(value: bytes) -> bytes:
    """Undo COPY text-format escaping (``\\t``, ``\\\\``, ``\\ooo``, ``\\xHH``...)."""

    def sub(m: re.Match[bytes]) -> bytes:
        if m.group(1):
            return bytes([int(m.group(1), 8) & 0xFF])
        if m.group(2):
            return bytes([int(m.group(2), 16)])
        return _COPY_CHARS.get(m.group(3), m.group(3))

    return _RE_COPY_ESCAPE.sub(sub, value)


def _e_string(body: str) -> str:
    """The value of an E'' string body: C-style escapes, octal/hex as UTF-8 bytes."""
    out = bytearray()
    pos = 0
    for m in _RE_E_ESCAPE.finditer(body):
        out += body[pos : m.start()].encode("utf-8")
        if m.group(1) or m.group(2):
            out.append(int(m.group(1), 8) & 0xFF if m.group(1) else int(m.group(2), 16))
        elif m.group(3) or m.group(4):
            out += chr(int(m.group(3) or m.group(4), 16)).encode("utf-8")
        else:
            c = m.group(5)
            out += {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}.get(c, c).encode()
        pos = m.end()
    out += body[pos:].encode("utf-8")
    return out.decode("utf-8")


def _literal(stmt: str, pos: int, prefix: str, conforming: bool) -> tuple[str, int]:
    """A quoted literal starting after its opening quote at ``pos``: its value and end."""
    escapes = prefix in ("E", "e") or not conforming
    pattern = E_BODY if escapes else re.compile(r"''|'")
    chunks, start = [], pos
    while True:
        m = pattern.search(stmt, pos)
        if m is None:
            raise ValueError("unterminated string")
        if m.group(0) == "'":
            chunks.append(stmt[start : m.start()])
            body = "".join(chunks)
            return (_e_string(body.replace("''", "'")) if escapes else body), m.end()
        if m.group(0) == "''" and not escapes:
            chunks.append(stmt[start : m.start()] + "'")
            start = m.end()
        pos = m.end()


def parse_values(stmt: str, pos: int, *, conforming: bool = True) -> list[list[str | None]]:
    """The rows of ``VALUES (...), (...)`` from ``pos``, each value in its text form."""
    rows: list[list[str | None]] = []
    while True:
        pos = _expect(stmt, pos, "(")
        row: list[str | None] = []
        while True:
            m = _RE_TOKEN.match(stmt, pos)
            if m is None:
                raise ValueError(f"value not understood at: {stmt[pos : pos + 40]!r}")
            pos = m.end()
            value: str | None
            if m.group(1):
                word = m.group(1).upper()
                value = None if word in ("NULL", "DEFAULT") else ("t" if word == "TRUE" else "f")
            elif m.group(2):
                value = m.group(2)
            else:
                value, pos = _literal(stmt, pos, m.group(3), conforming)
            while cast := _RE_CAST.match(stmt, pos):
                pos = cast.end()
            row.append(value)
            m2 = re.compile(r"\s*([,)])").match(stmt, pos)
            if m2 is None:
                raise ValueError(f"expected , or ) at: {stmt[pos : pos + 40]!r}")
            pos = m2.end()
            if m2.group(1) == ")":
                break
        rows.append(row)
        end = re.compile(r"\s*(,|;|$)").match(stmt, pos)
        if end is None or end.group(1) != ",":
            return rows
        pos = end.end()


def _expect(stmt: str, pos: int, char: str) -> int:
    m = re.compile(rf"\s*{re.escape(char)}").match(stmt, pos)
    if m is None:
        raise ValueError(f"expected {char} at: {stmt[pos : pos + 40]!r}")
    return m.end()
