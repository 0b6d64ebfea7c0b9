"""A migrated case store on each backend, for tests of the packages that use it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intercop.store import Store, open_store
from intercop.workspace import Workspace
from tests.store.backends import BACKENDS, case_store_url


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, workspace: Workspace) -> Iterator[Store]:
    """An empty, migrated case store on SQLite and on PostgreSQL."""
    with case_store_url(request.param, workspace) as url, open_store(workspace, url) as opened:
        yield opened
