"""``Peer()``: a route's declaration that its caller is another agency's server.

Like ``Public`` it admits no user, session or token; unlike it, it admits only a
request signed with the signing key of an agency registered in this case store,
addressed to this server's agency (``WebConfig.agency``, else ``INTERCOP_AGENCY``),
fresh (within 5 minutes) and with an unused nonce (``exchange.inbox``). Anything else
answers 401. The authorisation-matrix test reads this declaration from the route
table like ``Access`` and ``Public``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from intercop.exchange.inbox import authenticate_peer
from intercop.exchange.signatures import PeerAuthError, SignedRequest, parse_request
from intercop.settings import get_settings
from intercop.web.state import web_state
from intercop.web.viewer import NotSignedInError


class PeerNotAuthenticatedError(NotSignedInError):
    """A server-to-server request without a valid agency signature (401)."""

    hint = "Sign the request with the agency's key (see docs/exchange.md, Server to server)"


@dataclass(frozen=True)
class PeerCaller:
    """The authenticated peer of one request, with the exact body it signed."""

    agency: str  # the sending agency
    own_agency: str  # this server's agency, the request's addressee
    nonce: str
    body: bytes


def own_agency(request: Request) -> str:
    """The agency this server acts for."""
    return web_state(request).config.agency or get_settings().agency


def _authenticate(request: Request, signed: SignedRequest, body: bytes, own: str) -> None:
    with web_state(request).store.session() as session:
        authenticate_peer(session, signed, own_agency=own, method=request.method,
                          path=request.url.path, body=body)  # fmt: skip
        session.commit()  # the nonce is used now, whatever the handler does


class Peer:
    """Admit only a request signed by a registered agency's server (else 401)."""

    async def __call__(self, request: Request) -> PeerCaller:
        body = await request.body()
        own = own_agency(request)
        try:
            signed = parse_request(request.headers)
            await run_in_threadpool(_authenticate, request, signed, body, own)
        except PeerAuthError as exc:
            raise PeerNotAuthenticatedError(exc.message, hint=exc.hint) from exc
        return PeerCaller(signed.sender, own, signed.nonce, body)
