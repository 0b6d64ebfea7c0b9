"""The accounts of one platform: who they belong to and how they are spelled there."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from intercop.synth.aliases import ascii_fold, vary_email, vary_handle
from intercop.synth.persons import Person
from intercop.synth.platforms import PlatformSpec
from intercop.synth.timeline import History


class People(Protocol):
    """Persons by index (a ``Population``, or one built ahead in parallel)."""

    @property
    def seed(self) -> int:
        """The scenario's seed."""
        ...

    @property
    def size(self) -> int:
        """How many persons the population has."""
        ...

    def person(self, index: int) -> Person:
        """Person ``index``."""
        ...


class Histories(Protocol):
    """Platform histories by person index (a ``Timeline``, or one built ahead)."""

    def history(self, index: int) -> History:
        """The history of person ``index``."""
        ...


@dataclass(frozen=True)
class Account:
    """One account on one platform, with the person behind it (the ground truth)."""

    account_id: int
    person: Person
    username: str
    email: str
    paypal_email: str
    registered_at: datetime
    last_active: datetime
    role: str
    #: how active the person is (scales the rows of every table)
    activity: float
    #: seeds the per-account random streams of every table
    key: str

    def rng(self, purpose: str) -> random.Random:
        """A random stream for one purpose (table) of this account."""
        return random.Random(f"{self.key}:{purpose}")

    @property
    def language(self) -> str:
        """The person's language code (``nl``, ``pt``, ``ja``...)."""
        return self.person.locale.split("_")[0]


def operator_index(seed: int, platform: str, size: int) -> int:
    """The person who ran ``platform`` (owns its ``admin`` and ``test`` accounts)."""
    return random.Random(f"{seed}:operator:{platform}").randrange(size)


class _Usernames:
    """Usernames taken on one platform, compared as a case-insensitive collation does."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, rng: random.Random, wanted: str) -> str:
        name = wanted[:30]
        while (ascii_fold(name) or name.lower()) in self._taken:
            name = f"{wanted[:26]}{rng.randrange(10, 9999)}"
        self._taken.add(ascii_fold(name) or name.lower())
        return name


def iter_accounts(
    population: People, timeline: Histories, spec: PlatformSpec, activity: float = 1.0
) -> Iterator[Account]:
    """Yield the accounts of ``spec`` in id order: the operator's first, then the users.

    ``activity`` multiplies every account's activity (so the rows of its tables);
    below 1 it thins logins, attacks and posts but not who has which account.
    """
    seed = population.seed
    names = _Usernames()
    next_id = 1
    operator = population.person(operator_index(seed, spec.name, population.size))
    opened = datetime.combine(spec.opened_on, time(3, 14, 15))
    closed = datetime.combine(spec.seized_on, time(1, 2, 3)) - timedelta(days=1)
    for username in ("admin", "test"):
        key = f"{seed}:{spec.name}:op:{username}"
        rng = random.Random(key)
        yield Account(
            next_id, operator, names.claim(rng, username), operator.alt_email,
            operator.paypal_email, opened + timedelta(minutes=next_id), closed, "admin", activity,
            key,
        )  # fmt: skip
        next_id += 1
    for index in range(population.size):
        history = timeline.history(index)
        membership = history.on(spec.name)
        if membership is None:
            continue
        person = population.person(index)
        for alt in range(membership.accounts):
            key = f"{seed}:{spec.name}:{index}:{alt}"
            rng = random.Random(key)
            if alt == 0:
                wanted, _ = vary_handle(rng, person.handle)
                email, _ = vary_email(rng, person.email, person.alt_email)
                registered = membership.registered_at
            else:  # a second account: a fresh name, the other address, made later
                wanted, email = f"{person.handle}_alt", person.alt_email
                registered = membership.registered_at + timedelta(hours=rng.randrange(1, 500))
                registered = min(registered, membership.last_active)
            paypal = person.paypal_email if rng.random() < 0.8 else person.alt_email
            yield Account(
                next_id, person, names.claim(rng, wanted), email, paypal, registered,
                membership.last_active, "customer", history.activity * activity, key,
            )  # fmt: skip
            next_id += 1
