"""Campaigns: an audience frozen into message rows, approved by a second person, then sent.

``create`` takes the audience (``intercop.outreach.audience``: who is in, who is left
out and why) and freezes it into ``Message`` rows (status pending) with their locale,
address and a deterministic Message-ID. ``approve`` is the four-eyes step; ``status``
and ``cancel`` report on and stop a campaign. Previews are ``intercop.outreach.preview``;
sending is ``intercop.outreach.sender``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping

from sqlalchemy import func, select

from intercop.access import require, require_rank
from intercop.audit import record
from intercop.casework.agencies import Agency
from intercop.casework.cases import transition
from intercop.casework.interventions import Intervention
from intercop.outreach.addresses import mask
from intercop.outreach.audience import CampaignRequest, plan_audience
from intercop.outreach.channels import CHANNELS
from intercop.outreach.mime import message_id_for, sender_domain
from intercop.outreach.render import Templates
from intercop.outreach.sender import FactsSource
from intercop.outreach.summary import CampaignError, CampaignSummary, get_campaign, summary
from intercop.store import Store
from intercop.store.base import utc_now
from intercop.store.models import Bounce, Campaign, Case, Message
from intercop.workspace import Workspace

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
        audience = plan_audience(session, workspace, request, intervention, agency, facts)
        planned, excluded = audience.planned, audience.excluded
        no_address = audience.without_address
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
        key = workspace.secret_key()
        for row, p in enumerate(planned, start=1):
            person = p.member.person_id
            address = p.address
            value = "\n".join(address.lines) if address.kind == "postal" else address.value
            session.add(
                Message(
                    campaign_id=campaign.id,
                    case_id=p.member.case_id,
                    person_id=person,
                    channel=request.channel,
                    locale=p.locale,
                    recipient_kind=p.recipient_kind,
                    address=value,
                    address_hash=p.address_hash,
                    message_id=message_id_for(key, campaign.id, row, person, domain),
                    status="pending",
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            digest.update(f"{person}\t{p.address_hash}\t{p.locale}\t{p.recipient_kind}\n".encode())
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
                "excluded_by_reason": dict(Counter(e.reason.split(":")[0] for e in excluded)),
                "audience_hash": campaign.audience_hash,
                "pilot_id": campaign.pilot_id,
                "arm": campaign.arm,
            },
        )
        session.commit()
        result = summary(session, campaign)
        result.excluded = excluded
        return result


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
