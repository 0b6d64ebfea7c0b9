"""Pilots: reproducible stratified permuted-block randomisation; frozen, hashed designs."""

from __future__ import annotations

import random
from collections import Counter

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select, update

from intercop.access import AccessError
from intercop.casework.cases import open_case, transition
from intercop.casework.interventions import load_catalogue
from intercop.casework.pilots import (
    Arm,
    PilotError,
    allocate,
    arms_for_control,
    assign_pilot,
    baseline_path,
    canonical,
    create_pilot,
    parse_arms,
    pilot_summary,
    sha256,
)
from intercop.store.models import Pilot, PilotAssignment
from tests.casework import profiles
from tests.casework.fixtures import Home

CATALOGUE = load_catalogue()
ONE_TO_ONE = (Arm("treatment", 1), Arm("control", 1))

#: the assignment of ``cohort(40)`` with seed 7 and strata country: it must never change,
#: on any database or machine (a change means a published pilot cannot be recomputed)
GOLDEN = "13fe1ba3d2b280e6095a09e8cb94078a5f6d9b762ef8e692ebf5fc6dd961f165"


def test_allocation_is_reproducible_and_independent_of_order() -> None:
    members = {f"p{i:03d}": ("NL" if i % 3 else "FI") for i in range(100)}
    first = allocate(members, ONE_TO_ONE, 7)
    items = list(members.items())
    random.Random(1).shuffle(items)
    assert allocate(dict(items), ONE_TO_ONE, 7) == first
    assert allocate(members, ONE_TO_ONE, 8) != first


@pytest.mark.parametrize(("arms", "n"), [(ONE_TO_ONE, 101), ((Arm("a", 2), Arm("control", 1)), 90)])
def test_blocks_keep_every_stratum_balanced(arms: tuple[Arm, ...], n: int) -> None:
    members = {f"p{i}": f"s{i % 4}" for i in range(n)}
    arm_of = allocate(members, arms, 3)
    total = sum(a.ratio for a in arms)
    for stratum in {f"s{i}" for i in range(4)}:
        counts = Counter(arm_of[p] for p, s in members.items() if s == stratum)
        size = sum(counts.values())
        for a in arms:
            # a permuted block is never off by more than one block
            assert abs(counts[a.name] - size * a.ratio / total) <= total


def test_arms_from_the_command_line() -> None:
    assert arms_for_control(0.5) == ONE_TO_ONE
    assert arms_for_control(0.2) == (Arm("treatment", 4), Arm("control", 1))
    assert parse_arms("email:1, letter:1, control:2")[2] == Arm("control", 2)
    for bad in ("treatment:1", "treatment:1,placebo:1", "a:0,control:1", "A:1,control:1"):
        with pytest.raises(PilotError):
            parse_arms(bad)
    with pytest.raises(PilotError):
        arms_for_control(1.0)


def cohort(home: Home, n: int, intervention: str = "warning_email") -> None:
    rows = [profiles.profile(f"p{i:03d}", country=["NL", "FI", "SE"][i % 3],
                             risk=float(i * 7 % 100)) for i in range(n)]  # fmt: skip
    profiles.write(home.workspace, rows)
    with home.store.session() as s:
        for row in rows:
            case = open_case(s, str(row["person_id"]), "NL", "ana", country=str(row["country"]))
            transition(s, case, "recommended", "ana", "triage", intervention=intervention,
                       audit=False)  # fmt: skip
            case.policy_hash = "h1"
        s.commit()


def create(home: Home, name: str = "P1", user: str = "sam", **kw: object) -> int:
    with home.store.session() as s:
        args: dict[str, object] = {
            "name": name, "intervention": "warning_email", "arms": ONE_TO_ONE,
            "strata": ["country"], "seed": 7, "agency": None, "catalogue": CATALOGUE, **kw,
        }  # fmt: skip
        pilot = create_pilot(s, user, **args)  # type: ignore[arg-type]
        s.commit()
        return pilot.id


def test_create_and_assign(home: Home) -> None:
    cohort(home, 40)
    pid = create(home)
    with home.store.session() as s:
        pilot = assign_pilot(s, home.workspace, "ana", pid)
        s.commit()
        summary = pilot_summary(s, pilot)
        rows = sorted(
            (a.person_id, a.stratum, a.arm)
            for a in s.scalars(select(PilotAssignment).where(PilotAssignment.pilot_id == pid))
        )
    assert summary["state"] == "assigned" and summary["persons"] == 40
    assert summary["design_intact"] and summary["assignment_intact"]
    assert summary["arms"] == {"control": 20, "treatment": 20}
    assert set(summary["strata"]) == {"country=FI", "country=NL", "country=SE"}
    assert summary["design"]["eligibility"]["policy_hashes"] == ["h1"]
    # the same on SQLite and PostgreSQL, today and in ten years
    assert sha256(canonical(rows)) == GOLDEN
    # the members' profiles are frozen at assignment, for the evaluation's covariates
    baseline = pq.read_table(baseline_path(home.workspace, pid)).column("person_id").to_pylist()
    assert sorted(baseline) == sorted(p for p, _, _ in rows)


def test_assignment_happens_once_and_only_on_an_intact_design(home: Home) -> None:
    cohort(home, 10)
    pid = create(home)
    with home.store.session() as s:
        s.execute(update(Pilot).where(Pilot.id == pid).values(
            design=Pilot.design + " "))  # fmt: skip
        s.commit()
    with home.store.session() as s, pytest.raises(PilotError, match="no longer matches its hash"):
        assign_pilot(s, home.workspace, "ana", pid)
    pid2 = create(home, "P2")
    with home.store.session() as s:
        assign_pilot(s, home.workspace, "ana", pid2)
        s.commit()
    with home.store.session() as s, pytest.raises(PilotError, match="assignment is made once"):
        assign_pilot(s, home.workspace, "ana", pid2)


def test_create_refuses_what_cannot_be_a_pilot(home: Home) -> None:
    with pytest.raises(PilotError, match="Run `intercop triage` first"):
        create(home)
    cohort(home, 6)
    with pytest.raises(AccessError, match=r"'pilot\.create' needs the role supervisor"):
        create(home, user="ana")
    with pytest.raises(PilotError, match="unknown intervention"):
        create(home, intervention="warning_pigeon")
    with pytest.raises(PilotError, match="cannot stratify by 'attacks'"):
        create(home, strata=["attacks"])
    create(home)
    with pytest.raises(PilotError, match="has a pilot named 'P1' already"):
        create(home)


def test_persons_of_one_pilot_are_not_eligible_for_another(home: Home) -> None:
    cohort(home, 8)
    pid = create(home)
    with home.store.session() as s:
        assign_pilot(s, home.workspace, "ana", pid)
        s.commit()
    with pytest.raises(PilotError, match="in no other pilot"):
        create(home, "P2")
