"""Retention (LED art. 5): find what has expired and erase it, leaving audit tombstones.

A dataset expires after its manifest's ``retention_until``; a case after its
``retention_until``, or when that is empty after ``created_at`` +
``INTERCOP_RETENTION_DAYS``. ``enforce`` erases, in an order that a crash at any
point can only leave for the next run to finish, never half-undo:

1. each expired dataset is renamed from ``vault/<id>`` to ``vault/.trash/<id>.<run>``
   (atomic; from then on no reader sees it). A run finds trash left by an
   interrupted one and finishes its erasure;
2. the derived files are rewritten without it and the analytics views rebuilt;
3. in one case-store transaction: expired cases and what is tied to them are
   deleted, and the audit log gets one ``retention.erase`` tombstone per dataset and
   per case plus a ``retention.enforce`` summary (counts, dataset ids, case ids,
   person ids as keyed hashes) — the log itself is never erased;
4. outbox and letter files of erased messages, and the trash, are deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import require
from intercop.analytics import refresh_views
from intercop.audit import record
from intercop.evidence.manifest import Manifest
from intercop.evidence.vault import MANIFEST, Vault
from intercop.lawful.casestore import CaseRef, erase_cases
from intercop.lawful.derived import erase_baselines, erase_derived
from intercop.settings import get_settings
from intercop.store.database import Store
from intercop.store.models import Case
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

TRASH = ".trash"


@dataclass(frozen=True)
class ExpiredDataset:
    """A dataset past its retention date (or left in the trash by an interrupted run)."""

    dataset_id: str
    platform: str
    agency: str
    retention_until: date
    interrupted: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"dataset_id": self.dataset_id, "platform": self.platform,
                "agency": self.agency, "retention_until": self.retention_until.isoformat(),
                "interrupted": self.interrupted}  # fmt: skip


@dataclass(frozen=True)
class ExpiredCase:
    """A case past its retention date."""

    case_id: int
    person_id: str
    agency: str
    retention_until: date
    default_policy: bool  # the date is created_at + INTERCOP_RETENTION_DAYS


@dataclass(frozen=True)
class ErasurePlan:
    """What has expired on ``today``."""

    today: date
    datasets: tuple[ExpiredDataset, ...]
    cases: tuple[ExpiredCase, ...]


@dataclass
class ErasureReport:
    """What ``enforce`` erased (or, in a dry run, would erase)."""

    today: date
    dry_run: bool
    datasets: list[dict[str, Any]]
    cases: list[int]
    derived: dict[str, Any] = field(default_factory=dict)
    case_store: dict[str, int] = field(default_factory=dict)
    baseline_rows: int = 0
    files: int = 0
    audit_entries: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"today": self.today.isoformat(), "dry_run": self.dry_run,
                "datasets": self.datasets, "cases": self.cases, "derived": self.derived,
                "case_store": self.case_store, "baseline_rows": self.baseline_rows,
                "files": self.files, "audit_entries": self.audit_entries}  # fmt: skip


def case_retention(case: Case, days: int) -> tuple[date, bool]:
    """A case's retention date, and whether it comes from the default policy."""
    if case.retention_until is not None:
        return case.retention_until, False
    return case.created_at.date() + timedelta(days=days), True


def _trash(workspace: Workspace) -> Path:
    return workspace.vault / TRASH


def _interrupted(workspace: Workspace) -> list[tuple[Path, Manifest | None]]:
    found: list[tuple[Path, Manifest | None]] = []
    trash = _trash(workspace)
    for folder in sorted(trash.iterdir()) if trash.is_dir() else []:
        try:
            manifest = Manifest.model_validate_json((folder / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError):
            manifest = None
        found.append((folder, manifest))
    return found


def plan_erasure(workspace: Workspace, session: Session, today: date) -> ErasurePlan:
    """Datasets and cases whose retention date is before ``today``."""
    datasets = [
        ExpiredDataset(m.dataset_id, m.platform, m.agency, m.retention_until)
        for m in Vault(workspace).manifests()
        if m.retention_until < today
    ]
    for folder, manifest in _interrupted(workspace):
        if manifest is not None:
            m = manifest
            datasets.append(
                ExpiredDataset(m.dataset_id, m.platform, m.agency, m.retention_until, True)
            )
        else:
            datasets.append(ExpiredDataset(folder.name.split(".")[0], "?", "?", today, True))
    days = get_settings().retention_days
    cases = []
    for case in session.scalars(select(Case).order_by(Case.id)):
        until, default = case_retention(case, days)
        if until < today:
            cases.append(ExpiredCase(case.id, case.person_id, case.agency, until, default))
    return ErasurePlan(today, tuple(datasets), tuple(cases))


def hashed_person(workspace: Workspace, person_id: str) -> str:
    """A keyed hash of a person id: lets the workspace match it later, nobody else."""
    return hmac.new(workspace.secret_key(), person_id.encode(), hashlib.sha256).hexdigest()[:32]


def enforce(
    workspace: Workspace, store: Store, user: str | None, today: date, *, dry_run: bool = False
) -> ErasureReport:
    """Erase every expired dataset and case (``dry_run``: report only, change nothing)."""
    with store.session() as session:
        acting = require(session, user, "retention.enforce")
        plan = plan_erasure(workspace, session, today)
        ids = {d.dataset_id for d in plan.datasets}
        refs = [CaseRef(c.case_id, c.person_id, c.agency) for c in plan.cases]
        report = ErasureReport(today, dry_run, [d.as_json() for d in plan.datasets],
                               [c.case_id for c in plan.cases])  # fmt: skip
        if dry_run:
            derived = erase_derived(workspace, ids, write=False)
            counted = erase_cases(session, refs, write=False)
            report.derived = derived.as_json()
            report.case_store = dict(counted.rows)
            report.baseline_rows = erase_baselines(workspace, derived.persons_gone,
                                                   counted.assignments, write=False)  # fmt: skip
            session.rollback()
            return report
        if not ids and not refs:
            return report
        run = uuid.uuid4().hex[:12]
        trashed = [_to_trash(workspace, d, run) for d in plan.datasets if not d.interrupted]
        trashed += [f for f, _ in _interrupted(workspace) if f not in trashed]
        derived = erase_derived(workspace, ids)
        refresh_views(workspace)
        erased = erase_cases(session, refs)
        report.derived = derived.as_json()
        report.case_store = dict(erased.rows)
        report.baseline_rows = erase_baselines(workspace, derived.persons_gone,
                                               erased.assignments)  # fmt: skip
        report.files = _erase_message_files(workspace, erased.message_ids)
        report.audit_entries = _tombstones(session, workspace, acting.name, acting.agency,
                                           plan, report, run)  # fmt: skip
        session.commit()
    for folder in trashed:
        _purge(folder)
    log.info("retention run %s: %d datasets, %d cases erased", run, len(ids), len(refs))
    return report


def _tombstones(
    session: Session,
    workspace: Workspace,
    user: str,
    agency: str,
    plan: ErasurePlan,
    report: ErasureReport,
    run: str,
) -> int:
    why = f"retention period ended before {plan.today.isoformat()}"
    for d in plan.datasets:
        record(session, user, "retention.erase", agency=d.agency if d.agency != "?" else None,
               object_type="dataset", object_id=d.dataset_id, reason=why,
               detail={"run": run, **d.as_json()})  # fmt: skip
    for c in plan.cases:
        record(session, user, "retention.erase", agency=c.agency, object_type="case",
               object_id=str(c.case_id), reason=why,
               detail={"run": run, "person": hashed_person(workspace, c.person_id),
                       "retention_until": c.retention_until.isoformat(),
                       "default_policy": c.default_policy})  # fmt: skip
    record(session, user, "retention.enforce", agency=agency, object_type="retention",
           object_id=run, reason=why,
           detail={"today": plan.today.isoformat(),
                   "datasets": sorted(d.dataset_id for d in plan.datasets),
                   "cases": [c.case_id for c in plan.cases],
                   "persons": sorted({hashed_person(workspace, c.person_id) for c in plan.cases}),
                   "derived": report.derived, "case_store": report.case_store,
                   "baseline_rows": report.baseline_rows, "files": report.files})  # fmt: skip
    return len(plan.datasets) + len(plan.cases) + 1


def _to_trash(workspace: Workspace, dataset: ExpiredDataset, run: str) -> Path:
    """Move a dataset out of the vault in one rename (the vault's only removal)."""
    source = workspace.vault / dataset.dataset_id
    trash = _trash(workspace)
    trash.mkdir(exist_ok=True)
    target = trash / f"{dataset.dataset_id}.{run}"
    # a folder moved to another parent needs its own write bit (its '..' entry changes)
    source.chmod(0o755)
    os.rename(source, target)
    for folder in (workspace.vault, trash):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return target


def _purge(folder: Path) -> None:
    """Delete a trashed dataset (its files and folders were made read-only by the vault)."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder)


def _erase_message_files(workspace: Workspace, messages: list[tuple[int, str, str]]) -> int:
    """Outbox and letter files of erased messages."""
    from intercop.outreach.channels.base import safe_key

    removed = 0
    for campaign_id, message_id, _channel in messages:
        key = safe_key(message_id)
        candidates = [workspace.outbox / "new" / key,
                      workspace.root / "letters" / str(campaign_id) / f"{key}.pdf"]  # fmt: skip
        cur = workspace.outbox / "cur"
        if cur.is_dir():
            candidates += [*cur.glob(f"{key}:*"), cur / key]
        for path in candidates:
            if path.is_file():
                path.unlink()
                removed += 1
    return removed
