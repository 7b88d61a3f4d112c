"""Short builders for ledger rows through the real services."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TypeVar

import pytest
from sqlalchemy import select

from collector_app.db.models import Contractor, Event, Invoice
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx
from collector_app.services.contractors import ContractorData, add_contractor
from collector_app.services.invoices import InvoiceData, add_invoice
from collector_app.services.payments import PaymentData, PaymentResult, add_payment

T = TypeVar("T")

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


# --- added for the domain/service tests ---------------------------------------------------

@contextmanager
def expect_error(field: str | None, ctx: Ctx | None = None) -> Iterator[pytest.ExceptionInfo[UserError]]:
    """`with expect_error("gross"):` — the block must raise a UserError naming exactly that field.

    With `ctx`, the block runs in a savepoint that is rolled back, as the one transaction of a real
    service call would be, so the test can go on using the session afterwards.
    """
    with pytest.raises(UserError) as info:
        if ctx is None:
            yield info
        else:
            savepoint = ctx.session.begin_nested()
            try:
                yield info
            except UserError:
                savepoint.rollback()
                raise
            savepoint.commit()
    assert info.value.field == field, f"expected field {field!r}, got {info.value.field!r}: {info.value}"


def events(ctx: Ctx, action: str | None = None, **where: object) -> list[Event]:
    """Event rows in insertion order, optionally only one action and matching columns."""
    ctx.session.flush()
    query = select(Event).order_by(Event.id)
    if action is not None:
        query = query.where(Event.action == action)
    for column, value in where.items():
        query = query.where(getattr(Event, column) == value)
    return list(ctx.session.scalars(query))


def fresh(ctx: Ctx, obj: T) -> T:
    """The row as the database has it now (flushed, then re-read), not as Python last set it."""
    ctx.session.flush()
    ctx.session.refresh(obj)
    return obj


def at(ctx: Ctx, day: dt.date, time: dt.time = dt.time(10, 0)) -> Ctx:
    """The same session and user, with the clock moved to another day."""
    return Ctx(ctx.session, FixedClock(day, time), ctx.user)


@contextmanager
def local_timezone(name: str) -> Iterator[None]:
    """Run with the process's local time zone set to `name` (e.g. "Europe/Warsaw"), then restore it."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()
