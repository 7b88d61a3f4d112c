"""Short builders for ledger rows through the real services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from collector_app.db.models import Contractor, Invoice
from collector_app.services.context import Ctx
from collector_app.services.contractors import ContractorData, add_contractor
from collector_app.services.invoices import InvoiceData, add_invoice
from collector_app.services.payments import PaymentData, PaymentResult, add_payment

VALID_NIPS = ("7010010191", "5260250274", "1132853869", "7251801126", "9542751368")


def contractor(ctx: Ctx, name: str = "Omega Handel Sp. z o.o.", tax_id: str | None = None,
               **kw: object) -> Contractor:
    return add_contractor(ctx, ContractorData(name=name, tax_id=tax_id, **kw))  # type: ignore[arg-type]


def invoice(ctx: Ctx, c: Contractor, number: str, gross: str, due: dt.date,
            issued: dt.date | None = None, currency: str = "PLN",
            credit_note_for: str | None = None) -> Invoice:
    return add_invoice(ctx, InvoiceData(
        contractor_id=c.id, number=number, issue_date=issued or due - dt.timedelta(days=14),
        due_date=due, gross=Decimal(gross), currency=currency, credit_note_for=credit_note_for,
    ))


def pay(ctx: Ctx, amount: str, day: dt.date, *numbers: str, contractor_id: int | None = None,
        title: str | None = None, currency: str = "PLN") -> PaymentResult:
    return add_payment(ctx, PaymentData(
        date=day, amount=Decimal(amount), currency=currency, contractor_id=contractor_id,
        invoice_numbers=numbers, title=title,
    ))
