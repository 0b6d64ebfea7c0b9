"""Opening the case store: the URL, the engine and its sessions.

The URL is ``INTERCOP_DATABASE_URL`` when set (PostgreSQL for a shared server),
else the workspace's ``cases.db`` (SQLite). Opening migrates the database to the
newest schema, so a store in hand is always current.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from intercop.errors import IntercopError
from intercop.settings import get_settings
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

# psycopg 3 is the PostgreSQL driver we ship; SQLAlchemy's default for a bare
# ``postgresql://`` URL would be psycopg2, which is not installed.
DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


class StoreError(IntercopError):
    """The case store cannot be opened or migrated."""

    hint = (
        "Check INTERCOP_DATABASE_URL (e.g. postgresql://user@host/db) or unset it to use "
        "the workspace's cases.db"
    )


class Store:
    """An open case store: an engine and a factory of sessions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Objects stay readable after commit: results leave the session as records.
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The URL without its password, for messages and logs."""
        return self.engine.url.render_as_string(hide_password=True)

    def session(self) -> Session:
        """A new session; use it as a context manager and commit explicitly."""
        return self._sessions()

    def close(self) -> None:
        """Release the pooled connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url})"


def store_url(workspace: Workspace, url: str | None = None) -> URL:
    """The URL of a workspace's case store: ``url``, else the setting, else ``cases.db``."""
    text = url or get_settings().database_url or f"sqlite:///{workspace.case_store}"
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise StoreError(f"the case store URL {text!r} is not a database URL") from exc
    driver = DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def open_store(workspace: Workspace, url: str | None = None) -> Store:
    """Open (creating and migrating as needed) the case store of ``workspace``.

    Args:
        workspace: the open workspace; its ``cases.db`` is the default store.
        url: a SQLAlchemy URL overriding ``INTERCOP_DATABASE_URL``.
    """
    from intercop.store.migration import upgrade

    target = store_url(workspace, url)
    try:
        engine = create_engine(target)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use the case store URL {target!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine)
    try:
        upgrade(store)
    except BaseException:
        store.close()
        raise
    log.info("case store %s open", store.url)
    return store


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys on, and WAL so that the web app can read while a command writes."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL loses no committed transaction when a process dies (only,
        # at worst, the last ones on a power cut) and spares an fsync per commit, which
        # the sender's per-message state commits need.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 10000")
    finally:
        cursor.close()
