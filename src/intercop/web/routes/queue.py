"""The triage queue of the viewer's agency, a case's page, and decisions on cases.

Decisions go through ``intercop.casework.decisions`` (which checks roles, states and
confirmations for every case before any changes: a batch is all or nothing). A case
of another agency answers 404 exactly like a missing one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.access import ACTIONS, AccessError
from intercop.audit import origin_scope, record
from intercop.casework.cases import CaseStateError
from intercop.casework.decisions import DecisionError, approve, move
from intercop.casework.interventions import Intervention, catalogue_path, load_catalogue
from intercop.casework.queue import (
    CaseFilter,
    CaseNotFoundError,
    case_history,
    case_json,
    count_cases,
    event_json,
    get_case,
    list_cases,
)
from intercop.errors import IntercopError
from intercop.store.models import CASE_STATES, Case
from intercop.web.errors import register_not_found
from intercop.web.pages import page, twin
from intercop.web.state import client_origin, db_session, web_state
from intercop.web.viewer import Access, Viewer

router = APIRouter()
register_not_found(CaseNotFoundError)

CaseReader = Annotated[Viewer, Depends(Access("case.read"))]
Decider = Annotated[Viewer, Depends(Access("case.decide"))]
DbSession = Annotated[Session, Depends(db_session)]

PER_PAGE = 50
#: the decisions the queue offers, and the state each one moves a case to
DECISIONS = {"approve": "approved", "reject": "rejected"}
#: status of a refused decision, by error (other domain errors: 400)
REFUSED = ((AccessError, 403), (CaseNotFoundError, 404))
#: how long the filters' choices of an agency are reused (seconds): they only fill the
#: filter menus, and a new case (a higher id) is seen at once anyway
CHOICES_SECONDS = 10.0

_LOCK = threading.Lock()
#: (database URL, agency) -> (monotonic time, highest case id, choices)
_CHOICES: dict[tuple[str, str | None], tuple[float, Any, dict[str, list[str]]]] = {}
#: agency catalogue file (or None) -> ((mtime, size), catalogue)
_CATALOGUES: dict[Path | None, tuple[tuple[int, int], dict[str, Intervention]]] = {}


@dataclass(frozen=True)
class QueueView:
    """The filters and page of the queue, as read from the query string."""

    state: str | None = "recommended"
    intervention: str | None = None
    country: str | None = None
    minor: bool | None = None
    rule: str | None = None
    page: int = 1

    def query(self, **change: Any) -> str:
        """This view's query string, with ``change`` applied (empty values left out)."""
        values = {**asdict(self), **change}
        if values["minor"] is not None:
            values["minor"] = "yes" if values["minor"] else "no"
        values["state"] = values["state"] or "any"  # absent would mean the default
        if values["page"] == 1:
            values["page"] = None
        return urlencode({k: v for k, v in values.items() if v is not None})


def _text(params: Mapping[str, str], name: str, limit: int = 60) -> str | None:
    value = (params.get(name) or "").strip()
    if len(value) > limit:
        raise IntercopError(f"the filter {name} is longer than {limit} characters")
    return value or None


def parse_view(params: Mapping[str, str]) -> QueueView:
    """The queue view asked for by ``params`` (``state=any`` lists every state)."""
    state = _text(params, "state")
    if state is None and "state" not in params:
        state = "recommended"
    if state == "any":
        state = None
    if state is not None and state not in CASE_STATES:
        raise IntercopError(
            f"unknown case state {state!r}", hint=f"Choose one of {', '.join(CASE_STATES)}"
        )
    minor_text = _text(params, "minor")
    if minor_text not in (None, "yes", "no"):
        raise IntercopError("the filter minor is yes, no or empty")
    page_text = _text(params, "page") or "1"
    if not page_text.isdigit() or not 1 <= int(page_text) <= 1_000_000:
        raise IntercopError(f"page {page_text!r} is not a page number")
    country = _text(params, "country", 8)
    return QueueView(
        state=state,
        intervention=_text(params, "intervention"),
        country=country.upper() if country else None,
        minor=None if minor_text is None else minor_text == "yes",
        rule=_text(params, "rule"),
        page=int(page_text),
    )


def _scope(viewer: Viewer) -> str | None:
    """The agency whose cases the viewer works on (None: the network desk sees all)."""
    return None if viewer.network else viewer.agency


def may(viewer: Viewer, action: str) -> bool:
    """Whether the viewer's role allows ``action`` (to show or hide a form)."""
    return viewer.role in ACTIONS[action]


def catalogue_of(request: Request) -> dict[str, Intervention]:
    """The intervention catalogue of the app's workspace (parsed again when its file changes)."""
    path = catalogue_path(web_state(request).workspace.root)
    try:
        st = path.stat() if path is not None else None
    except FileNotFoundError:
        st = None
    stamp = (st.st_mtime_ns, st.st_size) if st is not None else (0, 0)
    with _LOCK:
        cached = _CATALOGUES.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    catalogue = load_catalogue(path)
    with _LOCK:
        _CATALOGUES[path] = (stamp, catalogue)
    return catalogue


def _choices(session: Session, agency: str | None) -> dict[str, list[str]]:
    """The values the filter menus offer (reused for ``CHOICES_SECONDS``)."""
    key = (str(session.get_bind().engine.url), agency)
    top = session.scalar(select(func.max(Case.id)))  # the primary key: one step
    now = time.monotonic()
    with _LOCK:
        cached = _CHOICES.get(key)
    if cached is not None and cached[1] == top and now - cached[0] < CHOICES_SECONDS:
        return cached[2]
    choices = _distinct_choices(session, agency)
    with _LOCK:
        _CHOICES[key] = (now, top, choices)
    return choices


def _distinct_choices(session: Session, agency: str | None) -> dict[str, list[str]]:
    def distinct_of(column: Any) -> list[str]:
        query = select(column).distinct().where(column.is_not(None))
        if agency is not None:
            query = query.where(Case.agency == agency)
        return sorted(str(v) for v in session.scalars(query))

    return {
        "states": list(CASE_STATES),
        "interventions": distinct_of(Case.intervention),
        "countries": distinct_of(Case.country),
        "rules": distinct_of(Case.rule),
    }


def confirmations(
    catalogue: Mapping[str, Intervention], interventions: Sequence[str | None]
) -> list[dict[str, Any]]:
    """The facts an approver must confirm, per intervention among ``interventions``."""
    asked = []
    for key in sorted({i for i in interventions if i}):
        spec = catalogue.get(key)
        if spec is not None and spec.requires_confirmation:
            items = [{"key": k, "text": text} for k, text in spec.requires_confirmation]
            asked.append({"intervention": key, "title": spec.title, "items": items})
    return asked


def queue_data(
    session: Session,
    viewer: Viewer,
    view: QueueView,
    catalogue: Mapping[str, Intervention],
) -> dict[str, Any]:
    """What the queue page shows: one page of the agency's cases and what can be done."""
    agency = _scope(viewer)
    where = CaseFilter(
        agency,
        view.state,
        view.intervention,
        PER_PAGE,
        view.country,
        view.minor,
        view.rule,
        (view.page - 1) * PER_PAGE,
    )
    total = count_cases(session, where)
    cases = list_cases(session, where)
    return {
        "agency": viewer.agency,
        "filters": {**asdict(view), "query": view.query()},
        "total": total,
        "page": view.page,
        "pages": max(1, math.ceil(total / PER_PAGE)),
        "per_page": PER_PAGE,
        "previous": view.query(page=view.page - 1) if view.page > 1 else None,
        "next": view.query(page=view.page + 1) if view.page * PER_PAGE < total else None,
        "cases": [case_json(c) for c in cases],
        "choices": _choices(session, agency),
        "confirmations": confirmations(
            catalogue, [c.intervention for c in cases if c.state == "recommended"]
        ),
        "decisions": sorted(DECISIONS),
        "can_decide": may(viewer, "case.decide"),
        "message": None,
        "error": None,
    }


@twin(router, "/queue")
def queue(request: Request, viewer: CaseReader, session: DbSession) -> Response:
    """The triage queue: filters, one page of cases, and the decision form."""
    view = parse_view(request.query_params)
    data = queue_data(session, viewer, view, catalogue_of(request))
    data["message"] = done_message(request)
    return page(request, "queue.html", title="Triage queue", data=data, viewer=viewer)


def visible_case(session: Session, viewer: Viewer, case_id: int) -> Case:
    """The case, if the viewer's agency holds it; else 404 like a missing one."""
    case = get_case(session, case_id)
    if not viewer.network and case.agency != viewer.agency:
        raise CaseNotFoundError(f"no case {case_id}")
    return case


def _safe_next(target: str) -> str:
    """Back to the queue or a case page only (no open redirect)."""
    if target.startswith(("/queue", "/cases/")) and "//" not in target and "\\" not in target:
        return target
    return "/queue"


@router.post("/queue/decide", include_in_schema=False)
def decide(
    request: Request,
    viewer: Decider,
    session: DbSession,
    decision: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    case: Annotated[list[int] | None, Form()] = None,
    confirm: Annotated[list[str] | None, Form()] = None,
    next: Annotated[str, Form(max_length=2000)] = "/queue",
) -> Response:
    """Approve or reject the selected cases with a reason (all of them or none)."""
    ids = list(dict.fromkeys(case or []))
    target = _safe_next(next)
    catalogue = catalogue_of(request)
    try:
        if decision not in DECISIONS:
            raise DecisionError(f"unknown decision {decision!r}", hint="Approve or reject")
        cases = [visible_case(session, viewer, i) for i in ids]
        with origin_scope(client_origin(request)):
            if decision == "approve":
                # offer only the confirmations the selected cases' interventions ask for:
                # a box ticked for a case the user then deselected is not an error
                asked = {
                    k
                    for spec in (catalogue.get(c.intervention or "") for c in cases)
                    if spec is not None
                    for k, _ in spec.requires_confirmation
                }
                ticked = [k for k in (confirm or []) if k in asked]
                done = approve(session, viewer.name, ids, reason, catalogue, ticked)
            else:
                done = move(session, viewer.name, ids, DECISIONS[decision], reason)
        session.commit()
    except (DecisionError, CaseStateError, AccessError, CaseNotFoundError) as exc:
        session.rollback()
        return _refused(request, viewer, session, target, exc, catalogue)
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(
        f"{target}{joiner}done={DECISIONS[decision]}:{len(done)}", status_code=303
    )


def _refused(
    request: Request,
    viewer: Viewer,
    session: Session,
    target: str,
    exc: IntercopError,
    catalogue: Mapping[str, Intervention],
) -> Response:
    """The page the decision came from, with why the decision was refused."""
    status = next((code for cls, code in REFUSED if isinstance(exc, cls)), 400)
    error = "not found" if status == 404 else exc.message
    if target.startswith("/cases/"):
        case_id = target.removeprefix("/cases/").split("?")[0]
        if case_id.isdigit() and status != 404:
            data = case_data(session, viewer, int(case_id), catalogue)
            data["error"] = {"message": error, "hint": exc.hint}
            return page(
                request,
                "case.html",
                title=f"Case {case_id}",
                data=data,
                viewer=viewer,
                status=status,
            )
    view = parse_view(dict(parse_qsl(target.partition("?")[2])))
    data = queue_data(session, viewer, view, catalogue)
    data["error"] = {"message": error, "hint": exc.hint}
    return page(
        request, "queue.html", title="Triage queue", data=data, viewer=viewer, status=status
    )


def case_data(
    session: Session, viewer: Viewer, case_id: int, catalogue: Mapping[str, Intervention]
) -> dict[str, Any]:
    """What the case page shows: the case, its recommendation and its history."""
    visible_case(session, viewer, case_id)
    case, events = case_history(session, case_id)
    spec = catalogue.get(case.intervention or "")
    return {
        "case": case_json(case),
        "intervention": None
        if spec is None
        else {
            "key": spec.key,
            "title": spec.title,
            "description": spec.description,
            "approver_role": spec.approver_role,
        },
        "confirmations": confirmations(catalogue, [case.intervention])
        if case.state == "recommended"
        else [],
        "events": [event_json(e) for e in events],
        "person_url": f"/persons/{case.person_id}",
        "can_decide": may(viewer, "case.decide") and case.state in ("recommended", "approved"),
        "decisions": sorted(DECISIONS) if case.state == "recommended" else ["reject"],
        "message": None,
        "error": None,
    }


@twin(router, "/cases/{case_id}")
def case_page(request: Request, case_id: int, viewer: CaseReader, session: DbSession) -> Response:
    """One case: state, recommendation, rule, reasons and history (the read is audited)."""
    data = case_data(session, viewer, case_id, catalogue_of(request))
    record(
        session,
        viewer.name,
        "case.read",
        agency=data["case"]["agency"],
        object_type="case",
        object_id=str(case_id),
        origin=client_origin(request),
    )
    session.commit()
    data["message"] = done_message(request)
    return page(request, "case.html", title=f"Case {case_id}", data=data, viewer=viewer)


def done_message(request: Request) -> dict[str, Any] | None:
    """The outcome of the decision just taken (``?done=approved:3``), if any."""
    state, _, count = request.query_params.get("done", "").partition(":")
    if state in DECISIONS.values() and count.isdigit():
        return {"state": state, "count": int(count)}
    return None
