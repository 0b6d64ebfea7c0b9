"""Signing in and out in a real browser, with and without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Shots, sign_in

pytestmark = pytest.mark.e2e


def test_sign_in_keeps_a_secure_httponly_session_and_sign_out_ends_it(
    page: Any, shots: Shots
) -> None:
    page.goto("/")
    assert "/login" in page.url  # not signed in: sent to the form
    shots(page, "login")
    sign_in(page, "sam")
    assert page.locator("header .who").inner_text().startswith("sam")
    shots(page, "dashboard")
    cookie = next(c for c in page.context.cookies() if c["name"] == "intercop_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    page.click("header .who form button")
    page.wait_for_load_state()
    assert "/login" in page.url
    page.goto("/")
    assert "/login" in page.url  # the session ended on the server too


def test_wrong_password_is_refused_on_the_form(page: Any, shots: Shots) -> None:
    page.goto("/login")
    page.fill("input[name=username]", "sam")
    page.fill("input[name=password]", "not the password")
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()
    assert "/login" in page.url
    assert page.locator("[role=alert]").count() == 1
    shots(page, "refused")


def test_sign_in_works_without_javascript(plain_page: Any, shots: Shots) -> None:
    sign_in(plain_page, "sam")
    assert plain_page.locator("header .who").inner_text().startswith("sam")
    shots(plain_page, "dashboard")
