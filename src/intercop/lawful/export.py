"""The data protection officer's export of the audit log, with art. 25 categories.

Rows are the log's entries in chain order with their derived ``category``, the
``justification`` (the entry's reason) and, for disclosures, the ``recipients``.
The file is written to ``<out>.partial`` and renamed when complete.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Collection, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.errors import IntercopError
from intercop.lawful.categories import CATEGORIES, category_of, recipients_of
from intercop.store.models import AuditEntry

COLUMNS = ("seq", "at", "user", "agency", "action", "category", "object_type", "object_id",
           "justification", "recipients", "origin", "detail", "hash")  # fmt: skip
FORMATS = (".csv", ".jsonl")


class ExportError(IntercopError):
    """The export cannot be written as asked."""


def _rows(session: Session, since: datetime | None, until: datetime | None) -> Iterator[AuditEntry]:
    last = 0
    while True:
        query = select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq)
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        if until is not None:
            query = query.where(AuditEntry.at < until)
        batch = list(session.scalars(query.limit(5000)))
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def as_row(e: AuditEntry) -> dict[str, Any]:
    """One exported entry."""
    return {"seq": e.seq, "at": e.at.isoformat(), "user": e.user_name, "agency": e.agency,
            "action": e.action, "category": category_of(e.action),
            "object_type": e.object_type, "object_id": e.object_id, "justification": e.reason,
            "recipients": recipients_of(e), "origin": e.origin,
            "detail": json.loads(e.detail or "{}"), "hash": e.hash}  # fmt: skip


def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """``[start 00:00, end+1 00:00)`` in UTC: both days included."""
    from datetime import UTC

    low = datetime.combine(start, time(), UTC) if start else None
    high = datetime.combine(end + timedelta(days=1), time(), UTC) if end else None
    return low, high


def export_log(
    session: Session,
    out: Path,
    *,
    start: date | None = None,
    end: date | None = None,
    categories: Collection[str] = (),
) -> dict[str, Any]:
    """Write the entries from ``start`` to ``end`` (days, inclusive) of ``categories``."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(f"cannot export to {out.name}", hint="Name the file .csv or .jsonl")
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        raise ExportError(f"unknown category {', '.join(unknown)}",
                          hint=f"Choose from {', '.join(CATEGORIES)}")  # fmt: skip
    since, until = day_bounds(start, end)
    partial = out.with_name(out.name + ".partial")
    counts: dict[str, int] = {}
    with partial.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS) if suffix == ".csv" else None
        if writer is not None:
            writer.writeheader()
        for entry in _rows(session, since, until):
            row = as_row(entry)
            if categories and row["category"] not in categories:
                continue
            counts[row["category"]] = counts.get(row["category"], 0) + 1
            if writer is not None:
                writer.writerow({**row, "recipients": ";".join(row["recipients"]),
                                 "detail": json.dumps(row["detail"], sort_keys=True,
                                                      ensure_ascii=False)})  # fmt: skip
            else:
                fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, out)
    return {"out": str(out), "entries": sum(counts.values()), "categories": counts,
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None}  # fmt: skip
