"""Who is asking: a signed-in user (session cookie) or a script (API token).

Every route declares who may call it with exactly one of ``Access(...)`` or
``Public()`` among its dependencies; the authorisation-matrix test reads those
declarations from the route table, so a route without one fails the tests.

``Access(action)`` checks, in order: a valid session or token (else 401, or a
redirect to the login page for a page), the token's scope (read tokens only GET,
partner tokens only partner routes), the role (``intercop.access.ACTIONS``), and,
for a session's form post, a single-use CSRF token. Which *agency's* objects the
viewer may see is checked by the handler through ``intercop.visibility``: an
object of another agency answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from intercop.access import ACTIONS
from intercop.auth.sessions import check_csrf, load_session_user
from intercop.auth.tokens import authenticate_token, scope_allows
from intercop.errors import IntercopError
from intercop.store.models import WebSession
from intercop.web.state import web_state

SESSION_COOKIE = "intercop_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotSignedInError(IntercopError):
    """No valid session or token: sign in (pages redirect to the login form)."""

    hint = "Sign in again, or send a valid token as 'Authorization: Bearer ...'"


class ForbiddenError(IntercopError):
    """Signed in, but this role, scope or form token does not allow the request."""


@dataclass(frozen=True)
class Viewer:
    """The authenticated caller of one request."""

    name: str
    role: str
    agency: str
    via: str  # "session" | "token"
    scope: str | None = None  # the token's scope
    web: WebSession | None = None  # the web session (its secret makes CSRF tokens)

    @property
    def network(self) -> bool:
        """A user of the network's own desk sees every agency's objects."""
        return self.agency == "NETWORK"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _identify(request: Request) -> Viewer:
    """The viewer behind the request's token or session cookie (runs in a thread)."""
    state = web_state(request)
    token = _bearer(request)
    with state.store.session() as session:
        if token is not None:
            user, api_token = authenticate_token(session, token)
            _commit_if_changed(session)  # last_used_at, at most once a minute
            return Viewer(user.name, user.role, user.agency, "token", scope=api_token.scope)
        found = load_session_user(session, request.cookies.get(SESSION_COOKIE))
        if found is None:
            raise NotSignedInError("not signed in, or the session has expired")
        web, user = found
        _commit_if_changed(session)  # sliding expiry, at most once a minute
        return Viewer(user.name, user.role, user.agency, "session", web=web)


def _commit_if_changed(session: Session) -> None:
    """Commit what the check wrote; most requests write nothing (closing ends the read)."""
    if session.dirty or session.new or session.deleted:
        session.commit()


def _check_csrf(request: Request, viewer: Viewer, supplied: str | None) -> None:
    state = web_state(request)
    with state.store.session() as session:
        if not supplied or viewer.web is None or not check_csrf(session, viewer.web, supplied):
            raise ForbiddenError(
                "the form's security token is missing, expired or already used",
                hint="Reload the page and send the form again",
            )
        session.commit()  # the token is now used: a replay is refused


class Access:
    """A route's declaration (and check) of the action its caller must be allowed.

    ``action=None`` means any signed-in user of any role except partner;
    ``partner=True`` marks a partner-API route (the only ones partner tokens reach).
    """

    def __init__(self, action: str | None = None, *, partner: bool = False) -> None:
        if action is not None and action not in ACTIONS:
            raise KeyError(f"unknown action {action!r}")
        self.action = action
        self.partner = partner

    def roles(self) -> frozenset[str]:
        """The roles this route admits."""
        if self.action is not None:
            return ACTIONS[self.action]
        everyone = {"analyst", "officer", "supervisor", "admin", "auditor"}
        return frozenset({"partner"} if self.partner else everyone)

    async def __call__(self, request: Request) -> Viewer:
        viewer = await run_in_threadpool(_identify, request)
        if viewer.via == "token" and not scope_allows(
            viewer.scope or "", request.method, self.partner
        ):
            raise ForbiddenError(
                f"a {viewer.scope} token cannot {request.method} {request.url.path}",
                hint="Create a token with the scope this call needs (intercop token create)",
            )
        if viewer.role not in self.roles():
            raise ForbiddenError(
                f"{viewer.name} is {viewer.role}; this needs the role "
                + ", ".join(sorted(self.roles())),
                hint="Ask a user with that role, or an admin to change your role",
            )
        if viewer.via == "session" and request.method not in SAFE_METHODS:
            supplied = request.headers.get(CSRF_HEADER)
            if supplied is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                form = await request.form()
                value = form.get(CSRF_FIELD)
                supplied = value if isinstance(value, str) else None
            await run_in_threadpool(_check_csrf, request, viewer, supplied)
        request.state.viewer = viewer
        return viewer


class Public:
    """A route anyone may call (the login form, static files, the schema)."""

    async def __call__(self, request: Request) -> None:
        return None
