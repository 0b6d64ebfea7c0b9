"""Reoffending derived from later datasets: the first activity after contact, as an outcome.

Who is followed: every person with a case of the agency that was contacted (a case
event to ``contacted``; t0 is the earliest such event) and every member of one of the
agency's pilots whose ``PilotAssignment.t0`` is set (t0 is that time, so the control
arm, never contacted, is followed from the same day as the treatment arm). A pilot's
t0 wins over the contact event: it is the time the pilot's analysis counts from.

What counts: the first activity (see ``evaluation.activity``: a login, attack,
payment, post or message of any of the person's accounts, on any platform in the
vault) after ``t0 + grace``; activity in the grace period is left over from before
the contact. It is recorded as an ``Outcome`` of kind ``reoffended`` at that time with
source ``derived:<dataset_id>``. Running again adds nothing (the store's unique
constraint on person, kind, time and source; the duplicates are counted); a dataset
ingested later that shows earlier activity adds an earlier outcome, and the
evaluation takes the earliest.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import require
from intercop.audit import record
from intercop.casework.agencies import NETWORK
from intercop.casework.outcomes import OutcomeError
from intercop.evaluation.activity import ActivityScan, scan_activity
from intercop.evaluation.reoffending import DEFAULT_GRACE_DAYS, REOFFENDED
from intercop.store.models import Case, CaseEvent, Outcome, Pilot, PilotAssignment
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

SOURCE_PREFIX = "derived:"
_CHUNK = 1000


@dataclass(frozen=True)
class Start:
    """Where a person's follow-up counts from: a contact or a pilot's t0."""

    person_id: str
    t0: datetime
    case_id: int | None
    pilot_id: int | None
    basis: str  # "contacted" or "pilot"


@dataclass(frozen=True)
class Derived:
    """One person's first activity after t0 + grace, and whether this run recorded it."""

    person_id: str
    case_id: int | None
    pilot_id: int | None
    t0: datetime
    at: datetime
    activity: str  # the kind of event: login, attack, payment, post, message
    dataset_id: str
    added: bool

    @property
    def source(self) -> str:
        """The outcome's source: ``derived:<dataset_id>``."""
        return f"{SOURCE_PREFIX}{self.dataset_id}"


@dataclass(frozen=True)
class DeriveReport:
    """What one derivation run found and recorded."""

    agencies: tuple[str, ...]  # empty: every agency
    grace_days: int
    dry_run: bool
    followed: int  # persons with a t0
    unlinked: tuple[str, ...]  # followed persons not linked to any seized account
    items: tuple[Derived, ...]  # persons active after t0 + grace

    @property
    def added(self) -> int:
        """Outcomes recorded by this run (would be, in a dry run)."""
        return sum(1 for d in self.items if d.added)

    @property
    def duplicates(self) -> int:
        """Outcomes found that were recorded already."""
        return len(self.items) - self.added

    def by_dataset(self) -> dict[str, int]:
        """Persons whose first activity after t0 + grace is in each dataset."""
        return dict(sorted(Counter(d.dataset_id for d in self.items).items()))


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def follow_starts(session: Session, agencies: Sequence[str]) -> dict[str, Start]:
    """The t0 of every contacted case and pilot member of ``agencies`` (all when empty)."""
    contacted = (
        select(Case.id, Case.person_id, CaseEvent.at)
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(CaseEvent.to_state == "contacted")
    )
    members = (
        select(PilotAssignment.person_id, PilotAssignment.case_id, PilotAssignment.pilot_id,
               PilotAssignment.t0)
        .join(Pilot, Pilot.id == PilotAssignment.pilot_id)
        .where(PilotAssignment.t0.is_not(None))
    )  # fmt: skip
    if agencies:
        contacted = contacted.where(Case.agency.in_(agencies))
        members = members.where(Pilot.agency.in_(agencies))
    starts: dict[str, Start] = {}
    # a pilot's t0 first: it wins over a contact event of the same person
    for person, case_id, pilot_id, t0 in session.execute(members):
        known = starts.get(person)
        if t0 is not None and (known is None or t0 < known.t0):
            starts[person] = Start(person, t0, case_id, pilot_id, "pilot")
    for case_id, person, at in session.execute(contacted):
        known = starts.get(person)
        if known is None or (known.basis == "contacted" and at < known.t0):
            starts[person] = Start(person, at, case_id, None, "contacted")
    return starts


def _recorded(session: Session, persons: Sequence[str]) -> set[tuple[str, datetime, str]]:
    """(person, at, source) of the derived reoffending outcomes of ``persons``."""
    found: set[tuple[str, datetime, str]] = set()
    for chunk in _chunks(sorted(persons)):
        query = select(Outcome.person_id, Outcome.at, Outcome.source).where(
            Outcome.kind == REOFFENDED,
            Outcome.source.startswith(SOURCE_PREFIX),
            Outcome.person_id.in_(chunk),
        )
        found.update((p, at, s) for p, at, s in session.execute(query))
    return found


def match(starts: Mapping[str, Start], scan: ActivityScan) -> list[Derived]:
    """The persons of ``starts`` active after their start, by person (pure; none added yet)."""
    return [
        Derived(p, s.case_id, s.pilot_id, s.t0, first.at, first.kind, first.dataset_id, False)
        for p, s in sorted(starts.items())
        if (first := scan.first.get(p)) is not None
    ]


def derive_reoffending(
    session: Session,
    workspace: Workspace,
    user_name: str | None,
    *,
    agency: str | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    dry_run: bool = False,
) -> DeriveReport:
    """Record the first activity after t0 + grace of every followed person (no commit).

    Args:
        session: an open case-store session; the caller commits.
        workspace: the workspace whose vault and ``derived/persons.parquet`` are read.
        user_name: the acting user (``--user``), who needs ``outcome.record``.
        agency: only this agency's cases and pilots; default the user's agency (every
            agency for a user of the network).
        grace_days: days after t0 whose activity is ignored.
        dry_run: find and count, record nothing (no audit entry either).
    """
    code = agency.upper() if agency else None
    user = require(session, user_name, "outcome.record", code)
    if grace_days < 0:
        raise OutcomeError(
            f"the grace period ({grace_days} days) cannot be negative",
            hint="Give --grace 0 or more days",
        )
    if code:
        scope: tuple[str, ...] = (code,)
    else:  # a network user acts for every agency
        scope = () if user.agency == NETWORK else (user.agency,)
    starts = follow_starts(session, scope)
    grace = timedelta(days=grace_days)
    scan = (
        scan_activity(workspace, {p: s.t0 + grace for p, s in starts.items()})
        if starts
        else ActivityScan({}, {}, frozenset())
    )
    found = match(starts, scan)
    recorded = _recorded(session, [d.person_id for d in found])
    items = []
    for d in found:
        added = (d.person_id, d.at, d.source) not in recorded
        items.append(Derived(d.person_id, d.case_id, d.pilot_id, d.t0, d.at, d.activity,
                             d.dataset_id, added))  # fmt: skip
        if added and not dry_run:
            session.add(
                Outcome(
                    person_id=d.person_id,
                    case_id=d.case_id,
                    pilot_id=d.pilot_id,
                    kind=REOFFENDED,
                    at=d.at,
                    note=f"first {d.activity} after t0 {d.t0:%Y-%m-%d} + {grace_days} days",
                    source=d.source,
                    user_name=user.name,
                )
            )
    report = DeriveReport(scope, grace_days, dry_run, len(starts),
                          tuple(sorted(scan.unknown)), tuple(items))  # fmt: skip
    log.info(
        "reoffending derived for %d followed persons: %d active after t0 + %d days, %d new",
        report.followed,
        len(items),
        grace_days,
        report.added,
    )
    if not dry_run:
        session.flush()
        record(
            session,
            user.name,
            "outcome.derive",
            agency=code,
            object_type="outcomes",
            object_id=",".join(scope) or "all",
            detail={
                "grace_days": grace_days,
                "followed": report.followed,
                "unlinked": len(report.unlinked),
                "reoffended": len(items),
                "added": report.added,
                "duplicates": report.duplicates,
                "by_dataset": report.by_dataset(),
            },
        )
    return report
