"""API tokens for scripts and partners: random, shown once, kept only as a SHA-256.

A token is ``icp_`` and 32 random bytes in URL-safe base64. Its SHA-256 finds it in
``api_tokens`` (a fast hash suffices: the token has 256 bits of entropy, unlike a
password). Scopes narrow what the owner's role allows, never widen it:

* ``read``: GET (and HEAD/OPTIONS) on the ordinary API;
* ``write``: every method on the ordinary API, as far as the owner's role allows;
* ``partner``: only the partner endpoints; only a user with the role partner holds one.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import AccessError, acting_user
from intercop.audit import record
from intercop.auth.errors import TokenError
from intercop.auth.ownership import has_admin, manager_name
from intercop.store.base import utc_now
from intercop.store.models import TOKEN_SCOPES, ApiToken, User

log = logging.getLogger(__name__)

PREFIX = "icp_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# last_used_at is written at most this often per token, not on every request
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(plaintext: str) -> str:
    """The hex SHA-256 under which a token is stored."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def scope_allows(scope: str, method: str, is_partner_endpoint: bool) -> bool:
    """Whether a token of ``scope`` may call an endpoint with ``method``.

    The owner's role is checked separately (``intercop.access``); this only narrows it.
    """
    if scope == "partner":
        return is_partner_endpoint
    if is_partner_endpoint:
        return False
    if scope == "read":
        return method.upper() in SAFE_METHODS
    return scope == "write"


def create_token(
    session: Session,
    user_name: str,
    scope: str,
    label: str = "",
    expires_days: int | None = None,
    acting: str | None = None,
    *,
    origin: str = "cli",
    now: datetime | None = None,
) -> tuple[str, ApiToken]:
    """Issue a token for ``user_name``; returns the plaintext (shown once) and its row.

    The owner or an admin may issue it; ``expires_days`` None never expires. The
    caller commits.
    """
    if scope not in TOKEN_SCOPES:
        raise TokenError(f"unknown scope {scope!r}", hint=f"Use one of {', '.join(TOKEN_SCOPES)}")
    owner = session.scalar(select(User).where(User.name == user_name))
    if owner is None:
        raise TokenError(f"no user {user_name!r}", hint="Add the user with 'intercop user add'")
    if not owner.active:
        raise TokenError(f"user {user_name!r} is deactivated", hint="Reactivate the user first")
    if (scope == "partner") != (owner.role == "partner"):
        rule = (
            "only a partner holds a partner token"
            if scope == "partner"
            else "a partner only holds partner tokens"
        )
        raise TokenError(
            f"user {user_name!r} is {owner.role}: {rule}",
            hint="Use --scope partner for partners, read or write for everyone else",
        )
    if expires_days is not None and expires_days <= 0:
        raise TokenError("--expires-days must be a positive number of days")
    if len(label) > 200:
        raise TokenError("the label is longer than 200 characters")
    actor = manager_name(session, acting, owner.name, "token.manage")
    at = now or utc_now()
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        token_hash=token_hash(plaintext),
        prefix=plaintext[:8],
        user_name=owner.name,
        scope=scope,
        label=label,
        created_at=at,
        expires_at=at + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    record(session, actor, "token.create", agency=owner.agency, object_type="token",
           object_id=str(token.id), origin=origin,
           detail={"owner": owner.name, "scope": scope, "label": label,
                   "expires_at": token.expires_at})  # fmt: skip
    log.info("token %d (%s) for %s created by %s", token.id, scope, owner.name, actor)
    return plaintext, token


def authenticate_token(
    session: Session, plaintext: str, *, now: datetime | None = None
) -> tuple[User, ApiToken]:
    """The user and token a bearer token stands for; refuses any token not usable now.

    Updates ``last_used_at`` (at most once a minute); the caller commits.
    """
    at = now or utc_now()
    if not plaintext.startswith(PREFIX) or len(plaintext) > 100:
        raise TokenError("not an InterCOP API token", hint="Send 'Authorization: Bearer icp_...'")
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.name == ApiToken.user_name)
        .where(ApiToken.token_hash == token_hash(plaintext))
    ).one_or_none()
    if row is None:
        raise TokenError("unknown API token", hint="Ask for a new token ('intercop token create')")
    token, user = row
    if token.revoked_at is not None:
        raise TokenError(f"API token {token.prefix}… was revoked", hint="Ask for a new token")
    if token.expires_at is not None and token.expires_at <= at:
        raise TokenError(f"API token {token.prefix}… has expired", hint="Ask for a new token")
    if not user.active:
        raise TokenError(f"user {user.name!r} is deactivated", hint="Ask an admin")
    if token.last_used_at is None or at - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = at
    return user, token


def revoke_token(
    session: Session,
    token_id: int,
    acting: str | None = None,
    *,
    origin: str = "cli",
    now: datetime | None = None,
) -> ApiToken:
    """Revoke a token (its owner or an admin); revoking twice is harmless. Caller commits."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenError(f"no API token {token_id}", hint="List them with 'intercop token list'")
    actor = manager_name(session, acting, token.user_name, "token.manage")
    if token.revoked_at is None:
        token.revoked_at = now or utc_now()
        record(session, actor, "token.revoke", object_type="token", object_id=str(token.id),
               detail={"owner": token.user_name}, origin=origin)  # fmt: skip
        log.info("token %d of %s revoked by %s", token.id, token.user_name, actor)
    return token


def list_tokens(
    session: Session, *, user_name: str | None = None, acting: str | None = None
) -> list[ApiToken]:
    """Tokens, newest first: an admin sees everyone's, anyone else only their own."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if has_admin(session):
        actor = acting_user(session, acting)
        if actor.role != "admin":
            if user_name not in (None, actor.name):
                raise AccessError(
                    f"user {actor.name!r} may only list their own tokens",
                    hint="Leave out --user, or ask an admin",
                )
            user_name = actor.name
    if user_name is not None:
        query = query.where(ApiToken.user_name == user_name)
    return list(session.scalars(query))


def token_json(token: ApiToken, *, now: datetime | None = None) -> dict[str, object]:
    """A token's public fields (never its hash) for JSON output."""
    at = now or utc_now()
    if token.revoked_at is not None:
        state = "revoked"
    elif token.expires_at is not None and token.expires_at <= at:
        state = "expired"
    else:
        state = "active"
    return {
        "id": token.id,
        "prefix": token.prefix,
        "user": token.user_name,
        "scope": token.scope,
        "label": token.label,
        "state": state,
        "created_at": _iso(token.created_at),
        "expires_at": _iso(token.expires_at),
        "revoked_at": _iso(token.revoked_at),
        "last_used_at": _iso(token.last_used_at),
    }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
