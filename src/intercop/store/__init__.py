"""The case store: operational, mutable data in SQLAlchemy 2 with Alembic migrations.

SQLite in the workspace by default, PostgreSQL for a shared server
(``INTERCOP_DATABASE_URL``). The schema is owned by the migrations in
``migrations/versions``; ``open_store`` brings every database up to date.
"""

from __future__ import annotations

from intercop.store.database import Store, StoreError, open_store
from intercop.store.migration import upgrade

__all__ = ["Store", "StoreError", "open_store", "upgrade"]
