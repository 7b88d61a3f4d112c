"""payments keep the firm's account they came in on

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 03:30:00

A firm with two accounts at one bank gets statements whose entries may carry the same bank reference, amount
and day on both accounts (references numbered per account). Without the account, the second entry was taken
for the first one imported again and skipped, and the payment was lost. Payments imported before this keep
NULL: the account is unknown for them, and an entry is compared with them as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statement_account", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_column("statement_account")
