"""Opening the case store: URLs, migrations from empty, and the append-only guard."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

import intercop.store
from intercop.store import Store, StoreError, open_store
from intercop.store.base import Base
from intercop.store.database import store_url
from intercop.store.migration import current_revision, downgrade, head_revision, upgrade
from intercop.store.models import AppendOnlyError, Judgement
from intercop.workspace import Workspace
from tests.store.backends import BACKENDS, case_store_url

INSERT = text(
    "INSERT INTO judgements (left_uid, right_uid, decision, reason, user_name, created_at) "
    "VALUES (:l, :r, :d, 'because', 'tester', CURRENT_TIMESTAMP)"
)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, workspace: Workspace) -> Iterator[str]:
    with case_store_url(request.param, workspace) as value:
        yield value


@pytest.fixture
def store(url: str, workspace: Workspace) -> Iterator[Store]:
    with open_store(workspace, url) as opened:
        yield opened


def triggers(store: Store) -> set[str]:
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'judgements'"
        if store.dialect == "sqlite"
        else "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE c.relname = 'judgements' AND c.relnamespace = current_schema()::regnamespace "
        "AND NOT t.tgisinternal"
    )
    with store.engine.connect() as conn:
        return set(conn.scalars(text(query)))


def test_default_store_is_sqlite_in_the_workspace(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTERCOP_DATABASE_URL", raising=False)
    assert not workspace.case_store.exists()
    with open_store(workspace) as store:
        assert store.dialect == "sqlite"
        assert store.url == f"sqlite:///{workspace.case_store}"
    assert workspace.case_store.stat().st_size > 0


def test_setting_and_argument_choose_the_url(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERCOP_DATABASE_URL", f"sqlite:///{tmp_path / 'shared.db'}")
    with open_store(workspace) as store:
        assert store.url.endswith("shared.db")
    assert (tmp_path / "shared.db").exists() and not workspace.case_store.exists()
    with open_store(workspace, f"sqlite:///{tmp_path / 'given.db'}") as store:
        assert store.url.endswith("given.db")


@pytest.mark.parametrize(
    "given, driver",
    [
        ("postgresql://u@db.example/cases", "postgresql+psycopg"),
        ("postgres://u@db.example/cases", "postgresql+psycopg"),
        ("postgresql+psycopg://u@db.example/cases", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_postgres_urls_use_psycopg_3(workspace: Workspace, given: str, driver: str) -> None:
    assert store_url(workspace, given).drivername == driver


def test_a_bad_url_says_what_to_do(workspace: Workspace) -> None:
    with pytest.raises(StoreError, match="not a database URL") as caught:
        open_store(workspace, "cases.db")
    assert "INTERCOP_DATABASE_URL" in str(caught.value)


def test_an_unreachable_server_is_one_clear_error(workspace: Workspace) -> None:
    with pytest.raises(StoreError, match=r"cannot open the case store postgresql\+psycopg://"):
        open_store(workspace, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=3")


VERSIONS = Path(intercop.store.__file__).parent / "migrations" / "versions"


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_create_the_schema_from_empty(backend: str, workspace: Workspace) -> None:
    with case_store_url(backend, workspace) as url:
        store = Store(create_engine(url))
        try:
            assert "judgements" not in inspect(store.engine).get_table_names()
            assert current_revision(store) is None
            upgrade(store)
            newest = max(p.name[:4] for p in VERSIONS.glob("[0-9]*.py"))
            assert head_revision() == newest
            assert current_revision(store) == newest
            columns = {c["name"] for c in inspect(store.engine).get_columns("judgements")}
            assert columns == {
                "id",
                "left_uid",
                "right_uid",
                "decision",
                "reason",
                "user_name",
                "created_at",
            }
            assert len(triggers(store)) == 2
            upgrade(store)  # at head already: nothing to do
            assert current_revision(store) == newest
        finally:
            store.close()


def test_models_match_the_migrations(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_downgrade_removes_everything_and_upgrade_restores_it(store: Store) -> None:
    downgrade(store, "base")
    assert "judgements" not in inspect(store.engine).get_table_names()
    assert current_revision(store) is None
    upgrade(store)
    assert "judgements" in inspect(store.engine).get_table_names()
    assert len(triggers(store)) == 2


def test_a_newer_database_is_refused(store: Store, url: str, workspace: Workspace) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="revision '9999'") as caught:
        open_store(workspace, url)
    assert "Upgrade intercop" in str(caught.value)


def insert_one(store: Store) -> int:
    with store.session() as session:
        row = Judgement(
            left_uid="aa:1", right_uid="bb:2", decision="same", reason="r", user_name="tester"
        )
        session.add(row)
        session.commit()
        return row.id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE judgements SET decision = 'different'",
        "UPDATE judgements SET reason = 'rewritten history' WHERE id = :id",
        "DELETE FROM judgements WHERE id = :id",
        "DELETE FROM judgements",
    ],
)
def test_the_database_refuses_update_and_delete(store: Store, statement: str) -> None:
    row_id = insert_one(store)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement), {"id": row_id})
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, decision, reason FROM judgements")).all()
    assert [tuple(r) for r in rows] == [(row_id, "same", "r")]


@pytest.mark.service
def test_postgres_refuses_truncate(workspace: Workspace) -> None:
    with case_store_url("postgresql", workspace) as url, open_store(workspace, url) as store:
        insert_one(store)
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("TRUNCATE judgements"))
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM judgements")) == 1


def test_the_orm_refuses_changes_before_the_database_does(store: Store) -> None:
    row_id = insert_one(store)
    with store.session() as session:
        loaded = session.get(Judgement, row_id)
        assert loaded is not None
        loaded.decision = "different"
        with pytest.raises(AppendOnlyError, match="append-only"):
            session.commit()
        session.rollback()
        session.delete(loaded)
        with pytest.raises(AppendOnlyError, match="append-only"):
            session.commit()
    with store.engine.connect() as conn:
        assert conn.scalar(text("SELECT decision FROM judgements")) == "same"


@pytest.mark.parametrize(
    "left, right, accepted",
    [
        ("aa:1", "bb:1", True),
        ("bb:1", "aa:1", False),  # pairs are stored in canonical order only
        ("aa:1", "aa:1", False),
        # by code point 'B' (66) sorts before 'a' (97); a locale collation would disagree
        ("Bb:1", "aa:1", True),
        ("aa:1", "Bb:1", False),
    ],
)
def test_the_pair_order_is_checked_by_code_point(
    store: Store, left: str, right: str, accepted: bool
) -> None:
    params = {"l": left, "r": right, "d": "same"}
    if accepted:
        with store.engine.begin() as conn:
            conn.execute(INSERT, params)
    else:
        with pytest.raises(IntegrityError, match="ordered"), store.engine.begin() as conn:
            conn.execute(INSERT, params)


def test_the_decision_is_checked(store: Store) -> None:
    with pytest.raises(IntegrityError, match="decision"), store.engine.begin() as conn:
        conn.execute(INSERT, {"l": "aa:1", "r": "bb:1", "d": "maybe"})


def test_timestamps_are_utc_and_aware(store: Store) -> None:
    local = datetime(2025, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with store.session() as session:
        session.add(
            Judgement(
                left_uid="aa:1",
                right_uid="bb:1",
                decision="same",
                reason="r",
                user_name="t",
                created_at=local,
            )
        )
        session.commit()
    with store.session() as session:
        row = session.scalars(select(Judgement)).one()
        assert row.created_at == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
        assert row.created_at.utcoffset() == timedelta(0)
    with store.session() as session:
        session.add(
            Judgement(
                left_uid="aa:1",
                right_uid="bb:1",
                decision="same",
                reason="r",
                user_name="t",
                created_at=datetime(2025, 3, 1),
            )
        )
        with pytest.raises(StatementError, match="naive datetime"):
            session.commit()
