"""Server to server: another agency's server delivers a referral bundle.

``POST /api/v1/exchange/bundles`` takes the bundle file as the body, from a peer
authenticated by ``Peer()`` (a request signed with its agency key), imports it for this
server's agency (``exchange.inbox.receive_bundle``) and answers a receipt, or a
refusal, signed with this agency's key so that the sender can trust it. The route is
left out of the OpenAPI schema: no token reaches it, only a signing key does; its
protocol is documented in docs/exchange.md.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from intercop.audit import origin_scope
from intercop.exchange.bundles import record_refusal
from intercop.exchange.errors import ExchangeError, KeyFileError
from intercop.exchange.inbox import receive_bundle
from intercop.exchange.keys import load_keys
from intercop.exchange.signatures import sign_response
from intercop.web.peers import Peer, PeerCaller
from intercop.web.state import client_origin, db_session, web_state

log = logging.getLogger(__name__)

router = APIRouter()

Caller = Annotated[PeerCaller, Depends(Peer())]
DbSession = Annotated[Session, Depends(db_session)]


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()


@router.post("/api/v1/exchange/bundles", include_in_schema=False)
def receive(request: Request, peer: Caller, session: DbSession) -> Response:
    """Import a bundle a peer sends; answer the signed receipt (idempotent)."""
    workspace = web_state(request).workspace
    try:
        signing = load_keys(workspace, peer.own_agency).signing
    except KeyFileError:
        log.error("cannot sign receipts: no keys of %s in %s", peer.own_agency, workspace.root)
        body = _json({"error": "this server cannot sign receipts yet; try later", "status": 503})
        return Response(body, status_code=503, media_type="application/json")
    with origin_scope(f"{client_origin(request)} peer {peer.agency}"):
        try:
            receipt = receive_bundle(workspace, session, peer.body, peer=peer.agency,
                                     agency=peer.own_agency)  # fmt: skip
            status, data = 200, receipt.as_json()
        except ExchangeError as exc:
            session.rollback()
            log.warning("bundle from %s refused: %s", peer.agency, exc.message)
            record_refusal(session, None, peer.own_agency, f"from {peer.agency}", exc.message)
            status, data = 422, {"error": str(exc), "status": 422}
    body = _json(data)
    headers = sign_response(signing, status=status, responder=peer.own_agency,
                            requester=peer.agency, nonce=peer.nonce, body=body)  # fmt: skip
    return Response(body, status_code=status, media_type="application/json", headers=headers)
