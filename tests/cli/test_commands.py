"""The acceptance commands of the evidence issue, run as a user would run them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from intercop.synth import Scenario


def run(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "intercop", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "INTERCOP_HOME": str(home)},
        timeout=300,
        check=False,
    )
    if ok:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli") / "ws"
    run(home, "init")
    return home


def test_acceptance_flow(home: Path, takedowns: Scenario) -> None:
    booter = next(f for f in takedowns.files if f.format == "mysqldump")
    done = run(home, "ingest", str(takedowns.out / booter.path), "--platform", booter.platform,
               "--kind", "booter", "--seized-on", "2024-12-10", "--json")  # fmt: skip
    summary = json.loads(done.stdout)
    assert set(summary) >= {"dataset_id", "tables", "accounts", "identifiers", "events",
                            "quarantined", "dropped_columns"}  # fmt: skip
    assert summary["tables"] == booter.tables
    assert summary["accounts"] == booter.tables["users"]
    assert summary["created"] is True

    again = json.loads(run(home, "ingest", str(takedowns.out / booter.path), "--platform",
                           "x", "--json").stdout)  # fmt: skip
    assert again["created"] is False and again["dataset_id"] == summary["dataset_id"]

    listed = json.loads(run(home, "datasets", "--json").stdout)
    assert [d["dataset_id"] for d in listed] == [summary["dataset_id"]]
    assert listed[0]["seized_on"] == "2024-12-10"

    shown = json.loads(run(home, "dataset", "show", summary["dataset_id"][:6], "--json").stdout)
    assert shown["dataset_id"] == summary["dataset_id"]
    assert shown["sources"][0]["sha256"] == booter.sha256
    assert shown["mapping"]["tables"]["users"]["role"] == "users"


def test_explain_names_each_choice(home: Path, takedowns: Scenario) -> None:
    forum = next(f for f in takedowns.files if f.format == "mybb-escaped")
    done = run(home, "ingest", str(takedowns.out / forum.path), "--platform", forum.platform,
               "--kind", "forum", "--explain", "--json")  # fmt: skip
    mapping = json.loads(done.stdout)["mapping"]
    regip = mapping["tables"]["mybb_users"]["columns"]["regip"]
    assert regip["role"] == "ip" and regip["format"] == "ip_binary" and regip["reason"]


def test_mapping_init_round_trips_through_ingest(
    home: Path, takedowns: Scenario, tmp_path: Path
) -> None:
    export = next(f for f in takedowns.files if f.format == "phpmyadmin")
    draft = run(home, "mapping", "init", str(takedowns.out / export.path)).stdout
    tables = yaml.safe_load(draft)["tables"]
    assert tables["gebruikers"]["role"] == "users"
    # an analyst overrules one choice: the panel's "last IP" is its own proxy, not evidence
    edited = tmp_path / "nightcrash.yaml"
    changed = re.sub(r"laatste_ip: \{role: ip[^}]*\}", "laatste_ip: {role: other}", draft)
    assert changed != draft
    edited.write_text(changed)
    done = run(home, "ingest", str(takedowns.out / export.path), "--platform", export.platform,
               "--mapping", str(edited), "--explain", "--json")  # fmt: skip
    used = json.loads(done.stdout)["mapping"]["tables"]["gebruikers"]["columns"]["laatste_ip"]
    assert used["role"] == "other"


def test_user_errors_are_one_line_and_exit_1(home: Path, tmp_path: Path) -> None:
    missing = run(home, "ingest", str(tmp_path / "gone.sql"), "--platform", "x", ok=False)
    assert missing.returncode == 1
    lines = missing.stderr.strip().splitlines()
    assert len(lines) == 1 and "gone.sql" in lines[0] and "Traceback" not in missing.stderr
    bad_date = run(home, "ingest", str(tmp_path), "--platform", "x", "--seized-on", "10/12/24",
                   ok=False)  # fmt: skip
    assert bad_date.returncode == 1 and "YYYY-MM-DD" in bad_date.stderr
    no_ws = run(tmp_path / "nowhere", "datasets", ok=False)
    assert no_ws.returncode == 1 and "intercop init" in no_ws.stderr


def test_usage_errors_exit_2(home: Path) -> None:
    done = run(home, "ingest", ok=False)
    assert done.returncode == 2


def test_logs_never_reach_stdout(home: Path, takedowns: Scenario) -> None:
    forum = next(f for f in takedowns.files if f.format == "mybb-hexblob")
    done = run(home, "-vv", "ingest", str(takedowns.out / forum.path), "--platform", "logs",
               "--json")  # fmt: skip
    assert "reading" in done.stderr  # INFO logs were written...
    json.loads(done.stdout)  # ...to stderr: stdout holds the JSON document only
