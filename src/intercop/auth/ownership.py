"""Who may manage a user's credentials: the user themselves, or an admin.

While the store has no admin yet (bootstrap), anyone may, as ``access.add_user`` allows.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.access import AccessError, acting_user
from intercop.settings import get_settings
from intercop.store.models import User


def has_admin(session: Session) -> bool:
    """Whether any active admin exists (otherwise the store is still being bootstrapped)."""
    count = session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.active)
    )
    return bool(count)


def manager_name(session: Session, acting: str | None, owner: str, action: str) -> str:
    """The name of the acting user, refused unless it is ``owner`` or an admin.

    ``action`` is the ACTIONS entry an admin needs (e.g. ``token.manage``).
    """
    if not has_admin(session):
        return acting or get_settings().user or "bootstrap"
    user = acting_user(session, acting)
    if user.name == owner or user.role == "admin":
        return user.name
    raise AccessError(
        f"user {user.name!r} may not manage the credentials of {owner!r} ('{action}')",
        hint="Manage your own, or ask an admin",
    )
