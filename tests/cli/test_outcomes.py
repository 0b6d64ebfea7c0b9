"""``intercop outcome add/import/list`` through the real command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from intercop.cli.app import app
from intercop.errors import InputError
from tests.casework import profiles
from tests.casework.fixtures import Home, home

__all__ = ["home"]


def run(*args: str) -> tuple[int, str, BaseException | None]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout, done.exception


def test_add_import_list(home: Home) -> None:
    profiles.write(home.workspace, [profiles.profile("p1"), profiles.profile("p2")])
    assert run("triage", "--user", "ana")[0] == 0
    code, stdout, exc = run("outcome", "add", "p1", "--kind", "reply", "--at", "2025-05-01",
                            "--note", "called back", "--user", "olle", "--json")  # fmt: skip
    assert code == 0, exc
    assert json.loads(stdout)["added"] is True
    csv = home.workspace.root / "o.csv"
    csv.write_text("person_id,kind,at\np2,attended,2025-05-02\np1,completed,2025-06-01\n")
    code, stdout, exc = run("outcome", "import", str(csv), "--user", "ana", "--json")
    assert code == 0, exc
    assert (json.loads(stdout)["added"], json.loads(stdout)["duplicates"]) == (2, 0)
    code, stdout, _ = run("outcome", "import", str(csv), "--user", "ana")
    assert "0 added" in stdout and "2 duplicates skipped" in stdout
    code, stdout, _ = run("outcome", "list", "p1", "--user", "ana", "--json")
    assert [o["kind"] for o in json.loads(stdout)] == ["reply", "completed"]


def test_bad_csv_names_lines(home: Home) -> None:
    profiles.write(home.workspace, [profiles.profile("p1")])
    assert run("triage", "--user", "ana")[0] == 0
    csv = home.workspace.root / "o.csv"
    csv.write_text("person_id,kind,at\np1,reply,yesterday\n")
    _, _, exc = run("outcome", "import", str(csv), "--user", "ana")
    assert isinstance(exc, InputError) and "o.csv: 1 bad line(s): line 2: at:" in str(exc)
    _, _, exc = run("outcome", "add", "p1", "--kind", "hug", "--at", "2025-01-01", "--user", "ana")
    assert exc is not None and "unknown kind 'hug'" in str(exc)
