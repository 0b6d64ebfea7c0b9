"""Evaluating a pilot from the case store and the vault, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from intercop.access import AccessError, add_user
from intercop.casework.pilots import baseline_path
from intercop.evaluation.errors import EvaluationError
from intercop.evaluation.pilot import evaluate_pilot, evaluate_pilot_as
from intercop.evaluation.reoffending import load_reoffending
from intercop.store import Store, open_store
from intercop.store.models import AuditEntry, Campaign, Message, Outcome, Pilot, PilotAssignment
from intercop.synth import Scenario
from intercop.workspace import Workspace
from tests.evaluation.conftest import truth_path
from tests.store.backends import BACKENDS, case_store_url

T0 = datetime(2023, 6, 1, tzinfo=UTC)
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def store(
    request: pytest.FixtureRequest, resolved: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    with case_store_url(request.param, resolved) as url:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'cases.db'}"
        with open_store(resolved, url) as opened:
            yield opened


def make_pilot(store: Store, takedowns: Scenario) -> tuple[int, list[str], list[str]]:
    """A pilot of every person: alternate arms, warnings sent to most of the warned arm."""
    with truth_path(takedowns).open(encoding="utf-8", newline="") as handle:
        people = sorted(r["person_id"] for r in csv.DictReader(handle))
    warned, control = people[0::2], people[1::2]
    with store.session() as session:
        pilot = Pilot(
            name="warnings 2023",
            agency="NL",
            intervention="warning_email",
            design="{}",
            design_hash="0" * 64,
            state="assigned",
            created_by="lead",
        )
        session.add(pilot)
        session.flush()
        for arm, members in (("warning", warned), ("control", control)):
            session.add_all(
                PilotAssignment(pilot_id=pilot.id, person_id=p, arm=arm, stratum="NL", t0=T0)
                for p in members
            )
        campaign = Campaign(
            name="wave 1",
            agency="NL",
            intervention="warning_email",
            channel="outbox",
            state="sent",
            pilot_id=pilot.id,
            arm="warning",
            created_by="lead",
        )
        session.add(campaign)
        session.flush()
        for i, person in enumerate(warned):
            session.add(
                Message(
                    campaign_id=campaign.id,
                    person_id=person,
                    channel="outbox",
                    locale="en",
                    address=f"{person}@example.org",
                    address_hash=f"h{i}",
                    message_id=f"<{person}@intercop>",
                    status="sent" if i % 5 else "failed",
                )
            )
        session.add(
            Outcome(
                person_id=control[0],
                pilot_id=pilot.id,
                kind="reoffended",
                at=T0 + timedelta(days=40),
                source="court NL",
                user_name="lead",
            )
        )
        session.commit()
        return pilot.id, warned, control


def first_activity_by_hand(workspace: Workspace, person: str, after: datetime) -> datetime | None:
    """The person's first registration/login/attack/payment/post/message after ``after``."""
    persons = pq.read_table(workspace.derived / "persons.parquet").to_pandas()
    mine = persons[persons["person_id"] == person]
    found = []
    for dataset, keys in mine.groupby("dataset_id")["account_key"]:
        path = workspace.vault / dataset / "canonical" / "events.parquet"
        if not path.is_file():
            continue
        events = pq.read_table(path, columns=["account_key", "kind", "at"]).to_pandas()
        hits = events[
            events["account_key"].isin(set(keys))
            & events["kind"].isin(["registration", "login", "attack", "payment", "post", "message"])
            & (events["at"] > pd.Timestamp(after))
        ]
        if len(hits):
            found.append(hits["at"].min().to_pydatetime())
    return min(found) if found else None


def test_evaluation_of_a_pilot(store: Store, resolved: Workspace, takedowns: Scenario) -> None:
    pilot_id, warned, control = make_pilot(store, takedowns)
    result = evaluate_pilot(store, resolved, pilot_id, as_of=AS_OF)
    assert result.reference == "control" and result.arms == ("control", "warning")
    flow = {f.arm: f for f in result.flow}
    assert flow["warning"].allocated == len(warned) and flow["control"].allocated == len(control)
    assert flow["warning"].reached == sum(1 for i in range(len(warned)) if i % 5)
    assert flow["control"].reached == 0
    for f in result.flow:
        assert f.analysed + f.excluded == f.allocated
        assert f.analysed > 10
    assert result.eligible == len(warned) + len(control)
    assert {p.arm for p in result.proportions} == {"control", "warning"}
    assert result.cox is not None and result.logistic is not None and result.logrank is not None
    assert result.cox.coefficients[0].name == "arm=warning"
    json.dumps(result.as_json(), allow_nan=False)  # no NaN anywhere


def test_follow_up_matches_the_vault(
    store: Store, resolved: Workspace, takedowns: Scenario
) -> None:
    pilot_id, _, control = make_pilot(store, takedowns)
    with store.session() as session:
        table = load_reoffending(session, resolved, pilot_id, grace_days=14, as_of=AS_OF)
    rows = {r.person_id: r for r in table.rows}
    court = rows[control[0]]
    by_hand = first_activity_by_hand(resolved, control[0], T0 + timedelta(days=14))
    if by_hand is None or by_hand > T0 + timedelta(days=40):
        assert court.source == "outcome: court NL" and court.end == T0 + timedelta(days=40)
    checked = 0
    for person, row in list(rows.items())[:40]:
        if person == control[0]:
            continue
        expected = first_activity_by_hand(resolved, person, row.start)
        if expected is None:
            assert not row.event and row.end > row.start
        else:
            assert row.event and row.end == expected, person
            checked += 1
    assert checked > 0
    assert all(e.reason for e in table.excluded)


def test_access_and_audit(
    store: Store, resolved: Workspace, takedowns: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTERCOP_USER", raising=False)
    pilot_id, _, _ = make_pilot(store, takedowns)
    with store.session() as session:
        add_user(session, "ana", "analyst", "NL")
        add_user(session, "sven", "analyst", "SE")
        add_user(session, "gamer", "partner", "NL")
        session.commit()
    for user in ("sven", "gamer", None):
        with pytest.raises(AccessError):
            evaluate_pilot_as(store, resolved, pilot_id, user, as_of=AS_OF)
    evaluate_pilot_as(store, resolved, pilot_id, "ana", as_of=AS_OF, report="p.html")
    with store.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "evaluate.run")).one()
    assert (entry.user_name, entry.object_type, entry.object_id) == ("ana", "pilot", str(pilot_id))
    assert json.loads(entry.detail)["report"] == "p.html"


def test_unknown_pilot(store: Store, resolved: Workspace) -> None:
    with pytest.raises(EvaluationError, match="no pilot 999"):
        evaluate_pilot(store, resolved, 999)


def test_covariates_come_from_the_profiles_frozen_at_assignment(
    store: Store, resolved: Workspace, takedowns: Scenario
) -> None:
    pilot_id, warned, control = make_pilot(store, takedowns)
    profiles = pq.read_table(resolved.derived / "profiles.parquet")
    members = profiles.filter(pc.is_in(profiles["person_id"], pa.array(warned + control)))
    frozen = members.set_column(
        members.schema.get_field_index("risk"), "risk", pa.array([99.0] * members.num_rows)
    )
    path = baseline_path(resolved, pilot_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(frozen, path)
    try:
        with store.session() as session:
            table = load_reoffending(session, resolved, pilot_id, as_of=AS_OF)
    finally:
        shutil.rmtree(path.parent)
    assert table.rows and all(r.covariates.risk == 99.0 for r in table.rows)
