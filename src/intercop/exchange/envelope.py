"""The referral bundle file (``.icb``): a signed JSON envelope around a sealed payload.

Layout (docs/exchange.md)::

    {"format": "intercop-referral", "version": 1, "bundle_id": UUID4,
     "sender": "NL", "recipient": "FI", "sender_key": FINGERPRINT,
     "created_at": ISO-8601 UTC, "expires_at": ISO-8601 UTC,
     "handling": "H0".."H3", "tlp": "clear|green|amber|amber+strict|red",
     "payload": base64(NaCl SealedBox to the recipient's X25519 key),
     "signature": base64(Ed25519 over CONTEXT + canonical JSON of all the other fields)}

The signature covers the sealed payload as it is on disk, so a changed byte anywhere
fails verification before anything is decrypted; the payload repeats sender, recipient
and bundle id, so a valid sealed payload cannot be re-wrapped under another header.
This module is pure: bytes and keys in, bytes and dicts out.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

from intercop.exchange.errors import ExchangeError
from intercop.store.models import HANDLING_CODES, TLP_LABELS

FORMAT = "intercop-referral"
VERSION = 1
#: domain separation: a signature over a bundle can never pass for one over anything else
CONTEXT = b"intercop-referral-v1\n"
HEADER_FIELDS = (
    "format", "version", "bundle_id", "sender", "recipient", "sender_key",
    "created_at", "expires_at", "handling", "tlp",
)  # fmt: skip
#: fields the payload repeats from the header; they must agree
BOUND_FIELDS = ("bundle_id", "sender", "recipient")


def canonical(value: Any) -> bytes:
    """The one byte form of a JSON value that is signed (sorted keys, no spaces, UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Header:
    """The clear, signed part of a bundle: who to whom, when, and how to handle it."""

    bundle_id: str
    sender: str
    recipient: str
    sender_key: str
    created_at: datetime
    expires_at: datetime
    handling: str
    tlp: str

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "bundle_id": self.bundle_id,
            "sender": self.sender,
            "recipient": self.recipient,
            "sender_key": self.sender_key,
            "created_at": _iso(self.created_at),
            "expires_at": _iso(self.expires_at),
            "handling": self.handling,
            "tlp": self.tlp,
        }


def seal(header: Header, payload: dict[str, Any], signing: SigningKey, to: PublicKey) -> bytes:
    """The bundle file's bytes: ``payload`` sealed to ``to``, everything signed by ``signing``."""
    inner = {**payload, **{k: header.as_json()[k] for k in BOUND_FIELDS}}
    sealed = SealedBox(to).encrypt(canonical(inner))
    envelope: dict[str, Any] = {**header.as_json(), "payload": base64.b64encode(sealed).decode()}
    signature = signing.sign(CONTEXT + canonical(envelope)).signature
    envelope["signature"] = base64.b64encode(signature).decode()
    return canonical(envelope) + b"\n"


def _not_a_bundle(why: str) -> ExchangeError:
    return ExchangeError(
        f"not a referral bundle: {why}",
        hint="Pass a file written by `intercop exchange export`; if it was, it was damaged "
        "in transit: ask the sender for it again",
    )


def _time(envelope: dict[str, Any], name: str) -> datetime:
    try:
        at = datetime.fromisoformat(str(envelope[name]).replace("Z", "+00:00"))
    except ValueError as exc:
        raise _not_a_bundle(f"{name} is not a timestamp") from exc
    if at.tzinfo is None:
        raise _not_a_bundle(f"{name} has no time zone")
    return at.astimezone(UTC)


def parse(data: bytes) -> tuple[dict[str, Any], Header]:
    """The envelope of a bundle file and its header, checked for shape (not yet trusted)."""
    try:
        envelope = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _not_a_bundle("the file is not JSON") from exc
    if not isinstance(envelope, dict):
        raise _not_a_bundle("the file is not a JSON object")
    missing = [f for f in (*HEADER_FIELDS, "payload", "signature") if f not in envelope]
    if missing:
        raise _not_a_bundle(f"missing {', '.join(missing)}")
    unknown = sorted(set(envelope) - {*HEADER_FIELDS, "payload", "signature"})
    if unknown:
        raise _not_a_bundle(f"unknown fields {', '.join(unknown)}")
    if envelope["format"] != FORMAT:
        raise _not_a_bundle(f"format is {envelope['format']!r}")
    if envelope["version"] != VERSION:
        raise ExchangeError(
            f"bundle format version {envelope['version']!r}; this version reads {VERSION}",
            hint="Upgrade intercop, or ask the sender to export with a matching version",
        )
    if not all(isinstance(envelope[f], str) for f in (*HEADER_FIELDS[2:], "payload")):
        raise _not_a_bundle("a header field is not text")
    try:
        bundle_id = str(uuid.UUID(envelope["bundle_id"]))
    except ValueError as exc:
        raise _not_a_bundle("bundle_id is not a UUID") from exc
    if envelope["handling"] not in HANDLING_CODES or envelope["tlp"] not in TLP_LABELS:
        raise _not_a_bundle("unknown handling code or TLP label")
    header = Header(
        bundle_id=bundle_id,
        sender=envelope["sender"],
        recipient=envelope["recipient"],
        sender_key=envelope["sender_key"],
        created_at=_time(envelope, "created_at"),
        expires_at=_time(envelope, "expires_at"),
        handling=envelope["handling"],
        tlp=envelope["tlp"],
    )
    return envelope, header


def verify(envelope: dict[str, Any], key: VerifyKey) -> None:
    """Refuse unless the envelope's signature verifies under the sender's registered ``key``."""
    body = {k: v for k, v in envelope.items() if k != "signature"}
    try:
        signature = base64.b64decode(str(envelope["signature"]), validate=True)
        key.verify(CONTEXT + canonical(body), signature)
    except (BadSignatureError, binascii.Error, ValueError) as exc:
        raise ExchangeError(
            "signature does not verify (tampered or wrong sender key)",
            hint="Do not use the file; ask the sender for it again and compare the signing "
            "key fingerprint with `intercop agency list`",
        ) from exc


def open_payload(envelope: dict[str, Any], header: Header, key: PrivateKey) -> dict[str, Any]:
    """The decrypted payload, refused unless ``key`` opens it and it agrees with ``header``."""
    try:
        sealed = base64.b64decode(str(envelope["payload"]), validate=True)
        inner = json.loads(SealedBox(key).decrypt(sealed).decode("utf-8"))
    except (CryptoError, binascii.Error, ValueError) as exc:
        raise ExchangeError(
            f"the payload cannot be decrypted with the key of {header.recipient}",
            hint="It was sealed to another key: check that the sender registered this "
            "agency's current encryption key",
        ) from exc
    expected = {k: header.as_json()[k] for k in BOUND_FIELDS}
    if not isinstance(inner, dict) or {k: inner.get(k) for k in BOUND_FIELDS} != expected:
        raise ExchangeError(
            "the payload does not match its header (re-wrapped or tampered)",
            hint="Do not use the file; report it to the sending agency",
        )
    return inner
