"""Running the Alembic migrations shipped in ``migrations/`` from inside the program.

No ``alembic.ini`` is needed: the configuration is built here and the open
connection is handed to ``migrations/env.py`` through ``Config.attributes``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, OperationalError

from intercop.store.database import Store, StoreError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"

# Two processes opening a fresh PostgreSQL store at once must not both migrate it.
LOCK_KEY = 0x1C_0B_5708


def config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the shipped migrations (and ``connection``, if given)."""
    cfg = Config()
    # Config values go through configparser interpolation: escape any '%' in the path.
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision this version of the program knows."""
    head = ScriptDirectory.from_config(config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def current_revision(store: Store) -> str | None:
    """The revision the database is at, or None when it is empty."""
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> None:
    """Migrate the store to ``revision`` (default: the newest); a no-op when it is there."""
    _run(store, revision, up=True)


def downgrade(store: Store, revision: str) -> None:
    """Migrate the store back to ``revision`` (``base`` empties it); for tests and rollbacks."""
    _run(store, revision, up=False)


def _run(store: Store, revision: str, *, up: bool) -> None:
    try:
        with store.engine.begin() as conn:
            if store.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            cfg = config(conn)
            _check_known(conn, cfg, store)
            if up:
                command.upgrade(cfg, revision)
            else:
                command.downgrade(cfg, revision)
    except OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot open the case store {store.url}: {first}") from exc
    except DBAPIError as exc:
        raise StoreError(f"migrating the case store {store.url} failed: {exc}") from exc


def _check_known(conn: Connection, cfg: Config, store: Store) -> None:
    """Refuse a database migrated by a newer version of the program."""
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        return
    try:
        ScriptDirectory.from_config(cfg).get_revision(current)
    except CommandError as exc:
        raise StoreError(
            f"the case store {store.url} is at revision {current!r}, "
            "which this version of intercop does not know",
            hint="Upgrade intercop to the version that wrote this case store",
        ) from exc
