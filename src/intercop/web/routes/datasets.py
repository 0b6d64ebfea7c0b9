"""The datasets the viewer's agency may see, and one dataset's manifest, mapping and quarantine.

A dataset page shows what was seized and how it was read (no row of seized data):
source files and their hashes, tables with the detected role of each column, the
columns minimised at ingest, the canonical row counts and the quarantine by reason.
A dataset of another agency answers 404 like one that does not exist.
"""

from __future__ import annotations

import json
import logging
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from intercop.evidence.manifest import Manifest
from intercop.evidence.mapping import Mapping
from intercop.evidence.vault import Vault
from intercop.exchange.sharing import distribution_of, set_distribution
from intercop.visibility import NotVisibleError, can_see_dataset, check_dataset, visibility_for
from intercop.web.errors import register_not_found
from intercop.web.pages import page, twin
from intercop.web.state import client_origin, db_session, web_state
from intercop.web.viewer import Access, Viewer

log = logging.getLogger(__name__)

router = APIRouter()
SignedIn = Annotated[Viewer, Depends(Access())]
Sharer = Annotated[Viewer, Depends(Access("share.set"))]
DbSession = Annotated[Session, Depends(db_session)]

register_not_found(NotVisibleError)

QUARANTINE_FILE = "quarantine.ndjson"
#: quarantined items listed on the page (where and why only; the raw text stays in the vault)
QUARANTINE_SAMPLE = 20


def dataset_row(m: Manifest) -> dict[str, Any]:
    """One line of the datasets list."""
    return {
        "dataset_id": m.dataset_id,
        "platform": m.platform,
        "kind": m.kind,
        "agency": m.agency,
        "seized_on": m.seized_on,
        "ingested_at": m.ingested_at,
        "retention_until": m.retention_until,
        "tables": len(m.tables),
        "rows": sum(t.rows for t in m.tables.values()),
        "accounts": m.canonical.get("accounts", 0),
        "quarantined": m.quarantined,
    }


def visible_manifests(request: Request, session: Session, viewer: Viewer) -> list[Manifest]:
    """The manifests of the datasets the viewer's agency may see, oldest first."""
    workspace = web_state(request).workspace
    visibility = visibility_for(workspace, session, viewer.agency)
    return [m for m in Vault(workspace).manifests() if can_see_dataset(visibility, m.dataset_id)]


def _tables(m: Manifest) -> list[dict[str, Any]]:
    """Each raw table with its rows, detected role and every column's meaning."""
    mapping = Mapping.model_validate(m.mapping)
    out = []
    for name, table in m.tables.items():
        mapped = mapping.tables.get(name)
        columns = []
        for column in table.columns:
            meaning = mapped.columns.get(column.name) if mapped else None
            columns.append(
                {
                    "name": column.name,
                    "sql_type": column.sql_type,
                    "stored_as": column.stored_as,
                    "secret": column.secret,
                    "role": meaning.role.value if meaning else None,
                    "format": meaning.format if meaning else None,
                    "reason": meaning.reason if meaning else "",
                }
            )
        out.append(
            {
                "name": name,
                "rows": table.rows,
                "role": mapped.role.value if mapped else None,
                "reason": mapped.reason if mapped else "",
                "primary_key": table.primary_key,
                "columns": columns,
            }
        )
    return out


def quarantine_sample(folder: Path, limit: int = QUARANTINE_SAMPLE) -> list[dict[str, Any]]:
    """The first quarantined items: source, line, table and reason (not the raw text)."""
    path = folder / QUARANTINE_FILE
    if not path.is_file():
        return []
    items = []
    with path.open(encoding="utf-8") as handle:
        for line in islice(handle, limit):
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                log.warning("unreadable quarantine line in %s", path)
                continue
            items.append({k: item.get(k) for k in ("source", "line", "table", "reason")})
    return items


def dataset_detail(m: Manifest, folder: Path) -> dict[str, Any]:
    """Everything the dataset page shows."""
    return {
        **dataset_row(m),
        "legal_basis": m.legal_basis,
        "tool_version": m.tool_version,
        "mapping_software": m.mapping_software,
        "seconds": m.seconds,
        "sources": [s.model_dump(mode="json") for s in m.sources],
        "table_list": _tables(m),
        "secrets": [s.model_dump(mode="json") for s in m.secrets],
        "canonical": dict(m.canonical),
        "quarantine": {
            "count": m.quarantined,
            "reasons": dict(sorted(m.quarantine_reasons.items(), key=lambda kv: -kv[1])),
            "sample": quarantine_sample(folder),
        },
    }


@twin(router, "/datasets")
def datasets(request: Request, viewer: SignedIn, session: DbSession) -> Response:
    """The datasets the viewer's agency owns or was given."""
    rows = [dataset_row(m) for m in visible_manifests(request, session, viewer)]
    return page(request, "datasets.html", title="Datasets", data={"datasets": rows}, viewer=viewer)


@twin(router, "/datasets/{dataset_id}")
def dataset(dataset_id: str, request: Request, viewer: SignedIn, session: DbSession) -> Response:
    """One dataset: sources and hashes, tables and mapping, minimised columns, quarantine."""
    workspace = web_state(request).workspace
    check_dataset(visibility_for(workspace, session, viewer.agency), dataset_id)
    vault = Vault(workspace)
    if not vault.exists(dataset_id):  # removed by retention since the visibility was computed
        raise NotVisibleError("dataset", dataset_id)
    manifest = vault.manifest(dataset_id)
    data = dataset_detail(manifest, vault.path(dataset_id))
    data["distribution"] = distribution_of(session, "dataset", dataset_id, workspace).as_json()
    return page(
        request, "dataset.html", title=f"Dataset {manifest.platform}", data=data, viewer=viewer
    )


@router.post("/datasets/{dataset_id}/share", include_in_schema=False)
def share_dataset(
    dataset_id: str,
    request: Request,
    viewer: Sharer,
    session: DbSession,
    level: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=2000)],
    partners: Annotated[str, Form(max_length=400)] = "",
    handling: Annotated[str, Form(max_length=4)] = "H2",
    tlp: Annotated[str, Form(max_length=20)] = "amber",
) -> Response:
    """Set who may see the dataset (a supervisor of its owner agency; audited as a disclosure)."""
    workspace = web_state(request).workspace
    check_dataset(visibility_for(workspace, session, viewer.agency), dataset_id)
    codes = [c.strip().upper() for c in partners.replace(";", ",").split(",") if c.strip()]
    set_distribution(session, viewer.name, "dataset", dataset_id, level, codes, handling, tlp,
                     reason, workspace=workspace, origin=client_origin(request))  # fmt: skip
    session.commit()
    return RedirectResponse(f"/datasets/{dataset_id}", status_code=303)
