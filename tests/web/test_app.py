"""Signing in and out, sessions and the guards every response carries."""

from __future__ import annotations

import re

from sqlalchemy import select

from intercop.store.models import AuditEntry
from tests.web.conftest import PASSWORD, Web, csrf_of


def _nonce(html: str) -> str:
    found = re.search(r'name="nonce" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_a_page_without_a_session_redirects_to_the_login_form(web: Web) -> None:
    answer = web.client.get("/?view=all", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/%3Fview%3Dall"
    assert web.client.get("/index.json").status_code == 401


def test_login_sets_a_secure_httponly_strict_cookie_and_is_audited(web: Web) -> None:
    form = web.client.get("/login")
    answer = web.client.post(
        "/login",
        data={
            "username": "ana",
            "password": PASSWORD,
            "nonce": _nonce(form.text),
            "next": "/persons",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/persons"
    cookie = answer.headers["set-cookie"]
    assert "intercop_session=" in cookie
    assert all(flag in cookie for flag in ("HttpOnly", "Secure", "SameSite=strict"))
    with web.app.state.web.store.session() as s:
        actions = [
            e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.user_name == "ana"))
        ]
    assert "auth.login" in actions


def test_a_wrong_password_fails_and_repeated_failures_are_throttled(web: Web) -> None:
    statuses = []
    for _ in range(6):
        form = web.client.get("/login")
        answer = web.client.post(
            "/login",
            data={"username": "olle", "password": "not it at all", "nonce": _nonce(form.text)},
        )
        statuses.append(answer.status_code)
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    form = web.client.get("/login")
    right = web.client.post(
        "/login",
        data={"username": "olle", "password": PASSWORD, "nonce": _nonce(form.text)},
        follow_redirects=False,
    )
    assert right.status_code == 429, "the right password does not bypass the throttle"


def test_login_without_the_form_nonce_is_refused(web: Web) -> None:
    answer = web.client.post("/login", data={"username": "ana", "password": PASSWORD, "nonce": "x"})
    assert answer.status_code == 400


def test_next_cannot_send_the_user_to_another_site(web: Web) -> None:
    form = web.client.get("/login")
    answer = web.client.post(
        "/login",
        data={
            "username": "ana",
            "password": PASSWORD,
            "nonce": _nonce(form.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_logout_ends_the_session_on_the_server(web: Web) -> None:
    client = web.login("ana")
    cookie = client.cookies.get("intercop_session")
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    client.cookies.set("intercop_session", str(cookie), domain="testserver")
    assert client.get("/index.json").status_code == 401


def test_a_form_post_without_a_csrf_token_is_refused(web: Web) -> None:
    client = web.login("ana")
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/index.json").status_code == 200, "the session is still there"


def test_every_response_carries_the_security_headers(web: Web) -> None:
    for path in ("/login", "/static/app.css"):
        headers = web.client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_pages_load_nothing_from_elsewhere(web: Web) -> None:
    client = web.login("ana")
    html = client.get("/").text
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_the_dashboard_twin_is_the_data_the_page_shows(web: Web) -> None:
    client = web.login("ana")
    data = client.get("/index.json").json()
    assert data["agency"] == "NL" and sum(data["queue"].values()) > 0
    html = client.get("/").text
    for state, n in data["queue"].items():
        assert f"/queue?state={state}" in html and f"{n:,}" in html
