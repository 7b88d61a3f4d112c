"""The payments register as a Qt model: pages of list_payments, unallocated money highlighted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from collector_app.domain.money import format_amount
from collector_app.services.context import Ctx
from collector_app.services.payments import PaymentRow, list_payments
from collector_app.ui.context import AppContext
from collector_app.ui.models.paged import PAGE_SIZE, RIGHT, PagedTableModel

COL_DATE, COL_CONTRACTOR, COL_PAYER, COL_TITLE, COL_AMOUNT, COL_CURRENCY, COL_ALLOCATED, \
    COL_UNALLOCATED = range(8)
NUMERIC_COLUMNS = {COL_AMOUNT, COL_ALLOCATED, COL_UNALLOCATED}

UnallocatedRole = Qt.ItemDataRole.UserRole + 3
CREDIT_BACKGROUND = QColor(255, 243, 205)  # amber: money waiting for an invoice
CREDIT_TEXT = QColor(133, 77, 14)
REVERSED_TEXT = QColor(130, 130, 130)


class PaymentTableModel(PagedTableModel[PaymentRow]):
    """Newest payment first; filters are new SQL queries."""

    def __init__(self, app: AppContext, page_size: int = PAGE_SIZE) -> None:
        super().__init__(app, (
            self.tr("Date"), self.tr("Contractor"), self.tr("Payer"), self.tr("Title"), self.tr("Amount"),
            self.tr("Cur."), self.tr("Allocated"), self.tr("Unallocated"),
        ), page_size)
        self.unallocated_only = False
        self.contractor_id: int | None = None

    def set_filter(self, *, unallocated_only: bool, contractor_id: int | None) -> None:
        self.unallocated_only = unallocated_only
        self.contractor_id = contractor_id
        self.reload()

    def fetch(self, ctx: Ctx, limit: int, offset: int) -> list[PaymentRow]:
        return list_payments(ctx, unallocated_only=self.unallocated_only, contractor_id=self.contractor_id,
                             limit=limit, offset=offset)

    def cell(self, row: PaymentRow, column: int, role: int) -> Any:
        credit = row.unallocated > 0
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == UnallocatedRole:
            return credit
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return RIGHT
        if role == Qt.ItemDataRole.BackgroundRole and credit:
            return QBrush(CREDIT_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.reversed:
                return QBrush(REVERSED_TEXT)
            if credit and column == COL_UNALLOCATED:
                return QBrush(CREDIT_TEXT)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(row, column, credit)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        return None

    def _text(self, r: PaymentRow, column: int) -> str:
        values: dict[int, Callable[[], str]] = {
            COL_DATE: lambda: r.date.isoformat(),
            COL_CONTRACTOR: lambda: r.contractor or "—",
            COL_PAYER: lambda: r.payer or "",
            COL_TITLE: lambda: (self.tr("[reversed] ") if r.reversed else "") + (r.title or ""),
            COL_AMOUNT: lambda: format_amount(r.amount),
            COL_CURRENCY: lambda: r.currency,
            COL_ALLOCATED: lambda: format_amount(r.allocated),
            COL_UNALLOCATED: lambda: format_amount(r.unallocated) if r.unallocated else "",
        }
        return values[column]()

    @staticmethod
    def _font(row: PaymentRow, column: int, credit: bool) -> QFont | None:
        if row.reversed:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if credit and column == COL_UNALLOCATED:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _tooltip(self, row: PaymentRow, column: int) -> str | None:
        if row.reversed:
            return self.tr("Reversed: its allocations were undone")
        if column == COL_TITLE and row.title:
            return row.title
        if column == COL_PAYER and row.payer_account:
            return row.payer_account
        return None
