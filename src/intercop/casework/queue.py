"""The case queues: listing cases and reading one with its history (read-only)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from intercop.casework.cases import history
from intercop.errors import IntercopError
from intercop.store.models import CASE_STATES, Case, CaseEvent


class CaseNotFoundError(IntercopError):
    """No case with that id."""

    hint = "List the cases with `intercop case list`"


@dataclass(frozen=True)
class CaseFilter:
    """Which cases to list; None means any."""

    agency: str | None = None
    state: str | None = None
    intervention: str | None = None
    limit: int | None = None
    country: str | None = None
    minor: bool | None = None
    rule: str | None = None
    offset: int = 0


def _filtered(query: Select[Any], where: CaseFilter) -> Select[Any]:
    if where.state is not None and where.state not in CASE_STATES:
        raise IntercopError(
            f"unknown case state {where.state!r}", hint=f"Choose one of {', '.join(CASE_STATES)}"
        )
    if where.agency is not None:
        query = query.where(Case.agency == where.agency)
    if where.state is not None:
        query = query.where(Case.state == where.state)
    if where.intervention is not None:
        query = query.where(Case.intervention == where.intervention)
    if where.country is not None:
        query = query.where(Case.country == where.country)
    if where.minor is not None:
        query = query.where(Case.minor.is_(where.minor))
    if where.rule is not None:
        query = query.where(Case.rule == where.rule)
    return query


def list_cases(session: Session, where: CaseFilter) -> list[Case]:
    """The cases matching ``where``, by id (``offset`` and ``limit`` page through them)."""
    query = _filtered(select(Case), where).order_by(Case.id)
    if where.offset:
        query = query.offset(where.offset)
    if where.limit:
        query = query.limit(where.limit)
    return list(session.scalars(query))


def count_cases(session: Session, where: CaseFilter) -> int:
    """How many cases match ``where`` (ignoring ``offset`` and ``limit``)."""
    query = _filtered(select(func.count()).select_from(Case), where)
    return int(session.scalar(query) or 0)


def get_case(session: Session, case_id: int) -> Case:
    """The case ``case_id``, or CaseNotFoundError."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFoundError(f"no case {case_id}")
    return case


def case_json(case: Case) -> dict[str, Any]:
    """A case as plain data."""
    return {
        "id": case.id,
        "person_id": case.person_id,
        "agency": case.agency,
        "state": case.state,
        "intervention": case.intervention,
        "rule": case.rule,
        "reasons": json.loads(case.reasons or "[]"),
        "policy_hash": case.policy_hash,
        "country": case.country,
        "minor": case.minor,
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
        "updated_by": case.updated_by,
    }


def event_json(event: CaseEvent) -> dict[str, Any]:
    """A case event as plain data."""
    return {
        "id": event.id,
        "at": _iso(event.at),
        "user": event.user_name,
        "from": event.from_state,
        "to": event.to_state,
        "intervention": event.intervention,
        "reason": event.reason,
        "detail": json.loads(event.detail or "{}"),
    }


def case_history(session: Session, case_id: int) -> tuple[Case, list[CaseEvent]]:
    """A case and its events, oldest first."""
    case = get_case(session, case_id)
    return case, history(session, case.id)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
