"""Deliveries: messages addressed to a partner, fetched over the API and acknowledged.

The pull counterpart of the webhook channel: the ``partner`` outreach channel writes
one row per message; the partner fetches the unacknowledged ones and acknowledges
each. Acknowledging twice is harmless; another partner's delivery is "not found".
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import AccessError, allowed
from intercop.partner.errors import NotFoundError, PartnerError
from intercop.store.base import utc_now
from intercop.store.models import PartnerDelivery, User

MAX_LIMIT = 500


def _partner(user: User) -> str:
    if not allowed(user, "delivery.fetch"):
        raise AccessError(f"user {user.name!r} is {user.role}: only partners fetch deliveries")
    return user.name


def pending_deliveries(
    session: Session, partner: User, limit: int = 100, *, after: int = 0
) -> list[PartnerDelivery]:
    """The partner's unacknowledged deliveries, oldest first (ids above ``after``)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise PartnerError(f"limit must be between 1 and {MAX_LIMIT}")
    query = (
        select(PartnerDelivery)
        .where(
            PartnerDelivery.partner == _partner(partner),
            PartnerDelivery.acked_at.is_(None),
            PartnerDelivery.id > after,
        )
        .order_by(PartnerDelivery.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def ack_delivery(
    session: Session, partner: User, delivery_id: int, *, now: datetime | None = None
) -> PartnerDelivery:
    """Acknowledge one delivery of this partner (again: no change). The caller commits."""
    row = session.get(PartnerDelivery, delivery_id)
    if row is None or row.partner != _partner(partner):
        raise NotFoundError(f"no delivery {delivery_id}", hint="Fetch the pending deliveries")
    if row.acked_at is None:
        row.acked_at = now or utc_now()
    return row


def delivery_json(row: PartnerDelivery) -> dict[str, Any]:
    """A delivery as the partner sees it: its id, the message and when it was acknowledged."""
    return {
        "id": row.id,
        "created_at": row.created_at.isoformat(),
        "acked_at": row.acked_at.isoformat() if row.acked_at else None,
        "message": json.loads(row.payload),
    }
