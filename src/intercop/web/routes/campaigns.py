"""Campaigns: the list, creating one from decided cases, a campaign's page and its approval.

Thin over ``intercop.outreach``: ``create_campaign`` freezes the audience,
``preview_campaign`` renders samples per locale (shown escaped or in a sandboxed
frame, never as markup of this page), ``approve_campaign`` is the four-eyes step and
``campaign_status`` gives the sending and bounce figures. Sending itself is a worker
job (``intercop campaign send``); the page shows the command and the progress.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import AccessError
from intercop.audit import origin_scope, record
from intercop.casework.agencies import workspace_agencies
from intercop.casework.pilots import PilotError
from intercop.errors import IntercopError
from intercop.outreach.audience import CampaignRequest
from intercop.outreach.campaigns import approve_campaign, campaign_status, create_campaign
from intercop.outreach.channels import CHANNELS
from intercop.outreach.facts import facts_for
from intercop.outreach.preview import preview_campaign
from intercop.outreach.render import TemplateError, Templates
from intercop.outreach.sender import Content
from intercop.outreach.summary import CampaignError, summary
from intercop.store.models import AuditEntry, Campaign, Pilot, PilotAssignment
from intercop.web.errors import register_not_found
from intercop.web.pages import page, twin
from intercop.web.routes.queue import catalogue_of, may
from intercop.web.state import client_origin, db_session, web_state
from intercop.web.viewer import Access, Viewer
from intercop.workspace import Workspace

router = APIRouter()

CaseReader = Annotated[Viewer, Depends(Access("case.read"))]
Creator = Annotated[Viewer, Depends(Access("campaign.create"))]
Approver = Annotated[Viewer, Depends(Access("campaign.approve"))]
DbSession = Annotated[Session, Depends(db_session)]

PREVIEWS = 2  # sample messages per locale


class CampaignNotFoundError(IntercopError):
    """No campaign with that id for this agency (another agency's looks the same)."""

    hint = "List the campaigns on the campaigns page"


register_not_found(CampaignNotFoundError)


def _templates(workspace: Workspace) -> Templates:
    own = workspace.root / "config" / "templates"
    return Templates(own if own.is_dir() else None)


def visible_campaign(session: Session, viewer: Viewer, campaign_id: int) -> Campaign:
    """The campaign, if the viewer's agency runs it; else 404 like a missing one."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not (viewer.network or campaign.agency == viewer.agency):
        raise CampaignNotFoundError(f"no campaign {campaign_id}")
    return campaign


def _status_of(exc: IntercopError) -> int:
    return 403 if isinstance(exc, AccessError) else 400


# -- the list and creating one ------------------------------------------------------------


def list_data(request: Request, session: Session, viewer: Viewer) -> dict[str, Any]:
    """What the campaigns page shows: the agency's campaigns and the creation form."""
    query = select(Campaign).order_by(Campaign.id.desc())
    if not viewer.network:
        query = query.where(Campaign.agency == viewer.agency)
    campaigns = [summary(session, c).as_json() for c in session.scalars(query)]
    catalogue = catalogue_of(request)
    interventions = [
        {"key": i.key, "title": i.title, "channels": list(i.channels)}
        for i in catalogue.values()
        if i.message and i.channels
    ]
    pilots = select(Pilot).where(Pilot.state != "frozen").order_by(Pilot.id)
    if not viewer.network:
        pilots = pilots.where(Pilot.agency == viewer.agency)
    arms = {
        p.id: sorted(
            set(
                session.scalars(
                    select(PilotAssignment.arm).where(PilotAssignment.pilot_id == p.id).distinct()
                )
            )
        )
        for p in session.scalars(pilots)
    }
    return {
        "agency": viewer.agency,
        "campaigns": campaigns,
        "interventions": interventions,
        "channels": sorted(CHANNELS),
        "pilots": [{"id": pid, "arms": a} for pid, a in arms.items()],
        "can_create": may(viewer, "campaign.create"),
        "error": None,
    }


@twin(router, "/campaigns")
def campaigns(request: Request, viewer: CaseReader, session: DbSession) -> Response:
    """The agency's campaigns with their counts, and the form to create one."""
    data = list_data(request, session, viewer)
    return page(request, "campaigns.html", title="Campaigns", data=data, viewer=viewer)


@router.post("/campaigns", include_in_schema=False)
def create(
    request: Request,
    viewer: Creator,
    session: DbSession,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    intervention: Annotated[str, Form(max_length=60)],
    channel: Annotated[str, Form(max_length=20)] = "outbox",
    pilot: Annotated[str, Form(max_length=12)] = "",
    arm: Annotated[str, Form(max_length=40)] = "",
    strict: Annotated[bool, Form()] = False,
) -> Response:
    """Create a draft campaign from the agency's decided cases (or one arm of a pilot)."""
    state = web_state(request)
    workspace = state.workspace
    try:
        if pilot.strip() and not pilot.strip().isdigit():
            raise CampaignError(f"pilot {pilot!r} is not a pilot id")
        wanted = CampaignRequest(
            name=name.strip(),
            intervention=intervention,
            channel=channel,
            agency=viewer.agency,
            user=viewer.name,
            pilot_id=int(pilot) if pilot.strip() else None,
            arm=arm.strip() or None,
            strict=strict,
        )
        with origin_scope(client_origin(request)):
            created = create_campaign(
                state.store,
                workspace,
                wanted,
                catalogue=catalogue_of(request),
                agencies=workspace_agencies(workspace.root),
                templates=_templates(workspace),
                facts=lambda ids: facts_for(workspace, ids),
            )
    except (CampaignError, AccessError, PilotError, TemplateError) as exc:
        data = list_data(request, session, viewer)
        data["error"] = {"message": exc.message, "hint": exc.hint}
        return page(
            request,
            "campaigns.html",
            title="Campaigns",
            data=data,
            viewer=viewer,
            status=_status_of(exc),
        )
    return RedirectResponse(f"/campaigns/{created.id}", status_code=303)


# -- one campaign ---------------------------------------------------------------------------


def creation_record(session: Session, campaign_id: int) -> dict[str, Any]:
    """Who was left out when the campaign was created, by reason (from its audit entry)."""
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "campaign.create",
            AuditEntry.object_type == "campaign",
            AuditEntry.object_id == str(campaign_id),
        )
    ).first()
    detail: dict[str, Any] = json.loads(entry.detail) if entry is not None else {}
    return {
        "excluded": detail.get("excluded"),
        "excluded_by_reason": detail.get("excluded_by_reason", {}),
    }


def previews(
    request: Request, viewer: Viewer, campaign: Campaign, locale: str | None
) -> tuple[list[dict[str, str]], list[str], str | None]:
    """Sample messages in ``locale`` (default: the campaign's first), and the locales offered."""
    state = web_state(request)
    workspace = state.workspace
    templates = _templates(workspace)
    agency = workspace_agencies(workspace.root).get(campaign.agency)
    offered = list(templates.locales(campaign.intervention))
    if agency is None or not offered:
        return [], offered, None
    chosen = locale if locale in offered else None
    content = Content(
        templates, lambda ids: facts_for(workspace, ids), agency, campaign.intervention
    )
    samples = preview_campaign(
        state.store, campaign.id, viewer.name, content, locale=chosen, count=PREVIEWS
    )
    return [s.as_json() for s in samples], offered, chosen


def campaign_data(
    request: Request, session: Session, viewer: Viewer, campaign_id: int, locale: str | None
) -> dict[str, Any]:
    """What a campaign's page shows: audience, exclusions, previews, approval, progress."""
    campaign = visible_campaign(session, viewer, campaign_id)
    status = campaign_status(web_state(request).store, campaign_id, viewer.name).as_json()
    samples, offered, chosen = previews(request, viewer, campaign, locale)
    sent = status["by_status"].get("sent", 0)
    draft = campaign.state == "draft"
    return {
        "campaign": status,
        "created": creation_record(session, campaign_id),
        "locales": offered,
        "locale": chosen,
        "previews": samples,
        "approval": {
            "state": campaign.state,
            "created_by": campaign.created_by,
            "approved_by": campaign.approved_by,
            "approved_at": campaign.approved_at,
            "reason": campaign.approval_reason,
            "can_approve": draft and may(viewer, "campaign.approve"),
            "own": campaign.created_by == viewer.name,
        },
        "progress": {
            "messages": status["messages"],
            "sent": sent,
            "percent": round(100 * sent / status["messages"], 1) if status["messages"] else 0.0,
            "command": f"intercop campaign send {campaign_id} --user NAME",
            "status_command": f"intercop campaign status {campaign_id}",
        },
        "error": None,
    }


@twin(router, "/campaigns/{campaign_id}")
def campaign_page(
    request: Request, campaign_id: int, viewer: CaseReader, session: DbSession
) -> Response:
    """A campaign: audience and exclusions, previews per locale, approval and sending."""
    locale = request.query_params.get("locale") or None
    data = campaign_data(request, session, viewer, campaign_id, locale)
    # the previews show rendered messages: a read of personal data
    record(
        session,
        viewer.name,
        "campaign.preview",
        agency=data["campaign"]["agency"],
        object_type="campaign",
        object_id=str(campaign_id),
        detail={"locale": data["locale"], "samples": len(data["previews"])},
        origin=client_origin(request),
    )
    session.commit()
    return page(request, "campaign.html", title=f"Campaign {campaign_id}", data=data, viewer=viewer)


@router.post("/campaigns/{campaign_id}/approve", include_in_schema=False)
def approve(
    request: Request,
    campaign_id: int,
    viewer: Approver,
    session: DbSession,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The second pair of eyes: approve a draft campaign (never by its creator)."""
    visible_campaign(session, viewer, campaign_id)
    session.rollback()  # the core opens its own session; hold no snapshot meanwhile
    try:
        with origin_scope(client_origin(request)):
            approve_campaign(
                web_state(request).store,
                campaign_id,
                viewer.name,
                catalogue=catalogue_of(request),
                reason=reason.strip(),
            )
    except (CampaignError, AccessError) as exc:
        data = campaign_data(request, session, viewer, campaign_id, None)
        data["error"] = {"message": exc.message, "hint": exc.hint}
        return page(
            request,
            "campaign.html",
            title=f"Campaign {campaign_id}",
            data=data,
            viewer=viewer,
            status=_status_of(exc),
        )
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)
