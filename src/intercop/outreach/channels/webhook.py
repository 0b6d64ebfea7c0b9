"""The webhook channel: a partner (e.g. a game company) receives each message as signed JSON.

``POST <url>`` with the JSON body, ``Idempotency-Key: <Message-ID>`` and
``X-InterCOP-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` under the
partner's secret. 2xx is delivered; 429 and 5xx are transient; other 4xx permanent.
Because the partner deduplicates on the idempotency key, sending again after a crash is
safe: the channel counts as idempotent although it cannot answer ``delivered``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from intercop.outreach.channels.base import (
    SENT,
    ChannelConfig,
    ChannelError,
    Delivery,
    Envelope,
    Result,
)
from intercop.workspace import Workspace

SIGNATURE_HEADER = "X-InterCOP-Signature"


def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    """The signature header value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: bytes, body: bytes, header: str, *, now: int, tolerance: int = 300) -> bool:
    """Whether ``header`` signs ``body`` under ``secret`` within ``tolerance`` seconds."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def payload(envelope: Envelope) -> bytes:
    """The JSON body: the message and its references, no internal identifiers."""
    r = envelope.rendered
    doc = {
        "message_id": envelope.message_id,
        "ref": envelope.ref,
        "agency": envelope.agency.code,
        "recipient": envelope.to,
        "recipient_kind": envelope.recipient_kind,
        "locale": r.locale,
        "subject": r.subject,
        "text": r.text,
        "html": r.html,
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()


class WebhookChannel:
    """Signed JSON POSTs to one partner URL."""

    name = "webhook"
    idempotent = True

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ChannelError(f"the webhook URL {url!r} is not an http(s) URL")
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.clock = clock

    @classmethod
    def build(cls, workspace: Workspace, config: ChannelConfig) -> WebhookChannel:
        """A webhook to ``config.webhook_url`` signed with ``config.webhook_secret``."""
        if not config.webhook_url:
            raise ChannelError(
                "the webhook channel needs the partner's URL", hint="Pass --webhook-url URL"
            )
        if not config.webhook_secret:
            raise ChannelError(
                "the webhook channel needs the partner's signing secret",
                hint="Set INTERCOP_WEBHOOK_SECRET",
            )
        return cls(config.webhook_url, config.webhook_secret, timeout=config.webhook_timeout)

    def open(self) -> None:
        """Nothing to open: one request per message."""

    def delivered(self, message_id: str) -> bool | None:
        return None  # the partner deduplicates on Idempotency-Key instead

    def flush(self) -> None:
        """Nothing to wait for: each delivery is complete when ``deliver`` returns."""

    def finish(self, campaign: str) -> None:
        """Nothing to do at the end of a campaign."""

    def close(self) -> None:
        """Nothing to close."""

    def deliver(self, envelope: Envelope) -> Result:
        body = payload(envelope)
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": envelope.message_id,
                SIGNATURE_HEADER: sign(self.secret, body, int(self.clock())),
                "User-Agent": "intercop-webhook/1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
            detail = f"HTTP {exc.code} {exc.reason}"
            exc.close()
            if status == 429 or status >= 500:
                return Result(Delivery.TRANSIENT, detail)
            return Result(Delivery.PERMANENT, detail)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            return Result(Delivery.TRANSIENT, f"{self.url}: {exc}")
        if 200 <= status < 300:
            return SENT
        return Result(Delivery.PERMANENT, f"HTTP {status}")
