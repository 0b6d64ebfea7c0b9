"""``intercop user`` and ``intercop audit`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from intercop.store import open_store
from intercop.workspace import Workspace
from tests.cli.store_home import home, run

__all__ = ["home"]


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
