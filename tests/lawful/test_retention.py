"""Retention erases exactly what has expired, leaves tombstones, and a dry run changes nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from intercop.access import AccessError, add_user
from intercop.audit import verify
from intercop.casework.cases import transition
from intercop.evidence.ingest import IngestResult
from intercop.identity.resolve import resolve
from intercop.lawful.retention import enforce
from intercop.store import Store, open_store
from intercop.store.models import AuditEntry, Case, CaseEvent, Contact
from intercop.workspace import Workspace, open_workspace
from tests.store.backends import BACKENDS, case_store_url

PAST = date(2020, 1, 1)
TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def resolved(
    tmp_path_factory: pytest.TempPathFactory, ingested: tuple[Workspace, dict[str, IngestResult]]
) -> Workspace:
    source, _ = ingested
    ws = open_workspace(shutil.copytree(source.root, tmp_path_factory.mktemp("lawful") / "ws"))
    resolve(ws, None)
    return ws


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, resolved: Workspace, tmp_path: Path) -> Iterator[
    tuple[Workspace, Store]
]:  # fmt: skip
    ws = open_workspace(shutil.copytree(resolved.root, tmp_path / "ws"))
    (ws.root / "cases.db").unlink(missing_ok=True)
    with case_store_url(request.param, ws) as url, open_store(ws, url) as store:
        yield ws, store


def persons(ws: Workspace) -> dict[str, set[str]]:
    """person -> datasets of its accounts."""
    out: dict[str, set[str]] = {}
    for row in pq.read_table(ws.derived / "persons.parquet").to_pylist():
        out.setdefault(row["person_id"], set()).add(row["dataset_id"])
    return out


def expire(ws: Workspace, dataset_id: str) -> None:
    """Set a dataset's retention date in the past (the vault is read-only: as its owner)."""
    path = ws.vault / dataset_id / "manifest.json"
    doc = json.loads(path.read_text())
    doc["retention_until"] = PAST.isoformat()
    path.chmod(0o644)
    path.write_text(json.dumps(doc))
    path.chmod(0o444)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def setup(ws: Workspace, store: Store) -> tuple[str, dict[str, int]]:
    """Expire the dataset with the most persons shared with others; open three cases."""
    owners = persons(ws)
    shared = [d for ds in owners.values() if len(ds) > 1 for d in ds]
    gone = max(set(shared), key=shared.count)
    only_kept = [p for p, ds in owners.items() if gone not in ds]
    with store.session() as session:
        add_user(session, "ada", "admin", "NL")
        session.flush()
        add_user(session, "sue", "supervisor", "NL", acting="ada")
        add_user(session, "ana", "analyst", "NL", acting="ada")
        cases = {}
        for name, person, until in (("expired", only_kept[0], PAST),
                                    ("kept", only_kept[1], None),
                                    ("default", only_kept[2], None)):  # fmt: skip
            case = Case(person_id=person, agency="NL", updated_by="sue", retention_until=until)
            if name == "default":  # older than the default policy allows
                case.created_at = datetime(2015, 1, 1, tzinfo=UTC)
            session.add(case)
            session.flush()
            transition(session, case, "recommended", "sue", "triage")
            session.add(Contact(person_id=person, agency="NL", kind="postal", recipient="x",
                                value="Street 1", source="register", created_by="sue"))  # fmt: skip
            cases[name] = case.id
        session.commit()
    return gone, cases


def test_dry_run_changes_nothing(world: tuple[Workspace, Store]) -> None:
    ws, store = world
    gone, cases = setup(ws, store)
    expire(ws, gone)
    before = {p.name: digest(p) for p in ws.derived.glob("*.parquet")}
    with store.session() as session:
        entries = session.scalar(select(func.count()).select_from(AuditEntry))
    report = enforce(ws, store, "sue", TODAY, dry_run=True)
    assert [d["dataset_id"] for d in report.datasets] == [gone]
    assert sorted(report.cases) == sorted([cases["expired"], cases["default"]])
    assert report.derived["rows"]["persons.parquet"] > 0 and report.case_store["cases"] == 2
    assert (ws.vault / gone / "manifest.json").is_file()
    assert {p.name: digest(p) for p in ws.derived.glob("*.parquet")} == before
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries
        assert session.scalar(select(func.count()).select_from(Case)) == 3


def test_enforce_erases_exactly_what_expired(world: tuple[Workspace, Store]) -> None:
    ws, store = world
    gone, cases = setup(ws, store)
    expire(ws, gone)
    owners = persons(ws)
    kept_datasets = {d for ds in owners.values() for d in ds} - {gone}
    mixed = [p for p, ds in owners.items() if gone in ds and len(ds) > 1]
    only_gone = [p for p, ds in owners.items() if ds == {gone}]
    assert mixed and only_gone

    with pytest.raises(AccessError, match=r"'retention\.enforce' needs the role"):
        enforce(ws, store, "ana", TODAY)
    report = enforce(ws, store, "sue", TODAY)

    assert not (ws.vault / gone).exists() and not list((ws.vault / ".trash").iterdir())
    assert {p.name for p in ws.vault.iterdir() if not p.name.startswith(".")} == kept_datasets
    after = persons(ws)
    assert all(gone not in ds for ds in after.values())
    assert set(mixed) <= set(after) and not set(only_gone) & set(after)
    assert set(after) == {p for p, ds in owners.items() if ds - {gone}}
    records = pq.read_table(ws.derived / "records.parquet")
    assert gone not in set(records.column("dataset_id").to_pylist())
    links = pq.read_table(ws.derived / "links.parquet")
    uids = links.column("uid_l").to_pylist() + links.column("uid_r").to_pylist()
    assert not any(u.startswith(f"{gone}:") for u in uids)
    profiles = pq.read_table(ws.derived / "profiles.parquet")
    assert set(profiles.column("person_id").to_pylist()) == set(after)
    assert all(gone not in ds for ds in profiles.column("datasets").to_pylist())
    assert report.derived["persons_gone"] == len(only_gone)

    with store.session() as session:
        left = {c.id for c in session.scalars(select(Case))}
        assert left == {cases["kept"]}
        events = session.scalars(select(CaseEvent.case_id)).all()
        assert set(events) == {cases["kept"]}
        assert session.scalar(select(func.count()).select_from(Contact)) == 1
        tombstones = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.erase")
        ).all()
        assert {(t.object_type, t.object_id) for t in tombstones} == {
            ("dataset", gone), ("case", str(cases["expired"])), ("case", str(cases["default"])),
        }  # fmt: skip
        erased_people = {
            json.loads(t.detail)["person"] for t in tombstones if t.object_type == "case"
        }
        assert all(len(h) == 32 and not h.startswith("PER-") for h in erased_people)
        assert verify(session).ok
    # the guard still refuses to delete the kept case's events, and any edit of the log
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM case_events"))
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        conn.execute(text("UPDATE audit_log SET detail = '{}' WHERE action = 'retention.erase'"))
    with store.session() as session:
        result = verify(session)
        assert not result.ok and "altered" in (result.problem or "")

    again = enforce(ws, store, "sue", TODAY)  # nothing left to erase
    assert again.datasets == [] and again.cases == []


def test_an_interrupted_erasure_is_finished(world: tuple[Workspace, Store]) -> None:
    ws, store = world
    gone, _ = setup(ws, store)
    trash = ws.vault / ".trash"
    trash.mkdir()
    (ws.vault / gone).chmod(0o755)
    (ws.vault / gone).rename(trash / f"{gone}.crashed")  # as if killed after step 1
    report = enforce(ws, store, "sue", TODAY)
    assert [d["dataset_id"] for d in report.datasets] == [gone]
    assert report.datasets[0]["interrupted"] and not list(trash.iterdir())
    assert all(gone not in ds for ds in persons(ws).values())
