"""The secret agreed per exchange: loading, strength check, fingerprint and derived keys.

Invariants: the secret itself never appears in an output, a log or a repr; every key
used by the encoding is derived from it by HMAC-SHA256 with a distinct label, so the
keys of two fields (or of two purposes) are independent; the fingerprint is a hash of
a hash, so publishing it reveals nothing that helps to guess the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path

from intercop.exchange.pprl.errors import SecretError

#: shortest secret accepted, in bytes (256 bits)
MIN_SECRET_BYTES = 32
_LABEL = b"intercop/pprl/v1/"


def fingerprint_of(secret: bytes) -> str:
    """The public fingerprint of ``secret``: SHA-256 over a labelled SHA-256 of it."""
    inner = hashlib.sha256(_LABEL + b"secret\x00" + secret).digest()
    return hashlib.sha256(_LABEL + b"fingerprint\x00" + inner).hexdigest()


@dataclass(frozen=True)
class ExchangeSecret:
    """A secret of one exchange; compare encodings by ``fingerprint``, never by value."""

    value: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.value) < MIN_SECRET_BYTES:
            raise SecretError(
                f"the exchange secret is {len(self.value)} bytes; "
                f"at least {MIN_SECRET_BYTES} are required"
            )

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.value)

    def key(self, purpose: str) -> bytes:
        """A key for one purpose (``field:first_name``, ``permutation``...)."""
        return hmac.digest(self.value, _LABEL + purpose.encode(), "sha256")


def load_secret(path: Path) -> ExchangeSecret:
    """Read the secret file; a trailing newline is not part of the secret."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise SecretError(f"secret file {path} does not exist") from exc
    except IsADirectoryError as exc:
        raise SecretError(f"secret file {path} is a folder") from exc
    return ExchangeSecret(raw.rstrip(b"\r\n"))


def reference_key(workspace_key: bytes, secret_fingerprint: str) -> bytes:
    """The sender's own key for opaque references in one exchange.

    Derived from the workspace key (which never leaves the workspace) and the exchange
    fingerprint, so the same person gets unrelated references in two exchanges.
    """
    return hmac.digest(workspace_key, _LABEL + b"ref\x00" + secret_fingerprint.encode(), "sha256")


def reference(ref_key: bytes, person_id: str) -> str:
    """The opaque reference of a person: 128 bits of HMAC, as hex."""
    return hmac.digest(ref_key, person_id.encode(), "sha256")[:16].hex()
