"""Search the persons the viewer's agency may see by username, e-mail, IP or person id.

The search is audited as ``person.search``. The query itself is personal data, so the
audit entry keeps only its kind (username, email, ip) and a keyed hash of it (HMAC
with the workspace key): an auditor can tell that two searches were for the same
value without the log holding the value.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from intercop.audit import record
from intercop.identity.directory import open_directory
from intercop.identity.normalise import normalise_ip
from intercop.visibility import visibility_for
from intercop.web.pages import page, twin
from intercop.web.state import client_origin, db_session, web_state
from intercop.web.viewer import Access, Viewer

router = APIRouter()
Reader = Annotated[Viewer, Depends(Access("person.read"))]
DbSession = Annotated[Session, Depends(db_session)]

MAX_HITS = 50


def query_kind(text: str) -> str:
    """What a query looks like: ``ip``, ``email`` or ``username`` (which also finds ids)."""
    if normalise_ip(text) is not None:
        return "ip"
    return "email" if "@" in text else "username"


def query_hash(key: bytes, text: str) -> str:
    """A keyed hash of the query (case-folded), for the audit log instead of the text."""
    return hmac.new(key, b"person.search\n" + text.casefold().encode(), hashlib.sha256).hexdigest()


@twin(router, "/search")
def search(
    request: Request,
    viewer: Reader,
    session: DbSession,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Visible persons whose username, e-mail or IP matches ``q`` (or with id ``q``)."""
    workspace = web_state(request).workspace
    text = q.strip()
    data: dict[str, Any] = {"q": text, "kind": None, "hits": []}
    if text:
        visibility = visibility_for(workspace, session, viewer.agency)
        hits = open_directory(workspace).search(visibility, text, limit=MAX_HITS)
        data["kind"] = query_kind(text)
        data["hits"] = [h.as_json() for h in hits]
        record(
            session,
            viewer.name,
            "person.search",
            agency=viewer.agency,
            object_type="person",
            origin=client_origin(request),
            detail={
                "kind": data["kind"],
                "query_hmac": query_hash(workspace.secret_key(), text),
                "hits": len(hits),
            },
        )
        session.commit()
    return page(request, "search.html", title="Search", data=data, viewer=viewer)
