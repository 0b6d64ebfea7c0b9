"""Reviewer judgements: an append-only table, guarded by the database itself.

Revision ID: 0001
Revises:
Created: issue 3 (identity resolution)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# Later append-only tables (the audit log) reuse this function with their own trigger.
PG_FUNCTION = """
CREATE FUNCTION intercop_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Record a new row instead of changing or removing one';
END
$$
"""

PG_TRIGGERS = (
    "CREATE TRIGGER judgements_append_only BEFORE UPDATE OR DELETE ON judgements "
    "FOR EACH ROW EXECUTE FUNCTION intercop_append_only()",
    "CREATE TRIGGER judgements_no_truncate BEFORE TRUNCATE ON judgements "
    "FOR EACH STATEMENT EXECUTE FUNCTION intercop_append_only()",
)

SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER judgements_no_{op_name.lower()} BEFORE {op_name} ON judgements "
    f"BEGIN SELECT RAISE(ABORT, 'table judgements is append-only: {op_name} refused'); END"
    for op_name in ("UPDATE", "DELETE")
)


def upgrade() -> None:
    """Create ``judgements`` and its append-only guard."""
    dialect = op.get_bind().dialect.name
    # Canonical pair order by code point, as Python compares strings; PostgreSQL's
    # default collation would order by locale instead.
    ordered = "left_uid < right_uid"
    if dialect == "postgresql":
        ordered += ' COLLATE "C"'
    op.create_table(
        "judgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("left_uid", sa.String(300), nullable=False),
        sa.Column("right_uid", sa.String(300), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgements")),
        sa.CheckConstraint(
            "decision IN ('same', 'different', 'unsure')", name=op.f("ck_judgements_decision")
        ),
        sa.CheckConstraint(ordered, name=op.f("ck_judgements_ordered")),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_judgements_reason")),
    )
    op.create_index("ix_judgements_pair", "judgements", ["left_uid", "right_uid", "id"])
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
        for statement in PG_TRIGGERS:
            op.execute(statement)
    elif dialect == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    """Drop ``judgements`` with its guard (the triggers go with the table)."""
    op.drop_index("ix_judgements_pair", table_name="judgements")
    op.drop_table("judgements")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION intercop_append_only()")
