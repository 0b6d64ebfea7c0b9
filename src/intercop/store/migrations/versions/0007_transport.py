"""Server to server: peers' endpoints, the outbox of bundles to send, used request nonces.

``agencies.endpoint`` is the base URL of a partner's InterCOP server;
``outgoing_bundles`` is the sender's outbox (pending -> sent | failed), each bundle id
at most once; ``peer_nonces`` keeps the nonces of signed requests seen in the last
minutes, so a replayed request is refused.

Revision ID: 0007
Revises: 0006
Created: issue 7 (international exchange: server to server)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

OUTBOX_STATES = ("pending", "sent", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    """Add ``agencies.endpoint``, ``outgoing_bundles`` and ``peer_nonces``."""
    op.add_column("agencies", sa.Column("endpoint", sa.String(300), nullable=True))
    op.create_table(
        "outgoing_bundles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.String(36), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(16), nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("bundle", sa.Text(), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_by", sa.String(100), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_bundles")),
        sa.UniqueConstraint("bundle_id", name=op.f("uq_outgoing_bundles_bundle_id")),
        sa.CheckConstraint(_in("state", OUTBOX_STATES), name=op.f("ck_outgoing_bundles_state")),
    )
    op.create_index("ix_outgoing_bundles_state", "outgoing_bundles", ["state", "id"])
    op.create_table(
        "peer_nonces",
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agency", "nonce", name=op.f("pk_peer_nonces")),
    )
    op.create_index("ix_peer_nonces_seen_at", "peer_nonces", ["seen_at"])


def downgrade() -> None:
    """Drop the transport tables and the endpoint column."""
    op.drop_table("peer_nonces")
    op.drop_table("outgoing_bundles")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("endpoint")
