"""Web accounts and the partner API: passwords, API tokens, sessions, signals, deliveries.

Revision ID: 0003
Revises: 0002
Created: issue 6 (the web application and the partner API)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

TOKEN_SCOPES = ("read", "write", "partner")
SIGNAL_KINDS = ("account", "ip", "server", "advert")
SIGNAL_STATES = ("new", "accepted", "rejected")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _now() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Add the password column and the tables of web accounts and the partner API."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.Text(), nullable=True))
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(8), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        _now(),
        _ts("expires_at", nullable=True),
        _ts("revoked_at", nullable=True),
        _ts("last_used_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
        sa.CheckConstraint(_in("scope", TOKEN_SCOPES), name=op.f("ck_api_tokens_scope")),
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_name"])
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("csrf_secret", sa.String(64), nullable=False),
        _now(),
        _ts("expires_at"),
        _ts("last_seen_at"),
        sa.Column("ip", sa.String(64), nullable=True),
        _ts("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    op.create_index("ix_web_sessions_user", "web_sessions", ["user_name"])
    op.create_table(
        "csrf_nonces",
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        _ts("used_at"),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_csrf_nonces")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["web_sessions.id"], name=op.f("fk_csrf_nonces_session_id_web_sessions")
        ),
    )
    op.create_index("ix_csrf_nonces_session", "csrf_nonces", ["session_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        _ts("at"),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index("ix_login_attempts_user", "login_attempts", ["user_name", "at"])
    op.create_index("ix_login_attempts_ip", "login_attempts", ["ip", "at"])
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(100), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _ts("reported_at"),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("reviewed_by", sa.String(100), nullable=True),
        _ts("reviewed_at", nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
        sa.UniqueConstraint("partner", "idempotency_key", name="uq_signals_idempotency"),
        sa.CheckConstraint(_in("kind", SIGNAL_KINDS), name=op.f("ck_signals_kind")),
        sa.CheckConstraint(_in("state", SIGNAL_STATES), name=op.f("ck_signals_state")),
    )
    op.create_index("ix_signals_queue", "signals", ["agency", "state", "id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(100), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        _now(),
        _ts("acked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_deliveries_message_id_messages")
        ),
        sa.UniqueConstraint("partner", "message_id", name="uq_deliveries_once"),
    )
    op.create_index("ix_deliveries_pending", "deliveries", ["partner", "acked_at", "id"])


def downgrade() -> None:
    """Drop the tables of issue 6 and the password column."""
    for index, table in (
        ("ix_deliveries_pending", "deliveries"),
        ("ix_signals_queue", "signals"),
        ("ix_login_attempts_ip", "login_attempts"),
        ("ix_login_attempts_user", "login_attempts"),
        ("ix_csrf_nonces_session", "csrf_nonces"),
        ("ix_web_sessions_user", "web_sessions"),
        ("ix_api_tokens_user", "api_tokens"),
    ):
        op.drop_index(index, table_name=table)
    for table in ("deliveries", "signals", "login_attempts", "csrf_nonces", "web_sessions",
                  "api_tokens"):  # fmt: skip
        op.drop_table(table)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_hash")
