"""Users of two agencies, and two partners, in a migrated case store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import add_user
from intercop.store import Store
from intercop.store.models import User
from tests.store.fixtures import store

__all__ = ["store"]


@pytest.fixture
def db(store: Store) -> Iterator[Session]:
    """NL: analyst ana, auditor aud, partners game and game2; BE: analyst bea."""
    with store.session() as session:
        for name, role, agency in (("ana", "analyst", "NL"), ("aud", "auditor", "NL"),
                                   ("game", "partner", "NL"), ("game2", "partner", "NL"),
                                   ("bea", "analyst", "BE")):  # fmt: skip
            add_user(session, name, role, agency, acting="bootstrap")
        session.commit()
        yield session


def user(session: Session, name: str) -> User:
    """The user called ``name``."""
    return session.scalars(select(User).where(User.name == name)).one()
