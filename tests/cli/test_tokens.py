"""``intercop user add --password-file``, ``user password`` and ``intercop token``."""

from __future__ import annotations

import json
from pathlib import Path

from intercop.auth.tokens import authenticate_token
from intercop.store import open_store
from intercop.workspace import Workspace
from tests.cli.store_home import home, run

__all__ = ["home"]


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
