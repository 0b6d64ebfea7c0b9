"""Human decisions on cases: approve, reject, route, follow up, close.

Every decision is checked in full (access, role, state, confirmations) for every case
named before any case changes, so a batch is applied completely or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from intercop.access import AccessError, allowed, require, require_rank
from intercop.casework.agencies import NETWORK, Agency
from intercop.casework.cases import TRANSITIONS, CaseStateError, open_case, transition
from intercop.casework.interventions import Intervention
from intercop.casework.queue import get_case
from intercop.errors import IntercopError
from intercop.store.models import Case, User


class DecisionError(IntercopError):
    """A decision cannot be taken as asked."""


@dataclass(frozen=True)
class Decided:
    """One case after a decision."""

    case_id: int
    person_id: str
    agency: str
    state: str
    intervention: str | None


def _check_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise DecisionError("a reason is required", hint="Give --reason TEXT")
    return reason.strip()


def _cases(session: Session, user: User, case_ids: Sequence[int], to_state: str) -> list[Case]:
    if not case_ids:
        raise DecisionError("no case named", hint="Give one or more case ids")
    cases = [get_case(session, i) for i in dict.fromkeys(case_ids)]
    for case in cases:
        if not allowed(user, "case.decide", case.agency):
            raise AccessError(
                f"case {case.id} belongs to agency {case.agency}; user {user.name!r} is of "
                f"{user.agency}",
                hint="Run the command as a user of that agency",
            )
        if to_state not in TRANSITIONS[case.state]:
            can = ", ".join(sorted(TRANSITIONS[case.state])) or "nothing: it is closed"
            raise CaseStateError(f"case {case.id} is {case.state}; it can become {can}")
    return cases


def _decided(case: Case) -> Decided:
    return Decided(case.id, case.person_id, case.agency, case.state, case.intervention)


def approve(
    session: Session,
    user_name: str | None,
    case_ids: Sequence[int],
    reason: str,
    catalogue: Mapping[str, Intervention],
    confirm: Sequence[str] = (),
) -> list[Decided]:
    """Approve recommended cases; the user's role must reach each intervention's approver
    role, and every ``requires_confirmation`` item must be confirmed (no commit)."""
    reason = _check_reason(reason)
    user = require(session, user_name, "case.decide")
    cases = _cases(session, user, case_ids, "approved")
    confirmed = set(confirm)
    asked: set[str] = set()
    for case in cases:
        spec = catalogue.get(case.intervention or "")
        if spec is None:
            raise DecisionError(
                f"case {case.id}: intervention {case.intervention!r} is not in the catalogue",
                hint="Run `intercop triage` again, or route or reject the case",
            )
        require_rank(user, spec.approver_role, f"case {case.id} ({spec.key})")
        needed = dict(spec.requires_confirmation)
        asked |= set(needed)
        missing = [k for k in needed if k not in confirmed]
        if missing:
            items = "; ".join(f"--confirm {k} ({needed[k]})" for k in missing)
            raise DecisionError(
                f"case {case.id} ({spec.key}) needs the approver to confirm: {items}",
                hint="Check each fact with the person's file, then pass --confirm KEY",
            )
    unknown = sorted(confirmed - asked)
    if unknown:
        raise DecisionError(
            f"--confirm {', '.join(unknown)}: not asked by the interventions of these cases",
            hint=f"Asked: {', '.join(sorted(asked)) or 'nothing'}",
        )
    for case in cases:
        spec = catalogue[case.intervention or ""]
        confirmations = {k: text for k, text in spec.requires_confirmation}
        transition(
            session,
            case,
            "approved",
            user.name,
            reason,
            detail={"confirmed": confirmations} if confirmations else None,
        )
    return [_decided(c) for c in cases]


def move(
    session: Session,
    user_name: str | None,
    case_ids: Sequence[int],
    to_state: str,
    reason: str,
) -> list[Decided]:
    """Reject, follow up or close cases (no commit)."""
    reason = _check_reason(reason)
    user = require(session, user_name, "case.decide")
    cases = _cases(session, user, case_ids, to_state)
    for case in cases:
        transition(session, case, to_state, user.name, reason)
    return [_decided(c) for c in cases]


def route_case(
    session: Session,
    user_name: str | None,
    case_id: int,
    to_agency: str,
    reason: str,
    agencies: Mapping[str, Agency],
) -> tuple[Decided, Decided]:
    """Hand a case of the network queue to an agency: the agency's case is opened with the
    same recommendation and the network case is closed (no commit)."""
    reason = _check_reason(reason)
    to_agency = to_agency.upper()
    user = require(session, user_name, "case.decide")
    case = get_case(session, case_id)
    if case.agency != NETWORK:
        raise DecisionError(
            f"case {case.id} is agency {case.agency}'s, not in the network queue",
            hint="Only cases of the network queue are routed",
        )
    if to_agency not in agencies:
        raise DecisionError(
            f"no agency {to_agency!r} in the network", hint="Give an agency code such as NL"
        )
    if not (allowed(user, "case.decide", NETWORK) or allowed(user, "case.decide", to_agency)):
        raise AccessError(
            f"user {user.name!r} of {user.agency} may not route a case to {to_agency}",
            hint="Route as a user of the network queue or of the receiving agency",
        )
    if "closed" not in TRANSITIONS[case.state]:
        raise CaseStateError(f"case {case.id} is {case.state}; it cannot be routed")
    target = open_case(
        session, case.person_id, to_agency, user.name, country=case.country, minor=case.minor
    )
    detail = {"from_case": case.id, "routing": f"routed from the network queue: {reason}"}
    if target.state in ("new", "recommended", "rejected") and case.intervention is not None:
        transition(
            session,
            target,
            "recommended",
            user.name,
            f"routed from the network queue: {reason}",
            intervention=case.intervention,
            detail=detail,
        )
        target.rule, target.policy_hash = case.rule, case.policy_hash
        reasons = [*json.loads(case.reasons or "[]"), f"routed to {to_agency}: {reason}"]
        target.reasons = json.dumps(reasons, ensure_ascii=False)
    transition(
        session,
        case,
        "closed",
        user.name,
        f"routed to {to_agency}: {reason}",
        detail={"to_case": target.id, "to_agency": to_agency},
    )
    return _decided(case), _decided(target)
