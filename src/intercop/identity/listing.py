"""What the person directory returns: a person's summary, a page, a search hit, counts.

Frozen values with a JSON twin (``as_json``), built by ``identity.directory``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PersonEntry:
    """One person as the lists, the search and the page header show them."""

    person_id: str
    accounts: int
    platforms: tuple[str, ...]
    usernames: tuple[str, ...]
    country: str | None
    age: int | None
    age_band: str
    minor: bool | None
    risk: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "accounts": self.accounts,
            "platforms": list(self.platforms),
            "usernames": list(self.usernames),
            "country": self.country,
            "age": self.age,
            "age_band": self.age_band,
            "minor": self.minor,
            "risk": self.risk,
        }


@dataclass(frozen=True)
class Page:
    """One page of a person listing; ``total`` counts every match, not just this page."""

    total: int
    offset: int
    limit: int
    items: tuple[PersonEntry, ...]

    def as_json(self) -> dict[str, Any]:
        return {"total": self.total, "offset": self.offset, "limit": self.limit,
                "items": [i.as_json() for i in self.items]}  # fmt: skip


@dataclass(frozen=True)
class SearchHit:
    """A person found by a search, with what matched and in which accounts."""

    entry: PersonEntry
    matched: str  # person_id | username | username_prefix | email | ip
    account_uids: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {**self.entry.as_json(), "matched": self.matched,
                "account_uids": list(self.account_uids)}  # fmt: skip


@dataclass(frozen=True)
class Counts:
    """The visible persons by country and by age band, for the dashboard."""

    total: int
    minors: int
    by_country: dict[str, int]
    by_age_band: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {"total": self.total, "minors": self.minors, "by_country": self.by_country,
                "by_age_band": self.by_age_band}  # fmt: skip
