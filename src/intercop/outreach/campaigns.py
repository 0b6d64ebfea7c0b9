"""Campaigns: an audience frozen into message rows, approved by a second person, then sent.

``create`` picks the audience (the agency's cases recommended or approved for the
intervention, or one arm of a pilot), lists everyone left out and why, and freezes the
rest into ``Message`` rows (status pending) with their locale, address and a
deterministic Message-ID. ``approve`` is the four-eyes step; ``status`` and ``cancel``
report on and stop a campaign. Sending is ``intercop.outreach.sender``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from intercop.access import require, require_rank
from intercop.audit import record
from intercop.casework.agencies import Agency
from intercop.casework.cases import transition
from intercop.casework.interventions import Intervention
from intercop.errors import IntercopError
from intercop.outreach.addresses import Address, address_hash, best_address, contacts, vault_emails
from intercop.outreach.channels import CHANNELS
from intercop.outreach.locales import locale_for
from intercop.outreach.mime import message_id_for, sender_domain
from intercop.outreach.render import Templates
from intercop.outreach.sender import Content, FactsSource
from intercop.outreach.suppression import suppressed_hashes
from intercop.store import Store
from intercop.store.base import utc_now
from intercop.store.models import Campaign, Case, Message, Pilot, PilotAssignment
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

AUDIENCE_STATES = ("recommended", "approved")
CONTROL_ARMS = ("control",)
#: message states that mean the person was (or may have been) reached
REACHED = ("sent", "sending", "in_doubt", "bounced")
#: message states of a live campaign that will reach the person
WILL_REACH = ("pending", "deferred", *REACHED)
#: which contact kind a channel needs
ADDRESS_KIND = {"outbox": "email", "smtp": "email", "letter": "postal", "webhook": "webhook"}


class CampaignError(IntercopError):
    """A campaign cannot be created, approved or changed as asked."""

    hint = "See docs/outreach.md (campaigns)"


@dataclass(frozen=True)
class Exclusion:
    """A person of the audience who gets no message, and why."""

    person_id: str
    reason: str
    case_id: int | None = None


@dataclass
class CampaignSummary:
    """A campaign as commands report it."""

    id: int
    name: str
    agency: str
    intervention: str
    channel: str
    state: str
    created_by: str
    approved_by: str | None = None
    pilot_id: int | None = None
    arm: str | None = None
    audience_hash: str | None = None
    messages: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_locale: dict[str, int] = field(default_factory=dict)
    excluded: list[Exclusion] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        reasons = Counter(e.reason.split(":")[0] for e in self.excluded)
        return {
            "id": self.id,
            "name": self.name,
            "agency": self.agency,
            "intervention": self.intervention,
            "channel": self.channel,
            "state": self.state,
            "created_by": self.created_by,
            "approved_by": self.approved_by,
            "pilot_id": self.pilot_id,
            "arm": self.arm,
            "audience_hash": self.audience_hash,
            "messages": self.messages,
            "by_status": self.by_status,
            "by_locale": self.by_locale,
            "excluded": len(self.excluded),
            "excluded_by_reason": dict(reasons),
            "exclusions": [
                {"person_id": e.person_id, "case_id": e.case_id, "reason": e.reason}
                for e in self.excluded
            ],
            **self.extra,
        }


@dataclass(frozen=True)
class CampaignRequest:
    """What ``intercop campaign create`` asks for."""

    name: str
    intervention: str
    channel: str
    agency: str
    user: str | None
    pilot_id: int | None = None
    arm: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    strict: bool = False  # refuse when anyone has no address, instead of leaving them out


@dataclass(frozen=True)
class _Member:
    person_id: str
    case: Case | None


def summary(session: Session, campaign: Campaign) -> CampaignSummary:
    """Counts of a campaign's messages by status and locale."""
    by_status = dict(
        session.execute(
            select(Message.status, func.count())
            .where(Message.campaign_id == campaign.id)
            .group_by(Message.status)
        ).all()
    )
    by_locale = dict(
        session.execute(
            select(Message.locale, func.count())
            .where(Message.campaign_id == campaign.id)
            .group_by(Message.locale)
        ).all()
    )
    return CampaignSummary(
        id=campaign.id,
        name=campaign.name,
        agency=campaign.agency,
        intervention=campaign.intervention,
        channel=campaign.channel,
        state=campaign.state,
        created_by=campaign.created_by,
        approved_by=campaign.approved_by,
        pilot_id=campaign.pilot_id,
        arm=campaign.arm,
        audience_hash=campaign.audience_hash,
        messages=sum(by_status.values()),
        by_status={str(k): int(v) for k, v in sorted(by_status.items())},
        by_locale={str(k): int(v) for k, v in sorted(by_locale.items())},
    )


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign with that id, or a clear error."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignError(f"no campaign {campaign_id}", hint="Check the campaign id")
    return campaign


# -- create -------------------------------------------------------------------------------


def check_intervention(
    catalogue: Mapping[str, Intervention], key: str, channel: str
) -> Intervention:
    """The intervention, refused unless it sends messages through ``channel``."""
    intervention = catalogue.get(key)
    if intervention is None:
        raise CampaignError(
            f"unknown intervention {key!r}", hint=f"Use one of: {', '.join(sorted(catalogue))}"
        )
    if not intervention.message or not intervention.channels:
        raise CampaignError(f"the intervention {key!r} sends no message", hint="")
    if channel not in CHANNELS:
        raise CampaignError(
            f"unknown channel {channel!r}", hint=f"Use one of: {', '.join(sorted(CHANNELS))}"
        )
    if channel not in intervention.channels:
        raise CampaignError(
            f"the intervention {key!r} may not be sent through {channel}",
            hint=f"Allowed channels: {', '.join(intervention.channels)}",
        )
    return intervention


def create_campaign(
    store: Store,
    workspace: Workspace,
    request: CampaignRequest,
    *,
    catalogue: Mapping[str, Intervention],
    agencies: Mapping[str, Agency],
    templates: Templates,
    facts: FactsSource,
) -> CampaignSummary:
    """Create a draft campaign and freeze its audience into pending message rows."""
    intervention = check_intervention(catalogue, request.intervention, request.channel)
    agency = agencies.get(request.agency)
    if agency is None:
        raise CampaignError(f"unknown agency {request.agency!r}", hint="See agencies.yaml")
    templates.check(intervention.key)  # a broken template stops us before anything exists
    with store.session() as session:
        creator = require(session, request.user, "campaign.create", agency.code)
        if session.scalar(
            select(Campaign.id).where(Campaign.agency == agency.code, Campaign.name == request.name)
        ):
            raise CampaignError(
                f"agency {agency.code} already has a campaign named {request.name!r}",
                hint="Choose another --name",
            )
        members = _audience(session, request, intervention)
        excluded: list[Exclusion] = []
        members = _drop_reached(session, intervention.key, members, excluded)
        if request.pilot_id is None:
            members = _drop_controls(session, intervention.key, members, excluded)
        ids = [m.person_id for m in members]
        person_facts = facts(ids) if ids else {}
        emails = vault_emails(workspace, ids)
        known = contacts(session, agency.code, ids)
        suppressed = suppressed_hashes(session)
        key = workspace.secret_key()
        planned: list[tuple[_Member, Address, str, str, str]] = []
        for member in members:
            pid = member.person_id
            f = person_facts.get(pid)
            minor = bool(
                (member.case.minor if member.case is not None else None)
                or (f.minor_now if f is not None else False)
            )
            parents = intervention.parents_if_minor and minor
            candidates = known.get(pid, [])
            own = emails.get(pid, [])
            if parents:
                # only an address a team looked up can reach the parents
                address = best_address(ADDRESS_KIND[request.channel], candidates, [])
            else:
                address = best_address(ADDRESS_KIND[request.channel], candidates, own)
                if address is None and request.channel == "webhook":
                    address = best_address("email", candidates, own)
            case_id = member.case.id if member.case is not None else None
            if address is None:
                reason = (
                    f"minor: the {request.channel} channel cannot reach the parents "
                    "(import their contact with `intercop contact import`)"
                    if parents
                    else f"no address for the {request.channel} channel"
                )
                excluded.append(Exclusion(pid, reason, case_id))
                continue
            hashed = address_hash(key, address.value)
            if hashed in suppressed:
                excluded.append(Exclusion(pid, "suppressed address", case_id))
                continue
            country = (member.case.country if member.case is not None else None) or (
                f.country if f is not None else None
            )
            languages = f.languages if f is not None else ()
            locale = locale_for(country, languages, default=agency.locale)
            kind = "parents" if parents else "person"
            planned.append((member, address, hashed, locale, kind))
        no_address = [e for e in excluded if e.reason.startswith(("no address", "minor"))]
        if request.strict and no_address:
            raise CampaignError(
                f"{len(no_address)} person(s) of the audience have no usable address, e.g. "
                f"{no_address[0].person_id}: {no_address[0].reason}",
                hint="Import their contacts, or create the campaign without --strict",
            )
        if not planned:
            reasons = Counter(e.reason for e in excluded)
            why = "; ".join(f"{n} x {r}" for r, n in reasons.most_common(3)) or "nobody matches"
            raise CampaignError(
                f"nobody to message for {intervention.key} in {agency.code}: {why}",
                hint="Run `intercop triage` and decide the cases first",
            )
        campaign = Campaign(
            name=request.name,
            agency=agency.code,
            intervention=intervention.key,
            channel=request.channel,
            state="draft",
            pilot_id=request.pilot_id,
            arm=request.arm,
            options=json.dumps(dict(request.options), sort_keys=True),
            created_by=creator.name,
            created_at=utc_now(),
        )
        session.add(campaign)
        session.flush()
        domain = sender_domain(agency.sender)
        digest = hashlib.sha256()
        now = utc_now()
        planned.sort(key=lambda p: p[0].person_id)
        for row, (member, address, hashed, locale, kind) in enumerate(planned, start=1):
            value = "\n".join(address.lines) if address.kind == "postal" else address.value
            session.add(
                Message(
                    campaign_id=campaign.id,
                    case_id=member.case.id if member.case is not None else None,
                    person_id=member.person_id,
                    channel=request.channel,
                    locale=locale,
                    recipient_kind=kind,
                    address=value,
                    address_hash=hashed,
                    message_id=message_id_for(key, campaign.id, row, member.person_id, domain),
                    status="pending",
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            digest.update(f"{member.person_id}\t{hashed}\t{locale}\t{kind}\n".encode())
        campaign.audience_hash = digest.hexdigest()
        record(
            session,
            creator.name,
            "campaign.create",
            agency=agency.code,
            object_type="campaign",
            object_id=str(campaign.id),
            detail={
                "name": campaign.name,
                "intervention": campaign.intervention,
                "channel": campaign.channel,
                "messages": len(planned),
                "excluded": len(excluded),
                "audience_hash": campaign.audience_hash,
                "pilot_id": campaign.pilot_id,
                "arm": campaign.arm,
            },
        )
        session.commit()
        result = summary(session, campaign)
        result.excluded = excluded
        return result


def _audience(
    session: Session, request: CampaignRequest, intervention: Intervention
) -> list[_Member]:
    if request.pilot_id is None:
        if request.arm is not None:
            raise CampaignError("--arm needs --pilot", hint="Name the pilot with --pilot ID")
        cases = session.scalars(
            select(Case)
            .where(
                Case.agency == request.agency,
                Case.intervention == intervention.key,
                Case.state.in_(AUDIENCE_STATES),
            )
            .order_by(Case.person_id)
        )
        return [_Member(c.person_id, c) for c in cases]
    pilot = session.get(Pilot, request.pilot_id)
    if pilot is None or pilot.agency != request.agency:
        raise CampaignError(f"no pilot {request.pilot_id} in agency {request.agency}")
    if pilot.intervention != intervention.key:
        raise CampaignError(
            f"pilot {pilot.id} tests {pilot.intervention}, not {intervention.key}",
            hint=f"Use --intervention {pilot.intervention}",
        )
    arms = set(
        session.scalars(
            select(PilotAssignment.arm).where(PilotAssignment.pilot_id == pilot.id).distinct()
        )
    )
    if not arms:
        raise CampaignError(
            f"pilot {pilot.id} has no assignment yet", hint="Run `intercop pilot assign` first"
        )
    if request.arm not in arms:
        raise CampaignError(
            f"pilot {pilot.id} has no arm {request.arm!r}",
            hint=f"Use --arm with one of: {', '.join(sorted(arms))}",
        )
    if request.arm in CONTROL_ARMS:
        raise CampaignError(
            f"the {request.arm} arm of pilot {pilot.id} is not contacted",
            hint="Create the campaign for a treatment arm",
        )
    rows = session.execute(
        select(PilotAssignment, Case)
        .outerjoin(
            Case,
            or_(
                Case.id == PilotAssignment.case_id,
                (Case.person_id == PilotAssignment.person_id) & (Case.agency == pilot.agency),
            ),
        )
        .where(PilotAssignment.pilot_id == pilot.id, PilotAssignment.arm == request.arm)
        .order_by(PilotAssignment.person_id)
    ).all()
    seen: dict[str, _Member] = {}
    for assignment, case in rows:
        seen.setdefault(assignment.person_id, _Member(assignment.person_id, case))
    return list(seen.values())


def _drop_reached(
    session: Session, intervention: str, members: list[_Member], excluded: list[Exclusion]
) -> list[_Member]:
    """Leave out persons another campaign of the intervention reached or will reach."""
    reached = set(
        session.scalars(
            select(Message.person_id)
            .join(Campaign, Campaign.id == Message.campaign_id)
            .where(
                Campaign.intervention == intervention,
                or_(
                    (Campaign.state != "cancelled") & Message.status.in_(WILL_REACH),
                    Message.status.in_(REACHED),
                ),
            )
        )
    )
    kept = []
    for m in members:
        if m.person_id in reached:
            case_id = m.case.id if m.case is not None else None
            reason = f"already messaged for {intervention}"
            excluded.append(Exclusion(m.person_id, reason, case_id))
        else:
            kept.append(m)
    return kept


def _drop_controls(
    session: Session, intervention: str, members: list[_Member], excluded: list[Exclusion]
) -> list[_Member]:
    """Leave out persons in the control arm of a pilot of the intervention."""
    controls = dict(
        session.execute(
            select(PilotAssignment.person_id, Pilot.id)
            .join(Pilot, Pilot.id == PilotAssignment.pilot_id)
            .where(Pilot.intervention == intervention, PilotAssignment.arm.in_(CONTROL_ARMS))
        ).all()
    )
    kept = []
    for m in members:
        if m.person_id in controls:
            case_id = m.case.id if m.case is not None else None
            reason = f"control arm of pilot {controls[m.person_id]}"
            excluded.append(Exclusion(m.person_id, reason, case_id))
        else:
            kept.append(m)
    return kept


# -- approve, cancel, status ---------------------------------------------------------------


def approve_campaign(
    store: Store,
    campaign_id: int,
    user: str | None,
    *,
    catalogue: Mapping[str, Intervention],
    reason: str = "",
) -> CampaignSummary:
    """The second pair of eyes: approve a draft campaign and the recommended cases in it."""
    with store.session() as session:
        campaign = get_campaign(session, campaign_id)
        approver = require(session, user, "campaign.approve", campaign.agency)
        if approver.name == campaign.created_by:
            raise CampaignError(
                f"{approver.name!r} created campaign {campaign.id} and cannot also approve it "
                "(four eyes)",
                hint="Ask another supervisor of the agency to approve it",
            )
        if campaign.state != "draft":
            raise CampaignError(f"campaign {campaign.id} is {campaign.state}, not a draft")
        intervention = catalogue.get(campaign.intervention)
        if intervention is None:
            raise CampaignError(f"the intervention {campaign.intervention!r} is not catalogued")
        require_rank(approver, intervention.approver_role, f"a {intervention.key} campaign")
        text = reason or f"campaign {campaign.id} ({campaign.name}) approved"
        cases = session.scalars(
            select(Case)
            .join(Message, Message.case_id == Case.id)
            .where(Message.campaign_id == campaign.id, Case.state == "recommended")
        ).all()
        for case in cases:
            transition(session, case, "approved", approver.name, text, audit=False)
        campaign.state = "approved"
        campaign.approved_by = approver.name
        campaign.approved_at = utc_now()
        campaign.approval_reason = text
        record(
            session,
            approver.name,
            "campaign.approve",
            agency=campaign.agency,
            object_type="campaign",
            object_id=str(campaign.id),
            reason=text,
            detail={"cases_approved": len(cases), "audience_hash": campaign.audience_hash},
        )
        session.commit()
        result = summary(session, campaign)
        result.extra["cases_approved"] = len(cases)
        return result


def cancel_campaign(
    store: Store, campaign_id: int, user: str | None, reason: str
) -> CampaignSummary:
    """Stop a campaign: nothing more of it is sent (what was sent stays recorded)."""
    with store.session() as session:
        campaign = get_campaign(session, campaign_id)
        who = require(session, user, "campaign.create", campaign.agency)
        if campaign.state in ("sent", "cancelled"):
            raise CampaignError(f"campaign {campaign.id} is already {campaign.state}")
        campaign.state = "cancelled"
        record(
            session,
            who.name,
            "campaign.cancel",
            agency=campaign.agency,
            object_type="campaign",
            object_id=str(campaign.id),
            reason=reason,
        )
        session.commit()
        return summary(session, campaign)


def campaign_status(store: Store, campaign_id: int, user: str | None) -> CampaignSummary:
    """Counts by status and locale, bounces, and the messages in doubt (masked)."""
    from intercop.outreach.addresses import mask
    from intercop.store.models import Bounce

    with store.session() as session:
        campaign = get_campaign(session, campaign_id)
        require(session, user, "case.read", campaign.agency)
        result = summary(session, campaign)
        bounces = dict(
            session.execute(
                select(Bounce.kind, func.count())
                .join(Message, Message.id == Bounce.message_id)
                .where(Message.campaign_id == campaign.id)
                .group_by(Bounce.kind)
            ).all()
        )
        doubt = session.execute(
            select(Message.message_id, Message.address, Message.last_error).where(
                Message.campaign_id == campaign.id, Message.status == "in_doubt"
            )
        ).all()
        failed = session.execute(
            select(Message.last_error, func.count())
            .where(Message.campaign_id == campaign.id, Message.status == "failed")
            .group_by(Message.last_error)
        ).all()
        result.extra.update(
            {
                "bounces": {str(k): int(v) for k, v in bounces.items()},
                "in_doubt": [
                    {"message_id": m, "address": mask(a), "error": e} for m, a, e in doubt
                ],
                "failures": {str(e): int(n) for e, n in failed},
                "approved_at": campaign.approved_at,
                "created_at": campaign.created_at,
            }
        )
        return result


# -- preview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """One sample message of a campaign, rendered and not sent."""

    message_id: str
    to: str  # masked
    locale: str  # the locale used after fallback
    own_locale: str  # the locale the person would get
    subject: str
    text: str
    html: str

    def as_json(self) -> dict[str, str]:
        """Plain data for ``--json``."""
        return {
            "message_id": self.message_id,
            "to": self.to,
            "locale": self.locale,
            "own_locale": self.own_locale,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
        }


def preview_campaign(
    store: Store,
    campaign_id: int,
    user: str | None,
    content: Content,
    *,
    locale: str | None = None,
    count: int = 3,
) -> list[Preview]:
    """Render ``count`` messages of the campaign (of ``locale`` first, then others in it)."""
    from intercop.outreach.addresses import mask

    with store.session() as session:
        campaign = get_campaign(session, campaign_id)
        require(session, user, "case.read", campaign.agency)
        base = select(Message).where(Message.campaign_id == campaign.id).order_by(Message.id)
        rows = list(session.scalars(base.where(Message.locale == locale).limit(count)))
        if len(rows) < count:
            have = {r.id for r in rows}
            rows += [r for r in session.scalars(base.limit(count * 2)) if r.id not in have]
            rows = rows[:count]
        facts = content.facts([r.person_id for r in rows])
        previews = []
        for row in rows:
            person = facts.get(row.person_id)
            if person is None:
                continue
            envelope = content.envelope(row, person, locale=locale)
            r = envelope.rendered
            shown = mask(envelope.to) if "@" in envelope.to else envelope.to[:1] + "***"
            previews.append(
                Preview(row.message_id, shown, r.locale, row.locale, r.subject, r.text, r.html)
            )
        return previews
