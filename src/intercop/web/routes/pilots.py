"""Pilots: the list, and one pilot's design, hashes, arms and evaluation.

The design and assignment hashes are re-checked on every view
(``casework.pilots.pilot_summary``); an assigned pilot is evaluated with
``evaluation.pilot`` (see ``routes.reports``), and when the data cannot support an
evaluation yet the page says why in the evaluation's own words.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from intercop.casework.pilots import pilot_summary
from intercop.evaluation.jsonable import to_jsonable
from intercop.web.pages import page, twin
from intercop.web.routes.reports import agency_pilots, evaluate, visible_pilot
from intercop.web.state import db_session
from intercop.web.viewer import Access, Viewer

router = APIRouter()

CaseReader = Annotated[Viewer, Depends(Access("case.read"))]
DbSession = Annotated[Session, Depends(db_session)]


@twin(router, "/pilots")
def pilots(request: Request, viewer: CaseReader, session: DbSession) -> Response:
    """The agency's pilots with their state and size."""
    rows = [pilot_summary(session, p) for p in agency_pilots(session, viewer)]
    data = {
        "agency": viewer.agency,
        "pilots": [
            {
                k: s[k]
                for k in (
                    "id",
                    "name",
                    "agency",
                    "intervention",
                    "state",
                    "persons",
                    "arms",
                    "design_hash",
                    "design_intact",
                    "assigned_at",
                )
            }
            for s in rows
        ],
    }
    return page(request, "pilots.html", title="Pilots", data=data, viewer=viewer)


def evaluation_json(
    request: Request, session: Session, viewer: Viewer, pilot_id: int
) -> dict[str, Any]:
    """The headline figures of the pilot's evaluation, or why there are none."""
    pilot = visible_pilot(session, viewer, pilot_id)
    if pilot.state == "frozen":
        return {
            "error": {
                "message": "the pilot is not assigned yet: nothing to evaluate",
                "hint": f"Assign it with `intercop pilot assign {pilot_id}`",
            },
            "result": None,
        }
    outcome = evaluate(request, session, viewer, pilot)
    if outcome.result is None:
        return {"error": outcome.error, "result": None}
    ev = outcome.result
    return {
        "error": None,
        "result": {
            "as_of": ev.as_of,
            "reference": ev.reference,
            "flow": to_jsonable(ev.flow),
            "proportions": to_jsonable(ev.proportions),
            "contrasts": to_jsonable(ev.contrasts),
            "notes": list(ev.notes),
        },
    }


@twin(router, "/pilots/{pilot_id}")
def pilot_page(request: Request, pilot_id: int, viewer: CaseReader, session: DbSession) -> Response:
    """A pilot: design and its hash, arms and counts, assignment hash, evaluation."""
    pilot = visible_pilot(session, viewer, pilot_id)
    data = {
        "pilot": pilot_summary(session, pilot),
        "evaluation": evaluation_json(request, session, viewer, pilot_id),
        "report": f"/reports/pilot/{pilot_id}",
        "download": f"/reports/pilot/{pilot_id}/report.html",
    }
    return page(request, "pilot.html", title=f"Pilot {pilot_id}", data=data, viewer=viewer)
