"""A workspace with a case store (SQLite or PostgreSQL) and the casework test users."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from intercop.access import add_user
from intercop.cli.context import STATE
from intercop.store import Store, open_store
from intercop.workspace import Workspace
from tests.store.backends import BACKENDS, case_store_url

#: name -> (role, agency)
USERS = {
    "ana": ("analyst", "NL"),
    "olle": ("officer", "NL"),
    "sam": ("supervisor", "NL"),
    "fiona": ("officer", "FI"),
    "nina": ("supervisor", "NETWORK"),
    "aud": ("auditor", "NL"),
}


@dataclass(frozen=True)
class Home:
    """An open workspace and its case store, with the users of ``USERS``."""

    workspace: Workspace
    store: Store


@pytest.fixture(params=BACKENDS)
def home(
    request: pytest.FixtureRequest, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Home]:
    """The workspace the CLI sees too (INTERCOP_HOME, INTERCOP_DATABASE_URL)."""
    monkeypatch.setattr(STATE, "workspace_path", None)
    monkeypatch.setenv("INTERCOP_HOME", str(workspace.root))
    monkeypatch.delenv("INTERCOP_USER", raising=False)
    with case_store_url(request.param, workspace) as url:
        monkeypatch.setenv("INTERCOP_DATABASE_URL", url)
        with open_store(workspace, url) as store:
            with store.session() as session:
                for name, (role, agency) in USERS.items():
                    add_user(session, name, role, agency, acting="setup")
                session.commit()
            yield Home(workspace, store)
