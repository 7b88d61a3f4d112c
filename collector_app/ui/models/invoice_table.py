"""The invoice register as a Qt model: pages of SQL rows fetched as the user scrolls, never all."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from collector_app.db.queries import InvoiceRow, RegisterQuery, invoice_page
from collector_app.domain.money import format_amount
from collector_app.domain.status import Status
from collector_app.ui.context import AppContext

log = logging.getLogger(__name__)

PAGE_SIZE = 200
OVERDUE_RED = QColor(183, 28, 28)
OVERDUE_BACKGROUND = QColor(255, 235, 238)

COL_NUMBER, COL_CONTRACTOR, COL_ISSUED, COL_DUE, COL_GROSS, COL_PAID, COL_BALANCE, COL_CURRENCY, \
    COL_STATUS, COL_DAYS = range(10)
COLUMNS = (
    (COL_NUMBER, "Number", "number"),
    (COL_CONTRACTOR, "Contractor", "contractor"),
    (COL_ISSUED, "Issued", "issue_date"),
    (COL_DUE, "Due", "due_date"),
    (COL_GROSS, "Gross", "gross"),
    (COL_PAID, "Paid", "paid"),
    (COL_BALANCE, "Balance", "balance"),
    (COL_CURRENCY, "Cur.", "currency"),
    (COL_STATUS, "Status", "status"),
    (COL_DAYS, "Days overdue", "days_overdue"),
)
STATUS_LABELS = {
    Status.SETTLED: "settled",
    Status.OVERPAID: "overpaid",
    Status.UNSETTLED_CURRENT: "not yet due",
    Status.OVERDUE: "overdue",
}
NUMERIC_COLUMNS = {COL_GROSS, COL_PAID, COL_BALANCE, COL_DAYS}

OverdueRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


class InvoiceTableModel(QAbstractTableModel):
    """Holds the rows fetched so far; sorting and filtering are new SQL queries, not Python sorts."""

    def __init__(self, app: AppContext, page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self.app = app
        self.page_size = page_size
        self.query = RegisterQuery(sort="due_date")
        self.rows: list[InvoiceRow] = []
        self.exhausted = False
        self.pages_fetched = 0
        self.error: str | None = None
        self.on_reset: Callable[[], None] | None = None

    # --- loading ---------------------------------------------------------------------------
    def set_query(self, query: RegisterQuery) -> None:
        self.beginResetModel()
        self.query = query
        self.rows = []
        self.exhausted = False
        self.pages_fetched = 0
        self.error = None
        self._fetch_page()
        self.endResetModel()
        if self.on_reset:
            self.on_reset()

    def refresh(self) -> None:
        self.set_query(self.query)

    def today(self) -> dt.date:
        return self.app.clock.today()

    def _query_page(self, offset: int) -> list[InvoiceRow]:
        """One page from SQL; a failure becomes an error row instead of an exception inside Qt."""
        try:
            with self.app.transaction() as ctx:
                page = invoice_page(ctx.session, self.query, self.today(), limit=self.page_size, offset=offset)
        except Exception as exc:
            log.exception("register query failed")
            self.error = str(exc)
            self.exhausted = True
            return []
        self.pages_fetched += 1
        self.exhausted = len(page) < self.page_size
        return page

    def _fetch_page(self) -> None:
        self.rows.extend(self._query_page(len(self.rows)))

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self.exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self.exhausted:
            return
        start = len(self.rows)
        page = self._query_page(start)
        if not page:
            return
        self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
        self.rows.extend(page)
        self.endInsertRows()

    # --- Qt model API ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self.rows) + (1 if self.error else 0)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def row_at(self, row: int) -> InvoiceRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.row_at(index.row())
        if r is None:
            if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
                return f"Error: {self.error}"
            return None
        overdue = r.status is Status.OVERDUE
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(r, index.column())
        if role == OverdueRole:
            return overdue
        if role == RowRole:
            return r
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return QBrush(OVERDUE_RED)
        if role == Qt.ItemDataRole.BackgroundRole and overdue:
            return QBrush(OVERDUE_BACKGROUND)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in NUMERIC_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            tips = []
            if r.disputed:
                tips.append("Disputed")
            if r.paused_until:
                tips.append(f"Reminders paused until {r.paused_until.isoformat()}")
            return "; ".join(tips) or None
        return None

    @staticmethod
    def _text(r: InvoiceRow, column: int) -> str:
        values: dict[int, Callable[[], str]] = {
            COL_NUMBER: lambda: r.number + (" (credit note)" if r.kind == "credit_note" else ""),
            COL_CONTRACTOR: lambda: r.contractor,
            COL_ISSUED: lambda: r.issue_date.isoformat(),
            COL_DUE: lambda: r.due_date.isoformat(),
            COL_GROSS: lambda: format_amount(r.gross),
            COL_PAID: lambda: format_amount(r.paid),
            COL_BALANCE: lambda: format_amount(r.balance),
            COL_CURRENCY: lambda: r.currency,
            COL_STATUS: lambda: STATUS_LABELS[r.status],
            COL_DAYS: lambda: str(r.days_overdue) if r.days_overdue else "",
        }
        return values[column]()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        field = COLUMNS[column][2]
        self.set_query(replace(self.query, sort=field, descending=order == Qt.SortOrder.DescendingOrder))
