"""The audit entry of one look at a person, as every edge writes it."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from intercop.audit import record
from intercop.web.state import client_origin
from intercop.web.viewer import Viewer


def record_person_read(session: Session, request: Request, viewer: Viewer, person_id: str) -> None:
    """Audit ``viewer`` reading ``person_id`` (page, twin or API); the caller commits."""
    record(
        session,
        viewer.name,
        "person.read",
        agency=viewer.agency,
        object_type="person",
        object_id=person_id,
        detail={"via": viewer.via},
        origin=client_origin(request),
    )
