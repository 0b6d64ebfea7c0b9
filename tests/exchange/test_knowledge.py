"""The shared knowledge base: validation with clear errors, roles, audit, entries from pilots."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from intercop.access import AccessError, add_user
from intercop.casework.interventions import load_catalogue
from intercop.cli.app import app
from intercop.evaluation.effects import contrast, proportion
from intercop.evaluation.pilot import ArmFlow, PilotEvaluation, PilotInfo
from intercop.exchange.knowledge import (
    KnowledgeError,
    KnowledgeInput,
    add_entry,
    entry_json,
    from_pilot,
    list_entries,
)
from intercop.store import Store
from intercop.store.models import AuditEntry
from tests.exchange.fixtures import Network

CATALOGUE = set(load_catalogue())
GOOD = KnowledgeInput("warning_email", "nl", "rct", "booter customers 16-25", 1200,
                      "risk_ratio", 0.72, 0.55, 0.94, "https://example.org/report.pdf")  # fmt: skip
runner = CliRunner()


def _users(store: Store) -> None:
    with store.session() as s:
        add_user(s, "adm", "admin", "NL", acting="setup")
        others = [("ana", "analyst", "NL"), ("fin", "officer", "FI"),
                  ("gamer", "partner", "NL"), ("aud", "auditor", "SE")]  # fmt: skip
        for name, role, agency in others:
            add_user(s, name, role, agency, acting="adm")
        s.commit()


def test_every_agency_adds_and_reads_audited(store: Store) -> None:
    _users(store)
    with store.session() as s:
        nl = add_entry(s, "ana", GOOD, CATALOGUE)
        fi = add_entry(s, "fin", replace(GOOD, intervention="peer mentoring", country="FI",
                                         design="quasi"), CATALOGUE, free_text=True)  # fmt: skip
        s.commit()
        assert (nl.agency, nl.country, nl.catalogued) == ("NL", "NL", True)
        assert (fi.agency, fi.catalogued) == ("FI", False)
        assert [e.id for e in list_entries(s, "aud")] == [fi.id, nl.id]
        assert [e.id for e in list_entries(s, "adm", country="nl")] == [nl.id]
        assert entry_json(nl)["report_link"] == GOOD.report_link
        with pytest.raises(AccessError, match=r"knowledge\.read"):
            list_entries(s, "gamer")
        with pytest.raises(AccessError, match=r"knowledge\.add"):
            add_entry(s, "aud", GOOD, CATALOGUE)
        audit = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "knowledge.add")))
        assert [(a.user_name, a.agency) for a in audit] == [("ana", "NL"), ("fin", "FI")]


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"estimate": 1.2}, "does not contain the estimate 1.2"),
        ({"ci_low": 0.99, "ci_high": 0.5}, "does not contain"),
        ({"n": 0}, "n: 0 persons; it must be more than 0"),
        ({"intervention": "magic"}, "'magic' is not in the catalogue"),
        ({"design": "anecdote"}, "design: 'anecdote'"),
        ({"measure": "vibes"}, "measure: 'vibes'"),
        ({"country": "Netherlands"}, "not a two-letter country code"),
        ({"ci_low": -0.1}, "ratio and its interval must be above 0"),
        ({"estimate": float("nan")}, "finite"),
        ({"report_link": "javascript:alert(1)"}, "not an http(s) address"),
        ({"population": " "}, "population"),
    ],
)
def test_a_bad_entry_is_refused_naming_the_problem(
    store: Store, change: dict[str, object], problem: str
) -> None:
    _users(store)
    with store.session() as s:
        with pytest.raises(KnowledgeError) as caught:
            add_entry(s, "ana", replace(GOOD, **change), CATALOGUE)  # type: ignore[arg-type]
        assert any(problem in p for p in caught.value.problems), caught.value.problems
        assert problem in str(caught.value)
        assert list_entries(s, "ana") == []


def test_all_problems_are_reported_at_once(store: Store) -> None:
    _users(store)
    with store.session() as s, pytest.raises(KnowledgeError) as caught:
        add_entry(s, "ana", replace(GOOD, n=-1, estimate=5.0, design="x"), CATALOGUE)
    assert len(caught.value.problems) == 3


def _evaluation() -> PilotEvaluation:
    treated, control = proportion("letter", 12, 100), proportion("control", 24, 100)
    flow = tuple(ArmFlow(a, 110, 0, 10, 100, ()) for a in ("control", "letter"))
    return PilotEvaluation(
        PilotInfo(3, "Letters 2026", "NL", "warning_letter", "closed"),
        datetime(2026, 10, 1, tzinfo=UTC), 14, "control", ("control", "letter"), 220, flow,
        (), (treated, control), (contrast(treated, control),), (), None, (), None, None, (),
    )  # fmt: skip


def test_an_entry_from_a_pilot_evaluation(store: Store) -> None:
    entry = from_pilot(_evaluation())
    assert (entry.design, entry.measure, entry.n, entry.source) == ("rct", "risk_ratio", 200,
                                                                     "pilot:3")  # fmt: skip
    assert entry.ci_low < entry.estimate < entry.ci_high and entry.estimate == pytest.approx(0.5)
    with pytest.raises(KnowledgeError, match="no arm 'sms'"):
        from_pilot(_evaluation(), "sms")
    _users(store)
    with store.session() as s:
        row = add_entry(s, "ana", entry, CATALOGUE, free_text=True)
        assert row.source == "pilot:3" and row.country == "NL"


def test_cli_knowledge_add_and_list(network: Network) -> None:
    args = ["knowledge", "add", "--intervention", "knock_and_talk", "--country", "FI", "--design",
            "quasi", "--population", "forum users under 18", "--n", "80", "--measure",
            "risk_ratio", "--estimate", "0.8", "--ci-low", "0.6", "--ci-high", "1.1",
            "--user", "fin", "--json"]  # fmt: skip
    added = runner.invoke(app, args)
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["agency"] == "FI"
    bad = runner.invoke(app, [*args[:-5], "--ci-high", "0.7", "--user", "fin"])
    assert isinstance(bad.exception, KnowledgeError) and "does not contain" in str(bad.exception)
    listed = runner.invoke(app, ["knowledge", "list", "--user", "sven", "--json"])
    assert [e["intervention"] for e in json.loads(listed.stdout)] == ["knock_and_talk"]
