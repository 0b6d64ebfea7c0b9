"""The public models of the REST and partner APIs (what ``/api/v1`` answers and accepts).

These are separate from the store's tables on purpose: a field reaches a client only
when it is listed here, so password hashes, token hashes, session ids, CSRF secrets and
unmasked e-mail or IP addresses cannot leak by adding a column. Identifiers in person
detail are masked (``j***@example.org``, ``85.144.x.x``); revealing one is a page action
with a reason, not an API read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DECISIONS = ("approve", "reject", "follow_up", "close")


class Model(BaseModel):
    """The base of every API model: unknown input fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Model):
    """An error answer: what went wrong and the HTTP status."""

    error: str
    status: int


# --- persons -------------------------------------------------------------------------------


class PersonOut(Model):
    """A person as lists show it."""

    person_id: str
    accounts: int
    platforms: list[str]
    usernames: list[str]
    country: str | None
    age: int | None
    age_band: str
    minor: bool | None
    risk: float | None


class PersonPage(Model):
    """One page of persons; ``total`` counts every match."""

    total: int
    offset: int
    limit: int
    items: list[PersonOut]


class AccountOut(Model):
    """One account of a person, its identifiers masked."""

    uid: str
    dataset_id: str | None
    platform: str | None
    username: str | None
    emails: list[str] = Field(description="masked: first letter and domain")
    ips: list[str] = Field(description="masked: the first half of the address")
    country: str | None
    first_seen: str | None
    last_seen: str | None
    role: str | None


class CaseOut(Model):
    """A case: one person as one agency's case."""

    id: int
    person_id: str
    agency: str
    state: str
    intervention: str | None
    rule: str | None
    reasons: list[Any]
    policy_hash: str | None
    country: str | None
    minor: bool | None
    created_at: str | None
    updated_at: str | None
    updated_by: str


class PersonDetail(Model):
    """A person with its accounts and the viewer's agency's cases of it."""

    person: PersonOut
    accounts: list[AccountOut]
    cases: list[CaseOut]


# --- datasets ------------------------------------------------------------------------------


class DatasetOut(Model):
    """A dataset in the vault, as lists show it."""

    dataset_id: str
    platform: str
    kind: str
    agency: str
    seized_on: date | None
    retention_until: date
    ingested_at: datetime
    tables: dict[str, int]
    canonical: dict[str, int]
    quarantined: int


class SourceOut(Model):
    """One received file of a dataset and its hash."""

    name: str
    size: int
    sha256: str


class DatasetDetail(DatasetOut):
    """A dataset's manifest: sources and hashes, mapping, secrets dropped, quarantine."""

    legal_basis: str
    tool_version: str
    mapping_software: str
    sources: list[SourceOut]
    dropped_columns: list[str]
    hashed_columns: list[str]
    quarantine_reasons: dict[str, int]


# --- cases ---------------------------------------------------------------------------------


class CasePage(Model):
    """One page of the queue; ``total`` counts every match."""

    total: int
    offset: int
    limit: int
    items: list[CaseOut]


class CaseEventOut(Model):
    """One transition of a case."""

    id: int
    at: str | None
    user: str
    from_: str | None = Field(alias="from")
    to: str
    intervention: str | None
    reason: str
    detail: dict[str, Any]

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CaseDetail(Model):
    """A case and its history, oldest event first."""

    case: CaseOut
    events: list[CaseEventOut]


class DecideIn(Model):
    """A decision on one or more cases of the caller's agency, applied all or nothing."""

    case_ids: list[int] = Field(min_length=1, max_length=500)
    decision: Literal["approve", "reject", "follow_up", "close"]
    reason: str = Field(min_length=1, max_length=2000)
    confirm: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="confirmations the intervention asks for (approve)",
    )


class DecidedOut(Model):
    """One case after the decision."""

    case_id: int
    person_id: str
    agency: str
    state: str
    intervention: str | None


class DecideOut(Model):
    """The cases the decision changed."""

    decided: list[DecidedOut]


# --- campaigns, pilots ---------------------------------------------------------------------


class CampaignOut(Model):
    """A campaign and its message counts."""

    id: int
    name: str
    agency: str
    intervention: str
    channel: str
    state: str
    created_by: str
    approved_by: str | None
    pilot_id: int | None
    arm: str | None
    audience_hash: str | None
    messages: int
    by_status: dict[str, int]
    by_locale: dict[str, int]
    excluded: int


class ExclusionOut(Model):
    """A person of the audience left out, and why."""

    person_id: str
    case_id: int | None
    reason: str


class CampaignDetail(CampaignOut):
    """A campaign with who was left out of its audience."""

    excluded_by_reason: dict[str, int]
    exclusions: list[ExclusionOut]


class PilotOut(Model):
    """A pilot's design, its hashes (checked now) and counts per arm and stratum."""

    id: int
    name: str
    agency: str
    intervention: str
    state: str
    design: dict[str, Any]
    design_hash: str
    design_intact: bool
    assignment_hash: str | None
    assignment_intact: bool | None
    created_by: str
    created_at: str
    assigned_at: str | None
    persons: int
    arms: dict[str, int]
    strata: dict[str, dict[str, int]]


# --- the caller, the audit log --------------------------------------------------------------


class MeOut(Model):
    """Who the caller is: the user, its role and agency, and how it signed in."""

    name: str
    role: str
    agency: str
    via: Literal["session", "token"]
    scope: str | None


class AuditVerificationOut(Model):
    """The result of checking the audit log's hash chain."""

    entries: int
    ok: bool
    problem: str | None
    at_seq: int | None


# --- the partner API -----------------------------------------------------------------------


class SignalIn(Model):
    """A partner's report: an account, IP address, server (host name) or advert."""

    kind: Literal["account", "ip", "server", "advert"]
    value: str = Field(min_length=1, max_length=2000)
    platform: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=2000)


class SignalOut(Model):
    """A submitted signal as its partner sees it."""

    id: int
    kind: str
    value: str
    platform: str | None
    note: str | None
    reported_at: datetime
    state: str
    idempotency_key: str | None


class DeliveryOut(Model):
    """A message addressed to the partner (the webhook channel's payload)."""

    id: int
    created_at: datetime
    acked_at: datetime | None
    message: dict[str, Any]


class DeliveryPage(Model):
    """The partner's pending deliveries, oldest first."""

    items: list[DeliveryOut]
