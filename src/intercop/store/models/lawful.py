"""Lawful processing: retention grants (issue 7)."""

from __future__ import annotations

from sqlalchemy import (
    Integer,
)
from sqlalchemy.orm import Mapped, mapped_column

from intercop.store.base import Base

# --- Issue 7: lawful processing --------------------------------------------------------


class RetentionGrant(Base):
    """Retention's permission to delete one case's events, inside its own transaction.

    Inserted before the events of an expired case are deleted and removed again before
    the commit (see migration 0005); the table is empty outside an erasure.
    """

    __tablename__ = "retention_grants"

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
