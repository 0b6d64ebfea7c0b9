"""The partner API under ``/api/v1/partner``: submit signals, fetch and acknowledge deliveries.

Only partner users reach it, with a ``partner`` token (or their session), and each
token is rate-limited (``WebConfig.partner_rate_per_minute`` requests in any 60 s,
counted in this process's memory: see ``intercop.web.ratelimit``); over the limit the
answer is 429 with ``Retry-After``. Another partner's delivery answers 404.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.security import HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.partner.deliveries import (
    MAX_LIMIT,
    ack_delivery,
    delivery_json,
    pending_deliveries,
)
from intercop.partner.errors import ConflictError, NotFoundError
from intercop.partner.signals import MAX_KEY, submit_signal
from intercop.store.models import PartnerDelivery, PartnerSignal, User
from intercop.web import schemas as s
from intercop.web.errors import STATUS, register_not_found
from intercop.web.ratelimit import SlidingWindowLimiter
from intercop.web.routes.api import ERRORS, MAX_ID
from intercop.web.state import client_origin, db_session, web_state
from intercop.web.viewer import SESSION_COOKIE, Access, NotSignedInError, Viewer

router = APIRouter(
    prefix="/api/v1/partner",
    tags=["partner"],
    responses={**ERRORS, 429: {"model": s.ErrorOut, "description": "Rate limit: see Retry-After"}},
    dependencies=[
        Depends(
            HTTPBearer(
                auto_error=False, scheme_name="partnerToken", description="a token of scope partner"
            )
        )
    ],
)

register_not_found(NotFoundError)
STATUS.insert(0, (ConflictError, 409))

_LIMITER_LOCK = threading.Lock()


def _limiter(request: Request) -> SlidingWindowLimiter:
    """The app's limiter, made on first use (one per app, in this process's memory)."""
    state = request.app.state
    with _LIMITER_LOCK:
        limiter: SlidingWindowLimiter | None = getattr(state, "partner_limiter", None)
        if limiter is None:
            rate = web_state(request).config.partner_rate_per_minute
            limiter = SlidingWindowLimiter(rate, 60.0)
            state.partner_limiter = limiter
    return limiter


def _within_limit(request: Request, viewer: Viewer) -> Viewer:
    """``viewer`` once its token (or session) is within the rate limit, else 429."""
    credential = request.headers.get("authorization") or request.cookies.get(SESSION_COOKIE)
    # one budget per token (or session), keyed by a hash: no secret kept in memory
    key = hashlib.sha256((credential or viewer.name).encode()).hexdigest()
    _limiter(request).check(key)
    return viewer


SUBMIT = Access("signal.submit", partner=True)
FETCH = Access("delivery.fetch", partner=True)


def submitter(request: Request, viewer: Annotated[Viewer, Depends(SUBMIT)]) -> Viewer:
    """A partner allowed to submit signals, within the rate limit."""
    return _within_limit(request, viewer)


def fetcher(request: Request, viewer: Annotated[Viewer, Depends(FETCH)]) -> Viewer:
    """A partner allowed to fetch deliveries, within the rate limit."""
    return _within_limit(request, viewer)


Submitter = Annotated[Viewer, Depends(submitter)]
Fetcher = Annotated[Viewer, Depends(fetcher)]
DbSession = Annotated[Session, Depends(db_session)]


def _user(session: Session, viewer: Viewer) -> User:
    user = session.scalar(select(User).where(User.name == viewer.name))
    if user is None:  # deleted between authentication and now
        raise NotSignedInError("the partner user no longer exists")
    return user


def _signal(row: PartnerSignal) -> s.SignalOut:
    return s.SignalOut(
        id=row.id,
        kind=row.kind,
        value=row.value,
        platform=row.platform,
        note=row.note,
        reported_at=row.reported_at,
        state=row.state,
        idempotency_key=row.idempotency_key,
    )


def _delivery(row: PartnerDelivery, message: Any) -> s.DeliveryOut:
    return s.DeliveryOut(
        id=row.id,
        created_at=row.created_at,
        acked_at=row.acked_at,
        message=message if isinstance(message, dict) else {"body": message},
    )


@router.post(
    "/signals",
    response_model=s.SignalOut,
    status_code=201,
    responses={
        200: {"model": s.SignalOut, "description": "A retry: the first signal"},
        409: {"model": s.ErrorOut, "description": "Idempotency key reused"},
        400: {"model": s.ErrorOut, "description": "Invalid value"},
    },
)
def submit(
    request: Request,
    response: Response,
    viewer: Submitter,
    session: DbSession,
    body: s.SignalIn,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=MAX_KEY,
            pattern=r"^[\x21-\x7e]+$",
            description="a retry with the same key returns the first signal",
        ),
    ] = None,
) -> s.SignalOut:
    """Report an account, IP address, server or advert; it lands in the agency's review queue."""
    signal, new = submit_signal(
        session,
        _user(session, viewer),
        body.kind,
        body.value,
        body.platform,
        body.note,
        idempotency_key,
        origin=client_origin(request),
    )
    session.commit()
    if not new:
        response.status_code = 200
    return _signal(signal)


@router.get("/deliveries", response_model=s.DeliveryPage)
def deliveries(
    viewer: Fetcher,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="only ids above this")] = 0,
) -> s.DeliveryPage:
    """The partner's unacknowledged deliveries, oldest first."""
    rows = pending_deliveries(session, _user(session, viewer), limit, after=after)
    return s.DeliveryPage(items=[_delivery(r, delivery_json(r)["message"]) for r in rows])


@router.post("/deliveries/{delivery_id}/ack", response_model=s.DeliveryOut)
def acknowledge(
    viewer: Fetcher,
    session: DbSession,
    delivery_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> s.DeliveryOut:
    """Acknowledge one delivery (again: no change)."""
    row = ack_delivery(session, _user(session, viewer), delivery_id)
    session.commit()
    return _delivery(row, delivery_json(row)["message"])
