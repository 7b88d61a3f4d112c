"""The contractor register as a Qt model: pages of contractors fetched as the user scrolls, never all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush

from collector_app.services.context import Ctx
from collector_app.services.contractor_view import ContractorRow, contractor_page
from collector_app.ui.context import AppContext
from collector_app.ui.models.invoice_table import OVERDUE_RED
from collector_app.ui.models.paged import PAGE_SIZE, RIGHT, OverdueRole, PagedTableModel
from collector_app.ui.widgets.detail import money

COL_NAME, COL_TAX_ID, COL_CITY, COL_EMAIL, COL_PHONE, COL_OPEN, COL_BALANCE, COL_OVERDUE = range(8)
COLUMNS = ("Name", "Tax id", "City", "E-mail", "Phone", "Unpaid inv.", "Balance", "Overdue")
NUMERIC_COLUMNS = {COL_OPEN, COL_BALANCE, COL_OVERDUE}


class ContractorTableModel(PagedTableModel[ContractorRow]):
    """Rows come from contractor_view.contractor_page (name order, trigram search), a page at a time."""

    def __init__(self, app: AppContext, page_size: int = PAGE_SIZE) -> None:
        super().__init__(app, tuple(self.tr(header) for header in COLUMNS), page_size)
        self.search: str | None = None
        self.exhausted = True  # nothing to fetch until set_search() says what to show

    def set_search(self, search: str | None) -> None:
        self.search = search
        self.reload()

    def refresh(self) -> None:
        self.reload()

    def fetch(self, ctx: Ctx, limit: int, offset: int) -> list[ContractorRow]:
        return contractor_page(ctx, self.search, limit, offset)

    def cell(self, row: ContractorRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(row, column)
        if role == OverdueRole:
            return row.has_overdue
        if role == Qt.ItemDataRole.ForegroundRole and row.has_overdue and column in (COL_NAME, COL_OVERDUE):
            return QBrush(OVERDUE_RED)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return RIGHT
        return None


def _text(r: ContractorRow, column: int) -> str:
    values: dict[int, Callable[[], str]] = {
        COL_NAME: lambda: r.name,
        COL_TAX_ID: lambda: r.tax_id or "",
        COL_CITY: lambda: r.city or "",
        COL_EMAIL: lambda: r.email or "",
        COL_PHONE: lambda: r.phone or "",
        COL_OPEN: lambda: str(sum(e.open_count for e in r.exposure)) if r.exposure else "",
        COL_BALANCE: lambda: "; ".join(money(e.balance, e.currency) for e in r.exposure),
        COL_OVERDUE: lambda: "; ".join(money(e.overdue, e.currency) for e in r.exposure if e.overdue > 0),
    }
    return values[column]()
