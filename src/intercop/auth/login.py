"""A password login: throttled, verified, recorded and audited in one call."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.audit import record
from intercop.auth.errors import LoginError, ThrottledError
from intercop.auth.passwords import verify_password
from intercop.auth.throttle import record_attempt, wait_seconds
from intercop.store.models import User

log = logging.getLogger(__name__)


def login(
    session: Session, user_name: str, password: str, ip: str, *, now: datetime | None = None
) -> User:
    """The user whose password this is; raises ThrottledError or LoginError otherwise.

    Every attempt that is not throttled is recorded and audited (never the password).
    The caller commits, also after a failure, so that the failure counts.
    """
    name = user_name.strip().lower()[:100]
    wait = wait_seconds(session, name, ip, now=now)
    if wait:
        log.warning("login for %r from %s throttled for %d s", name, ip, wait)
        raise ThrottledError(wait)
    user = session.scalar(select(User).where(User.name == name))
    ok = verify_password(user, password) and user is not None and user.active
    record_attempt(session, name, ip, ok, now=now)
    if not ok or user is None:
        record(session, name or "-", "auth.login_failed", object_type="user", object_id=name,
               agency=user.agency if user else None, origin=ip)  # fmt: skip
        raise LoginError("wrong user name or password")
    record(session, user.name, "auth.login", agency=user.agency, object_type="user",
           object_id=user.name, origin=ip)  # fmt: skip
    return user
