"""The case state machine."""

from __future__ import annotations

import pytest

from intercop.audit import verify
from intercop.casework.cases import CaseStateError, history, open_case, transition
from intercop.store import Store
from intercop.store.models import AuditEntry
from tests.store.fixtures import store

__all__ = ["store"]


def test_a_case_moves_through_its_life(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, "PER-1", "NL", "ana", country="NL", minor=True)
        assert open_case(s, "PER-1", "NL", "ana").id == case.id
        transition(s, case, "recommended", "ana", "rule heavy_user", intervention="warning_email")
        transition(s, case, "approved", "sam", "fits the policy")
        transition(s, case, "contacted", "sam", "campaign W1")
        transition(s, case, "followed_up", "olly", "phoned back")
        transition(s, case, "closed", "olly", "done")
        s.commit()
        events = history(s, case.id)
        assert [(e.from_state, e.to_state, e.user_name) for e in events] == [
            ("new", "recommended", "ana"),
            ("recommended", "approved", "sam"),
            ("approved", "contacted", "sam"),
            ("contacted", "followed_up", "olly"),
            ("followed_up", "closed", "olly"),
        ]
        assert case.state == "closed" and case.intervention == "warning_email"
        assert [a.action for a in s.query(AuditEntry).order_by(AuditEntry.seq)] == [
            "case.recommended", "case.approved", "case.contacted", "case.followed_up",
            "case.closed",
        ]  # fmt: skip
        assert verify(s).ok


@pytest.mark.parametrize(
    "path, target, message",
    [
        ((), "contacted", "case 1 is new: it cannot become contacted"),
        (("recommended",), "followed_up", "cannot become followed_up"),
        (("recommended", "closed"), "recommended", "allowed: none: the case is closed"),
        ((), "lost", "unknown case state 'lost'"),
    ],
)
def test_illegal_moves_are_refused(
    store: Store, path: tuple[str, ...], target: str, message: str
) -> None:
    with store.session() as s:
        case = open_case(s, "PER-1", "NL", "ana")
        for state in path:
            transition(s, case, state, "ana", "step")
        with pytest.raises(CaseStateError, match=message):
            transition(s, case, target, "ana", "why not")


def test_a_reason_is_required(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, "PER-1", "NL", "ana")
        with pytest.raises(CaseStateError, match="a reason is required"):
            transition(s, case, "recommended", "ana", "  ")
        assert history(s, case.id) == []


def test_bulk_moves_leave_the_audit_to_the_caller(store: Store) -> None:
    with store.session() as s:
        for i in range(3):
            case = open_case(s, f"PER-{i}", "NL", "ana")
            transition(s, case, "recommended", "ana", "triage", audit=False)
        s.commit()
        assert s.query(AuditEntry).count() == 0
