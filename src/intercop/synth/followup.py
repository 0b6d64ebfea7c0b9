"""A later takedown for a pilot: who came back, drawn from a known intervention effect.

The end-to-end check of the evaluation (issue 5) needs data in which the true
effect of a warning is known *and* which goes through the whole flow: the pilot
assigns persons to arms, the campaign warns one arm, and months later another
platform is seized. ``generate_followup`` writes that later platform's customer
export: each person of the pilot comes back (registers an account with the e-mail
address they used before) after an exponential time with yearly hazard
``base_rate``, multiplied by ``hazard_ratio`` for the treated. Persons whose time
falls after the seizure are censored: they are not in the export. The truth file
lists every person's drawn time, so a test can compare.
"""

from __future__ import annotations

import csv
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

COLUMNS = ("customer_id", "username", "email", "registered", "last_login", "country")


@dataclass(frozen=True)
class FollowupPerson:
    """A member of the pilot: how to recognise them, their arm and their start."""

    person_id: str
    email: str
    username: str
    country: str | None
    treated: bool
    t0: datetime


@dataclass(frozen=True)
class Followup:
    """What was written: the export, the truth and the seizure date."""

    path: Path
    truth: Path
    seized_on: datetime
    returned: int


def generate_followup(
    out: Path,
    persons: Sequence[FollowupPerson],
    *,
    seed: int,
    hazard_ratio: float,
    base_rate: float = 0.8,
    seized_on: datetime,
    platform: str = "rebootd",
) -> Followup:
    """Write ``out/<platform>_customers.csv`` and ``out/truth/followup.json``.

    Args:
        persons: the pilot's members (treated and control).
        hazard_ratio: the true effect of the treatment on the hazard of coming back.
        base_rate: the control arm's hazard per year.
        seized_on: the later takedown's date; returns after it are censored.
    """
    if hazard_ratio <= 0 or base_rate <= 0:
        raise ValueError("hazard_ratio and base_rate must be positive")
    out.mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(exist_ok=True)
    path = out / f"{platform}_customers.csv"
    truth: list[dict[str, object]] = []
    returned = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for index, p in enumerate(sorted(persons, key=lambda p: p.person_id)):
            rng = random.Random(f"{seed}:followup:{p.person_id}")
            rate = base_rate * (hazard_ratio if p.treated else 1.0)
            years = rng.expovariate(rate)
            back = p.t0 + timedelta(days=years * 365.25)
            came_back = back < seized_on
            truth.append({"person_id": p.person_id, "treated": p.treated,
                          "t0": p.t0.isoformat(), "back": back.isoformat(),
                          "observed": came_back})  # fmt: skip
            if not came_back:
                continue
            returned += 1
            handle_name = (
                f"{p.username}{rng.randrange(10, 99)}" if rng.random() < 0.5 else p.username
            )
            last = min(seized_on, back + timedelta(days=rng.expovariate(1 / 30)))
            writer.writerow((
                index + 1, handle_name, p.email, f"{back:%Y-%m-%d %H:%M:%S}",
                f"{last:%Y-%m-%d %H:%M:%S}", p.country or "",
            ))  # fmt: skip
    truth_path = out / "truth" / "followup.json"
    truth_path.write_text(
        json.dumps({"hazard_ratio": hazard_ratio, "base_rate": base_rate, "seed": seed,
                    "log_hr": math.log(hazard_ratio), "persons": truth}, indent=1),
        encoding="utf-8",
    )  # fmt: skip
    return Followup(path, truth_path, seized_on, returned)
