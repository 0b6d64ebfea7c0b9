"""What one running web app holds: its workspace, the open case store, its settings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from intercop.settings import Settings
from intercop.store.database import Store
from intercop.workspace import Workspace


@dataclass(frozen=True)
class WebConfig:
    """Settings of the web edge (from ``INTERCOP_WEB_*``; see ``intercop.settings``)."""

    secure_cookies: bool = True
    session_minutes: int = 480
    max_body_bytes: int = 10 * 1024 * 1024
    partner_rate_per_minute: int = 60
    agency: str | None = None  # this server's own agency (None: INTERCOP_AGENCY)

    @classmethod
    def from_settings(cls, settings: Settings) -> WebConfig:
        """The web edge's settings from ``INTERCOP_WEB_*``."""
        return cls(
            secure_cookies=settings.web_secure_cookies,
            session_minutes=settings.web_session_minutes,
            max_body_bytes=settings.web_max_body_bytes,
            partner_rate_per_minute=settings.web_partner_rate,
        )


@dataclass(frozen=True)
class WebState:
    """Set once at start-up on ``app.state.web``; shared by every request."""

    workspace: Workspace
    store: Store
    config: WebConfig


def web_state(request: Request) -> WebState:
    """The app's state (a FastAPI dependency)."""
    state: WebState = request.app.state.web
    return state


def db_session(request: Request) -> Iterator[Session]:
    """A case-store session for one request, closed afterwards (the handler commits)."""
    with web_state(request).store.session() as session:
        yield session


def client_origin(request: Request) -> str:
    """``web:<client address>`` for the audit log's *from where*."""
    host = request.client.host if request.client else "unknown"
    return f"web:{host}"
