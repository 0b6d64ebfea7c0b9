"""Reviewers' judgements about pairs of accounts (issue 3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Index,
    String,
    Text,
    event,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from intercop.store.base import Base, UTCDateTime, utc_now
from intercop.store.models.common import AppendOnlyError

DECISIONS = ("same", "different", "unsure")


class Judgement(Base):
    """A reviewer's decision about whether two accounts belong to the same person.

    Append-only: a change of mind is a new row; the latest row of a pair wins. The
    pair is stored in canonical order (``left_uid < right_uid``, by code point).
    """

    __tablename__ = "judgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    left_uid: Mapped[str] = mapped_column(String(300))
    right_uid: Mapped[str] = mapped_column(String(300))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    user_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    # The ordering check is in the migration only: PostgreSQL needs COLLATE "C" there
    # so that it compares code points like Python does, and SQLite knows no "C".
    __table_args__ = (
        CheckConstraint("decision IN ('same', 'different', 'unsure')", name="decision"),
        CheckConstraint("length(reason) > 0", name="reason"),
        Index("ix_judgements_pair", "left_uid", "right_uid", "id"),
    )

    def __repr__(self) -> str:
        return f"Judgement({self.id}, {self.left_uid} {self.decision} {self.right_uid})"


# The database refuses UPDATE and DELETE too (triggers in the migration); this
# catches the mistake earlier, with a Python traceback pointing at the caller.
@event.listens_for(Judgement, "before_update")
@event.listens_for(Judgement, "before_delete")
def _refuse_change(mapper: Mapper[Judgement], connection: Connection, target: Judgement) -> None:
    raise AppendOnlyError(f"{target!r}: judgements are append-only; record a new one instead")
