"""The shared intervention knowledge base: read by every agency, added to by any of them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from intercop.casework.interventions import catalogue_path, load_catalogue
from intercop.exchange.knowledge import (
    MEASURES,
    KnowledgeError,
    KnowledgeInput,
    add_entry,
    entry_json,
    list_entries,
)
from intercop.store.models import STUDY_DESIGNS
from intercop.web.pages import page, twin
from intercop.web.state import client_origin, db_session, web_state
from intercop.web.viewer import Access, Viewer

router = APIRouter()
Reader = Annotated[Viewer, Depends(Access("knowledge.read"))]
Writer = Annotated[Viewer, Depends(Access("knowledge.add"))]
DbSession = Annotated[Session, Depends(db_session)]


def knowledge_data(
    session: Session, viewer: Viewer, intervention: str | None, country: str | None
) -> dict[str, Any]:
    """The entries (newest first) and the choices of the add form."""
    entries = list_entries(session, viewer.name, intervention=intervention, country=country)
    return {
        "entries": [entry_json(e) for e in entries],
        "filters": {"intervention": intervention, "country": country},
        "designs": list(STUDY_DESIGNS),
        "measures": list(MEASURES),
        "problems": [],
    }


def _catalogue(request: Request) -> set[str]:
    return set(load_catalogue(catalogue_path(web_state(request).workspace.root)))


@twin(router, "/knowledge")
def knowledge(
    request: Request,
    viewer: Reader,
    session: DbSession,
    intervention: str | None = None,
    country: str | None = None,
) -> Response:
    """What the network learnt: intervention, country, design, population, effect and CI."""
    data = knowledge_data(session, viewer, intervention or None, country or None)
    data["interventions"] = sorted(_catalogue(request))
    return page(request, "knowledge.html", title="Knowledge base", data=data, viewer=viewer)


@router.post("/knowledge", include_in_schema=False)
def add_knowledge(
    request: Request,
    viewer: Writer,
    session: DbSession,
    intervention: Annotated[str, Form(max_length=100)],
    country: Annotated[str, Form(max_length=2)],
    design: Annotated[str, Form(max_length=20)],
    population: Annotated[str, Form(max_length=500)],
    n: Annotated[int, Form(ge=0, le=100_000_000)],
    measure: Annotated[str, Form(max_length=30)],
    estimate: Annotated[float, Form()],
    ci_low: Annotated[float, Form()],
    ci_high: Annotated[float, Form()],
    report_link: Annotated[str, Form(max_length=500)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Add an entry for the viewer's agency; every problem is shown at once."""
    entry = KnowledgeInput(intervention, country, design, population, n, measure, estimate,
                           ci_low, ci_high, report_link or None, note or None)  # fmt: skip
    try:
        add_entry(session, viewer.name, entry, _catalogue(request), origin=client_origin(request))
    except KnowledgeError as exc:
        session.rollback()
        data = knowledge_data(session, viewer, None, None)
        data["interventions"] = sorted(_catalogue(request))
        data["problems"] = exc.problems or [exc.message]
        return page(request, "knowledge.html", title="Knowledge base", data=data,
                    viewer=viewer, status=400)  # fmt: skip
    session.commit()
    return RedirectResponse("/knowledge", status_code=303)
