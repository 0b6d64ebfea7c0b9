"""Casework end to end on the ingested scenario: resolve, users, triage, cases, a pilot.

One resolved workspace is built per module (resolving takes seconds); each test works
on a copy of it (the case store of a SQLite run lives in the workspace).
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from intercop.access import add_user, require
from intercop.casework.agencies import NETWORK, workspace_agencies
from intercop.casework.interventions import load_catalogue
from intercop.casework.pilots import CONTROL, arms_for_control, assign_pilot, create_pilot
from intercop.casework.policy import load_policy_set
from intercop.casework.triage import TriageReport, read_profiles, run_triage
from intercop.evidence.ingest import IngestResult
from intercop.identity.resolve import ResolveOptions, resolve
from intercop.store import Store, open_store
from intercop.store.models import Case, Pilot, PilotAssignment
from intercop.workspace import Workspace, init_workspace, open_workspace
from tests.store.backends import BACKENDS, case_store_url

SEED = 7


@pytest.fixture(scope="module")
def resolved_base(
    tmp_path_factory: pytest.TempPathFactory, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> Workspace:
    """The ingested vault (shared, read-only) resolved into persons and profiles."""
    workspace = init_workspace(tmp_path_factory.mktemp("end_to_end") / "ws")
    shutil.rmtree(workspace.vault)  # only the empty staging folder
    workspace.vault.symlink_to(ingested[0].vault, target_is_directory=True)
    resolve(workspace, None, ResolveOptions())
    return workspace


def copy_of(base: Workspace, folder: Path) -> Workspace:
    """A private copy of the resolved workspace (the vault stays a shared link)."""
    shutil.copytree(base.root, folder, symlinks=True)
    return open_workspace(folder)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("INTERCOP_USER", raising=False)
    name: str = request.param
    return name


@dataclass(frozen=True)
class Triaged:
    """A workspace after users were added and triage ran as the analyst ``ana``."""

    workspace: Workspace
    store: Store
    report: TriageReport
    profiles: list[dict[str, Any]]


def triage(store: Store, workspace: Workspace) -> Triaged:
    """Add the users and triage every profiled person, as the CLI does."""
    catalogue = load_catalogue(None)
    policies = load_policy_set(workspace.root, catalogue)
    agencies = workspace_agencies(workspace.root)
    rows = read_profiles(workspace)
    with store.session() as s:
        add_user(s, "admin", "admin", "NL", acting="setup")
        s.commit()
    with store.session() as s:
        add_user(s, "ana", "analyst", "NL", acting="admin")
        add_user(s, "nina", "supervisor", NETWORK, acting="admin")
        s.commit()
    with store.session() as s:
        acting = require(s, "ana", "triage.run")
        report = run_triage(s, rows, policies, agencies, acting.name)
        s.commit()
    return Triaged(workspace, store, report, rows)


@dataclass(frozen=True)
class Assigned:
    """A pilot assigned on the largest agency."""

    agency: str
    intervention: str
    pilot_id: int
    assignment_hash: str
    rows: list[tuple[str, str, str]]  # (person, stratum, arm)


def pilot_on_largest(store: Store, workspace: Workspace) -> Assigned:
    """Create and assign a 1:1 pilot, stratified by country x risk band, on the largest agency."""
    with store.session() as s:
        cases = [c for c in s.scalars(select(Case)) if c.agency != NETWORK]
        agency, _ = Counter(c.agency for c in cases).most_common(1)[0]
        counts = Counter(c.intervention or "" for c in cases
                         if c.agency == agency and c.state == "recommended"
                         and c.intervention not in (None, "no_action"))  # fmt: skip
        intervention, _ = counts.most_common(1)[0]
        add_user(s, "sup", "supervisor", agency, acting="admin")
        add_user(s, "lee", "analyst", agency, acting="admin")
        s.commit()
    with store.session() as s:
        pilot = create_pilot(s, "sup", name="P1", intervention=intervention,
                             arms=arms_for_control(0.5), strata=("country", "risk_band"), seed=SEED,
                             agency=agency, catalogue=load_catalogue(None))  # fmt: skip
        s.commit()
        assign_pilot(s, workspace, "lee", pilot.id)
        s.commit()
        assert pilot.assignment_hash is not None
        rows = sorted(
            (a.person_id, a.stratum, a.arm)
            for a in s.scalars(select(PilotAssignment).where(PilotAssignment.pilot_id == pilot.id))
        )
        return Assigned(agency, intervention, pilot.id, pilot.assignment_hash, rows)


@pytest.fixture
def triaged(resolved_base: Workspace, backend: str, tmp_path: Path) -> Iterator[Triaged]:
    workspace = copy_of(resolved_base, tmp_path / "ws")
    with case_store_url(backend, workspace) as url, open_store(workspace, url) as store:
        yield triage(store, workspace)


def test_every_person_gets_one_recommendation_and_one_case(triaged: Triaged) -> None:
    done = triaged
    with done.store.session() as s:
        cases = list(s.scalars(select(Case)))
    persons = {r["person_id"] for r in done.profiles}
    assert len(persons) == len(done.profiles) > 100
    per_person = Counter(t.person_id for t in done.report.items)
    assert set(per_person) == persons and set(per_person.values()) == {1}
    assert all(t.rule and t.reasons and t.action == "created" for t in done.report.items)
    assert Counter(c.person_id for c in cases) == per_person
    by_agency = Counter(c.agency for c in cases)
    assert by_agency == Counter(t.agency for t in done.report.items)
    assert {"NL", "GB", NETWORK} <= set(by_agency) and len(by_agency) >= 5
    assert all(c.state == "recommended" and c.intervention for c in cases)


def test_network_queue_holds_unknown_and_low_confidence_countries(triaged: Triaged) -> None:
    done, workspace = triaged, triaged.workspace
    with done.store.session() as s:
        agency_of = {c.person_id: c.agency for c in s.scalars(select(Case))}
    threshold = load_policy_set(workspace.root, load_catalogue(None)).default.min_country_confidence
    agencies = workspace_agencies(workspace.root)
    profiles = pq.read_table(workspace.derived / "profiles.parquet").to_pylist()
    unsure = {
        p["person_id"] for p in profiles
        if p["country"] is None or (p["country_confidence"] or 0.0) < threshold
    }  # fmt: skip
    uncovered = {
        p["person_id"] for p in profiles
        if p["person_id"] not in unsure and p["country"].upper() not in agencies
    }  # fmt: skip
    assert unsure and len(unsure) < len(profiles) / 2
    network = {p for p, a in agency_of.items() if a == NETWORK}
    assert network == unsure | uncovered
    for p in profiles:
        if p["person_id"] not in network:
            assert agency_of[p["person_id"]] == p["country"].upper()
    assert len(done.report.items) == len(agency_of)


def test_pilot_on_the_largest_agency_is_balanced_and_reproducible(
    resolved_base: Workspace, backend: str, tmp_path: Path
) -> None:
    runs = []
    for name, where in (("first", backend), ("second", "sqlite")):
        workspace = copy_of(resolved_base, tmp_path / name)
        with case_store_url(where, workspace) as url, open_store(workspace, url) as store:
            triage(store, workspace)
            runs.append(pilot_on_largest(store, workspace))
            with store.session() as s:
                eligible = {
                    c.person_id
                    for c in s.scalars(select(Case).where(Case.agency == runs[-1].agency))
                    if c.intervention == runs[-1].intervention
                }
                pilot = s.get(Pilot, runs[-1].pilot_id)
                assert pilot is not None and pilot.state == "assigned"
    first, second = runs
    assert {p for p, _, _ in first.rows} == eligible and len(eligible) >= 10
    strata: dict[str, Counter[str]] = {}
    for _, stratum, arm in first.rows:
        strata.setdefault(stratum, Counter())[arm] += 1
    assert len(strata) >= 2
    for stratum, arms in strata.items():
        size = sum(arms.values())
        for arm in ("treatment", CONTROL):  # 1:1
            assert abs(arms[arm] - size / 2) <= 1, (stratum, dict(arms))
    assert (second.agency, second.intervention) == (first.agency, first.intervention)
    assert second.rows == first.rows
    assert second.assignment_hash == first.assignment_hash
