"""The receiving end of server-to-server exchange: who is calling, and the receipt.

``authenticate_peer`` admits a request only from a registered agency whose registered
key signed it, addressed to this server's agency, within the time window, with a nonce
not seen before (``peer_nonces``; nonces older than twice the window are pruned, as
their timestamps would be refused anyway). ``receive_bundle`` imports a bundle through
``bundles.import_referral`` as the agency's service user and is idempotent: the same
bundle again answers the first receipt with status ``already imported``, so a sender
that lost the answer may safely retry.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intercop.audit import record
from intercop.exchange.bundles import import_referral
from intercop.exchange.envelope import parse
from intercop.exchange.errors import ExchangeError
from intercop.exchange.keys import agency_code, verify_key
from intercop.exchange.signatures import WINDOW, PeerAuthError, SignedRequest, verify_request
from intercop.store.base import utc_now
from intercop.store.models import ExchangeAgency, PeerNonce, ReceivedBundle, User
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

#: the role of the service user that imports bundles arriving over HTTP
SERVICE_ROLE = "officer"
IMPORTED = "imported"
ALREADY = "already imported"


def service_user_name(agency: str) -> str:
    """The name of ``agency``'s exchange service user, e.g. ``exchange.fi``."""
    return f"exchange.{agency_code(agency).lower()}"


def service_user(session: Session, agency: str) -> User:
    """``agency``'s service user, created on first use (no password: it cannot sign in).

    Created by the system, not through ``access.add_user`` (which needs an admin): it
    exists only to attribute imports over HTTP in the audit log. The caller commits.
    """
    name = service_user_name(agency)
    user = session.scalar(select(User).where(User.name == name))
    if user is not None:
        return user
    user = User(name=name, role=SERVICE_ROLE, agency=agency_code(agency), active=True,
                created_by="system")  # fmt: skip
    session.add(user)
    record(session, "system", "user.add", agency=user.agency, object_type="user",
           object_id=name, detail={"role": SERVICE_ROLE, "service": "exchange"})  # fmt: skip
    session.flush()
    log.info("created the exchange service user %s", name)
    return user


def authenticate_peer(
    session: Session,
    signed: SignedRequest,
    *,
    own_agency: str,
    method: str,
    path: str,
    body: bytes,
    now: datetime | None = None,
) -> ExchangeAgency:
    """The registered agency that signed this request; refused (``PeerAuthError``) otherwise.

    The nonce is remembered in the caller's transaction: commit it even if what follows
    fails, so that the same request cannot be replayed.
    """
    at = now or utc_now()
    own = agency_code(own_agency)
    if signed.receiver != own:
        raise PeerAuthError(f"the request is addressed to {signed.receiver}; this is {own}")
    agency = session.get(ExchangeAgency, signed.sender)
    if agency is None or agency.sign_public is None:
        raise PeerAuthError(f"agency {signed.sender} is not registered with a signing key here")
    verify_request(signed, verify_key(agency.sign_public), method=method, path=path, body=body,
                   now=at)  # fmt: skip
    session.execute(delete(PeerNonce).where(PeerNonce.seen_at < at - 2 * WINDOW))
    session.add(PeerNonce(agency=signed.sender, nonce=signed.nonce, seen_at=at))
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise PeerAuthError(f"nonce {signed.nonce} was used before (a replayed request)") from exc
    return agency


@dataclass(frozen=True)
class Receipt:
    """What the receiver answers for a bundle it holds (signed by the web edge)."""

    bundle_id: str
    case_id: int | None
    received_at: datetime
    status: str  # IMPORTED | ALREADY
    sender: str
    receiver: str
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "received_at": self.received_at.isoformat()}


def _receipt(row: ReceivedBundle, status: str) -> Receipt:
    return Receipt(row.bundle_id, row.case_id, row.imported_at, status, row.sender,
                   row.recipient, row.sha256)  # fmt: skip


def _earlier(session: Session, bundle_id: str, sha256: str) -> Receipt | None:
    """The receipt of a bundle imported before, if it is this very bundle."""
    row = session.scalar(select(ReceivedBundle).where(ReceivedBundle.bundle_id == bundle_id))
    if row is None:
        return None
    if row.sha256 != sha256:
        raise ExchangeError(
            f"bundle {bundle_id} was imported before with other content (replay or tampering)",
            hint="Export the referral again: a new bundle gets a new id",
        )
    return _receipt(row, ALREADY)


def receive_bundle(
    workspace: Workspace,
    session: Session,
    data: bytes,
    *,
    peer: str,
    agency: str,
    now: datetime | None = None,
) -> Receipt:
    """Import the bundle ``data`` sent by ``peer`` for ``agency``; commits on success."""
    _, header = parse(data)
    if header.sender != peer:
        raise ExchangeError(
            f"a bundle of {header.sender} sent by {peer}: an agency sends only its own bundles"
        )
    digest = hashlib.sha256(data).hexdigest()
    earlier = _earlier(session, header.bundle_id, digest)
    if earlier is not None:
        log.info("bundle %s from %s: already imported", header.bundle_id, peer)
        return earlier
    user = service_user(session, agency)
    session.commit()  # the import may roll back on a race; the service user stays
    with tempfile.TemporaryDirectory(prefix="intercop-inbox-") as folder:
        path = Path(folder) / f"{header.bundle_id}.icb"
        path.write_bytes(data)
        try:
            done = import_referral(workspace, session, path, agency, user.name, now=now)
        except ExchangeError:
            # a concurrent request of the same bundle may have imported it meanwhile
            session.rollback()
            earlier = _earlier(session, header.bundle_id, digest)
            if earlier is None:
                raise
            return earlier
    session.commit()
    row = session.scalar(select(ReceivedBundle).where(ReceivedBundle.bundle_id == done.bundle_id))
    assert row is not None  # just committed
    return _receipt(row, IMPORTED)
