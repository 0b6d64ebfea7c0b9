"""Small synthetic populations for the PPRL tests: two agencies with a planted overlap."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
from faker import Faker

from intercop.workspace import Workspace


@dataclass(frozen=True)
class Person:
    """One synthetic person with one account."""

    person_id: str
    first_name: str
    last_name: str
    birth_date: date
    email: str
    username: str


def population(rng: random.Random, prefix: str, n: int) -> list[Person]:
    """``n`` synthetic persons with Dutch, Finnish, Swedish and Portuguese names."""
    fake = Faker(["nl_NL", "fi_FI", "sv_SE", "pt_PT"])
    fake.seed_instance(rng.randrange(1 << 30))
    out = []
    for i in range(n):
        first, last = fake.first_name().casefold(), fake.last_name().casefold()
        born = date(1995, 1, 1) + timedelta(days=rng.randrange(4000))
        handle = f"{first[:3]}{last.split()[-1][:4]}{rng.randrange(1000)}".replace(" ", "")
        out.append(Person(f"{prefix}-{i:04d}", first, last, born,
                          f"{handle}@example.org", f"x{handle}"))  # fmt: skip
    return out


def typo(rng: random.Random, text: str) -> str:
    """``text`` with one character changed."""
    i = rng.randrange(len(text))
    return text[:i] + rng.choice("aeiou") + text[i + 1 :]


def planted(seed: int = 7, n_a: int = 120, n_b: int = 100, shared: int = 30) -> tuple[
    list[Person], list[Person], dict[str, str]
]:  # fmt: skip
    """Agencies A and B; ``shared`` persons of A also in B (slightly misspelled)."""
    rng = random.Random(seed)
    a = population(rng, "nl", n_a)
    b = population(rng, "fi", n_b - shared)
    truth: dict[str, str] = {}
    for i, p in enumerate(rng.sample(a, shared)):
        twin = replace(p, person_id=f"fi-s{i:03d}", first_name=typo(rng, p.first_name))
        b.append(twin)
        truth[p.person_id] = twin.person_id
    return a, b, truth


def write_derived(workspace: Workspace, persons: list[Person]) -> None:
    """``derived/persons.parquet`` and ``records.parquet`` as resolve would leave them."""
    uids = [f"ds:{p.person_id}" for p in persons]
    pq.write_table(pa.table({"person_id": [p.person_id for p in persons], "uid": uids,
                             "dataset_id": ["ds"] * len(persons),
                             "account_key": [p.person_id for p in persons]}),
                   workspace.derived / "persons.parquet")  # fmt: skip
    n = len(persons)
    none: list[str | None] = [None] * n
    pq.write_table(
        pa.table({
            "uid": uids,
            "first_name": [p.first_name for p in persons],
            "last_name": [p.last_name for p in persons],
            "birth_date": pa.array([p.birth_date for p in persons], pa.date32()),
            "email": [p.email for p in persons],
            "username_norm": [p.username for p in persons],
            "handles": pa.array([[] for _ in persons], pa.list_(pa.string())),
            "postcode": none, "address": none, "locality": none, "national_id": none,
        }),
        workspace.derived / "records.parquet",
    )  # fmt: skip
