"""The fixed recovery compensation a late payer owes per invoice (PL EUR 40/70/100, CZ CZK 1,200, EU EUR 40)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from collector_app.domain.interest import CENT, Law

PL_LOW = Decimal("5000.00")  # up to and including: EUR 40
PL_HIGH = Decimal("50000.00")  # from and including: EUR 100; between: EUR 70


@dataclass(frozen=True, slots=True)
class FxQuote:
    """Units of `quote` for one `base` on `date` (a mid rate as published)."""

    base: str
    quote: str
    date: dt.date
    rate: Decimal


# finds the rate base→quote the law names for a due date; raises UserError when the ledger has none
FxLookup = Callable[[str, str, dt.date], FxQuote]


@dataclass(frozen=True, slots=True)
class Compensation:
    amount: Decimal
    currency: str
    converted: Decimal | None = None  # in the invoice's currency, when owed in another one
    converted_currency: str | None = None
    fx_rate: Decimal | None = None
    fx_date: dt.date | None = None

    def in_currency(self, currency: str) -> Decimal:
        """The amount to add to a total kept in `currency` (the invoice's)."""
        if self.currency == currency or self.amount == 0:
            return self.amount
        if self.converted is None or self.converted_currency != currency:
            raise ValueError(f"compensation in {self.currency} has no conversion to {currency}")
        return self.converted


def law_currency(law: Law) -> str:
    return "CZK" if law is Law.CZ else "EUR"


def pl_tier(gross_pln: Decimal) -> Decimal:
    """EUR 40 up to 5,000 PLN, EUR 70 above it and below 50,000 PLN, EUR 100 from 50,000 PLN."""
    if gross_pln <= PL_LOW:
        return Decimal(40)
    if gross_pln < PL_HIGH:
        return Decimal(70)
    return Decimal(100)


def compensation(law: Law, gross: Decimal, currency: str, due_date: dt.date, late: bool,
                 fx: FxLookup) -> Compensation:
    """What is owed once the invoice is late (0 before), converted to the invoice's currency when needed.

    Poland: the thresholds compare the gross in PLN; euro amounts convert at the NBP mid rate of the last
    business day of the month before the due date (`fx` knows which row that is).
    """
    owed_in = law_currency(law)
    if not late:
        return Compensation(Decimal("0.00"), owed_in)
    if law is Law.PL:
        gross_pln = gross if currency == "PLN" else gross * fx(currency, "PLN", due_date).rate
        amount = pl_tier(gross_pln)
    else:
        amount = Decimal(1200) if law is Law.CZ else Decimal(40)
    amount = amount.quantize(CENT)
    if owed_in == currency:
        return Compensation(amount, owed_in)
    quote = fx(owed_in, currency, due_date)
    converted = (amount * quote.rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return Compensation(amount, owed_in, converted, currency, quote.rate, quote.date)
