"""Reoffending derived from a later dataset, on a hand-built vault, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from intercop.access import AccessError
from intercop.casework.cases import open_case
from intercop.casework.derive import derive_reoffending
from intercop.casework.outcomes import OutcomeError
from intercop.cli.app import app
from intercop.evidence.manifest import Manifest
from intercop.store.models import AuditEntry, CaseEvent, Outcome, Pilot, PilotAssignment
from intercop.workspace import Workspace
from tests.casework.fixtures import Home

T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)
OLD, NEW = "ds_old_2023", "ds_new_2024"

#: (dataset, account, person, kind, at) of every event in the vault
EVENTS = [
    (OLD, "a1", "P1", "attack", T0 - timedelta(days=200)),
    (NEW, "b1", "P1", "registration", T0 + timedelta(days=10)),  # in the grace period
    (NEW, "b1", "P1", "login", T0 + timedelta(days=40, hours=3, microseconds=123456)),
    (NEW, "b1", "P1", "attack", T0 + timedelta(days=41)),
    (OLD, "a2", "P2", "attack", T0 - timedelta(days=100)),  # before contact only
    (NEW, "b3", "P3", "login", T0 + timedelta(days=5)),  # in the grace period only
    (NEW, "b4", "P4", "payment", T0 + timedelta(days=5)),  # in the grace period ...
    (NEW, "b4", "P4", "attack", T0 + timedelta(days=30)),  # ... and after it
    (NEW, "b5", "P5", "post", T0 + timedelta(days=70)),  # pilot control member
    (NEW, "b6", "P6", "attack", T0 + timedelta(days=50)),  # NL case, never contacted
    (NEW, "b7", "P7", "attack", T0 + timedelta(days=50)),  # FI case, contacted
    (NEW, "b8", "P8", "login", T0 + timedelta(days=30)),  # after contact + grace ...
    (NEW, "b8", "P8", "attack", T0 + timedelta(days=90)),  # ... but the pilot's t0 is later
]
PILOT_T0 = {"P5": T0 + timedelta(days=1), "P8": T0 + timedelta(days=60)}
CONTACTED = {"NL": ["P1", "P2", "P3", "P4", "P8", "P9"], "FI": ["P7"]}  # P9: no seized account


def write_dataset(workspace: Workspace, dataset_id: str, platform: str) -> None:
    """A vault dataset with just a manifest and canonical events."""
    folder = workspace.vault / dataset_id / "canonical"
    folder.mkdir(parents=True)
    rows = [e for e in EVENTS if e[0] == dataset_id]
    events = pa.table(
        {
            "dataset_id": [e[0] for e in rows],
            "account_key": [e[1] for e in rows],
            "kind": [e[3] for e in rows],
            "at": pa.array([e[4] for e in rows], pa.timestamp("us", "UTC")),
        }
    )
    pq.write_table(events, folder / "events.parquet")
    manifest = Manifest(
        dataset_id=dataset_id,
        platform=platform,
        kind="booter",
        agency="NL",
        retention_until=date(2030, 1, 1),
        ingested_at=datetime.now(UTC),
        tool_version="test",
        sources=[],
        tables={},
        mapping_software="test",
        mapping={},
    )
    (folder.parent / "manifest.json").write_text(manifest.model_dump_json(), "utf-8")


def build_vault(workspace: Workspace) -> None:
    """Two seized booters, the persons behind their accounts."""
    write_dataset(workspace, OLD, "oldbooter")
    write_dataset(workspace, NEW, "newbooter")
    links = sorted({(e[2], e[0], e[1]) for e in EVENTS})
    persons = pa.table(
        {
            "person_id": [p for p, _, _ in links],
            "dataset_id": [d for _, d, _ in links],
            "account_key": [a for _, _, a in links],
        }
    )
    pq.write_table(persons, workspace.derived / "persons.parquet")


@pytest.fixture
def followed(home: Home) -> Home:
    """Contacted cases in NL and FI, a pilot whose members have a t0, a case never contacted."""
    build_vault(home.workspace)
    with home.store.session() as s:
        for agency, persons in CONTACTED.items():
            for person in persons:
                case = open_case(s, person, agency, "olle")
                case.state = "contacted"
                s.add(CaseEvent(case_id=case.id, at=T0, user_name="olle", from_state="approved",
                                to_state="contacted", reason="warning sent"))  # fmt: skip
        open_case(s, "P6", "NL", "olle")
        pilot = Pilot(name="P", agency="NL", intervention="warning_email", design="{}",
                      design_hash="0" * 64, state="assigned", created_by="sam")  # fmt: skip
        s.add(pilot)
        s.flush()
        for person, t0 in PILOT_T0.items():
            case = open_case(s, person, "NL", "olle")
            s.add(PilotAssignment(pilot_id=pilot.id, person_id=person, case_id=case.id,
                                  arm="control", stratum="all", t0=t0))  # fmt: skip
        s.commit()
    return home


def outcomes(home: Home) -> dict[str, Outcome]:
    with home.store.session() as s:
        found = list(s.scalars(select(Outcome)))
    assert len({o.person_id for o in found}) == len(found), "one outcome per person"
    return {o.person_id: o for o in found}


def derive_audits(home: Home) -> list[AuditEntry]:
    with home.store.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "outcome.derive")))


def test_first_activity_after_contact_and_grace(followed: Home) -> None:
    with followed.store.session() as s:
        report = derive_reoffending(s, followed.workspace, "olle")
        s.commit()
    found = outcomes(followed)
    assert sorted(found) == ["P1", "P4", "P5", "P8"]
    p1 = found["P1"]
    assert p1.at == T0 + timedelta(days=40, hours=3, microseconds=123456)
    assert (p1.kind, p1.source, p1.user_name) == ("reoffended", f"derived:{NEW}", "olle")
    assert p1.case_id is not None and p1.pilot_id is None
    assert found["P4"].at == T0 + timedelta(days=30)  # the payment in the grace is ignored
    assert found["P5"].at == T0 + timedelta(days=70) and found["P5"].pilot_id is not None
    assert found["P8"].at == T0 + timedelta(days=90)  # from the pilot's t0, not the contact
    assert (report.followed, report.added, report.duplicates) == (7, 4, 0)
    assert report.unlinked == ("P9",) and report.by_dataset() == {NEW: 4}
    [entry] = derive_audits(followed)
    assert (entry.user_name, entry.object_id) == ("olle", "NL")
    assert json.loads(entry.detail)["added"] == 4


def test_running_again_adds_nothing(followed: Home) -> None:
    for _ in range(2):
        with followed.store.session() as s:
            report = derive_reoffending(s, followed.workspace, "olle", grace_days=14)
            s.commit()
    assert (report.added, report.duplicates) == (0, 4)
    assert len(outcomes(followed)) == 4
    assert len(derive_audits(followed)) == 2


def test_grace_and_dry_run(followed: Home) -> None:
    with followed.store.session() as s:
        report = derive_reoffending(s, followed.workspace, "olle", grace_days=0, dry_run=True)
        s.commit()
    at = {d.person_id: d.at for d in report.items}
    assert at["P3"] == T0 + timedelta(days=5) and at["P4"] == T0 + timedelta(days=5)
    assert report.added == 5 and outcomes(followed) == {} and derive_audits(followed) == []
    with followed.store.session() as s, pytest.raises(OutcomeError, match="cannot be negative"):
        derive_reoffending(s, followed.workspace, "olle", grace_days=-1)


def test_agencies_and_access(followed: Home) -> None:
    with followed.store.session() as s:
        fi = derive_reoffending(s, followed.workspace, "fiona", dry_run=True)
        network = derive_reoffending(s, followed.workspace, "nina", dry_run=True)
        for user, agency in (("aud", None), ("fiona", "NL")):
            with pytest.raises(AccessError):
                derive_reoffending(s, followed.workspace, user, agency=agency)
    assert [d.person_id for d in fi.items] == ["P7"] and fi.agencies == ("FI",)
    assert [d.person_id for d in network.items] == ["P1", "P4", "P5", "P7", "P8"]


def test_nothing_contacted_needs_no_vault(home: Home) -> None:
    with home.store.session() as s:
        report = derive_reoffending(s, home.workspace, "olle")
        s.commit()
    assert (report.followed, report.items) == (0, ())
    assert len(derive_audits(home)) == 1


def test_command_line(followed: Home) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["outcome", "derive", "--user", "olle", "--json"])
    assert done.exit_code == 0, done.exception
    result = json.loads(done.stdout)
    assert (result["added"], result["duplicates"], result["unlinked"]) == (4, 0, 1)
    assert {o["person_id"] for o in result["outcomes"]} == {"P1", "P4", "P5", "P8"}
    done = runner.invoke(app, ["outcome", "derive", "--user", "olle", "--grace", "0"])
    assert done.exit_code == 0, done.exception
    # without grace: P3's and P4's day-5 activity and P1's day-10 new account count
    assert "3 added" in done.stdout and "2 already recorded" in done.stdout
    with followed.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Outcome)) == 7
