"""A pilot run end to end on synthetic data whose true effect is known.

The second half of the demo, and the check that the evaluation finds what is there:

1. two users (an analyst and a supervisor) triage every profiled person;
2. the supervisor freezes and assigns a randomised pilot of a warning (treatment and
   control, stratified by risk band);
3. the analyst creates the campaign for the treatment arm, the supervisor approves it
   (four eyes) and it is sent to the outbox;
4. a later takedown is drawn: each pilot member reappears on a new platform after an
   exponential time whose hazard is multiplied by ``hazard_ratio`` for those warned
   (``intercop.synth.followup``); it is ingested and the persons resolved again;
5. the pilot is evaluated from the vault and the case store, as ``intercop evaluate
   pilot`` does.

Only members with an e-mail address can be warned by e-mail *and* recognised when they
come back (the later platform holds their address), so the check analyses the members
with an address: e-mail is known before randomisation, so the comparison stays
randomised. The demo's report is the standard intention-to-treat evaluation of all
members.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.access import add_user
from intercop.casework.agencies import workspace_agencies
from intercop.casework.interventions import catalogue_path, load_catalogue
from intercop.casework.pilots import arms_for_control, assign_pilot, create_pilot
from intercop.casework.policy import load_policy_set
from intercop.casework.triage import read_profiles, run_triage
from intercop.evaluation.pilot import PilotEvaluation, PilotInfo, analyse, evaluate_pilot
from intercop.evaluation.reoffending import load_reoffending
from intercop.evidence.ingest import IngestRequest, ingest
from intercop.identity.resolve import ResolveOptions, resolve
from intercop.outreach.addresses import vault_emails
from intercop.outreach.audience import CampaignRequest
from intercop.outreach.campaigns import approve_campaign, create_campaign
from intercop.outreach.channels import ChannelConfig, create_channel
from intercop.outreach.facts import facts_for
from intercop.outreach.render import Templates
from intercop.outreach.sender import Content, Sender, SendOptions
from intercop.settings import Settings
from intercop.store import Store
from intercop.store.models import Message, Pilot, PilotAssignment, User
from intercop.synth.followup import Followup, FollowupPerson, generate_followup
from intercop.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoundOptions:
    """What the pilot round does."""

    agency: str = "NL"
    intervention: str = "warning_email"
    control: float = 0.5
    seed: int = 7
    hazard_ratio: float = 0.6  # the true effect of the warning in the later takedown
    base_rate: float = 0.8  # the control arm's yearly hazard of coming back
    follow_days: int = 365  # from the warning to the later takedown
    analyst: str = "ana"
    supervisor: str = "sam"


@dataclass(frozen=True)
class PilotRound:
    """What happened, where to look, and what the evaluation found."""

    triaged: int
    pilot_id: int
    campaign_id: int
    allocated: dict[str, int]
    sent: int
    outbox: Path
    followup: Followup
    seized_on: datetime
    evaluation: PilotEvaluation  # intention to treat, every member
    reachable: PilotEvaluation  # members with an e-mail address (the simulation check)


def ensure_user(session: Session, name: str, role: str, agency: str) -> None:
    """Add ``name`` unless the store has that user already (the caller commits)."""
    if session.scalar(select(User).where(User.name == name)) is None:
        add_user(session, name, role, agency, acting=name)


def run_pilot_round(
    workspace: Workspace,
    store: Store,
    settings: Settings,
    options: RoundOptions = RoundOptions(),  # frozen, so a safe default
    *,
    step: Callable[[str], None] | None = None,
) -> PilotRound:
    """Triage, pilot, warn, a later takedown, and the evaluation (see the module doc)."""
    say = step or (lambda _msg: None)
    o = options
    catalogue = load_catalogue(catalogue_path(workspace.root))
    agencies = workspace_agencies(workspace.root)
    with store.session() as s:
        ensure_user(s, o.analyst, "analyst", o.agency)
        ensure_user(s, o.supervisor, "supervisor", o.agency)
        s.commit()
    say(f"triage as {o.analyst} (analyst)")
    policies = load_policy_set(workspace.root, catalogue)
    with store.session() as s:
        triaged = run_triage(s, read_profiles(workspace), policies, agencies, o.analyst)
        s.commit()
    say(f"pilot of {o.intervention} in {o.agency}, frozen and assigned by {o.supervisor}")
    with store.session() as s:
        pilot = create_pilot(
            s,
            o.supervisor,
            name=f"{o.intervention}-pilot-{o.seed}",
            intervention=o.intervention,
            arms=arms_for_control(o.control),
            strata=("risk_band",),
            seed=o.seed,
            agency=o.agency,
            catalogue=catalogue,
        )
        s.commit()
        assign_pilot(s, workspace, o.supervisor, pilot.id)
        s.commit()
        pilot_id = pilot.id
    own = workspace.root / "config" / "templates"
    templates = Templates(own if own.is_dir() else None)
    say(f"campaign for the treatment arm by {o.analyst}, approved by {o.supervisor}")
    created = create_campaign(
        store,
        workspace,
        CampaignRequest(
            name=f"{o.intervention}-pilot-{o.seed}-treatment",
            intervention=o.intervention,
            channel="outbox",
            agency=o.agency,
            user=o.analyst,
            pilot_id=pilot_id,
            arm="treatment",
        ),
        catalogue=catalogue,
        agencies=agencies,
        templates=templates,
        facts=lambda ids: facts_for(workspace, ids),
    )
    approve_campaign(
        store, created.id, o.supervisor, catalogue=catalogue, reason="fits the pilot design"
    )
    say(f"sending campaign {created.id} to the outbox")
    content = Content(
        templates, lambda ids: facts_for(workspace, ids), agencies[o.agency], o.intervention
    )
    channel = create_channel("outbox", workspace, ChannelConfig())
    sent = Sender(store, channel, content, SendOptions(), user=o.supervisor).send(created.id)
    followup, seized_on, reachable = _later_takedown(workspace, store, pilot_id, created.id, o)
    say(f"a later takedown ({followup.returned} pilot members came back); ingesting it")
    ingest(
        workspace,
        IngestRequest(
            paths=(followup.path,),
            platform="rebootd",
            kind="booter",
            seized_on=seized_on.date(),
            agency=settings.agency,
        ),
        settings,
    )
    say("resolving the persons again, with the later takedown")
    resolve(workspace, store, ResolveOptions())
    say("evaluating the pilot")
    itt = evaluate_pilot(store, workspace, pilot_id, grace_days=0, as_of=seized_on)
    among = _evaluate_reachable(store, workspace, pilot_id, created.id, reachable, seized_on)
    with store.session() as s:
        allocated = dict(
            s.execute(
                select(PilotAssignment.arm, func.count())
                .where(PilotAssignment.pilot_id == pilot_id)
                .group_by(PilotAssignment.arm)
            ).all()
        )
    return PilotRound(
        triaged=len(triaged.items),
        pilot_id=pilot_id,
        campaign_id=created.id,
        allocated=allocated,
        sent=sent.counts["sent"],
        outbox=workspace.outbox,
        followup=followup,
        seized_on=seized_on,
        evaluation=itt,
        reachable=among,
    )


def _later_takedown(
    workspace: Workspace, store: Store, pilot_id: int, campaign_id: int, o: RoundOptions
) -> tuple[Followup, datetime, frozenset[str]]:
    """Draw the later platform from the pilot members' arms and start times."""
    with store.session() as s:
        members = list(
            s.execute(
                select(PilotAssignment.person_id, PilotAssignment.t0).where(
                    PilotAssignment.pilot_id == pilot_id
                )
            ).all()
        )
        warned = set(
            s.scalars(
                select(Message.person_id).where(
                    Message.campaign_id == campaign_id, Message.status == "sent"
                )
            )
        )
    ids = [p for p, _ in members]
    emails = vault_emails(workspace, ids)
    facts = facts_for(workspace, ids)
    started = [t0 for _, t0 in members if t0 is not None]
    if not started:
        raise RuntimeError(f"pilot {pilot_id}: no member has a start time after sending")
    seized_on = max(started) + timedelta(days=o.follow_days)
    persons = [
        FollowupPerson(
            person_id=p,
            email=emails[p][0],
            username=facts[p].username if p in facts else p.lower(),
            country=facts[p].country if p in facts else None,
            treated=p in warned,
            t0=t0,
        )
        for p, t0 in members
        if p in emails and t0 is not None
    ]
    followup = generate_followup(
        workspace.root / "followup",
        persons,
        seed=o.seed,
        hazard_ratio=o.hazard_ratio,
        base_rate=o.base_rate,
        seized_on=seized_on,
    )
    return followup, seized_on, frozenset(p.person_id for p in persons)


def _evaluate_reachable(
    store: Store,
    workspace: Workspace,
    pilot_id: int,
    campaign_id: int,
    reachable: frozenset[str],
    as_of: datetime,
) -> PilotEvaluation:
    """The pilot's evaluation among the members with an e-mail address."""
    with store.session() as s:
        pilot = s.get(Pilot, pilot_id)
        assert pilot is not None
        info = PilotInfo(pilot.id, pilot.name, pilot.agency, pilot.intervention, pilot.state)
        table = load_reoffending(s, workspace, pilot_id, grace_days=0, as_of=as_of)
        arms = dict(
            s.execute(
                select(PilotAssignment.person_id, PilotAssignment.arm).where(
                    PilotAssignment.pilot_id == pilot_id
                )
            ).all()
        )
        sent = set(
            s.scalars(
                select(Message.person_id).where(
                    Message.campaign_id == campaign_id, Message.status == "sent"
                )
            )
        )
    table = dataclasses.replace(
        table,
        rows=tuple(r for r in table.rows if r.person_id in reachable),
        excluded=tuple(e for e in table.excluded if e.person_id in reachable),
    )
    allocated: dict[str, int] = {}
    reached: dict[str, int] = {}
    for person in reachable:
        arm = arms[person]
        allocated[arm] = allocated.get(arm, 0) + 1
        if person in sent:
            reached[arm] = reached.get(arm, 0) + 1
    return analyse(info, table, allocated, reached)
