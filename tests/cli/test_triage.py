"""``intercop triage`` through the real command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from intercop.access import AccessError
from intercop.casework.triage import TriageError
from intercop.cli.app import app
from intercop.errors import ConfigError
from tests.casework import profiles
from tests.casework.fixtures import Home, home

__all__ = ["home"]


def run(*args: str) -> tuple[int, str, BaseException | None]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout, done.exception


def test_triage_json_then_idempotent(home: Home) -> None:
    profiles.write(home.workspace, profiles.population(30))
    code, stdout, exc = run("triage", "--user", "ana", "--json")
    assert code == 0, exc
    doc = json.loads(stdout)
    assert doc["persons"] == 30 and doc["actions"] == {"created": 30}
    first = doc["recommendations"][0]
    assert set(first) >= {"person_id", "agency", "intervention", "rule", "reasons", "routing"}
    assert sum(n for by in doc["summary"].values() for n in by.values()) == 30
    code, stdout, _ = run("triage", "--user", "ana", "--json")
    assert json.loads(stdout)["actions"] == {"unchanged": 30}


def test_triage_table_dry_run_and_agency(home: Home) -> None:
    profiles.write(home.workspace, profiles.population(30))
    code, stdout, exc = run("triage", "--user", "ana", "--dry-run", "--agency", "nl")
    assert code == 0, exc
    assert "By agency and intervention" in stdout and "dry run, nothing written" in stdout
    assert "FI" not in stdout.split("By agency")[1]


def test_triage_refusals(home: Home, tmp_path: object) -> None:
    assert isinstance(run("triage", "--user", "ana")[2], TriageError)
    profiles.write(home.workspace, profiles.population(3))
    _, _, exc = run("triage", "--user", "aud")
    assert isinstance(exc, AccessError) and "'triage.run' needs" in str(exc)
    bad = home.workspace.root / "bad.yaml"
    bad.write_text("rules:\n  - name: r\n    when: {atacks: 3}\n    intervention: no_action\n")
    _, _, exc = run("triage", "--user", "ana", "--policy", str(bad))
    assert isinstance(exc, ConfigError)
    assert f"{bad}:3: rule 'r': unknown field 'atacks'" in str(exc)
