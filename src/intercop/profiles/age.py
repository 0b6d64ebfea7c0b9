"""Age of a person, with a confidence and the evidence behind it (pure functions).

Clues:

- birthday fields of accounts (forums ask for one): an exact date, strong evidence;
  placeholders (1970-01-01, 1900-01-01...) and impossible ages are ignored;
- birth-year fields (a market's ``birth_year`` 2007, identifiers of kind ``birth_year``):
  the year the person typed, weaker than a whole birthday, stronger than a year in a name;
- a birth year in a handle or an e-mail local part ("peter2004", "kimhydra05"):
  taken only when it gives an age of 10-40 at the first activity; four digits
  are better evidence than two (two digits are as often a lucky number).

A minor flag is reported twice: under 18 at the first recorded activity (so a minor
during at least part of it) and under 18 today. With a birth year only, the age is
uncertain by one year; a flag says when that uncertainty crosses 18.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

MIN_AGE_IN_NAME = 10
MAX_AGE_IN_NAME = 40
ADULT = 18
#: dates that seized databases hold where nobody entered one
PLACEHOLDER_DATES = frozenset(
    {date(1970, 1, 1), date(1900, 1, 1), date(1901, 1, 1), date(1899, 12, 31), date(2000, 1, 1)}
)

#: age bands of the cohort tables (lower bounds, inclusive)
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "<12"),
    (12, "12-15"),
    (16, "16-17"),
    (18, "18-20"),
    (21, "21-24"),
    (25, "25-29"),
    (30, "30+"),
)

_YEAR4 = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_YEAR2 = re.compile(r"(?<=[^\d])(\d\d)$")

WEIGHT_BIRTHDAY = 1.0
WEIGHT_BIRTH_YEAR = 0.75
WEIGHT_YEAR4 = 0.5
WEIGHT_YEAR2 = 0.25


@dataclass(frozen=True)
class AgeEstimate:
    """What is known of a person's age, and why."""

    birth_date: date | None  # only from a birthday field
    birth_year: int | None
    basis: str | None  # birthday | birth_year | year_in_name | None
    age_now: int | None
    age_at_first_activity: int | None
    age_at_last_activity: int | None
    minor_at_activity: bool | None
    minor_now: bool | None
    confidence: float
    flags: tuple[str, ...]
    evidence: list[dict[str, Any]]


def age_on(birth: date, day: date) -> int:
    """Completed years of someone born on ``birth`` at ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(age: int | None) -> str:
    """The cohort band of an age (``unknown`` when not known)."""
    if age is None:
        return "unknown"
    band = AGE_BANDS[0][1]
    for low, name in AGE_BANDS:
        if age >= low:
            band = name
    return band


@lru_cache(maxsize=131072)
def years_in_name(name: str) -> tuple[tuple[int, int], ...]:
    """``(year, digits)`` candidates in a handle or local part: 4-digit years, trailing 2."""
    found = [(int(m), 4) for m in _YEAR4.findall(name)]
    if not found:
        m = _YEAR2.search(name)
        if m is not None:
            yy = int(m.group(1))
            found = [(2000 + yy, 2), (1900 + yy, 2)]
    return tuple(found)


def _plausible_birthday(day: date, reference: date) -> bool:
    return day not in PLACEHOLDER_DATES and 5 <= age_on(day, reference) <= 90


def _year_confidence(support: float, total: float, field: bool) -> float:
    """Confidence of a year-only estimate: a birth-year field caps higher than a name."""
    cap, base = (0.85, 0.45) if field else (0.7, 0.2)
    return round(min(cap, base + 0.4 * support) * support / total, 3)


def estimate_age(
    birthdays: list[tuple[date, str]],
    names: list[tuple[str, str]],
    first_activity: date | None,
    last_activity: date | None,
    today: date,
    birth_years: list[tuple[int, str]] | None = None,
) -> AgeEstimate:
    """Combine the clues of one person into an age, minor flags and the evidence.

    Args:
        birthdays: ``(birth date, platform)`` of birthday fields.
        names: ``(handle or e-mail local part, where)`` of the person's accounts.
        first_activity: first recorded activity (registration, event); None if unknown.
        last_activity: last recorded activity.
        today: the date "today" refers to.
        birth_years: ``(year, platform)`` of birth-year fields (identifiers ``birth_year``).
    """
    reference = first_activity or today
    evidence: list[dict[str, Any]] = []
    flags: list[str] = []
    days: Counter[date] = Counter()
    for day, platform in birthdays:
        if _plausible_birthday(day, reference):
            days[day] += 1
            evidence.append({"kind": "birthday", "value": day.isoformat(), "platform": platform})
        else:
            evidence.append(
                {
                    "kind": "birthday_ignored",
                    "value": day.isoformat(),
                    "platform": platform,
                    "reason": "placeholder or impossible age",
                }
            )
    votes: dict[int, float] = defaultdict(float)
    fields: Counter[int] = Counter()
    name_years: set[int] = set()
    for year_field, platform in sorted(set(birth_years or [])):
        if 5 <= reference.year - year_field <= 90:
            fields[year_field] += 1
            votes[year_field] += WEIGHT_BIRTH_YEAR
            evidence.append(
                {
                    "kind": "birth_year",
                    "value": year_field,
                    "platform": platform,
                    "weight": WEIGHT_BIRTH_YEAR,
                }
            )
        else:
            evidence.append(
                {
                    "kind": "birth_year_ignored",
                    "value": year_field,
                    "platform": platform,
                    "reason": "impossible age",
                }
            )
    for name, where in sorted(set(names)):
        for candidate, digits in years_in_name(name.lower()):
            age = reference.year - candidate
            if MIN_AGE_IN_NAME <= age <= MAX_AGE_IN_NAME:
                weight = WEIGHT_YEAR4 if digits == 4 else WEIGHT_YEAR2
                votes[candidate] += weight
                name_years.add(candidate)
                evidence.append(
                    {
                        "kind": f"year_in_name_{digits}",
                        "value": candidate,
                        "name": name,
                        "where": where,
                        "weight": weight,
                    }
                )
    birth: date | None = None
    year: int | None = None
    basis: str | None = None
    confidence = 0.0
    if days:
        birth, count = sorted(days.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        year, basis = birth.year, "birthday"
        confidence = 0.95 if count > 1 else 0.9
        if len({d.year for d in days}) > 1:
            flags.append("conflict")
            confidence = round(confidence * count / sum(days.values()), 3)
        if fields and birth.year not in fields:
            flags.append("birth_year_disagrees")
        if name_years and not any(abs(y - birth.year) <= 1 for y in name_years):
            flags.append("name_year_disagrees")
    elif votes:
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        year, top = ranked[0]
        basis = "birth_year" if year in fields else "year_in_name"
        support = sum(v for y, v in votes.items() if abs(y - year) <= 1)
        confidence = _year_confidence(support, sum(votes.values()), year in fields)
        if len(ranked) > 1 and ranked[1][1] >= top / 2 and abs(ranked[1][0] - year) > 1:
            flags.append("conflict")
    if year is None:
        return AgeEstimate(
            None, None, None, None, None, None, None, None, 0.0, ("no_evidence",), evidence
        )
    # with a year only, the birthday is put mid-year: the age is right within one year
    estimate = birth or date(year, 7, 1)
    first = first_activity or today
    last = last_activity or first
    age_first, age_last, age_now = (age_on(estimate, d) for d in (first, last, today))
    if birth is None and age_on(date(year, 12, 31), first) < ADULT <= age_on(
        date(year, 1, 1), first
    ):
        flags.append("minor_borderline")
    if first_activity is None:
        flags.append("no_activity_date")
    return AgeEstimate(
        birth,
        year,
        basis,
        age_now,
        age_first,
        age_last,
        age_first < ADULT,
        age_now < ADULT,
        confidence,
        tuple(flags),
        evidence,
    )
