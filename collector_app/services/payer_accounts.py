"""The bank accounts a contractor pays from, as a person sees and edits them: typed in, learned, forgotten."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import select

from collector_app.db.models import ContractorAccount
from collector_app.domain.errors import UserError
from collector_app.imports.bank import czech_iban, normalize_account, written_as_czech
from collector_app.services import audit, matching
from collector_app.services.context import Ctx

MIN_LENGTH = 8  # shorter is a typing slip, not an account number
SOURCE_NAMES = {"typed": "typed in", "learned": "learned from a payment"}


@dataclass(frozen=True)
class KnownAccount:
    id: int
    account: str
    source: str  # typed | learned
    created_at: dt.datetime


def known_accounts(ctx: Ctx, contractor_id: int) -> list[KnownAccount]:
    rows = ctx.session.execute(
        select(ContractorAccount.id, ContractorAccount.account, ContractorAccount.source, ContractorAccount.created_at)
        .where(ContractorAccount.contractor_id == contractor_id).order_by(ContractorAccount.id)).tuples()
    return [KnownAccount(*row) for row in rows]


def checked_account(text: str) -> str:
    """The account as matching keeps it, or a UserError saying what is wrong with what was typed."""
    if written_as_czech(text) and czech_iban(text) is None:
        raise UserError("account", f'"{text}" is not a valid Czech account number (its check digits or bank code)')
    account = normalize_account(text)
    if account is None or len(account) < MIN_LENGTH:
        raise UserError("account", f'"{text}" is not a bank account number')
    if account[:2].isalpha() and account[2:4].isdigit():  # written as an IBAN: its check digits must agree
        try:
            IBAN(account)
        except SchwiftyException as exc:
            raise UserError("account", f'"{text}" is not a valid IBAN ({exc})') from exc
    return account


def type_account(ctx: Ctx, contractor_id: int, text: str) -> tuple[str, bool]:
    """Remember an account a person typed in; the account as kept, and False when it was known already."""
    account = checked_account(text)
    added = matching.learn_account(ctx, contractor_id, account, source="typed")
    if added:
        audit.record(ctx, "account.typed", "contractor", contractor_id, f"Payer account {account} typed in",
                     contractor_id=contractor_id)
    return account, added


def forget_account(ctx: Ctx, contractor_id: int, account_id: int) -> str:
    """Matching no longer takes payments from this account as the contractor's; the account forgotten."""
    row = ctx.session.get(ContractorAccount, account_id)
    if row is None or row.contractor_id != contractor_id:
        raise UserError("account", f"account {account_id} is not one of this contractor's")
    account = row.account
    ctx.session.delete(row)
    audit.record(ctx, "account.forgotten", "contractor", contractor_id, f"Payer account {account} forgotten",
                 contractor_id=contractor_id)
    return account
