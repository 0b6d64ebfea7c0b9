"""The REST API under ``/api/v1``: persons, datasets, cases, campaigns, pilots, audit.

Every route answers a model of ``intercop.web.schemas`` (the OpenAPI schema is served
at ``/api/v1/openapi.json``) and calls the same core functions as the pages and the
CLI. Callers authenticate with ``Authorization: Bearer <token>`` (or a session cookie);
a ``read`` token may only GET. An object of another agency answers 404, exactly like a
missing one. Reading a person is audited (``person.read``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.security import HTTPBearer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.access import AccessError
from intercop.audit import verify
from intercop.auth.errors import TokenError
from intercop.casework.decisions import Decided, approve, move
from intercop.casework.interventions import catalogue_path, load_catalogue
from intercop.casework.pilots import pilot_summary
from intercop.casework.queue import (
    CaseFilter,
    CaseNotFoundError,
    case_history,
    case_json,
    event_json,
    get_case,
    list_cases,
)
from intercop.errors import IntercopError
from intercop.evidence.manifest import Manifest
from intercop.evidence.vault import Vault
from intercop.identity.directory import Directory, open_directory
from intercop.outreach.addresses import mask
from intercop.outreach.facts import mask_ip
from intercop.outreach.summary import summary
from intercop.store.models import Campaign, Case, Pilot
from intercop.visibility import NotVisibleError, Visibility, check_dataset, visibility_for
from intercop.web import schemas as s
from intercop.web.errors import STATUS, register_not_found
from intercop.web.reads import record_person_read
from intercop.web.state import db_session, web_state
from intercop.web.viewer import Access, ForbiddenError, Viewer

#: the error answers every API route may give (documented in the schema)
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": s.ErrorOut, "description": "No valid token or session"},
    403: {"model": s.ErrorOut, "description": "The role or the token's scope does not allow it"},
    404: {"model": s.ErrorOut, "description": "No such object (or another agency's)"},
}
#: ids are 32-bit integers in the case store on every backend
MAX_ID = 2**31 - 1

router = APIRouter(
    prefix="/api/v1",
    tags=["api"],
    responses=ERRORS,
    # documents the bearer scheme in the schema; the check itself is Access
    dependencies=[
        Depends(
            HTTPBearer(auto_error=False, scheme_name="token", description="intercop token create")
        )
    ],
)

SignedIn = Annotated[Viewer, Depends(Access())]
Reader = Annotated[Viewer, Depends(Access("case.read"))]
PersonReader = Annotated[Viewer, Depends(Access("person.read"))]
Decider = Annotated[Viewer, Depends(Access("case.decide"))]
Auditor = Annotated[Viewer, Depends(Access("audit.read"))]
DbSession = Annotated[Session, Depends(db_session)]
Offset = Annotated[int, Query(ge=0, le=10**9, description="items to skip")]
Limit = Annotated[int, Query(ge=1, le=1000, description="items per page")]
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
CaseState = Literal[
    "new", "recommended", "approved", "rejected", "contacted", "followed_up", "closed"
]
MOVES = {"reject": "rejected", "follow_up": "followed_up", "close": "closed"}


class ApiNotFoundError(IntercopError):
    """No such object for this agency (missing and another agency's look the same)."""


register_not_found(ApiNotFoundError, NotVisibleError, CaseNotFoundError)
# an unknown, revoked or expired token is "not signed in" (401), not a bad request
STATUS.insert(0, (TokenError, 401))


def _visibility(request: Request, session: Session, viewer: Viewer) -> Visibility:
    return visibility_for(web_state(request).workspace, session, viewer.agency)


def _own(viewer: Viewer, agency: str) -> bool:
    return viewer.network or agency == viewer.agency


# --- persons -------------------------------------------------------------------------------


@router.get("/persons", response_model=s.PersonPage)
def list_persons(
    request: Request,
    viewer: PersonReader,
    session: DbSession,
    offset: Offset = 0,
    limit: Limit = 50,
    country: Annotated[str | None, Query(max_length=8, pattern=r"^[A-Za-z]{2,8}$")] = None,
    age_band: Annotated[str | None, Query(max_length=20)] = None,
    minor: bool | None = None,
    order: Literal["risk", "person_id"] = "risk",
) -> s.PersonPage:
    """The persons the agency may see, highest risk first, with filters."""
    directory = open_directory(web_state(request).workspace)
    page = directory.page(
        _visibility(request, session, viewer),
        country=country,
        age_band=age_band,
        minor=minor,
        order=order,
        offset=offset,
        limit=limit,
    )
    return s.PersonPage.model_validate(page.as_json())


def _accounts(directory: Directory, index: int, visibility: Visibility) -> list[s.AccountOut]:
    """The person's accounts in datasets the agency may see, identifiers masked."""
    rows = directory.account_rows(index)
    if not rows:
        return []
    out = []
    for row in directory.records.take(rows).to_pylist():
        if not (visibility.network or row.get("dataset_id") in visibility.dataset_ids):
            continue
        out.append(
            s.AccountOut(
                uid=str(row["uid"]),
                dataset_id=row.get("dataset_id"),
                platform=row.get("platform"),
                username=row.get("username"),
                emails=[mask(e) for e in row.get("emails") or [] if e],
                ips=[m for m in (mask_ip(i) for i in row.get("ips") or []) if m],
                country=row.get("country"),
                first_seen=_text(row.get("first_seen")),
                last_seen=_text(row.get("last_seen")),
                role=row.get("role"),
            )
        )
    return out


def _text(value: object) -> str | None:
    if value is None:
        return None
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


@router.get("/persons/{person_id}", response_model=s.PersonDetail)
def get_person(
    request: Request,
    viewer: PersonReader,
    session: DbSession,
    person_id: Annotated[str, Path(max_length=40)],
) -> s.PersonDetail:
    """One person: summary, accounts (masked identifiers) and the agency's cases (audited)."""
    directory = open_directory(web_state(request).workspace)
    visibility = _visibility(request, session, viewer)
    entry = directory.get(visibility, person_id)
    index = directory.index_of(person_id)
    accounts = _accounts(directory, index, visibility) if index is not None else []
    query = select(Case).where(Case.person_id == person_id).order_by(Case.id)
    if not viewer.network:
        query = query.where(Case.agency == viewer.agency)
    cases = [s.CaseOut.model_validate(case_json(c)) for c in session.scalars(query)]
    record_person_read(session, request, viewer, person_id)
    session.commit()
    return s.PersonDetail(
        person=s.PersonOut.model_validate(entry.as_json()), accounts=accounts, cases=cases
    )


# --- datasets ------------------------------------------------------------------------------


def _dataset(manifest: Manifest) -> dict[str, Any]:
    return {
        "dataset_id": manifest.dataset_id,
        "platform": manifest.platform,
        "kind": manifest.kind,
        "agency": manifest.agency,
        "seized_on": manifest.seized_on,
        "retention_until": manifest.retention_until,
        "ingested_at": manifest.ingested_at,
        "tables": {name: t.rows for name, t in manifest.tables.items()},
        "canonical": dict(manifest.canonical),
        "quarantined": manifest.quarantined,
    }


@router.get("/datasets", response_model=list[s.DatasetOut])
def list_datasets(request: Request, viewer: SignedIn, session: DbSession) -> list[s.DatasetOut]:
    """The datasets the agency owns or was shared, oldest first."""
    visible = _visibility(request, session, viewer)
    return [
        s.DatasetOut.model_validate(_dataset(m))
        for m in Vault(web_state(request).workspace).manifests()
        if visible.network or m.dataset_id in visible.dataset_ids
    ]


@router.get("/datasets/{dataset_id}", response_model=s.DatasetDetail)
def get_dataset(
    request: Request,
    viewer: SignedIn,
    session: DbSession,
    dataset_id: Annotated[str, Path(max_length=100)],
) -> s.DatasetDetail:
    """One dataset's manifest: sources and hashes, mapping, dropped secrets, quarantine."""
    check_dataset(_visibility(request, session, viewer), dataset_id)
    manifest = Vault(web_state(request).workspace).manifest(dataset_id)
    return s.DatasetDetail.model_validate(
        {
            **_dataset(manifest),
            "legal_basis": manifest.legal_basis,
            "tool_version": manifest.tool_version,
            "mapping_software": manifest.mapping_software,
            "sources": [
                {"name": f.name, "size": f.size, "sha256": f.sha256} for f in manifest.sources
            ],
            "dropped_columns": manifest.dropped_columns,
            "hashed_columns": manifest.hashed_columns,
            "quarantine_reasons": dict(manifest.quarantine_reasons),
        }
    )


# --- cases ---------------------------------------------------------------------------------


@router.get("/cases", response_model=s.CasePage)
def list_queue(
    viewer: Reader,
    session: DbSession,
    offset: Offset = 0,
    limit: Limit = 50,
    state: CaseState | None = None,
    intervention: Annotated[str | None, Query(max_length=60)] = None,
) -> s.CasePage:
    """The agency's cases (the triage queue), by id, with filters."""
    agency = None if viewer.network else viewer.agency
    where = CaseFilter(agency=agency, state=state, intervention=intervention, limit=offset + limit)
    count = select(func.count()).select_from(Case)
    for column, value in (
        (Case.agency, agency),
        (Case.state, state),
        (Case.intervention, intervention),
    ):
        if value is not None:
            count = count.where(column == value)
    items = [s.CaseOut.model_validate(case_json(c)) for c in list_cases(session, where)[offset:]]
    return s.CasePage(
        total=int(session.scalar(count) or 0), offset=offset, limit=limit, items=items
    )


@router.get("/cases/{case_id}", response_model=s.CaseDetail)
def get_case_detail(viewer: Reader, session: DbSession, case_id: ObjectId) -> s.CaseDetail:
    """One case of the agency and its history."""
    case = get_case(session, case_id)
    if not _own(viewer, case.agency):
        raise CaseNotFoundError(f"no case {case_id}")
    case, events = case_history(session, case_id)
    return s.CaseDetail(
        case=s.CaseOut.model_validate(case_json(case)),
        events=[s.CaseEventOut.model_validate(event_json(e)) for e in events],
    )


@router.post("/cases/decide", response_model=s.DecideOut)
def decide(request: Request, viewer: Decider, session: DbSession, body: s.DecideIn) -> s.DecideOut:
    """Approve, reject, follow up or close cases of the agency, all or none, with a reason."""
    for case_id in body.case_ids:
        case = session.get(Case, case_id) if 1 <= case_id <= MAX_ID else None
        if case is None or not _own(viewer, case.agency):
            raise CaseNotFoundError(f"no case {case_id}")
    done: list[Decided]
    try:
        if body.decision == "approve":
            root = web_state(request).workspace.root
            catalogue = load_catalogue(catalogue_path(root))
            done = approve(
                session, viewer.name, body.case_ids, body.reason, catalogue, body.confirm
            )
        else:
            done = move(session, viewer.name, body.case_ids, MOVES[body.decision], body.reason)
    except AccessError as exc:
        raise ForbiddenError(exc.message, hint=exc.hint) from None
    session.commit()
    return s.DecideOut(
        decided=[
            s.DecidedOut(
                case_id=d.case_id,
                person_id=d.person_id,
                agency=d.agency,
                state=d.state,
                intervention=d.intervention,
            )
            for d in done
        ]
    )


# --- campaigns, pilots ---------------------------------------------------------------------


def _campaign(session: Session, campaign: Campaign, model: type[s.CampaignOut]) -> Any:
    data = summary(session, campaign).as_json()
    return model.model_validate({k: data[k] for k in model.model_fields})


@router.get("/campaigns", response_model=list[s.CampaignOut])
def list_campaigns(viewer: Reader, session: DbSession) -> list[s.CampaignOut]:
    """The agency's campaigns, newest first, with message counts."""
    query = select(Campaign).order_by(Campaign.id.desc())
    if not viewer.network:
        query = query.where(Campaign.agency == viewer.agency)
    return [_campaign(session, c, s.CampaignOut) for c in session.scalars(query)]


@router.get("/campaigns/{campaign_id}", response_model=s.CampaignDetail)
def get_campaign(viewer: Reader, session: DbSession, campaign_id: ObjectId) -> s.CampaignDetail:
    """One campaign of the agency: state, approval, message counts by status and locale."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not _own(viewer, campaign.agency):
        raise ApiNotFoundError(f"no campaign {campaign_id}")
    detail: s.CampaignDetail = _campaign(session, campaign, s.CampaignDetail)
    return detail


@router.get("/pilots", response_model=list[s.PilotOut])
def list_pilots(viewer: Reader, session: DbSession) -> list[s.PilotOut]:
    """The agency's pilots, newest first: design, hashes (checked now), counts per arm."""
    query = select(Pilot).order_by(Pilot.id.desc())
    if not viewer.network:
        query = query.where(Pilot.agency == viewer.agency)
    return [s.PilotOut.model_validate(pilot_summary(session, p)) for p in session.scalars(query)]


@router.get("/pilots/{pilot_id}", response_model=s.PilotOut)
def get_pilot(viewer: Reader, session: DbSession, pilot_id: ObjectId) -> s.PilotOut:
    """One pilot of the agency."""
    pilot = session.get(Pilot, pilot_id)
    if pilot is None or not _own(viewer, pilot.agency):
        raise ApiNotFoundError(f"no pilot {pilot_id}")
    return s.PilotOut.model_validate(pilot_summary(session, pilot))


# --- the caller, the audit log --------------------------------------------------------------


@router.get("/me", response_model=s.MeOut)
def me(viewer: SignedIn) -> s.MeOut:
    """Who the caller is."""
    return s.MeOut(
        name=viewer.name,
        role=viewer.role,
        agency=viewer.agency,
        via="token" if viewer.via == "token" else "session",
        scope=viewer.scope,
    )


@router.get("/audit/verify", response_model=s.AuditVerificationOut)
def audit_verify(viewer: Auditor, session: DbSession) -> s.AuditVerificationOut:
    """Recompute the audit log's hash chain (``intercop audit verify``)."""
    return s.AuditVerificationOut.model_validate(verify(session).as_json())
