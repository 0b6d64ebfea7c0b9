"""Signing in and out, and the UI language switch."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from intercop.auth.errors import LoginError, ThrottledError
from intercop.auth.login import login as password_login
from intercop.auth.sessions import end_session, start_session
from intercop.store.models import WebSession
from intercop.web.i18n import available
from intercop.web.pages import page
from intercop.web.state import client_origin, web_state
from intercop.web.viewer import SESSION_COOKIE, Access, Public, Viewer

router = APIRouter()

LOGIN_COOKIE = "intercop_login"
Anyone = Annotated[None, Depends(Public())]
SignedIn = Annotated[Viewer, Depends(Access())]


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no ``//host`` or scheme): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_form(request: Request, message: str = "", status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = page(
        request,
        "login.html",
        title="Sign in",
        status=status,
        data={"message": message},
        nonce=nonce,
        next=_safe_next(request.query_params.get("next")),
    )
    secure = web_state(request).config.secure_cookies
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/login",
        max_age=1800,
    )
    return response


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, _: Anyone) -> Response:
    """The sign-in form."""
    return _login_form(request)


def _sign_in(request: Request, name: str, password: str) -> tuple[str | None, str, int]:
    """``(session token, "", 0)`` on success, else ``(None, why, status)``."""
    state = web_state(request)
    ip = request.client.host if request.client else "unknown"
    with state.store.session() as session:
        try:
            user = password_login(session, name, password, ip)
        except ThrottledError as exc:
            return (
                None,
                f"Too many failed attempts. Try again in {exc.wait_seconds // 60 + 1} min.",
                429,
            )
        except LoginError:
            session.commit()  # the failure counts towards the throttle
            return None, "Unknown user name or wrong password.", 401
        token, _web = start_session(
            session, user, ip, timedelta(minutes=state.config.session_minutes)
        )
        session.commit()
        return token, "", 0


@router.post("/login", include_in_schema=False)
async def login(
    request: Request,
    _: Anyone,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    nonce: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password; on success start a session and go where the user was going."""
    if not nonce or not secrets.compare_digest(nonce, request.cookies.get(LOGIN_COOKIE, "")):
        return _login_form(request, "The form had expired; please sign in again.", 400)
    token, why, status = await run_in_threadpool(_sign_in, request, username, password)
    if token is None:
        return _login_form(request, why, status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    config = web_state(request).config
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=config.secure_cookies,
        max_age=config.session_minutes * 60,
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def _sign_out(request: Request, viewer: Viewer) -> None:
    with web_state(request).store.session() as session:
        if viewer.web is not None:
            web = session.get(WebSession, viewer.web.id)
            if web is not None:
                end_session(session, web, origin=client_origin(request))
        session.commit()


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, viewer: SignedIn) -> Response:
    """End the session on the server and drop the cookie."""
    await run_in_threadpool(_sign_out, request, viewer)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}", include_in_schema=False)
def switch_language(code: str, request: Request, _: Anyone) -> Response:
    """Remember the UI language in a cookie and go back."""
    response = RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    if code in available():
        response.set_cookie("lang", code, samesite="lax", max_age=365 * 86400)
    return response
