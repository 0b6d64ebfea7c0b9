"""Victims' and third parties' data never reaches a message's facts or a referral bundle."""

from __future__ import annotations

import dataclasses
import json

import duckdb
import pytest

from intercop.exchange.payload import accounts_part, profile_part
from intercop.lawful.subjects import UnknownColumnError, protected_columns, subject_category
from intercop.outreach.facts import facts_for
from intercop.workspace import Workspace
from tests.lawful.test_retention import resolved  # noqa: F401  (fixture)


def test_the_mapping_tags_victims_and_third_parties() -> None:
    assert subject_category("accounts", "email") == "suspect"
    assert subject_category("events", "target", "attack") == "victim"
    assert subject_category("events", "target", "message") == "third_party"
    assert "events.target" in protected_columns()
    with pytest.raises(UnknownColumnError):
        subject_category("events", "password")


def test_targets_and_recipients_never_leave(resolved: Workspace) -> None:  # noqa: F811
    ws = resolved
    events = str(ws.vault / "*" / "canonical" / "events.parquet")
    rows = (
        duckdb.connect()
        .execute(
            f"SELECT p.person_id, e.target FROM read_parquet('{events}') e "
            f"JOIN read_parquet('{ws.derived / 'persons.parquet'}') p "
            "USING (dataset_id, account_key) WHERE e.target IS NOT NULL AND length(e.target) >= 7"
        )
        .fetchall()
    )
    victims: dict[str, set[str]] = {}
    for person, target in rows:
        victims.setdefault(person, set()).add(target)
    assert victims, "the scenario has attacks and messages with targets"
    people = sorted(victims)[:40]
    facts = facts_for(ws, people)
    for person in people:
        text = json.dumps(dataclasses.asdict(facts[person]), default=str)
        agency = json.loads((next(ws.vault.glob("*/manifest.json"))).read_text())["agency"]
        accounts, _ = accounts_part(ws, person, agency)
        text += json.dumps([accounts, profile_part(ws, person)], default=str)
        leaked = [t for t in victims[person] if t in text]
        assert not leaked, f"{person}: {leaked}"
