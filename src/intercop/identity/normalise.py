"""Pure normalisers of identifiers: the same value, written the same way, everywhere.

Each function takes what a seized database held and returns the canonical form, or
``None`` when the input holds no usable identifier (empty, a placeholder, garbage).
They never raise on bad input: seized data is full of it.

Canonical gmail dot and plus-tag folding belongs to identity resolution; here an
e-mail is only trimmed and lower-cased.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass

#: values that mean "nothing here" in seized dumps
_PLACEHOLDERS = frozenset({"", "-", "--", "null", "none", "n/a", "na", "0", "undefined"})

_PORT_SUFFIX = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$")
_DIGITS = re.compile(r"\d")
_BECH32 = re.compile(r"^(bc1|tb1)[02-9ac-hj-np-z]{11,87}$")


@dataclass(frozen=True)
class NormalisedIp:
    """An IP address in canonical text, its version, and whether it is not public."""

    value: str
    version: int
    private: bool


def normalise_email(raw: str | None) -> str | None:
    """Trimmed, lower-cased e-mail address, or None when it is not one."""
    if raw is None:
        return None
    value = unicodedata.normalize("NFC", raw).strip().strip("<>").strip().lower()
    if value.startswith("mailto:"):
        value = value[len("mailto:") :]
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or " " in value:
        return None
    return value


def normalise_username(raw: str | None) -> str | None:
    """Username folded for comparison (NFKC, trimmed, case-folded), or None if empty."""
    if raw is None:
        return None
    value = " ".join(unicodedata.normalize("NFKC", raw).split()).casefold()
    return value or None


def normalise_handle(raw: str | None) -> str | None:
    """A messenger handle (Discord, Telegram, Skype, Jabber) folded like a username."""
    if raw is None:
        return None
    value = normalise_username(raw.strip().lstrip("@"))
    if value is None or value in _PLACEHOLDERS:
        return None
    return value


def normalise_phone(raw: str | None) -> str | None:
    """Phone number as digits with a leading ``+`` when international; None if too short."""
    if raw is None:
        return None
    text = raw.strip()
    digits = "".join(_DIGITS.findall(text))
    if len(digits) < 6:
        return None
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def normalise_btc(raw: str | None) -> str | None:
    """Bitcoin address as written (base58 is case-sensitive); bech32 lower-cased."""
    if raw is None:
        return None
    value = raw.strip()
    if _BECH32.match(value.lower()):
        return value.lower()
    return value or None


def normalise_ip(raw: str | bytes | int | None) -> NormalisedIp | None:
    """IP address from text, packed 4/16 bytes or an integer, in canonical text.

    IPv4-mapped IPv6 addresses become IPv4; the unspecified address (0.0.0.0, ::)
    is a placeholder and yields None.
    """
    if raw is None:
        return None
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    if isinstance(raw, bytes | bytearray | memoryview):
        address = _from_bytes(bytes(raw))
    elif isinstance(raw, int):
        address = _from_int(raw)
    else:
        address = _from_text(raw)
    if address is None:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_unspecified:
        return None
    return NormalisedIp(str(address), address.version, not address.is_global)


def _from_bytes(raw: bytes) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if len(raw) == 4:
        return ipaddress.IPv4Address(raw)
    if len(raw) == 16 and not _looks_textual(raw):
        return ipaddress.IPv6Address(raw)
    # some dumps keep the address as text in a binary column
    try:
        text = raw.rstrip(b"\x00").decode("ascii")
    except UnicodeDecodeError:
        return None
    return _from_text(text)


def _looks_textual(raw: bytes) -> bool:
    return all(c in b"0123456789abcdefABCDEF:.\x00" for c in raw)


def _from_int(raw: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if 0 < raw < 2**32:
        return ipaddress.IPv4Address(raw)
    if 2**32 <= raw < 2**128:
        return ipaddress.IPv6Address(raw)
    return None


def _from_text(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = raw.strip().strip("[]")
    if not text or text.lower() in _PLACEHOLDERS:
        return None
    port = _PORT_SUFFIX.match(text)
    if port:
        text = port.group(1)
    text = text.split("%", 1)[0]  # an IPv6 zone id names a local interface, not a host
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    parts = text.split(".")
    # zero-padded IPv4 ("010.001.002.003") is rejected by ipaddress but common in logs
    if len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) < 256 for p in parts):
        return ipaddress.IPv4Address(".".join(str(int(p)) for p in parts))
    return None
