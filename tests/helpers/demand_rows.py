"""Demand register rows written as the letters service stores them, for tests of what reads the register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from collector_app.db.models import Demand, DemandInvoice, Invoice
from collector_app.services.context import Ctx


def stored_demand(ctx: Ctx, number: str, *invoices: Invoice, kind: str = "demand", pdf: bytes = b"%PDF-1.4") -> Demand:
    """A letter naming `invoices` (one contractor, one currency), its amounts as stated on its date."""
    first = invoices[0]
    principal = sum((i.gross - i.paid for i in invoices), Decimal(0))
    letter = Demand(number=number, kind=kind, contractor_id=first.contractor_id, date=ctx.clock.today(),
                    deadline=ctx.clock.today() + dt.timedelta(days=7), language="pl", currency=first.currency,
                    principal=principal, interest=Decimal(0), compensation=Decimal(0), total=principal, pdf=pdf,
                    created_at=ctx.clock.now())
    letter.lines = [DemandInvoice(invoice_id=i.id, currency=i.currency, principal=i.gross - i.paid,
                                  interest=Decimal(0), compensation=Decimal(0)) for i in invoices]
    ctx.session.add(letter)
    ctx.session.flush()
    return letter
