"""Sharing levels and the shared knowledge base (issue 7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from intercop.store.base import Base, UTCDateTime, utc_now
from intercop.store.models.common import AppendOnlyError, check_in
from intercop.store.models.exchange import HANDLING_CODES, TLP_LABELS

# --- Issue 7: sharing (distribution levels) and the shared knowledge base ---------------

SHARED_OBJECTS = ("dataset", "case", "report", "cohort")
#: own agency / named partner agencies / whole network / aggregates only (MISP-like)
LEVELS = ("own", "partners", "network", "aggregate")
STUDY_DESIGNS = ("rct", "quasi", "observational", "descriptive")


class Distribution(Base):
    """The current distribution of one object: who may see it, and under which labels.

    No row means the default (own agency only, H2, TLP:AMBER; see ``exchange.sharing``).
    """

    __tablename__ = "distributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    partners: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of agency codes
    handling: Mapped[str] = mapped_column(String(2))
    tlp: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (
        UniqueConstraint("object_type", "object_id", name="uq_distributions_object"),
        CheckConstraint(check_in("object_type", SHARED_OBJECTS), name="object_type"),
        CheckConstraint(check_in("level", LEVELS), name="level"),
        CheckConstraint(check_in("handling", HANDLING_CODES), name="handling"),
        CheckConstraint(check_in("tlp", TLP_LABELS), name="tlp"),
        CheckConstraint("length(reason) > 0", name="reason"),
        Index("ix_distributions_level", "object_type", "level"),
    )


class DistributionChange(Base):
    """Every distribution ever set, oldest first (append-only)."""

    __tablename__ = "distribution_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    partners: Mapped[str] = mapped_column(Text, default="[]")
    handling: Mapped[str] = mapped_column(String(2))
    tlp: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (
        CheckConstraint(check_in("object_type", SHARED_OBJECTS), name="object_type"),
        CheckConstraint(check_in("level", LEVELS), name="level"),
        CheckConstraint(check_in("handling", HANDLING_CODES), name="handling"),
        CheckConstraint(check_in("tlp", TLP_LABELS), name="tlp"),
        CheckConstraint("length(reason) > 0", name="reason"),
        Index("ix_distribution_history_object", "object_type", "object_id"),
    )


@event.listens_for(DistributionChange, "before_update")
@event.listens_for(DistributionChange, "before_delete")
def _refuse_history_change(
    mapper: Mapper[DistributionChange], connection: Connection, target: DistributionChange
) -> None:
    raise AppendOnlyError("distribution_history is append-only; set a new distribution instead")


class KnowledgeEntry(Base):
    """One intervention result in the network's shared knowledge base."""

    __tablename__ = "knowledge_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention: Mapped[str] = mapped_column(String(100))
    catalogued: Mapped[bool] = mapped_column(Boolean)  # False: free text, not in the catalogue
    country: Mapped[str] = mapped_column(String(2))
    design: Mapped[str] = mapped_column(String(16))
    population: Mapped[str] = mapped_column(Text)
    n: Mapped[int] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(String(30))
    estimate: Mapped[float] = mapped_column(Float)
    ci_low: Mapped[float] = mapped_column(Float)
    ci_high: Mapped[float] = mapped_column(Float)
    report_link: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(100))  # e.g. "pilot:3" when derived
    note: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(100))
    agency: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (
        CheckConstraint(check_in("design", STUDY_DESIGNS), name="design"),
        CheckConstraint("n > 0", name="n"),
        CheckConstraint("ci_low <= estimate AND estimate <= ci_high", name="ci"),
        Index("ix_knowledge_entries_intervention", "intervention", "country"),
    )
