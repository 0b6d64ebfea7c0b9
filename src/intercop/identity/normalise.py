"""Pure normalisers of identifiers: the same value, written the same way, everywhere.

Each function takes what a seized database held and returns the canonical form, or
``None`` when the input holds no usable identifier (empty, a placeholder, garbage).
They never raise on bad input: seized data is full of it.

``normalise_email`` only trims and lower-cases (what the canonical tables store);
``canonical_email`` folds provider rules (gmail dots, ``+tags``, alias domains) for
identity resolution. ``fold_username``, ``normalise_phone_e164``, ``normalise_name``
and ``parse_birth_date`` give the comparison keys of the account record.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import phonenumbers

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


# --- comparison keys for identity resolution -------------------------------------------

#: domains that are other names of one mailbox namespace (same user, same inbox)
_DOMAIN_ALIASES = {
    "googlemail.com": "gmail.com",
    "protonmail.ch": "protonmail.com",
    "proton.me": "protonmail.com",
    "pm.me": "protonmail.com",
    "me.com": "icloud.com",
    "mac.com": "icloud.com",
    "ya.ru": "yandex.ru",
    "yandex.com": "yandex.ru",
    "yandex.by": "yandex.ru",
    "yandex.kz": "yandex.ru",
    "yandex.ua": "yandex.ru",
}
#: providers that deliver ``local+tag@`` to ``local@`` (after aliases are applied)
_PLUS_DOMAINS = frozenset(
    {"gmail.com", "protonmail.com", "icloud.com", "yandex.ru", "fastmail.com", "fastmail.fm"}
)
#: Microsoft's consumer domains exist per country (hotmail.co.uk, live.nl, outlook.com.br)
_MICROSOFT_LABELS = frozenset({"hotmail", "outlook", "live", "msn"})
#: mailbox names that stand for "no e-mail given", shared by unrelated people
_PLACEHOLDER_LOCALS = frozenset(
    {"none", "null", "nil", "noemail", "no-email", "nomail", "noreply", "no-reply", "na",
     "n/a", "test", "example", "email", "mail", "asdf", "xxx", "anonymous", "unknown"}
)  # fmt: skip
#: RFC 2606 / 6761 names that can never be a real mailbox
_RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
_RESERVED_TLDS = frozenset({"test", "example", "invalid", "localhost", "local"})


def canonical_email(raw: str | None) -> str | None:
    """E-mail as its provider delivers it: one spelling per mailbox, or None.

    Rules (documented choices):

    - trimmed and lower-cased (``normalise_email``); ``googlemail.com`` -> ``gmail.com``,
      Proton (``protonmail.ch``, ``proton.me``, ``pm.me``), Apple (``me.com``,
      ``mac.com``) and Yandex alias domains -> one domain each, since one account owns
      the name on all of them;
    - dots are removed from gmail local parts (gmail ignores them);
    - a ``+tag`` is removed for providers with plus sub-addressing: gmail, Outlook /
      Hotmail / Live / MSN (every country domain), Proton, iCloud, Yandex, Fastmail;
    - Yahoo's ``base-keyword`` disposable addresses are NOT folded: their base name is
      chosen apart from the mailbox name, so cutting at ``-`` would not give the mailbox;
    - placeholders (``none@...``, ``test@...``, ``@example.com``, ``.invalid``) yield None.
    """
    value = normalise_email(raw)
    if value is None:
        return None
    local, _, domain = value.rpartition("@")
    domain = domain.rstrip(".")
    domain = _DOMAIN_ALIASES.get(domain, domain)
    labels = domain.split(".")
    if domain in _RESERVED_DOMAINS or labels[-1] in _RESERVED_TLDS or "@" in local:
        return None
    if domain in _PLUS_DOMAINS or labels[0] in _MICROSOFT_LABELS:
        local = local.split("+", 1)[0]
    if domain == "gmail.com":
        local = local.replace(".", "")
    if not local or local in _PLACEHOLDER_LOCALS or not all(labels):
        return None
    return f"{local}@{domain}"


@dataclass(frozen=True)
class UsernameParts:
    """A handle folded for comparison: ``norm`` = ``stem`` + ``digits`` (either may be "")."""

    norm: str
    stem: str
    digits: str


_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
     "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "l"}
)  # fmt: skip
#: characters that only decorate the ends of a handle
_EDGES = " _.-~*^=+'\"`!?#,;:()[]{}<>/\\|"
_SEPS = re.escape(" _.-~*^=|")
#: ``xX_name_Xx`` and ``xXx name xXx``
_WRAP = re.compile(rf"x{{2,3}}[{_SEPS}]*(.{{2,}}?)[{_SEPS}]*x{{2,3}}")
_TRAILING_DIGITS = re.compile(r"^(.*?)([0-9]+)$")
_RUNS = re.compile(r"(.)\1{2,}")


def fold_username(raw: str | None) -> UsernameParts | None:
    """Handle folded for comparison, or None when nothing is left of it.

    NFKC and case folding; the ends' decorations (``xX..Xx``, ``_``, ``.``, ``-``,
    ``~``...) are cut; trailing digits (often a birth year) are split off into
    ``digits`` before leetspeak is folded (``0->o 1->i 3->e 4->a 5->s 7->t 8->b 9->g
    @->a $->s``), so ``xX_d4rk_l0rd_Xx99`` gives stem ``darklord``, digits ``99``.
    Separators and symbols inside are dropped and runs of three or more of one
    character become one (``sniperrrr`` -> ``sniper``); doubled letters are kept.
    """
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", raw).casefold().strip(_EDGES)
    if text.isascii() and text.isdigit():
        return UsernameParts(text, "", text)
    digits = ""
    found = _TRAILING_DIGITS.match(text)
    if found and found.group(1):
        text, digits = found.group(1).strip(_EDGES), found.group(2)
    wrapped = _WRAP.fullmatch(text)
    if wrapped:
        text = wrapped.group(1).strip(_EDGES)
    if not digits:
        found = _TRAILING_DIGITS.match(text)
        if found and found.group(1):
            text, digits = found.group(1).strip(_EDGES), found.group(2)
    folded = "".join(ch for ch in text.translate(_LEET) if ch.isalnum())
    stem = _RUNS.sub(r"\1", folded)
    if not stem and not digits:
        return None
    return UsernameParts(stem + digits, stem, digits)


def normalise_phone_e164(raw: str | None, country_hint: str | None = None) -> str | None:
    """Phone number in E.164 (``+31612345678``), or None when it cannot be one.

    A number without ``+`` or ``00`` needs ``country_hint`` (ISO 3166 alpha-2, e.g. the
    claimed country or the IP country); numbers that are not *possible* for their
    country (wrong length) and fillers with one or two distinct digits are rejected.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    digits = "".join(_DIGITS.findall(text))
    if len(digits) < 6 or len(set(digits)) <= 2:
        return None
    hint = (country_hint or "").strip().upper()
    region = hint if len(hint) == 2 and hint.isalpha() else None
    if not text.startswith("+") and region is None:
        if not digits.startswith("00"):
            return None
        text = "+" + digits[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


#: Latin letters that carry no combining mark to strip, folded by hand
_LETTERS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i"}
)


def normalise_name(raw: str | None) -> str | None:
    """Person name case-folded, accents stripped, only letters and single spaces.

    Accents are stripped only from Latin, Greek and Cyrillic letters: the voicing
    marks of Japanese kana change the sound, so ``ガ`` stays ``ガ``. Hyphens become
    spaces (``Jean-Luc`` -> ``jean luc``), apostrophes vanish (``O'Brien`` -> ``obrien``).
    """
    if raw is None:
        return None
    text = unicodedata.normalize("NFC", raw).casefold().strip()
    if text in _PLACEHOLDERS:
        return None
    out: list[str] = []
    for ch in text.translate(_LETTERS):
        if ch.isalpha():
            base = unicodedata.normalize("NFD", ch)
            out.append(base[0] if ord(base[0]) < 0x0530 else ch)
        elif ch in "'’`´":
            continue
        else:
            out.append(" ")
    value = unicodedata.normalize("NFC", " ".join("".join(out).split()))
    return value or None


_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EARLIEST_BIRTH = date(1900, 1, 1)


def parse_birth_date(raw: str | date | None, today: date | None = None) -> date | None:
    """Birth date from MyBB ``d-m-Y``, ISO ``Y-m-d`` (time ignored), ``d/m/Y``, ``d.m.Y``.

    ``d/m/Y`` is read day first; when the middle field cannot be a month (> 12) and the
    first can, the value is read as US ``m/d/Y``. Impossible dates (31 February, zero
    dates, before 1900 or after ``today``) yield None.
    """
    limit = today or date.today()
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return raw if EARLIEST_BIRTH <= raw <= limit else None
    if raw is None:
        return None
    text = raw.strip().split("T", 1)[0].split(" ", 1)[0]
    if m := _YMD.match(text) or _COMPACT.match(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _DMY.match(text):
        day, month, year = (int(g) for g in m.groups())
        if month > 12 >= day:
            day, month = month, day
    else:
        return None
    try:
        parsed = date(year, month, day)
    except ValueError:
        return None
    return parsed if EARLIEST_BIRTH <= parsed <= limit else None
