"""The hash-chained audit log: appends chain, edits and deletions are found."""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from intercop.audit import GENESIS, record, search, verify
from intercop.store import Store
from intercop.store.models import AppendOnlyError, AuditEntry
from tests.store.fixtures import store

__all__ = ["store"]


def fill(store: Store, n: int) -> None:
    with store.session() as s:
        for i in range(n):
            record(s, "ana", "person.read", agency="NL", object_type="person",
                   object_id=f"PER-{i}", reason="triage", detail={"i": i})  # fmt: skip
        s.commit()


def test_entries_chain_and_verify(store: Store) -> None:
    fill(store, 5)
    with store.session() as s:
        rows = s.query(AuditEntry).order_by(AuditEntry.seq).all()
        assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
        assert rows[0].prev_hash == GENESIS
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
        assert verify(s).ok and verify(s).entries == 5
        assert [e.object_id for e in search(s, object_id="PER-3")] == ["PER-3"]


def test_orm_refuses_changes(store: Store) -> None:
    fill(store, 1)
    with store.session() as s:
        row = s.query(AuditEntry).one()
        row.reason = "rewritten"
        with pytest.raises(AppendOnlyError):
            s.commit()


def _drop_guard(store: Store) -> None:
    """What an attacker with database access would do before editing."""
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))


def test_database_refuses_update(store: Store) -> None:
    fill(store, 2)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET reason = 'x'"))


@pytest.mark.parametrize(
    "tamper, problem",
    [
        ("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3", "entry 3 was altered"),
        ("UPDATE audit_log SET user_name = 'sam' WHERE seq = 2", "entry 2 was altered"),
        ("DELETE FROM audit_log WHERE seq = 2", "entry 2 is missing"),
        ("DELETE FROM audit_log WHERE seq = 5", "the log ends at entry 4 but the head says 5"),
    ],
)
def test_verify_finds_tampering(store: Store, tamper: str, problem: str) -> None:
    fill(store, 5)
    _drop_guard(store)
    with store.engine.begin() as conn:
        conn.execute(text(tamper))
    with store.session() as s:
        result = verify(s)
    assert not result.ok
    assert result.problem == problem


def test_concurrent_writers_never_fork_the_chain(store: Store) -> None:
    errors: list[BaseException] = []

    def write() -> None:
        try:
            fill(store, 20)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.session() as s:
        result = verify(s)
    assert result.ok and result.entries == 80
