"""The review queue of partner signals: accept or reject each with a reason.

Thin over ``intercop.partner.signals``: ``list_signals`` for the viewer's agency and
``review_signal``, which answers another agency's signal exactly like a missing one.
A signal's value and note come from outside (a partner, or seized data it quotes):
they are shown as escaped text only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import AccessError
from intercop.partner.errors import NotFoundError, PartnerError
from intercop.partner.signals import DECISIONS, list_signals, review_signal, signal_json
from intercop.store.models import SIGNAL_STATES, User
from intercop.web.errors import register_not_found
from intercop.web.pages import page, twin
from intercop.web.state import client_origin, db_session
from intercop.web.viewer import Access, Viewer

router = APIRouter()
register_not_found(NotFoundError)

Reviewer = Annotated[Viewer, Depends(Access("signal.review"))]
DbSession = Annotated[Session, Depends(db_session)]

LIMIT = 200


def signals_data(session: Session, viewer: Viewer, state: str | None) -> dict[str, Any]:
    """What the review queue shows: the agency's signals in ``state`` (None: all)."""
    if state is not None and state not in SIGNAL_STATES:
        raise PartnerError(
            f"state {state!r} is not known", hint=f"Use one of {', '.join(SIGNAL_STATES)}"
        )
    rows = list_signals(session, viewer.agency, state, limit=LIMIT)
    return {
        "agency": viewer.agency,
        "state": state,
        "states": list(SIGNAL_STATES),
        "signals": [signal_json(s) for s in rows],
        "limit": LIMIT,
        "decisions": sorted(DECISIONS),
        "message": None,
        "error": None,
    }


def _state(request: Request) -> str | None:
    state = request.query_params.get("state", "new")
    return None if state in ("", "any") else state


@twin(router, "/signals")
def signals(request: Request, viewer: Reviewer, session: DbSession) -> Response:
    """The agency's partner signals (new ones first to review)."""
    data = signals_data(session, viewer, _state(request))
    reviewed = request.query_params.get("reviewed", "")
    if reviewed.isdigit():
        data["message"] = {"id": int(reviewed)}
    return page(request, "signals.html", title="Partner signals", data=data, viewer=viewer)


@router.post("/signals/{signal_id}/review", include_in_schema=False)
def review(
    request: Request,
    signal_id: int,
    viewer: Reviewer,
    session: DbSession,
    decision: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Accept or reject one new signal with a reason (recorded in the audit log)."""
    user = session.scalar(select(User).where(User.name == viewer.name))
    if user is None:  # the session outlived the account
        raise AccessError(f"no user {viewer.name!r}")
    try:
        review_signal(session, user, signal_id, decision, reason, origin=client_origin(request))
        session.commit()
    except NotFoundError:
        raise
    except (PartnerError, AccessError) as exc:
        session.rollback()
        data = signals_data(session, viewer, "new")
        data["error"] = {"message": exc.message, "hint": exc.hint}
        status = 403 if isinstance(exc, AccessError) else 400
        return page(
            request,
            "signals.html",
            title="Partner signals",
            data=data,
            viewer=viewer,
            status=status,
        )
    return RedirectResponse(f"/signals?reviewed={signal_id}", status_code=303)
