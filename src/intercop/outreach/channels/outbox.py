"""The outbox channel: each message a file in a Maildir (the workspace's ``outbox/``).

Delivery writes ``tmp/<key>``, fsyncs it and renames it to ``new/<key>``; the key is
derived from the Message-ID, so a second delivery of the same message is a no-op and
``delivered`` can tell after a crash whether the message made it (in ``new/`` or, once
read, ``cur/``). A file in ``new/`` is always complete.

The file is written, fsynced and renamed by a small pool of threads while the sender
renders the next messages (an fsync costs about a millisecond of waiting for the disk,
and concurrent ones share a journal commit); ``flush`` waits for them and syncs
``new/``, and the sender calls it before it records the messages as sent.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from intercop.outreach.channels.base import SENT, ChannelConfig, Envelope, Result, safe_key
from intercop.outreach.mime import compose
from intercop.workspace import Workspace


class OutboxChannel:
    """A Maildir of outgoing messages; idempotent."""

    name = "outbox"
    idempotent = True

    def __init__(self, root: Path, *, fsync: bool = True, workers: int = 8) -> None:
        self.root = root
        self.fsync = fsync
        self.workers = workers
        # keys in new/ and cur/ when the run started (a mail reader moves them to cur/)
        self._known: set[str] = set()
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[str, Future[None]] = {}  # key -> its fsync and rename

    @classmethod
    def build(cls, workspace: Workspace, config: ChannelConfig) -> OutboxChannel:
        """The workspace's outbox."""
        return cls(workspace.outbox, fsync=config.fsync)

    def open(self) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._known = set(os.listdir(self.root / "new")) | self._read_cur()
        if self.fsync:
            self._sync_folder()  # renames of a killed run are durable before reconciling

    def _read_cur(self) -> set[str]:
        cur = self.root / "cur"
        return {name.split(":", 1)[0] for name in os.listdir(cur)} if cur.is_dir() else set()

    def path(self, message_id: str) -> Path:
        """Where a delivered message lands (before a mail reader moves it to ``cur/``)."""
        return self.root / "new" / safe_key(message_id)

    def delivered(self, message_id: str) -> bool:
        self.flush()
        key = safe_key(message_id)
        return (self.root / "new" / key).exists() or key in self._read_cur()

    def deliver(self, envelope: Envelope) -> Result:
        """Write the message to ``tmp/``; it reaches ``new/`` by the next ``flush``."""
        key = safe_key(envelope.message_id)
        # delivered in an earlier run, or in this one (no second file, ever)
        if key in self._known or key in self._pending:
            return SENT
        data = compose(envelope)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="outbox-write")
        self._pending[key] = self._pool.submit(self._write, key, data)
        return SENT

    def _write(self, key: str, data: bytes) -> None:
        """In a worker: write ``tmp/<key>``, make it durable, then rename it into ``new/``."""
        tmp = self.root / "tmp" / key
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.root / "new" / key)

    def flush(self) -> None:
        """Wait until every message delivered so far is durable in ``new/``.

        Raises the first error of a write (the sender then records nothing as sent).
        """
        pending, self._pending = self._pending, {}
        error: BaseException | None = None
        for key, future in pending.items():
            exc = future.exception()
            if exc is None:
                self._known.add(key)
            else:
                error = error or exc
        if error is not None:
            raise error
        if pending and self.fsync:
            self._sync_folder()

    def _sync_folder(self) -> None:
        fd = os.open(self.root / "new", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def finish(self, campaign: str) -> None:
        self.flush()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None
