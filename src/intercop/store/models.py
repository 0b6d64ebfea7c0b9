"""Tables of the case store, as SQLAlchemy 2 typed declarative models.

The migrations in ``migrations/versions`` own the schema; these models mirror it
(a test checks that they agree) and are what the domain packages query.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
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

DECISIONS = ("same", "different", "unsure")


class AppendOnlyError(RuntimeError):
    """A row of an append-only table was about to be changed (a programming error)."""


class Judgement(Base):
    """A reviewer's decision about whether two accounts belong to the same person.

    Append-only: a change of mind is a new row; the latest row of a pair wins. The
    pair is stored in canonical order (``left_uid < right_uid``, by code point).
    """

    __tablename__ = "judgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    left_uid: Mapped[str] = mapped_column(String(300))
    right_uid: Mapped[str] = mapped_column(String(300))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    user_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    # The ordering check is in the migration only: PostgreSQL needs COLLATE "C" there
    # so that it compares code points like Python does, and SQLite knows no "C".
    __table_args__ = (
        CheckConstraint("decision IN ('same', 'different', 'unsure')", name="decision"),
        CheckConstraint("length(reason) > 0", name="reason"),
        Index("ix_judgements_pair", "left_uid", "right_uid", "id"),
    )

    def __repr__(self) -> str:
        return f"Judgement({self.id}, {self.left_uid} {self.decision} {self.right_uid})"


# The database refuses UPDATE and DELETE too (triggers in the migration); this
# catches the mistake earlier, with a Python traceback pointing at the caller.
@event.listens_for(Judgement, "before_update")
@event.listens_for(Judgement, "before_delete")
def _refuse_change(mapper: Mapper[Judgement], connection: Connection, target: Judgement) -> None:
    raise AppendOnlyError(f"{target!r}: judgements are append-only; record a new one instead")


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


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


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

    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)


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
        CheckConstraint(_in("state", CASE_STATES), name="state"),
        Index("ix_cases_queue", "agency", "state", "intervention"),
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
        CheckConstraint(_in("state", PILOT_STATES), name="state"),
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
        CheckConstraint(_in("state", CAMPAIGN_STATES), name="state"),
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
        CheckConstraint(_in("status", MESSAGE_STATES), name="status"),
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


# --- Issue 6: web accounts (tokens, sessions, throttling) and the partner API -----------

TOKEN_SCOPES = ("read", "write", "partner")
SIGNAL_KINDS = ("account", "ip", "server", "advert")
SIGNAL_STATES = ("new", "accepted", "rejected")


class ApiToken(Base):
    """A bearer token for scripts and partners; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(8))  # shown in lists to tell tokens apart
    user_name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(_in("scope", TOKEN_SCOPES), name="scope"),
        Index("ix_api_tokens_user", "user_name"),
    )


class WebSession(Base):
    """A server-side browser session; ``id`` is the SHA-256 of the cookie's token."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(100))
    csrf_secret: Mapped[str] = mapped_column(String(64))  # hex, keys the session's CSRF tokens
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    ip: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_web_sessions_user", "user_name"),)


class CsrfNonce(Base):
    """A CSRF token that was used once, so that replaying it is refused."""

    __tablename__ = "csrf_nonces"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("web_sessions.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (Index("ix_csrf_nonces_session", "session_id"),)


class LoginAttempt(Base):
    """One password login attempt, for throttling (user name as typed, may be unknown)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    ok: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_login_attempts_user", "user_name", "at"),
        Index("ix_login_attempts_ip", "ip", "at"),
    )


class PartnerSignal(Base):
    """A partner's report (an account, IP, server or advert) waiting in a review queue."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner: Mapped[str] = mapped_column(String(100))  # the partner user's name
    agency: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    state: Mapped[str] = mapped_column(String(10), default="new")
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_reason: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("partner", "idempotency_key", name="uq_signals_idempotency"),
        CheckConstraint(_in("kind", SIGNAL_KINDS), name="kind"),
        CheckConstraint(_in("state", SIGNAL_STATES), name="state"),
        Index("ix_signals_queue", "agency", "state", "id"),
    )


class PartnerDelivery(Base):
    """A message addressed to a partner, waiting to be fetched and acknowledged (pull)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)  # JSON, as the webhook channel would POST it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("partner", "message_id", name="uq_deliveries_once"),
        Index("ix_deliveries_pending", "partner", "acked_at", "id"),
    )


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
        CheckConstraint(_in("handling", HANDLING_CODES), name="handling"),
        CheckConstraint(_in("tlp", TLP_LABELS), name="tlp"),
    )


# --- Issue 7: lawful processing --------------------------------------------------------


class RetentionGrant(Base):
    """Retention's permission to delete one case's events, inside its own transaction.

    Inserted before the events of an expired case are deleted and removed again before
    the commit (see migration 0005); the table is empty outside an erasure.
    """

    __tablename__ = "retention_grants"

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


# --- Issue 7: sharing (distribution levels) and the shared knowledge base ---------------

SHARED_OBJECTS = ("dataset", "case", "report", "cohort")
#: own agency / named partner agencies / whole network / aggregates only (MISP-like)
LEVELS = ("own", "partners", "network", "aggregate")
STUDY_DESIGNS = ("rct", "quasi", "observational", "descriptive")


class Distribution(Base):
    """The current distribution of one object: who may see it, and under which labels.

    No row means the default (own agency only, H2, TLP:AMBER; see ``exchange.sharing``).
    """

    __tablename__ = "distributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    partners: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of agency codes
    handling: Mapped[str] = mapped_column(String(2))
    tlp: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (
        UniqueConstraint("object_type", "object_id", name="uq_distributions_object"),
        CheckConstraint(_in("object_type", SHARED_OBJECTS), name="object_type"),
        CheckConstraint(_in("level", LEVELS), name="level"),
        CheckConstraint(_in("handling", HANDLING_CODES), name="handling"),
        CheckConstraint(_in("tlp", TLP_LABELS), name="tlp"),
        CheckConstraint("length(reason) > 0", name="reason"),
        Index("ix_distributions_level", "object_type", "level"),
    )


class DistributionChange(Base):
    """Every distribution ever set, oldest first (append-only)."""

    __tablename__ = "distribution_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    partners: Mapped[str] = mapped_column(Text, default="[]")
    handling: Mapped[str] = mapped_column(String(2))
    tlp: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (
        CheckConstraint(_in("object_type", SHARED_OBJECTS), name="object_type"),
        CheckConstraint(_in("level", LEVELS), name="level"),
        CheckConstraint(_in("handling", HANDLING_CODES), name="handling"),
        CheckConstraint(_in("tlp", TLP_LABELS), name="tlp"),
        CheckConstraint("length(reason) > 0", name="reason"),
        Index("ix_distribution_history_object", "object_type", "object_id"),
    )


@event.listens_for(DistributionChange, "before_update")
@event.listens_for(DistributionChange, "before_delete")
def _refuse_history_change(
    mapper: Mapper[DistributionChange], connection: Connection, target: DistributionChange
) -> None:
    raise AppendOnlyError("distribution_history is append-only; set a new distribution instead")


class KnowledgeEntry(Base):
    """One intervention result in the network's shared knowledge base."""

    __tablename__ = "knowledge_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention: Mapped[str] = mapped_column(String(100))
    catalogued: Mapped[bool] = mapped_column(Boolean)  # False: free text, not in the catalogue
    country: Mapped[str] = mapped_column(String(2))
    design: Mapped[str] = mapped_column(String(16))
    population: Mapped[str] = mapped_column(Text)
    n: Mapped[int] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(String(30))
    estimate: Mapped[float] = mapped_column(Float)
    ci_low: Mapped[float] = mapped_column(Float)
    ci_high: Mapped[float] = mapped_column(Float)
    report_link: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(100))  # e.g. "pilot:3" when derived
    note: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(100))
    agency: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (
        CheckConstraint(_in("design", STUDY_DESIGNS), name="design"),
        CheckConstraint("n > 0", name="n"),
        CheckConstraint("ci_low <= estimate AND estimate <= ci_high", name="ci"),
        Index("ix_knowledge_entries_intervention", "intervention", "country"),
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
        CheckConstraint(_in("state", OUTBOX_STATES), name="state"),
        Index("ix_outgoing_bundles_state", "state", "id"),
    )


class PeerNonce(Base):
    """The nonce of a signed peer request seen recently; a second use is a replay."""

    __tablename__ = "peer_nonces"

    agency: Mapped[str] = mapped_column(String(16), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (Index("ix_peer_nonces_seen_at", "seen_at"),)
