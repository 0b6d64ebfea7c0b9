"""Who a campaign reaches: its audience, everyone left out and why, and each one's address.

The audience is the agency's cases recommended or approved for the intervention, or
the persons of one (treatment) arm of a pilot. Left out, each with a reason: persons
another campaign of the intervention reached or will reach, controls of a pilot of the
intervention, persons without a usable address for the channel (for a minor whose
parents are addressed: without a contact a team looked up), and suppressed addresses.
Everyone else is ``Planned`` with an address, its keyed hash and a locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from intercop.casework.agencies import Agency
from intercop.casework.interventions import Intervention
from intercop.outreach.addresses import Address, address_hash, best_address, contacts, vault_emails
from intercop.outreach.locales import locale_for
from intercop.outreach.sender import FactsSource
from intercop.outreach.summary import CampaignError, Exclusion
from intercop.outreach.suppression import suppressed_hashes
from intercop.store.models import Campaign, Case, Message, Pilot, PilotAssignment
from intercop.workspace import Workspace

AUDIENCE_STATES = ("recommended", "approved")
CONTROL_ARMS = ("control",)
#: message states that mean the person was (or may have been) reached
REACHED = ("sent", "sending", "in_doubt", "bounced")
#: message states of a live campaign that will reach the person
WILL_REACH = ("pending", "deferred", *REACHED)
#: which contact kind a channel needs
ADDRESS_KIND = {
    "outbox": "email", "smtp": "email", "letter": "postal", "webhook": "webhook",
    "partner": "partner",
}  # fmt: skip


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
class Member:
    """A person of the audience, with their case (none for a pilot person without one)."""

    person_id: str
    case: Case | None

    @property
    def case_id(self) -> int | None:
        """The id of the person's case, if any."""
        return self.case.id if self.case is not None else None


@dataclass(frozen=True)
class Planned:
    """A person who will get a message: where it goes, in which language, to whom."""

    member: Member
    address: Address
    address_hash: str
    locale: str
    recipient_kind: str  # person | parents


@dataclass
class Audience:
    """Who gets a message (sorted by person) and who is left out."""

    planned: list[Planned]
    excluded: list[Exclusion]

    @property
    def without_address(self) -> list[Exclusion]:
        """The exclusions for want of a usable address (what ``--strict`` refuses)."""
        return [e for e in self.excluded if e.reason.startswith(("no address", "minor"))]


def plan_audience(
    session: Session,
    workspace: Workspace,
    request: CampaignRequest,
    intervention: Intervention,
    agency: Agency,
    facts: FactsSource,
) -> Audience:
    """The audience of ``request``: each member planned with an address and locale, or left out."""
    members = select_members(session, request, intervention)
    excluded: list[Exclusion] = []
    members = drop_reached(session, intervention.key, members, excluded)
    if request.pilot_id is None:
        members = drop_controls(session, intervention.key, members, excluded)
    ids = [m.person_id for m in members]
    person_facts = facts(ids) if ids else {}
    emails = vault_emails(workspace, ids)
    known = contacts(session, agency.code, ids)
    suppressed = suppressed_hashes(session)
    key = workspace.secret_key()
    channel = request.channel
    planned: list[Planned] = []
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
            address = best_address(ADDRESS_KIND[channel], candidates, [])
        else:
            address = best_address(ADDRESS_KIND[channel], candidates, own)
            if address is None and channel == "webhook":
                address = best_address("email", candidates, own)
        if address is None:
            reason = (
                f"minor: the {channel} channel cannot reach the parents "
                "(import their contact with `intercop contact import`)"
                if parents
                else f"no address for the {channel} channel"
            )
            excluded.append(Exclusion(pid, reason, member.case_id))
            continue
        hashed = address_hash(key, address.value)
        if hashed in suppressed:
            excluded.append(Exclusion(pid, "suppressed address", member.case_id))
            continue
        country = (member.case.country if member.case is not None else None) or (
            f.country if f is not None else None
        )
        languages = f.languages if f is not None else ()
        locale = locale_for(country, languages, default=agency.locale)
        kind = "parents" if parents else "person"
        planned.append(Planned(member, address, hashed, locale, kind))
    planned.sort(key=lambda p: p.member.person_id)
    return Audience(planned, excluded)


def select_members(
    session: Session, request: CampaignRequest, intervention: Intervention
) -> list[Member]:
    """The agency's cases for the intervention, or the persons of one arm of a pilot."""
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
        return [Member(c.person_id, c) for c in cases]
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
    seen: dict[str, Member] = {}
    for assignment, case in rows:
        seen.setdefault(assignment.person_id, Member(assignment.person_id, case))
    return list(seen.values())


def drop_reached(
    session: Session, intervention: str, members: list[Member], excluded: list[Exclusion]
) -> list[Member]:
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
            reason = f"already messaged for {intervention}"
            excluded.append(Exclusion(m.person_id, reason, m.case_id))
        else:
            kept.append(m)
    return kept


def drop_controls(
    session: Session, intervention: str, members: list[Member], excluded: list[Exclusion]
) -> list[Member]:
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
            reason = f"control arm of pilot {controls[m.person_id]}"
            excluded.append(Exclusion(m.person_id, reason, m.case_id))
        else:
            kept.append(m)
    return kept
