"""What commands report about a campaign: its counts, who was left out, and its errors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.errors import IntercopError
from intercop.store.models import Campaign, Message


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
