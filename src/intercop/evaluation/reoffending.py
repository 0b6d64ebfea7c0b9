"""The per-person reoffending table of a pilot: time from t0 + grace to the first new activity.

For each person assigned to an arm at ``t0`` (control persons have a ``t0`` too: the day
their arm's "treatment", nothing, happened), follow-up starts at ``t0 + grace`` (activity
in the grace period is left over from before the message, e.g. a plan already paid for).
The event is the earliest of

* the first activity (a new account, login, attack, payment, post, message) of any of
  the person's accounts in the seized data after the start (see ``activity``), and
* a recorded ``Outcome`` of kind ``reoffended`` after the start (an imported justice record).

Without an event the person is censored at the last date the seized data cover (the
newest takedown in the vault), or at ``as_of`` if earlier. Seized data only show what
happened on the platforms that were seized: an event here is a lower bound on reoffending.

Covariates are the members' profiles as frozen when the pilot was assigned
(``pilots/<id>/baseline.parquet``), not today's: a later takedown changes a profile
(more attacks, now a repeat offender) and would carry the outcome into the model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.casework.pilots import baseline_path
from intercop.evaluation.activity import ActivityScan, scan_activity
from intercop.evaluation.errors import EvaluationError
from intercop.store.models import Outcome, PilotAssignment
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

REOFFENDED = "reoffended"
DEFAULT_GRACE_DAYS = 14
_DAY = 86_400.0


@dataclass(frozen=True)
class Covariates:
    """A person's profile figures used for balance and adjustment (None when unknown)."""

    risk: float | None = None
    attacks: float | None = None
    age: float | None = None
    minor_now: float | None = None  # 1 or 0
    repeat_offender: float | None = None  # 1 or 0
    spend_eur: float | None = None
    country: str | None = None

    @staticmethod
    def numeric() -> tuple[str, ...]:
        """The names of the numeric covariates."""
        return tuple(f.name for f in fields(Covariates) if f.name != "country")


@dataclass(frozen=True)
class Assigned:
    """One person's allocation in a pilot."""

    person_id: str
    arm: str
    stratum: str
    t0: datetime | None


@dataclass(frozen=True)
class FollowUp:
    """One analysable person: time at risk and whether reoffending was seen."""

    person_id: str
    arm: str
    stratum: str
    t0: datetime
    start: datetime
    end: datetime  # the event or censoring
    event: bool
    source: str | None  # what the event was ("attack in <dataset>", "outcome: <source>")
    covariates: Covariates

    @property
    def days(self) -> float:
        """Days from the start of follow-up to the event or censoring."""
        return (self.end - self.start).total_seconds() / _DAY


@dataclass(frozen=True)
class Exclusion:
    """An allocated person who cannot be analysed, and why."""

    person_id: str
    arm: str
    reason: str


@dataclass(frozen=True)
class ReoffendingTable:
    """The follow-up of every analysable person, and the persons excluded."""

    rows: tuple[FollowUp, ...]
    excluded: tuple[Exclusion, ...]
    grace_days: int
    as_of: datetime

    def frame(self) -> pd.DataFrame:
        """One row per person: person_id, arm, days, event and the covariates."""
        records = []
        for r in self.rows:
            record: dict[str, object] = {
                "person_id": r.person_id,
                "arm": r.arm,
                "stratum": r.stratum,
                "days": r.days,
                "event": int(r.event),
            }
            record.update({f.name: getattr(r.covariates, f.name) for f in fields(Covariates)})
            records.append(record)
        columns = [
            "person_id",
            "arm",
            "stratum",
            "days",
            "event",
            *(f.name for f in fields(Covariates)),
        ]
        return pd.DataFrame.from_records(records, columns=columns)


def follow_up(
    assigned: Sequence[Assigned],
    scan: ActivityScan,
    outcomes: Mapping[str, Sequence[tuple[datetime, str]]],
    profiles: Mapping[str, Covariates],
    *,
    grace_days: int,
    as_of: datetime,
) -> ReoffendingTable:
    """Combine allocations, vault activity and recorded outcomes into the follow-up table."""
    grace = timedelta(days=grace_days)
    rows: list[FollowUp] = []
    excluded: list[Exclusion] = []
    for a in assigned:
        if a.t0 is None:
            excluded.append(
                Exclusion(a.person_id, a.arm, "no t0: the arm's treatment is not recorded yet")
            )
            continue
        start = a.t0 + grace
        if start >= as_of:
            excluded.append(Exclusion(a.person_id, a.arm, f"follow-up starts after {as_of.date()}"))
            continue
        candidates: list[tuple[datetime, str]] = [
            (at, f"outcome: {source}")
            for at, source in outcomes.get(a.person_id, ())
            if start < at <= as_of
        ]
        first = scan.first.get(a.person_id)
        covered = scan.coverage.get(a.person_id)
        if first is not None and first.at <= as_of:
            candidates.append((first.at, f"{first.kind} in dataset {first.dataset_id}"))
        if candidates:
            at, source = min(candidates)
            rows.append(
                FollowUp(
                    a.person_id,
                    a.arm,
                    a.stratum,
                    a.t0,
                    start,
                    at,
                    True,
                    source,
                    profiles.get(a.person_id, Covariates()),
                )
            )
            continue
        if a.person_id in scan.unknown or covered is None:
            excluded.append(Exclusion(a.person_id, a.arm, "not linked to any seized account"))
            continue
        end = min(covered, as_of)
        if end <= start:
            excluded.append(
                Exclusion(
                    a.person_id,
                    a.arm,
                    f"no follow-up: the seized data end on {covered.date()}, "
                    f"before t0 + {grace_days} days",
                )
            )
            continue
        rows.append(
            FollowUp(
                a.person_id,
                a.arm,
                a.stratum,
                a.t0,
                start,
                end,
                False,
                None,
                profiles.get(a.person_id, Covariates()),
            )
        )
    return ReoffendingTable(tuple(rows), tuple(excluded), grace_days, as_of)


def load_reoffending(
    session: Session,
    workspace: Workspace,
    pilot_id: int,
    *,
    grace_days: int = DEFAULT_GRACE_DAYS,
    as_of: datetime | None = None,
) -> ReoffendingTable:
    """The reoffending table of pilot ``pilot_id`` from the case store and the vault."""
    if grace_days < 0:
        raise EvaluationError(f"the grace period ({grace_days} days) cannot be negative")
    as_of = as_of or datetime.now(UTC)
    assigned = [
        Assigned(a.person_id, a.arm, a.stratum, a.t0)
        for a in session.scalars(
            select(PilotAssignment)
            .where(PilotAssignment.pilot_id == pilot_id)
            .order_by(PilotAssignment.person_id)
        )
    ]
    if not assigned:
        raise EvaluationError(
            f"pilot {pilot_id} has no assigned persons", hint="Assign the pilot's persons first"
        )
    grace = timedelta(days=grace_days)
    starts = {a.person_id: a.t0 + grace for a in assigned if a.t0 is not None}
    scan = scan_activity(workspace, starts) if starts else ActivityScan({}, {}, frozenset())
    outcomes: dict[str, list[tuple[datetime, str]]] = {}
    for o in session.scalars(
        select(Outcome).where(Outcome.kind == REOFFENDED, Outcome.person_id.in_(list(starts)))
    ):
        outcomes.setdefault(o.person_id, []).append((o.at, o.source))
    baseline = baseline_path(workspace, pilot_id)
    if baseline.is_file():
        profiles = read_covariates(workspace, starts, path=baseline)
    else:
        log.warning("pilot %d has no baseline profiles; using today's profiles", pilot_id)
        profiles = read_covariates(workspace, starts)
    return follow_up(assigned, scan, outcomes, profiles, grace_days=grace_days, as_of=as_of)


def read_covariates(
    workspace: Workspace, persons: Iterable[str], *, path: Path | None = None
) -> dict[str, Covariates]:
    """The profile figures of ``persons`` from ``path`` (default: today's profiles)."""
    path = path or workspace.derived / "profiles.parquet"
    if not path.is_file():
        log.warning("%s is missing: no covariates for the evaluation", path)
        return {}
    wanted = set(persons)
    names = set(pq.read_schema(path).names)
    columns = ["person_id", *(f.name for f in fields(Covariates) if f.name in names)]
    table = pq.read_table(path, columns=columns).to_pylist()
    result = {}
    for row in table:
        if row["person_id"] not in wanted:
            continue
        values: dict[str, object] = {}
        for f in fields(Covariates):
            value = row.get(f.name)
            if f.name == "country" or value is None:
                values[f.name] = value
            else:
                values[f.name] = float(value)
        result[row["person_id"]] = Covariates(**values)  # type: ignore[arg-type]
    return result
