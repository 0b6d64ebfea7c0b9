"""The case state machine: a case per person and agency, moved only by named users.

```
new -> recommended -> approved -> contacted -> followed_up -> closed
            |   ^          |
            v   |          v
          rejected <-------+
```

Every move appends a ``CaseEvent`` (who, when, from, to, why) and, unless a bulk
caller records one entry for the whole batch, an audit entry.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.audit import record
from intercop.errors import IntercopError
from intercop.store.base import utc_now
from intercop.store.models import Case, CaseEvent

OPEN = ("new", "recommended", "approved", "rejected", "contacted", "followed_up")
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"recommended", "closed"}),
    "recommended": frozenset({"recommended", "approved", "rejected", "closed"}),
    "approved": frozenset({"contacted", "rejected", "closed"}),
    "rejected": frozenset({"recommended", "closed"}),
    "contacted": frozenset({"followed_up", "closed"}),
    "followed_up": frozenset({"followed_up", "closed"}),
    "closed": frozenset(),
}


class CaseStateError(IntercopError):
    """A case cannot move to the state asked for."""


def transition(
    session: Session,
    case: Case,
    to_state: str,
    user: str,
    reason: str,
    *,
    intervention: str | None = None,
    detail: dict[str, Any] | None = None,
    audit: bool = True,
) -> CaseEvent:
    """Move ``case`` to ``to_state`` as ``user`` for ``reason`` (the caller commits)."""
    if to_state not in TRANSITIONS:
        raise CaseStateError(f"unknown case state {to_state!r}")
    if to_state not in TRANSITIONS[case.state]:
        allowed = ", ".join(sorted(TRANSITIONS[case.state])) or "none: the case is closed"
        raise CaseStateError(
            f"case {case.id} is {case.state}: it cannot become {to_state} (allowed: {allowed})"
        )
    if not reason.strip():
        raise CaseStateError(
            f"case {case.id}: a reason is required to make it {to_state}",
            hint="Give --reason TEXT",
        )
    event = CaseEvent(
        case_id=case.id,
        at=utc_now(),
        user_name=user,
        from_state=case.state,
        to_state=to_state,
        intervention=intervention or case.intervention,
        reason=reason,
        detail=json.dumps(detail or {}, sort_keys=True, default=str, ensure_ascii=False),
    )
    session.add(event)
    case.state = to_state
    if intervention is not None:
        case.intervention = intervention
    case.updated_at = event.at
    case.updated_by = user
    if audit:
        record(
            session,
            user,
            f"case.{to_state}",
            agency=case.agency,
            object_type="case",
            object_id=str(case.id),
            reason=reason,
            detail={
                "person_id": case.person_id,
                "from": event.from_state,
                "intervention": event.intervention,
            },
        )
    return event


def open_case(
    session: Session,
    person_id: str,
    agency: str,
    user: str,
    *,
    country: str | None = None,
    minor: bool | None = None,
) -> Case:
    """The case of ``person_id`` at ``agency``, created in state ``new`` if there is none.

    A new case gets its id at once (the session is flushed) so events can refer to it.
    """
    case = session.scalar(select(Case).where(Case.person_id == person_id, Case.agency == agency))
    if case is not None:
        if country is not None:
            case.country = country
        if minor is not None:
            case.minor = minor
        return case
    now = utc_now()
    case = Case(
        person_id=person_id,
        agency=agency,
        state="new",
        reasons="[]",
        country=country,
        minor=minor,
        created_at=now,
        updated_at=now,
        updated_by=user,
    )
    session.add(case)
    session.flush()
    return case


def history(session: Session, case_id: int) -> list[CaseEvent]:
    """The events of a case, oldest first."""
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
    )
