"""``intercop pilot create/assign/show`` through the real command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from intercop.casework.pilots import PilotError
from intercop.cli.app import app
from tests.casework import profiles
from tests.casework.fixtures import Home, home

__all__ = ["home"]


def run(*args: str) -> tuple[int, str, BaseException | None]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout, done.exception


def test_create_assign_show(home: Home) -> None:
    profiles.write(home.workspace, [profiles.profile(f"p{i}", age=40) for i in range(12)])
    assert run("triage", "--user", "ana")[0] == 0
    code, stdout, exc = run("pilot", "create", "--name", "P1", "--intervention", "warning_email",
                            "--control", "0.5", "--strata", "country,risk_band", "--seed", "7",
                            "--user", "sam", "--json")  # fmt: skip
    assert code == 0, exc
    created = json.loads(stdout)
    assert created["state"] == "frozen" and len(created["design_hash"]) == 64
    assert created["design"]["arms"] == [{"name": "treatment", "ratio": 1},
                                         {"name": "control", "ratio": 1}]  # fmt: skip
    pid = str(created["id"])
    code, stdout, exc = run("pilot", "assign", pid, "--user", "ana", "--json")
    assert code == 0, exc
    assigned = json.loads(stdout)
    assert assigned["arms"] == {"control": 6, "treatment": 6}
    assert assigned["strata"] == {"country=NL|risk_band=low": {"control": 6, "treatment": 6}}
    code, stdout, _ = run("pilot", "show", pid, "--user", "aud")
    assert "intact" in stdout and "country=NL|risk_band=low" in stdout
    _, _, exc = run("pilot", "assign", pid, "--user", "ana")
    assert isinstance(exc, PilotError)


def test_control_and_arms_are_exclusive(home: Home) -> None:
    code, _, _ = run("pilot", "create", "--name", "P", "--intervention", "warning_email",
                     "--seed", "1", "--user", "sam")  # fmt: skip
    assert code == 2
