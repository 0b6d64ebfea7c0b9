"""Deliveries: the partner channel writes them, partners fetch and acknowledge their own."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import AccessError
from intercop.casework.agencies import load_agencies
from intercop.outreach.channels import CHANNELS, Delivery, Envelope
from intercop.outreach.channels.partner import PartnerChannel
from intercop.outreach.render import Rendered
from intercop.partner.deliveries import ack_delivery, delivery_json, pending_deliveries
from intercop.partner.errors import NotFoundError
from intercop.store import Store
from intercop.store.models import PartnerDelivery
from tests.partner.conftest import user


def envelope(n: int, to: str) -> Envelope:
    rendered = Rendered("en", "Your account", "You are not anonymous.", "<p>You are not</p>")
    return Envelope(message_id=f"<c1.m{n}.abc@prevention.nl.example>", to=to, rendered=rendered,
                    recipient_kind="person", person_id=f"PER-{n:06d}", campaign="1",
                    agency=load_agencies()["NL"], ref=f"c1.m{n}")  # fmt: skip


def test_partner_channel_is_registered() -> None:
    assert CHANNELS["partner"] == PartnerChannel.build


def test_channel_writes_one_delivery_per_message(store: Store, db: Session) -> None:
    channel = PartnerChannel(store)
    assert channel.deliver(envelope(1, "game")).sent
    assert channel.deliver(envelope(2, "Game")).sent
    refused = channel.deliver(envelope(3, "ana"))
    assert refused.delivery is Delivery.PERMANENT and "not an active partner" in refused.detail
    rows = db.scalars(select(PartnerDelivery).order_by(PartnerDelivery.id)).all()
    assert [(r.partner, r.campaign_id) for r in rows] == [("game", 1), ("game", 1)]
    body = delivery_json(rows[0])["message"]
    assert body["subject"] == "Your account" and body["message_id"].startswith("<c1.m1.")


def test_ack_is_idempotent_and_isolated(store: Store, db: Session) -> None:
    channel = PartnerChannel(store)
    for n in (1, 2):
        channel.deliver(envelope(n, "game"))
    channel.deliver(envelope(3, "game2"))
    game, game2 = user(db, "game"), user(db, "game2")
    mine = pending_deliveries(db, game)
    assert len(mine) == 2 and len(pending_deliveries(db, game2)) == 1
    with pytest.raises(NotFoundError):
        ack_delivery(db, game2, mine[0].id)  # another partner's: not found
    with pytest.raises(NotFoundError):
        ack_delivery(db, game, 999_999)
    first = ack_delivery(db, game, mine[0].id)
    acked_at = first.acked_at
    db.commit()
    assert ack_delivery(db, game, mine[0].id).acked_at == acked_at  # again: no change
    db.commit()
    assert [d.id for d in pending_deliveries(db, game)] == [mine[1].id]
    assert len(pending_deliveries(db, game2)) == 1
    with pytest.raises(AccessError, match="only partners"):
        pending_deliveries(db, user(db, "ana"))
