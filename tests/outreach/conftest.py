"""Fixtures of the sending tests: a real SMTP server on loopback, a seeded case store.

The SMTP server is aiosmtpd, started in a thread by the test; its handler records every
message and can be told how to answer (4xx, 5xx, a slow reply) per Message-ID.
"""

from __future__ import annotations

import asyncio
import email
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from intercop.access import add_user
from intercop.casework.agencies import Agency, load_agencies
from intercop.casework.interventions import Intervention, load_catalogue
from intercop.outreach.audience import CampaignRequest
from intercop.outreach.campaigns import create_campaign
from intercop.outreach.facts import Facts
from intercop.outreach.render import Templates
from intercop.outreach.sender import Content
from intercop.outreach.summary import CampaignSummary
from intercop.store import Store, open_store
from intercop.store.base import utc_now
from intercop.store.models import Case, Contact
from intercop.workspace import Workspace
from tests.conftest import service_missing
from tests.store.backends import BACKENDS, case_store_url

#: countries of the synthetic persons, in turn: gives nl, ja, pt-BR, de and en messages
COUNTRIES = ("NL", "JP", "BR", "DE", "GB")

Reply = Callable[[str, int], str | None]  # (message id, times seen) -> SMTP reply or None


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it accepted and answers as scripted."""

    reply: Reply | None = None
    rcpt_reply: Callable[[str], str | None] = lambda address: None
    rcpt_delay: Callable[[int], float] = lambda n: 0.0
    pipelining: bool = False  # advertise PIPELINING (RFC 2920), as Postfix and Exim do
    data_delay: float = 0.0
    accepted: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    rcpts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    async def handle_EHLO(
        self, server: Any, session: Session, envelope: Envelope, hostname: str,
        responses: list[str],
    ) -> list[str]:  # fmt: skip
        session.host_name = hostname
        if self.pipelining:  # aiosmtpd reads commands in order from its stream
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        self.rcpts += 1
        delay = self.rcpt_delay(self.rcpts)
        if delay:
            await asyncio.sleep(delay)
        refusal = self.rcpt_reply(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        msg = email.message_from_bytes(raw, policy=default)
        assert isinstance(msg, EmailMessage)
        mid = str(msg["Message-ID"])
        with self.lock:
            self.seen[mid] = self.seen.get(mid, 0) + 1
            answer = self.reply(mid, self.seen[mid]) if self.reply else None
        if answer is not None:
            return answer
        if self.data_delay:
            # accept, then answer too late: the client cannot know it was accepted
            self._keep(msg, envelope)
            await asyncio.sleep(self.data_delay)
            return "250 OK"
        self._keep(msg, envelope)
        return "250 OK"

    def _keep(self, msg: EmailMessage, envelope: Envelope) -> None:
        with self.changed:
            self.accepted.append(msg)
            self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
            self.changed.notify_all()

    def count(self) -> int:
        with self.lock:
            return len(self.accepted)

    def wait_for(self, n: int, timeout: float = 60.0) -> bool:
        """Block until ``n`` messages were accepted (a condition, not a sleep)."""
        with self.changed:
            return self.changed.wait_for(lambda: len(self.accepted) >= n, timeout=timeout)

    def ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.accepted]


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: Recorder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=["lockstep", "pipelining"])
def smtp_server(request: pytest.FixtureRequest) -> Iterator[SmtpServer]:
    """A plain SMTP server on loopback recording what it accepts (with and without
    PIPELINING, so both dialogues of the SMTP channel are tested)."""
    handler = Recorder(pipelining=request.param == "pipelining")
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, handler)
    finally:
        controller.stop()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 made with the openssl command line."""
    openssl = shutil.which("openssl")
    if openssl is None:
        service_missing("openssl is not installed (needed for a test certificate)")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [str(openssl), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


USERS = {"mailer": "s3cret-pass"}


def _authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    if isinstance(auth_data, LoginPassword):
        ok = USERS.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False)
    return AuthResult(success=False, handled=False)


@pytest.fixture
def tls_smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """An SMTP server that requires STARTTLS and then AUTH (LOGIN/PLAIN)."""
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Recorder()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_require_tls=True,
        auth_required=True,
        authenticator=_authenticate,
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, handler)
    finally:
        controller.stop()


# -- the case store, users, cases and a campaign ------------------------------------------


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, workspace: Workspace) -> Iterator[Store]:
    with case_store_url(request.param, workspace) as url, open_store(workspace, url) as opened:
        yield opened


def person_id(n: int) -> str:
    return f"PER-{n:06d}"


def synthetic_facts(ids: Sequence[str]) -> Mapping[str, Facts]:
    """Facts of synthetic persons: only the number in the id varies them."""
    out = {}
    for pid in ids:
        n = int(pid.rsplit("-", 1)[1])
        out[pid] = Facts(
            person_id=pid,
            platform="QuantumStress",
            platforms=("QuantumStress",),
            username=f"user{n}",
            registered=date(2023, 1 + n % 12, 1),
            masked_ip="85.144.x.x",
            accounts=1,
            attacks=n % 50,
            logins=n % 9,
            payments=n % 3,
            country=COUNTRIES[n % len(COUNTRIES)],
            languages=("en",) if COUNTRIES[n % len(COUNTRIES)] == "GB" else (),
            minor_now=False,
        )
    return out


@dataclass
class Seeded:
    store: Store
    workspace: Workspace
    agency: Agency
    catalogue: dict[str, Intervention]
    templates: Templates
    persons: list[str]

    def content(self, intervention: str = "warning_email") -> Content:
        return Content(self.templates, synthetic_facts, self.agency, intervention)

    def create(self, channel: str = "smtp", name: str = "W1", **kw: Any) -> CampaignSummary:
        request = CampaignRequest(
            name=name, intervention=kw.pop("intervention", "warning_email"), channel=channel,
            agency="NL", user=kw.pop("user", "ana"), **kw,
        )  # fmt: skip
        return create_campaign(
            self.store, self.workspace, request, catalogue=self.catalogue,
            agencies=load_agencies(), templates=self.templates, facts=synthetic_facts,
        )  # fmt: skip


def seed(
    store: Store,
    workspace: Workspace,
    n: int,
    *,
    intervention: str = "warning_email",
    contact_kind: str = "email",
    no_address: Sequence[int] = (),
    minors: Sequence[int] = (),
) -> Seeded:
    """Users ana (analyst), olga (officer), sam and sue (supervisors) of NL, and n cases."""
    persons = [person_id(i) for i in range(1, n + 1)]
    with store.session() as session:
        for name, role in (("ana", "analyst"), ("olga", "officer"), ("sam", "supervisor"),
                           ("sue", "supervisor")):  # fmt: skip
            add_user(session, name, role, "NL")
        now = utc_now()
        for i, pid in enumerate(persons, start=1):
            session.add(Case(person_id=pid, agency="NL", state="recommended",
                             intervention=intervention, reasons="[]",
                             country=COUNTRIES[i % len(COUNTRIES)], minor=i in minors,
                             created_at=now, updated_at=now, updated_by="ana"))  # fmt: skip
            if i in no_address:
                continue
            value = (
                f"user{i}@example.org"
                if contact_kind == "email"
                else (
                    f"Dorpsstraat {i}\n1234 AB Utrecht" if contact_kind == "postal" else f"acct-{i}"
                )
            )
            session.add(Contact(person_id=pid, agency="NL", kind=contact_kind,
                                recipient=f"Person {i}", value=value, source="test",
                                created_by="ana", created_at=now))  # fmt: skip
        session.commit()
    return Seeded(store, workspace, load_agencies()["NL"], load_catalogue(), Templates(), persons)


@pytest.fixture(scope="session")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A small resolved workspace (persons, profiles, e-mail identifiers); copy before use."""
    from intercop.evidence.ingest import IngestRequest, ingest
    from intercop.identity.resolve import ResolveOptions, resolve
    from intercop.settings import Settings
    from intercop.synth import generate_takedowns
    from intercop.workspace import init_workspace

    root = tmp_path_factory.mktemp("resolved")
    scenario = generate_takedowns(root / "scenario", seed=3, scale=0.3)
    ws = init_workspace(root / "ws")
    for f in scenario.files:
        request = IngestRequest(paths=(scenario.out / f.path,), platform=f.platform,
                                kind=f.kind, seized_on=f.seized_on)  # fmt: skip
        ingest(ws, request, Settings())
    with open_store(ws, f"sqlite:///{root / 'resolve.db'}") as scratch:
        resolve(ws, scratch, ResolveOptions())
    return ws


@pytest.fixture
def resolved_copy(resolved: Workspace, tmp_path: Path) -> Workspace:
    """A private copy of ``resolved`` (its own outbox and case store)."""
    target = tmp_path / "ws"
    shutil.copytree(resolved.root, target, ignore=shutil.ignore_patterns("cases.db*"))
    return Workspace(target)
