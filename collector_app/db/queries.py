"""Register queries: set-based, index-backed and paged, so a page costs the same at any ledger size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from collector_app.db.models import Contractor, DemandInvoice, Invoice, Outbox
from collector_app.domain.errors import UserError
from collector_app.domain.status import Filter, Status, status_of
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


class InvoiceRow(NamedTuple):
    """A register row (a named tuple: a page of them is made for every page shown)."""

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


def _like_pattern(text_: str) -> str:
    return "%" + text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _contains_any_case(session: Session, column: Any, q: str) -> ColumnElement[bool]:
    """Case-insensitive "contains" for the short texts the trigram index cannot serve.

    SQLite's LIKE and lower() fold ASCII only ("łó" would miss "Łódź"), so on SQLite the other
    cases of the (1–2 character) text are spelled out; other databases fold Unicode in ILIKE.
    """
    if session.get_bind().dialect.name != "sqlite" or len(q) > 4:
        return column.ilike(_like_pattern(q), escape="\\")  # type: ignore[no-any-return]
    forms = {""}
    for ch in q:
        forms = {f + c for f in forms for c in (ch.lower(), ch.upper())}
    return or_(*(column.like(_like_pattern(form), escape="\\") for form in sorted(forms)))


def contractor_ids_matching(session: Session, search: str) -> Select[Any] | CompoundSelect[Any]:
    """Contractors whose name or tax id contains the text (trigram index; short texts by prefix)."""
    q = search.strip()
    key = compact_tax_id(q)
    if session.get_bind().dialect.name == "sqlite" and len(q) >= 3:
        match: Select[Any] = select(literal_column("rowid")).select_from(text("contractor_search")).where(
            text("contractor_search MATCH :cq").bindparams(cq=_fts_phrase(q))
        )
        # a tax id typed with spaces or dashes: tax ids carry digits, so a word never costs this scan
        if key and key != q and len(key) >= 3 and any(ch.isdigit() for ch in key):
            return match.union(select(Contractor.id).where(Contractor.tax_key.contains(key, autoescape=True)))
        return match
    return select(Contractor.id).where(
        or_(
            _contains_any_case(session, Contractor.name, q),
            Contractor.tax_key.like(f"{key}%") if key else Contractor.id.is_(None),
        )
    )


def _invoice_ids_matching(session: Session, search: str) -> Select[Any]:
    q = search.strip()
    if session.get_bind().dialect.name == "sqlite" and len(q) >= 3:
        return select(literal_column("rowid")).select_from(text("invoice_search")).where(
            text("invoice_search MATCH :iq").bindparams(iq=_fts_phrase(q))
        )
    return select(Invoice.id).where(_contains_any_case(session, Invoice.number, q))


# A search selecting more documents than this is paged by walking the sort's index (see search_clause).
WALK_FROM_MATCHES = 5_000
_WALKABLE_SORTS = frozenset({"due_date", "days_overdue", "issue_date", "number", "gross"})


def _capped_fts_count(session: Session, table: str, q: str, cap: int) -> int:
    sql = f"SELECT count(*) FROM (SELECT rowid FROM {table} WHERE {table} MATCH :q LIMIT :cap)"
    return int(session.scalar(text(sql), {"q": _fts_phrase(q), "cap": cap}) or 0)


def _expected_matches(session: Session, q: str) -> tuple[int, int]:
    """(documents the text is expected to select, documents whose number holds it), both capped at
    WALK_FROM_MATCHES: read from the search indexes and the tables' last ids, no invoice row is read."""
    cap = WALK_FROM_MATCHES
    last = session.execute(select(select(func.max(Invoice.id)).scalar_subquery(),
                                  select(func.max(Contractor.id)).scalar_subquery())).one()
    invoices, contractors = int(last[0] or 0), int(last[1] or 0)
    if invoices < cap or not contractors:  # a small ledger: every plan is cheap
        return 0, 0
    by_number = _capped_fts_count(session, "invoice_search", q, cap)
    per_contractor = invoices / contractors
    by_name = _capped_fts_count(session, "contractor_search", q, int(cap / per_contractor) + 1)
    return min(cap, by_number + int(by_name * per_contractor)), by_number


def search_clause(session: Session, search: str, sort: str | None) -> ColumnElement[bool]:
    """Documents whose number, or whose contractor's name or tax id, holds the text.

    Written plainly, SQLite reads every matching document and sorts them: O(matches), which is most of
    the ledger for the first three letters typed ("Sp.", "FV/"). When a page of a big match is wanted
    (`sort` given, with an index to walk), the same test is written so that it cannot drive the plan
    (`+ 0`, a LIKE on the number): SQLite then walks the sort's index and stops at the page's last row.
    """
    q = search.strip()
    if sort in _WALKABLE_SORTS and session.get_bind().dialect.name == "sqlite" and len(q) >= 3:
        expected, by_number = _expected_matches(session, q)
        if expected >= WALK_FROM_MATCHES:
            if by_number >= WALK_FROM_MATCHES and q.isascii():
                # SQLite's LIKE folds ASCII case as the trigram index does
                number_side = Invoice.number.like(_like_pattern(q), escape="\\")
            else:
                number_side = (Invoice.id + 0).in_(_invoice_ids_matching(session, q))
            return or_(number_side, (Invoice.contractor_id + 0).in_(contractor_ids_matching(session, q)))
    return or_(
        Invoice.id.in_(_invoice_ids_matching(session, q)),
        Invoice.contractor_id.in_(contractor_ids_matching(session, q)),
    )


def _where(
    session: Session, rq: RegisterQuery, today: dt.date, *, paged: bool = False
) -> list[ColumnElement[bool]]:
    """The register's conditions; `paged` when only a page of the rows is read, in the query's order."""
    where: list[ColumnElement[bool]] = []
    flt = filter_clause(rq.filter, today)
    if flt is not None:
        where.append(flt)
    if rq.contractor_id is not None:
        where.append(Invoice.contractor_id == rq.contractor_id)
    if rq.search and rq.search.strip():
        where.append(search_clause(session, rq.search, rq.sort if paged else None))
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
    status = status_of(r[7], r[8], r[6], today)
    return InvoiceRow(
        id=r[0], number=r[1], kind=r[2], contractor=r[3], contractor_id=r[4], issue_date=r[5],
        due_date=r[6], gross=r[7], paid=r[8], currency=r[9], status=status,
        days_overdue=(today - r[6]).days if status is Status.OVERDUE else 0,  # = domain.status.days_overdue
        disputed=bool(r[10]), paused_until=r[11],
    )


def invoice_page(
    session: Session, rq: RegisterQuery, today: dt.date, *, limit: int | None = 50, offset: int = 0
) -> list[InvoiceRow]:
    """One page of the register. The join to contractor is by primary key, so it costs O(page)."""
    if limit is not None:
        register = paged_register(session, rq, today)
        return [register.row(r) for r in register.page(session.connection(), limit, offset)]
    query = (
        select(*_ROW_COLUMNS)
        .join(Contractor, Contractor.id == Invoice.contractor_id)
        .where(*_where(session, rq, today))
        .order_by(*_order(rq, today))
        .offset(offset)
    )
    return [_to_row(r, today) for r in session.execute(query)]


@dataclass(frozen=True)
class PagedRegister:
    """The register query built and compiled once, fetched untyped page by page at close to what
    SQLite itself costs; a row becomes an InvoiceRow (through SQLAlchemy's own result processors)
    only when it is read."""

    statement: Select[Any]
    processors: tuple[Callable[[Any], Any] | None, ...]
    today: dt.date

    def page(self, connection: Connection, limit: int, offset: int) -> list[Any]:
        return list(connection.execute(self.statement, {"page_limit": limit, "page_offset": offset}).fetchall())

    def row(self, raw: Sequence[Any]) -> InvoiceRow:
        return _to_row([p(v) if p is not None else v for p, v in zip(self.processors, raw, strict=True)], self.today)


# Built statements of searchless queries, which depend on nothing but the query, the day and the dialect.
_PAGED: dict[tuple[RegisterQuery, dt.date, str], PagedRegister] = {}
_PAGED_MAX = 256


def paged_register(session: Session, rq: RegisterQuery, today: dt.date) -> PagedRegister:
    """What invoice_page selects, as a statement to page through (the GUI's register model).

    A search's statement is built anew each time: its plan depends on how much the text matches.
    """
    dialect = session.get_bind().dialect
    key = (rq, today, dialect.name)
    cacheable = not (rq.search and rq.search.strip())
    if cacheable and key in _PAGED:
        return _PAGED[key]
    statement = (
        select(*(type_coerce(c, NullType()) for c in _ROW_COLUMNS))
        .join(Contractor, Contractor.id == Invoice.contractor_id)
        .where(*_where(session, rq, today, paged=True))
        .order_by(*_order(rq, today))
        .limit(bindparam("page_limit"))
        .offset(bindparam("page_offset"))
    )
    processors = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in _ROW_COLUMNS)
    register = PagedRegister(statement, processors, today)
    if cacheable:
        if len(_PAGED) >= _PAGED_MAX:
            _PAGED.pop(next(iter(_PAGED)))
        _PAGED[key] = register
    return register


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


class LetterCounts(NamedTuple):
    """How many reminders went out for an invoice, and in how many demand letters it was named."""

    reminders: int
    demands: int


_LETTER_COUNTS = select(
    Invoice.id,
    select(func.count()).where(Outbox.invoice_id == Invoice.id, Outbox.state == "sent",
                               Outbox.step_id.is_not(None)).scalar_subquery(),
    select(func.count()).where(DemandInvoice.invoice_id == Invoice.id).scalar_subquery(),
).where(Invoice.id.in_(bindparam("ids", expanding=True)))


def letter_counts(connection: Connection, ids: Sequence[int]) -> dict[int, LetterCounts]:
    """The counts for a page of invoices, in one query over the page's ids: each count is an index range
    (outbox by invoice, step, occurrence; demand_invoice by invoice), so a page costs O(page) at any size.
    Letters e-mailed from the demand register count as demands, not as reminders."""
    if not ids:
        return {}
    return {r[0]: LetterCounts(int(r[1]), int(r[2])) for r in connection.execute(_LETTER_COUNTS, {"ids": list(ids)})}
