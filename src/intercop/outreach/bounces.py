"""Reading delivery status notifications (RFC 3464) from the bounce Maildir.

Each report is read once (``Bounce.report_key`` is its Maildir key). A report names the
original message by its Message-ID or ``X-InterCOP-Ref`` in the returned headers; a
failed delivery marks that message bounced. A hard bounce (status 5.x.x) puts the address
on the suppression list at once, soft ones (4.x.x) after ``SOFT_LIMIT`` of them.
"""

from __future__ import annotations

import logging
import mailbox
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message as EmailMessage
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.audit import record
from intercop.errors import InputError
from intercop.outreach.addresses import address_hash
from intercop.outreach.suppression import suppress
from intercop.store import Store
from intercop.store.base import utc_now
from intercop.store.models import Bounce, Message

log = logging.getLogger(__name__)

SOFT_LIMIT = 3


@dataclass(frozen=True)
class Report:
    """What one DSN says about one recipient."""

    status: str | None  # "5.1.1"
    action: str | None  # failed | delayed | delivered | relayed | expanded
    recipient: str | None
    diagnostic: str | None
    message_id: str | None  # of the original message
    ref: str | None  # X-InterCOP-Ref of the original message

    @property
    def kind(self) -> str:
        """``hard``, ``soft`` or ``unknown`` (from the status class)."""
        if self.status and self.status.startswith("5"):
            return "hard"
        if self.status and self.status.startswith("4"):
            return "soft"
        return "unknown"


@dataclass
class BounceRun:
    """What ``intercop bounces read`` did."""

    folder: Path
    read: int = 0
    skipped: int = 0  # read before
    kinds: Counter[str] = field(default_factory=Counter)
    matched: int = 0
    unmatched: int = 0
    suppressed: int = 0

    def as_json(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "folder": str(self.folder),
            "read": self.read,
            "already_read": self.skipped,
            "hard": self.kinds["hard"],
            "soft": self.kinds["soft"],
            "unknown": self.kinds["unknown"],
            "matched": self.matched,
            "unmatched": self.unmatched,
            "suppressed": self.suppressed,
        }


def _fields(block: EmailMessage) -> dict[str, str]:
    return {k.lower(): str(v).strip() for k, v in block.items()}


def _typed(value: str | None) -> str | None:
    """``rfc822; jan@example.org`` -> ``jan@example.org``."""
    if not value:
        return None
    return value.split(";", 1)[1].strip() if ";" in value else value.strip()


def parse_report(data: bytes) -> list[Report]:
    """The per-recipient reports of one DSN (empty when it is not a DSN)."""
    msg = message_from_bytes(data, policy=default)
    status_part: EmailMessage | None = None
    original: dict[str, str] = {}
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            status_part = part
        elif ctype in ("text/rfc822-headers", "message/rfc822", "message/rfc822-headers"):
            original = _original_headers(part)
    if status_part is None:
        return []
    blocks = _status_blocks(status_part)
    per_recipient = blocks[1:] or blocks
    return [
        Report(
            status=(f.get("status") or "").split()[0] if f.get("status") else None,
            action=(f.get("action") or "").lower() or None,
            recipient=_typed(f.get("final-recipient") or f.get("original-recipient")),
            diagnostic=_typed(f.get("diagnostic-code")),
            message_id=original.get("message-id"),
            ref=original.get("x-intercop-ref"),
        )
        for f in per_recipient
    ]


def _status_blocks(part: EmailMessage) -> list[dict[str, str]]:
    """The field groups of a message/delivery-status part (per-message, then recipients)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parses it into header blocks
        return [_fields(block) for block in payload if isinstance(block, EmailMessage)]
    raw = payload if isinstance(payload, str) else ""
    blocks = []
    for chunk in raw.replace("\r\n", "\n").split("\n\n"):
        if chunk.strip():
            parsed = BytesHeaderParser(policy=default).parsebytes(chunk.encode() + b"\n")
            blocks.append(_fields(parsed))
    return blocks


def _original_headers(part: EmailMessage) -> dict[str, str]:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], EmailMessage):
        return _fields(payload[0])
    text = payload if isinstance(payload, str) else ""
    return _fields(BytesHeaderParser(policy=default).parsebytes(text.encode()))


def read_bounces(store: Store, folder: Path, key: bytes, *, user: str) -> BounceRun:
    """Read every new report of the bounce Maildir ``folder`` into the case store."""
    if not (folder / "new").is_dir() and not (folder / "cur").is_dir():
        raise InputError(
            "not a Maildir (no new/ or cur/ folder)",
            path=folder,
            hint="Point --maildir at the Maildir the bounces are delivered to",
        )
    box = mailbox.Maildir(folder, factory=None, create=False)
    run = BounceRun(folder)
    with store.session() as session:
        seen = set(session.scalars(select(Bounce.report_key)))
        for report_key in sorted(box.keys()):
            if report_key in seen:
                run.skipped += 1
                continue
            with box.get_file(report_key) as fh:
                data = fh.read()
            _read_one(session, report_key, data, key, user, run)
            session.commit()  # one report at a time: a crash never reads one twice
        record(
            session,
            user,
            "bounces.read",
            object_type="maildir",
            object_id=str(folder),
            detail=run.as_json(),
        )
        session.commit()
    return run


def _read_one(
    session: Session, report_key: str, data: bytes, key: bytes, user: str, run: BounceRun
) -> None:
    reports = parse_report(data)
    run.read += 1
    report = next((r for r in reports if r.action in (None, "failed")), None) or (
        reports[0] if reports else None
    )
    if report is None:
        note = "not a delivery status notification"
        session.add(
            Bounce(report_key=report_key, kind="unknown", created_at=utc_now(), diagnostic=note)
        )
        run.kinds["unknown"] += 1
        log.warning("bounce report %s is not a DSN; recorded as unknown", report_key)
        return
    message = _original(session, report)
    hashed = (
        message.address_hash
        if message is not None
        else (address_hash(key, report.recipient) if report.recipient else None)
    )
    session.add(
        Bounce(
            report_key=report_key,
            message_id=message.id if message is not None else None,
            address_hash=hashed,
            kind=report.kind,
            status_code=report.status,
            diagnostic=(report.diagnostic or "")[:2000] or None,
            created_at=utc_now(),
        )
    )
    session.flush()
    run.kinds[report.kind] += 1
    if message is None:
        run.unmatched += 1
    else:
        run.matched += 1
        if report.action in (None, "failed") and message.status in ("sent", "in_doubt"):
            message.status = "bounced"
            message.last_error = f"{report.status} {report.diagnostic or ''}".strip()
            message.updated_at = utc_now()
    if hashed is None:
        return
    source = f"bounce {report_key}"
    if report.kind == "hard" and suppress(session, hashed, "hard_bounce", source, user):
        run.suppressed += 1
    elif report.kind == "soft":
        soft = session.scalar(
            select(func.count()).where(Bounce.address_hash == hashed, Bounce.kind == "soft")
        )
        if (soft or 0) >= SOFT_LIMIT and suppress(session, hashed, "soft_bounces", source, user):
            run.suppressed += 1


def _original(session: Session, report: Report) -> Message | None:
    """The message a report is about, by Message-ID, else by X-InterCOP-Ref."""
    if report.message_id:
        found = session.scalar(select(Message).where(Message.message_id == report.message_id))
        if found is not None:
            return found
    if report.ref:
        return session.scalar(
            select(Message).where(Message.message_id.like(f"<{report.ref}.%")).limit(1)
        )
    return None
