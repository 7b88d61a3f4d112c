"""The calls register as a Qt model: pages of list_calls, newest call first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt

from collector_app.services.calls_view import CallQuery, CallRow, list_calls
from collector_app.services.context import Ctx
from collector_app.ui.context import AppContext
from collector_app.ui.models.paged import PAGE_SIZE, RIGHT, PagedTableModel
from collector_app.ui.widgets.detail import duration_text, local_time, money, outcome_label

COL_DATE, COL_CONTRACTOR, COL_INVOICE, COL_OUTCOME, COL_DURATION, COL_PROMISE_DATE, COL_PROMISE_AMOUNT, \
    COL_NOTES = range(8)
NUMERIC_COLUMNS = {COL_DURATION, COL_PROMISE_AMOUNT}


class CallTableModel(PagedTableModel[CallRow]):
    """Rows come from the calls service; the query is replaced, never filtered in Python."""

    def __init__(self, app: AppContext, page_size: int = PAGE_SIZE) -> None:
        super().__init__(app, (
            self.tr("Date"), self.tr("Contractor"), self.tr("Invoice"), self.tr("Outcome"), self.tr("Duration"),
            self.tr("Promised by"), self.tr("Promised amount"), self.tr("Notes"),
        ), page_size)
        self.query = CallQuery()

    def set_query(self, query: CallQuery) -> None:
        self.query = query
        self.reload()

    def fetch(self, ctx: Ctx, limit: int, offset: int) -> list[CallRow]:
        return list_calls(ctx, self.query, limit=limit, offset=offset)

    def cell(self, row: CallRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        return None

    def _text(self, r: CallRow, column: int) -> str:
        values: dict[int, Callable[[], str]] = {
            COL_DATE: lambda: local_time(r.started_at),
            COL_CONTRACTOR: lambda: r.contractor,
            COL_INVOICE: lambda: r.invoice or "",
            COL_OUTCOME: lambda: outcome_label(r.outcome),
            COL_DURATION: lambda: duration_text(r.duration_s),
            COL_PROMISE_DATE: lambda: r.promise_date.isoformat() if r.promise_date else "",
            COL_PROMISE_AMOUNT: lambda: money(r.promise_amount, r.promise_currency) if r.promise_amount else "",
            COL_NOTES: lambda: " ".join((r.notes or "").split()),
        }
        return values[column]()

    def _tooltip(self, r: CallRow, column: int) -> str | None:
        if column == COL_NOTES and r.notes:
            return r.notes
        parts = []
        if r.contact:
            parts.append(self.tr("Spoke with {0}").format(r.contact))
        if r.user:
            parts.append(self.tr("Logged by {0}").format(r.user))
        return "; ".join(parts) or None
