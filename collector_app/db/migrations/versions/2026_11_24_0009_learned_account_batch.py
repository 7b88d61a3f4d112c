"""the import batch an account was learned from

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 11:55:00

Undoing a statement import also forgets the payer accounts its payments taught.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contractor_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_batch_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_contractor_account_import_batch_id"), ["import_batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contractor_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contractor_account_import_batch_id"))
        batch_op.drop_column("import_batch_id")
