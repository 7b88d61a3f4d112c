"""Czech domestic account numbers kept as their IBAN

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 19:30:00

Czech statements and people write an account as [prefix-]number/bank code (19-2000145399/0800); it used to
be kept as its bare digits (1920001453990800), which never equals the IBAN (CZ65 0800 0000 1920 0014 5399)
that a camt.053 statement or an invoice gives for the same account. Both are now kept as the IBAN. Stored
digits are rewritten when exactly one reading of them is a valid Czech account (prefix and number each pass
their check digits, the bank code is a Czech bank's); anything else is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from schwifty import IBAN
from stdnum.cz import bankaccount

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_MAX_DIGITS = 20  # a 6-digit prefix, a 10-digit number, a 4-digit bank code


def czech_iban_of_digits(digits: str) -> str | None:
    """The IBAN of the one valid Czech account these digits can be read as, else None."""
    if not digits.isdigit() or not 7 <= len(digits) <= _MAX_DIGITS:
        return None
    body, bank = digits[:-4], digits[-4:]
    readings = set()
    for cut in range(max(0, len(body) - 10), min(6, len(body) - 2) + 1):
        prefix, number = body[:cut], body[cut:]
        if not bankaccount.is_valid(f"{prefix}-{number}/{bank}" if prefix else f"{number}/{bank}"):
            continue
        readings.add(str(IBAN.generate("CZ", bank_code=bank, account_code=number.zfill(10),
                                       branch_code=prefix.zfill(6))))
    return readings.pop() if len(readings) == 1 else None


def _digits_only(column: str) -> str:
    if op.get_bind().dialect.name == "sqlite":
        return f"{column} NOT GLOB '*[^0-9]*' AND length({column}) BETWEEN 7 AND {_MAX_DIGITS}"
    return f"{column} ~ '^[0-9]{{7,{_MAX_DIGITS}}}$'"


def upgrade() -> None:
    bind = op.get_bind()
    known = bind.execute(sa.text(f"SELECT id, contractor_id, account FROM contractor_account "
                                 f"WHERE {_digits_only('account')}")).all()
    for row_id, contractor_id, account in known:
        iban = czech_iban_of_digits(account)
        if iban is None:
            continue
        duplicate = bind.execute(sa.text("SELECT 1 FROM contractor_account WHERE contractor_id = :c AND account = :a"),
                                 {"c": contractor_id, "a": iban}).first()
        if duplicate:  # the contractor has that account as an IBAN already: the same account twice
            bind.execute(sa.text("DELETE FROM contractor_account WHERE id = :id"), {"id": row_id})
        else:
            bind.execute(sa.text("UPDATE contractor_account SET account = :a WHERE id = :id"),
                         {"a": iban, "id": row_id})
    payers = bind.execute(sa.text(f"SELECT DISTINCT payer_account FROM payment "
                                  f"WHERE {_digits_only('payer_account')}")).scalars().all()
    for account in payers:
        iban = czech_iban_of_digits(account)
        if iban is not None:
            bind.execute(sa.text("UPDATE payment SET payer_account = :a WHERE payer_account = :old"),
                         {"a": iban, "old": account})


def downgrade() -> None:
    """The IBAN form is as good as the digits for the older program: nothing to undo."""
