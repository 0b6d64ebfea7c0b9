"""Evaluation reports: the pilots' evaluations, rendered from ``intercop.evaluation``.

An evaluation the data cannot support (no assignment yet, an empty arm, too few
events) is not an error of the page: it shows the evaluation's own message. The
downloadable report is the evaluation package's self-contained HTML, served as an
attachment (it carries its own inline style and charts, which this site's pages may
not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.audit import record
from intercop.errors import IntercopError
from intercop.store.models import Pilot
from intercop.web.errors import register_not_found
from intercop.web.pages import page, twin
from intercop.web.state import client_origin, db_session, web_state
from intercop.web.viewer import Access, Viewer

if TYPE_CHECKING:
    from intercop.evaluation.document import Document
    from intercop.evaluation.pilot import PilotEvaluation

router = APIRouter()

Evaluator = Annotated[Viewer, Depends(Access("evaluate.run"))]
DbSession = Annotated[Session, Depends(db_session)]


class PilotNotFoundError(IntercopError):
    """No pilot with that id for this agency (another agency's looks the same)."""

    hint = "List the pilots on the pilots page"


register_not_found(PilotNotFoundError)


def visible_pilot(session: Session, viewer: Viewer, pilot_id: int) -> Pilot:
    """The pilot, if the viewer's agency runs it; else 404 like a missing one."""
    pilot = session.get(Pilot, pilot_id)
    if pilot is None or not (viewer.network or pilot.agency == viewer.agency):
        raise PilotNotFoundError(f"no pilot {pilot_id}")
    return pilot


def agency_pilots(session: Session, viewer: Viewer) -> list[Pilot]:
    """The pilots of the viewer's agency (every agency's for the network desk), newest first."""
    query = select(Pilot).order_by(Pilot.id.desc())
    if not viewer.network:
        query = query.where(Pilot.agency == viewer.agency)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Outcome:
    """An evaluation, or the evaluation's reason for not giving one."""

    result: PilotEvaluation | None
    error: dict[str, str] | None


def evaluate(request: Request, session: Session, viewer: Viewer, pilot: Pilot) -> Outcome:
    """Evaluate ``pilot`` now (audited as ``evaluate.run``), or say why it cannot be."""
    # the statistics stack loads in seconds: only when a pilot is evaluated
    from intercop.evaluation.pilot import evaluate_pilot

    state = web_state(request)
    try:
        result = evaluate_pilot(state.store, state.workspace, pilot.id)
    except IntercopError as exc:
        outcome = Outcome(None, {"message": exc.message, "hint": exc.hint})
    else:
        outcome = Outcome(result, None)
    record(
        session,
        viewer.name,
        "evaluate.run",
        agency=pilot.agency,
        object_type="pilot",
        object_id=str(pilot.id),
        detail={"ok": outcome.error is None, "via": "web"},
        origin=client_origin(request),
    )
    session.commit()
    return outcome


def document_json(doc: Document) -> dict[str, Any]:
    """A report's text and tables as plain data (its charts stay in the download)."""
    return {
        "title": doc.title,
        "subtitle": doc.subtitle,
        "summary": list(doc.summary),
        "sections": [
            {
                "heading": s.heading,
                "paragraphs": list(s.paragraphs),
                "tables": [
                    {
                        "headers": list(t.headers),
                        "rows": [list(r) for r in t.rows],
                        "caption": t.caption,
                    }
                    for t in s.tables
                ],
                "charts": [c.title for c in s.charts],
            }
            for s in doc.sections
        ],
        "caveats": list(doc.caveats),
    }


@twin(router, "/reports")
def reports(request: Request, viewer: Evaluator, session: DbSession) -> Response:
    """The pilots whose evaluation reports can be read."""
    data = {
        "agency": viewer.agency,
        "pilots": [
            {
                "id": p.id,
                "name": p.name,
                "intervention": p.intervention,
                "state": p.state,
                "assigned_at": p.assigned_at,
                "report": f"/reports/pilot/{p.id}",
                "download": f"/reports/pilot/{p.id}/report.html",
            }
            for p in agency_pilots(session, viewer)
        ],
    }
    return page(request, "reports.html", title="Evaluation reports", data=data, viewer=viewer)


@twin(router, "/reports/pilot/{pilot_id}")
def pilot_report(
    request: Request, pilot_id: int, viewer: Evaluator, session: DbSession
) -> Response:
    """A pilot's evaluation report, or the evaluation's own reason why there is none yet."""
    from intercop.evaluation.narratives import pilot_document

    pilot = visible_pilot(session, viewer, pilot_id)
    info = {
        "id": pilot.id,
        "name": pilot.name,
        "agency": pilot.agency,
        "intervention": pilot.intervention,
        "state": pilot.state,
    }
    outcome = evaluate(request, session, viewer, pilot)
    data: dict[str, Any] = {
        "pilot": info,
        "error": outcome.error,
        "report": None,
        "result": None,
        "proportions": [],
        "download": f"/reports/pilot/{pilot_id}/report.html",
    }
    if outcome.result is not None:
        doc = pilot_document(outcome.result)
        data["report"] = document_json(doc)
        data["result"] = doc.data
        data["proportions"] = [
            (p.arm, round(100 * p.proportion, 1)) for p in outcome.result.proportions
        ]
    return page(
        request, "report.html", title=f"Evaluation of pilot {pilot_id}", data=data, viewer=viewer
    )


@router.get("/reports/pilot/{pilot_id}/report.html", include_in_schema=False)
def pilot_report_download(
    request: Request, pilot_id: int, viewer: Evaluator, session: DbSession
) -> Response:
    """The evaluation as the evaluation package's self-contained HTML report (a download)."""
    from intercop.evaluation.narratives import pilot_document
    from intercop.evaluation.reports import render_html

    pilot = visible_pilot(session, viewer, pilot_id)
    outcome = evaluate(request, session, viewer, pilot)
    if outcome.result is None:
        assert outcome.error is not None
        data = {
            "pilot": {
                "id": pilot.id,
                "name": pilot.name,
                "agency": pilot.agency,
                "intervention": pilot.intervention,
                "state": pilot.state,
            },
            "error": outcome.error,
            "report": None,
            "result": None,
            "proportions": [],
            "download": None,
        }
        return page(
            request,
            "report.html",
            title=f"Evaluation of pilot {pilot_id}",
            data=data,
            viewer=viewer,
            status=409,
        )
    html = render_html(pilot_document(outcome.result))
    name = f"pilot-{pilot_id}-evaluation.html"
    return HTMLResponse(html, headers={"content-disposition": f'attachment; filename="{name}"'})
