"""The case-store backends tests run against: SQLite in the workspace, and a real PostgreSQL.

Each PostgreSQL use gets a fresh schema (``search_path`` in the URL) that is dropped
afterwards, so runs never see each other's tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from intercop.workspace import Workspace
from tests.conftest import service_missing

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.service)]


def postgres_dsn() -> str:
    """libpq connection string of the test server (trust auth)."""
    host = os.environ.get("INTERCOP_POSTGRES_HOST", "127.0.0.1")
    port = os.environ.get("INTERCOP_POSTGRES_PORT", "5432")
    user = os.environ.get("INTERCOP_POSTGRES_USER", "postgres")
    db = os.environ.get("INTERCOP_POSTGRES_DB", "test")
    return f"postgresql://{user}@{host}:{port}/{db}"


@contextmanager
def case_store_url(backend: str, workspace: Workspace) -> Iterator[str]:
    """A SQLAlchemy URL of an empty case store on ``backend``, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workspace.case_store}"
        return
    dsn = postgres_dsn()
    try:
        admin = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        service_missing(f"PostgreSQL at {dsn} not reachable: {str(exc).strip()[:200]}")
    schema = f"intercop_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{dsn.replace('postgresql://', 'postgresql+psycopg://')}?options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
