"""indexes on the import batch of invoices and payments

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 11:30:00

Counting, previewing and undoing an import batch read its documents and payments by batch id; on a
large ledger that was a scan of both tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = (("ix_invoice_import_batch", "invoice"), ("ix_payment_import_batch", "payment"))
WHERE = "import_batch_id IS NOT NULL"


def upgrade() -> None:
    for name, table in INDEXES:  # plain CREATE INDEX: no batch copy of tables that carry triggers
        op.create_index(name, table, ["import_batch_id"], unique=False, sqlite_where=sa.text(WHERE),
                        postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    for name, table in reversed(INDEXES):
        op.drop_index(name, table_name=table)
