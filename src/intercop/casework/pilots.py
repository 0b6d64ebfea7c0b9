"""Randomised pilots: a frozen, hashed design and a reproducible assignment.

Method (``permuted-blocks/sha256/v1``), chosen so that anyone can recompute it from the
design alone, on any machine and database:

1. The eligible persons are the agency's cases recommended for the pilot's
   intervention (state ``recommended``, by the policy hashes recorded in the design),
   not already in another pilot. Only person ids and stratum values enter; the order
   the database returns them in does not.
2. Each person's stratum is the values of the design's strata fields (e.g.
   ``country=NL|risk_band=high``), read from the profiles.
3. Within a stratum, persons are ordered by SHA-256(seed, stratum, "order", person_id),
   then cut into blocks of the sum of the arms' ratios; each block's arm labels
   (each arm repeated by its ratio) are ordered by SHA-256(seed, stratum, "block",
   block number, slot). The last block may be partial.

The design is canonical JSON hashed with SHA-256 when the pilot is created; assigning
checks the stored design still matches its hash, refuses to run twice, and hashes the
assignment (design hash + sorted person, stratum, arm triples).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import require
from intercop.audit import record
from intercop.casework.fields import FIELDS, field_rows
from intercop.casework.interventions import Intervention
from intercop.errors import IntercopError
from intercop.profiles.build import PROFILES_FILE
from intercop.store.base import utc_now
from intercop.store.models import Case, Pilot, PilotAssignment
from intercop.workspace import Workspace

METHOD = "permuted-blocks/sha256/v1"
CONTROL = "control"
_ARM = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class PilotError(IntercopError):
    """A pilot cannot be created, assigned or read as asked."""


@dataclass(frozen=True)
class Arm:
    """One arm and its allocation ratio."""

    name: str
    ratio: int


def canonical(data: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    """Hex SHA-256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_arms(text: str) -> tuple[Arm, ...]:
    """Arms from ``treatment:1,control:1``; exactly one arm is named ``control``."""
    arms = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, ratio = part.partition(":")
        if not _ARM.match(name) or not ratio.strip().isdigit() or int(ratio) < 1:
            raise PilotError(
                f"arm {part!r} is not NAME:RATIO",
                hint="Write arms like treatment:1,control:1 (lower-case names, whole ratios)",
            )
        arms.append(Arm(name, int(ratio)))
    names = [a.name for a in arms]
    if len(set(names)) != len(names) or len(arms) < 2 or names.count(CONTROL) != 1:
        raise PilotError(
            f"arms {text!r}: give two or more distinct arms, one of them named {CONTROL!r}",
            hint="e.g. --arms treatment:1,control:1",
        )
    return tuple(arms)


def arms_for_control(share: float) -> tuple[Arm, ...]:
    """A treatment and a control arm with ``share`` of the persons in control."""
    if not 0 < share < 1:
        raise PilotError(f"--control {share}: give the control share between 0 and 1")
    f = Fraction(share).limit_denominator(20)
    return (Arm("treatment", f.denominator - f.numerator), Arm(CONTROL, f.numerator))


def _digest(*parts: object) -> str:
    return sha256("\x1f".join(str(p) for p in parts))


def allocate(members: Mapping[str, str], arms: Sequence[Arm], seed: int) -> dict[str, str]:
    """The arm of every person given their stratum (pure; see the module docstring)."""
    block = [a.name for a in arms for _ in range(a.ratio)]
    by_stratum: dict[str, list[str]] = {}
    for person, stratum in members.items():
        by_stratum.setdefault(stratum, []).append(person)
    arm_of: dict[str, str] = {}
    for stratum in sorted(by_stratum):
        persons = sorted(by_stratum[stratum], key=lambda p: (_digest(seed, stratum, "order", p), p))
        for b in range(math.ceil(len(persons) / len(block))):
            slots = sorted(range(len(block)), key=lambda i: _digest(seed, stratum, "block", b, i))
            chunk = persons[b * len(block) : (b + 1) * len(block)]
            for person, slot in zip(chunk, slots, strict=False):
                arm_of[person] = block[slot]
    return arm_of


def _eligible_query(agency: str, intervention: str) -> Any:
    taken = select(PilotAssignment.person_id)
    return select(Case).where(
        Case.agency == agency,
        Case.intervention == intervention,
        Case.state == "recommended",
        Case.person_id.not_in(taken),
    )


def _design(pilot: Pilot) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(pilot.design)
    return data


def create_pilot(
    session: Session,
    user_name: str | None,
    *,
    name: str,
    intervention: str,
    arms: Sequence[Arm],
    strata: Sequence[str],
    seed: int,
    agency: str | None,
    catalogue: Mapping[str, Intervention],
) -> Pilot:
    """Freeze and hash a pilot's design (the caller commits)."""
    user = require(session, user_name, "pilot.create", agency.upper() if agency else None)
    code = (agency or user.agency).upper()
    if intervention not in catalogue:
        raise PilotError(
            f"unknown intervention {intervention!r}", hint=f"Choose one of {', '.join(catalogue)}"
        )
    for field in strata:
        spec = FIELDS.get(field)
        if spec is None or spec.kind not in ("text", "bool"):
            usable = ", ".join(n for n, f in FIELDS.items() if f.kind in ("text", "bool"))
            raise PilotError(f"cannot stratify by {field!r}", hint=f"Use text fields: {usable}")
    if session.scalar(select(Pilot).where(Pilot.agency == code, Pilot.name == name)):
        raise PilotError(f"agency {code} has a pilot named {name!r} already")
    eligible = list(session.scalars(_eligible_query(code, intervention)))
    if not eligible:
        raise PilotError(
            f"no case of {code} is recommended for {intervention} (and in no other pilot)",
            hint="Run `intercop triage` first; a pilot randomises recommended cases only",
        )
    design = {
        "method": METHOD,
        "name": name,
        "agency": code,
        "intervention": intervention,
        "arms": [{"name": a.name, "ratio": a.ratio} for a in arms],
        "control_arm": CONTROL,
        "strata": list(strata),
        "seed": seed,
        "eligibility": {
            "agency": code,
            "intervention": intervention,
            "case_state": "recommended",
            "policy_hashes": sorted({c.policy_hash or "" for c in eligible}),
            "excluded": "persons already assigned in another pilot",
        },
        "created_by": user.name,
        "created_at": utc_now().isoformat(),
    }
    text = canonical(design)
    pilot = Pilot(
        name=name,
        agency=code,
        intervention=intervention,
        design=text,
        design_hash=sha256(text),
        state="frozen",
        created_by=user.name,
    )
    session.add(pilot)
    session.flush()
    record(session, user.name, "pilot.create", agency=code, object_type="pilot",
           object_id=str(pilot.id), detail={"design_hash": pilot.design_hash,
                                            "eligible_now": len(eligible)})  # fmt: skip
    return pilot


def get_pilot(session: Session, pilot_id: int) -> Pilot:
    """The pilot ``pilot_id`` or PilotError."""
    pilot = session.get(Pilot, pilot_id)
    if pilot is None:
        raise PilotError(f"no pilot {pilot_id}", hint="Create one with `intercop pilot create`")
    return pilot


def design_intact(pilot: Pilot) -> bool:
    """Whether the stored design is canonical and still matches its hash."""
    try:
        recanonical = canonical(json.loads(pilot.design))
    except ValueError:
        return False
    return recanonical == pilot.design and sha256(pilot.design) == pilot.design_hash


def _strata(workspace: Workspace, persons: Sequence[str], fields: Sequence[str]) -> dict[str, str]:
    values: dict[str, dict[str, Any]] = {}
    path = workspace.derived / PROFILES_FILE
    if fields:
        if not path.is_file():
            raise PilotError(f"no profiles in {path} to stratify by", hint="Run intercop resolve")
        table = pq.read_table(path)
        table = table.filter(pc.is_in(table.column("person_id"), value_set=_array(persons)))
        values = {r["person_id"]: r for r in field_rows(table)}
    return {p: "|".join(f"{f}={_text(values.get(p, {}).get(f))}" for f in fields) or "all"
            for p in persons}  # fmt: skip


def baseline_path(workspace: Workspace, pilot_id: int) -> Path:
    """Where the members' profiles as they were at assignment are kept."""
    return workspace.root / "pilots" / f"{pilot_id}" / "baseline.parquet"


def write_baseline(workspace: Workspace, pilot_id: int, persons: Sequence[str]) -> Path | None:
    """Freeze the members' profiles at assignment: the evaluation's covariates.

    Profiles are rebuilt on every resolve, and a later takedown changes them (a person
    who came back has more attacks and is now a repeat offender). Covariates measured
    after the intervention would carry its outcome into the model, so the evaluation
    reads this snapshot instead.
    """
    source = workspace.derived / PROFILES_FILE
    if not source.is_file():
        return None
    table = pq.read_table(source)
    table = table.filter(pc.is_in(table.column("person_id"), value_set=_array(persons)))
    path = baseline_path(workspace, pilot_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    pq.write_table(table, partial)
    os.replace(partial, path)
    return path


def _array(items: Sequence[str]) -> Any:
    return pa.array(list(items), pa.string())


def _text(v: Any) -> str:
    if v is None:
        return "unknown"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


#: the parts of a design that decide the assignment; who froze it and when do not,
#: so the same data and design give the same assignment hash in any workspace
RANDOMISATION = ("method", "agency", "intervention", "arms", "control_arm", "strata", "seed")


def assignment_hash(design: Mapping[str, Any], rows: Sequence[tuple[str, str, str]]) -> str:
    """The hash of an assignment: the randomisation parameters and the sorted rows."""
    parameters = {k: design[k] for k in RANDOMISATION}
    return sha256(canonical({"randomisation": parameters, "assignments": sorted(rows)}))


def assign_pilot(
    session: Session, workspace: Workspace, user_name: str | None, pilot_id: int
) -> Pilot:
    """Randomise the eligible persons of a frozen pilot into its arms (the caller commits)."""
    pilot = get_pilot(session, pilot_id)
    user = require(session, user_name, "pilot.assign", pilot.agency)
    if pilot.state != "frozen":
        raise PilotError(
            f"pilot {pilot.id} is {pilot.state}: it was assigned on {pilot.assigned_at}",
            hint="An assignment is made once; create a new pilot for a new randomisation",
        )
    if not design_intact(pilot):
        raise PilotError(
            f"pilot {pilot.id}: the stored design no longer matches its hash "
            f"{pilot.design_hash[:12]}…; it was changed after it was frozen",
            hint="Do not assign; report it and create a new pilot",
        )
    design = _design(pilot)
    hashes = set(design["eligibility"]["policy_hashes"])
    cases = {
        c.person_id: c
        for c in session.scalars(_eligible_query(pilot.agency, pilot.intervention))
        if (c.policy_hash or "") in hashes
    }
    if not cases:
        raise PilotError(f"pilot {pilot.id}: no eligible case is left to assign")
    persons = sorted(cases)
    strata = _strata(workspace, persons, design["strata"])
    arms = [Arm(a["name"], int(a["ratio"])) for a in design["arms"]]
    arm_of = allocate(strata, arms, int(design["seed"]))
    rows = [(p, strata[p], arm_of[p]) for p in persons]
    session.add_all(
        PilotAssignment(pilot_id=pilot.id, person_id=p, case_id=cases[p].id, arm=a, stratum=s)
        for p, s, a in rows
    )
    write_baseline(workspace, pilot.id, persons)
    pilot.state = "assigned"
    pilot.assigned_at = utc_now()
    pilot.assignment_hash = assignment_hash(design, rows)
    record(session, user.name, "pilot.assign", agency=pilot.agency, object_type="pilot",
           object_id=str(pilot.id), detail={"persons": len(rows),
           "arms": dict(Counter(a for _, _, a in rows)),
           "assignment_hash": pilot.assignment_hash})  # fmt: skip
    session.flush()
    return pilot


def pilot_summary(session: Session, pilot: Pilot) -> dict[str, Any]:
    """A pilot's design, hashes (checked) and counts per arm and per stratum x arm."""
    rows = [
        (a.person_id, a.stratum, a.arm)
        for a in session.scalars(
            select(PilotAssignment).where(PilotAssignment.pilot_id == pilot.id)
        )
    ]
    per_stratum: dict[str, Counter[str]] = {}
    for _, stratum, arm in rows:
        per_stratum.setdefault(stratum, Counter())[arm] += 1
    return {
        "id": pilot.id,
        "name": pilot.name,
        "agency": pilot.agency,
        "intervention": pilot.intervention,
        "state": pilot.state,
        "design": _design(pilot),
        "design_hash": pilot.design_hash,
        "design_intact": design_intact(pilot),
        "assignment_hash": pilot.assignment_hash,
        "assignment_intact": (
            None
            if pilot.assignment_hash is None
            else assignment_hash(_design(pilot), rows) == pilot.assignment_hash
        ),
        "created_by": pilot.created_by,
        "created_at": pilot.created_at.isoformat(),
        "assigned_at": pilot.assigned_at.isoformat() if pilot.assigned_at else None,
        "persons": len(rows),
        "arms": dict(sorted(Counter(a for _, _, a in rows).items())),
        "strata": {s: dict(sorted(c.items())) for s, c in sorted(per_stratum.items())},
    }
