"""Lawful processing: a retention date per case, and erasure of an expired case's log.

``case_events`` stays append-only, with one exception: retention may delete the
events of a case it erases. It says so by inserting the case id into
``retention_grants`` in the same transaction, deleting the events, and deleting the
grant before it commits, so no grant outlives the erasure (a session-local flag
that works on SQLite, which has no session variables). ``UPDATE`` stays refused,
and the audit log keeps its unconditional guard: it is never erased.

Revision ID: 0005
Revises: 0004
Created: issue 7 (international exchange and lawful processing)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

REFUSED = "table case_events is append-only: {op} refused"

PG_GUARD = """
CREATE FUNCTION intercop_case_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM retention_grants g WHERE g.case_id = OLD.case_id
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Record a new row instead; only retention erases a case''s events';
END
$$
"""


def upgrade() -> None:
    """Add ``cases.retention_until`` and ``retention_grants``; let retention erase events."""
    op.add_column("cases", sa.Column("retention_until", sa.Date(), nullable=True))
    op.create_table(
        "retention_grants",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_retention_grants")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_GUARD)
        op.execute("DROP TRIGGER case_events_append_only ON case_events")
        op.execute(
            "CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events "
            "FOR EACH ROW EXECUTE FUNCTION intercop_case_events_guard()"
        )
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER case_events_no_delete")
        op.execute(
            "CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events "
            "WHEN NOT EXISTS (SELECT 1 FROM retention_grants g WHERE g.case_id = OLD.case_id) "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSED.format(op='DELETE')}'); END"
        )


def downgrade() -> None:
    """Restore the unconditional guard of 0002 and drop what ``upgrade`` added."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER case_events_append_only ON case_events")
        op.execute(
            "CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events "
            "FOR EACH ROW EXECUTE FUNCTION intercop_append_only()"
        )
        op.execute("DROP FUNCTION intercop_case_events_guard()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER case_events_no_delete")
        op.execute(
            "CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSED.format(op='DELETE')}'); END"
        )
    op.drop_table("retention_grants")
    op.drop_column("cases", "retention_until")
