"""The ledger's running totals (invoice.paid, payment.allocated) changed by the database, never by Python."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnElement, func, update
from sqlalchemy.orm.attributes import set_committed_value

from collector_app.db.models import Invoice, Payment
from collector_app.services.context import Ctx


def cents(expr: ColumnElement[Decimal]) -> ColumnElement[Decimal]:
    """An amount computed in SQL, rounded to the cent as the column stores it."""
    return func.round(expr, 2)


def bump(ctx: Ctx, row: Invoice | Payment, attr: str, amount: Decimal) -> None:
    """`row.<attr> += amount` done by the database (SET paid = paid + amount), the new value read back.

    A read-modify-write in Python lost one of two payments entered for an invoice at the same moment (each
    read `paid` before the other wrote), leaving paid ≠ Σ allocations; the database counts both. SQLite keeps
    NUMERIC amounts as binary floats, so the sum is rounded to the cent there: 716.3199999999999 would leave
    a settled invoice of 716.32 "open" to every `gross > paid` test."""
    model = type(row)
    column = getattr(model, attr)
    new = ctx.session.execute(
        update(model).where(model.id == row.id).values({attr: cents(column + amount)}).returning(column)
        .execution_options(synchronize_session=False)).scalar_one()
    set_committed_value(row, attr, new)
