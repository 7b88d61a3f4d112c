"""indexes for paused, ready-for-demand and partly paid invoices

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 11:10:00

Partial indexes over the few invoices in each state, so incremental planning (pauses that ended),
the ready-for-demand list and payment matching (partly paid balances) read them without scanning
the ledger.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_invoice_paused_until", ["paused_until"], "paused_until IS NOT NULL"),
    ("ix_invoice_ready_for_demand", ["ready_for_demand_at"], "ready_for_demand_at IS NOT NULL"),
    ("ix_invoice_partly_paid", ["currency", "id"], "gross > paid AND paid > 0"),
)


def upgrade() -> None:
    # plain CREATE INDEX (no batch copy of the table: the invoice table carries the search triggers)
    for name, columns, where in INDEXES:
        op.create_index(name, "invoice", columns, unique=False, sqlite_where=sa.text(where),
                        postgresql_where=sa.text(where))


def downgrade() -> None:
    for name, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name="invoice")
