"""What sampled column values look like: e-mails, IPs, hashes, epochs, addresses.

A ``Profile`` summarises up to a few hundred non-null values of one column; the
fractions are over those values, so one dirty row does not hide a pattern.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import pyarrow as pa

from intercop.evidence.minimise import PREFIX as HMAC_PREFIX
from intercop.identity.normalise import normalise_ip

#: share of non-null values a pattern must match to count as the column's shape
MOST = 0.9

#: epochs between 2000-01-01 and 2040-01-01, in seconds
EPOCH_MIN, EPOCH_MAX = 946_684_800, 2_208_988_800
#: calendar years a birth-year column holds
YEAR_MIN, YEAR_MAX = 1900, 2030

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}$")
_CRYPT = re.compile(
    r"^(\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}|\$[156]\$[^$]{1,16}\$[./A-Za-z0-9]{20,}"
    r"|\$[PH]\$[./A-Za-z0-9]{31}|\$argon2(i|d|id)\$.+|pbkdf2_sha\d+\$.+|sha1\$.+|\$S\$.{52})$"
)
_HEX_HASH = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$")
_BTC = re.compile(r"^([13][a-km-zA-HJ-NP-Z1-9]{25,34}|(bc1|tb1)[02-9ac-hj-np-z]{11,71})$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DMY = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.](\d{4})?$")
_PHONE = re.compile(r"^(\+|00)[\d\s().-]{7,20}$|^0[\d\s().-]{8,14}$")
_UA = re.compile(r"(Mozilla/|AppleWebKit|Chrome/|Firefox/|Safari/|curl/|Opera|okhttp|Dalvik)")
_HOST = re.compile(
    r"^(https?://)?([a-z0-9-]+\.)+[a-z]{2,}(:\d+)?(/.*)?$|^\d{1,3}(\.\d{1,3}){3}(:\d+)?$", re.I
)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


@dataclass
class Profile:
    """The shape of one column's sampled values."""

    kind: str  # int | float | decimal | string | binary | timestamp | date | bool | other
    count: int = 0
    distinct: int = 0
    share: dict[str, float] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    secret_role: str | None = None  # role of a keyed-hash column, from field metadata

    def most(self, pattern: str) -> bool:
        """Whether (nearly) all non-null values match ``pattern``."""
        return self.count > 0 and self.share.get(pattern, 0.0) >= MOST

    @property
    def is_epoch_s(self) -> bool:
        return (
            self.kind == "int"
            and self.minimum is not None
            and self.maximum is not None
            and self.maximum <= EPOCH_MAX
            and self.share.get("epoch_s", 0.0) >= MOST
        )

    @property
    def is_epoch_ms(self) -> bool:
        return self.kind == "int" and self.share.get("epoch_ms", 0.0) >= MOST

    @property
    def is_datetime(self) -> bool:
        return self.kind == "timestamp" or self.most("datetime")

    @property
    def is_date(self) -> bool:
        return self.kind == "date" or self.most("date")


def _kind(t: pa.DataType) -> str:
    checks: tuple[tuple[str, Callable[[pa.DataType], bool]], ...] = (
        ("bool", pa.types.is_boolean),
        ("int", pa.types.is_integer),
        ("float", pa.types.is_floating),
        ("decimal", pa.types.is_decimal),
        ("string", lambda x: pa.types.is_string(x) or pa.types.is_large_string(x)),
        (
            "binary",
            lambda x: (
                pa.types.is_binary(x)
                or pa.types.is_large_binary(x)
                or pa.types.is_fixed_size_binary(x)
            ),
        ),
        ("timestamp", pa.types.is_timestamp),
        ("date", lambda x: pa.types.is_date(x)),
    )
    return next((name for name, check in checks if check(t)), "other")


def profile(
    values: pa.Array | pa.ChunkedArray, f: pa.Field | None = None, limit: int = 500
) -> Profile:
    """Profile up to ``limit`` non-null values of a column."""
    kind = _kind(values.type)
    secret = None
    if f is not None and f.metadata and b"intercop.secret" in f.metadata:
        secret = f.metadata[b"intercop.secret"].decode().partition(":")[2] or None
    items = [v for v in values.to_pylist() if v is not None and v != ""][:limit]
    p = Profile(kind=kind, count=len(items), secret_role=secret)
    if not items:
        return p
    p.distinct = len({v if not isinstance(v, list | dict) else repr(v) for v in items})
    hits: dict[str, int] = {}

    def hit(name: str) -> None:
        hits[name] = hits.get(name, 0) + 1

    numbers: list[float] = []
    for v in items:
        if isinstance(v, bool):
            continue
        if isinstance(v, int | float):
            numbers.append(float(v))
            _numeric(float(v), hit)
        elif isinstance(v, bytes):
            _binary(v, hit)
        elif isinstance(v, str):
            _text(v, hit)
        elif isinstance(v, datetime | date):
            hit("datetime")
    if numbers:
        p.minimum, p.maximum = min(numbers), max(numbers)
    p.share = {k: n / len(items) for k, n in hits.items()}
    return p


def _is_ymd(text: str) -> bool:
    """Whether ``text`` is a compact ``YYYYMMDD`` calendar date (FEBRL's ``19151111``)."""
    if len(text) != 8 or not text.isdigit() or not YEAR_MIN <= int(text[:4]) <= YEAR_MAX:
        return False
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return True


def _numeric(v: float, hit: Callable[[str], None]) -> None:
    if v == int(v) and _is_ymd(str(int(v))):
        hit("ymd")
    if YEAR_MIN <= v <= YEAR_MAX and v == int(v):
        hit("year")
    if EPOCH_MIN <= v <= EPOCH_MAX:
        hit("epoch_s")
    if EPOCH_MIN * 1000 <= v <= EPOCH_MAX * 1000:
        hit("epoch_ms")
    if 0 <= v <= 65535 and v == int(v):
        hit("port")
    if 0 <= v <= 86_400 * 7 and v == int(v):
        hit("small")
    if 16_777_216 <= v < 2**32:
        hit("ip_int")


def _binary(v: bytes, hit: Callable[[str], None]) -> None:
    if len(v) in (4, 16):
        hit("ip_packed")
    if len(v) in (16, 20, 32, 64):
        hit("hash")  # a raw digest
    if normalise_ip(v) is not None:
        hit("ip")


def _text(v: str, hit: Callable[[str], None]) -> None:
    s = v.strip()
    if s.startswith(HMAC_PREFIX):
        hit("hmac")
        return
    if _EMAIL.match(s):
        hit("email")
    if _CRYPT.match(s):
        hit("crypt")
        hit("hash")
    elif _HEX_HASH.match(s):
        hit("hash")
    if _BTC.match(s):
        hit("btc")
    if _DATETIME.match(s):
        hit("datetime")
    elif _DATE.match(s):
        hit("date")
    elif _DMY.match(s):
        hit("dmy")
    if _looks_ip(s):
        hit("ip")
    if _PHONE.match(s) and sum(c.isdigit() for c in s) >= 7:
        hit("phone")
    if _UA.search(s):
        hit("user_agent")
    if _HOST.match(s):
        hit("host")
    if _TOKEN.match(s) and any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
        hit("token")
    if _is_ymd(s):
        hit("ymd")
    if s.lstrip("-").isdigit():
        hit("digits")
        if len(s) == 4 and YEAR_MIN <= int(s) <= YEAR_MAX:
            hit("year")
    if len(s) > 60 or "\n" in s:
        hit("long")


def _looks_ip(s: str) -> bool:
    if not (("." in s and s[0].isdigit()) or ":" in s):
        return False
    try:
        ipaddress.ip_address(s)
    except ValueError:
        return normalise_ip(s) is not None and s.count(".") == 3
    return True
