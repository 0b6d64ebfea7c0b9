"""Passwords: argon2 hashes, the policy, logins, throttling and the password file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from intercop.access import AccessError, add_user
from intercop.audit import search, verify
from intercop.auth.errors import LoginError, PasswordError, ThrottledError
from intercop.auth.login import login
from intercop.auth.passwords import (
    hash_password,
    read_password_file,
    set_password,
    verify_password,
)
from intercop.auth.throttle import MAX_PER_IP, MAX_PER_USER, WINDOW, wait_seconds
from intercop.store.base import utc_now
from tests.auth.conftest import user

GOOD = "correct horse battery"


def test_hash_is_argon2id_and_salted() -> None:
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert first != second and GOOD not in first


def test_policy_refuses_short_and_own_name(db: Session) -> None:
    with pytest.raises(PasswordError, match="at least 12"):
        set_password(db, "ana", "short", "root")
    add_user(db, "analyst.maria", "analyst", "NL", acting="root")
    with pytest.raises(PasswordError, match="may not be the user name"):
        set_password(db, "analyst.maria", "Analyst.Maria", "root")


def test_only_self_or_admin_sets_a_password(db: Session) -> None:
    with pytest.raises(AccessError, match="may not manage"):
        set_password(db, "ana", GOOD, "bob")
    set_password(db, "ana", GOOD, "ana")
    set_password(db, "bob", GOOD, "root")
    db.commit()
    entries = search(db, action="user.password")
    assert [(e.user_name, e.object_id) for e in entries] == [("root", "bob"), ("ana", "ana")]
    assert all(GOOD not in e.detail for e in entries)
    assert verify(db).ok


def test_login_right_and_wrong_password(db: Session) -> None:
    set_password(db, "ana", GOOD, "root")
    db.commit()
    assert login(db, "ana", GOOD, "192.0.2.1").name == "ana"
    with pytest.raises(LoginError, match="wrong user name or password"):
        login(db, "ana", GOOD + "!", "192.0.2.1")
    with pytest.raises(LoginError, match="wrong user name or password"):
        login(db, "nobody", GOOD, "192.0.2.1")
    with pytest.raises(LoginError):
        login(db, "bob", GOOD, "192.0.2.1")  # bob has no password
    db.commit()
    actions = [e.action for e in search(db, action="auth.")]
    assert actions == ["auth.login_failed"] * 3 + ["auth.login"]


def test_verify_password_rehashes_old_parameters(db: Session) -> None:
    from argon2 import PasswordHasher

    ana = user(db, "ana")
    ana.password_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024).hash(GOOD)
    assert verify_password(ana, GOOD)
    assert ana.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not verify_password(ana, "wrong password!")
    assert not verify_password(None, GOOD)


def test_throttling_per_user_kicks_in_and_releases(db: Session) -> None:
    set_password(db, "ana", GOOD, "root")
    db.commit()
    start = utc_now()
    for i in range(MAX_PER_USER):
        with pytest.raises(LoginError):
            login(db, "ana", "wrong password!", f"192.0.2.{i}", now=start + timedelta(seconds=i))
        db.commit()
    later = start + timedelta(seconds=10)
    with pytest.raises(ThrottledError) as caught:
        login(db, "ana", GOOD, "198.51.100.7", now=later)  # even the right password waits
    assert caught.value.wait_seconds == int(WINDOW.total_seconds()) - 10
    assert "Try again in" in str(caught.value)
    released = start + WINDOW + timedelta(seconds=1)
    assert wait_seconds(db, "ana", "198.51.100.7", now=released) == 0
    assert login(db, "ana", GOOD, "198.51.100.7", now=released).name == "ana"
    db.commit()
    # a success clears the user's count: one more failure is not throttled
    with pytest.raises(LoginError):
        login(db, "ana", "wrong again!!", "198.51.100.7", now=released + timedelta(seconds=1))


def test_throttling_per_ip(db: Session) -> None:
    start = utc_now()
    for i in range(MAX_PER_IP):
        with pytest.raises(LoginError):
            login(db, f"guess{i}", "whatever", "203.0.113.9", now=start)
    db.commit()
    assert wait_seconds(db, "ana", "203.0.113.9", now=start) > 0
    assert wait_seconds(db, "ana", "203.0.113.10", now=start) == 0


def test_password_file(tmp_path: Path) -> None:
    file = tmp_path / "pw"
    file.write_text(f"{GOOD}\r\nsecond line\n")
    assert read_password_file(file) == GOOD
    with pytest.raises(PasswordError, match=r"password file .*missing.* does not exist"):
        read_password_file(tmp_path / "missing")
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(PasswordError, match="empty"):
        read_password_file(tmp_path / "empty")
