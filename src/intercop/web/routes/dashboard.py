"""The dashboard: what the viewer's agency holds and what waits for it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.identity.directory import open_directory
from intercop.store.models import AuditEntry, Case
from intercop.visibility import visibility_for
from intercop.web.pages import page, twin
from intercop.web.state import db_session, web_state
from intercop.web.viewer import Access, Viewer

router = APIRouter()
SignedIn = Annotated[Viewer, Depends(Access())]
DbSession = Annotated[Session, Depends(db_session)]


def queue_counts(session: Session, viewer: Viewer) -> dict[str, int]:
    """Cases of the viewer's agency by state."""
    query = select(Case.state, func.count()).group_by(Case.state)
    if not viewer.network:
        query = query.where(Case.agency == viewer.agency)
    return {str(state): int(n) for state, n in session.execute(query)}


def recent_activity(session: Session, viewer: Viewer, limit: int = 15) -> list[dict[str, Any]]:
    """The agency's newest audit entries: who did what, when (no detail)."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if not viewer.network:
        query = query.where(AuditEntry.agency == viewer.agency)
    return [
        {
            "at": e.at,
            "user": e.user_name,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
        }
        for e in session.scalars(query)
    ]


def _band_order(band: str) -> tuple[int, str]:
    """Age bands youngest first (``<12``, ``12-15``, ..., ``30+``), ``unknown`` last."""
    digits = "".join(ch if ch.isdigit() else " " for ch in band).split()
    if not digits:
        return (10**6, band)
    return (int(digits[0]) - (1 if band.startswith("<") else 0), band)


def holdings(request: Request, session: Session, viewer: Viewer) -> dict[str, Any]:
    """The visible datasets and persons: how many, by country and by age band."""
    workspace = web_state(request).workspace
    visibility = visibility_for(workspace, session, viewer.agency)
    counts = open_directory(workspace).counts(visibility)
    return {
        "datasets": len(visibility.dataset_ids),
        "persons": counts.total,
        "minors": counts.minors,
        "by_country": sorted(counts.by_country.items(), key=lambda kv: (-kv[1], kv[0])),
        "by_age_band": sorted(counts.by_age_band.items(), key=lambda kv: _band_order(kv[0])),
    }


@twin(router, "/")
def dashboard(request: Request, viewer: SignedIn, session: DbSession) -> Response:
    """Datasets, persons by country and age band, queue counts, recent activity."""
    data: dict[str, Any] = {
        "agency": viewer.agency,
        "holdings": holdings(request, session, viewer),
        "queue": queue_counts(session, viewer),
        "recent": recent_activity(session, viewer),
    }
    return page(request, "dashboard.html", title="Dashboard", data=data, viewer=viewer)
