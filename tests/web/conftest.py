"""A resolved, triaged workspace with users of three agencies, and a signed-in client.

``web_base`` is built once per session (ingest, resolve, triage on SQLite); each
test gets a private copy through ``web`` and signs in with ``web.login(name)``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from intercop.access import add_user
from intercop.auth.passwords import set_password
from intercop.casework.agencies import workspace_agencies
from intercop.casework.interventions import load_catalogue
from intercop.casework.policy import load_policy_set
from intercop.casework.triage import run_triage
from intercop.evidence.ingest import IngestResult
from intercop.identity.resolve import ResolveOptions, resolve
from intercop.store.database import open_store
from intercop.web.app import create_app
from intercop.web.state import WebConfig
from intercop.workspace import Workspace, init_workspace, open_workspace
from tests.casework.test_end_to_end import read_profiles

PASSWORD = "a long test password"

#: name -> (role, agency); every user's password is ``PASSWORD``
USERS = {
    "adm": ("admin", "NL"),
    "ana": ("analyst", "NL"),
    "olle": ("officer", "NL"),
    "sam": ("supervisor", "NL"),
    "aud": ("auditor", "NL"),
    "gamer": ("partner", "NL"),
    "fin": ("officer", "FI"),
    "fia": ("analyst", "FI"),
    "sven": ("analyst", "SE"),
}


@pytest.fixture(scope="session")
def web_base(
    tmp_path_factory: pytest.TempPathFactory, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> Workspace:
    """The shared ingested vault, resolved and triaged, with ``USERS`` (read-only: copy it)."""
    workspace = init_workspace(tmp_path_factory.mktemp("web") / "ws")
    shutil.rmtree(workspace.vault)
    workspace.vault.symlink_to(ingested[0].vault, target_is_directory=True)
    resolve(workspace, None, ResolveOptions())
    with open_store(workspace) as store:
        with store.session() as s:
            for name, (role, agency) in USERS.items():
                add_user(s, name, role, agency, acting="adm")
                s.commit()
            for name in USERS:
                set_password(s, name, PASSWORD, "adm")
            s.commit()
        catalogue = load_catalogue(None)
        with store.session() as s:
            run_triage(
                s,
                read_profiles(workspace),
                load_policy_set(workspace.root, catalogue),
                workspace_agencies(workspace.root),
                "ana",
            )
            s.commit()
    return workspace


class Web:
    """A test client over a private copy of ``web_base``."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.app = create_app(workspace, config=WebConfig(secure_cookies=True))
        self.client = TestClient(self.app, base_url="https://testserver")

    def login(self, name: str, password: str = PASSWORD) -> TestClient:
        """Sign ``name`` in on a fresh client (its own cookie jar) and return it."""
        client = TestClient(self.app, base_url="https://testserver")
        form = client.get("/login")
        nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)
        assert nonce is not None
        answer = client.post(
            "/login",
            data={"username": name, "password": password, "nonce": nonce.group(1), "next": "/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return client

    def close(self) -> None:
        self.app.state.web.store.close()


def csrf_of(html: str) -> str:
    """The first CSRF token of a page's forms."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


@pytest.fixture
def web(web_base: Workspace, tmp_path: Path) -> Iterator[Web]:
    """A private copy of the triaged workspace, served by a fresh app."""
    target = tmp_path / "ws"
    shutil.copytree(web_base.root, target, symlinks=True)
    served = Web(open_workspace(target))
    try:
        yield served
    finally:
        served.close()


@dataclass(frozen=True)
class Login:
    name: str
    role: str
    agency: str
