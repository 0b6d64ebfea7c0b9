"""Signed HTTP requests and responses between two agencies' servers (Ed25519).

A request carries ``X-InterCOP-Agency`` (sender), ``X-InterCOP-To`` (receiver),
``X-InterCOP-Timestamp``, ``X-InterCOP-Nonce`` and ``X-InterCOP-Signature``; the
signature covers, one per line, a context string, the method, the path, both agencies,
the timestamp, the nonce and the SHA-256 of the body. The response is signed the same
way by the receiver, over its status, both agencies, the *request's* nonce, its own
timestamp and the SHA-256 of its body, so a receipt cannot be forged, altered, or
replayed from another request. This module is pure: keys, bytes and headers in and out;
who the keys belong to, and which nonces were seen, is the caller's business.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from intercop.exchange.errors import ExchangeError
from intercop.store.base import utc_now

REQUEST_CONTEXT = "intercop-peer-request-v1"
RESPONSE_CONTEXT = "intercop-peer-response-v1"
AGENCY = "X-InterCOP-Agency"
TO = "X-InterCOP-To"
TIMESTAMP = "X-InterCOP-Timestamp"
NONCE = "X-InterCOP-Nonce"
SIGNATURE = "X-InterCOP-Signature"
#: how far the two servers' clocks (and the transit) may differ
WINDOW = timedelta(minutes=5)
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CODE = re.compile(r"^[A-Z]{2}$")


class PeerAuthError(ExchangeError):
    """A peer request is unsigned, signed by an unknown or wrong key, stale or replayed."""

    hint = (
        "Register the sending agency and its keys (intercop agency add), check both "
        "servers' clocks, and never resend a request with the same nonce"
    )


class ReceiptError(ExchangeError):
    """A peer's response does not verify: it is not taken as a receipt."""

    hint = (
        "Check the peer's endpoint (intercop exchange endpoint) and its signing key "
        "fingerprint (intercop agency list) with the partner; the bundle stays pending"
    )


def body_digest(body: bytes) -> str:
    """Hex SHA-256 of a message body."""
    return hashlib.sha256(body).hexdigest()


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lines(*parts: str) -> bytes:
    return "\n".join(parts).encode("utf-8")


def request_string(
    method: str, path: str, sender: str, receiver: str, timestamp: str, nonce: str, body: bytes
) -> bytes:
    """The bytes a peer request's signature covers."""
    return _lines(REQUEST_CONTEXT, method.upper(), path, sender, receiver, timestamp, nonce,
                  body_digest(body))  # fmt: skip


def response_string(
    status: int, responder: str, requester: str, nonce: str, timestamp: str, body: bytes
) -> bytes:
    """The bytes a peer response's signature covers (``nonce`` is the request's)."""
    return _lines(RESPONSE_CONTEXT, str(status), responder, requester, nonce, timestamp,
                  body_digest(body))  # fmt: skip


def _signature(signing: SigningKey, message: bytes) -> str:
    return base64.b64encode(signing.sign(message).signature).decode("ascii")


def sign_request(
    signing: SigningKey,
    *,
    method: str,
    path: str,
    sender: str,
    receiver: str,
    body: bytes,
    now: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers that sign a request of ``sender`` to ``receiver``."""
    stamp = _stamp(now or utc_now())
    nonce = nonce or secrets.token_hex(16)
    message = request_string(method, path, sender, receiver, stamp, nonce, body)
    return {AGENCY: sender, TO: receiver, TIMESTAMP: stamp, NONCE: nonce,
            SIGNATURE: _signature(signing, message)}  # fmt: skip


def sign_response(
    signing: SigningKey,
    *,
    status: int,
    responder: str,
    requester: str,
    nonce: str,
    body: bytes,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers that sign a response to the request that carried ``nonce``."""
    stamp = _stamp(now or utc_now())
    message = response_string(status, responder, requester, nonce, stamp, body)
    return {AGENCY: responder, TIMESTAMP: stamp, NONCE: nonce,
            SIGNATURE: _signature(signing, message)}  # fmt: skip


@dataclass(frozen=True)
class SignedRequest:
    """The signature headers of a request, checked for shape (not yet trusted)."""

    sender: str
    receiver: str
    timestamp: str
    at: datetime
    nonce: str
    signature: bytes


def _header(headers: Mapping[str, str], name: str, error: type[ExchangeError]) -> str:
    value = headers.get(name) or headers.get(name.lower())
    if not value:
        raise error(f"the {name} header is missing")
    return value.strip()


def _when(stamp: str, error: type[ExchangeError]) -> datetime:
    try:
        at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise error(f"timestamp {stamp[:40]!r} is not YYYY-MM-DDTHH:MM:SSZ") from exc
    return at


def _raw_signature(text: str, error: type[ExchangeError]) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise error("the signature is not base64") from exc
    if len(raw) != 64:
        raise error("the signature is not an Ed25519 signature")
    return raw


def _fresh(at: datetime, now: datetime, error: type[ExchangeError]) -> None:
    if abs(now - at) > WINDOW:
        raise error(
            f"timestamp {_stamp(at)} is more than {int(WINDOW.total_seconds() // 60)} minutes "
            f"from this server's clock ({_stamp(now)})"
        )


def parse_request(headers: Mapping[str, str]) -> SignedRequest:
    """The signature headers of a request; refused (401) when one is missing or malformed."""
    sender = _header(headers, AGENCY, PeerAuthError).upper()
    receiver = _header(headers, TO, PeerAuthError).upper()
    if not (_CODE.match(sender) and _CODE.match(receiver)):
        raise PeerAuthError("the agency headers are not two-letter country codes")
    stamp = _header(headers, TIMESTAMP, PeerAuthError)
    nonce = _header(headers, NONCE, PeerAuthError)
    if not _NONCE.match(nonce):
        raise PeerAuthError("the nonce must be 16-64 letters, digits, '-' or '_'")
    signature = _raw_signature(_header(headers, SIGNATURE, PeerAuthError), PeerAuthError)
    return SignedRequest(sender, receiver, stamp, _when(stamp, PeerAuthError), nonce, signature)


def verify_request(
    signed: SignedRequest,
    key: VerifyKey,
    *,
    method: str,
    path: str,
    body: bytes,
    now: datetime | None = None,
) -> None:
    """Refuse unless the request is fresh and signed by ``key`` (the sender's registered key)."""
    _fresh(signed.at, now or utc_now(), PeerAuthError)
    message = request_string(method, path, signed.sender, signed.receiver, signed.timestamp,
                             signed.nonce, body)  # fmt: skip
    try:
        key.verify(message, signed.signature)
    except BadSignatureError as exc:
        raise PeerAuthError(
            f"the request signature does not verify under the registered key of {signed.sender}"
        ) from exc


def verify_response(
    headers: Mapping[str, str],
    key: VerifyKey,
    *,
    status: int,
    responder: str,
    requester: str,
    nonce: str,
    body: bytes,
    now: datetime | None = None,
) -> None:
    """Refuse unless the response comes from ``responder``'s ``key`` and answers ``nonce``."""
    agency = _header(headers, AGENCY, ReceiptError).upper()
    if agency != responder:
        raise ReceiptError(f"the response is signed as {agency[:16]!r}, expected {responder}")
    if _header(headers, NONCE, ReceiptError) != nonce:
        raise ReceiptError("the response answers another request (nonce differs)")
    stamp = _header(headers, TIMESTAMP, ReceiptError)
    _fresh(_when(stamp, ReceiptError), now or utc_now(), ReceiptError)
    signature = _raw_signature(_header(headers, SIGNATURE, ReceiptError), ReceiptError)
    try:
        key.verify(response_string(status, responder, requester, nonce, stamp, body), signature)
    except BadSignatureError as exc:
        raise ReceiptError(
            f"the response signature does not verify under the registered key of {responder}"
        ) from exc
