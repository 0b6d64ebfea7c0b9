"""An agency's own key pairs: Ed25519 to sign what it sends, X25519 to open what it receives.

Invariants: the private keys live only in ``<workspace>/keys/<CC>.json`` (mode 0600, in a
0700 folder), are created once (an exclusive link, so two processes never make two
different pairs) and never leave the workspace: nothing here logs, prints or returns
them except as the NaCl key objects the bundle code needs. A key file that others can
read is refused, as ssh refuses a private key with loose permissions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from nacl.public import PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey

from intercop.exchange.errors import AgencyError, KeyFileError
from intercop.store.base import utc_now
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

KEY_FORMAT = "intercop-agency-keys"
KEY_VERSION = 1
_CODE = re.compile(r"^[A-Z]{2}$")


def agency_code(code: str) -> str:
    """``code`` upper-cased, refused unless it is a two-letter country code."""
    upper = code.strip().upper()
    if not _CODE.match(upper):
        raise AgencyError(
            f"agency {code!r} is not a two-letter country code",
            hint="Give the ISO 3166 code of the agency's country, e.g. FI",
        )
    return upper


def b64(raw: bytes) -> str:
    """Standard base64 text of ``raw``."""
    return base64.b64encode(raw).decode("ascii")


def unb64(text: str, what: str, size: int | None = None) -> bytes:
    """The bytes of base64 ``text``, refused with a clear reason if malformed or mis-sized."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise KeyFileError(f"{what} is not valid base64", hint="Copy the key again") from exc
    if size is not None and len(raw) != size:
        raise KeyFileError(
            f"{what} has {len(raw)} bytes, expected {size}", hint="Copy the whole key again"
        )
    return raw


def fingerprint(public: bytes) -> str:
    """A short, comparable fingerprint of a public key: 128 bits of SHA-256, in hex groups."""
    digest = hashlib.sha256(public).hexdigest()[:32]
    return ":".join(digest[i : i + 4] for i in range(0, 32, 4))


def verify_key(text: str) -> VerifyKey:
    """An Ed25519 public key from its base64 text."""
    return VerifyKey(unb64(text, "signing key", 32))


def box_key(text: str) -> PublicKey:
    """An X25519 public key from its base64 text."""
    return PublicKey(unb64(text, "encryption key", 32))


@dataclass(frozen=True)
class AgencyKeys:
    """One agency's private keys (never shown) and the public halves it hands out."""

    agency: str
    created_at: datetime
    signing: SigningKey = field(repr=False)
    box: PrivateKey = field(repr=False)

    @property
    def sign_public(self) -> str:
        return b64(bytes(self.signing.verify_key))

    @property
    def box_public(self) -> str:
        return b64(bytes(self.box.public_key))

    @property
    def sign_fingerprint(self) -> str:
        return fingerprint(bytes(self.signing.verify_key))

    @property
    def box_fingerprint(self) -> str:
        return fingerprint(bytes(self.box.public_key))

    def public_json(self) -> dict[str, Any]:
        """The public keys and fingerprints, for the partner's ``intercop agency add``."""
        return {
            "agency": self.agency,
            "sign_key": self.sign_public,
            "box_key": self.box_public,
            "sign_fingerprint": self.sign_fingerprint,
            "box_fingerprint": self.box_fingerprint,
            "created_at": self.created_at.isoformat(),
            "add_command": (
                f"intercop agency add {self.agency} --sign-key {self.sign_public} "
                f"--box-key {self.box_public}"
            ),
        }


def key_path(workspace: Workspace, agency: str) -> Path:
    """Where ``agency``'s key file lives in ``workspace``."""
    return workspace.root / "keys" / f"{agency_code(agency)}.json"


def load_keys(workspace: Workspace, agency: str) -> AgencyKeys:
    """``agency``'s keys from the workspace; refused if missing or readable by others."""
    code = agency_code(agency)
    path = key_path(workspace, code)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise KeyFileError(
            f"this workspace holds no keys of agency {code}",
            hint=f"Create them with `intercop exchange keys --agency {code}` "
            "(only in the workspace of that agency)",
        ) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{path} is readable by others (mode {stat.S_IMODE(mode):o})",
            hint=f"Restrict it with `chmod 600 {path}` and consider the keys exposed",
        )
    try:
        doc = json.loads(path.read_text("utf-8"))
        if doc.get("format") != KEY_FORMAT or doc.get("agency") != code:
            raise ValueError("not a key file of this agency")
        signing = SigningKey(unb64(str(doc["sign_seed"]), "signing seed", 32))
        box = PrivateKey(unb64(str(doc["box_secret"]), "box secret", 32))
        created = datetime.fromisoformat(str(doc["created_at"]))
    except (ValueError, KeyError, TypeError) as exc:
        # the reason, never the content: the file holds private keys
        raise KeyFileError(
            f"{path} is not a usable key file ({type(exc).__name__})",
            hint="Restore it from the agency's backup; a new pair must be re-sent to partners",
        ) from exc
    return AgencyKeys(code, created, signing, box)


def ensure_keys(workspace: Workspace, agency: str) -> tuple[AgencyKeys, bool]:
    """``agency``'s keys, created on first use; also says whether they were just created."""
    code = agency_code(agency)
    path = key_path(workspace, code)
    if path.exists():
        return load_keys(workspace, code), False
    path.parent.mkdir(mode=0o700, exist_ok=True)
    signing, box = SigningKey.generate(), PrivateKey.generate()
    doc = {
        "format": KEY_FORMAT,
        "version": KEY_VERSION,
        "agency": code,
        "created_at": utc_now().isoformat(),
        "sign_seed": b64(bytes(signing)),
        "box_secret": b64(bytes(box)),
    }
    # mkstemp creates the file 0600; link() then publishes it only if no pair exists yet,
    # so a concurrent first use keeps exactly one pair.
    fd, tmp = tempfile.mkstemp(prefix=f".{code}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return load_keys(workspace, code), False
    finally:
        os.unlink(tmp)
    log.info("created the key pairs of agency %s in %s", code, path.parent)
    return load_keys(workspace, code), True
