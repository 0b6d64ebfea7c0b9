"""Tables of the case store, as SQLAlchemy 2 typed declarative models.

The migrations in ``migrations/versions`` own the schema; these models mirror it
(a test checks that they agree) and are what the domain packages query. One module
per part of the platform; everything is importable from here.
"""

from __future__ import annotations

from intercop.store.models.casework import (
    CAMPAIGN_STATES,
    CASE_STATES,
    MESSAGE_STATES,
    PILOT_STATES,
    ROLES,
    AuditEntry,
    AuditHead,
    Bounce,
    Campaign,
    Case,
    CaseEvent,
    Contact,
    Message,
    Outcome,
    Pilot,
    PilotAssignment,
    Suppression,
    User,
)
from intercop.store.models.common import (
    AppendOnlyError,
)
from intercop.store.models.exchange import (
    HANDLING_CODES,
    OUTBOX_STATES,
    TLP_LABELS,
    ExchangeAgency,
    OutgoingBundle,
    PeerNonce,
    ReceivedBundle,
    TransferAuthorisation,
)
from intercop.store.models.judgements import (
    DECISIONS,
    Judgement,
)
from intercop.store.models.lawful import (
    RetentionGrant,
)
from intercop.store.models.sharing import (
    LEVELS,
    SHARED_OBJECTS,
    STUDY_DESIGNS,
    Distribution,
    DistributionChange,
    KnowledgeEntry,
)
from intercop.store.models.web import (
    SIGNAL_KINDS,
    SIGNAL_STATES,
    TOKEN_SCOPES,
    ApiToken,
    CsrfNonce,
    LoginAttempt,
    PartnerDelivery,
    PartnerSignal,
    WebSession,
)

__all__ = [
    "CAMPAIGN_STATES",
    "CASE_STATES",
    "DECISIONS",
    "HANDLING_CODES",
    "LEVELS",
    "MESSAGE_STATES",
    "OUTBOX_STATES",
    "PILOT_STATES",
    "ROLES",
    "SHARED_OBJECTS",
    "SIGNAL_KINDS",
    "SIGNAL_STATES",
    "STUDY_DESIGNS",
    "TLP_LABELS",
    "TOKEN_SCOPES",
    "ApiToken",
    "AppendOnlyError",
    "AuditEntry",
    "AuditHead",
    "Bounce",
    "Campaign",
    "Case",
    "CaseEvent",
    "Contact",
    "CsrfNonce",
    "Distribution",
    "DistributionChange",
    "ExchangeAgency",
    "Judgement",
    "KnowledgeEntry",
    "LoginAttempt",
    "Message",
    "Outcome",
    "OutgoingBundle",
    "PartnerDelivery",
    "PartnerSignal",
    "PeerNonce",
    "Pilot",
    "PilotAssignment",
    "ReceivedBundle",
    "RetentionGrant",
    "Suppression",
    "TransferAuthorisation",
    "User",
    "WebSession",
]
