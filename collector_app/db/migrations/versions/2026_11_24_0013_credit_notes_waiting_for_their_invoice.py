"""credit notes waiting for the invoice they correct

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 20:00:00

A credit note imported before the invoice it corrects kept no trace of that invoice's number, so it was never
linked. The number the credit note names is now kept (`corrects_number`); a partial index over the credit notes
that name one, led by `corrects_invoice_id`, gives those still waiting (NULL) to every invoice added or imported
afterwards without a scan of the ledger.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

NAMED = "corrects_number IS NOT NULL"


def upgrade() -> None:
    # in place (ADD COLUMN, plain CREATE INDEX): a batch copy of the invoice table would drop its search triggers
    op.add_column("invoice", sa.Column("corrects_number", sa.String(length=64), nullable=True))
    op.create_index("ix_invoice_corrects_number", "invoice", ["corrects_invoice_id", "corrects_number"], unique=False,
                    sqlite_where=sa.text(NAMED), postgresql_where=sa.text(NAMED))
    # credit notes linked before: their invoice's number, for the record
    op.execute("UPDATE invoice SET corrects_number = (SELECT c.number FROM invoice AS c "
               "WHERE c.id = invoice.corrects_invoice_id) WHERE corrects_invoice_id IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_invoice_corrects_number", table_name="invoice")
    op.drop_column("invoice", "corrects_number")
