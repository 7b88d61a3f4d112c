"""reminder policies and outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector_app.db.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("group_by_contractor", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy")),
        sa.UniqueConstraint("name", name=op.f("uq_policy_name")),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "policy_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("anchor", sa.String(length=10), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("attach_invoice", sa.Boolean(), nullable=False),
        sa.Column("repeat_every_days", sa.Integer(), nullable=True),
        sa.Column("repeat_max", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "action IN ('none', 'task', 'ready_for_demand', 'handed_over')", name=op.f("ck_policy_step_action")
        ),
        sa.CheckConstraint("anchor IN ('issue', 'due', 'promise', 'paid')", name=op.f("ck_policy_step_anchor")),
        sa.CheckConstraint("channel IN ('email', 'sms', 'letter')", name=op.f("ck_policy_step_channel")),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policy.id"], name=op.f("fk_policy_step_policy_id_policy"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_step")),
        sa.UniqueConstraint("policy_id", "position", name="uq_policy_step_position"),
    )
    with op.batch_alter_table("policy_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_step_policy_id"), ["policy_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("planned_for", sa.Date(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("message_id", sa.String(length=254), nullable=True),
        sa.Column("server_reply", sa.Text(), nullable=True),
        sa.Column("group_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('planned', 'sending', 'sent', 'failed', 'cancelled', 'uncertain', 'skipped')",
            name=op.f("ck_outbox_state"),
        ),
        sa.ForeignKeyConstraint(["contractor_id"], ["contractor.id"], name=op.f("fk_outbox_contractor_id_contractor")),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_outbox_invoice_id_invoice"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["step_id"], ["policy_step.id"], name=op.f("fk_outbox_step_id_policy_step"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("invoice_id", "step_id", "occurrence", name="uq_outbox_invoice_step_occurrence"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_contractor_id"), ["contractor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_group_key"), ["group_key"], unique=False)
        batch_op.create_index("ix_outbox_state_planned", ["state", "planned_for"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_step_id"), ["step_id"], unique=False)

    _add_policy_column("contractor")
    _add_policy_column("segment")
    op.add_column("invoice", sa.Column("under_plan", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("invoice", sa.Column("ready_for_demand_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("invoice", "ready_for_demand_at")
    op.drop_column("invoice", "under_plan")
    _drop_policy_column("segment")
    _drop_policy_column("contractor")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_step_id"))
        batch_op.drop_index("ix_outbox_state_planned")
        batch_op.drop_index(batch_op.f("ix_outbox_group_key"))
        batch_op.drop_index(batch_op.f("ix_outbox_contractor_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("policy_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_step_policy_id"))

    op.drop_table("policy_step")
    op.drop_table("setting")
    op.drop_table("policy")


# contractor and invoice carry the search triggers of 0002: they are altered in place (ADD/DROP
# COLUMN), never rebuilt by batch mode, which would drop the triggers with the old table.
CONTRACTOR_SEARCH_TRIGGERS = [
    "CREATE TRIGGER contractor_search_ai AFTER INSERT ON contractor BEGIN "
    "INSERT INTO contractor_search(rowid, name, tax_id) VALUES (new.id, new.name, new.tax_id); END",
    "CREATE TRIGGER contractor_search_ad AFTER DELETE ON contractor BEGIN "
    "INSERT INTO contractor_search(contractor_search, rowid, name, tax_id) "
    "VALUES ('delete', old.id, old.name, old.tax_id); END",
    "CREATE TRIGGER contractor_search_au AFTER UPDATE OF name, tax_id ON contractor BEGIN "
    "INSERT INTO contractor_search(contractor_search, rowid, name, tax_id) "
    "VALUES ('delete', old.id, old.name, old.tax_id); "
    "INSERT INTO contractor_search(rowid, name, tax_id) VALUES (new.id, new.name, new.tax_id); END",
]


def _add_policy_column(table: str) -> None:
    fk = f"fk_{table}_policy_id_policy"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN policy_id INTEGER CONSTRAINT {fk} REFERENCES policy (id)")
    else:
        op.add_column(table, sa.Column("policy_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk, table, "policy", ["policy_id"], ["id"])
    op.create_index(f"ix_{table}_policy_id", table, ["policy_id"])


def _drop_policy_column(table: str) -> None:
    op.drop_index(f"ix_{table}_policy_id", table_name=table)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(f"fk_{table}_policy_id_policy", table, type_="foreignkey")
        op.drop_column(table, "policy_id")
        return
    # SQLite cannot drop a column that carries a foreign key: rebuild the table, then its triggers.
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_column("policy_id")
    if table == "contractor":
        for sql in CONTRACTOR_SEARCH_TRIGGERS:
            op.execute(sql)
