"""Web accounts (tokens, sessions, throttling) and the partner API (issue 6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from intercop.store.base import Base, UTCDateTime, utc_now
from intercop.store.models.common import check_in

# --- Issue 6: web accounts (tokens, sessions, throttling) and the partner API -----------

TOKEN_SCOPES = ("read", "write", "partner")
SIGNAL_KINDS = ("account", "ip", "server", "advert")
SIGNAL_STATES = ("new", "accepted", "rejected")


class ApiToken(Base):
    """A bearer token for scripts and partners; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(8))  # shown in lists to tell tokens apart
    user_name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(check_in("scope", TOKEN_SCOPES), name="scope"),
        Index("ix_api_tokens_user", "user_name"),
    )


class WebSession(Base):
    """A server-side browser session; ``id`` is the SHA-256 of the cookie's token."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(100))
    csrf_secret: Mapped[str] = mapped_column(String(64))  # hex, keys the session's CSRF tokens
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    ip: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_web_sessions_user", "user_name"),)


class CsrfNonce(Base):
    """A CSRF token that was used once, so that replaying it is refused."""

    __tablename__ = "csrf_nonces"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("web_sessions.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (Index("ix_csrf_nonces_session", "session_id"),)


class LoginAttempt(Base):
    """One password login attempt, for throttling (user name as typed, may be unknown)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    ok: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_login_attempts_user", "user_name", "at"),
        Index("ix_login_attempts_ip", "ip", "at"),
    )


class PartnerSignal(Base):
    """A partner's report (an account, IP, server or advert) waiting in a review queue."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner: Mapped[str] = mapped_column(String(100))  # the partner user's name
    agency: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    state: Mapped[str] = mapped_column(String(10), default="new")
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_reason: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("partner", "idempotency_key", name="uq_signals_idempotency"),
        CheckConstraint(check_in("kind", SIGNAL_KINDS), name="kind"),
        CheckConstraint(check_in("state", SIGNAL_STATES), name="state"),
        Index("ix_signals_queue", "agency", "state", "id"),
    )


class PartnerDelivery(Base):
    """A message addressed to a partner, waiting to be fetched and acknowledged (pull)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)  # JSON, as the webhook channel would POST it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("partner", "message_id", name="uq_deliveries_once"),
        Index("ix_deliveries_pending", "partner", "acked_at", "id"),
    )
