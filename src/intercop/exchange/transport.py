"""The sender's outbox of referral bundles and their delivery to partners' servers.

A bundle is *queued* in the same transaction that logs its disclosure, so it is either
both exported and queued, or neither. ``send_pending`` then posts each pending bundle
to the recipient's endpoint with a signed request (``exchange.signatures``) and takes
it as sent only on a receipt signed by the recipient's registered key that names this
very bundle. States: ``pending`` -> ``sent`` (receipt kept) | ``failed`` (the receiver's
signed refusal, or expired before delivery). Anything else - no connection, a timeout,
a 5xx, an unsigned or forged answer - leaves the bundle pending for the next ``push``.
Nothing is lost (a crash at any point leaves it pending) and nothing is doubled (the
receiver answers a bundle it already holds with ``already imported``).
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import require
from intercop.audit import record
from intercop.exchange.bundles import Exported, export_referral
from intercop.exchange.errors import ExchangeError
from intercop.exchange.keys import agency_code, load_keys, verify_key
from intercop.exchange.signatures import (
    AGENCY,
    NONCE,
    SIGNATURE,
    TIMESTAMP,
    ReceiptError,
    body_digest,
    sign_request,
    verify_response,
)
from intercop.settings import get_settings
from intercop.store.base import utc_now
from intercop.store.database import Store
from intercop.store.models import ExchangeAgency, OutgoingBundle
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

#: the receiving route of every InterCOP server (web/routes/exchange.py)
BUNDLES_PATH = "/api/v1/exchange/bundles"
CONTENT_TYPE = "application/vnd.intercop.referral+json"
#: answers worth retrying: the server may answer differently in a moment
TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how patiently, one run retries a transient failure."""

    attempts: int = 3
    first_delay: float = 0.5
    factor: float = 2.0
    timeout: float = 30.0

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        settings = get_settings()
        return cls(attempts=settings.exchange_retries, timeout=settings.exchange_timeout)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(self.first_delay * self.factor ** (attempt - 1))


@dataclass
class Peers:
    """How this server reaches its peers: an HTTP client and a retry policy."""

    client: httpx.Client | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy.from_settings)
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Delivery:
    """What one attempt to deliver one bundle came to."""

    bundle_id: str
    recipient: str
    state: str  # pending | sent | failed
    attempts: int
    error: str | None = None
    receipt: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def set_endpoint(session: Session, code: str, url: str, user: str | None) -> ExchangeAgency:
    """Record the base URL of agency ``code``'s server (``https://...``); the caller commits."""
    acting = require(session, user, "agency.manage")
    code = agency_code(code)
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query:
        raise ExchangeError(
            f"{url!r} is not a server's base URL",
            hint="Give it as https://host[:port][/prefix], as the partner told you",
        )
    agency = session.get(ExchangeAgency, code)
    if agency is None:
        raise ExchangeError(
            f"unknown agency {code}", hint=f"Register it: intercop agency add {code}"
        )
    endpoint = url.strip().rstrip("/")
    record(session, acting.name, "agency.endpoint", agency=code, object_type="agency",
           object_id=code, detail={"endpoint": endpoint, "previous": agency.endpoint})  # fmt: skip
    agency.endpoint = endpoint
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        log.warning("endpoint of %s is plain http: the bundle is sealed, but use https", code)
    return agency


def queue(session: Session, exported: Exported, user: str) -> OutgoingBundle:
    """Put an exported bundle in the outbox (pending); the caller commits."""
    data = exported.path.read_bytes()
    row = OutgoingBundle(
        bundle_id=exported.bundle_id, sender=exported.sender, recipient=exported.recipient,
        person_id=exported.person_id, sha256=exported.sha256, bundle=data.decode("utf-8"),
        state="pending", attempts=0, queued_by=user, queued_at=utc_now(),
        expires_at=exported.expires_at,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def export_and_queue(
    workspace: Workspace,
    session: Session,
    person_id: str,
    to_agency: str,
    user: str | None,
    reason: str | None = None,
    **options: Any,
) -> OutgoingBundle:
    """Export ``person_id``'s referral to ``to_agency`` straight into the outbox; commits."""
    with tempfile.TemporaryDirectory(prefix="intercop-send-") as folder:
        exported = export_referral(workspace, session, person_id, to_agency, user, reason,
                                   out=Path(folder) / "referral.icb", **options)  # fmt: skip
        row = queue(session, exported, require(session, user, "exchange.export").name)
        session.commit()
    return row


def outbox(session: Session, state: str | None = None) -> list[OutgoingBundle]:
    """The outbox, oldest first, optionally of one state."""
    query = select(OutgoingBundle).order_by(OutgoingBundle.id)
    if state is not None:
        query = query.where(OutgoingBundle.state == state)
    return list(session.scalars(query))


def outbox_json(row: OutgoingBundle) -> dict[str, Any]:
    """One outbox row as the CLI shows it (never the sealed bundle itself)."""
    receipt = json.loads(row.receipt) if row.receipt else None
    return {
        "bundle_id": row.bundle_id,
        "sender": row.sender,
        "recipient": row.recipient,
        "person_id": row.person_id,
        "state": row.state,
        "attempts": row.attempts,
        "queued_by": row.queued_by,
        "queued_at": row.queued_at.isoformat(),
        "expires_at": row.expires_at.isoformat(),
        "last_attempt_at": row.last_attempt_at.isoformat() if row.last_attempt_at else None,
        "last_error": row.last_error,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "receipt": json.loads(receipt["body"]) if receipt else None,
        "sha256": row.sha256,
    }


@dataclass(frozen=True)
class _Item:
    """What sending one bundle needs, read before any HTTP (no transaction stays open)."""

    bundle_id: str
    sender: str
    recipient: str
    sha256: str
    body: bytes
    endpoint: str
    sign_public: str


@dataclass(frozen=True)
class _Answer:
    """The outcome of posting once: a final state, or pending with a reason."""

    state: str
    error: str | None = None
    retry: bool = False
    receipt: dict[str, Any] | None = None
    signed: dict[str, Any] | None = None  # status, body and signature headers, as kept


def _read_answer(item: _Item, response: httpx.Response, nonce: str) -> _Answer:
    """Judge one HTTP answer: only a verified receipt or signed refusal is final."""
    status, peer = response.status_code, item.recipient
    if status in TRANSIENT:
        return _Answer("pending", f"{peer} answered {status}", retry=True)
    try:
        verify_response(response.headers, verify_key(item.sign_public), status=status,
                        responder=peer, requester=item.sender, nonce=nonce,
                        body=response.content)  # fmt: skip
    except ReceiptError as exc:
        return _Answer("pending", f"{peer} answered {status}, not accepted: {exc}")
    try:
        body = response.json()
    except ValueError:
        return _Answer("pending", f"{peer} answered {status} with a body that is not JSON")
    if not isinstance(body, dict):
        return _Answer("pending", f"{peer} answered {status} with a body that is not an object")
    kept = {
        "status": status,
        "body": response.text,
        "headers": {h: response.headers[h] for h in (AGENCY, TIMESTAMP, NONCE, SIGNATURE)},
    }
    if status == 200:
        expected = (item.bundle_id, item.sha256, peer, item.sender)
        got = (body.get("bundle_id"), body.get("sha256"), body.get("receiver"), body.get("sender"))
        if got != expected or body.get("status") not in ("imported", "already imported"):
            return _Answer("pending", f"the receipt of {peer} does not match the bundle")
        return _Answer("sent", receipt=body, signed=kept)
    if 400 <= status < 500 and status not in (401, 403):
        return _Answer("failed", f"refused by {peer}: {body.get('error', status)}", signed=kept)
    return _Answer("pending", f"{peer} answered {status}: {body.get('error', '')}")


def _post(
    item: _Item, workspace: Workspace, peers: Peers, client: httpx.Client
) -> tuple[_Answer, int]:
    """Post one bundle, retrying transient failures; the answer and the attempts made."""
    signing = load_keys(workspace, item.sender).signing
    url = item.endpoint + BUNDLES_PATH
    path = urlsplit(url).path
    answer = _Answer("pending", "not sent")
    made = 0
    for attempt in range(1, peers.policy.attempts + 1):
        made = attempt
        headers = sign_request(signing, method="POST", path=path, sender=item.sender,
                               receiver=item.recipient, body=item.body)  # fmt: skip
        try:
            response = client.post(url, content=item.body,
                                   headers={**headers, "content-type": CONTENT_TYPE})  # fmt: skip
            answer = _read_answer(item, response, headers[NONCE])
        except httpx.TransportError as exc:
            answer = _Answer("pending", f"{item.recipient} unreachable: {type(exc).__name__}: "
                             f"{exc}", retry=True)  # fmt: skip
        if not answer.retry or attempt == peers.policy.attempts:
            break
        log.info("bundle %s: %s; retrying", item.bundle_id, answer.error)
        peers.sleep(peers.policy.delay(attempt))
    return answer, made


def _prepare(session: Session, row: OutgoingBundle) -> _Item | str:
    """What sending ``row`` needs, or why it cannot be sent now (it stays pending)."""
    agency = session.get(ExchangeAgency, row.recipient)
    if agency is None or agency.sign_public is None:
        return f"agency {row.recipient} is not registered with keys: intercop agency add"
    if agency.endpoint is None:
        return (f"no endpoint for {row.recipient}: intercop exchange endpoint "
                f"{row.recipient} --url https://...")  # fmt: skip
    assert row.bundle is not None  # cleared only when sent
    return _Item(row.bundle_id, row.sender, row.recipient, row.sha256,
                 row.bundle.encode("utf-8"), agency.endpoint, agency.sign_public)  # fmt: skip


def _row(session: Session, bundle_id: str) -> OutgoingBundle:
    row = session.scalar(select(OutgoingBundle).where(OutgoingBundle.bundle_id == bundle_id))
    assert row is not None  # listed a moment ago; rows are never deleted
    return row


def _done(row: OutgoingBundle, receipt: dict[str, Any] | None = None) -> Delivery:
    return Delivery(row.bundle_id, row.recipient, row.state, row.attempts, row.last_error,
                    receipt)  # fmt: skip


def _deliver_one(
    workspace: Workspace, store: Store, bundle_id: str, peers: Peers, client: httpx.Client
) -> Delivery:
    with store.session() as session:
        row = _row(session, bundle_id)
        if row.state != "pending":  # another push got there first
            return _done(row)
        if row.expires_at <= utc_now():
            row.state, row.last_error = "failed", "expired before delivery: export it again"
            session.commit()
            return _done(row)
        item = _prepare(session, row)
        if isinstance(item, str):
            row.last_error = item
            session.commit()
            return _done(row)
        if body_digest(item.body) != item.sha256:
            row.state, row.last_error = "failed", "the queued bundle does not match its SHA-256"
            session.commit()
            return _done(row)
    answer, made = _post(item, workspace, peers, client)
    # the answer is written in a new transaction: a crash before it leaves the bundle
    # pending, and the next push gets "already imported"
    with store.session() as session:
        row = _row(session, bundle_id)
        row.attempts += made
        row.last_attempt_at = utc_now()
        row.last_error = answer.error
        if row.state == "pending" and answer.state != "pending":
            row.state = answer.state
            row.receipt = json.dumps(answer.signed, sort_keys=True) if answer.signed else None
            if answer.state == "sent":
                row.sent_at = row.last_attempt_at
                row.bundle = None  # delivered: keep only its hash
                record(session, row.queued_by, "exchange.send", agency=row.sender,
                       object_type="bundle", object_id=row.bundle_id,
                       detail={"recipient": row.recipient, "endpoint": item.endpoint,
                               "person_id": row.person_id, "receipt": answer.receipt},
                       origin="transport")  # fmt: skip
        session.commit()
        log.info("bundle %s to %s: %s", row.bundle_id, row.recipient, row.state)
        return _done(row, answer.receipt)


def send_pending(
    workspace: Workspace,
    store: Store,
    peers: Peers | None = None,
    *,
    only: str | None = None,
) -> list[Delivery]:
    """Try to deliver every pending bundle (or only bundle id ``only``); what became of each."""
    peers = peers or Peers()
    with store.session() as session:
        ids = [r.bundle_id for r in outbox(session, "pending") if only in (None, r.bundle_id)]
    own_client = peers.client is None
    client = peers.client or httpx.Client(timeout=peers.policy.timeout)
    try:
        return [_deliver_one(workspace, store, bundle_id, peers, client) for bundle_id in ids]
    finally:
        if own_client:
            client.close()
