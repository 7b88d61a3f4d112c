"""letters, rates, imports and edited templates

Tables for the demand register and its rate tables, import batches and learned payer accounts, and
templates the user edited in the window; payment.match_reason says how an imported payment matched.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector_app.db.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fx_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("quote", sa.String(length=3), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rate")),
        sa.UniqueConstraint("base", "quote", "date", name="uq_fx_rate_base_quote_date"),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("format", sa.String(length=12), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_file_sha256"), ["file_sha256"], unique=False)

    op.create_table(
        "rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate")),
        sa.UniqueConstraint("country", "kind", "valid_from", name="uq_rate_country_kind_valid_from"),
    )
    op.create_table(
        "template_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_override")),
        sa.UniqueConstraint("language", "name", name="uq_template_override_language_name"),
    )
    op.create_table(
        "contractor_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contractor_id"],
            ["contractor.id"],
            name=op.f("fk_contractor_account_contractor_id_contractor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contractor_account")),
        sa.UniqueConstraint("contractor_id", "account", name="uq_contractor_account"),
    )
    with op.batch_alter_table("contractor_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contractor_account_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_contractor_account_contractor_id"), ["contractor_id"], unique=False)

    op.create_table(
        "demand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("principal", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("interest", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("compensation", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind IN ('reminder', 'demand', 'final', 'interest-note')", name=op.f("ck_demand_kind")),
        sa.ForeignKeyConstraint(["contractor_id"], ["contractor.id"], name=op.f("fk_demand_contractor_id_contractor")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand")),
        sa.UniqueConstraint("number", name=op.f("uq_demand_number")),
    )
    with op.batch_alter_table("demand", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demand_contractor_id"), ["contractor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_demand_date"), ["date"], unique=False)
        batch_op.create_index("ix_demand_kind_date", ["kind", "date"], unique=False)

    op.create_table(
        "demand_invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("principal", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("interest", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("compensation", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demand.id"], name=op.f("fk_demand_invoice_demand_id_demand"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"], name=op.f("fk_demand_invoice_invoice_id_invoice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_invoice")),
        sa.UniqueConstraint("demand_id", "invoice_id", name="uq_demand_invoice"),
    )
    with op.batch_alter_table("demand_invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demand_invoice_demand_id"), ["demand_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_demand_invoice_invoice_id"), ["invoice_id"], unique=False)

    # a plain ADD COLUMN: a batch copy of the table is not needed for a nullable column
    op.add_column("payment", sa.Column("match_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_column("match_reason")

    with op.batch_alter_table("demand_invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_invoice_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_demand_invoice_demand_id"))

    op.drop_table("demand_invoice")
    with op.batch_alter_table("demand", schema=None) as batch_op:
        batch_op.drop_index("ix_demand_kind_date")
        batch_op.drop_index(batch_op.f("ix_demand_date"))
        batch_op.drop_index(batch_op.f("ix_demand_contractor_id"))

    op.drop_table("demand")
    with op.batch_alter_table("contractor_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contractor_account_contractor_id"))
        batch_op.drop_index(batch_op.f("ix_contractor_account_account"))

    op.drop_table("contractor_account")
    op.drop_table("template_override")
    op.drop_table("rate")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_file_sha256"))

    op.drop_table("import_batch")
    op.drop_table("fx_rate")
