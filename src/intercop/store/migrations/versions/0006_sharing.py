"""Sharing: distribution levels of datasets, cases, reports and cohort tables; knowledge base.

``distributions`` holds the one current distribution of each object (absent: the
default, own agency only); ``distribution_history`` keeps every distribution ever set
and is append-only like the other logs. ``knowledge_entries`` is the network's shared
base of intervention results.

Revision ID: 0006
Revises: 0005
Created: issue 7 (international exchange and lawful processing)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

OBJECT_TYPES = ("dataset", "case", "report", "cohort")
LEVELS = ("own", "partners", "network", "aggregate")
HANDLING_CODES = ("H0", "H1", "H2", "H3")
TLP_LABELS = ("clear", "green", "amber", "amber+strict", "red")
DESIGNS = ("rct", "quasi", "observational", "descriptive")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _distribution_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(16), nullable=False),
        sa.Column("object_id", sa.String(100), nullable=False),
        sa.Column("owner", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("partners", sa.Text(), nullable=False),
        sa.Column("handling", sa.String(2), nullable=False),
        sa.Column("tlp", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _checks(table: str) -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint(_in("object_type", OBJECT_TYPES), name=op.f(f"ck_{table}_object_type")),
        sa.CheckConstraint(_in("level", LEVELS), name=op.f(f"ck_{table}_level")),
        sa.CheckConstraint(_in("handling", HANDLING_CODES), name=op.f(f"ck_{table}_handling")),
        sa.CheckConstraint(_in("tlp", TLP_LABELS), name=op.f(f"ck_{table}_tlp")),
        sa.CheckConstraint("length(reason) > 0", name=op.f(f"ck_{table}_reason")),
    ]


def upgrade() -> None:
    """Create distributions, distribution_history (append-only) and knowledge_entries."""
    op.create_table(
        "distributions",
        *_distribution_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distributions")),
        sa.UniqueConstraint("object_type", "object_id", name="uq_distributions_object"),
        *_checks("distributions"),
    )
    op.create_index("ix_distributions_level", "distributions", ["object_type", "level"])
    op.create_table(
        "distribution_history",
        *_distribution_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distribution_history")),
        *_checks("distribution_history"),
    )
    op.create_index(
        "ix_distribution_history_object", "distribution_history", ["object_type", "object_id"]
    )
    op.create_table(
        "knowledge_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention", sa.String(100), nullable=False),
        sa.Column("catalogued", sa.Boolean(), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("design", sa.String(16), nullable=False),
        sa.Column("population", sa.Text(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(30), nullable=False),
        sa.Column("estimate", sa.Float(), nullable=False),
        sa.Column("ci_low", sa.Float(), nullable=False),
        sa.Column("ci_high", sa.Float(), nullable=False),
        sa.Column("report_link", sa.Text(), nullable=True),
        sa.Column("source", sa.String(100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entries")),
        sa.CheckConstraint(_in("design", DESIGNS), name=op.f("ck_knowledge_entries_design")),
        sa.CheckConstraint("n > 0", name=op.f("ck_knowledge_entries_n")),
        sa.CheckConstraint(
            "ci_low <= estimate AND estimate <= ci_high", name=op.f("ck_knowledge_entries_ci")
        ),
    )
    op.create_index(
        "ix_knowledge_entries_intervention", "knowledge_entries", ["intervention", "country"]
    )
    dialect = op.get_bind().dialect.name
    table = "distribution_history"
    if dialect == "postgresql":
        # intercop_append_only() is the guard function of migration 0001
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION intercop_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION intercop_append_only()"
        )
    elif dialect == "sqlite":
        for op_name in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{op_name.lower()} BEFORE {op_name} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: "
                f"{op_name} refused'); END"
            )


def downgrade() -> None:
    """Drop the sharing tables (their triggers go with them)."""
    for table in ("knowledge_entries", "distribution_history", "distributions"):
        op.drop_table(table)
