"""The exchange network: agencies, bundles, authorisations, transport (issue 7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from intercop.store.base import Base, UTCDateTime, utc_now
from intercop.store.models.common import check_in

# --- Issue 7: the exchange network: agencies, referral bundles, transfer authorisations --

HANDLING_CODES = ("H0", "H1", "H2", "H3")
TLP_LABELS = ("clear", "green", "amber", "amber+strict", "red")


class ExchangeAgency(Base):
    """An agency of the network as this workspace knows it: its name and public keys."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    eu: Mapped[bool] = mapped_column(Boolean)
    sign_public: Mapped[str | None] = mapped_column(String(64))  # Ed25519, base64
    box_public: Mapped[str | None] = mapped_column(String(64))  # X25519, base64
    endpoint: Mapped[str | None] = mapped_column(String(300))  # base URL of its server (0007)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class TransferAuthorisation(Base):
    """The originating agency's permission to send a person's data outside the EU."""

    __tablename__ = "transfer_authorisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(16))  # the originating agency
    person_id: Mapped[str] = mapped_column(String(40))
    to_agency: Mapped[str] = mapped_column(String(16))
    authorised_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (
        CheckConstraint("length(reason) > 0", name="reason"),
        Index("ix_transfer_authorisations_person", "agency", "person_id", "to_agency"),
    )


class ReceivedBundle(Base):
    """A referral bundle this workspace imported: each bundle id at most once (no replay)."""

    __tablename__ = "received_bundles"

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[str] = mapped_column(String(36), unique=True)
    sender: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    handling: Mapped[str] = mapped_column(String(2))
    tlp: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())  # by the sender
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sha256: Mapped[str] = mapped_column(String(64))  # of the bundle file
    payload: Mapped[str | None] = mapped_column(Text)  # decrypted JSON; erased by retention
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (
        CheckConstraint(check_in("handling", HANDLING_CODES), name="handling"),
        CheckConstraint(check_in("tlp", TLP_LABELS), name="tlp"),
    )


# --- Issue 7: transport (server to server) ---------------------------------------------

OUTBOX_STATES = ("pending", "sent", "failed")


class OutgoingBundle(Base):
    """A referral bundle in the sender's outbox: pending until a signed receipt says sent.

    ``bundle`` (the sealed file, unreadable to the sender) is cleared once delivered;
    ``sha256`` keeps its fingerprint.
    """

    __tablename__ = "outgoing_bundles"

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[str] = mapped_column(String(36), unique=True)
    sender: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    bundle: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_by: Mapped[str] = mapped_column(String(100))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    receipt: Mapped[str | None] = mapped_column(Text)  # the receiver's signed receipt (JSON)

    __table_args__ = (
        CheckConstraint(check_in("state", OUTBOX_STATES), name="state"),
        Index("ix_outgoing_bundles_state", "state", "id"),
    )


class PeerNonce(Base):
    """The nonce of a signed peer request seen recently; a second use is a replay."""

    __tablename__ = "peer_nonces"

    agency: Mapped[str] = mapped_column(String(16), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (Index("ix_peer_nonces_seen_at", "seen_at"),)
