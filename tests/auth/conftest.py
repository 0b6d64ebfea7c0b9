"""Users in a migrated case store, for the auth tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from intercop.access import add_user
from intercop.store import Store
from intercop.store.models import User
from tests.store.fixtures import store

__all__ = ["store"]


@pytest.fixture
def db(store: Store) -> Iterator[Session]:
    """A session over a store holding an admin and two analysts of NL and a partner."""
    with store.session() as session:
        add_user(session, "root", "admin", "NL", acting="bootstrap")
        session.commit()
        for name, role in (("ana", "analyst"), ("bob", "analyst"), ("game", "partner")):
            add_user(session, name, role, "NL", acting="root")
        session.commit()
        yield session


def user(session: Session, name: str) -> User:
    """The user called ``name``."""
    found = session.query(User).filter_by(name=name).one()
    return found
