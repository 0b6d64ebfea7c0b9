"""An index for the triage queue's page order: an agency's cases of a state by id.

The web queue lists ``WHERE agency = ? AND state = ? ORDER BY id`` a page at a time;
without this index the database sorts all of an agency's cases of that state (14,420
at 100k persons) for every page.

Revision ID: 0008
Revises: 0007
Created: issue 6 (web load)
"""

from __future__ import annotations

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_cases_queue_order", "cases", ["agency", "state", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_queue_order", table_name="cases")
