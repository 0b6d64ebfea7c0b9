"""The acceptance commands of the identity issue, run as a user would run them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from intercop.evidence.ingest import IngestResult
from intercop.synth import Scenario
from intercop.workspace import Workspace
from tests.cli.test_commands import run


@pytest.fixture(scope="module")
def home(
    tmp_path_factory: pytest.TempPathFactory, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> Path:
    ws, _ = ingested
    home = tmp_path_factory.mktemp("identity-cli") / "ws"
    shutil.copytree(ws.root, home)
    return home


def test_resolve_persons_and_explain(home: Path, takedowns: Scenario) -> None:
    summary = json.loads(run(home, "resolve", "--json", "--evaluate", str(takedowns.out)).stdout)
    assert {"persons", "accounts", "links"} <= set(summary)
    assert summary["accounts"] == takedowns.accounts
    assert summary["evaluation"]["precision"] > 0.9

    persons = json.loads(run(home, "persons", "--json").stdout)
    assert len(persons) == summary["persons"]
    assert sum(len(p["accounts"]) for p in persons) == summary["accounts"]
    first = persons[0]
    assert set(first) >= {"person_id", "accounts", "country", "age", "minor", "risk"}
    assert set(first["accounts"][0]) == {"dataset_id", "account_key"}

    multi = next(p for p in persons if len(p["accounts"]) > 1)
    shown = json.loads(run(home, "person", "show", multi["person_id"], "--explain",
                           "--json").stdout)  # fmt: skip
    assert shown["person_id"] == multi["person_id"]
    assert len(shown["accounts"]) == len(multi["accounts"])
    merged = [link for link in shown["links"] if link["merged"]]
    assert len(merged) == len(multi["accounts"]) - 1  # a spanning tree of evidence
    assert all(link["evidence"] for link in merged)

    nl = json.loads(run(home, "persons", "--country", "nl", "--json").stdout)
    assert nl and all(p["country"] == "NL" for p in nl)


def test_judge_then_resolve_splits_a_person(home: Path) -> None:
    run(home, "resolve")
    persons = json.loads(run(home, "persons", "--json").stdout)
    pair = next(p for p in persons if len(p["accounts"]) == 2)["accounts"]
    a, b = (f"{x['dataset_id']}:{x['account_key']}" for x in pair)
    no_user = run(home, "judge", a, b, "different", "--reason", "r", ok=False)
    assert no_user.returncode == 1 and len(no_user.stderr.strip().splitlines()) == 1
    run(home, "judge", a, b, "different", "--reason", "not the same boy", "--user", "analyst1")
    run(home, "resolve")
    persons = json.loads(run(home, "persons", "--json").stdout)
    owner = {f"{x['dataset_id']}:{x['account_key']}": p["person_id"] for p in persons
             for x in p["accounts"]}  # fmt: skip
    assert owner[a] != owner[b]


def test_cohorts_suppress_small_cells(home: Path) -> None:
    run(home, "resolve")
    doc = json.loads(run(home, "cohorts", "--json").stdout)
    assert doc["min_cell"] == 10
    shown = [c["persons"] for c in doc["cells"]]
    assert all(isinstance(n, str) or n >= 10 for n in shown)
    assert any(n == "<10" for n in shown)


def test_review_lists_refused_links_between_persons(home: Path) -> None:
    run(home, "resolve")
    items = json.loads(run(home, "review", "--json", "--limit", "500").stdout)
    assert items, "the scenario has alts that the guards keep apart"
    persons = json.loads(run(home, "persons", "--json").stdout)
    owner = {f"{x['dataset_id']}:{x['account_key']}": p["person_id"] for p in persons
             for x in p["accounts"]}  # fmt: skip
    for item in items:
        assert item["reason"] and item["reason"] != "already together"
        assert owner[item["uid_l"]] == item["person_l"] != item["person_r"]
    weights = [i["match_weight"] for i in items]
    assert weights == sorted(weights, reverse=True)
