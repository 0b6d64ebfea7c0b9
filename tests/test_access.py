"""Users, roles and the check before every action."""

from __future__ import annotations

import pytest

from intercop.access import ACTIONS, AccessError, acting_user, add_user, require, require_rank
from intercop.audit import verify
from intercop.store import Store
from intercop.store.models import AuditEntry
from tests.store.fixtures import store

__all__ = ["store"]


def test_bootstrap_then_only_admins_add_users(store: Store) -> None:
    with store.session() as s:
        add_user(s, "ana", "analyst", "nl")  # no admin yet: bootstrap
        add_user(s, "root", "admin", "NL", acting="ana")
        s.commit()
    with store.session() as s:
        with pytest.raises(AccessError, match=r"'user\.manage' needs the role admin"):
            add_user(s, "sam", "supervisor", "NL", acting="ana")
        add_user(s, "sam", "supervisor", "NL", acting="root")
        s.commit()
        assert acting_user(s, "ana").agency == "NL"
        entries = s.query(AuditEntry).order_by(AuditEntry.seq).all()
        assert [(e.action, e.user_name, e.object_id) for e in entries] == [
            ("user.add", "bootstrap", "ana"),
            ("user.add", "ana", "root"),
            ("user.add", "root", "sam"),
        ]
        assert verify(s).ok


@pytest.mark.parametrize(
    "name, role, agency, message",
    [
        ("Ana Smith", "analyst", "NL", "not valid"),
        ("ana", "boss", "NL", "unknown role 'boss'"),
        ("ana", "analyst", "Netherlands", "not a two-letter country code"),
    ],
)
def test_bad_users_are_refused(store: Store, name: str, role: str, agency: str,
                               message: str) -> None:  # fmt: skip
    with store.session() as s, pytest.raises(AccessError, match=message):
        add_user(s, name, role, agency)


def test_duplicate_user_is_refused(store: Store) -> None:
    with store.session() as s:
        add_user(s, "ana", "analyst", "NL")
        s.commit()
        with pytest.raises(AccessError, match="exists already"):
            add_user(s, "ana", "officer", "NL")


def test_require_checks_user_role_and_agency(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERCOP_USER", raising=False)
    with store.session() as s:
        add_user(s, "ana", "analyst", "NL")
        add_user(s, "sam", "supervisor", "NL")
        add_user(s, "fin", "supervisor", "FI")
        s.commit()
        with pytest.raises(AccessError, match="needs a user"):
            require(s, None, "triage.run")
        with pytest.raises(AccessError, match="no user 'bob'"):
            require(s, "bob", "triage.run")
        with pytest.raises(AccessError, match=r"ana' is analyst: 'campaign\.approve' needs"):
            require(s, "ana", "campaign.approve", "NL")
        with pytest.raises(AccessError, match="belongs to agency FI, not NL"):
            require(s, "fin", "campaign.approve", "NL")
        assert require(s, "sam", "campaign.approve", "NL").name == "sam"
        monkeypatch.setenv("INTERCOP_USER", "ana")
        assert require(s, None, "triage.run", "NL").name == "ana"


def test_rank_lets_a_supervisor_approve_what_an_officer_may(store: Store) -> None:
    with store.session() as s:
        add_user(s, "ana", "analyst", "NL")
        add_user(s, "olly", "officer", "NL")
        add_user(s, "sam", "supervisor", "NL")
        s.commit()
        require_rank(acting_user(s, "sam"), "officer", "a warning")
        require_rank(acting_user(s, "olly"), "officer", "a warning")
        with pytest.raises(AccessError, match="a home visit must be approved by a supervisor"):
            require_rank(acting_user(s, "olly"), "supervisor", "a home visit")
        with pytest.raises(AccessError, match="approved by a officer or above; 'ana'"):
            require_rank(acting_user(s, "ana"), "officer", "a warning")


def test_every_action_names_known_roles() -> None:
    from intercop.store.models import ROLES

    for action, roles in ACTIONS.items():
        assert roles and roles <= set(ROLES), action
