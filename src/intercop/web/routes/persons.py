"""The persons the viewer's agency may see, one person's page, and revealing identifiers.

The person page is the dossier of ``intercop.identity.dossier`` with identifiers
masked; every GET of it (page or twin) is audited as ``person.read``. ``POST
.../reveal`` with a reason of at least ten characters shows the unmasked values in
that one answer (they are never put in a URL or kept), audited as ``person.reveal``
with the reason. A person of another agency answers 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from intercop.access import ACTIONS
from intercop.audit import record
from intercop.identity.directory import open_directory
from intercop.identity.dossier import REVEALABLE, Dossier, RevealError, build_dossier, reveal
from intercop.visibility import NotVisibleError, Visibility, visibility_for
from intercop.web.errors import register_not_found
from intercop.web.pages import page, twin
from intercop.web.reads import record_person_read
from intercop.web.state import client_origin, db_session, web_state
from intercop.web.viewer import Access, Viewer

router = APIRouter()
register_not_found(NotVisibleError)

Reader = Annotated[Viewer, Depends(Access("person.read"))]
Revealer = Annotated[Viewer, Depends(Access("person.reveal"))]
DbSession = Annotated[Session, Depends(db_session)]
PersonId = Annotated[str, Path(min_length=1, max_length=100)]

PER_PAGE = 50
MAX_PER_PAGE = 500
#: the reveal form's choices: one field of ``REVEALABLE``, or all of them
ALL_FIELDS = "all"


def _visibility(request: Request, session: Session, viewer: Viewer) -> Visibility:
    return visibility_for(web_state(request).workspace, session, viewer.agency)


# --- the list ------------------------------------------------------------------------------


def _minor(value: str | None) -> bool | None:
    return {"yes": True, "true": True, "no": False, "false": False}.get((value or "").lower())


def persons_data(
    request: Request,
    visibility: Visibility,
    filters: dict[str, Any],
    offset: int,
    limit: int,
) -> dict[str, Any]:
    """The list page: one page of persons, the filters, and the choices for them."""
    directory = open_directory(web_state(request).workspace)
    country = filters["country"]
    found = directory.page(
        visibility,
        country="" if country == "unknown" else country,
        age_band=filters["age_band"],
        minor=_minor(filters["minor"]),
        order=filters["order"],
        offset=offset,
        limit=limit,
    )
    counts = directory.counts(visibility)
    query = {k: v for k, v in filters.items() if v}

    def link(at: int) -> str:
        return "/persons?" + urlencode({**query, "offset": at, "limit": limit})

    after = offset + limit
    return {
        **found.as_json(),
        "filters": filters,
        "choices": {
            "countries": sorted(counts.by_country),
            "age_bands": sorted(counts.by_age_band),
        },
        "previous": link(max(0, offset - limit)) if offset > 0 else None,
        "next": link(after) if after < found.total else None,
    }


@twin(router, "/persons")
def persons(
    request: Request,
    viewer: Reader,
    session: DbSession,
    country: Annotated[str | None, Query(max_length=20)] = None,
    age_band: Annotated[str | None, Query(max_length=20)] = None,
    minor: Annotated[Literal["", "yes", "no"] | None, Query()] = None,
    order: Annotated[Literal["risk", "person_id"], Query()] = "risk",
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = PER_PAGE,
) -> Response:
    """Visible persons, highest risk first, filtered by country, age band and minority."""
    filters = {
        "country": (country or "").strip().upper() or None,
        "age_band": age_band or None,
        "minor": minor or None,
        "order": order,
    }
    if filters["country"] == "UNKNOWN":
        filters["country"] = "unknown"
    data = persons_data(request, _visibility(request, session, viewer), filters, offset, limit)
    record(
        session,
        viewer.name,
        "person.list",
        agency=viewer.agency,
        object_type="person",
        detail={
            "filters": {k: v for k, v in filters.items() if v},
            "offset": offset,
            "shown": len(data["items"]),
        },
        origin=client_origin(request),
    )
    session.commit()
    return page(request, "persons.html", title="Persons", data=data, viewer=viewer)


# --- one person ----------------------------------------------------------------------------


def recommendation(cases: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The agency's latest case of the person: its state, intervention, rule and reasons."""
    if not cases:
        return None
    case = max(cases, key=lambda c: int(c["id"]))
    return {
        "case_id": case["id"],
        "state": case["state"],
        "intervention": case["intervention"],
        "rule": case["rule"],
        "reasons": case["reasons"],
        "url": f"/cases/{case['id']}",
    }


def person_data(dossier: Dossier, viewer: Viewer) -> dict[str, Any]:
    """What the person page shows (identifiers masked)."""
    data = dossier.as_json()
    data["account_labels"] = {
        a["uid"]: f"{a['platform']} · {a['username'] or a['uid']}" for a in data["accounts"]
    }
    evidence = data["evidence"] or {}
    data["recommendation"] = recommendation(data["cases"])
    data["country_evidence"] = evidence.get("country")
    data["age_evidence"] = evidence.get("age")
    data["can_reveal"] = viewer.role in ACTIONS["person.reveal"]
    data["revealable"] = [*REVEALABLE, ALL_FIELDS]
    data["revealed"] = None
    data["reveal_error"] = None
    return data


def _dossier(request: Request, session: Session, viewer: Viewer, person_id: str) -> Dossier:
    workspace = web_state(request).workspace
    return build_dossier(workspace, session, _visibility(request, session, viewer), person_id)


def _path(person_id: str) -> str:
    return f"/persons/{quote(person_id)}"


def _title(dossier: Dossier) -> str:
    return f"Person {dossier.person.person_id}"


@twin(router, "/persons/{person_id}")
def person(person_id: PersonId, request: Request, viewer: Reader, session: DbSession) -> Response:
    """A person: accounts and links, timeline, profile and evidence, cases, messages, audit."""
    dossier = _dossier(request, session, viewer, person_id)
    record_person_read(session, request, viewer, dossier.person.person_id)
    session.commit()
    return page(
        request,
        "person.html",
        title=_title(dossier),
        data=person_data(dossier, viewer),
        viewer=viewer,
    )


@router.post("/persons/{person_id}/reveal.json", include_in_schema=False)
@router.post("/persons/{person_id}/reveal", include_in_schema=False)
def reveal_identifiers(
    person_id: PersonId,
    request: Request,
    viewer: Revealer,
    session: DbSession,
    reason: Annotated[str, Form(max_length=1000)] = "",
    field: Annotated[str, Form(max_length=40)] = ALL_FIELDS,
) -> Response:
    """Show the person's unmasked identifiers once, given a reason (audited with it)."""
    dossier = _dossier(request, session, viewer, person_id)
    data = person_data(dossier, viewer)
    fields = list(REVEALABLE) if field == ALL_FIELDS else [field]
    try:
        revealed = [reveal(dossier.source, name, reason) for name in fields]
    except RevealError as exc:
        # the masked page is shown again with the refusal: that is a read
        record_person_read(session, request, viewer, person_id)
        session.commit()
        data["reveal_error"] = str(exc)
        return page(
            request,
            "person.html",
            title=_title(dossier),
            data=data,
            viewer=viewer,
            status=400,
            path=_path(person_id),
        )
    record(
        session,
        viewer.name,
        "person.reveal",
        agency=viewer.agency,
        object_type="person",
        object_id=person_id,
        reason=reason.strip(),
        origin=client_origin(request),
        detail={"fields": fields, "values": sum(len(r.values) for r in revealed)},
    )
    session.commit()
    data["revealed"] = [r.as_json() for r in revealed]
    # the language switch and the JSON link point at the GET page, not at this POST
    return page(
        request,
        "person.html",
        title=_title(dossier),
        data=data,
        viewer=viewer,
        path=_path(person_id),
    )
