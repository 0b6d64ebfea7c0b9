"""Country of a person, with a confidence and the evidence behind it (pure functions).

Clues, each with a weight (points):

- IP geolocation (offline, iptocc): every distinct public IP counts by how rare it
  is; an IP that many persons share (VPN exit, carrier NAT) counts little or nothing;
- e-mail: a national provider (``providers.yaml``: ziggo.nl, web.de, yahoo.co.jp...) or
  a country-code TLD;
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
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import phonenumbers
import yaml

from intercop.errors import ConfigError
from intercop.profiles.language import BY_CODE

#: two-letter TLDs sold worldwide as generic names: they say nothing of a country
GENERIC_CCTLDS = frozenset(
    {
        "io",
        "me",
        "co",
        "tv",
        "gg",
        "ws",
        "cc",
        "to",
        "ly",
        "fm",
        "ai",
        "sh",
        "ac",
        "eu",
        "su",
        "gl",
        "im",
        "la",
        "nu",
        "vc",
        "xyz",
    }
)
_TLD_COUNTRY = {"uk": "GB"}
_CLAIMED_ALIASES = {
    "UK": "GB",
    "EL": "GR",
    "NEDERLAND": "NL",
    "NETHERLANDS": "NL",
    "HOLLAND": "NL",
    "DEUTSCHLAND": "DE",
    "GERMANY": "DE",
    "BRASIL": "BR",
    "BRAZIL": "BR",
    "UNITED KINGDOM": "GB",
    "ENGLAND": "GB",
    "SVERIGE": "SE",
    "SWEDEN": "SE",
    "SUOMI": "FI",
    "FINLAND": "FI",
    "PORTUGAL": "PT",
    "USA": "US",
    "UNITED STATES": "US",
    "JAPAN": "JP",
    "CANADA": "CA",
    "AUSTRALIA": "AU",
    "FRANCE": "FR",
    "BELGIUM": "BE",
    "BELGIE": "BE",
}
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
    language_share: float = 0.3  # of the person's texts, for a language to count
    language_texts: int = 2
    min_points: float = 0.6  # below this, no country is named (one VPN exit is not a home)
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
    if persons == 3:
        return 0.6
    if persons >= 50:
        return 0.0
    return 2.0 / persons


@cache
def national_providers() -> dict[str, str]:
    """Domain -> country of the national e-mail providers (``providers.yaml``)."""
    where = "providers.yaml"
    text = resources.files("intercop.profiles").joinpath(where).read_text("utf-8")
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{where}:1: expected a mapping of country codes to domains")
    providers: dict[str, str] = {}
    for key, value in root.value:
        line = key.start_mark.line + 1
        if key.value not in _REGIONS:
            raise ConfigError(f"{where}:{line}: {key.value!r} is not an ISO country code")
        if not isinstance(value, yaml.SequenceNode):
            raise ConfigError(f"{where}:{line}: {key.value} needs a list of domains")
        for item in value.value:
            domain = str(item.value).lower()
            if domain in providers:
                raise ConfigError(f"{where}:{item.start_mark.line + 1}: {domain} listed twice")
            providers[domain] = key.value
    return providers


@lru_cache(maxsize=65536)
def email_country(domain: str) -> tuple[str, str] | None:
    """``(country, "email_provider" | "email_cctld")`` of an e-mail domain, if it says one."""
    domain = domain.strip().lower().rstrip(".")
    national = national_providers().get(domain)
    if national is not None:
        return national, "email_provider"
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
    """Country of an international number by its calling code (``+31...`` -> NL).

    A number without ``+`` (or ``00``) is national: its country cannot be told.
    """
    text = e164.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(text)
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
    texts: int = 0,
) -> CountryEstimate:
    """Combine the clues of one person into a country, a confidence and the evidence.

    Args:
        ip_clues: per country, the IP points already weighed by sharing (``Clue("ip")``).
        emails: the person's e-mail addresses (any provider).
        claimed: ``(value as typed, platform)`` of country fields.
        phones: phone numbers in E.164.
        languages: ``(language code, texts in it)``.
        weights: the points of each kind of clue.
        texts: how many texts of the person were read for ``languages``.
    """
    w = weights or CountryWeights()
    clues = [c for c in ip_clues if c.points > 0]
    clues += _email_clues(emails, w)
    for value, platform in sorted(set(claimed)):
        code = claimed_country(value)
        if code is not None:
            clues.append(Clue("claimed", code, w.claimed, {"value": value, "platform": platform}))
    numbers = {
        "+" + "".join(ch for ch in p if ch.isdigit()): p
        for p in phones
        if p.strip().startswith(("+", "00"))
    }
    for number in sorted(numbers):
        code = phone_country(number)
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
    for code, count in languages:
        language = BY_CODE.get(code)
        if language is None or count < max(w.language_texts, w.language_share * texts):
            continue  # a stray greeting or pasted line is not the person's language
        supported = [c for c in language.countries if c in points]
        for country in supported:
            points[country] += w.language
        clues.append(
            Clue(
                "language",
                ",".join(supported) or "-",
                w.language if supported else 0.0,
                {"language": code, "texts": count, "of_texts": texts},
            )
        )
    evidence = [
        {"kind": c.kind, "country": c.country, "points": round(c.points, 3), **c.detail}
        for c in clues
    ]
    ranked = sorted(points.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked or ranked[0][1] < w.min_points:
        if ranked:
            evidence.append(
                {
                    "kind": "best_guess",
                    "country": ranked[0][0],
                    "points": round(ranked[0][1], 3),
                    "reason": "too little evidence",
                }
            )
        none = ("no_evidence", "shared_ips_only") if ranked else ("no_evidence",)
        return CountryEstimate(None, 0.0, none, evidence)
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
