"""The outbox, webhook and letter channels on their own."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from intercop.casework.agencies import load_agencies
from intercop.outreach.channels import (
    ChannelConfig,
    ChannelError,
    Delivery,
    Envelope,
    create_channel,
)
from intercop.outreach.channels.outbox import OutboxChannel
from intercop.outreach.channels.webhook import SIGNATURE_HEADER, WebhookChannel, verify
from intercop.outreach.render import Rendered
from intercop.workspace import Workspace

SECRET = b"partner-secret-of-32-bytes-long!"


def envelope(n: int = 1, to: str = "jan@example.org") -> Envelope:
    rendered = Rendered("ja", "あなたのアカウント", "本文です。", "<html><p>本文です。</p></html>")
    return Envelope(message_id=f"<c1.m{n}.abcdef01@prevention.nl.example>", to=to,
                    rendered=rendered, recipient_kind="person", person_id=f"PER-{n:06d}",
                    campaign="1", agency=load_agencies()["NL"], ref=f"c1.m{n}")  # fmt: skip


def test_outbox_is_a_maildir_and_idempotent(workspace: Workspace) -> None:
    channel = create_channel("outbox", workspace, ChannelConfig())
    channel.open()
    assert channel.delivered(envelope().message_id) is False
    assert channel.deliver(envelope()).sent
    assert channel.deliver(envelope()).sent
    channel.flush()  # the file reaches new/ (fsynced) by the flush the sender makes
    files = list((workspace.outbox / "new").iterdir())
    assert len(files) == 1 and not list((workspace.outbox / "tmp").iterdir())
    assert channel.delivered(envelope().message_id)
    # a mail reader moves it to cur/ with flags: still known as delivered
    files[0].rename(workspace.outbox / "cur" / f"{files[0].name}:2,S")
    assert channel.delivered(envelope().message_id)
    channel.open()  # the next run
    assert channel.deliver(envelope()).sent and not list((workspace.outbox / "new").iterdir())
    assert isinstance(channel, OutboxChannel)


class Partner(BaseHTTPRequestHandler):
    answers: ClassVar[list[int]] = []
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    seen_keys: ClassVar[set[str]] = set()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = verify(SECRET, body, self.headers[SIGNATURE_HEADER], now=int(time.time()))
        status = 401 if not ok else (self.answers.pop(0) if self.answers else 200)
        key = self.headers["Idempotency-Key"]
        if status == 200 and key not in self.seen_keys:
            self.seen_keys.add(key)
            self.received.append((dict(self.headers), body))
        self.send_response(status)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def partner() -> Iterator[str]:
    Partner.answers, Partner.received, Partner.seen_keys = [], [], set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Partner)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/warnings"
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_signs_and_sends_the_idempotency_key(partner: str) -> None:
    channel = WebhookChannel(partner, SECRET)
    assert channel.deliver(envelope()).sent
    ((headers, body),) = Partner.received
    assert headers["Idempotency-Key"] == envelope().message_id
    doc = json.loads(body)
    assert doc["subject"] == "あなたのアカウント" and doc["recipient"] == "jan@example.org"
    assert "person_id" not in doc


def test_webhook_classifies_status_codes(partner: str) -> None:
    channel = WebhookChannel(partner, SECRET)
    Partner.answers = [429, 503, 404]
    assert channel.deliver(envelope(1)).delivery is Delivery.TRANSIENT
    assert channel.deliver(envelope(2)).delivery is Delivery.TRANSIENT
    assert channel.deliver(envelope(3)).delivery is Delivery.PERMANENT


def test_webhook_with_the_wrong_secret_is_refused(partner: str) -> None:
    result = WebhookChannel(partner, b"not the partner's secret").deliver(envelope())
    assert result.delivery is Delivery.PERMANENT and "401" in result.detail


def test_webhook_needs_url_and_secret(workspace: Workspace) -> None:
    with pytest.raises(ChannelError, match="--webhook-url"):
        create_channel("webhook", workspace, ChannelConfig(webhook_secret=SECRET))
    with pytest.raises(ChannelError, match="INTERCOP_WEBHOOK_SECRET"):
        create_channel("webhook", workspace, ChannelConfig(webhook_url="http://127.0.0.1/"))


def test_unreachable_partner_is_transient() -> None:
    result = WebhookChannel("http://127.0.0.1:9/", SECRET, timeout=2).deliver(envelope())
    assert result.delivery is Delivery.TRANSIENT


def test_letters_one_pdf_each_and_a_print_file(workspace: Workspace, tmp_path: Path) -> None:
    channel = create_channel("letter", workspace, ChannelConfig(letters_dir=tmp_path / "l"))
    channel.open()
    for n in (1, 2):
        env = envelope(n)
        lines = ("Person 1", "Dorpsstraat 1", "1234 AB Utrecht")
        env = Envelope(**{**env.__dict__, "address_lines": lines})
        assert channel.deliver(env).sent and channel.delivered(env.message_id)
    channel.finish("1")
    folder = tmp_path / "l" / "1"
    pdfs = sorted(p.name for p in folder.glob("*.pdf"))
    assert len(pdfs) == 3 and "print-1.pdf" in pdfs
    assert (folder / "print-1.pdf").read_bytes().startswith(b"%PDF")


def test_unknown_channel(workspace: Workspace) -> None:
    with pytest.raises(ChannelError, match="unknown channel"):
        create_channel("pigeon", workspace, ChannelConfig())
