"""Decisions on cases: approvals by role, confirmations, rejections, routing, closing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from intercop.access import AccessError
from intercop.casework.agencies import NETWORK, load_agencies
from intercop.casework.cases import CaseStateError, open_case, transition
from intercop.casework.decisions import DecisionError, approve, move, route_case
from intercop.casework.interventions import load_catalogue
from intercop.casework.queue import CaseFilter, CaseNotFoundError, case_history, list_cases
from intercop.store.models import AuditEntry, Case, CaseEvent
from tests.casework.fixtures import Home

CATALOGUE = load_catalogue()


def recommended(home: Home, person: str, agency: str, intervention: str) -> int:
    with home.store.session() as s:
        case = open_case(s, person, agency, "ana", country=agency)
        transition(s, case, "recommended", "ana", "triage", intervention=intervention)
        s.commit()
        return case.id


def state(home: Home, case_id: int) -> str:
    with home.store.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case.state


def test_an_officer_approves_a_warning(home: Home) -> None:
    cid = recommended(home, "p1", "NL", "warning_email")
    with home.store.session() as s:
        [done] = approve(s, "olle", [cid], "checked the file", CATALOGUE)
        s.commit()
    assert done.state == "approved" and state(home, cid) == "approved"
    with home.store.session() as s:
        _, events = case_history(s, cid)
        assert events[-1].user_name == "olle" and events[-1].reason == "checked the file"
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "case.approved")) == 1  # fmt: skip


def test_the_wrong_role_changes_nothing(home: Home) -> None:
    ok = recommended(home, "p1", "NL", "warning_email")
    visit = recommended(home, "p2", "NL", "knock_and_talk")  # supervisor's call
    with home.store.session() as s, pytest.raises(AccessError) as caught:
        approve(s, "olle", [ok, visit], "both fine", CATALOGUE)
    assert "must be approved by a supervisor or above; 'olle' is officer" in str(caught.value)
    assert state(home, ok) == "recommended"  # the batch is all or nothing
    with home.store.session() as s, pytest.raises(AccessError, match=r"'case\.decide' needs"):
        approve(s, "ana", [ok], "analysts do not decide", CATALOGUE)
    with home.store.session() as s, pytest.raises(AccessError, match="belongs to agency NL"):
        approve(s, "fiona", [ok], "another agency", CATALOGUE)
    with home.store.session() as s:
        approve(s, "sam", [ok, visit], "a supervisor may", CATALOGUE)
        s.commit()
    assert state(home, visit) == "approved"


def test_hack_right_needs_the_facts_confirmed(home: Home) -> None:
    cid = recommended(home, "p1", "NL", "hack_right_referral")
    with home.store.session() as s, pytest.raises(DecisionError) as caught:
        approve(s, "sam", [cid], "first offence", CATALOGUE, confirm=["confession"])
    assert "--confirm not_too_serious" in str(caught.value)
    assert "--confirm willing" in str(caught.value)
    with home.store.session() as s, pytest.raises(DecisionError, match="not asked"):
        approve(s, "sam", [cid], "x", CATALOGUE,
                confirm=["confession", "willing", "not_too_serious", "sorry"])  # fmt: skip
    with home.store.session() as s:
        approve(s, "sam", [cid], "talked to the parents", CATALOGUE,
                confirm=["confession", "willing", "not_too_serious"])  # fmt: skip
        s.commit()
        _, events = case_history(s, cid)
        assert set(json.loads(events[-1].detail)["confirmed"]) == {
            "confession", "willing", "not_too_serious"}  # fmt: skip


def test_reasons_are_mandatory_and_states_are_checked(home: Home) -> None:
    cid = recommended(home, "p1", "NL", "warning_email")
    with home.store.session() as s, pytest.raises(DecisionError, match="a reason is required"):
        move(s, "olle", [cid], "rejected", "  ")
    with home.store.session() as s, pytest.raises(CaseStateError, match="it can become"):
        move(s, "olle", [cid], "followed_up", "too early")
    with home.store.session() as s, pytest.raises(CaseNotFoundError):
        move(s, "olle", [cid, 999], "rejected", "no")
    with home.store.session() as s:
        move(s, "olle", [cid], "rejected", "already in contact with youth services")
        move(s, "olle", [cid], "closed", "done")
        s.commit()
    assert state(home, cid) == "closed"


def test_routing_from_the_network_queue(home: Home) -> None:
    cid = recommended(home, "p1", NETWORK, "warning_email")
    agencies = load_agencies()
    with home.store.session() as s, pytest.raises(AccessError):
        route_case(s, "olle", cid, "FI", "speaks Finnish", agencies)
    with home.store.session() as s, pytest.raises(DecisionError, match="no agency 'XX'"):
        route_case(s, "fiona", cid, "XX", "x", agencies)
    with home.store.session() as s:
        closed, opened = route_case(s, "fiona", cid, "fi", "Finnish forum posts", agencies)
        s.commit()
    assert (closed.state, opened.agency, opened.state) == ("closed", "FI", "recommended")
    assert opened.intervention == "warning_email"
    with home.store.session() as s:
        fi = list_cases(s, CaseFilter(agency="FI"))
        assert [c.person_id for c in fi] == ["p1"]
        assert "routed to FI: Finnish forum posts" in json.loads(fi[0].reasons)
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 3
    with home.store.session() as s, pytest.raises(DecisionError, match="not in the network"):
        route_case(s, "nina", opened.case_id, "SE", "x", agencies)


def test_listing_filters(home: Home) -> None:
    recommended(home, "p1", "NL", "warning_email")
    recommended(home, "p2", "NL", "knock_and_talk")
    recommended(home, "p3", "FI", "warning_email")
    with home.store.session() as s:
        assert len(list_cases(s, CaseFilter())) == 3
        assert [c.person_id for c in list_cases(s, CaseFilter(agency="NL",
                intervention="warning_email"))] == ["p1"]  # fmt: skip
        assert list_cases(s, CaseFilter(state="approved")) == []
        assert len(list_cases(s, CaseFilter(limit=2))) == 2
