"""The partner channel: the pull counterpart of the webhook.

Instead of POSTing, each message becomes a row of ``deliveries`` addressed to the
partner user named in the contact (``Envelope.to``); the partner fetches and
acknowledges it over the partner API. Unlike the other channels it writes to the
case store, in its own short transaction per message (the sender has committed the
row's ``sending`` mark before). Writing twice is a no-op, so it is idempotent, and it
can answer ``delivered``.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intercop.outreach.channels.base import SENT, ChannelConfig, Delivery, Envelope, Result
from intercop.outreach.channels.webhook import payload
from intercop.store.database import Store, open_store
from intercop.store.models import Message, PartnerDelivery, User
from intercop.workspace import Workspace

log = logging.getLogger(__name__)


class PartnerChannel:
    """Messages left in the case store for a partner to fetch."""

    name = "partner"
    idempotent = True

    def __init__(self, store: Store, *, owns_store: bool = False) -> None:
        self.store = store
        self._owns_store = owns_store

    @classmethod
    def build(cls, workspace: Workspace, config: ChannelConfig) -> PartnerChannel:
        """A channel over the workspace's case store."""
        return cls(open_store(workspace), owns_store=True)

    def open(self) -> None:
        """Nothing to open: the store is open already."""

    def deliver(self, envelope: Envelope) -> Result:
        partner = envelope.to.strip().lower()
        body = json.loads(payload(envelope))
        with self.store.session() as session:
            user = session.scalar(select(User).where(User.name == partner))
            if user is None or user.role != "partner" or not user.active:
                return Result(Delivery.PERMANENT, f"{partner!r} is not an active partner user")
            if user.agency not in (envelope.agency.code, "NETWORK"):
                return Result(
                    Delivery.PERMANENT,
                    f"partner {partner!r} belongs to {user.agency}, not {envelope.agency.code}",
                )
            row_id = session.scalar(
                select(Message.id).where(Message.message_id == envelope.message_id)
            )
            if row_id is not None and _exists(session, partner, row_id):
                return SENT
            session.add(
                PartnerDelivery(
                    partner=partner,
                    message_id=row_id,
                    campaign_id=int(envelope.campaign) if envelope.campaign.isdigit() else None,
                    payload=json.dumps(body, ensure_ascii=False, sort_keys=True),
                )
            )
            try:
                session.commit()
            except IntegrityError:
                session.rollback()  # written by a concurrent run: delivered all the same
        return SENT

    def delivered(self, message_id: str) -> bool | None:
        with self.store.session() as session:
            found = session.scalar(
                select(PartnerDelivery.id)
                .join(Message, Message.id == PartnerDelivery.message_id)
                .where(Message.message_id == message_id)
            )
        return found is not None

    def flush(self) -> None:
        """Nothing to wait for: each delivery is committed when ``deliver`` returns."""

    def finish(self, campaign: str) -> None:
        """Nothing to do at the end of a campaign."""

    def close(self) -> None:
        """Release the store when the channel opened it."""
        if self._owns_store:
            self.store.close()


def _exists(session: Session, partner: str, message_row: int) -> bool:
    found = session.scalar(
        select(PartnerDelivery.id).where(
            PartnerDelivery.partner == partner, PartnerDelivery.message_id == message_row
        )
    )
    return found is not None
