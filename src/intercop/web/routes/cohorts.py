"""Cohort profiles of the persons the viewer's agency may see, small cells suppressed.

The counts come from ``intercop.profiles.cohorts.cohort_table`` over the visible
persons' profiles. Suppression is always on: the page accepts a larger smallest
published count than the default, never a smaller one.
"""

from __future__ import annotations

from typing import Annotated, Any

import pyarrow as pa
import pyarrow.compute as pc
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from intercop.errors import IntercopError
from intercop.identity.directory import open_directory
from intercop.profiles.cohorts import DEFAULT_BY, cohort_json, cohort_table
from intercop.visibility import Visibility, visibility_for
from intercop.web.pages import page, twin
from intercop.web.state import db_session, web_state
from intercop.web.viewer import Access, Viewer

router = APIRouter()
SignedIn = Annotated[Viewer, Depends(Access())]
DbSession = Annotated[Session, Depends(db_session)]

#: the smallest count published as a number, and the least the page accepts
MIN_CELL = 10
#: the dimensions offered (columns of the profiles with few values each)
DIMENSIONS = DEFAULT_BY
#: cells listed on the page (the JSON twin has all of them)
CELLS_SHOWN = 200


class CohortQueryError(IntercopError):
    """The cohort page was asked for a dimension the profiles do not offer."""

    hint = f"Choose among {', '.join(DIMENSIONS)}"


def visible_profiles(request: Request, visibility: Visibility) -> pa.Table | None:
    """The profiles (without evidence) of the persons ``visibility`` may see."""
    profiles = open_directory(web_state(request).workspace).profiles
    if profiles is None or visibility.network:
        return profiles
    keep = pc.is_in(
        profiles.column("person_id"), value_set=pa.array(sorted(visibility.person_ids), pa.string())
    )
    return profiles.filter(keep)


def cohorts_data(profiles: pa.Table | None, by: list[str], min_cell: int) -> dict[str, Any]:
    """The cohort document and what the page needs to draw it."""
    doc = (
        cohort_json(cohort_table(profiles, by=by, min_cell=min_cell))
        if profiles is not None
        else None
    )
    cells = doc["cells"] if doc else []
    return {
        "by": by,
        "dimensions": list(DIMENSIONS),
        "min_cell": min_cell,
        "cohorts": doc,
        "cells_shown": min(len(cells), CELLS_SHOWN),
        "charts": {
            dim: [(v["value"], v["persons"]) for v in values if isinstance(v["persons"], int)]
            for dim, values in (doc["marginals"].items() if doc else ())
        },
    }


@twin(router, "/cohorts")
def cohorts(
    request: Request,
    viewer: SignedIn,
    session: DbSession,
    by: Annotated[list[str] | None, Query(max_length=40)] = None,
    min_cell: Annotated[int, Query(ge=MIN_CELL, le=10_000)] = MIN_CELL,
) -> Response:
    """Persons by country, age band, platform kind, role and spend band (suppressed)."""
    dims = list(dict.fromkeys(d for d in (by or DEFAULT_BY) if d))
    unknown = [d for d in dims if d not in DIMENSIONS]
    if unknown or not dims:
        raise CohortQueryError(f"unknown dimension {', '.join(unknown) or '(none)'}")
    visibility = visibility_for(web_state(request).workspace, session, viewer.agency)
    data = cohorts_data(visible_profiles(request, visibility), dims, min_cell)
    return page(request, "cohorts.html", title="Cohort profiles", data=data, viewer=viewer)
