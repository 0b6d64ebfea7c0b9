"""Casework and outreach: users, the hash-chained audit log, cases, pilots, campaigns.

Revision ID: 0002
Revises: 0001
Created: issue 4 (casework and outreach)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

ROLES = ("analyst", "officer", "supervisor", "admin", "auditor", "partner")
CASE_STATES = ("new", "recommended", "approved", "rejected", "contacted", "followed_up", "closed")
CAMPAIGN_STATES = ("draft", "approved", "sending", "sent", "cancelled")
MESSAGE_STATES = (
    "pending", "sending", "sent", "deferred", "failed", "bounced", "suppressed", "in_doubt",
)  # fmt: skip
PILOT_STATES = ("frozen", "assigned", "closed")

#: tables whose rows are never changed or removed, guarded like ``judgements``
APPEND_ONLY = ("audit_log", "case_events")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _now() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the casework tables and guard the logs."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
        sa.CheckConstraint(_in("role", ROLES), name=op.f("ck_users_role")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("agency", sa.String(16), nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=True),
        sa.Column("object_id", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_log_seq")),
    )
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("intervention", sa.String(60), nullable=True),
        sa.Column("rule", sa.String(100), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("policy_hash", sa.String(64), nullable=True),
        sa.Column("country", sa.String(8), nullable=True),
        sa.Column("minor", sa.Boolean(), nullable=True),
        _now(),
        _ts("updated_at"),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("person_id", "agency", name="uq_cases_person_agency"),
        sa.CheckConstraint(_in("state", CASE_STATES), name=op.f("ck_cases_state")),
    )
    op.create_index("ix_cases_queue", "cases", ["agency", "state", "intervention"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("intervention", sa.String(60), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases")
        ),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_case_events_reason")),
    )
    op.create_index("ix_case_events_case", "case_events", ["case_id", "id"])
    op.create_table(
        "pilots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("intervention", sa.String(60), nullable=False),
        sa.Column("design", sa.Text(), nullable=False),
        sa.Column("design_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("assignment_hash", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        _now(),
        _ts("assigned_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilots")),
        sa.UniqueConstraint("agency", "name", name="uq_pilots_agency_name"),
        sa.CheckConstraint(_in("state", PILOT_STATES), name=op.f("ck_pilots_state")),
    )
    op.create_table(
        "pilot_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("arm", sa.String(40), nullable=False),
        sa.Column("stratum", sa.String(200), nullable=False),
        _ts("t0", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_assignments")),
        sa.ForeignKeyConstraint(
            ["pilot_id"], ["pilots.id"], name=op.f("fk_pilot_assignments_pilot_id_pilots")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_pilot_assignments_case_id_cases")
        ),
        sa.UniqueConstraint("pilot_id", "person_id", name="uq_pilot_assignments_person"),
    )
    op.create_index("ix_pilot_assignments_arm", "pilot_assignments", ["pilot_id", "arm"])
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("intervention", sa.String(60), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("pilot_id", sa.Integer(), nullable=True),
        sa.Column("arm", sa.String(40), nullable=True),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("audience_hash", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        _now(),
        sa.Column("approved_by", sa.String(100), nullable=True),
        _ts("approved_at", nullable=True),
        sa.Column("approval_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.ForeignKeyConstraint(
            ["pilot_id"], ["pilots.id"], name=op.f("fk_campaigns_pilot_id_pilots")
        ),
        sa.UniqueConstraint("agency", "name", name="uq_campaigns_agency_name"),
        sa.CheckConstraint(_in("state", CAMPAIGN_STATES), name=op.f("ck_campaigns_state")),
        sa.CheckConstraint(
            "approved_by IS NULL OR approved_by <> created_by", name=op.f("ck_campaigns_four_eyes")
        ),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("recipient_kind", sa.String(16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("address_hash", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _now(),
        _ts("updated_at"),
        _ts("sent_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_messages_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_messages_case_id_cases")),
        sa.UniqueConstraint("message_id", name=op.f("uq_messages_message_id")),
        sa.UniqueConstraint("campaign_id", "person_id", "channel", name="uq_messages_once"),
        sa.CheckConstraint(_in("status", MESSAGE_STATES), name=op.f("ck_messages_status")),
    )
    op.create_index("ix_messages_status", "messages", ["campaign_id", "status"])
    op.create_index("ix_messages_address", "messages", ["address_hash"])
    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_hash", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
        sa.UniqueConstraint("address_hash", name=op.f("uq_suppressions_address_hash")),
    )
    op.create_table(
        "bounces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_key", sa.String(200), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("address_hash", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status_code", sa.String(16), nullable=True),
        sa.Column("diagnostic", sa.Text(), nullable=True),
        _now(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bounces")),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_bounces_message_id_messages")
        ),
        sa.UniqueConstraint("report_key", name=op.f("uq_bounces_report_key")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index("ix_contacts_person", "contacts", ["person_id", "kind"])
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("pilot_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        _ts("at"),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_outcomes_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["pilot_id"], ["pilots.id"], name=op.f("fk_outcomes_pilot_id_pilots")
        ),
        sa.UniqueConstraint("person_id", "kind", "at", "source", name="uq_outcomes_once"),
    )
    op.create_index("ix_outcomes_person", "outcomes", ["person_id", "at"])
    _guard(op.get_bind().dialect.name)


def _guard(dialect: str) -> None:
    """Refuse UPDATE and DELETE on the logs, as ``judgements`` does (function from 0001)."""
    for table in APPEND_ONLY:
        if dialect == "postgresql":
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
    """Drop the casework tables (their triggers go with them)."""
    for table in (
        "outcomes", "contacts", "bounces", "suppressions", "messages", "campaigns",
        "pilot_assignments", "pilots", "case_events", "cases", "audit_head", "audit_log", "users",
    ):  # fmt: skip
        op.drop_table(table)
