"""The register of logged phone calls, read in pages for the Calls page and in full for the detail windows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, select

from collector_app.db.models import CALL_OUTCOMES, Call, ContactPerson, Contractor, Invoice, User
from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx


@dataclass(frozen=True)
class CallRow:
    id: int
    started_at: dt.datetime
    contractor_id: int
    contractor: str
    invoice_id: int | None
    invoice: str | None
    contact: str | None
    user: str | None
    outcome: str
    duration_s: int
    promise_date: dt.date | None
    promise_amount: Decimal | None
    promise_currency: str | None
    notes: str | None


@dataclass(frozen=True)
class CallQuery:
    """What selects the rows of the calls register; newest call first."""

    contractor_id: int | None = None
    invoice_id: int | None = None
    outcome: str | None = None
    promises_only: bool = False


def _where(query: CallQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if query.contractor_id is not None:
        conds.append(Call.contractor_id == query.contractor_id)
    if query.invoice_id is not None:
        conds.append(Call.invoice_id == query.invoice_id)
    if query.outcome is not None:
        if query.outcome not in CALL_OUTCOMES:
            raise UserError("outcome", f'"{query.outcome}" is not an outcome (expected {", ".join(CALL_OUTCOMES)})')
        conds.append(Call.outcome == query.outcome)
    if query.promises_only:
        conds.append(Call.promise_date.is_not(None))
    return conds


def list_calls(ctx: Ctx, query: CallQuery = CallQuery(), *,
               limit: int | None = None, offset: int = 0) -> list[CallRow]:
    """One page of the calls register (all of it without a limit).

    The page's ids are chosen first from the call table alone (a narrow sort), then joined to the
    names: sorting the joined rows of a large table costs several times more.
    """
    newest_first = (Call.started_at.desc(), Call.id.desc())
    page = select(Call.id).where(*_where(query)).order_by(*newest_first).offset(offset)
    if limit is not None:
        page = page.limit(limit)
    stmt = (
        select(Call, Contractor.name, Invoice.number, ContactPerson.name, User.login)
        .join(Contractor, Contractor.id == Call.contractor_id)
        .outerjoin(Invoice, Invoice.id == Call.invoice_id)
        .outerjoin(ContactPerson, ContactPerson.id == Call.contact_person_id)
        .outerjoin(User, User.id == Call.user_id)
        .where(Call.id.in_(page.scalar_subquery()))
        .order_by(*newest_first)
    )
    return [
        CallRow(
            c.id, c.started_at, c.contractor_id, contractor, c.invoice_id, number, contact, login,
            c.outcome, c.duration_s, c.promise_date, c.promise_amount, c.promise_currency, c.notes,
        )
        for c, contractor, number, contact, login in ctx.session.execute(stmt)
    ]
