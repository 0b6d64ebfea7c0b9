"""The audit log: append-only and hash-chained, so that an edit or a deletion shows.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own
fields in canonical JSON. Appending first bumps the single ``audit_head`` row,
which takes the write lock on SQLite and a row lock on PostgreSQL, so concurrent
writers chain one after the other. ``verify`` recomputes the chain and names the
first entry that does not fit: a changed field, a removed entry (a gap in ``seq``),
or a head that no longer matches the last entry (entries cut off the end).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intercop.store.models import AuditEntry, AuditHead

GENESIS = "0" * 64

#: where the current request comes from, for entries whose caller names no origin
#: (core functions record without knowing whether the CLI or the web app called them)
_ORIGIN: ContextVar[str] = ContextVar("intercop_audit_origin", default="cli")


@contextmanager
def origin_scope(origin: str) -> Iterator[None]:
    """Entries recorded inside the block without an explicit origin get ``origin``."""
    token = _ORIGIN.set(origin)
    try:
        yield
    finally:
        _ORIGIN.reset(token)


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash of one entry given its predecessor's."""
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _fields(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": _timestamp(e.at),
        "user": e.user_name,
        "agency": e.agency,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "reason": e.reason,
        "detail": e.detail,
        "origin": e.origin,
    }


def record(
    session: Session,
    user: str,
    action: str,
    *,
    agency: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    origin: str | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction (the caller commits).

    ``origin`` defaults to the enclosing ``origin_scope`` (else ``cli``).
    """
    origin = origin or _ORIGIN.get()
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    at = datetime.now(UTC)
    entry = AuditEntry(
        seq=head.seq,
        at=at,
        user_name=user,
        agency=agency,
        action=action,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        detail=json.dumps(detail or {}, sort_keys=True, default=str, ensure_ascii=False),
        origin=origin,
        prev_hash=head.hash,
        hash="",
    )
    entry.hash = entry_hash(head.hash, _fields(entry))
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=entry.hash))
    return entry


@dataclass(frozen=True)
class Verification:
    """The result of checking the chain."""

    entries: int
    ok: bool
    problem: str | None = None
    at_seq: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"entries": self.entries, "ok": self.ok, "problem": self.problem,
                "at_seq": self.at_seq}  # fmt: skip


def entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    """Every entry in chain order, read in batches."""
    last = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.seq > last)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(session: Session) -> Verification:
    """Recompute the chain; report the first entry that was edited, removed or cut off."""
    prev, expected, count = GENESIS, 1, 0
    for e in entries(session):
        count += 1
        if e.seq != expected:
            return Verification(count, False, f"entry {expected} is missing", expected)
        if e.prev_hash != prev:
            return Verification(count, False, f"entry {e.seq} does not follow {e.seq - 1}", e.seq)
        if entry_hash(prev, _fields(e)) != e.hash:
            return Verification(count, False, f"entry {e.seq} was altered", e.seq)
        prev, expected = e.hash, expected + 1
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    if head.seq != count or head.hash != prev:
        return Verification(
            count, False, f"the log ends at entry {count} but the head says {head.seq}", count
        )
    return Verification(count, True)


def search(
    session: Session,
    *,
    user: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = 100,
    agency: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: int | None = None,
) -> list[AuditEntry]:
    """The newest entries matching every given filter (``before``: a ``seq``, for paging)."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if agency:
        query = query.where(AuditEntry.agency == agency)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    if user:
        query = query.where(AuditEntry.user_name == user)
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    return list(session.scalars(query))
