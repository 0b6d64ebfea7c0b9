"""The sender on the outbox: dry run, suppression, reconciling a killed run, rate limit."""

from __future__ import annotations

import os
from collections import Counter

from sqlalchemy import select, update

from intercop.outreach.campaigns import approve_campaign
from intercop.outreach.channels import ChannelConfig, create_channel
from intercop.outreach.ratelimit import Rate
from intercop.outreach.sender import Sender, SendOptions
from intercop.outreach.suppression import suppress
from intercop.store import Store
from intercop.store.models import AuditEntry, Message
from intercop.workspace import Workspace
from tests.outreach.conftest import Seeded, seed


def approved(store: Store, workspace: Workspace, n: int) -> tuple[Seeded, int]:
    seeded = seed(store, workspace, n)
    campaign = seeded.create("outbox").id
    approve_campaign(store, campaign, "sam", catalogue=seeded.catalogue)
    return seeded, campaign


def sender(seeded: Seeded, **options: object) -> Sender:
    channel = create_channel("outbox", seeded.workspace, ChannelConfig())
    return Sender(seeded.store, channel, seeded.content(), SendOptions(**options),  # type: ignore[arg-type]
                  user="olga")  # fmt: skip


def statuses(store: Store) -> Counter[str]:
    with store.session() as session:
        return Counter(session.scalars(select(Message.status)))


def test_dry_run_renders_everything_and_sends_nothing(store: Store, workspace: Workspace) -> None:
    seeded, campaign = approved(store, workspace, 5)
    report = sender(seeded, dry_run=True).send(campaign)
    assert report.counts["rendered"] == 5 and report.counts["sent"] == 0
    assert sum(report.by_locale.values()) == 5
    assert statuses(store) == Counter({"pending": 5})
    assert not (workspace.outbox / "new").exists() or not os.listdir(workspace.outbox / "new")


def test_suppressed_addresses_are_skipped(store: Store, workspace: Workspace) -> None:
    seeded, campaign = approved(store, workspace, 3)
    with store.session() as session:
        row = session.scalars(select(Message).order_by(Message.id)).first()
        assert row is not None
        suppress(session, row.address_hash, "opt_out", "test", "sam")
        session.commit()
    report = sender(seeded).send(campaign)
    assert report.counts["suppressed"] == 1 and report.counts["sent"] == 2
    assert len(os.listdir(workspace.outbox / "new")) == 2
    with store.session() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.send"))
        assert len(list(audit)) == 1


def test_rows_left_sending_are_reconciled(store: Store, workspace: Workspace) -> None:
    seeded, campaign = approved(store, workspace, 4)
    first = sender(seeded)
    first.send(campaign)
    # as if a run died: two rows 'sending', one of them never written to the outbox
    with store.session() as session:
        rows = list(session.scalars(select(Message).order_by(Message.id)))
        session.execute(update(Message).where(Message.id.in_([rows[0].id, rows[1].id]))
                        .values(status="sending"))  # fmt: skip
        session.commit()
    lost = workspace.outbox / "new" / rows[1].message_id.strip("<>").replace("@", "_")
    lost.unlink()
    report = sender(seeded).send(campaign)
    assert report.reconciled == Counter({"sent": 1, "pending": 1})
    assert report.counts["sent"] == 1 and statuses(store) == Counter({"sent": 4})
    assert len(os.listdir(workspace.outbox / "new")) == 4


def test_rate_limit_is_applied(store: Store, workspace: Workspace) -> None:
    seeded, campaign = approved(store, workspace, 5)
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    channel = create_channel("outbox", workspace, ChannelConfig())
    run = Sender(store, channel, seeded.content(), SendOptions(rate=Rate(2, 1.0)), user="olga",
                 clock=lambda: now[0], sleep=sleep)  # fmt: skip
    assert run.send(campaign).counts["sent"] == 5
    assert sum(slept) >= 2.0  # 5 messages at 2 a second: two waits of a second
