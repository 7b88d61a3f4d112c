"""Statutory interest and recovery compensation of ledger invoices, as of a day (letters, CLI, GUI).

Payments reduce the debt from their payment date (interest on the paid part stops the day after); a credit
note offset against the invoice counts from the credit note's issue date, the day the correction was made.
A reversed payment no longer counts. The law is the firm's country's (PL when no firm is set yet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from collector_app.db.models import Allocation, Invoice, Payment
from collector_app.domain.compensation import Compensation, compensation, law_currency, pl_tier
from collector_app.domain.errors import UserError
from collector_app.domain.interest import CENT, Debt, Law, RateSeries, law_for, statutory_interest
from collector_app.services import rates
from collector_app.services.context import Ctx
from collector_app.services.firm import get_firm


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    start: dt.date
    end: dt.date
    rate: Decimal  # statutory percent a year
    days: int
    amount: Decimal  # shown rounded; the total is rounded once from the exact sum
    base: Decimal  # the outstanding amount interest ran on


@dataclass(frozen=True, slots=True)
class InvoiceInterest:
    invoice_id: int
    number: str
    currency: str
    principal: Decimal  # still unpaid on as_of
    interest: Decimal
    days: int
    periods: tuple[InterestPeriod, ...]
    compensation: Decimal
    compensation_currency: str
    compensation_converted: Decimal | None
    converted_currency: str | None
    fx_rate: Decimal | None
    fx_date: dt.date | None
    total: Decimal  # principal + interest + compensation, in the invoice's currency
    law: str
    as_of: dt.date
    issue_date: dt.date
    due_date: dt.date
    gross: Decimal
    warnings: tuple[str, ...] = ()  # e.g. the compensation could not be converted (no exchange rate)


def firm_country(ctx: Ctx) -> str:
    firm = get_firm(ctx)
    return firm.country if firm else "PL"


def reductions(ctx: Ctx, invoice_id: int, as_of: dt.date) -> tuple[tuple[dt.date, Decimal], ...]:
    """(date, amount) of every allocation to the invoice dated on or before `as_of`, oldest first."""
    credit = aliased(Invoice)
    rows = ctx.session.execute(
        select(Payment.date, credit.issue_date, Allocation.amount)
        .select_from(Allocation)
        .outerjoin(Payment, and_(Allocation.payment_id == Payment.id, Payment.reversed_at.is_(None)))
        .outerjoin(credit, Allocation.credit_note_id == credit.id)
        .where(Allocation.invoice_id == invoice_id)).tuples()
    out = [(paid or credited, Decimal(amount)) for paid, credited, amount in rows if (paid or credited) is not None]
    return tuple(sorted((d, a) for d, a in out if d <= as_of))


class _Engine:
    """Reads rate tables once per call and computes any number of invoices."""

    def __init__(self, ctx: Ctx) -> None:
        rates.ensure_loaded(ctx)
        self.ctx = ctx
        self.country = firm_country(ctx)
        self.fx = rates.fx_lookup(ctx)
        self._series: dict[Law, RateSeries] = {}

    def series(self, law: Law) -> RateSeries:
        if law not in self._series:
            self._series[law] = rates.series_for(self.ctx, law)
        return self._series[law]

    def compute(self, inv: Invoice, as_of: dt.date, *, strict_fx: bool = True) -> InvoiceInterest:
        if inv.kind != "invoice":
            raise UserError("invoice", f'"{inv.number}" is a credit note: no interest runs on it')
        paid = reductions(self.ctx, inv.id, as_of)
        gross = Decimal(inv.gross)
        principal = max(gross - sum((a for _, a in paid), Decimal(0)), Decimal(0)).quantize(CENT)
        law = law_for(inv.currency, self.country)
        result = statutory_interest(law, Debt(inv.issue_date, inv.due_date, gross, paid), as_of, self.series(law))
        warnings: tuple[str, ...] = ()
        try:
            comp = compensation(law, gross, inv.currency, inv.due_date, result.days > 0, self.fx)
        except UserError as exc:
            if strict_fx:
                raise
            comp, warnings = _unconverted(law, gross, inv.currency, exc)
        periods = tuple(InterestPeriod(p.start, p.end, pct(p.rate), p.days, p.amount, p.base.quantize(CENT))
                        for p in result.periods)
        interest = result.interest
        return InvoiceInterest(
            invoice_id=inv.id, number=inv.number, currency=inv.currency, principal=principal, interest=interest,
            days=result.days, periods=periods, compensation=comp.amount, compensation_currency=comp.currency,
            compensation_converted=comp.converted, converted_currency=comp.converted_currency,
            fx_rate=comp.fx_rate, fx_date=comp.fx_date,
            total=principal + interest + (comp.in_currency(inv.currency) if not warnings else Decimal(0)),
            law=law.value, as_of=as_of, issue_date=inv.issue_date, due_date=inv.due_date, gross=gross,
            warnings=warnings,
        )


def _unconverted(law: Law, gross: Decimal, currency: str, missing: UserError) -> tuple[Compensation, tuple[str, ...]]:
    """The compensation in the currency the law names, when the rate to convert it is not in the ledger:
    stated, left out of the total, and the reason given (never a guessed rate)."""
    if law is Law.PL and currency != "PLN":  # even the tier needs the gross in PLN
        return Compensation(Decimal("0.00"), "EUR"), (
            f"compensation not computed: {missing.message}",)
    tier = pl_tier(gross) if law is Law.PL else Decimal(1200) if law is Law.CZ else Decimal(40)
    return Compensation(tier.quantize(CENT), law_currency(law)), (
        f"compensation not converted and not in the total: {missing.message}",)


def pct(rate: Decimal) -> Decimal:
    """15.7500 → 15.75, 18 → 18.00; more places only when the rate has them."""
    two = rate.quantize(CENT)
    return two if two == rate else rate.normalize()


def invoice_interest(ctx: Ctx, invoice: Invoice, *, as_of: dt.date | None = None,
                     strict_fx: bool = True) -> InvoiceInterest:
    """Interest and compensation of one invoice as of `as_of` (default: the clock's today).

    A letter needs every amount, so a missing exchange rate refuses (strict_fx); a look at the interest
    (`collector interest`) still shows it, with the compensation unconverted and a warning saying why."""
    return _Engine(ctx).compute(invoice, as_of or ctx.clock.today(), strict_fx=strict_fx)


def contractor_interest(ctx: Ctx, contractor_id: int, *, as_of: dt.date | None = None,
                        paid_late: bool = False, currency: str | None = None) -> list[InvoiceInterest]:
    """The contractor's overdue invoices (oldest due first), in `currency` when given; with `paid_late`, the
    settled invoices that were paid after their due date instead (principal 0, interest > 0: what an
    interest note claims)."""
    day = as_of or ctx.clock.today()
    q = select(Invoice).where(Invoice.contractor_id == contractor_id, Invoice.kind == "invoice",
                              Invoice.due_date < day)
    if currency is not None:
        q = q.where(Invoice.currency == currency)
    q = q.where(Invoice.gross <= Invoice.paid) if paid_late else q.where(Invoice.gross > Invoice.paid)
    engine = _Engine(ctx)
    out = [engine.compute(inv, day) for inv in ctx.session.scalars(q.order_by(Invoice.due_date, Invoice.number))]
    if paid_late:
        out = [r for r in out if r.principal == 0 and r.interest > 0]
    return out
