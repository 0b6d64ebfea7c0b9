"""Country of a person, with a confidence and the evidence behind it (pure functions).

Clues, each with a weight (points):

- IP geolocation (offline, iptocc): every distinct public IP counts by how rare it
  is; an IP that many persons share (VPN exit, carrier NAT) counts little or nothing;
- e-mail: a national provider (ziggo.nl, web.de, yahoo.co.jp...) or a country-code TLD;
- a country field the person filled in (shop forms), a phone number's country code;
- language of their texts: a hint that only supports countries found otherwise.

The country is the one with the most points; the confidence is its share of the
points times a strength that grows with the points (one weak clue is not certainty).
Conflicts (a second country with at least half the points) and low confidence are
flagged, never hidden.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import phonenumbers

from intercop.profiles.language import BY_CODE

#: providers used mostly by the people of one country (beyond what the TLD says)
NATIONAL_PROVIDERS: dict[str, str] = {
    **dict.fromkeys(("ziggo.nl", "kpnmail.nl", "kpnplanet.nl", "hetnet.nl", "planet.nl",
                     "home.nl", "chello.nl", "casema.nl", "live.nl", "hotmail.nl", "xs4all.nl",
                     "upcmail.nl", "zeelandnet.nl", "telfort.nl", "online.nl"), "NL"),
    **dict.fromkeys(("btinternet.com", "btopenworld.com", "hotmail.co.uk", "yahoo.co.uk",
                     "live.co.uk", "sky.com", "virginmedia.com", "ntlworld.com",
                     "talktalk.net", "blueyonder.co.uk", "aol.co.uk"), "GB"),
    **dict.fromkeys(("web.de", "gmx.de", "gmx.net", "t-online.de", "freenet.de", "arcor.de",
                     "outlook.de", "hotmail.de", "yahoo.de", "posteo.de", "mail.de"), "DE"),
    **dict.fromkeys(("uol.com.br", "bol.com.br", "terra.com.br", "ig.com.br", "yahoo.com.br",
                     "hotmail.com.br", "globo.com", "oi.com.br"), "BR"),
    **dict.fromkeys(("yahoo.co.jp", "docomo.ne.jp", "ezweb.ne.jp", "softbank.ne.jp",
                     "i.softbank.jp", "au.com", "nifty.com", "ocn.ne.jp", "outlook.jp",
                     "hotmail.co.jp", "live.jp"), "JP"),
    **dict.fromkeys(("orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "neuf.fr",
                     "hotmail.fr", "yahoo.fr", "live.fr", "bbox.fr"), "FR"),
    **dict.fromkeys(("telia.com", "hotmail.se", "live.se", "spray.se", "bredband.net",
                     "comhem.se"), "SE"),
    **dict.fromkeys(("suomi24.fi", "luukku.com", "hotmail.fi", "elisanet.fi", "kolumbus.fi",
                     "saunalahti.fi"), "FI"),
    **dict.fromkeys(("sapo.pt", "outlook.pt", "clix.pt", "netcabo.pt", "iol.pt", "meo.pt"),
                    "PT"),
    **dict.fromkeys(("comcast.net", "verizon.net", "att.net", "sbcglobal.net", "cox.net",
                     "charter.net", "bellsouth.net", "earthlink.net"), "US"),
    **dict.fromkeys(("shaw.ca", "rogers.com", "sympatico.ca", "videotron.ca", "telus.net",
                     "hotmail.ca", "yahoo.ca", "bell.net"), "CA"),
    **dict.fromkeys(("bigpond.com", "bigpond.net.au", "optusnet.com.au", "outlook.com.au",
                     "hotmail.com.au", "iinet.net.au", "tpg.com.au"), "AU"),
    **dict.fromkeys(("wp.pl", "onet.pl", "o2.pl", "interia.pl", "gazeta.pl", "op.pl"), "PL"),
    **dict.fromkeys(("telenet.be", "skynet.be", "proximus.be", "hotmail.be"), "BE"),
    **dict.fromkeys(("hotmail.es", "yahoo.es", "outlook.es", "telefonica.net"), "ES"),
    **dict.fromkeys(("online.no", "hotmail.no", "live.no"), "NO"),
    **dict.fromkeys(("libero.it", "virgilio.it", "alice.it", "tiscali.it"), "IT"),
    **dict.fromkeys(("mail.ru", "yandex.ru", "rambler.ru", "bk.ru", "list.ru", "inbox.ru"),
                    "RU"),
}  # fmt: skip

#: two-letter TLDs sold worldwide as generic names: they say nothing of a country
GENERIC_CCTLDS = frozenset({"io", "me", "co", "tv", "gg", "ws", "cc", "to", "ly", "fm", "ai",
                            "sh", "ac", "eu", "su", "gl", "im", "la", "nu", "vc", "xyz"})  # fmt: skip
_TLD_COUNTRY = {"uk": "GB"}
_CLAIMED_ALIASES = {"UK": "GB", "EL": "GR", "NEDERLAND": "NL", "NETHERLANDS": "NL",
                    "HOLLAND": "NL", "DEUTSCHLAND": "DE", "GERMANY": "DE", "BRASIL": "BR",
                    "BRAZIL": "BR", "UNITED KINGDOM": "GB", "ENGLAND": "GB", "SVERIGE": "SE",
                    "SWEDEN": "SE", "SUOMI": "FI", "FINLAND": "FI", "PORTUGAL": "PT",
                    "USA": "US", "UNITED STATES": "US", "JAPAN": "JP", "CANADA": "CA",
                    "AUSTRALIA": "AU", "FRANCE": "FR", "BELGIUM": "BE", "BELGIE": "BE"}  # fmt: skip
_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)


@dataclass(frozen=True)
class CountryWeights:
    """Points of each kind of clue, and the caps that keep one kind from dominating."""

    ip: float = 1.0  # one distinct unshared public IP
    ip_cap: float = 3.0
    email_provider: float = 1.0
    email_cctld: float = 0.7
    email_cap: float = 2.0
    claimed: float = 1.5
    phone: float = 2.0
    language: float = 0.3
    conflict_ratio: float = 0.5
    low_confidence: float = 0.5


@dataclass(frozen=True)
class Clue:
    """One piece of evidence for a country."""

    kind: str  # ip | email_provider | email_cctld | claimed | phone | language
    country: str
    points: float
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CountryEstimate:
    """The country of a person (None when nothing points anywhere) and why."""

    country: str | None
    confidence: float
    flags: tuple[str, ...]
    evidence: list[dict[str, Any]]


def ip_weight(persons: int) -> float:
    """Weight of one IP by how many persons were seen on it (VPN exits weigh ~nothing)."""
    if persons <= 2:
        return 1.0
    if persons <= 4:
        return 0.5
    if persons >= 50:
        return 0.0
    return 2.0 / persons


@lru_cache(maxsize=65536)
def email_country(domain: str) -> tuple[str, str] | None:
    """``(country, "email_provider" | "email_cctld")`` of an e-mail domain, if it says one."""
    domain = domain.strip().lower().rstrip(".")
    if domain in NATIONAL_PROVIDERS:
        return NATIONAL_PROVIDERS[domain], "email_provider"
    tld = domain.rsplit(".", 1)[-1]
    if len(tld) != 2 or tld in GENERIC_CCTLDS:
        return None
    code = _TLD_COUNTRY.get(tld, tld.upper())
    return (code, "email_cctld") if code in _REGIONS else None


def claimed_country(value: str | None) -> str | None:
    """ISO code of a country field as typed (``nl``, ``UK``, ``Nederland``), if valid."""
    if not value:
        return None
    text = " ".join(value.strip().upper().split())
    code = _CLAIMED_ALIASES.get(text, text)
    return code if code in _REGIONS else None


@lru_cache(maxsize=65536)
def phone_country(e164: str) -> str | None:
    """Country of a phone number by its country code (``+31...`` -> NL)."""
    try:
        number = phonenumbers.parse(e164 if e164.startswith("+") else "+" + e164)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    return region if region in _REGIONS else None


def _email_clues(emails: list[str], w: CountryWeights) -> list[Clue]:
    clues: list[Clue] = []
    for email in sorted(set(emails)):
        _, at, domain = email.rpartition("@")
        found = email_country(domain) if at else None
        if found is not None:
            country, kind = found
            points = w.email_provider if kind == "email_provider" else w.email_cctld
            clues.append(Clue(kind, country, points, {"domain": domain.lower()}))
    return clues


def estimate_country(
    ip_clues: list[Clue],
    emails: list[str],
    claimed: list[tuple[str, str]],
    phones: list[str],
    languages: list[tuple[str, int]],
    weights: CountryWeights | None = None,
) -> CountryEstimate:
    """Combine the clues of one person into a country, a confidence and the evidence.

    Args:
        ip_clues: per country, the IP points already weighed by sharing (``Clue("ip")``).
        emails: the person's e-mail addresses (any provider).
        claimed: ``(value as typed, platform)`` of country fields.
        phones: phone numbers in E.164.
        languages: ``(language code, texts in it)``.
        weights: the points of each kind of clue.
    """
    w = weights or CountryWeights()
    clues = [c for c in ip_clues if c.points > 0]
    clues += _email_clues(emails, w)
    for value, platform in sorted(set(claimed)):
        code = claimed_country(value)
        if code is not None:
            clues.append(Clue("claimed", code, w.claimed, {"value": value, "platform": platform}))
    for phone in sorted(set(phones)):
        code = phone_country(phone)
        if code is not None:
            clues.append(Clue("phone", code, w.phone, {"calling_code_of": code}))
    points: dict[str, float] = defaultdict(float)
    by_kind: dict[tuple[str, str], float] = defaultdict(float)
    for c in clues:
        kind = "email" if c.kind.startswith("email") else c.kind
        cap = {"ip": w.ip_cap, "email": w.email_cap}.get(kind, math.inf)
        add = min(c.points, max(0.0, cap - by_kind[(kind, c.country)]))
        by_kind[(kind, c.country)] += add
        points[c.country] += add
    # a language only supports a country that something else already points at
    for code, texts in languages:
        language = BY_CODE.get(code)
        if language is None or texts <= 0:
            continue
        supported = [c for c in language.countries if c in points]
        for country in supported:
            points[country] += w.language
        clues.append(
            Clue("language", ",".join(supported) or "-", w.language if supported else 0.0,
                 {"language": code, "texts": texts})
        )  # fmt: skip
    evidence = [{"kind": c.kind, "country": c.country, "points": round(c.points, 3),
                 **c.detail} for c in clues]  # fmt: skip
    if not points:
        flags = ("no_evidence",) if not clues else ("no_evidence", "shared_ips_only")
        return CountryEstimate(None, 0.0, flags, evidence)
    ranked = sorted(points.items(), key=lambda kv: (-kv[1], kv[0]))
    top_country, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    total = sum(points.values())
    confidence = round((top / total) * (1.0 - math.exp(-top)), 3)
    flags: list[str] = []
    if second >= w.conflict_ratio * top:
        flags.append("conflict")
    if confidence < w.low_confidence:
        flags.append("low_confidence")
    if {c.kind for c in clues if c.points > 0} <= {"ip", "language"} and top < w.ip:
        flags.append("shared_ips_only")
    return CountryEstimate(top_country, confidence, tuple(flags), evidence)
