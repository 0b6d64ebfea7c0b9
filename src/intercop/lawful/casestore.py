"""Erasing expired cases from the case store, with everything tied to them.

A case is one person as one agency's case; erasing it removes, in the caller's
transaction: its events (through a retention grant, see migration 0005), the
messages to that person in that agency's campaigns with their bounces and partner
deliveries, the agency's contacts of and transfer authorisations for the person,
the person's outcomes (of the case, or of no case in no other agency's pilot) and
pilot assignments in the agency's pilots. Received referral bundles that created the
case keep their row (its bundle id still refuses a replay) but lose their payload.
The audit log is never touched here: the caller records the tombstones.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from intercop.store.models import (
    Bounce,
    Campaign,
    Case,
    CaseEvent,
    Contact,
    Message,
    Outcome,
    OutgoingBundle,
    PartnerDelivery,
    Pilot,
    PilotAssignment,
    ReceivedBundle,
    RetentionGrant,
    TransferAuthorisation,
)

log = logging.getLogger(__name__)

CHUNK = 500  # ids per IN list: well under every backend's parameter limit

T = TypeVar("T")


@dataclass(frozen=True)
class CaseRef:
    """The identity of a case to erase."""

    case_id: int
    person_id: str
    agency: str


@dataclass
class CaseErasure:
    """What erasing a set of cases removed (or, counted only, would remove)."""

    rows: Counter[str] = field(default_factory=Counter)
    message_ids: list[tuple[int, str, str]] = field(default_factory=list)  # campaign, id, channel
    assignments: dict[int, set[str]] = field(default_factory=dict)  # pilot -> persons

    def as_json(self) -> dict[str, Any]:
        return {"rows": dict(sorted(self.rows.items()))}


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _by_agency(cases: Iterable[CaseRef]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for c in cases:
        out[c.agency].add(c.person_id)
    return {a: sorted(p) for a, p in out.items()}


def erase_cases(session: Session, cases: Sequence[CaseRef], *, write: bool = True) -> CaseErasure:
    """Erase ``cases`` and what is tied to them (``write=False``: count only)."""
    result = CaseErasure()
    ids = sorted({c.case_id for c in cases})
    if not ids:
        return result
    messages: set[tuple[int, int, str, str]] = set()  # id, campaign, Message-ID, channel
    assignments: set[tuple[int, int, str]] = set()  # id, pilot, person
    message_cols = (Message.id, Message.campaign_id, Message.message_id, Message.channel)
    assignment_cols = (PilotAssignment.id, PilotAssignment.pilot_id, PilotAssignment.person_id)
    for agency, persons in _by_agency(cases).items():
        campaigns = select(Campaign.id).where(Campaign.agency == agency)
        pilots = select(Pilot.id).where(Pilot.agency == agency)
        for chunk in _chunks(persons):
            sent = and_(Message.person_id.in_(chunk), Message.campaign_id.in_(campaigns))
            messages |= _rows(session, select(*message_cols).where(sent))
            mine = and_(PilotAssignment.person_id.in_(chunk), PilotAssignment.pilot_id.in_(pilots))
            assignments |= _rows(session, select(*assignment_cols).where(mine))
            known = and_(Contact.agency == agency, Contact.person_id.in_(chunk))
            _delete(session, Contact, known, result, write)
            _delete(session, TransferAuthorisation,
                    and_(TransferAuthorisation.agency == agency,
                         TransferAuthorisation.person_id.in_(chunk)), result, write)  # fmt: skip
            # the sender's outbox names the person; an undelivered bundle is not sent either
            _delete(session, OutgoingBundle,
                    and_(OutgoingBundle.sender == agency, OutgoingBundle.person_id.in_(chunk)),
                    result, write)  # fmt: skip
            _delete(session, Outcome,
                    and_(Outcome.person_id.in_(chunk), Outcome.case_id.is_(None),
                         or_(Outcome.pilot_id.is_(None), Outcome.pilot_id.in_(pilots))),
                    result, write)  # fmt: skip
    for id_chunk in _chunks(ids):
        messages |= _rows(session, select(*message_cols).where(Message.case_id.in_(id_chunk)))
        assignments |= _rows(
            session, select(*assignment_cols).where(PilotAssignment.case_id.in_(id_chunk))
        )
    for message_chunk in _chunks(sorted(m[0] for m in messages)):
        _delete(session, Bounce, Bounce.message_id.in_(message_chunk), result, write)
        _delete(session, PartnerDelivery, PartnerDelivery.message_id.in_(message_chunk),
                result, write)  # fmt: skip
        _delete(session, Message, Message.id.in_(message_chunk), result, write)
    for assignment_chunk in _chunks(sorted(a[0] for a in assignments)):
        _delete(session, PilotAssignment, PilotAssignment.id.in_(assignment_chunk), result, write)
    for case_chunk in _chunks(ids):
        chunk_ids = list(case_chunk)
        _delete(session, Outcome, Outcome.case_id.in_(chunk_ids), result, write)
        bundles = ReceivedBundle.case_id.in_(chunk_ids)
        result.rows["received_bundles (payload)"] += _count(session, ReceivedBundle, bundles)
        if write:
            session.execute(
                update(ReceivedBundle).where(bundles).values(case_id=None, payload=None)
            )
        # the one permitted deletion from case_events: grant, delete, revoke (migration 0005)
        if write:
            session.execute(insert(RetentionGrant), [{"case_id": i} for i in chunk_ids])
        _delete(session, CaseEvent, CaseEvent.case_id.in_(chunk_ids), result, write)
        if write:
            session.execute(delete(RetentionGrant).where(RetentionGrant.case_id.in_(chunk_ids)))
        _delete(session, Case, Case.id.in_(chunk_ids), result, write)
    result.message_ids = sorted((m[1], m[2], m[3]) for m in messages)
    for _, pilot_id, person_id in assignments:
        result.assignments.setdefault(pilot_id, set()).add(person_id)
    log.info("case store erasure%s: %s", "" if write else " (count)", dict(result.rows))
    return result


def _rows(session: Session, query: Any) -> set[Any]:
    return {tuple(r) for r in session.execute(query).all()}


def _count(session: Session, model: Any, where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(where)) or 0)


def _delete(session: Session, model: Any, where: Any, result: CaseErasure, write: bool) -> None:
    name = model.__tablename__
    if write:
        # Core DELETE: bypasses the ORM's append-only listeners on purpose (the database's
        # trigger still decides, through the grant)
        done = session.execute(delete(model).where(where).execution_options(
            synchronize_session=False))  # fmt: skip
        result.rows[name] += int(getattr(done, "rowcount", 0) or 0)
    else:
        result.rows[name] += _count(session, model, where)
