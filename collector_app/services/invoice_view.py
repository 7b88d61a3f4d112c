"""Read-only snapshots for the invoice and contractor detail windows, built in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import aliased

from collector_app.db.models import Allocation, Call, ContactPerson, Contractor, Event, Invoice, Payment, User
from collector_app.domain.errors import UserError
from collector_app.domain.status import Status, balance, days_overdue, status_of
from collector_app.services import activity
from collector_app.services.calls_view import CallQuery, CallRow, list_calls
from collector_app.services.context import Ctx

TIMELINE_LIMIT = 500


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str
    role: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class InvoiceHeader:
    id: int
    number: str
    kind: str
    contractor_id: int
    contractor: str
    email: str | None
    phone: str | None
    issue_date: dt.date
    due_date: dt.date
    gross: Decimal
    paid: Decimal
    currency: str
    status: Status
    days_overdue: int
    disputed: bool
    paused_until: dt.date | None
    pause_reason: str | None
    contacts: tuple[ContactRow, ...]
    under_plan: bool
    handed_over: bool
    contractor_paused_until: dt.date | None  # a contractor's pause stops this invoice's reminders too
    contractor_pause_reason: str | None
    promised_on: dt.date | None  # the day of the call whose promise is the pause, when it is one

    @property
    def balance(self) -> Decimal:
        return balance(self.gross, self.paid)


@dataclass(frozen=True)
class AllocationRow:
    id: int
    date: dt.date
    source: str  # "payment" | "credit_note"
    reference: str  # payment id or the credit note's number
    payer: str | None
    title: str | None
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class NoteRow:
    id: int
    text: str
    author: str | None
    created_at: dt.datetime
    updated_at: dt.datetime | None


@dataclass(frozen=True)
class EventRow:
    id: int
    at: dt.datetime
    user: str
    action: str
    summary: str


@dataclass(frozen=True)
class InvoiceDetail:
    header: InvoiceHeader
    allocations: tuple[AllocationRow, ...]
    notes: tuple[NoteRow, ...]
    tasks: tuple[activity.TaskRow, ...]
    calls: tuple[CallRow, ...]
    timeline: tuple[EventRow, ...]
    logins: tuple[str, ...]  # people a task can be given to


def contacts_of(ctx: Ctx, contractor_id: int) -> tuple[ContactRow, ...]:
    rows = ctx.session.scalars(
        select(ContactPerson).where(ContactPerson.contractor_id == contractor_id).order_by(ContactPerson.id)
    )
    return tuple(ContactRow(p.id, p.name, p.role, p.email, p.phone) for p in rows)


def load_invoice(ctx: Ctx, invoice_id: int) -> Invoice:
    inv = ctx.session.get(Invoice, invoice_id)
    if inv is None:
        raise UserError("invoice", f"no invoice with id {invoice_id}")
    return inv


def invoice_header(ctx: Ctx, invoice_id: int) -> InvoiceHeader:
    inv = load_invoice(ctx, invoice_id)
    c = ctx.session.get(Contractor, inv.contractor_id)
    assert c is not None  # foreign key
    today = ctx.clock.today()
    return InvoiceHeader(
        id=inv.id, number=inv.number, kind=inv.kind, contractor_id=c.id, contractor=c.name,
        email=c.email, phone=c.phone, issue_date=inv.issue_date, due_date=inv.due_date,
        gross=inv.gross, paid=inv.paid, currency=inv.currency,
        status=status_of(inv.gross, inv.paid, inv.due_date, today),
        days_overdue=days_overdue(inv.gross, inv.paid, inv.due_date, today),
        disputed=inv.disputed, paused_until=inv.paused_until, pause_reason=inv.pause_reason,
        contacts=contacts_of(ctx, c.id), under_plan=inv.under_plan, handed_over=inv.handed_over,
        contractor_paused_until=c.paused_until, contractor_pause_reason=c.pause_reason,
        promised_on=_promised_on(ctx, inv.pause_reason),
    )


def _promised_on(ctx: Ctx, pause_reason: str | None) -> dt.date | None:
    call_id = activity.promise_call_id(pause_reason)
    call = ctx.session.get(Call, call_id) if call_id is not None else None
    return call.started_at.astimezone().date() if call is not None else None


def allocations_to(ctx: Ctx, invoice_id: int) -> list[AllocationRow]:
    """Money applied to the invoice, by date: payments (with payer and title) and offset credit notes."""
    credit_note = aliased(Invoice)
    query = (
        select(Allocation, Payment, credit_note.number)
        .outerjoin(Payment, Payment.id == Allocation.payment_id)
        .outerjoin(credit_note, credit_note.id == Allocation.credit_note_id)
        .where(Allocation.invoice_id == invoice_id)
        .order_by(Allocation.created_at, Allocation.id)
    )
    currency = ctx.session.scalar(select(Invoice.currency).where(Invoice.id == invoice_id)) or ""
    rows: list[AllocationRow] = []
    for alloc, payment, note_number in ctx.session.execute(query):
        if payment is not None:
            rows.append(AllocationRow(alloc.id, payment.date, "payment", str(payment.id), payment.payer_name,
                                      payment.title, alloc.amount, payment.currency))
        else:
            rows.append(AllocationRow(alloc.id, alloc.created_at.date(), "credit_note", note_number or "",
                                      None, None, alloc.amount, currency))
    return sorted(rows, key=lambda r: (r.date, r.id))  # by the money's date: payments are often entered late


def notes_of(ctx: Ctx, *, invoice_id: int | None = None, contractor_id: int | None = None) -> list[NoteRow]:
    authors = {u.id: u.login for u in ctx.session.scalars(select(User))}
    return [
        NoteRow(n.id, n.text, authors.get(n.author_id) if n.author_id else None, n.created_at, n.updated_at)
        for n in activity.notes_for(ctx, invoice_id=invoice_id, contractor_id=contractor_id)
    ]


def calls_of(ctx: Ctx, *, invoice_id: int | None = None, contractor_id: int | None = None) -> list[CallRow]:
    """Calls about an invoice or a contractor, newest first: the calls register, narrowed."""
    return list_calls(ctx, CallQuery(contractor_id=contractor_id, invoice_id=invoice_id))


def events_of(ctx: Ctx, *, invoice_id: int | None = None, contractor_id: int | None = None,
              limit: int = TIMELINE_LIMIT) -> list[EventRow]:
    events: list[Event] = activity.timeline(ctx, invoice_id=invoice_id, contractor_id=contractor_id, limit=limit)
    return [EventRow(e.id, e.at, e.user, e.action, e.summary) for e in events]


def known_logins(ctx: Ctx) -> list[str]:
    """Logins a task can be assigned to (a new login typed by hand is created on first use)."""
    return list(ctx.session.scalars(select(User.login).where(User.active.is_(True)).order_by(User.login)))


def invoice_detail(ctx: Ctx, invoice_id: int) -> InvoiceDetail:
    """Everything the invoice window shows, read at one moment."""
    return InvoiceDetail(
        header=invoice_header(ctx, invoice_id),
        allocations=tuple(allocations_to(ctx, invoice_id)),
        notes=tuple(notes_of(ctx, invoice_id=invoice_id)),
        tasks=tuple(activity.open_tasks(ctx, invoice_id=invoice_id, include_done=True)),
        calls=tuple(calls_of(ctx, invoice_id=invoice_id)),
        timeline=tuple(events_of(ctx, invoice_id=invoice_id)),
        logins=tuple(known_logins(ctx)),
    )
