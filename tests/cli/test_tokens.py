"""``intercop user add --password-file``, ``user password`` and ``intercop token``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intercop.auth.tokens import authenticate_token
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


def test_accounts_and_tokens(home: Path, workspace: Workspace, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("a long enough passphrase\n")
    assert run(home, "user", "add", "root", "--role", "admin", "--agency", "NL",
               "--password-file", str(secret))[0] == 0  # fmt: skip
    code, out = run(home, "user", "add", "ana", "--role", "analyst", "--agency", "NL",
                    "--password-file", str(tmp_path / "none"), "--user", "root")  # fmt: skip
    assert code == 1 and "does not exist" in out
    assert run(home, "user", "add", "ana", "--role", "analyst", "--agency", "NL",
               "--password-file", str(secret), "--user", "root")[0] == 0  # fmt: skip
    assert run(home, "user", "password", "ana", "--password-file", str(secret),
               "--user", "ana")[0] == 0  # fmt: skip
    code, out = run(home, "token", "create", "--user", "ana", "--scope", "read", "--as", "ana",
                    "--label", "script", "--expires-days", "30", "--json")  # fmt: skip
    assert code == 0, out
    issued = json.loads(out)
    assert issued["token"].startswith("icp_") and issued["scope"] == "read"
    with open_store(workspace) as store, store.session() as session:
        assert authenticate_token(session, issued["token"])[0].name == "ana"
    code, out = run(home, "token", "list", "--as", "root", "--json")
    listed = json.loads(out)
    assert [t["id"] for t in listed] == [issued["id"]] and issued["token"] not in out
    assert run(home, "token", "revoke", str(issued["id"]), "--as", "root")[0] == 0
    code, out = run(home, "token", "list", "--user", "ana", "--as", "ana", "--json")
    assert json.loads(out)[0]["state"] == "revoked"
    code, out = run(home, "token", "create", "--user", "root", "--scope", "write", "--as", "ana")
    assert code == 1 and "may not manage" in out
