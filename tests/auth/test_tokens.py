"""API tokens: issued once, hashed at rest, scoped, revocable, expiring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import AccessError
from intercop.audit import search
from intercop.auth.errors import TokenError
from intercop.auth.tokens import (
    authenticate_token,
    create_token,
    list_tokens,
    revoke_token,
    scope_allows,
    token_hash,
)
from intercop.store.base import utc_now
from intercop.store.models import ApiToken, User


def test_token_is_shown_once_and_stored_hashed(db: Session) -> None:
    plaintext, token = create_token(db, "ana", "read", "script", 30, "ana")
    db.commit()
    assert plaintext.startswith("icp_") and len(plaintext) == 4 + 43
    assert token.prefix == plaintext[:8] and token.token_hash == token_hash(plaintext)
    stored = db.scalars(select(ApiToken)).one()
    assert plaintext not in (stored.token_hash, stored.label)
    entry = search(db, action="token.create")[0]
    assert plaintext not in entry.detail and entry.user_name == "ana"
    user, found = authenticate_token(db, plaintext)
    assert (user.name, found.id) == ("ana", token.id) and found.last_used_at is not None


def test_unknown_revoked_expired_and_inactive_are_refused(db: Session) -> None:
    with pytest.raises(TokenError, match="not an InterCOP API token"):
        authenticate_token(db, "Bearer something")
    with pytest.raises(TokenError, match="unknown API token"):
        authenticate_token(db, "icp_" + "A" * 43)
    revoked, row = create_token(db, "ana", "write", acting="root")
    revoke_token(db, row.id, "ana")
    revoke_token(db, row.id, "root")  # twice is harmless, audited once
    with pytest.raises(TokenError, match="was revoked"):
        authenticate_token(db, revoked)
    assert len(search(db, action="token.revoke")) == 1
    expiring, _ = create_token(db, "bob", "read", expires_days=1, acting="bob")
    authenticate_token(db, expiring, now=utc_now() + timedelta(hours=23))
    with pytest.raises(TokenError, match="has expired"):
        authenticate_token(db, expiring, now=utc_now() + timedelta(days=1, seconds=1))
    live, _ = create_token(db, "bob", "read", acting="bob")
    db.scalars(select(User).where(User.name == "bob")).one().active = False
    with pytest.raises(TokenError, match="deactivated"):
        authenticate_token(db, live)


def test_who_may_manage_tokens(db: Session) -> None:
    with pytest.raises(AccessError, match="may not manage"):
        create_token(db, "ana", "read", acting="bob")
    _, row = create_token(db, "ana", "read", acting="ana")
    with pytest.raises(AccessError, match="may not manage"):
        revoke_token(db, row.id, "bob")
    create_token(db, "bob", "write", acting="root")
    assert [t.user_name for t in list_tokens(db, acting="root")] == ["bob", "ana"]
    assert [t.user_name for t in list_tokens(db, acting="ana")] == ["ana"]
    with pytest.raises(AccessError, match="only list their own"):
        list_tokens(db, user_name="bob", acting="ana")


def test_partner_scope_only_for_partners(db: Session) -> None:
    with pytest.raises(TokenError, match="only a partner holds a partner token"):
        create_token(db, "ana", "partner", acting="root")
    with pytest.raises(TokenError, match="a partner only holds partner tokens"):
        create_token(db, "game", "read", acting="root")
    with pytest.raises(TokenError, match="unknown scope"):
        create_token(db, "ana", "admin", acting="root")
    plaintext, _ = create_token(db, "game", "partner", acting="root")
    assert authenticate_token(db, plaintext)[0].role == "partner"


@pytest.mark.parametrize(
    "scope, method, partner_endpoint, allowed",
    [
        ("read", "GET", False, True),
        ("read", "HEAD", False, True),
        ("read", "POST", False, False),
        ("read", "GET", True, False),
        ("write", "GET", False, True),
        ("write", "POST", False, True),
        ("write", "POST", True, False),
        ("partner", "POST", True, True),
        ("partner", "GET", True, True),
        ("partner", "GET", False, False),
        ("admin", "GET", False, False),
    ],
)
def test_scope_rules(scope: str, method: str, partner_endpoint: bool, allowed: bool) -> None:
    assert scope_allows(scope, method, partner_endpoint) is allowed
