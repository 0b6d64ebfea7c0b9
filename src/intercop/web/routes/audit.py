"""The audit log viewer for auditors and admins, and the chain check.

An agency's auditor reads the entries of that agency; the network desk reads all.
Reading the log is itself recorded (``audit.read``), and so is a check of the chain
(``audit.verify``, which always covers the whole chain: a hash chain is checked
end to end or not at all).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from intercop.audit import record, search, verify
from intercop.errors import IntercopError
from intercop.store.models import AuditEntry
from intercop.web.pages import page, twin
from intercop.web.state import client_origin, db_session
from intercop.web.viewer import Access, Viewer

router = APIRouter()

AuditReader = Annotated[Viewer, Depends(Access("audit.read"))]
DbSession = Annotated[Session, Depends(db_session)]

PER_PAGE = 100
FILTERS = ("user", "action", "object_type", "object_id", "since", "until", "before")


def _when(name: str, text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise IntercopError(
            f"{name} {text!r} is not a date or time", hint="Write 2026-11-29 or 2026-11-29T14:00"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_filters(params: Any) -> dict[str, str | None]:
    """The filters of the query string (empty ones as None), each at most 200 characters."""
    found: dict[str, str | None] = {}
    for name in FILTERS:
        value = (params.get(name) or "").strip()
        if len(value) > 200:
            raise IntercopError(f"the filter {name} is longer than 200 characters")
        found[name] = value or None
    before = found["before"]
    if before is not None and not before.isdigit():
        raise IntercopError(f"before {before!r} is not an entry number")
    return found


def entry_json(e: AuditEntry) -> dict[str, Any]:
    """One entry as the viewer shows it (its hash included, to compare with a copy)."""
    return {
        "seq": e.seq,
        "at": e.at.isoformat(),
        "user": e.user_name,
        "agency": e.agency,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "reason": e.reason,
        "detail": json.loads(e.detail or "{}"),
        "origin": e.origin,
        "hash": e.hash,
    }


def log_data(session: Session, viewer: Viewer, filters: dict[str, str | None]) -> dict[str, Any]:
    """One page of the entries the viewer may read, newest first."""
    before = filters["before"]
    rows = search(
        session,
        user=filters["user"],
        action=filters["action"],
        object_type=filters["object_type"],
        object_id=filters["object_id"],
        limit=PER_PAGE + 1,
        agency=None if viewer.network else viewer.agency,
        since=_when("since", filters["since"]),
        until=_when("until", filters["until"]),
        before=int(before) if before else None,
    )
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    kept = {k: v for k, v in filters.items() if v and k != "before"}
    return {
        "agency": viewer.agency,
        "scope": "all agencies" if viewer.network else viewer.agency,
        "filters": filters,
        "entries": [entry_json(e) for e in rows],
        "next": {**kept, "before": str(rows[-1].seq)} if more and rows else None,
        "per_page": PER_PAGE,
    }


@twin(router, "/audit")
def audit_log(request: Request, viewer: AuditReader, session: DbSession) -> Response:
    """The audit log with filters by user, action, object and time (reading it is audited)."""
    filters = parse_filters(request.query_params)
    data = log_data(session, viewer, filters)
    record(
        session,
        viewer.name,
        "audit.read",
        agency=viewer.agency,
        detail={**{k: v for k, v in filters.items() if v}, "rows": len(data["entries"])},
        origin=client_origin(request),
    )
    session.commit()
    return page(request, "audit.html", title="Audit log", data=data, viewer=viewer)


@twin(router, "/audit/verify")
def audit_verify(request: Request, viewer: AuditReader, session: DbSession) -> Response:
    """Recompute the whole hash chain and say whether any entry was edited, removed or cut."""
    result = verify(session)
    record(
        session,
        viewer.name,
        "audit.verify",
        agency=viewer.agency,
        detail={"entries": result.entries, "ok": result.ok},
        origin=client_origin(request),
    )
    session.commit()
    data = {"verification": result.as_json()}
    return page(request, "audit_verify.html", title="Audit chain", data=data, viewer=viewer)
