"""Read-only snapshots of contractors for the contractor register and detail windows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select

from collector_app.db.models import Contractor, Invoice, Segment, User
from collector_app.services import contractors, payments
from collector_app.services.calls_view import CallRow
from collector_app.services.context import Ctx
from collector_app.services.firm import get_firm
from collector_app.services.invoice_view import (
    ContactRow,
    EventRow,
    calls_of,
    contacts_of,
    events_of,
    known_logins,
)
from collector_app.services.payer_accounts import KnownAccount, known_accounts


@dataclass(frozen=True)
class Exposure:
    """What one contractor owes in one currency."""

    currency: str
    open_count: int
    balance: Decimal
    overdue: Decimal


@dataclass(frozen=True)
class ContractorRow:
    id: int
    name: str
    tax_id: str | None
    city: str | None
    email: str | None
    phone: str | None
    exposure: tuple[Exposure, ...]

    @property
    def has_overdue(self) -> bool:
        return any(e.overdue > 0 for e in self.exposure)


@dataclass(frozen=True)
class ContractorDetail:
    id: int
    name: str
    tax_id: str | None
    registration_no: str | None
    country: str
    address: str | None
    postal_code: str | None
    city: str | None
    email: str | None
    phone: str | None
    language: str
    preferred_channel: str
    payment_terms_days: int | None
    credit_limit: Decimal | None
    segment: str | None
    collector: str | None
    notes: str | None
    paused_until: dt.date | None
    pause_reason: str | None
    contacts: tuple[ContactRow, ...]
    accounts: tuple[KnownAccount, ...]  # the accounts it pays from, as matching knows them
    exposure: tuple[Exposure, ...]
    credit: tuple[tuple[str, Decimal], ...]
    oldest_overdue_invoice_id: int | None
    calls: tuple[CallRow, ...]
    timeline: tuple[EventRow, ...]


def exposure_of(ctx: Ctx, contractor_ids: list[int]) -> dict[int, tuple[Exposure, ...]]:
    """Open balance and overdue part per contractor and currency (reads only those contractors' rows)."""
    if not contractor_ids:
        return {}
    today = ctx.clock.today()
    open_balance = Invoice.gross - Invoice.paid
    query = (
        select(
            Invoice.contractor_id, Invoice.currency, func.count(), func.sum(open_balance),
            func.sum(case((Invoice.due_date < today, open_balance), else_=0)),
        )
        .where(Invoice.contractor_id.in_(contractor_ids), Invoice.gross > Invoice.paid)
        .group_by(Invoice.contractor_id, Invoice.currency)
        .order_by(Invoice.contractor_id, Invoice.currency)
    )
    cent = Decimal("0.01")
    out: dict[int, list[Exposure]] = {}
    for cid, currency, count, bal, overdue in ctx.session.execute(query):
        out.setdefault(cid, []).append(Exposure(
            currency, int(count), Decimal(str(bal or 0)).quantize(cent), Decimal(str(overdue or 0)).quantize(cent)
        ))
    return {cid: tuple(rows) for cid, rows in out.items()}


def contractor_page(ctx: Ctx, search: str | None, limit: int, offset: int) -> list[ContractorRow]:
    """One page of the contractor register, ordered by name, with what each owes."""
    page = contractors.list_contractors(ctx, search=search, limit=limit, offset=offset)
    owed = exposure_of(ctx, [c.id for c in page])
    return [
        ContractorRow(c.id, c.name, c.tax_id, c.city, c.email, c.phone, owed.get(c.id, ()))
        for c in page
    ]


def contractor_names(ctx: Ctx) -> list[tuple[int, str]]:
    """Every contractor as (id, name) in name order: what a contractor picker lists."""
    rows = ctx.session.execute(select(Contractor.id, Contractor.name).order_by(Contractor.name, Contractor.id))
    return [(int(cid), str(name)) for cid, name in rows]


def oldest_overdue_invoice(ctx: Ctx, contractor_id: int) -> int | None:
    """The invoice a collector calls about first: the one longest past its due date."""
    return ctx.session.scalar(
        select(Invoice.id)
        .where(Invoice.contractor_id == contractor_id, Invoice.kind == "invoice",
               Invoice.gross > Invoice.paid, Invoice.due_date < ctx.clock.today())
        .order_by(Invoice.due_date, Invoice.id)
        .limit(1)
    )


def contractor_detail(ctx: Ctx, contractor_id: int) -> ContractorDetail:
    c = contractors.get_contractor(ctx, contractor_id)
    segment = ctx.session.get(Segment, c.segment_id) if c.segment_id else None
    collector = ctx.session.get(User, c.collector_id) if c.collector_id else None
    credit = payments.contractor_credit(ctx, c.id)
    return ContractorDetail(
        id=c.id, name=c.name, tax_id=c.tax_id, registration_no=c.registration_no, country=c.country,
        address=c.address, postal_code=c.postal_code, city=c.city, email=c.email, phone=c.phone,
        language=c.language, preferred_channel=c.preferred_channel, payment_terms_days=c.payment_terms_days,
        credit_limit=c.credit_limit, segment=segment.name if segment else None,
        collector=collector.login if collector else None, notes=c.notes, paused_until=c.paused_until,
        pause_reason=c.pause_reason,
        contacts=contacts_of(ctx, c.id),
        accounts=tuple(known_accounts(ctx, c.id)),
        exposure=exposure_of(ctx, [c.id]).get(c.id, ()),
        credit=tuple(sorted((cur, amount) for cur, amount in credit.items() if amount != 0)),
        oldest_overdue_invoice_id=oldest_overdue_invoice(ctx, c.id),
        calls=tuple(calls_of(ctx, contractor_id=c.id)),
        timeline=tuple(events_of(ctx, contractor_id=c.id)),
    )


@dataclass(frozen=True)
class EditChoices:
    """What the contractor form offers: existing segments and collectors, and the firm's currency."""

    segments: tuple[str, ...]
    logins: tuple[str, ...]
    currency: str


def edit_choices(ctx: Ctx) -> EditChoices:
    firm = get_firm(ctx)
    segments = ctx.session.scalars(select(Segment.name).order_by(Segment.name))
    return EditChoices(tuple(segments), tuple(known_logins(ctx)), firm.currency if firm else "PLN")
