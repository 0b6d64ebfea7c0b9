"""Who joined which platform when, who was warned after a takedown, and who came back.

Every person's history is a pure function of (seed, person index, platforms,
warning effect), drawn with the same number of random numbers whatever the
warning effect, so two scenarios that differ only in the effect differ only in
the accounts the warning prevented. Rules (the ground truth's definitions):

- platforms are visited in seizure order; a person joins one with a probability
  from their activity and interest in its kind, at a time uniform in its lifetime;
- the first takedown that holds the person *exposes* them ``exposed_at`` = seizure
  + 20..120 days; with the platform's ``warn_rate`` they are warned at that date
  (a randomised pilot: the others are the control group);
- a warned person's later registrations are kept with probability
  ``warning_effect`` (a hazard multiplier), the control group's all are kept;
- ``reappeared``: an account registered after ``exposed_at``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from intercop.synth.platforms import PlatformSpec


@dataclass(frozen=True)
class Membership:
    """One person's account(s) on one platform."""

    platform: str
    registered_at: datetime
    last_active: datetime
    accounts: int


@dataclass(frozen=True)
class History:
    """A person's path through the platforms of the scenario."""

    memberships: tuple[Membership, ...]
    exposed_at: date | None
    warned_at: date | None
    reappeared: bool
    activity: float

    def on(self, platform: str) -> Membership | None:
        """The membership on ``platform``, if any."""
        for m in self.memberships:
            if m.platform == platform:
                return m
        return None


def _at(day: date) -> datetime:
    return datetime.combine(day, time())


class Timeline:
    """Histories of the persons of one scenario."""

    def __init__(
        self, seed: int, platforms: tuple[PlatformSpec, ...], warning_effect: float
    ) -> None:
        if not 0.0 <= warning_effect <= 1.0:
            raise ValueError("warning_effect must be between 0 and 1")
        self.seed = seed
        self.platforms = tuple(sorted(platforms, key=lambda p: p.seized_on))
        self.warning_effect = warning_effect
        # every platform pass asks for every person; a bounded cache spares the
        # recomputation in scenarios up to ~100k persons without unbounded memory
        self.history = lru_cache(maxsize=100_000)(self._history)

    def _history(self, index: int) -> History:
        """The history of person ``index``."""
        rng = random.Random(f"{self.seed}:history:{index}")
        activity = min(12.0, rng.paretovariate(1.6))
        interest = {"booter": rng.random(), "forum": rng.random(), "market": rng.random() ** 2}
        exposed: date | None = None
        warned: date | None = None
        reappeared = False
        memberships: list[Membership] = []
        for spec in self.platforms:
            join_roll, place, keep_roll = rng.random(), rng.random(), rng.random()
            life_days, alt_roll = rng.expovariate(1 / 150), rng.random()
            delay, warn_roll = rng.randint(20, 120), rng.random()
            chance = min(0.95, spec.reach * interest[spec.kind] * activity)
            if join_roll >= chance:
                continue
            opened, closed = _at(spec.opened_on), _at(spec.seized_on) - timedelta(days=2)
            registered = opened + (closed - opened) * place
            registered = registered.replace(microsecond=0)
            after_exposure = exposed is not None and registered.date() > exposed
            if after_exposure and warned is not None and keep_roll >= self.warning_effect:
                continue  # the warning worked: this account was never made
            reappeared = reappeared or after_exposure
            last = min(closed, registered + timedelta(days=1 + life_days)).replace(microsecond=0)
            memberships.append(Membership(spec.name, registered, last, 2 if alt_roll < 0.05 else 1))
            if exposed is None:
                exposed = spec.seized_on + timedelta(days=delay)
                warned = exposed if warn_roll < spec.warn_rate else None
        return History(tuple(memberships), exposed, warned, reappeared, activity)
