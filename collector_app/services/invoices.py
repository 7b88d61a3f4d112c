"""Sales documents: invoices and credit notes, typed in by a person and checked on the way in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from collector_app.db.models import Allocation, Invoice
from collector_app.domain.errors import UserError
from collector_app.domain.money import check_currency, check_places, format_amount
from collector_app.domain.references import number_key
from collector_app.domain.status import balance
from collector_app.services import audit
from collector_app.services.context import Changes, Ctx
from collector_app.services.contractors import get_contractor
from collector_app.services.firm import get_firm
from collector_app.services.running_totals import bump


@dataclass(frozen=True)
class InvoiceData:
    contractor_id: int
    number: str
    issue_date: dt.date
    due_date: dt.date | None
    gross: Decimal
    currency: str | None = None
    net: Decimal | None = None
    vat: Decimal | None = None
    variable_symbol: str | None = None
    credit_note_for: str | None = None  # number of the corrected invoice


def find_invoice(ctx: Ctx, number: str, *, kind: str | None = None, field: str = "invoice") -> Invoice:
    """An invoice by number; a credit note only when no invoice carries that number."""
    clean = number.strip()
    query = select(Invoice).where(Invoice.number == clean)
    if kind is not None:
        query = query.where(Invoice.kind == kind)
    found = {inv.kind: inv for inv in ctx.session.scalars(query)}
    doc = found.get("invoice") or found.get("credit_note")
    if doc is None:
        raise UserError(field, f'no {"credit note" if kind == "credit_note" else "invoice"} numbered "{number}"')
    return doc


def _default_currency(ctx: Ctx) -> str:
    firm = get_firm(ctx)
    return firm.currency if firm else "PLN"


def _due_date(ctx: Ctx, data: InvoiceData, terms: int | None) -> dt.date:
    if data.due_date is not None:
        return data.due_date
    if terms is None:
        firm = get_firm(ctx)
        terms = firm.payment_terms_days if firm else 14
    return data.issue_date + dt.timedelta(days=terms)


def add_invoice(ctx: Ctx, data: InvoiceData) -> Invoice:
    """Add an invoice, or a credit note when `credit_note_for` names the corrected invoice."""
    contractor = get_contractor(ctx, data.contractor_id)
    number = data.number.strip()
    if not number or len(number) > 64:
        raise UserError("number", "is required (1–64 characters)")
    if any(not ch.isprintable() for ch in number):  # a line break or a tab: it would end up in mail subjects
        raise UserError("number", f"{number!r} contains a line break or another control character")
    kind = "credit_note" if data.credit_note_for else "invoice"
    currency = check_currency(data.currency) if data.currency else _default_currency(ctx)
    check_places(data.gross, currency, "gross")
    due = _due_date(ctx, data, contractor.payment_terms_days)
    if due < data.issue_date:
        raise UserError("due", f"{due.isoformat()} is before the issue date {data.issue_date.isoformat()}")
    exists = ctx.session.scalar(select(Invoice.id).where(Invoice.kind == kind, Invoice.number == number))
    if exists is not None:
        what = "a credit note" if kind == "credit_note" else "an invoice"
        raise UserError("number", f'"{number}" is already {what} in the ledger')
    corrected: Invoice | None = None
    if kind == "credit_note":
        assert data.credit_note_for is not None
        corrected = find_invoice(ctx, data.credit_note_for, kind="invoice", field="credit-note-for")
        if corrected.contractor_id != contractor.id:
            raise UserError("credit-note-for", f'"{corrected.number}" belongs to another contractor')
        if corrected.currency != currency:
            raise UserError("currency", f"{currency} differs from the corrected invoice's {corrected.currency}")
        if data.gross == 0:
            raise UserError("gross", "a credit note must have a non-zero amount")
        gross = -abs(data.gross)  # typed as the amount credited; kept as a negative document
    else:
        if data.gross <= 0:
            raise UserError(
                "gross", f"{format_amount(data.gross)} is not above zero (a credit note names the invoice it corrects)"
            )
        gross = data.gross
    for name, value in (("net", data.net), ("vat", data.vat)):
        if value is not None:
            check_places(value, currency, name)
    doc = Invoice(
        kind=kind, number=number, number_key=number_key(number), contractor_id=contractor.id,
        issue_date=data.issue_date,
        due_date=due, gross=gross, paid=Decimal(0), currency=currency, net=data.net, vat=data.vat,
        variable_symbol=(data.variable_symbol or "").strip() or None,
        corrects_invoice_id=corrected.id if corrected else None,
        corrects_number=corrected.number if corrected else None,
        source="manual", created_at=ctx.clock.now(),
    )
    ctx.session.add(doc)
    ctx.session.flush()
    label = "Credit note" if kind == "credit_note" else "Invoice"
    audit.record(
        ctx, f"{kind}.added", "invoice", doc.id,
        f"{label} {doc.number} added: {format_amount(doc.gross)} {doc.currency}, due {doc.due_date}",
        invoice_id=doc.id, contractor_id=contractor.id,
    )
    if corrected is not None:
        offset_credit_note(ctx, doc, corrected)
    else:
        link_waiting_credit_notes(ctx, [doc.number])
    return doc


@dataclass(frozen=True)
class LateLink:
    """A credit note that named an invoice before the invoice was in the ledger, met by it."""

    invoice: str
    credit_note: str
    text: str  # what happened, for an import summary


def link_waiting_credit_notes(ctx: Ctx, numbers: Collection[str],
                              details: dict[str, Any] | None = None) -> list[LateLink]:
    """Credit notes waiting for one of these invoice numbers (imported before their invoice): linked and offset.

    One that is another contractor's or in another currency stays the contractor's credit, and is said so.
    `details` go into the link's event (an import's batch, so that undoing the import unlinks it).
    """
    s = ctx.session
    wanted = set(numbers)
    # the few waiting ones, read whole off their covering index: an IN list or an ORDER BY would lead SQLite
    # (no statistics) to the plain corrects_invoice_id index, i.e. every invoice of the ledger
    waiting = sorted(note_id for note_id, number in s.execute(
        select(Invoice.id, Invoice.corrects_number).where(Invoice.corrects_invoice_id.is_(None),
                                                          Invoice.corrects_number.is_not(None)))
        if number in wanted)
    out: list[LateLink] = []
    for note_id in waiting:
        note = s.get(Invoice, note_id)
        assert note is not None
        inv = s.scalar(select(Invoice).where(Invoice.kind == "invoice", Invoice.number == note.corrects_number))
        if inv is None:
            continue
        if inv.contractor_id != note.contractor_id or inv.currency != note.currency:
            why = "another contractor's" if inv.contractor_id != note.contractor_id else f"in {note.currency}"
            out.append(LateLink(inv.number, note.number, f"credit note {note.number} names it, but is {why}: "
                                                         "not linked, it stays the contractor's credit"))
            continue
        amount = link_credit_note(ctx, note, inv, details)
        out.append(LateLink(inv.number, note.number,
                            f"credit note {note.number}, imported before it, is now linked to it: "
                            f"{format_amount(amount)} {inv.currency} offset"))
    return out


def link_credit_note(ctx: Ctx, credit_note: Invoice, invoice: Invoice,
                     details: dict[str, Any] | None = None) -> Decimal:
    """Link a credit note that waited for the invoice it corrects, and offset it; returns the amount offset."""
    credit_note.corrects_invoice_id = invoice.id
    credit_note.corrects_number = invoice.number
    audit.record(ctx, "credit_note.linked", "invoice", credit_note.id,
                 f"Credit note {credit_note.number} linked to {invoice.number}, which came after it",
                 invoice_id=credit_note.id, contractor_id=credit_note.contractor_id, details=details)
    before = invoice.paid
    offset_credit_note(ctx, credit_note, invoice)
    return invoice.paid - before


def offset_credit_note(ctx: Ctx, credit_note: Invoice, invoice: Invoice) -> Changes:
    """Apply a credit note to the invoice it corrects, up to the invoice's balance; the rest stays credit."""
    available = -balance(credit_note.gross, credit_note.paid)
    amount = min(available, balance(invoice.gross, invoice.paid))
    if amount <= 0:
        return Changes()
    ctx.session.add(Allocation(
        credit_note_id=credit_note.id, invoice_id=invoice.id, amount=amount, created_at=ctx.clock.now()
    ))
    bump(ctx, invoice, "paid", amount)
    bump(ctx, credit_note, "paid", -amount)
    ctx.session.flush()
    text = (f"Credit note {credit_note.number} offset against {invoice.number}: "
            f"{format_amount(amount)} {invoice.currency}")
    for doc in (invoice, credit_note):
        audit.record(ctx, "credit_note.offset", "invoice", doc.id, text,
                     invoice_id=doc.id, contractor_id=doc.contractor_id)
    return Changes(invoices=frozenset({invoice.id, credit_note.id}))
