"""What the Demands page lists besides the register: invoices a reminder policy escalated to a demand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, exists, select

from collector_app.db.models import Contractor, Demand, DemandInvoice, Invoice
from collector_app.domain.status import days_overdue
from collector_app.services.context import Ctx

READY_LIMIT = 500


@dataclass(frozen=True)
class ReadyRow:
    """An unsettled invoice marked "ready for demand" that no letter has named since it was marked."""

    invoice_id: int
    number: str
    contractor_id: int
    contractor: str
    due_date: dt.date
    days_overdue: int
    balance: Decimal
    currency: str
    ready_since: dt.datetime


def ready_for_demand(ctx: Ctx, *, limit: int = READY_LIMIT) -> list[ReadyRow]:
    """Oldest due first. An invoice leaves the list when it is settled or a letter names it after it was
    marked; the policies mark it again if reminders escalate later."""
    lettered = exists().where(
        DemandInvoice.invoice_id == Invoice.id,
        DemandInvoice.demand_id == Demand.id,
        Demand.created_at >= Invoice.ready_for_demand_at,
    )
    query = (
        select(Invoice.id, Invoice.number, Invoice.contractor_id, Contractor.name, Invoice.due_date, Invoice.gross,
               Invoice.paid, Invoice.currency, Invoice.ready_for_demand_at)
        .join(Contractor, Contractor.id == Invoice.contractor_id)
        .where(and_(Invoice.ready_for_demand_at.is_not(None), Invoice.gross > Invoice.paid, ~lettered))
        .order_by(Invoice.due_date, Invoice.id)
        .limit(limit)
    )
    today = ctx.clock.today()
    return [
        ReadyRow(invoice_id=r[0], number=r[1], contractor_id=r[2], contractor=r[3], due_date=r[4],
                 days_overdue=days_overdue(r[5], r[6], r[4], today), balance=r[5] - r[6], currency=r[7],
                 ready_since=r[8])
        for r in ctx.session.execute(query)
    ]
