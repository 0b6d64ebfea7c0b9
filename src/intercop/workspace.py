"""A workspace: the folder holding the vault, derived data, the case store and secrets.

Layout (ARCHITECTURE §4)::

    workspace.json      marker with the format version
    secret.key          32 random bytes, mode 0600: the key of keyed hashes (HMAC)
    vault/<id>/         immutable datasets
    derived/            persons, links, profiles
    analytics.duckdb    views over the Parquet files
    cases.db            case store (SQLite default)
    outbox/             Maildir of outgoing messages
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from intercop.errors import WorkspaceError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MARKER = "workspace.json"
SECRET = "secret.key"


@dataclass(frozen=True)
class Workspace:
    """An opened workspace; all paths are derived from ``root``."""

    root: Path

    @property
    def vault(self) -> Path:
        return self.root / "vault"

    @property
    def staging(self) -> Path:
        """Where datasets are built before the atomic rename into the vault."""
        return self.root / "vault" / ".staging"

    @property
    def derived(self) -> Path:
        return self.root / "derived"

    @property
    def analytics_db(self) -> Path:
        return self.root / "analytics.duckdb"

    @property
    def case_store(self) -> Path:
        return self.root / "cases.db"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    def secret_key(self) -> bytes:
        """The workspace's HMAC key; never leaves the workspace."""
        path = self.root / SECRET
        try:
            key = path.read_bytes()
        except FileNotFoundError as exc:
            raise WorkspaceError(f"{path} is missing: keyed hashes cannot be made") from exc
        if len(key) < 32:
            raise WorkspaceError(f"{path} is shorter than 32 bytes")
        return key


def init_workspace(root: Path) -> Workspace:
    """Create (or complete) a workspace at ``root``; safe to run twice."""
    root = root.expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root} exists and is not a folder")
    for sub in ("vault", "vault/.staging", "derived", "outbox"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    marker = root / MARKER
    if not marker.exists():
        marker.write_text(json.dumps({"format_version": FORMAT_VERSION}) + "\n")
    secret = root / SECRET
    if not secret.exists():
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        log.info("created workspace secret %s", secret)
    return Workspace(root)


def open_workspace(root: Path) -> Workspace:
    """Open an existing workspace, or say how to create one."""
    root = root.expanduser().resolve()
    marker = root / MARKER
    if not marker.exists():
        raise WorkspaceError(f"no workspace at {root}")
    version = json.loads(marker.read_text()).get("format_version")
    if version != FORMAT_VERSION:
        raise WorkspaceError(
            f"workspace {root} has format {version}, this version reads {FORMAT_VERSION}",
            hint="Upgrade intercop or use a new workspace",
        )
    return Workspace(root)
