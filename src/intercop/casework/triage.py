"""Triage: every profiled person through routing and the policy, into recommended cases.

``evaluate`` is pure (profile rows in, recommendations out). ``apply_triage`` writes
them to the case store in one transaction: a case is opened per person and agency
and moved to ``recommended``; a case already past ``recommended`` (approved,
rejected, contacted...) is left alone, and a recommended case gets a new event only
when its recommendation changed, so running triage twice changes nothing.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from intercop.audit import record
from intercop.casework.agencies import Agency
from intercop.casework.cases import transition
from intercop.casework.fields import field_rows
from intercop.casework.policy import PolicySet
from intercop.casework.routing import route
from intercop.errors import IntercopError
from intercop.profiles.build import PROFILES_FILE
from intercop.store.base import utc_now
from intercop.store.models import Case, CaseEvent
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (person_id, agency)


class TriageError(IntercopError):
    """Triage cannot run (no profiles yet)."""

    hint = "Run `intercop resolve` first: it builds the persons and their profiles"


@dataclass(frozen=True)
class Triaged:
    """One person's recommendation, the rule that fired, why, and where the case goes."""

    person_id: str
    agency: str
    intervention: str
    rule: str
    reasons: tuple[str, ...]
    routing: tuple[str, ...]
    skipped: tuple[str, ...]
    policy_hash: str
    country: str | None
    minor: bool | None
    case_id: int | None = None
    #: what the run did to the case: created, updated, unchanged, kept, or dry-run
    action: str = "dry-run"


@dataclass(frozen=True)
class TriageReport:
    """The result of one triage run."""

    items: tuple[Triaged, ...]
    policy_hashes: Mapping[str, str]
    counts: Mapping[str, int]  # by action
    evaluate_seconds: float
    write_seconds: float

    def summary(self) -> dict[str, dict[str, int]]:
        """Persons by agency, then by intervention."""
        table: dict[str, Counter[str]] = {}
        for t in self.items:
            table.setdefault(t.agency, Counter())[t.intervention] += 1
        return {a: dict(sorted(c.items())) for a, c in sorted(table.items())}


def read_profiles(workspace: Workspace) -> list[dict[str, Any]]:
    """The rule fields of every profiled person (see ``fields.FIELDS``)."""
    path = workspace.derived / PROFILES_FILE
    if not path.is_file():
        raise TriageError(f"no profiles in {path}: nothing to triage")
    return field_rows(pq.read_table(path))


def evaluate(
    rows: Iterable[Mapping[str, Any]],
    policies: PolicySet,
    agencies: Mapping[str, Agency],
    *,
    agency: str | None = None,
) -> list[Triaged]:
    """Route and triage every row; only the persons routed to ``agency`` when given."""
    threshold = policies.default.min_country_confidence
    out = []
    for row in rows:
        where = route(row.get("country"), row.get("country_confidence"), agencies, threshold)
        if agency is not None and where.agency != agency:
            continue
        policy = policies.for_agency(where.agency)
        rec = policy.evaluate(row)
        out.append(
            Triaged(
                person_id=row["person_id"],
                agency=where.agency,
                intervention=rec.intervention,
                rule=rec.rule,
                reasons=rec.reasons,
                routing=where.reasons,
                skipped=rec.skipped,
                policy_hash=policy.sha256,
                country=row.get("country"),
                minor=row.get("minor_now"),
            )
        )
    return out


def _event_detail(t: Triaged) -> dict[str, Any]:
    return {
        "rule": t.rule,
        "reasons": list(t.reasons),
        "routing": list(t.routing),
        "skipped": list(t.skipped),
        "policy_hash": t.policy_hash,
    }


def _create_recommended(session: Session, items: list[Triaged], user: str) -> dict[Key, int]:
    """Open the cases of persons who have none, already recommended, with their events.

    These are the rows ``cases.open_case`` and ``cases.transition(..., "recommended")``
    write (a case, and an event new -> recommended), inserted in bulk: 100,000 cases one
    ORM round trip at a time take minutes on SQLite.
    """
    now = utc_now()
    session.execute(
        insert(Case),
        [
            {
                "person_id": t.person_id,
                "agency": t.agency,
                "state": "recommended",
                "intervention": t.intervention,
                "rule": t.rule,
                "reasons": json.dumps(list(t.reasons), ensure_ascii=False),
                "policy_hash": t.policy_hash,
                "country": t.country,
                "minor": t.minor,
                "created_at": now,
                "updated_at": now,
                "updated_by": user,
            }
            for t in items
        ],
    )
    # the ids in one query: RETURNING over many batches is quadratic in SQLAlchemy 2.0
    wanted = {(t.person_id, t.agency) for t in items}
    agencies = sorted({agency for _, agency in wanted})
    found = session.execute(
        select(Case.id, Case.person_id, Case.agency).where(Case.agency.in_(agencies))
    )
    ids = {(r.person_id, r.agency): r.id for r in found if (r.person_id, r.agency) in wanted}
    session.execute(
        insert(CaseEvent),
        [
            {
                "case_id": ids[(t.person_id, t.agency)],
                "at": now,
                "user_name": user,
                "from_state": "new",
                "to_state": "recommended",
                "intervention": t.intervention,
                "reason": f"triage: rule {t.rule}",
                "detail": json.dumps(
                    _event_detail(t), sort_keys=True, default=str, ensure_ascii=False
                ),
            }
            for t in items
        ],
    )
    return ids


def apply_triage(session: Session, items: list[Triaged], user: str) -> list[Triaged]:
    """Write the recommendations to the case store (the caller commits)."""
    agencies = sorted({t.agency for t in items})
    existing = {
        (c.person_id, c.agency): c
        for c in session.scalars(select(Case).where(Case.agency.in_(agencies)))
    } if agencies else {}  # fmt: skip
    missing = [t for t in items if (t.person_id, t.agency) not in existing]
    created = _create_recommended(session, missing, user) if missing else {}
    done = []
    for t in items:
        key = (t.person_id, t.agency)
        if key in created:
            done.append(replace(t, case_id=created[key], action="created"))
            continue
        case = existing[key]
        reasons = json.dumps(list(t.reasons), ensure_ascii=False)
        if case.state == "recommended" and (case.intervention, case.rule, case.reasons) == (
            t.intervention,
            t.rule,
            reasons,
        ):
            action = "unchanged"
        elif case.state in ("new", "recommended"):
            action = "created" if case.state == "new" else "updated"
            transition(
                session,
                case,
                "recommended",
                user,
                f"triage: rule {t.rule}",
                intervention=t.intervention,
                detail=_event_detail(t),
                audit=False,
            )
            case.rule, case.reasons, case.policy_hash = t.rule, reasons, t.policy_hash
            case.country, case.minor = t.country, t.minor
        else:
            action = "kept"
        done.append(replace(t, case_id=case.id, action=action))
    return done


def run_triage(
    session: Session,
    rows: list[dict[str, Any]],
    policies: PolicySet,
    agencies: Mapping[str, Agency],
    user: str,
    *,
    agency: str | None = None,
    dry_run: bool = False,
) -> TriageReport:
    """Triage ``rows``; unless ``dry_run``, write the cases and one audit entry (no commit)."""
    started = time.perf_counter()
    items = evaluate(rows, policies, agencies, agency=agency)
    evaluated = time.perf_counter()
    if not dry_run:
        items = apply_triage(session, items, user)
    counts = dict(sorted(Counter(t.action for t in items).items()))
    report = TriageReport(
        tuple(items),
        policies.hashes(),
        counts,
        round(evaluated - started, 3),
        round(time.perf_counter() - evaluated, 3),
    )
    log.info(
        "triage of %d persons: evaluated in %.2f s, written in %.2f s",
        len(items),
        report.evaluate_seconds,
        report.write_seconds,
    )
    if not dry_run:
        record(
            session,
            user,
            "triage.run",
            agency=agency,
            object_type="triage",
            detail={
                "persons": len(items),
                "actions": counts,
                "policy_hashes": dict(report.policy_hashes),
                "by_agency": report.summary(),
            },
        )
    return report
