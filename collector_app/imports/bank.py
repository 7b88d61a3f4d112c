"""One entry of a bank statement as the readers (MT940, camt.053) hand it to the statement import."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal

from schwifty import IBAN
from stdnum.cz import bankaccount as czech_account

_NOT_ACCOUNT = re.compile(r"[^0-9A-Za-z]")
# What banks write where they have no reference for an entry (MT940 NONREF, camt NOTPROVIDED): no reference.
NO_REFERENCE = frozenset({"NONREF", "NOTPROVIDED", "NOT PROVIDED", "NONE", "N/A", "NA"})
NRB_DIGITS = 26  # a Polish account number: the IBAN without its "PL"
# A Czech domestic account as Czech statements and invoices write it: [prefix-]number/bank code.
_CZECH_DOMESTIC = re.compile(r"(?:(\d{1,6})-)?(\d{2,10})/(\d{4})")


def compact_account(account: str | None) -> str | None:
    """Letters and digits only, upper case: how an account is written into an entry's hash."""
    if not account:
        return None
    compact = _NOT_ACCOUNT.sub("", account).upper()
    return compact[:64] or None


def normalize_account(account: str | None) -> str | None:
    """An account number as contractor_account and payments keep it: compact, and a Polish NRB (26 digits,
    as Polish MT940 statements write it) with its country code, so that it is the same account as the
    IBAN a person typed or a camt.053 statement gives; a Czech domestic number (19-2000145399/0800) as its
    IBAN for the same reason."""
    if account and "/" in account and (iban := czech_iban(account)) is not None:
        return iban
    compact = compact_account(account)
    if compact is not None and len(compact) == NRB_DIGITS and compact.isdigit():
        return "PL" + compact
    return compact


def written_as_czech(account: str) -> bool:
    """Whether the text has the shape of a Czech domestic account number ([prefix-]number/bank code)."""
    return _CZECH_DOMESTIC.fullmatch("".join(account.split())) is not None


def czech_iban(account: str) -> str | None:
    """The IBAN of a Czech domestic account number whose check digits and bank code are valid, else None
    (the number is then kept as written: a slash-separated text may be anything)."""
    text = "".join(account.split())
    found = _CZECH_DOMESTIC.fullmatch(text)
    if found is None or not czech_account.is_valid(text):
        return None
    prefix, number, bank = found.groups()
    return str(IBAN.generate("CZ", bank_code=bank, account_code=number.zfill(10), branch_code=(prefix or "").zfill(6)))


def with_bank_code(account: str | None, bank: str | None) -> str | None:
    """Czech statements may give the payer's account number and its bank code apart (MT940 ?31 and ?30,
    camt.053 the account's Othr/Id and the agent's clearing code): together they are one Czech account when
    valid; anything else (an IBAN, say) stands alone."""
    if account and bank and len(code := bank.strip()) == 4 and code.isdigit() and "/" not in account:
        joined = f"{account.strip()}/{code}"
        if czech_iban(joined) is not None:
            return joined
    return account


@dataclass(frozen=True)
class Sameness:
    """What tells two bank entries under one reference apart. An unknown account (redacted on the statement,
    or a payment imported before accounts were kept) agrees with any."""

    day: dt.date
    amount: Decimal
    currency: str
    account: str | None

    def agrees(self, other: Sameness) -> bool:
        return (self.day, self.amount, self.currency) == (other.day, other.amount, other.currency) and (
            self.account is None or other.account is None or self.account == other.account)


@dataclass(frozen=True, slots=True)
class BankEntry:
    """A booked (or not) movement on the statement's account, with what the bank says about the payer.

    `position` is the entry's place in its statement ("3", or "3.2" for the second transaction of a
    batch entry).
    """

    where: str  # "line 12" or an element path, for the summary
    account: str  # the statement's own account, informational (may be redacted)
    position: str
    booking_date: dt.date
    amount: Decimal
    currency: str
    credit: bool
    reversal: bool
    status: str  # BOOK for booked entries
    reference: str | None
    title: str
    payer_name: str | None = None
    payer_account: str | None = None
    payer_tax_id: str | None = None
    creditor_refs: tuple[str, ...] = ()
    returned: bool = False  # the firm's own transfer coming back (a return, not a customer's payment)
    interest: bool = False  # interest the bank credits (camt bank transaction code …/INTR), not a customer's payment

    @property
    def booked(self) -> bool:
        return self.status == "BOOK"

    @property
    def skip_reason(self) -> str | None:
        """Why this entry does not become a payment, or None when it does."""
        if self.reversal:
            return "reversal"
        if not self.booked:
            return f"not booked (status {self.status})"
        if not self.credit:
            return "debit"
        if self.returned:
            return "returned transfer (the firm's own payment came back)"
        if self.interest:
            return "interest from the bank"
        return None

    @property
    def bank_reference(self) -> str | None:
        """The bank's own reference for the entry, None where it gives none (NONREF…)."""
        ref = (self.reference or "").strip()
        return ref[:100] if ref and ref.upper() not in NO_REFERENCE else None

    @property
    def sameness(self) -> Sameness:
        """What must agree for two entries under one bank reference to be one entry: some banks reuse a
        reference (a batch's, a truncated text's) for entries of other amounts and days, or number their
        references per account (the same reference, amount and day on two accounts of the firm)."""
        return Sameness(self.booking_date, self.amount, self.currency, normalize_account(self.account))

    def content_key(self) -> str:
        """The entry without a reference, as its content: account, day, amount, currency and title."""
        return "|".join((compact_account(self.account) or "", self.booking_date.isoformat(), f"{self.amount:f}",
                         self.currency, " ".join(self.title.split())))

    def bank_txn_id(self, occurrence: int = 1, *, distinct: bool = False) -> str:
        """The bank's own reference when it gives one; `distinct` for an entry whose reference another entry
        of another amount or day holds (reference + a hash of its content). Without a reference, a hash of its
        content and its `occurrence` among identical entries of the file: two identical transfers in one file
        stay two, and the same statement downloaded again over an overlapping period adds nothing."""
        ref = self.bank_reference
        if ref is not None and not distinct:
            return ref
        raw = self.content_key() + (f"|{occurrence}" if occurrence > 1 else "")
        digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
        return f"{ref}#{digest[:16]}" if ref is not None else "sha256:" + digest
