"""outbox rows that e-mail a letter

A letter from the demand register goes out through the outbox like a reminder: such a row names the
demand instead of a policy step (exactly one of the two).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("demand_id", sa.Integer(), nullable=True))
        batch_op.alter_column("step_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_outbox_demand_id"), ["demand_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_demand_id_demand"), "demand", ["demand_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_check_constraint(op.f("ck_outbox_step_or_demand"), "(step_id IS NULL) <> (demand_id IS NULL)")


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE demand_id IS NOT NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_step_or_demand"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_outbox_demand_id_demand"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_demand_id"))
        batch_op.alter_column("step_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("demand_id")
