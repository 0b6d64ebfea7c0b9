"""The suppression list: addresses never to be written to again, kept as keyed hashes.

Only the HMAC of the normalised address is stored (``addresses.address_hash``), so the
list says nothing about whom it holds to someone without the workspace key.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.store.models import Suppression

REASONS = ("hard_bounce", "soft_bounces", "opt_out", "manual")


def suppressed_hashes(session: Session) -> set[str]:
    """Every suppressed address hash (small enough to hold for a run)."""
    return set(session.scalars(select(Suppression.address_hash)))


def is_suppressed(session: Session, address_hash: str) -> bool:
    """Whether one address hash is on the list."""
    found = session.scalar(
        select(Suppression.id).where(Suppression.address_hash == address_hash).limit(1)
    )
    return found is not None


def suppress(session: Session, address_hash: str, reason: str, source: str, user: str) -> bool:
    """Put an address hash on the list (in the caller's transaction); False if already on it."""
    if reason not in REASONS:
        raise ValueError(f"unknown suppression reason {reason!r}")
    if is_suppressed(session, address_hash):
        return False
    session.add(Suppression(address_hash=address_hash, reason=reason, source=source,
                            user_name=user))  # fmt: skip
    session.flush()
    return True
