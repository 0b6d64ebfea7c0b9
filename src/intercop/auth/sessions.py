"""Server-side web sessions and their CSRF tokens.

The cookie carries a random token; the store keeps only its SHA-256 as the session id,
so a leaked database cannot be replayed as cookies. Expiry slides: each use moves it
``ttl`` ahead, never past ``MAX_AGE`` after login.

CSRF tokens are ``<nonce>.<issued_at>.<mac>`` where mac is HMAC-SHA256 under the
session's own secret over nonce, issue time and (optionally) the form's id. A token
is good for ``CSRF_TTL``, for its own session and form only, and once: checking it
records the nonce in ``csrf_nonces``, so a replayed token is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intercop.audit import record
from intercop.store.base import utc_now
from intercop.store.models import CsrfNonce, User, WebSession

log = logging.getLogger(__name__)

IDLE_TTL = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)
CSRF_TTL = timedelta(hours=2)
# last_seen_at and the sliding expiry are written at most this often per session
TOUCH_EVERY = timedelta(minutes=1)


def session_id(token: str) -> str:
    """The stored id (hex SHA-256) of a session cookie's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session,
    user: User,
    ip: str | None,
    ttl: timedelta = IDLE_TTL,
    *,
    now: datetime | None = None,
) -> tuple[str, WebSession]:
    """Open a session for ``user`` (after a successful login): the cookie token and the row.

    The caller commits.
    """
    at = now or utc_now()
    token = secrets.token_urlsafe(32)
    web = WebSession(
        id=session_id(token),
        user_name=user.name,
        csrf_secret=secrets.token_hex(32),
        created_at=at,
        expires_at=at + ttl,
        last_seen_at=at,
        ip=(ip or "")[:64] or None,
    )
    session.add(web)
    return token, web


def load_session_user(
    session: Session,
    token: str | None,
    *,
    ttl: timedelta = IDLE_TTL,
    now: datetime | None = None,
) -> tuple[WebSession, User] | None:
    """The live session of a cookie's token and its user; None if unknown, ended or expired.

    A session of a deactivated user counts as ended. Slides the expiry; the caller commits.
    """
    if not token or len(token) > 200:
        return None
    at = now or utc_now()
    row = session.execute(
        select(WebSession, User)
        .join(User, User.name == WebSession.user_name)
        .where(WebSession.id == session_id(token))
    ).one_or_none()
    if row is None:
        return None
    web, user = row
    if web.revoked_at is not None or web.expires_at <= at or not user.active:
        return None
    if at - web.last_seen_at >= TOUCH_EVERY:
        web.last_seen_at = at
        web.expires_at = min(at + ttl, web.created_at + MAX_AGE)
    return web, user


def load_session(
    session: Session,
    token: str | None,
    *,
    ttl: timedelta = IDLE_TTL,
    now: datetime | None = None,
) -> WebSession | None:
    """The live session of a cookie's token, or None (see ``load_session_user``)."""
    found = load_session_user(session, token, ttl=ttl, now=now)
    return found[0] if found else None


def end_session(
    session: Session, web: WebSession, *, origin: str = "web", now: datetime | None = None
) -> None:
    """Log out: the session can no longer be used. The caller commits."""
    if web.revoked_at is None:
        web.revoked_at = now or utc_now()
        record(session, web.user_name, "auth.logout", object_type="session",
               object_id=web.id[:12], origin=origin)  # fmt: skip


def purge_sessions(session: Session, *, now: datetime | None = None) -> int:
    """Delete sessions that ended or expired (and their used nonces); returns how many."""
    at = now or utc_now()
    dead = select(WebSession.id).where(
        (WebSession.expires_at <= at) | WebSession.revoked_at.is_not(None)
    )
    session.execute(delete(CsrfNonce).where(CsrfNonce.session_id.in_(dead)))
    result = session.execute(delete(WebSession).where(WebSession.id.in_(dead)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _mac(web: WebSession, nonce: str, issued: int, form_id: str | None) -> str:
    message = f"{nonce}.{issued}.{form_id or ''}".encode()
    return hmac.new(bytes.fromhex(web.csrf_secret), message, hashlib.sha256).hexdigest()


def csrf_token(web: WebSession, form_id: str | None = None, *, now: datetime | None = None) -> str:
    """A fresh single-use CSRF token for a form of this session."""
    issued = int((now or utc_now()).timestamp())
    nonce = secrets.token_hex(16)
    return f"{nonce}.{issued}.{_mac(web, nonce, issued, form_id)}"


def check_csrf(
    session: Session,
    web: WebSession,
    token: str | None,
    form_id: str | None = None,
    *,
    now: datetime | None = None,
) -> bool:
    """Whether ``token`` is a valid, unexpired, unused CSRF token of ``web`` (and form).

    A valid token is used up (its nonce recorded, flushed at once so that a concurrent
    replay fails on the primary key); the caller commits.
    """
    parts = (token or "").split(".")
    if len(parts) != 3 or len(parts[0]) != 32 or not parts[1].isdigit():
        return False
    nonce, issued_text, mac = parts
    issued = int(issued_text)
    at = now or utc_now()
    age = at.timestamp() - issued
    if age < -60 or age > CSRF_TTL.total_seconds():  # a minute of clock skew is tolerated
        return False
    if not hmac.compare_digest(_mac(web, nonce, issued, form_id), mac):
        return False
    if session.get(CsrfNonce, nonce) is not None:
        log.warning("replayed CSRF token refused for session %s…", web.id[:12])
        return False
    try:
        with session.begin_nested():
            session.add(CsrfNonce(nonce=nonce, session_id=web.id, used_at=at))
    except IntegrityError:
        return False
    return True
