"""Triage into the case store: cases opened, idempotent re-runs, one audit entry per run."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from intercop.casework.agencies import NETWORK, load_agencies
from intercop.casework.cases import transition
from intercop.casework.interventions import load_catalogue
from intercop.casework.policy import PolicySet, load_policy, parse_policy
from intercop.casework.triage import TriageError, read_profiles, run_triage
from intercop.store.models import AuditEntry, Case, CaseEvent
from tests.casework import profiles
from tests.casework.fixtures import Home

CATALOGUE = load_catalogue()
POLICIES = PolicySet(load_policy(CATALOGUE), {})
AGENCIES = load_agencies()


def people() -> list[dict[str, object]]:
    return [
        profiles.profile("nl-admin", role="admin"),
        profiles.profile("nl-user"),
        profiles.profile("fi-user", country="FI"),
        profiles.profile("vague", country="FI", country_confidence=0.4),
        profiles.profile("nowhere", country=None, country_confidence=None),
    ]


def triage(home: Home, **kw: object) -> dict[str, tuple[str, str, str]]:
    rows = read_profiles(home.workspace)
    with home.store.session() as s:
        report = run_triage(s, rows, POLICIES, AGENCIES, "ana", **kw)  # type: ignore[arg-type]
        s.commit()
    return {t.person_id: (t.agency, t.intervention, t.action) for t in report.items}


def test_triage_opens_recommended_cases_and_routes_them(home: Home) -> None:
    profiles.write(home.workspace, people())
    got = triage(home)
    assert got == {
        "nl-admin": ("NL", "prosecution_referral", "created"),
        "nl-user": ("NL", "warning_email", "created"),
        "fi-user": ("FI", "warning_email", "created"),
        "vague": (NETWORK, "warning_email", "created"),
        "nowhere": (NETWORK, "warning_email", "created"),
    }
    with home.store.session() as s:
        case = s.scalar(select(Case).where(Case.person_id == "nl-admin"))
        assert case is not None and case.state == "recommended"
        assert case.rule == "platform_operator" and case.policy_hash == POLICIES.default.sha256
        assert json.loads(case.reasons) == ["ran the platform as admin, not only used it"]
        [event] = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
        assert (event.from_state, event.to_state, event.user_name) == ("new", "recommended", "ana")
        assert json.loads(event.detail)["routing"] == ["country NL at confidence 0.90 >= 0.60: NL"]
        [audit] = s.scalars(select(AuditEntry).where(AuditEntry.action == "triage.run"))
        detail = json.loads(audit.detail)
        assert detail["persons"] == 5 and detail["actions"] == {"created": 5}
        assert detail["policy_hashes"] == {"*": POLICIES.default.sha256}


def test_a_second_run_changes_nothing(home: Home) -> None:
    profiles.write(home.workspace, people())
    triage(home)
    assert {a for _, _, a in triage(home).values()} == {"unchanged"}
    with home.store.session() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 5
        assert s.scalar(select(func.count()).select_from(Case)) == 5


def test_a_changed_recommendation_gets_a_new_event_and_decided_cases_are_kept(
    home: Home,
) -> None:
    profiles.write(home.workspace, people())
    triage(home)
    with home.store.session() as s:
        decided = s.scalar(select(Case).where(Case.person_id == "fi-user"))
        assert decided is not None
        transition(s, decided, "approved", "fiona", "looks right")
        s.commit()
    changed = [
        profiles.profile("nl-admin", role="admin"),
        profiles.profile("nl-user", role="seller"),  # new evidence
        profiles.profile("fi-user", country="FI", role="admin"),
    ]
    profiles.write(home.workspace, changed)
    got = triage(home)
    assert got["nl-admin"][2] == "unchanged"
    assert got["nl-user"] == ("NL", "cease_and_desist", "updated")
    assert got["fi-user"][2] == "kept"
    with home.store.session() as s:
        case = s.scalar(select(Case).where(Case.person_id == "nl-user"))
        assert case is not None and case.intervention == "cease_and_desist"
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)))
        assert [(e.from_state, e.to_state) for e in events] == [
            ("new", "recommended"),
            ("recommended", "recommended"),
        ]
        fi = s.scalar(select(Case).where(Case.person_id == "fi-user"))
        assert fi is not None and (fi.state, fi.intervention) == ("approved", "warning_email")


def test_dry_run_and_agency_filter(home: Home) -> None:
    profiles.write(home.workspace, people())
    got = triage(home, dry_run=True, agency="FI")
    assert got == {"fi-user": ("FI", "warning_email", "dry-run")}
    with home.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "triage.run")) == 0  # fmt: skip


def test_an_agency_policy_applies_to_its_own_persons(home: Home) -> None:
    profiles.write(home.workspace, people())
    fi = parse_policy(
        "rules:\n  - name: all\n    default: true\n    intervention: no_action\n", "fi", CATALOGUE
    )
    rows = read_profiles(home.workspace)
    with home.store.session() as s:
        report = run_triage(s, rows, PolicySet(POLICIES.default, {"FI": fi}), AGENCIES, "ana")
    by = {t.person_id: t for t in report.items}
    assert by["fi-user"].intervention == "no_action" and by["fi-user"].policy_hash == fi.sha256
    assert by["nl-user"].intervention == "warning_email"


def test_no_profiles_says_run_resolve(home: Home) -> None:
    with pytest.raises(TriageError, match=r"(?i)no profiles in .*run `intercop resolve` first"):
        read_profiles(home.workspace)
