"""Gathers what a dunning letter states: which invoices, their amounts and interest, the payee and the QR string.

The amounts come from the ledger and from services/interest.py (statutory interest and the fixed
recovery compensation); the layout is services/letter_pdf.py's. One letter carries one currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import select

from collector_app.db.models import DEMAND_KINDS, Contractor, Demand, DemandInvoice, Firm, Invoice
from collector_app.domain.errors import UserError
from collector_app.domain.interest import law_for
from collector_app.domain.payment_qr import (
    LETTER_TITLE_MAX,
    ZBP_AMOUNT_MAX,
    Payee,
    PaymentRequest,
    payment_string,
    title_for,
    variable_symbol,
)
from collector_app.domain.status import balance, days_overdue, pause_in_effect
from collector_app.services import interest as statutory
from collector_app.services.context import Ctx
from collector_app.services.invoice_pdf import readable_phone
from collector_app.services.letter_pdf import FxNote, Letter, LetterRow, Party
from collector_app.templates.render import language_of

CLAIM_KINDS = ("reminder", "demand", "final")  # letters about unpaid invoices
INTEREST_NOTE = "interest-note"  # a letter about invoices that were paid late
TITLE_LIMIT = LETTER_TITLE_MAX  # the title printed on the letter is the one every payment code carries
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Claim:
    """One invoice of a letter and the amounts the letter states for it, in the invoice's currency."""

    invoice: Invoice
    principal: Decimal
    interest: Decimal
    compensation: Decimal
    days: int
    paid_on: dt.date | None = None
    fx: FxNote | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A letter before it has a number: one kind, one contractor, one currency."""

    kind: str
    contractor: Contractor
    currency: str
    claims: tuple[Claim, ...]

    @property
    def principal(self) -> Decimal:
        return sum((c.principal for c in self.claims), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((c.interest for c in self.claims), ZERO)

    @property
    def compensation(self) -> Decimal:
        return sum((c.compensation for c in self.claims), ZERO)

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.compensation


def check_kind(kind: str) -> str:
    if kind not in DEMAND_KINDS:
        raise UserError("kind", f'"{kind}" is not a letter kind (expected {", ".join(DEMAND_KINDS)})')
    return kind


def open_for_letter(inv: Invoice, today: dt.date) -> bool:
    """Overdue, not disputed, not handed over, not paused by a promise: a letter may name it."""
    return (inv.kind == "invoice" and balance(inv.gross, inv.paid) > 0 and inv.due_date < today
            and not inv.disputed and not inv.handed_over
            and not pause_in_effect(inv.paused_until, today))


def drafts_for_invoice(ctx: Ctx, kind: str, inv: Invoice) -> list[Draft]:
    """The letter about one invoice named by the user."""
    today = ctx.clock.today()
    if inv.kind != "invoice":
        raise UserError("invoice", f'"{inv.number}" is a credit note: letters are about invoices')
    if inv.disputed:
        raise UserError("invoice", f'"{inv.number}" is disputed: settle the dispute before a letter')
    if inv.handed_over:
        raise UserError("invoice", f'"{inv.number}" has been handed over for collection')
    if kind == INTEREST_NOTE:
        noted = _already_noted(ctx, [inv.id])
        if noted:
            raise UserError("invoice", f'"{inv.number}" already has an interest note ({noted[inv.id]})')
        found = statutory.invoice_interest(ctx, inv, as_of=today)
        if found.principal > 0 or found.interest <= 0:
            raise UserError("invoice", f'"{inv.number}" was not paid late: an interest note is for invoices '
                                       "paid after their due date, with interest owed")
        return [_draft(kind, inv.contractor, [_note_claim(ctx, inv, found, today)])]
    if balance(inv.gross, inv.paid) <= 0:
        raise UserError("invoice", f'"{inv.number}" is paid: nothing to demand')
    if inv.due_date >= today:
        raise UserError("invoice", f'"{inv.number}" is not overdue (due {inv.due_date.isoformat()})')
    return [_draft(kind, inv.contractor, list(claims(ctx, kind, [inv], today)))]


def drafts_for_contractor(ctx: Ctx, kind: str, contractor: Contractor, *, min_days: int = 0,
                          currency: str | None = None) -> list[Draft]:
    """All of a contractor's invoices a letter of this kind may name (overdue more than `min_days`,
    or paid late for an interest note), one draft per currency; `currency` keeps to one, so a rate
    missing for another currency's compensation does not stop this letter."""
    today = ctx.clock.today()
    if kind == INTEREST_NOTE:
        found = statutory.contractor_interest(ctx, contractor.id, as_of=today, paid_late=True, currency=currency)
        noted = _already_noted(ctx, [f.invoice_id for f in found])
        rows = [(ctx.session.get(Invoice, f.invoice_id), f) for f in found if f.invoice_id not in noted]
        picked = [_note_claim(ctx, inv, f, today) for inv, f in rows
                  if inv is not None and not inv.disputed and (today - inv.due_date).days > min_days]
    else:
        invoices = ctx.session.scalars(
            select(Invoice).where(Invoice.contractor_id == contractor.id, Invoice.kind == "invoice",
                                  Invoice.gross > Invoice.paid, Invoice.due_date < today - dt.timedelta(days=min_days),
                                  *([Invoice.currency == currency] if currency is not None else []))
            .order_by(Invoice.due_date, Invoice.number)).all()
        picked = list(claims(ctx, kind, [inv for inv in invoices if open_for_letter(inv, today)], today))
    if not picked:
        what = "paid late with interest owed and no interest note yet" if kind == INTEREST_NOTE else "overdue"
        where = f" in {currency}" if currency else ""
        raise UserError("contractor", f"{contractor.name} has no invoices {what}{where}")
    by_currency: dict[str, list[Claim]] = {}
    for claim in picked:
        by_currency.setdefault(claim.invoice.currency, []).append(claim)
    return [_draft(kind, contractor, items) for _, items in sorted(by_currency.items())]


def claims(ctx: Ctx, kind: str, invoices: Sequence[Invoice], today: dt.date) -> Iterable[Claim]:
    """Amounts of unpaid invoices: a friendly reminder asks for the principal only; a demand adds
    statutory interest to date and the recovery compensation."""
    if kind == "reminder":
        for inv in invoices:
            yield Claim(inv, balance(inv.gross, inv.paid), ZERO, ZERO, days_overdue(inv.gross, inv.paid,
                                                                                    inv.due_date, today))
        return
    known = _interest_of(ctx, invoices, today)
    for inv in invoices:
        found = known.get(inv.id) or statutory.invoice_interest(ctx, inv, as_of=today)
        yield Claim(inv, balance(inv.gross, inv.paid), found.interest, _compensation(found),
                    days_overdue(inv.gross, inv.paid, inv.due_date, today), fx=_fx(found))


def _interest_of(ctx: Ctx, invoices: Sequence[Invoice], today: dt.date) -> dict[int, statutory.InvoiceInterest]:
    """Several invoices of one contractor: the interest service's per-contractor call reads the rate
    tables once instead of once per invoice."""
    if len(invoices) < 2 or len({inv.contractor_id for inv in invoices}) != 1:
        return {}
    currencies = {inv.currency for inv in invoices}
    found = statutory.contractor_interest(ctx, invoices[0].contractor_id, as_of=today,
                                          currency=currencies.pop() if len(currencies) == 1 else None)
    return {f.invoice_id: f for f in found}


def _note_claim(ctx: Ctx, inv: Invoice, found: statutory.InvoiceInterest, today: dt.date) -> Claim:
    paid = statutory.reductions(ctx, inv.id, today)
    return Claim(inv, ZERO, found.interest, _compensation(found), found.days,
                 paid_on=paid[-1][0] if paid else None, fx=_fx(found))


def _compensation(found: statutory.InvoiceInterest) -> Decimal:
    """The compensation in the invoice's currency (converted where the law names another one)."""
    if found.compensation_currency == found.currency:
        return found.compensation
    if found.converted_currency == found.currency and found.compensation_converted is not None:
        return found.compensation_converted
    return ZERO  # no rate to convert at: the letter claims none rather than a wrong amount


def _fx(found: statutory.InvoiceInterest) -> FxNote | None:
    if (found.compensation_currency != found.currency and found.fx_rate is not None
            and found.fx_date is not None and found.compensation > 0):
        return FxNote(found.compensation, found.compensation_currency, found.fx_rate, found.fx_date)
    return None


def _draft(kind: str, contractor: Contractor, items: list[Claim]) -> Draft:
    return Draft(kind, contractor, items[0].invoice.currency, tuple(items))


def _already_noted(ctx: Ctx, invoice_ids: list[int]) -> dict[int, str]:
    """Invoices that already have an interest note: invoice id → that note's number."""
    if not invoice_ids:
        return {}
    rows = ctx.session.execute(
        select(DemandInvoice.invoice_id, Demand.number).join(Demand, Demand.id == DemandInvoice.demand_id)
        .where(Demand.kind == INTEREST_NOTE, DemandInvoice.invoice_id.in_(invoice_ids))).tuples()
    return dict(rows.all())


# --- the Letter the PDF is drawn from ------------------------------------------------------

def letter_for(firm: Firm, draft: Draft, *, number: str, day: dt.date, deadline: dt.date,
               reminded: bool = True) -> Letter:
    contractor = draft.contractor
    lang = language_of(contractor.language)
    iban = _iban(firm)
    numbers = tuple(c.invoice.number for c in draft.claims)
    amount = draft.principal if draft.kind == "reminder" else draft.total
    vs = draft.claims[0].invoice.variable_symbol if len(draft.claims) == 1 else None
    request = PaymentRequest(draft.currency, amount, numbers, number, vs, deadline)
    qr = None
    if iban is not None and draft.currency in ("PLN", "CZK", "EUR"):
        try:
            qr = payment_string(Payee(firm.name, str(iban.compact), firm.tax_id), request)
        except UserError:
            qr = None  # e.g. PLN to a foreign account: the ZBP code needs a Polish one; the letter still goes
    return Letter(
        kind=draft.kind, lang=lang, law=law_for(draft.currency, firm.country).value, number=number, date=day,
        deadline=deadline, place=firm.city, currency=draft.currency,
        firm=Party(firm.name, _address(firm.address, firm.postal_code, firm.city), firm.tax_id),
        firm_contact=" · ".join(p for p in (firm.email, readable_phone(firm.phone)) if p) or None,
        signatory=firm.contact_person, iban=str(iban.formatted) if iban else firm.iban,
        debtor=Party(contractor.name, _address(contractor.address, contractor.postal_code, contractor.city),
                     contractor.tax_id),
        rows=tuple(_row(c) for c in draft.claims),
        principal=draft.principal, interest=draft.interest, compensation=draft.compensation, total=amount,
        payment_title=title_for(numbers, number, TITLE_LIMIT), qr=qr,
        qr_has_amount=not (draft.currency == "PLN" and amount > ZBP_AMOUNT_MAX),
        variable_symbol=variable_symbol(request) if draft.currency == "CZK" else None, reminded=reminded,
        logo=firm.logo, fx=tuple(c.fx for c in draft.claims if c.fx is not None),
    )


def _row(c: Claim) -> LetterRow:
    inv = c.invoice
    return LetterRow(inv.number, inv.issue_date, inv.due_date, inv.gross, inv.paid, c.principal, c.days,
                     c.interest, c.paid_on)


def _iban(firm: Firm) -> IBAN | None:
    if not firm.iban:
        return None
    try:
        return IBAN(firm.iban)
    except SchwiftyException:
        return None


def _address(street: str | None, postal_code: str | None, city: str | None) -> tuple[str, ...]:
    lines = [street or "", " ".join(p for p in (postal_code, city) if p)]
    return tuple(line for line in lines if line)
