"""Polish account numbers kept with their country code

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 15:00:00

Polish MT940 statements write the payer's account as a bare 26-digit NRB, people and camt.053 as an
IBAN ("PL" and the same digits). Both are now kept as the IBAN, so an account typed in is recognised
on an MT940 payment; learned accounts and payers' accounts already stored are rewritten the same way
(an NRB whose IBAN form the contractor already has is the same account, and is dropped).
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _bare_nrb(column: str) -> str:
    """SQL true for a value of exactly 26 digits, in the database's own dialect."""
    digits = (f"{column} NOT GLOB '*[^0-9]*'" if op.get_bind().dialect.name == "sqlite"
              else f"{column} ~ '^[0-9]+$'")
    return f"length({column}) = 26 AND {digits}"


def upgrade() -> None:
    op.execute(
        f"UPDATE contractor_account SET account = 'PL' || account WHERE {_bare_nrb('account')} "
        "AND NOT EXISTS (SELECT 1 FROM contractor_account same WHERE same.contractor_id = contractor_account.contractor_id "
        "AND same.account = 'PL' || contractor_account.account)")
    op.execute(f"DELETE FROM contractor_account WHERE {_bare_nrb('account')}")
    op.execute(f"UPDATE payment SET payer_account = 'PL' || payer_account WHERE {_bare_nrb('payer_account')}")


def downgrade() -> None:
    """The IBAN form is as good as the NRB for the older program: nothing to undo."""
