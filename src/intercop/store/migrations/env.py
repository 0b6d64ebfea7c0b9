"""Alembic environment of the case store; run by ``intercop.store.migration``.

The caller passes an open connection in ``config.attributes["connection"]``;
offline mode (``--sql``) renders SQL for the URL in ``sqlalchemy.url`` instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import intercop.store.models  # noqa: F401  (registers the tables on the metadata)
from intercop.store.base import Base

target_metadata = Base.metadata


def run_offline() -> None:
    """Render the migrations as SQL for a DBA to apply."""
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: Connection) -> None:
    """Apply the migrations over the caller's connection."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    given = context.config.attributes.get("connection")
    if given is None:
        raise RuntimeError("intercop.store.migration passes the connection; run it from there")
    run_online(given)
