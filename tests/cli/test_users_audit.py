"""``intercop user`` and ``intercop audit`` through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from intercop.cli.app import app
from intercop.store import open_store
from intercop.workspace import Workspace
from tests.store.backends import BACKENDS, case_store_url

runner = CliRunner()


@pytest.fixture(params=BACKENDS)
def home(
    request: pytest.FixtureRequest, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    with case_store_url(request.param, workspace) as url:
        monkeypatch.setenv("INTERCOP_DATABASE_URL", url)
        monkeypatch.delenv("INTERCOP_USER", raising=False)
        yield workspace.root


def run(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--workspace", str(home), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        return 1, str(result.exception)
    return result.exit_code, result.stdout


def test_users_and_audit_round_trip(home: Path) -> None:
    assert run(home, "user", "add", "ana", "--role", "analyst", "--agency", "NL")[0] == 0
    code, out = run(home, "user", "add", "aud", "--role", "auditor", "--agency", "nl", "--json")
    assert code == 0 and json.loads(out)["agency"] == "NL"
    code, out = run(home, "user", "list", "--json")
    assert [u["name"] for u in json.loads(out)] == ["ana", "aud"]
    code, message = run(home, "audit", "verify", "--user", "ana")
    assert code == 1 and "'audit.read' needs the role" in message
    code, out = run(home, "audit", "verify", "--user", "aud", "--json")
    assert code == 0 and json.loads(out) == {"entries": 2, "ok": True, "problem": None,
                                              "at_seq": None}  # fmt: skip
    code, out = run(home, "audit", "show", "--user", "aud", "--json")
    actions = [e["action"] for e in json.loads(out)]
    assert actions == ["audit.verify", "user.add", "user.add"]


def test_verify_fails_on_an_edited_log(home: Path, workspace: Workspace) -> None:
    run(home, "user", "add", "aud", "--role", "auditor", "--agency", "NL")
    run(home, "user", "add", "ana", "--role", "analyst", "--agency", "NL")
    with open_store(workspace) as store, store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        conn.execute(text('UPDATE audit_log SET detail = \'{"role": "admin"}\' WHERE seq = 2'))
    code, message = run(home, "audit", "verify", "--user", "aud")
    assert code == 1 and "entry 2 was altered" in message
