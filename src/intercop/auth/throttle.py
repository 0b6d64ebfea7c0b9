"""Login throttling: too many failures for a user name or from an address, and wait.

Failures are counted in a sliding window (``WINDOW``): for a user name since its last
successful login, for an IP address regardless. Attempts refused for throttling are
not recorded, so waiting always ends the refusal.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.store.base import utc_now
from intercop.store.models import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_PER_USER = 5
MAX_PER_IP = 20


def record_attempt(
    session: Session, user_name: str, ip: str, ok: bool, *, now: datetime | None = None
) -> LoginAttempt:
    """Record one login attempt. The caller commits."""
    attempt = LoginAttempt(user_name=user_name[:100], ip=ip[:64], ok=ok, at=now or utc_now())
    session.add(attempt)
    return attempt


def _wait(failures: list[datetime], limit: int, at: datetime) -> float:
    """Seconds until fewer than ``limit`` of ``failures`` (newest first) are in the window."""
    if len(failures) < limit:
        return 0.0
    return (failures[limit - 1] + WINDOW - at).total_seconds()


def wait_seconds(session: Session, user_name: str, ip: str, *, now: datetime | None = None) -> int:
    """Seconds to wait before another login attempt is allowed (0: go ahead)."""
    at = now or utc_now()
    since = at - WINDOW
    name, address = user_name[:100], ip[:64]
    last_ok = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.user_name == name, LoginAttempt.ok, LoginAttempt.at > since
        )
    )
    user_since = max(since, last_ok) if last_ok is not None else since
    by_user = list(session.scalars(
        select(LoginAttempt.at)
        .where(LoginAttempt.user_name == name, LoginAttempt.at > user_since, ~LoginAttempt.ok)
        .order_by(LoginAttempt.at.desc())
        .limit(MAX_PER_USER)
    ))  # fmt: skip
    by_ip = list(session.scalars(
        select(LoginAttempt.at)
        .where(LoginAttempt.ip == address, LoginAttempt.at > since, ~LoginAttempt.ok)
        .order_by(LoginAttempt.at.desc())
        .limit(MAX_PER_IP)
    ))  # fmt: skip
    # the store hands naive or aware datetimes back as aware UTC (UTCDateTime)
    wait = max(_wait(by_user, MAX_PER_USER, at), _wait(by_ip, MAX_PER_IP, at))
    return math.ceil(wait) if wait > 0 else 0
