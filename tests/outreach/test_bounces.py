"""Delivery status notifications from a bounce Maildir into bounces and suppressions."""

from __future__ import annotations

import mailbox
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from intercop.outreach.addresses import address_hash
from intercop.outreach.bounces import parse_report, read_bounces
from intercop.outreach.suppression import suppressed_hashes
from intercop.store import Store
from intercop.store.models import Bounce, Message
from intercop.workspace import Workspace
from tests.outreach.conftest import seed


def dsn(recipient: str, status: str, *, message_id: str = "", ref: str = "",
        action: str = "failed") -> bytes:  # fmt: skip
    original = "".join(
        f"{k}: {v}\n" for k, v in (("Message-ID", message_id), ("X-InterCOP-Ref", ref)) if v
    )
    return f"""From: MAILER-DAEMON@mx.example.org
To: cyber-prevention@prevention.nl.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {status[0]}50 {status} mailbox unavailable

--B
Content-Type: text/rfc822-headers

From: cyber-prevention@prevention.nl.example
To: {recipient}
Subject: Your account
{original}
--B--
""".encode()


def test_parse_a_dsn() -> None:
    (report,) = parse_report(dsn("jan@example.org", "5.1.1", message_id="<c1.m1.x@d>"))
    assert report.kind == "hard" and report.status == "5.1.1"
    assert report.recipient == "jan@example.org" and report.message_id == "<c1.m1.x@d>"
    assert parse_report(b"Subject: hello\n\nnot a report") == []


def sent_campaign(store: Store, workspace: Workspace) -> list[Message]:
    seeded = seed(store, workspace, 3)
    campaign = seeded.create("outbox").id
    with store.session() as session:
        rows = list(session.scalars(select(Message).where(Message.campaign_id == campaign)))
        for row in rows:
            row.status = "sent"
        session.commit()
    return rows


def test_hard_soft_and_read_once(store: Store, workspace: Workspace, tmp_path: Path) -> None:
    rows = sent_campaign(store, workspace)
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    box.add(dsn(rows[0].address, "5.1.1", message_id=rows[0].message_id))
    box.add(dsn("someone@else.example", "4.2.2", ref=rows[1].message_id[1:].split(".a")[0]))
    ref = ".".join(rows[1].message_id.strip("<").split(".")[:2])
    for _ in range(3):
        box.add(dsn(rows[1].address, "4.2.2", ref=ref))
    box.add(b"Subject: out of office\n\nI am away.")
    key = workspace.secret_key()
    run = read_bounces(store, tmp_path / "bounces", key, user="sam")
    assert run.read == 6 and run.kinds["hard"] == 1 and run.kinds["soft"] == 4
    assert run.kinds["unknown"] == 1
    with store.session() as session:
        status = dict(session.execute(select(Message.id, Message.status)).all())
        kinds = Counter(session.scalars(select(Bounce.kind)))
        suppressed = suppressed_hashes(session)
    assert status[rows[0].id] == "bounced" and status[rows[1].id] == "bounced"
    assert status[rows[2].id] == "sent"
    assert address_hash(key, rows[0].address) in suppressed  # hard: at once
    assert rows[1].address_hash in suppressed  # three soft bounces
    assert kinds == Counter({"soft": 4, "hard": 1, "unknown": 1})
    again = read_bounces(store, tmp_path / "bounces", key, user="sam")
    assert again.read == 0 and again.skipped == 6


def test_suppressed_addresses_are_left_out_of_the_next_campaign(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    rows = sent_campaign(store, workspace)
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    box.add(dsn(rows[0].address, "5.1.1", message_id=rows[0].message_id))
    read_bounces(store, tmp_path / "bounces", workspace.secret_key(), user="sam")
    with store.session() as session:
        for row in session.scalars(select(Message)):
            row.status = "failed"  # as if nobody had been reached
        session.commit()
    from intercop.casework.agencies import load_agencies
    from intercop.casework.interventions import load_catalogue
    from intercop.outreach.render import Templates
    from tests.outreach.conftest import Seeded

    seeded = Seeded(store, workspace, load_agencies()["NL"], load_catalogue(), Templates(),
                    [r.person_id for r in rows])  # fmt: skip
    second = seeded.create("outbox", name="W2")
    reasons = {e.person_id: e.reason for e in second.excluded}
    assert reasons == {rows[0].person_id: "suppressed address"}
    assert second.messages == 2
