"""``intercop case ...`` through the real command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from intercop.access import AccessError
from intercop.cli.app import app
from tests.casework import profiles
from tests.casework.fixtures import Home, home

__all__ = ["home"]


def run(*args: str) -> tuple[int, str, BaseException | None]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout, done.exception


def triaged(home: Home) -> dict[str, int]:
    profiles.write(home.workspace, [
        profiles.profile("nl-user"),
        profiles.profile("nl-heavy", attacks=9000),
        profiles.profile("vague", country_confidence=0.2),
    ])  # fmt: skip
    code, stdout, exc = run("triage", "--user", "ana", "--json")
    assert code == 0, exc
    return {r["person_id"]: r["case_id"] for r in json.loads(stdout)["recommendations"]}


def test_list_show_approve_close(home: Home) -> None:
    ids = triaged(home)
    code, stdout, _ = run("case", "list", "--user", "olle", "--json")
    assert sorted(c["person_id"] for c in json.loads(stdout)) == ["nl-heavy", "nl-user"]
    code, stdout, _ = run("case", "list", "--user", "olle", "--intervention", "knock_and_talk")
    assert "nl-heavy" in stdout and "nl-user" not in stdout
    case = str(ids["nl-user"])
    code, _, exc = run("case", "approve", case, "--reason", "file checked", "--user", "olle")
    assert code == 0, exc
    code, stdout, _ = run("case", "show", case, "--user", "olle", "--json")
    shown = json.loads(stdout)
    assert shown["state"] == "approved"
    assert [(e["to"], e["user"]) for e in shown["events"]] == [
        ("recommended", "ana"), ("approved", "olle")]  # fmt: skip
    code, _, exc = run("case", "close", case, "--reason", "moved abroad", "--user", "olle")
    assert code == 0, exc
    code, stdout, _ = run("case", "show", case, "--user", "olle")
    assert "closed" in stdout and "moved abroad" in stdout


def test_wrong_role_and_missing_reason(home: Home) -> None:
    ids = triaged(home)
    heavy = str(ids["nl-heavy"])
    _, _, exc = run("case", "approve", heavy, "--reason", "ok", "--user", "olle")
    assert isinstance(exc, AccessError) and "supervisor or above" in str(exc)
    code, _, _ = run("case", "approve", heavy, "--user", "sam")
    assert code == 2  # --reason is required: a usage error
    code, stdout, exc = run("case", "reject", heavy, "--reason", "minor role", "--user", "sam",
                            "--json")  # fmt: skip
    assert code == 0, exc
    assert json.loads(stdout)[0]["state"] == "rejected"


def test_route_and_follow_up(home: Home) -> None:
    ids = triaged(home)
    vague = str(ids["vague"])
    code, stdout, exc = run("case", "route", vague, "--to", "NL", "--reason", "Dutch e-mail",
                            "--user", "nina", "--json")  # fmt: skip
    assert code == 0, exc
    routed = json.loads(stdout)
    assert routed["closed"]["state"] == "closed" and routed["opened"]["agency"] == "NL"
    code, _, exc = run("case", "follow-up", vague, "--reason", "x", "--user", "nina")
    assert code != 0 and "closed" in str(exc)
