"""A workspace before its first ingest: every page answers, none fails."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from intercop.access import add_user
from intercop.auth.passwords import set_password
from intercop.web.app import create_app
from intercop.workspace import init_workspace
from tests.web.conftest import PASSWORD


def test_an_empty_workspace_serves_every_page(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws")
    app = create_app(workspace)
    with app.state.web.store.session() as s:
        add_user(s, "sam", "supervisor", "NL", acting="sam")
        set_password(s, "sam", PASSWORD, "sam")
        s.commit()
    client = TestClient(app, base_url="https://testserver")
    nonce = re.search(r'name="nonce" value="([^"]+)"', client.get("/login").text)
    assert nonce is not None
    client.post("/login", data={"username": "sam", "password": PASSWORD, "nonce": nonce.group(1)})
    try:
        for path in ("/", "/persons", "/search?q=someone", "/datasets", "/cohorts", "/queue",
                     "/campaigns", "/pilots", "/reports", "/signals"):  # fmt: skip
            for twin in (path, path.replace("?", ".json?") if "?" in path else f"{path}.json"):
                if twin == "/.json":
                    twin = "/index.json"
                answer = client.get(twin)
                assert answer.status_code == 200, (twin, answer.status_code, answer.text[:300])
        assert client.get("/persons/PER-000001").status_code == 404
    finally:
        app.state.web.store.close()
