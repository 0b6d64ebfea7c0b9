"""Users, the audit log, cases, pilots, campaigns, messages and outcomes (issue 4)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from intercop.store.base import Base, UTCDateTime, utc_now
from intercop.store.models.common import AppendOnlyError, check_in

# --- Issue 4: users, audit, cases, pilots, campaigns, messages, outcomes ---------------

ROLES = ("analyst", "officer", "supervisor", "admin", "auditor", "partner")
CASE_STATES = ("new", "recommended", "approved", "rejected", "contacted", "followed_up", "closed")
CAMPAIGN_STATES = ("draft", "approved", "sending", "sent", "cancelled")
MESSAGE_STATES = (
    "pending",  # in the audience, not yet tried
    "sending",  # handed to a non-idempotent channel; unknown outcome if the process died here
    "sent",  # accepted by the channel
    "deferred",  # a transient failure; tried again on the next run
    "failed",  # a permanent failure (5xx, no address)
    "bounced",  # accepted, then bounced (from the bounce Maildir)
    "suppressed",  # never tried: the address is on the suppression list
    "in_doubt",  # 'sending' found after a crash on a channel that cannot tell; not resent
)
PILOT_STATES = ("frozen", "assigned", "closed")


class User(Base):
    """A person who uses the platform, with one role in one agency."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    agency: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    password_hash: Mapped[str | None] = mapped_column(Text, default=None)  # argon2id, issue 6

    __table_args__ = (CheckConstraint(check_in("role", ROLES), name="role"),)


class AuditEntry(Base):
    """One line of the append-only, hash-chained audit log (see ``intercop.audit``)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    user_name: Mapped[str] = mapped_column(String(100))
    agency: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    origin: Mapped[str] = mapped_column(String(200), default="cli")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)


class AuditHead(Base):
    """The single row holding the chain's last sequence number and hash.

    Appending updates it first, which takes the write lock on every backend, so two
    writers can never chain onto the same predecessor.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class Case(Base):
    """One person as one agency's case: the current state and recommendation."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(40))
    agency: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(20), default="new")
    intervention: Mapped[str | None] = mapped_column(String(60))
    rule: Mapped[str | None] = mapped_column(String(100))
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of strings
    policy_hash: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(8))
    minor: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_by: Mapped[str] = mapped_column(String(100))
    # issue 7: None means the default policy, created_at + INTERCOP_RETENTION_DAYS
    retention_until: Mapped[date | None] = mapped_column(Date, default=None)

    __table_args__ = (
        UniqueConstraint("person_id", "agency", name="uq_cases_person_agency"),
        CheckConstraint(check_in("state", CASE_STATES), name="state"),
        Index("ix_cases_queue", "agency", "state", "intervention"),
        Index("ix_cases_queue_order", "agency", "state", "id"),
    )


class CaseEvent(Base):
    """One transition of a case, by a named user with a reason (append-only)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    user_name: Mapped[str] = mapped_column(String(100))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    intervention: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON

    __table_args__ = (
        CheckConstraint("length(reason) > 0", name="reason"),
        Index("ix_case_events_case", "case_id", "id"),
    )


class Pilot(Base):
    """A randomised pilot: its design is frozen and hashed when it is created."""

    __tablename__ = "pilots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    agency: Mapped[str] = mapped_column(String(16))
    intervention: Mapped[str] = mapped_column(String(60))
    design: Mapped[str] = mapped_column(Text)  # canonical JSON
    design_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default="frozen")
    assignment_hash: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("agency", "name", name="uq_pilots_agency_name"),
        CheckConstraint(check_in("state", PILOT_STATES), name="state"),
    )


class PilotAssignment(Base):
    """One eligible person's arm in a pilot; ``t0`` is when the arm's treatment happened."""

    __tablename__ = "pilot_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id"))
    person_id: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    arm: Mapped[str] = mapped_column(String(40))
    stratum: Mapped[str] = mapped_column(String(200))
    t0: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("pilot_id", "person_id", name="uq_pilot_assignments_person"),
        Index("ix_pilot_assignments_arm", "pilot_id", "arm"),
    )


class Campaign(Base):
    """A set of messages of one intervention through one channel, approved by four eyes."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    agency: Mapped[str] = mapped_column(String(16))
    intervention: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="draft")
    pilot_id: Mapped[int | None] = mapped_column(ForeignKey("pilots.id"))
    arm: Mapped[str | None] = mapped_column(String(40))
    options: Mapped[str] = mapped_column(Text, default="{}")  # JSON: channel options
    audience_hash: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approval_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("agency", "name", name="uq_campaigns_agency_name"),
        CheckConstraint(check_in("state", CAMPAIGN_STATES), name="state"),
        CheckConstraint("approved_by IS NULL OR approved_by <> created_by", name="four_eyes"),
    )


class Message(Base):
    """One message of a campaign to one person through one channel: sent at most once."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    person_id: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(16))
    recipient_kind: Mapped[str] = mapped_column(String(16), default="person")  # or "parents"
    address: Mapped[str] = mapped_column(Text)  # e-mail, URL or postal address
    address_hash: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(200), unique=True)  # RFC 5322 Message-ID
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", "channel", name="uq_messages_once"),
        CheckConstraint(check_in("status", MESSAGE_STATES), name="status"),
        Index("ix_messages_status", "campaign_id", "status"),
        Index("ix_messages_address", "address_hash"),
    )


class Suppression(Base):
    """An address never to be written to again (hard bounce, repeated soft bounces, opt-out)."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    user_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class Bounce(Base):
    """A delivery report read from the bounce Maildir (each report file read once)."""

    __tablename__ = "bounces"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_key: Mapped[str] = mapped_column(String(200), unique=True)  # Maildir key
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    address_hash: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # hard | soft
    status_code: Mapped[str | None] = mapped_column(String(16))
    diagnostic: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class Contact(Base):
    """An address a team looked up for a person (e.g. a postal address from a register)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(40))
    agency: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # postal | email | webhook
    recipient: Mapped[str] = mapped_column(Text)  # the name on the envelope
    value: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (Index("ix_contacts_person", "person_id", "kind"),)


class Outcome(Base):
    """Something that happened after contact: a reply, attendance, a refusal, reoffending."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    pilot_id: Mapped[int | None] = mapped_column(ForeignKey("pilots.id"))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    user_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (
        UniqueConstraint("person_id", "kind", "at", "source", name="uq_outcomes_once"),
        Index("ix_outcomes_person", "person_id", "at"),
    )


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _refuse_log_change(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    raise AppendOnlyError(f"{target!r}: {mapper.local_table} is append-only")
