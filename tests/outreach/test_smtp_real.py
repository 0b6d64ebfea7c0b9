"""Sending through a real SMTP server on loopback (aiosmtpd) and checking what it got."""

from __future__ import annotations

from collections import Counter
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from intercop.outreach.campaigns import approve_campaign
from intercop.outreach.channels import ChannelConfig, ChannelError
from intercop.outreach.channels.smtp import SmtpChannel
from intercop.outreach.sender import Sender, SendOptions, SendReport
from intercop.store import Store
from intercop.store.models import Case, Message
from intercop.workspace import Workspace
from tests.outreach.conftest import USERS, Seeded, SmtpServer, seed

FAST = SendOptions(backoff=0.01, backoff_max=0.02)


def ready(store: Store, workspace: Workspace, n: int = 10) -> tuple[Seeded, int]:
    seeded = seed(store, workspace, n)
    created = seeded.create("smtp")
    approve_campaign(store, created.id, "sam", catalogue=seeded.catalogue)
    return seeded, created.id


def send(
    seeded: Seeded, campaign: int, server: SmtpServer, options: SendOptions = FAST, **cfg: object
) -> SendReport:
    config = ChannelConfig(smtp_host=server.host, smtp_port=server.port, smtp_timeout=2.0,
                           **cfg)  # type: ignore[arg-type]  # fmt: skip
    sender = Sender(seeded.store, SmtpChannel(config), seeded.content(), options, user="olga",
                    sleep=lambda s: None)  # fmt: skip
    return sender.send(campaign)


def statuses(store: Store, campaign: int) -> Counter[str]:
    with store.session() as session:
        return Counter(session.scalars(select(Message.status).where(
            Message.campaign_id == campaign)))  # fmt: skip


def test_each_person_gets_one_well_formed_message(
    store: Store, workspace: Workspace, smtp_server: SmtpServer
) -> None:
    seeded, campaign = ready(store, workspace, 10)
    report = send(seeded, campaign, smtp_server)
    assert report.counts["sent"] == 10 and report.finished
    got = smtp_server.handler.accepted
    recipients = [rcpt for _, rcpts in smtp_server.handler.envelopes for rcpt in rcpts]
    assert sorted(recipients) == sorted(f"user{i}@example.org" for i in range(1, 11))
    assert len(set(smtp_server.handler.ids())) == 10
    by_locale = {str(m["Content-Language"]): m for m in got}
    assert {"nl", "ja", "pt-BR", "de", "en"} <= set(by_locale)
    # on the wire the Japanese subject is RFC 2047 encoded, and decodes to Japanese
    wire = by_locale["ja"].as_bytes().decode("ascii")
    folded = wire.split("\nSubject: ", 1)[1]
    line = folded.split("\n")[0]
    for cont in folded.split("\n")[1:]:
        if not cont.startswith((" ", "\t")):
            break
        line += cont
    assert "=?utf-8?b?" in line.lower() and line.isascii()
    subject = str(make_header(decode_header(line)))
    assert subject == str(by_locale["ja"]["Subject"])
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in subject)
    for m in got:
        assert m.get_content_type() == "multipart/alternative"
        parts = [p.get_content_type() for p in m.iter_parts()]
        assert parts == ["text/plain", "text/html"]
        assert all(p.get_content_charset() == "utf-8" for p in m.iter_parts())
        assert m["Auto-Submitted"] == "auto-generated"
        assert str(m["X-InterCOP-Ref"]).startswith(f"c{campaign}.m")
        assert "PER-" not in str(m["X-InterCOP-Ref"])
        assert m["From"].addresses[0].addr_spec == seeded.agency.sender
        assert m["Reply-To"] and m["Date"]
        assert str(m["Message-ID"]).endswith(f"@{seeded.agency.sender.split('@')[1]}>")
    with store.session() as session:
        cases = session.scalars(select(Case.state)).all()
    assert set(cases) == {"contacted"}


def test_a_second_run_sends_nothing_again(
    store: Store, workspace: Workspace, smtp_server: SmtpServer
) -> None:
    seeded, campaign = ready(store, workspace, 4)
    send(seeded, campaign, smtp_server)
    again = send(seeded, campaign, smtp_server)
    assert again.counts["sent"] == 0
    assert smtp_server.handler.count() == 4


def test_4xx_is_retried_and_delivered_once(
    store: Store, workspace: Workspace, smtp_server: SmtpServer
) -> None:
    seeded, campaign = ready(store, workspace, 3)
    smtp_server.handler.reply = lambda mid, seen: "451 4.3.0 try again later" if seen == 1 else None
    report = send(seeded, campaign, smtp_server)
    assert report.counts["sent"] == 3 and report.retries == 3
    assert sorted(Counter(smtp_server.handler.ids()).values()) == [1, 1, 1]
    with store.session() as session:
        attempts = session.scalars(select(Message.attempts)).all()
    assert attempts == [2, 2, 2]


def test_persistent_4xx_defers_for_the_next_run(
    store: Store, workspace: Workspace, smtp_server: SmtpServer
) -> None:
    seeded, campaign = ready(store, workspace, 2)
    smtp_server.handler.reply = lambda mid, seen: "452 4.2.2 mailbox full"
    report = send(seeded, campaign, smtp_server)
    assert report.counts["deferred"] == 2 and not report.finished
    assert statuses(store, campaign) == Counter({"deferred": 2})
    smtp_server.handler.reply = None
    report = send(seeded, campaign, smtp_server)
    assert report.counts["sent"] == 2 and report.finished
    assert smtp_server.handler.count() == 2


def test_5xx_fails_without_doubling(
    store: Store, workspace: Workspace, smtp_server: SmtpServer
) -> None:
    seeded, campaign = ready(store, workspace, 3)
    first = None

    def refuse_first(mid: str, seen: int) -> str | None:
        nonlocal first
        first = first or mid
        return "550 5.1.1 no such user" if mid == first else None

    smtp_server.handler.reply = refuse_first
    report = send(seeded, campaign, smtp_server)
    assert report.counts["failed"] == 1 and report.counts["sent"] == 2
    assert smtp_server.handler.seen[first] == 1  # tried once, not retried
    with store.session() as session:
        failed = session.scalars(select(Message).where(Message.status == "failed")).one()
    assert failed.last_error and failed.last_error.startswith("550")
    assert smtp_server.handler.count() == 2


def test_a_refused_recipient_fails_and_the_others_go_through(
    store: Store, workspace: Workspace, smtp_server: SmtpServer
) -> None:
    seeded, campaign = ready(store, workspace, 4)
    answers = {"user2@example.org": "550 5.1.1 no such user",
               "user3@example.org": "451 4.7.1 greylisted"}  # fmt: skip
    smtp_server.handler.rcpt_reply = answers.get
    report = send(seeded, campaign, smtp_server)
    assert report.counts["sent"] == 2 and report.counts["failed"] == 1
    assert report.counts["deferred"] == 1 and report.retries == 2
    got = sorted(rcpt for _, rcpts in smtp_server.handler.envelopes for rcpt in rcpts)
    assert got == ["user1@example.org", "user4@example.org"]  # nothing empty was accepted
    with store.session() as session:
        rows = {m.address: m for m in session.scalars(select(Message))}
    assert rows["user2@example.org"].status == "failed"
    assert (rows["user2@example.org"].last_error or "").startswith("550")
    assert rows["user3@example.org"].status == "deferred"
    assert (rows["user3@example.org"].last_error or "").startswith("451")
    smtp_server.handler.rcpt_reply = lambda address: None
    again = send(seeded, campaign, smtp_server)
    assert again.counts["sent"] == 1 and smtp_server.handler.count() == 3


def test_a_slow_final_reply_is_in_doubt_not_resent(
    store: Store, workspace: Workspace, smtp_server: SmtpServer
) -> None:
    seeded, campaign = ready(store, workspace, 2)
    smtp_server.handler.data_delay = 3.0  # longer than the client's 2 s timeout
    report = send(seeded, campaign, smtp_server)
    assert report.counts["in_doubt"] == 2 and report.counts["sent"] == 0
    assert len(report.in_doubt) == 2
    assert statuses(store, campaign) == Counter({"in_doubt": 2})
    # the server did get them: resending would have doubled them
    assert smtp_server.handler.count() == 2
    smtp_server.handler.data_delay = 0.0
    again = send(seeded, campaign, smtp_server)
    assert again.counts["sent"] == 0 and smtp_server.handler.count() == 2


def test_a_timeout_before_the_data_is_retried(
    store: Store, workspace: Workspace, smtp_server: SmtpServer
) -> None:
    seeded, campaign = ready(store, workspace, 2)
    smtp_server.handler.rcpt_delay = lambda n: 3.0 if n == 1 else 0.0  # first RCPT times out
    report = send(seeded, campaign, smtp_server)
    # the timed-out transaction was tried again on a new connection: three RCPTs in all
    assert report.counts["sent"] == 2 and smtp_server.handler.rcpts == 3
    assert sorted(Counter(smtp_server.handler.ids()).values()) == [1, 1]


def test_starttls_and_auth(store: Store, workspace: Workspace, tls_smtp_server: SmtpServer) -> None:
    seeded, campaign = ready(store, workspace, 3)
    ((user, password),) = USERS.items()
    report = send(seeded, campaign, tls_smtp_server, smtp_user=user, smtp_password=password,
                  starttls=True, verify_tls=False)  # fmt: skip
    assert report.counts["sent"] == 3
    assert tls_smtp_server.handler.count() == 3


def test_a_wrong_password_stops_before_anything_is_sent(
    store: Store, workspace: Workspace, tls_smtp_server: SmtpServer
) -> None:
    seeded, campaign = ready(store, workspace, 2)
    with pytest.raises(ChannelError, match="refused the login"):
        send(seeded, campaign, tls_smtp_server, smtp_user="mailer", smtp_password="wrong",
             verify_tls=False)  # fmt: skip
    assert statuses(store, campaign) == Counter({"pending": 2})
    assert tls_smtp_server.handler.count() == 0


def test_required_starttls_refused_by_a_plain_server(
    store: Store, workspace: Workspace, smtp_server: SmtpServer
) -> None:
    seeded, campaign = ready(store, workspace, 1)
    with pytest.raises(ChannelError, match="does not offer STARTTLS"):
        send(seeded, campaign, smtp_server, starttls=True)
    assert smtp_server.handler.count() == 0


def test_one_connection_is_reused(
    store: Store, workspace: Workspace, smtp_server: SmtpServer
) -> None:
    seeded, campaign = ready(store, workspace, 5)
    channel = SmtpChannel(ChannelConfig(smtp_host=smtp_server.host, smtp_port=smtp_server.port))
    sender = Sender(seeded.store, channel, seeded.content(), FAST, user="olga")
    connects = []
    original = channel._connect

    def counting() -> object:
        connects.append(1)
        return original()

    channel._connect = counting  # type: ignore[method-assign]
    sender.send(campaign)
    assert len(connects) == 1 and smtp_server.handler.count() == 5


def test_envelope_is_pipelined_only_when_the_server_offers_it(
    store: Store, workspace: Workspace, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded, campaign = ready(store, workspace, 3)
    used: Counter[str] = Counter()
    for name in ("_envelope", "_envelope_pipelined"):
        original = getattr(SmtpChannel, name)

        def counting(self: SmtpChannel, *args: object, _f: object = original,
                     _n: str = name) -> object:  # fmt: skip
            used[_n] += 1
            return _f(self, *args)  # type: ignore[operator]

        monkeypatch.setattr(SmtpChannel, name, counting)
    assert send(seeded, campaign, smtp_server).counts["sent"] == 3
    expected = "_envelope_pipelined" if smtp_server.handler.pipelining else "_envelope"
    assert used == Counter({expected: 3})
