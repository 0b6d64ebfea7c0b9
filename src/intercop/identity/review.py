"""The review queue: links the resolver refused to merge, with the reason, for a reviewer.

Each item is a pair of accounts the evidence points to as one person but a guard
stopped (a reviewer's earlier "different", two accounts of one dataset on weak model
evidence, conflicting birth dates, a would-be giant cluster). A reviewer answers with
``intercop judge A B same|different``, which the next resolve applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from intercop.identity.explain import PersonNotFoundError
from intercop.workspace import Workspace


@dataclass(frozen=True)
class ReviewItem:
    """One refused link."""

    uid_l: str
    uid_r: str
    person_l: str
    person_r: str
    kind: str
    match_weight: float
    reason: str


def review_queue(workspace: Workspace, *, limit: int | None = None) -> list[ReviewItem]:
    """Refused links, strongest evidence first, that still separate two persons."""
    links = workspace.derived / "links.parquet"
    persons = workspace.derived / "persons.parquet"
    if not links.exists() or not persons.exists():
        raise PersonNotFoundError("nothing resolved yet")
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT l.uid_l, l.uid_r, a.person_id, b.person_id, l.kind, l.match_weight, "
            "l.decision FROM read_parquet(?) l "
            "JOIN read_parquet(?) a ON a.uid = l.uid_l JOIN read_parquet(?) b ON b.uid = l.uid_r "
            "WHERE NOT l.merged AND l.decision <> 'already together' "
            "AND a.person_id <> b.person_id "
            "ORDER BY l.match_weight DESC, l.uid_l, l.uid_r LIMIT ?",
            [str(links), str(persons), str(persons), limit if limit is not None else 2**62],
        ).fetchall()
    finally:
        con.close()
    return [
        ReviewItem(
            uid_l=str(r[0]), uid_r=str(r[1]), person_l=str(r[2]), person_r=str(r[3]),
            kind=str(r[4]), match_weight=float(r[5]), reason=str(r[6]),
        )
        for r in rows
    ]  # fmt: skip
