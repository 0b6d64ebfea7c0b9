"""Web sessions: sliding expiry, logout, and single-use CSRF tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from intercop.auth.passwords import set_password
from intercop.auth.sessions import (
    CSRF_TTL,
    IDLE_TTL,
    MAX_AGE,
    check_csrf,
    csrf_token,
    end_session,
    load_session,
    load_session_user,
    purge_sessions,
    session_id,
    start_session,
)
from intercop.store.base import utc_now
from intercop.store.models import WebSession
from tests.auth.conftest import user


def test_session_round_trip_and_logout(db: Session) -> None:
    token, web = start_session(db, user(db, "ana"), "192.0.2.1")
    db.commit()
    assert web.id == session_id(token) and token not in web.id
    found = load_session_user(db, token)
    assert found is not None and found[1].name == "ana"
    assert load_session(db, "not-a-session") is None and load_session(db, None) is None
    end_session(db, web)
    db.commit()
    assert load_session(db, token) is None


def test_expired_session_and_sliding_expiry(db: Session) -> None:
    start = utc_now()
    token, web = start_session(db, user(db, "ana"), None, now=start)
    db.commit()
    assert load_session(db, token, now=start + IDLE_TTL + timedelta(seconds=1)) is None
    # used every 20 minutes it lives on, but never past MAX_AGE
    at = start
    while at + timedelta(minutes=20) < start + MAX_AGE:
        at += timedelta(minutes=20)
        assert load_session(db, token, now=at) is not None, at - start
    assert load_session(db, token, now=start + MAX_AGE) is None
    assert purge_sessions(db, now=start + MAX_AGE) == 1
    assert db.get(WebSession, web.id) is None


def test_password_change_and_deactivation_end_sessions(db: Session) -> None:
    token, _ = start_session(db, user(db, "ana"), None)
    other, _ = start_session(db, user(db, "bob"), None)
    db.commit()
    set_password(db, "ana", "a new long passphrase", "root")
    db.commit()
    assert load_session(db, token) is None
    user(db, "bob").active = False
    assert load_session(db, other) is None


def test_csrf_token_once_for_its_session_and_form(db: Session) -> None:
    _, web = start_session(db, user(db, "ana"), None)
    _, other = start_session(db, user(db, "bob"), None)
    db.commit()
    token = csrf_token(web, "approve")
    assert not check_csrf(db, web, token, "reject")  # another form
    assert not check_csrf(db, other, token, "approve")  # another session
    assert check_csrf(db, web, token, "approve")
    db.commit()
    assert not check_csrf(db, web, token, "approve")  # replayed
    assert not check_csrf(db, web, None)
    assert not check_csrf(db, web, "garbage")
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    assert not check_csrf(db, web, forged, "approve")


def test_csrf_token_expires(db: Session) -> None:
    _, web = start_session(db, user(db, "ana"), None)
    db.commit()
    issued = utc_now()
    token = csrf_token(web, now=issued)
    assert not check_csrf(db, web, token, now=issued + CSRF_TTL + timedelta(seconds=1))
    assert check_csrf(db, web, token, now=issued + CSRF_TTL - timedelta(seconds=1))
