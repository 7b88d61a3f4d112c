"""Register queries: set-based, index-backed and paged, so a page costs the same at any ledger size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, case, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from collector_app.db.models import Contractor, Invoice
from collector_app.domain.errors import UserError
from collector_app.domain.status import Filter, Status, days_overdue, status_of
from collector_app.domain.taxid import compact_tax_id

SORT_FIELDS = (
    "number", "kind", "contractor", "contractor_id", "issue_date", "due_date", "gross", "paid",
    "balance", "currency", "status", "days_overdue",
)


@dataclass(frozen=True)
class RegisterQuery:
    """Everything that selects and orders the rows of the invoice register."""

    filter: Filter = Filter.ALL
    contractor_id: int | None = None
    search: str | None = None
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    sort: str = "due_date"
    descending: bool = False

    def with_filter(self, flt: Filter) -> RegisterQuery:
        return replace(self, filter=flt)


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    number: str
    kind: str
    contractor: str
    contractor_id: int
    issue_date: dt.date
    due_date: dt.date
    gross: Decimal
    paid: Decimal
    currency: str
    status: Status
    days_overdue: int
    disputed: bool
    paused_until: dt.date | None

    @property
    def balance(self) -> Decimal:
        return self.gross - self.paid


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    count: int
    gross: Decimal
    balance: Decimal


def filter_clause(flt: Filter, today: dt.date) -> ColumnElement[bool] | None:
    """SQL twin of domain.status.matches; each branch is served by a partial index on due_date."""
    g, p, due = Invoice.gross, Invoice.paid, Invoice.due_date
    clauses: dict[Filter, ColumnElement[bool] | None] = {
        Filter.ALL: None,
        Filter.UNSETTLED: g > p,
        Filter.UNSETTLED_CURRENT: and_(g > p, due >= today),
        Filter.OVERDUE: and_(g > p, due < today),
        Filter.SETTLED: g == p,
        Filter.OVERPAID: g < p,
    }
    return clauses[flt]


def _fts_phrase(text_: str) -> str:
    return '"' + text_.replace('"', '""') + '"'


def contractor_ids_matching(session: Session, search: str) -> Select[Any] | CompoundSelect[Any]:
    """Contractors whose name or tax id contains the text (trigram index; short texts by prefix)."""
    q = search.strip()
    key = compact_tax_id(q)
    if session.get_bind().dialect.name == "sqlite" and len(q) >= 3:
        match: Select[Any] = select(literal_column("rowid")).select_from(text("contractor_search")).where(
            text("contractor_search MATCH :cq").bindparams(cq=_fts_phrase(q))
        )
        if key and key != q and len(key) >= 3:
            return match.union(select(Contractor.id).where(Contractor.tax_key.contains(key, autoescape=True)))
        return match
    pattern = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return select(Contractor.id).where(
        or_(
            Contractor.name.ilike(f"%{pattern}%", escape="\\"),
            Contractor.tax_key.like(f"{key}%") if key else Contractor.id.is_(None),
        )
    )


def _invoice_ids_matching(session: Session, search: str) -> Select[Any]:
    q = search.strip()
    if session.get_bind().dialect.name == "sqlite" and len(q) >= 3:
        return select(literal_column("rowid")).select_from(text("invoice_search")).where(
            text("invoice_search MATCH :iq").bindparams(iq=_fts_phrase(q))
        )
    pattern = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return select(Invoice.id).where(Invoice.number.ilike(f"%{pattern}%", escape="\\"))


def _where(session: Session, rq: RegisterQuery, today: dt.date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    flt = filter_clause(rq.filter, today)
    if flt is not None:
        where.append(flt)
    if rq.contractor_id is not None:
        where.append(Invoice.contractor_id == rq.contractor_id)
    if rq.search and rq.search.strip():
        where.append(
            or_(
                Invoice.id.in_(_invoice_ids_matching(session, rq.search)),
                Invoice.contractor_id.in_(contractor_ids_matching(session, rq.search)),
            )
        )
    for column, low, high in (
        (Invoice.issue_date, rq.issued_from, rq.issued_to),
        (Invoice.due_date, rq.due_from, rq.due_to),
    ):
        if low is not None:
            where.append(column >= low)
        if high is not None:
            where.append(column <= high)
    return where


def _order(rq: RegisterQuery, today: dt.date) -> list[Any]:
    if rq.sort not in SORT_FIELDS:
        raise UserError("sort", f'"{rq.sort}" is not a field to sort by (expected one of {", ".join(SORT_FIELDS)})')
    status_rank = case(
        (Invoice.gross == Invoice.paid, 0),
        (Invoice.gross < Invoice.paid, 1),
        (Invoice.due_date >= today, 2),
        else_=3,
    )
    columns: dict[str, Any] = {
        "number": Invoice.number,
        "kind": Invoice.kind,
        "contractor": Contractor.name,
        "contractor_id": Invoice.contractor_id,
        "issue_date": Invoice.issue_date,
        "due_date": Invoice.due_date,
        "gross": Invoice.gross,
        "paid": Invoice.paid,
        "balance": Invoice.gross - Invoice.paid,
        "currency": Invoice.currency,
        "status": status_rank,
    }
    if rq.sort == "days_overdue":
        # today − due date: ordering by it is ordering by the due date, the other way round.
        return [Invoice.due_date.asc(), Invoice.id.asc()] if rq.descending else [
            Invoice.due_date.desc(), Invoice.id.desc()]
    col = columns[rq.sort]
    if rq.descending:
        return [col.desc(), Invoice.id.desc()]
    return [col.asc(), Invoice.id.asc()]


_ROW_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.kind, Contractor.name, Invoice.contractor_id,
    Invoice.issue_date, Invoice.due_date, Invoice.gross, Invoice.paid, Invoice.currency,
    Invoice.disputed, Invoice.paused_until,
)


def _to_row(r: Any, today: dt.date) -> InvoiceRow:
    return InvoiceRow(
        id=r[0], number=r[1], kind=r[2], contractor=r[3], contractor_id=r[4], issue_date=r[5],
        due_date=r[6], gross=r[7], paid=r[8], currency=r[9],
        status=status_of(r[7], r[8], r[6], today), days_overdue=days_overdue(r[7], r[8], r[6], today),
        disputed=bool(r[10]), paused_until=r[11],
    )


def invoice_page(
    session: Session, rq: RegisterQuery, today: dt.date, *, limit: int | None = 50, offset: int = 0
) -> list[InvoiceRow]:
    """One page of the register. The join to contractor is by primary key, so it costs O(page)."""
    query = (
        select(*_ROW_COLUMNS)
        .join(Contractor, Contractor.id == Invoice.contractor_id)
        .where(*_where(session, rq, today))
        .order_by(*_order(rq, today))
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_to_row(r, today) for r in session.execute(query)]


def invoice_rows_by_id(session: Session, ids: list[int], today: dt.date) -> list[InvoiceRow]:
    query = select(*_ROW_COLUMNS).join(Contractor, Contractor.id == Invoice.contractor_id).where(
        Invoice.id.in_(ids)
    )
    by_id = {r[0]: _to_row(r, today) for r in session.execute(query)}
    return [by_id[i] for i in ids if i in by_id]


def register_totals(session: Session, rq: RegisterQuery, today: dt.date) -> list[CurrencyTotals]:
    """Count and sums per currency of every row the query selects (slow on big filters: run off the GUI thread)."""
    query = (
        select(
            Invoice.currency,
            func.count(),
            func.sum(Invoice.gross),
            func.sum(Invoice.gross - Invoice.paid),
        )
        .where(*_where(session, rq, today))
        .group_by(Invoice.currency)
        .order_by(Invoice.currency)
    )
    cent = Decimal("0.01")
    return [
        CurrencyTotals(cur, int(n), Decimal(str(g or 0)).quantize(cent), Decimal(str(b or 0)).quantize(cent))
        for cur, n, g, b in session.execute(query)
    ]


def register_count(session: Session, rq: RegisterQuery, today: dt.date) -> int:
    query = select(func.count()).select_from(Invoice).where(*_where(session, rq, today))
    return int(session.scalar(query) or 0)
