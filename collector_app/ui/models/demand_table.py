"""The demand register and the "ready for demand" list as Qt models: letters paged in from SQL, newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from collector_app.domain.money import format_amount
from collector_app.services.context import Ctx
from collector_app.services.demand_view import ReadyRow
from collector_app.services.demands import DemandRow, list_demands
from collector_app.ui.context import AppContext
from collector_app.ui.models.list_table import ListTableModel
from collector_app.ui.models.paged import PAGE_SIZE, RIGHT, PagedTableModel, RowRole

Row = DemandRow
Index = QModelIndex | QPersistentModelIndex

(COL_NUMBER, COL_DATE, COL_KIND, COL_CONTRACTOR, COL_INVOICES, COL_PRINCIPAL, COL_INTEREST, COL_COMPENSATION,
 COL_TOTAL, COL_CURRENCY) = range(10)
AMOUNT_COLUMNS = {COL_PRINCIPAL, COL_INTEREST, COL_COMPENSATION, COL_TOTAL}
KIND_LABELS = {
    "reminder": "payment reminder",
    "demand": "payment demand",
    "final": "final demand",
    "interest-note": "interest note",
}


@dataclass(frozen=True)
class DemandFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    contractor_id: int | None = None
    kind: str | None = None


class DemandTableModel(PagedTableModel[Row]):
    """The register as `collector demands` lists it (services.demands.list_demands): filters are SQL, pages
    come as the user scrolls."""

    def __init__(self, app: AppContext, page_size: int = PAGE_SIZE) -> None:
        headers = (self.tr("Number"), self.tr("Date"), self.tr("Kind"), self.tr("Contractor"), self.tr("Invoices"),
                   self.tr("Principal"), self.tr("Interest"), self.tr("Compensation"), self.tr("Total"),
                   self.tr("Cur."))
        super().__init__(app, headers, page_size)
        self.filter = DemandFilter()

    def set_filter(self, flt: DemandFilter) -> None:
        self.filter = flt
        self.reload()

    def fetch(self, ctx: Ctx, limit: int, offset: int) -> list[Row]:
        f = self.filter
        return list(list_demands(ctx, date_from=f.date_from, date_to=f.date_to, contractor_id=f.contractor_id,
                                 kind=f.kind, limit=limit, offset=offset))

    def cell(self, row: Row, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in AMOUNT_COLUMNS:
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_INVOICES:
            return ", ".join(row.invoices)
        return None

    def _text(self, r: Row, column: int) -> str:
        values: dict[int, Callable[[], str]] = {
            COL_NUMBER: lambda: r.number,
            COL_DATE: lambda: r.date.isoformat(),
            COL_KIND: lambda: self.tr(KIND_LABELS.get(r.kind, r.kind)),
            COL_CONTRACTOR: lambda: r.contractor,
            COL_INVOICES: lambda: ", ".join(r.invoices),
            COL_PRINCIPAL: lambda: format_amount(r.principal),
            COL_INTEREST: lambda: format_amount(r.interest),
            COL_COMPENSATION: lambda: format_amount(r.compensation),
            COL_TOTAL: lambda: format_amount(r.total),
            COL_CURRENCY: lambda: r.currency,
        }
        return values[column]()


(READY_CONTRACTOR, READY_INVOICE, READY_DUE, READY_DAYS, READY_BALANCE, READY_CURRENCY, READY_SINCE) = range(7)


class ReadyTableModel(ListTableModel[ReadyRow]):
    """Invoices escalated to a demand (read off the GUI thread and handed over whole: a short list)."""

    def __init__(self) -> None:
        super().__init__((self.tr("Contractor"), self.tr("Invoice"), self.tr("Due"), self.tr("Days overdue"),
                          self.tr("Balance"), self.tr("Cur."), self.tr("Ready since")))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_of(index)
        if row is None:
            return None
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (READY_DAYS, READY_BALANCE):
            return RIGHT
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        values = (row.contractor, row.number, row.due_date.isoformat(), str(row.days_overdue or ""),
                  format_amount(row.balance), row.currency, row.ready_since.astimezone().strftime("%Y-%m-%d"))
        return values[index.column()]
