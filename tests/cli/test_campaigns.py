"""Campaigns through the real command line, on a resolved workspace, SQLite and PostgreSQL.

The issue's acceptance commands (users, triage, create, preview, approve, send over a
real SMTP server on loopback, status), the four-eyes refusals, cancel, contact import,
bounces, and letter and webhook campaigns end to end. One resolved workspace is built
per module from the shared ``ingested`` vault; each test works on a copy of it.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import mailbox
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.message import Message as Headers
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from typer.testing import CliRunner

from intercop.access import AccessError
from intercop.casework.agencies import workspace_agencies
from intercop.cli.app import app
from intercop.cli.context import STATE
from intercop.errors import InputError
from intercop.evidence.ingest import IngestResult
from intercop.identity.resolve import ResolveOptions, resolve
from intercop.outreach.facts import facts_for
from intercop.outreach.render import Templates
from intercop.outreach.sender import SendError
from intercop.outreach.summary import CampaignError
from intercop.store import open_store
from intercop.store.models import Case, Contact, Message
from intercop.workspace import Workspace, init_workspace, open_workspace
from tests.outreach.conftest import SmtpServer, smtp_server
from tests.outreach.test_bounces import dsn
from tests.store.backends import BACKENDS, case_store_url

__all__ = ["smtp_server"]

WEBHOOK_SECRET = "partner-secret-for-the-cli-test"


@pytest.fixture(scope="module")
def resolved_base(
    tmp_path_factory: pytest.TempPathFactory, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> Workspace:
    """The shared ingested vault resolved into persons and profiles, once per module."""
    workspace = init_workspace(tmp_path_factory.mktemp("cli_campaigns") / "ws")
    shutil.rmtree(workspace.vault)
    workspace.vault.symlink_to(ingested[0].vault, target_is_directory=True)
    resolve(workspace, None, ResolveOptions())
    return workspace


@dataclass
class Home:
    """A private copy of the resolved workspace that the CLI works on."""

    workspace: Workspace
    url: str
    runner: CliRunner = field(default_factory=CliRunner)
    triage: Any = None  # what ``intercop triage --json`` printed

    def run(self, *args: str, user: str | None = None) -> tuple[int, str, BaseException | None]:
        """Invoke ``intercop`` (as INTERCOP_USER ``user``): exit code, stdout, exception."""
        env = {"INTERCOP_USER": user} if user else {}
        done = self.runner.invoke(app, ["--workspace", str(self.workspace.root), *args], env=env)
        return done.exit_code, done.stdout, done.exception

    def ok(self, *args: str, user: str | None = None) -> str:
        """Invoke ``intercop`` and insist that it succeeded; its stdout."""
        code, stdout, exc = self.run(*args, user=user)
        assert code == 0 and exc is None, f"intercop {' '.join(args)}: {exc!r}\n{stdout}"
        return stdout

    def json(self, *args: str, user: str | None = None) -> Any:
        """Invoke ``intercop ... --json`` and parse what it printed."""
        return json.loads(self.ok(*args, "--json", user=user))

    def refused(self, *args: str, user: str | None = None) -> BaseException:
        """Invoke ``intercop``, insist that it failed, and return the error."""
        code, _, exc = self.run(*args, user=user)
        assert code != 0 and exc is not None, f"intercop {' '.join(args)} should fail"
        return exc

    def messages(self, campaign: int) -> list[Message]:
        """The message rows of a campaign, by id."""
        with open_store(self.workspace, self.url) as store, store.session() as session:
            return list(
                session.scalars(
                    select(Message).where(Message.campaign_id == campaign).order_by(Message.id)
                )
            )


@pytest.fixture(params=BACKENDS)
def home(
    request: pytest.FixtureRequest,
    resolved_base: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Home]:
    """A copy of the resolved workspace with users ana (analyst), olga (officer), sam and
    sue (supervisors) of NL, triaged as ana: the agency's cases are recommended."""
    shutil.copytree(resolved_base.root, tmp_path / "ws", symlinks=True)
    workspace = open_workspace(tmp_path / "ws")
    monkeypatch.setattr(STATE, "workspace_path", None)
    monkeypatch.delenv("INTERCOP_USER", raising=False)
    with case_store_url(request.param, workspace) as url:
        monkeypatch.setenv("INTERCOP_DATABASE_URL", url)
        home = Home(workspace, url)
        for name, role in (("ana", "analyst"), ("olga", "officer"), ("sam", "supervisor"),
                           ("sue", "supervisor")):  # fmt: skip
            home.ok("user", "add", name, "--role", role, "--agency", "NL")
        home.triage = home.json("triage", user="ana")
        yield home


def nl_cases(home: Home, intervention: str) -> list[Case]:
    """The NL cases recommended for ``intervention`` by triage."""
    with open_store(home.workspace, home.url) as store, store.session() as session:
        return list(
            session.scalars(
                select(Case)
                .where(Case.agency == "NL", Case.intervention == intervention)
                .order_by(Case.person_id)
            )
        )


def create(home: Home, name: str, intervention: str, channel: str, user: str = "ana") -> Any:
    """``intercop campaign create`` for NL; the created campaign as JSON."""
    return home.json("campaign", "create", "--name", name, "--intervention", intervention,
                     "--channel", channel, "--agency", "NL", "--user", user)  # fmt: skip


def expected_subject(home: Home, intervention: str, row: Message) -> str:
    """The subject the person of ``row`` should get, rendered in their own locale."""
    facts = facts_for(home.workspace, [row.person_id])[row.person_id]
    agency = workspace_agencies(home.workspace.root)["NL"]
    rendered = Templates().render(intervention, row.locale, facts=facts, agency=agency,
                                  recipient=row.recipient_kind)  # fmt: skip
    return rendered.subject


# -- the acceptance commands ----------------------------------------------------------------


def test_acceptance_commands_over_a_real_smtp_server(home: Home, smtp_server: SmtpServer) -> None:
    triage = home.triage
    routed = Counter(
        r["person_id"] for r in triage["recommendations"]
        if r["agency"] == "NL" and r["intervention"] == "warning_email"
    )  # fmt: skip
    assert len(routed) >= 5 and set(routed.values()) == {1}

    created = create(home, "W1", "warning_email", "smtp")
    campaign = created["id"]
    assert created["state"] == "draft" and created["created_by"] == "ana"
    assert created["messages"] + created["excluded"] == len(routed)
    assert created["messages"] >= 5 and len(created["audience_hash"]) == 64
    assert {e["reason"] for e in created["exclusions"]} <= {"no address for the smtp channel"}
    rows = home.messages(campaign)
    assert {r.person_id for r in rows} <= set(routed) and len(rows) == created["messages"]
    assert "nl" in {r.locale for r in rows}

    shown = home.ok("campaign", "preview", str(campaign), "--locale", "nl", user="ana")
    assert shown.count("Subject: Je account op") == 3 and "***@" in shown
    assert all(r.address not in shown for r in rows)  # addresses are masked

    approved = home.ok("campaign", "approve", str(campaign), "--user", "sam")
    assert "Approved" in approved and "approved" in approved

    report = home.json("campaign", "send", str(campaign), "--smtp-host", smtp_server.host,
                       "--smtp-port", str(smtp_server.port), user="sam")  # fmt: skip
    assert report["sent"] == len(rows) and report["finished"] is True
    assert report["failed"] == report["in_doubt"] == 0
    assert report["by_locale"] == dict(sorted(Counter(r.locale for r in rows).items()))

    status = home.json("campaign", "status", str(campaign), user="sam")
    assert status["state"] == "sent" and status["by_status"] == {"sent": len(rows)}
    assert status["approved_by"] == "sam" and status["in_doubt"] == []

    # what the server received: one well-formed message per person, in their language
    got = smtp_server.handler.accepted
    assert len(got) == len(rows)
    by_id = {r.message_id: r for r in rows}
    assert sorted(smtp_server.handler.ids()) == sorted(by_id)
    recipients = [rcpt for _, rcpts in smtp_server.handler.envelopes for rcpt in rcpts]
    assert sorted(recipients) == sorted(r.address for r in rows)
    agency = workspace_agencies(home.workspace.root)["NL"]
    for message in got:
        row = by_id[str(message["Message-ID"])]
        assert message["To"].addresses[0].addr_spec == row.address
        assert message["From"].addresses[0].addr_spec == agency.sender
        assert str(message["Content-Language"]) == row.locale
        assert str(message["Subject"]) == expected_subject(home, "warning_email", row)
        assert message["Auto-Submitted"] == "auto-generated"
        assert str(message["X-InterCOP-Ref"]) == f"c{campaign}.m{rows.index(row) + 1}"
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",))
        assert text is not None and text.get_content_charset() == "utf-8"
        if row.locale == "nl":
            assert str(message["Subject"]).startswith("Je account op")
            assert "Je staat geregistreerd als gebruiker van" in text.get_content()

    # sending again delivers nothing twice
    again = home.json("campaign", "send", str(campaign), "--smtp-host", smtp_server.host,
                      "--smtp-port", str(smtp_server.port), user="sam")  # fmt: skip
    assert again["sent"] == 0 and smtp_server.handler.count() == len(rows)
    contacted = {c.person_id for c in nl_cases(home, "warning_email") if c.state == "contacted"}
    assert contacted == {r.person_id for r in rows}


# -- four eyes, roles, cancel -----------------------------------------------------------------


def test_four_eyes_and_roles_refuse_approvals(home: Home) -> None:
    by_ana = create(home, "W1", "warning_email", "outbox")["id"]
    exc = home.refused("campaign", "approve", str(by_ana), "--user", "ana")
    assert isinstance(exc, AccessError) and "campaign.approve" in str(exc)
    exc = home.refused("campaign", "approve", str(by_ana), "--user", "olga")
    assert isinstance(exc, AccessError) and "campaign.approve" in str(exc)
    status = home.json("campaign", "status", str(by_ana), user="ana")
    assert status["state"] == "draft" and status["approved_by"] is None

    home.ok("campaign", "cancel", str(by_ana), "--reason", "wrong audience", "--user", "ana")
    by_sam = create(home, "W2", "warning_email", "outbox", user="sam")
    assert by_sam["messages"] == status["messages"]  # a cancelled draft reached nobody
    exc = home.refused("campaign", "approve", str(by_sam["id"]), "--user", "sam")
    assert isinstance(exc, CampaignError) and "four eyes" in str(exc)
    approved = home.json("campaign", "approve", str(by_sam["id"]), "--user", "sue")
    assert approved["state"] == "approved" and approved["approved_by"] == "sue"
    exc = home.refused("campaign", "send", str(by_sam["id"]), user="ana")
    assert isinstance(exc, AccessError) and "campaign.send" in str(exc)


def test_cancel_stops_a_campaign(home: Home) -> None:
    campaign = create(home, "W1", "warning_email", "outbox")["id"]
    home.ok("campaign", "approve", str(campaign), "--user", "sam")
    cancelled = home.json("campaign", "cancel", str(campaign), "--reason", "postponed",
                          "--user", "sam")  # fmt: skip
    assert cancelled["state"] == "cancelled"
    exc = home.refused("campaign", "send", str(campaign), user="sam")
    assert isinstance(exc, SendError) and "cancelled" in str(exc)
    new = home.workspace.outbox / "new"
    assert not new.exists() or not list(new.iterdir())
    exc = home.refused("campaign", "cancel", str(campaign), "--reason", "again", "--user", "sam")
    assert isinstance(exc, CampaignError) and "already cancelled" in str(exc)
    assert {r.status for r in home.messages(campaign)} == {"pending"}


# -- contacts, bounces ------------------------------------------------------------------------


def test_contact_import_checks_every_line(home: Home) -> None:
    pid = nl_cases(home, "warning_email")[0].person_id
    bad = home.workspace.root / "bad.csv"
    bad.write_text(
        "person_id,kind,recipient,value\n"
        f"{pid},email,,jan@example.org\n"
        f"{pid},fax,,0101\n"
        f"{pid},postal,,Dorpsstraat 1|1234 AB Utrecht\n"
        f"{pid},email,,not-an-address\n",
        encoding="utf-8",
    )
    exc = home.refused("contact", "import", str(bad), "--agency", "NL", "--user", "ana")
    assert isinstance(exc, InputError)
    message = str(exc)
    assert "3 bad line(s), nothing imported" in message and "bad.csv" in message
    assert "line 3: kind 'fax'" in message and "line 4:" in message and "line 5:" in message
    with open_store(home.workspace, home.url) as store, store.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0

    good = home.workspace.root / "good.csv"
    good.write_text(
        "person_id,kind,recipient,value\n"
        f"{pid},email,,Jan@Example.org\n"
        f'{pid},postal,Jan Jansen,"Dorpsstraat 1|1234 AB Utrecht"\n'
        f"{pid},webhook,,acct-77\n",
        encoding="utf-8",
    )
    done = home.json("contact", "import", str(good), "--agency", "NL", "--user", "ana")
    assert done["added"] == 3 and done["by_kind"] == {"email": 1, "postal": 1, "webhook": 1}
    with open_store(home.workspace, home.url) as store, store.session() as session:
        emails = list(session.scalars(select(Contact.value).where(Contact.kind == "email")))
    assert emails == ["jan@example.org"]
    # the imported address overrides the vault's
    created = create(home, "W1", "warning_email", "outbox")
    (row,) = [r for r in home.messages(created["id"]) if r.person_id == pid]
    assert row.address == "jan@example.org"


def test_bounces_read_suppresses_a_hard_bounce_once(home: Home) -> None:
    campaign = create(home, "W1", "warning_email", "outbox")["id"]
    home.ok("campaign", "approve", str(campaign), "--user", "sam")
    sent = home.json("campaign", "send", str(campaign), user="olga")
    outbox = list((home.workspace.outbox / "new").iterdir())
    assert len(outbox) == sent["sent"] >= 2
    first = message_from_bytes(sorted(outbox)[0].read_bytes(), policy=default)
    assert isinstance(first, EmailMessage)
    to, mid = first["To"].addresses[0].addr_spec, str(first["Message-ID"])
    box = mailbox.Maildir(home.workspace.root / "bounces", create=True)
    box.add(dsn(to, "5.1.1", message_id=mid))

    read = home.json("bounces", "read", user="olga")
    assert read["read"] == 1 and read["hard"] == 1 and read["suppressed"] == 1
    status = home.json("campaign", "status", str(campaign), user="ana")
    assert status["bounces"] == {"hard": 1}
    assert status["by_status"] == {"bounced": 1, "sent": sent["sent"] - 1}
    again = home.json("bounces", "read", user="olga")
    assert again["read"] == 0 and again["already_read"] == 1 and again["suppressed"] == 0
    home.refused("bounces", "read", user="ana")  # reading bounces needs campaign.send


# -- letters and webhooks end to end ----------------------------------------------------------


def _pdf_text(path: Path) -> str:
    return "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes()))
                           .pages).split())  # fmt: skip


def test_letter_campaign_writes_a_pdf_per_person_and_a_print_file(home: Home) -> None:
    intervention = "reboot_camp_invite"  # sent by letter; a minor's parents are written to
    cases = nl_cases(home, intervention)
    minors = {c.person_id for c in cases if c.minor}
    assert minors and len(cases) > len(minors), "the scenario needs minors and adults here"
    contacts = home.workspace.root / "postal.csv"
    lines = ["person_id,kind,recipient,value"]
    for n, c in enumerate(cases, start=1):
        who = f"Ouders van Persoon {n}" if c.person_id in minors else f"Persoon {n}"
        lines.append(f'{c.person_id},postal,{who},"Dorpsstraat {n}|1234 AB Utrecht"')
    contacts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    home.ok("contact", "import", str(contacts), "--agency", "NL", "--user", "ana")

    created = create(home, "L1", intervention, "letter")
    assert created["messages"] == len(cases) and created["excluded"] == 0
    home.ok("campaign", "approve", str(created["id"]), "--user", "sam")
    report = home.json("campaign", "send", str(created["id"]), user="olga")
    assert report["sent"] == len(cases) and report["finished"]

    rows = home.messages(created["id"])
    kinds = {r.person_id: r.recipient_kind for r in rows}
    assert kinds == {c.person_id: "parents" if c.person_id in minors else "person" for c in cases}
    folder = home.workspace.root / "letters" / str(created["id"])
    pdfs = sorted(p for p in folder.glob("*.pdf") if not p.name.startswith("print-"))
    assert len(pdfs) == len(rows)
    for row in rows:
        (pdf,) = [p for p in pdfs if p.stem == row.message_id.strip("<>").replace("@", "_")]
        text = _pdf_text(pdf)
        assert "".join(expected_subject(home, intervention, row).split()) in text
        assert "".join(row.address.split("\n")[0].split()) in text  # the name on the envelope
    parents_pdfs = [p for p in pdfs if "Oudersvan" in _pdf_text(p)]
    assert len(parents_pdfs) == len(minors)
    printed = PdfReader(io.BytesIO((folder / f"print-{created['id']}.pdf").read_bytes()))
    pages = sum(len(PdfReader(io.BytesIO(p.read_bytes())).pages) for p in pdfs)
    assert len(printed.pages) == pages


@dataclass
class Partner:
    """A partner's HTTP endpoint on loopback that keeps every request it got."""

    url: str
    received: list[tuple[Headers, bytes]]


@pytest.fixture
def partner() -> Iterator[Partner]:
    received: list[tuple[Headers, bytes]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                received.append((self.headers, body))  # names are case-insensitive
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Partner(f"http://127.0.0.1:{server.server_address[1]}/warnings", received)
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_campaign_posts_signed_json_once_per_person(
    home: Home, partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERCOP_WEBHOOK_SECRET", WEBHOOK_SECRET)
    cases = nl_cases(home, "warning_email")
    account = cases[0].person_id  # known to the partner by an account reference
    contacts = home.workspace.root / "partner.csv"
    contacts.write_text(f"person_id,kind,recipient,value\n{account},webhook,,acct-77\n")
    home.ok("contact", "import", str(contacts), "--agency", "NL", "--user", "ana")
    created = create(home, "G1", "warning_email", "webhook")
    home.ok("campaign", "approve", str(created["id"]), "--user", "sam")
    report = home.json("campaign", "send", str(created["id"]), "--webhook-url", partner.url,
                       user="olga")  # fmt: skip
    rows = home.messages(created["id"])
    assert report["sent"] == len(rows) == created["messages"] >= 5

    assert len(partner.received) == len(rows)
    by_id = {r.message_id: r for r in rows}
    keys = []
    for headers, body in partner.received:
        timestamp, _, signature = headers["X-InterCOP-Signature"].partition(",")
        t = timestamp.removeprefix("t=")
        mac = hmac.new(WEBHOOK_SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256)
        assert signature == f"v1={mac.hexdigest()}"
        doc = json.loads(body)
        keys.append(headers["Idempotency-Key"])
        assert headers["Idempotency-Key"] == doc["message_id"]
        row = by_id[doc["message_id"]]
        assert doc["recipient"] == row.address and doc["locale"] == row.locale
        assert doc["subject"] == expected_subject(home, "warning_email", row)
        assert row.person_id not in body.decode()  # no internal identifiers
    assert sorted(keys) == sorted(by_id)
    assert by_id[next(m for m, r in by_id.items() if r.person_id == account)].address == "acct-77"

    again = home.json("campaign", "send", str(created["id"]), "--webhook-url", partner.url,
                      user="olga")  # fmt: skip
    assert again["sent"] == 0 and len(partner.received) == len(rows)
