"""The exchange network: agencies and their public keys, received bundles, authorisations.

Revision ID: 0004
Revises: 0003
Created: issue 7 (international exchange and lawful processing)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

HANDLING_CODES = ("H0", "H1", "H2", "H3")
TLP_LABELS = ("clear", "green", "amber", "amber+strict", "red")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    """Create the agencies, transfer_authorisations and received_bundles tables."""
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("eu", sa.Boolean(), nullable=False),
        sa.Column("sign_public", sa.String(64), nullable=True),
        sa.Column("box_public", sa.String(64), nullable=True),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agencies")),
    )
    op.create_table(
        "transfer_authorisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("to_agency", sa.String(16), nullable=False),
        sa.Column("authorised_by", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_authorisations")),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_transfer_authorisations_reason")),
    )
    op.create_index(
        "ix_transfer_authorisations_person",
        "transfer_authorisations",
        ["agency", "person_id", "to_agency"],
    )
    op.create_table(
        "received_bundles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.String(36), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("handling", sa.String(2), nullable=False),
        sa.Column("tlp", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_bundles")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_received_bundles_case_id_cases")
        ),
        sa.UniqueConstraint("bundle_id", name=op.f("uq_received_bundles_bundle_id")),
        sa.CheckConstraint(
            _in("handling", HANDLING_CODES), name=op.f("ck_received_bundles_handling")
        ),
        sa.CheckConstraint(_in("tlp", TLP_LABELS), name=op.f("ck_received_bundles_tlp")),
    )


def downgrade() -> None:
    """Drop the exchange tables."""
    for table in ("received_bundles", "transfer_authorisations", "agencies"):
        op.drop_table(table)
