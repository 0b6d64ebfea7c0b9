"""Creating and approving campaigns: audience, exclusions, four eyes, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from intercop.access import AccessError
from intercop.outreach.campaigns import approve_campaign
from intercop.outreach.preview import preview_campaign
from intercop.outreach.render import TemplateError, Templates
from intercop.outreach.summary import CampaignError
from intercop.store import Store
from intercop.store.models import AuditEntry, Campaign, Case, Message
from intercop.workspace import Workspace
from tests.outreach.conftest import seed


def test_create_freezes_the_audience(store: Store, workspace: Workspace) -> None:
    seeded = seed(store, workspace, 6, no_address=(3,))
    created = seeded.create("smtp")
    assert created.state == "draft" and created.messages == 5
    assert [(e.person_id, e.reason) for e in created.excluded] == [
        ("PER-000003", "no address for the smtp channel")
    ]
    assert created.audience_hash and len(created.audience_hash) == 64
    with store.session() as session:
        rows = list(session.scalars(select(Message).order_by(Message.id)))
    assert {r.status for r in rows} == {"pending"}
    assert rows[0].message_id.startswith(f"<c{created.id}.m1.")
    assert {r.locale for r in rows} == {"ja", "pt-BR", "en", "nl"}


def test_the_same_persons_are_not_messaged_twice(store: Store, workspace: Workspace) -> None:
    seeded = seed(store, workspace, 3)
    seeded.create("outbox")
    with pytest.raises(CampaignError, match="3 x already messaged for warning_email"):
        seeded.create("outbox", name="W2")


def test_channel_must_be_allowed(store: Store, workspace: Workspace) -> None:
    seeded = seed(store, workspace, 2)
    with pytest.raises(CampaignError, match="may not be sent through letter"):
        seeded.create("letter")


def test_a_broken_template_stops_creation(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    seeded = seed(store, workspace, 2)
    own = tmp_path / "templates" / "warning_email"
    own.mkdir(parents=True)
    (own / "nl.txt").write_text("Subject: Hoi\n\nBeste {{ nickname }},\n")
    seeded.templates = Templates(tmp_path / "templates")
    with pytest.raises(TemplateError):
        seeded.create("outbox")
    with store.session() as session:
        assert session.scalar(select(Campaign.id)) is None


def test_strict_refuses_persons_without_address(store: Store, workspace: Workspace) -> None:
    seeded = seed(store, workspace, 3, no_address=(2,))
    with pytest.raises(CampaignError, match="no usable address"):
        seeded.create("outbox", strict=True)


def test_minor_parents_need_a_looked_up_address(store: Store, workspace: Workspace) -> None:
    seeded = seed(store, workspace, 3, intervention="warning_letter", contact_kind="email",
                  minors=(1,))  # fmt: skip
    with pytest.raises(CampaignError, match="nobody to message"):
        seeded.create("letter", intervention="warning_letter")


def test_four_eyes_and_roles(store: Store, workspace: Workspace) -> None:
    seeded = seed(store, workspace, 3)
    created = seeded.create("outbox", user="sam")
    with pytest.raises(AccessError, match=r"campaign\.approve"):
        approve_campaign(store, created.id, "olga", catalogue=seeded.catalogue)
    with pytest.raises(CampaignError, match="four eyes"):
        approve_campaign(store, created.id, "sam", catalogue=seeded.catalogue)
    approved = approve_campaign(store, created.id, "sue", catalogue=seeded.catalogue)
    assert approved.state == "approved" and approved.approved_by == "sue"
    with store.session() as session:
        assert set(session.scalars(select(Case.state))) == {"approved"}
        actions = list(session.scalars(select(AuditEntry.action)))
        assert actions.count("campaign.approve") == 1 and "case.approved" not in actions
        # and the database itself refuses a self-approval
        with pytest.raises(IntegrityError):
            session.execute(update(Campaign).values(approved_by=Campaign.created_by))
            session.flush()


def test_analyst_cannot_approve(store: Store, workspace: Workspace) -> None:
    seeded = seed(store, workspace, 2)
    created = seeded.create("outbox", user="sam")
    with pytest.raises(AccessError):
        approve_campaign(store, created.id, "ana", catalogue=seeded.catalogue)


def test_preview_renders_in_the_locale_asked(store: Store, workspace: Workspace) -> None:
    seeded = seed(store, workspace, 5)
    created = seeded.create("outbox")
    samples = preview_campaign(store, created.id, "ana", seeded.content(), locale="ja", count=2)
    assert len(samples) == 2 and {s.locale for s in samples} == {"ja"}
    assert all(s.to.startswith("u***@") for s in samples)
    with store.session() as session:
        assert set(session.scalars(select(Message.status))) == {"pending"}
