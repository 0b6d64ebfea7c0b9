"""Passwords: argon2id hashes, a minimum policy, and reading a password from a file.

Hashing parameters are argon2-cffi's RFC 9106 "low memory" profile: argon2id,
time cost 3, 64 MiB of memory, 4 lanes, a 16-byte salt and a 32-byte hash (about
50 ms on a laptop core). A stored hash made with older parameters is replaced on the
next successful login (``verify_password``). Plaintext is never stored or logged.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intercop.audit import record
from intercop.auth.errors import PasswordError
from intercop.auth.ownership import manager_name
from intercop.store.base import utc_now
from intercop.store.models import User, WebSession

log = logging.getLogger(__name__)

MIN_LENGTH = 12
# argon2 accepts any length; a cap keeps one request from costing minutes of hashing
MAX_LENGTH = 1024

HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4, hash_len=32,
                        salt_len=16)  # fmt: skip

# Verified against when the user does not exist, so that the time taken does not tell.
_DUMMY = HASHER.hash("intercop-no-such-user")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (PHC string, salt included)."""
    return HASHER.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s; rehashes in place when the parameters changed.

    A missing user or one without a password takes as long and answers False. The
    caller commits (a rehash changes ``user.password_hash``).
    """
    if user is None or not user.password_hash or len(password) > MAX_LENGTH:
        _spend(password[:MAX_LENGTH])
        return False
    try:
        HASHER.verify(user.password_hash, password)
    except VerifyMismatchError:
        return False
    except (VerificationError, InvalidHashError):
        log.warning("user %s has an unreadable password hash", user.name)
        return False
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
        log.info("password hash of %s upgraded to the current parameters", user.name)
    return True


def _spend(password: str) -> None:
    # a mismatch is certain: the point is only to take the same time as a real check
    with contextlib.suppress(VerificationError):
        HASHER.verify(_DUMMY, password)


def check_policy(name: str, password: str) -> None:
    """Refuse a password that is too short, too long, or the user's own name."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(
            f"the password is {len(password)} characters long; it needs at least {MIN_LENGTH}",
            hint="Choose a longer password (a passphrase of several words works well)",
        )
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"the password is longer than {MAX_LENGTH} characters")
    if password.strip().lower() == name.lower():
        raise PasswordError(
            f"the password of {name!r} may not be the user name", hint="Choose another password"
        )


def set_password(
    session: Session,
    user: User | str,
    password: str,
    acting: str | None,
    *,
    origin: str = "cli",
    now: datetime | None = None,
) -> User:
    """Set a user's password (the user themselves or an admin); ends their web sessions.

    The caller commits.
    """
    target = session.scalar(select(User).where(User.name == user)) if isinstance(user, str) \
        else user  # fmt: skip
    if target is None:
        raise PasswordError(f"no user {user!r}", hint="Add the user first with 'intercop user add'")
    actor = manager_name(session, acting, target.name, "user.manage")
    return store_password(session, target, password, actor, origin=origin, now=now)


def store_password(
    session: Session,
    user: User,
    password: str,
    actor: str,
    *,
    origin: str = "cli",
    now: datetime | None = None,
) -> User:
    """Check the policy, hash, end the user's web sessions and audit; no permission check.

    For callers that authorised ``actor`` already (``user add --password-file``).
    """
    check_policy(user.name, password)
    first = user.password_hash is None
    user.password_hash = hash_password(password)
    ended = session.execute(
        update(WebSession)
        .where(WebSession.user_name == user.name, WebSession.revoked_at.is_(None))
        .values(revoked_at=now or utc_now())
    )
    record(
        session,
        actor,
        "user.password",
        agency=user.agency,
        object_type="user",
        object_id=user.name,
        detail={"first": first, "sessions_ended": ended.rowcount},  # type: ignore[attr-defined]
        origin=origin,
    )
    log.info("password of %s set by %s", user.name, actor)
    return user


def read_password_file(path: Path | str) -> str:
    """The password on the first line of ``path`` (without its line ending)."""
    file = Path(path)
    try:
        with file.open(encoding="utf-8") as handle:
            line = handle.readline()
    except FileNotFoundError:
        raise PasswordError(
            f"password file {file} does not exist", hint="Write the password into it, one line"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PasswordError(f"cannot read password file {file}: {exc}") from None
    password = line.rstrip("\r\n")
    if not password:
        raise PasswordError(
            f"password file {file} is empty", hint="Put the password on its first line"
        )
    return password
