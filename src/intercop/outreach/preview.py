"""``intercop campaign preview``: sample messages of a campaign, rendered and not sent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from intercop.access import require
from intercop.outreach.addresses import mask
from intercop.outreach.sender import Content
from intercop.outreach.summary import get_campaign
from intercop.store import Store
from intercop.store.models import Message


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
