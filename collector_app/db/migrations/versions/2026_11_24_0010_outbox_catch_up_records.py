"""one outbox row records every step a catch-up overtook

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 12:50:00

A first plan of a large ledger skips several earlier steps per invoice; one `skipped` row per
invoice with `covers` = how many steps it stands for keeps that record without a row per step.
The group-key and demand indexes hold only the rows that have one (most rows have neither): each
index entry costs a first plan of a million invoices about three seconds.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


PARTIAL = (("ix_outbox_group_key", "group_key"), ("ix_outbox_demand_id", "demand_id"))


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("covers", sa.Integer(), server_default=sa.text("1"), nullable=False))
    for name, column in PARTIAL:
        op.drop_index(name, table_name="outbox")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "outbox", [column], unique=False, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name, column in PARTIAL:
        op.drop_index(name, table_name="outbox")
        op.create_index(name, "outbox", [column], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("covers")
