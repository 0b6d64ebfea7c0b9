"""The outbox channel: each message a file in a Maildir (the workspace's ``outbox/``).

Delivery writes ``tmp/<key>`` and renames it to ``new/<key>``; the key is derived from
the Message-ID, so a second delivery of the same message is a no-op and ``delivered``
can tell after a crash whether the message made it (in ``new/`` or, once read, ``cur/``).
"""

from __future__ import annotations

import os
from pathlib import Path

from intercop.outreach.channels.base import SENT, ChannelConfig, Envelope, Result, safe_key
from intercop.outreach.mime import compose
from intercop.workspace import Workspace


class OutboxChannel:
    """A Maildir of outgoing messages; idempotent."""

    name = "outbox"
    idempotent = True

    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = root
        self.fsync = fsync
        self._cur: set[str] = set()  # keys in cur/ when the run started (readers move them)

    @classmethod
    def build(cls, workspace: Workspace, config: ChannelConfig) -> OutboxChannel:
        """The workspace's outbox."""
        return cls(workspace.outbox, fsync=config.fsync)

    def open(self) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._cur = self._read_cur()

    def _read_cur(self) -> set[str]:
        cur = self.root / "cur"
        return {name.split(":", 1)[0] for name in os.listdir(cur)} if cur.is_dir() else set()

    def path(self, message_id: str) -> Path:
        """Where a delivered message lands (before a mail reader moves it to ``cur/``)."""
        return self.root / "new" / safe_key(message_id)

    def delivered(self, message_id: str) -> bool:
        key = safe_key(message_id)
        return (self.root / "new" / key).exists() or key in self._read_cur()

    def deliver(self, envelope: Envelope) -> Result:
        key = safe_key(envelope.message_id)
        if key in self._cur or (self.root / "new" / key).exists():
            return SENT
        data = compose(envelope)
        tmp = self.root / "tmp" / key
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if self.fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, self.root / "new" / key)
        return SENT

    def finish(self, campaign: str) -> None:
        if self.fsync:
            fd = os.open(self.root / "new", os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def close(self) -> None:
        self.finish("")
