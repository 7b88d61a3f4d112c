"""Payments and their allocation to invoices: explicit, automatic, by hand later, and reversal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String, bindparam, column, func, insert, select, text, update

from collector_app.db.models import Allocation, Contractor, Invoice, Payment
from collector_app.db.queries import search_clause
from collector_app.domain.errors import UserError
from collector_app.domain.money import check_currency, check_places, format_amount
from collector_app.domain.status import balance
from collector_app.services import audit
from collector_app.services.context import Changes, Ctx
from collector_app.services.contractors import get_contractor
from collector_app.services.firm import get_firm
from collector_app.services.invoices import find_invoice
from collector_app.services.running_totals import bump, cents

MAX_TITLE_CANDIDATES = 400


@dataclass(frozen=True)
class PaymentData:
    date: dt.date
    amount: Decimal
    currency: str | None = None
    contractor_id: int | None = None
    invoice_numbers: tuple[str, ...] = ()
    title: str | None = None
    payer_name: str | None = None
    payer_account: str | None = None
    reference: str | None = None
    source: str = "manual"
    bank_txn_id: str | None = None
    # (invoice number, amount) typed by a person: allocated exactly so, the rest stays unallocated
    # credit. None = not given (named invoices or automatic allocation); () = allocate nothing.
    allocations: tuple[tuple[str, Decimal], ...] | None = None


@dataclass(frozen=True)
class Applied:
    invoice_id: int
    number: str
    amount: Decimal
    reason: str  # named | title | exact-amount | oldest-overdue | by-hand


@dataclass
class PaymentResult:
    payment: Payment
    applied: list[Applied] = field(default_factory=list)

    @property
    def unallocated(self) -> Decimal:
        return self.payment.amount - self.payment.allocated

    @property
    def changes(self) -> Changes:
        return Changes(
            invoices=frozenset(a.invoice_id for a in self.applied),
            payments=frozenset({self.payment.id}),
            contractors=frozenset({self.payment.contractor_id} if self.payment.contractor_id else set()),
        )


def _apply(ctx: Ctx, result: PaymentResult, invoice: Invoice, amount: Decimal, reason: str) -> None:
    payment = result.payment
    ctx.session.add(Allocation(
        payment_id=payment.id, invoice_id=invoice.id, amount=amount, created_at=ctx.clock.now()
    ))
    bump(ctx, invoice, "paid", amount)
    bump(ctx, payment, "allocated", amount)
    result.applied.append(Applied(invoice.id, invoice.number, amount, reason))
    audit.record(ctx, "payment.allocated", "payment", payment.id,
                 _allocated_summary(payment.date, invoice, amount, balance(invoice.gross, invoice.paid)),
                 invoice_id=invoice.id, contractor_id=invoice.contractor_id, details={"reason": reason})


def _allocated_summary(day: dt.date, invoice: Invoice, amount: Decimal, after: Decimal) -> str:
    state = "settled" if after == 0 else ("overpaid" if after < 0 else f"{format_amount(after)} left")
    return (f"Payment of {day} allocated to {invoice.number}: {format_amount(amount)} "
            f"{invoice.currency} ({state})")


@dataclass(frozen=True, slots=True)
class BulkAllocation:
    """An allocation made in memory by a bulk import: `invoice.paid` already includes `amount`."""

    payment_id: int
    payment_date: dt.date
    invoice: Invoice
    amount: Decimal
    reason: str
    left: Decimal  # the invoice's balance right after this allocation


def allocated_event(ctx: Ctx, a: BulkAllocation) -> dict[str, Any]:
    """The event `_apply` records for an allocation, as column values for a bulk insert."""
    inv = a.invoice
    return audit.values(ctx, "payment.allocated", "payment", a.payment_id,
                        _allocated_summary(a.payment_date, inv, a.amount, a.left),
                        invoice_id=inv.id, contractor_id=inv.contractor_id, details={"reason": a.reason})


def write_allocations(ctx: Ctx, allocations: list[BulkAllocation]) -> None:
    """Write allocations made in memory: their rows by one executemany, and the final `paid` of each
    invoice they touched by another, so invoice.paid stays Σ allocations. The payments' `allocated`
    is the caller's (written with the payment rows)."""
    if not allocations:
        return
    now = ctx.clock.now()
    ctx.session.connection().execute(insert(Allocation), [
        {"payment_id": a.payment_id, "invoice_id": a.invoice.id, "amount": a.amount, "created_at": now}
        for a in allocations])
    added: dict[int, Decimal] = {}
    for a in allocations:
        added[a.invoice.id] = added.get(a.invoice.id, Decimal(0)) + a.amount
    ctx.session.connection().execute(  # Core executemany; added to what the row holds (see bump)
        update(Invoice).where(Invoice.id == bindparam("b_id")).values(paid=cents(Invoice.paid + bindparam("b_added"))),
        [{"b_id": inv_id, "b_added": value} for inv_id, value in sorted(added.items())])  # in page order


def add_payment(ctx: Ctx, data: PaymentData) -> PaymentResult:
    """Record money received and allocate it: to the named invoices in full, else automatically."""
    firm = get_firm(ctx)
    currency = check_currency(data.currency) if data.currency else (firm.currency if firm else "PLN")
    check_places(data.amount, currency, "amount")
    if data.amount <= 0:
        raise UserError("amount", f"{format_amount(data.amount)} is not above zero")
    contractor = get_contractor(ctx, data.contractor_id) if data.contractor_id is not None else None
    named = [find_invoice(ctx, n, kind="invoice") for n in data.invoice_numbers]
    _check_named(named, currency, contractor)
    if contractor is None and named:
        contractor = named[0].contractor
    explicit = _explicit_allocations(ctx, data, currency, contractor)
    if contractor is None and explicit:
        contractor = explicit[0][0].contractor
    payment = Payment(
        contractor_id=contractor.id if contractor else None, date=data.date, amount=data.amount,
        currency=currency, allocated=Decimal(0), payer_name=data.payer_name,
        payer_account=data.payer_account, title=data.title, reference=data.reference,
        source=data.source, bank_txn_id=data.bank_txn_id, created_at=ctx.clock.now(),
    )
    ctx.session.add(payment)
    ctx.session.flush()
    audit.record(
        ctx, "payment.added", "payment", payment.id,
        f"Payment received {payment.date}: {format_amount(payment.amount)} {currency}"
        + (f" — {data.title}" if data.title else ""),
        contractor_id=payment.contractor_id,
    )
    result = PaymentResult(payment)
    if explicit is not None:
        for inv, amount in explicit:
            _apply(ctx, result, inv, amount, "by-hand")
    elif named:
        _allocate_named(ctx, result, named)
    else:
        _allocate_automatically(ctx, result)
    ctx.session.flush()
    return result


def _check_named(named: list[Invoice], currency: str, contractor: Contractor | None) -> None:
    seen: set[int] = set()
    for inv in named:
        if inv.id in seen:
            raise UserError("invoice", f'"{inv.number}" is named twice')
        seen.add(inv.id)
        if inv.currency != currency:
            raise UserError("currency", f"the payment is in {currency} but {inv.number} is in {inv.currency}")
        if contractor is not None and inv.contractor_id != contractor.id:
            raise UserError("invoice", f'"{inv.number}" belongs to another contractor than {contractor.name}')
    if len({inv.contractor_id for inv in named}) > 1:
        raise UserError("invoice", "the named invoices belong to different contractors")


def _explicit_allocations(
    ctx: Ctx, data: PaymentData, currency: str, contractor: Contractor | None
) -> list[tuple[Invoice, Decimal]] | None:
    """Check the per-invoice amounts a person typed: each above zero, one contractor, Σ ≤ the payment."""
    if data.allocations is None:
        return None
    if data.invoice_numbers:
        raise UserError("allocations", "give either invoice numbers or per-invoice amounts, not both")
    pairs: list[tuple[Invoice, Decimal]] = []
    for number, amount in data.allocations:
        inv = find_invoice(ctx, number, kind="invoice", field="allocations")
        check_places(amount, currency, "allocations", f"{number}: {amount}")
        if amount <= 0:
            raise UserError("allocations", f"{inv.number}: {format_amount(amount)} is not above zero")
        pairs.append((inv, amount))
    invoices = [inv for inv, _ in pairs]
    _check_named(invoices, currency, contractor)
    total = sum((amount for _, amount in pairs), Decimal(0))
    if total > data.amount:
        raise UserError(
            "allocations",
            f"the amounts add up to {format_amount(total)}, more than the payment of {format_amount(data.amount)}",
        )
    return pairs


def _allocate_named(ctx: Ctx, result: PaymentResult, named: list[Invoice]) -> None:
    """Each named invoice up to its balance, in the order given; the last takes all that is left."""
    left = result.payment.amount
    for i, inv in enumerate(named):
        last = i == len(named) - 1
        amount = left if last else min(left, max(balance(inv.gross, inv.paid), Decimal(0)))
        if amount > 0:
            _apply(ctx, result, inv, amount, "named")
            left -= amount


def _open_invoices(ctx: Ctx, currency: str, contractor_id: int | None) -> list[Invoice]:
    query = select(Invoice).where(
        Invoice.kind == "invoice", Invoice.currency == currency, Invoice.gross > Invoice.paid
    )
    if contractor_id is not None:
        query = query.where(Invoice.contractor_id == contractor_id)
    return list(ctx.session.scalars(query.order_by(Invoice.due_date, Invoice.id)))


def invoices_named_in(ctx: Ctx, text: str, currency: str, contractor_id: int | None) -> list[Invoice]:
    """Open invoices whose number or variable symbol appears in the text, in order of appearance: read as a
    bank payment's title is (services/matching), so a payment typed in is allocated as an imported one."""
    from collector_app.services import matching  # matching books through this module

    hits, _ = matching.invoices_in_text(ctx, matching.Matcher(), matching.Hints(text), currency)
    return [h.invoice for h in hits if contractor_id is None or h.invoice.contractor_id == contractor_id]


def _allocate_automatically(ctx: Ctx, result: PaymentResult) -> None:
    """Numbers in the title first; else the contractor's invoice of exactly that amount; else oldest overdue."""
    payment = result.payment
    left = payment.amount
    named = _title_shares(ctx, payment.title, payment.currency, payment.contractor_id, left)
    for inv, amount in named:
        _apply(ctx, result, inv, amount, "title")
        left -= amount
        payment.contractor_id = inv.contractor_id
    if named:
        return
    if payment.contractor_id is None:
        return
    open_invoices = _open_invoices(ctx, payment.currency, payment.contractor_id)
    exact = _exact(open_invoices, left)
    if exact is not None:
        _apply(ctx, result, exact, left, "exact-amount")
        return
    today = ctx.clock.today()
    for inv in open_invoices:
        if left <= 0 or inv.due_date >= today:
            break
        amount = min(left, balance(inv.gross, inv.paid))
        _apply(ctx, result, inv, amount, "oldest-overdue")
        left -= amount


def _title_shares(ctx: Ctx, title: str | None, currency: str, contractor_id: int | None,
                  amount: Decimal) -> list[tuple[Invoice, Decimal]]:
    """The open invoices the title names, in the order it names them, each up to its balance while money is
    left; one payment, one contractor (given, or the first number's)."""
    shares: list[tuple[Invoice, Decimal]] = []
    left, owner = amount, contractor_id
    for inv in invoices_named_in(ctx, title, currency, contractor_id) if title else ():
        if left <= 0:
            break
        owner = inv.contractor_id if owner is None else owner
        if inv.contractor_id != owner:
            continue
        share = min(left, balance(inv.gross, inv.paid))
        shares.append((inv, share))
        left -= share
    return shares


def _exact(open_invoices: list[Invoice], amount: Decimal) -> Invoice | None:
    """The oldest open invoice owing exactly `amount`."""
    return next((inv for inv in open_invoices if balance(inv.gross, inv.paid) == amount), None)


@dataclass(frozen=True)
class Suggestion:
    """One open invoice and how much of a payment would go to it."""

    invoice_id: int
    number: str
    due_date: dt.date
    balance: Decimal
    amount: Decimal  # 0 once the payment is used up


def suggest_allocation(ctx: Ctx, contractor_id: int, currency: str, amount: Decimal,
                       title: str | None = None) -> list[Suggestion]:
    """All the contractor's open invoices in that currency, oldest due first, for a person to accept or edit,
    with the amount split as automatic allocation would split it: the invoices the `title` names, else the
    one owing exactly the amount, else filled up to their balances oldest first (the rest get 0)."""
    get_contractor(ctx, contractor_id)
    currency = check_currency(currency)
    amount = max(amount, Decimal(0))
    invoices = _open_invoices(ctx, currency, contractor_id)
    chosen = {inv.id: share for inv, share in _title_shares(ctx, title, currency, contractor_id, amount)}
    exact = _exact(invoices, amount) if not chosen and amount > 0 else None
    if exact is not None:
        chosen = {exact.id: amount}
    suggestions: list[Suggestion] = []
    left = amount
    for inv in invoices:
        owed = balance(inv.gross, inv.paid)
        share = chosen.get(inv.id, Decimal(0)) if chosen else min(left, owed)
        left -= share
        suggestions.append(Suggestion(inv.id, inv.number, inv.due_date, owed, share))
    return suggestions


@dataclass(frozen=True)
class OpenInvoice:
    """An open invoice a person may pick to allocate a payment to by hand."""

    number: str
    contractor: str
    due_date: dt.date
    balance: Decimal


def find_open_invoices(ctx: Ctx, search: str, currency: str, limit: int = 30) -> list[OpenInvoice]:
    """Open invoices in that currency whose number, or whose contractor's name or tax id, holds the text
    (all of them when it is empty), oldest due first: any invoice a bank payment may be allocated to."""
    query = (  # "kind || ''": the open-invoices index on (due_date, id) drives the page, not the kind's
        select(Invoice.number, Contractor.name, Invoice.due_date, Invoice.gross, Invoice.paid)
        .join(Contractor, Contractor.id == Invoice.contractor_id)
        .where(Invoice.kind.concat("") == "invoice", Invoice.currency == check_currency(currency),
               Invoice.gross > Invoice.paid)
    )
    if search.strip():  # as the register searches: the search indexes, or a walk of the due-date index
        query = query.where(search_clause(ctx.session, search, "due_date"))
    query = query.order_by(Invoice.due_date, Invoice.id).limit(limit)
    return [OpenInvoice(n, name, due, balance(gross, paid)) for n, name, due, gross, paid in ctx.session.execute(query)]


def unallocated_totals(ctx: Ctx, contractor_id: int | None = None) -> dict[str, Decimal]:
    """Money received but not yet allocated (reversed payments excluded), per currency."""
    query = (
        select(Payment.currency, func.sum(Payment.amount - Payment.allocated))
        .where(Payment.amount > Payment.allocated, Payment.reversed_at.is_(None))
        .group_by(Payment.currency)
        .order_by(Payment.currency)
    )
    if contractor_id is not None:
        query = query.where(Payment.contractor_id == contractor_id)
    cent = Decimal("0.01")  # SQLite sums NUMERIC as float: back to cents, exactly once
    return {cur: Decimal(str(total)).quantize(cent) for cur, total in ctx.session.execute(query)}


def payment_currencies(ctx: Ctx, contractor_id: int | None = None) -> list[str]:
    """Currencies a payment is likely in: those of the contractor's open invoices, then the firm's."""
    found: list[str] = []
    if contractor_id is not None:
        found = list(ctx.session.scalars(
            select(Invoice.currency).where(
                Invoice.contractor_id == contractor_id, Invoice.kind == "invoice", Invoice.gross > Invoice.paid,
            ).group_by(Invoice.currency).order_by(func.min(Invoice.due_date))
        ))
    firm = get_firm(ctx)
    own = firm.currency if firm else "PLN"
    return found + ([own] if own not in found else [])


def get_payment(ctx: Ctx, payment_id: int) -> Payment:
    payment = ctx.session.get(Payment, payment_id)
    if payment is None:
        raise UserError("payment", f"no payment with id {payment_id}")
    return payment


def allocate(ctx: Ctx, payment_id: int, invoice_number: str, amount: Decimal | None = None) -> PaymentResult:
    """Allocate (part of) a payment's unallocated money by hand, e.g. from the review list."""
    payment = get_payment(ctx, payment_id)
    if payment.reversed_at is not None:
        raise UserError("payment", f"payment {payment_id} was reversed")
    inv = find_invoice(ctx, invoice_number, kind="invoice")
    if inv.currency != payment.currency:
        raise UserError("currency", f"the payment is in {payment.currency} but {inv.number} is in {inv.currency}")
    free = payment.amount - payment.allocated
    if free <= 0:
        raise UserError("payment", f"payment {payment_id} has nothing left to allocate")
    if amount is None:
        amount = min(free, balance(inv.gross, inv.paid))
        if amount <= 0:
            raise UserError("invoice", f'"{inv.number}" is already settled; give an amount to overpay it')
    else:
        check_places(amount, payment.currency, "amount")
        if amount <= 0 or amount > free:
            raise UserError("amount", f"{format_amount(amount)} is not between 0.01 and the {format_amount(free)} left")
    if payment.contractor_id not in (None, inv.contractor_id) and payment.allocated > 0:
        raise UserError("invoice", f'"{inv.number}" belongs to another contractor than the invoices this payment '
                                   "already pays; one payment pays one contractor's invoices")
    payment.contractor_id = inv.contractor_id  # none yet, or only guessed from the payer's account
    result = PaymentResult(payment)
    _apply(ctx, result, inv, amount, "by-hand")
    ctx.session.flush()
    return result


def reverse_payment(ctx: Ctx, payment_id: int, reason: str | None = None) -> Changes:
    """Undo a payment (a bounced transfer, a typing mistake): its allocations go, the record stays."""
    payment = get_payment(ctx, payment_id)
    if payment.reversed_at is not None:
        raise UserError("payment", f"payment {payment_id} is already reversed")
    touched: set[int] = set()
    for alloc in ctx.session.scalars(select(Allocation).where(Allocation.payment_id == payment.id)):
        inv = ctx.session.get(Invoice, alloc.invoice_id)
        assert inv is not None
        bump(ctx, inv, "paid", -alloc.amount)
        touched.add(inv.id)
        audit.record(
            ctx, "payment.unallocated", "payment", payment.id,
            f"Payment of {payment.date} reversed: {format_amount(alloc.amount)} {inv.currency} "
            f"taken back from {inv.number}",
            invoice_id=inv.id, contractor_id=inv.contractor_id,
        )
        ctx.session.delete(alloc)
    payment.allocated = Decimal(0)
    payment.reversed_at = ctx.clock.now()
    payment.reversal_reason = (reason or "").strip() or None
    ctx.session.flush()
    audit.record(
        ctx, "payment.reversed", "payment", payment.id,
        f"Payment of {payment.date} ({format_amount(payment.amount)} {payment.currency}) reversed"
        + (f": {reason}" if reason else ""),
        contractor_id=payment.contractor_id,
    )
    return Changes(invoices=frozenset(touched), payments=frozenset({payment.id}))


@dataclass(frozen=True)
class PaymentRow:
    id: int
    date: dt.date
    amount: Decimal
    currency: str
    contractor_id: int | None
    contractor: str | None
    payer: str | None
    payer_account: str | None
    title: str | None
    source: str
    allocated: Decimal
    reversed: bool

    @property
    def unallocated(self) -> Decimal:
        return Decimal(0) if self.reversed else self.amount - self.allocated


def list_payments(
    ctx: Ctx, *, unallocated_only: bool = False, contractor_id: int | None = None,
    limit: int | None = None, offset: int = 0,
) -> list[PaymentRow]:
    query = select(Payment, Contractor.name).outerjoin(Contractor, Contractor.id == Payment.contractor_id)
    if unallocated_only:
        query = query.where(Payment.amount > Payment.allocated, Payment.reversed_at.is_(None))
    if contractor_id is not None:
        query = query.where(Payment.contractor_id == contractor_id)
    query = query.order_by(Payment.date.desc(), Payment.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [
        PaymentRow(
            p.id, p.date, p.amount, p.currency, p.contractor_id, name, p.payer_name, p.payer_account,
            p.title, p.source, p.allocated, p.reversed_at is not None,
        )
        for p, name in ctx.session.execute(query)
    ]


def contractor_credit(ctx: Ctx, contractor_id: int) -> dict[str, Decimal]:
    """Money the contractor has with the firm, per currency: unallocated payments and open credit notes.

    One statement: every reminder composed at send time asks this."""
    credit: dict[str, Decimal] = {}
    for currency, amount in ctx.session.execute(_CREDIT, {"contractor": contractor_id}):
        credit[currency] = credit.get(currency, Decimal(0)) + amount
    return credit


_CREDIT = text(
    "SELECT currency, amount - allocated AS amount FROM payment "
    "WHERE contractor_id = :contractor AND reversed_at IS NULL AND amount > allocated "
    "UNION ALL SELECT currency, paid - gross FROM invoice WHERE contractor_id = :contractor AND gross < paid"
).columns(column("currency", String()), column("amount", Numeric(18, 2)))
