"""Open follow-up tasks as a paged Qt model; tasks whose time has passed are red."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt

from collector_app.services.activity import TaskRow
from collector_app.services.context import Ctx
from collector_app.services.tasks_view import task_page
from collector_app.ui.context import AppContext
from collector_app.ui.models.invoice_table import OVERDUE_BACKGROUND, OVERDUE_RED
from collector_app.ui.models.paged import PAGE_SIZE, OverdueRole, PagedTableModel

COL_DUE, COL_ASSIGNEE, COL_INVOICE, COL_TEXT = range(4)


class TaskTableModel(PagedTableModel[TaskRow]):
    """Oldest due first; "overdue" is judged against the clock at the last reload."""

    def __init__(self, app: AppContext, page_size: int = PAGE_SIZE) -> None:
        super().__init__(app, (self.tr("Due"), self.tr("Assignee"), self.tr("Invoice"), self.tr("Task")), page_size)
        self.due_by: dt.date | None = app.clock.today()
        self.now = app.clock.now()

    def set_due_by(self, due_by: dt.date | None) -> None:
        """Open tasks due by the end of that day; None = all open tasks."""
        self.due_by = due_by
        self.reload()

    def reload(self) -> None:
        self.now = self.app.clock.now()
        super().reload()

    def fetch(self, ctx: Ctx, limit: int, offset: int) -> list[TaskRow]:
        return task_page(ctx, due_by=self.due_by, limit=limit, offset=offset)

    def is_overdue(self, row: TaskRow) -> bool:
        return row.done_at is None and row.due_at < self.now

    def cell(self, row: TaskRow, column: int, role: int) -> Any:
        overdue = self.is_overdue(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == OverdueRole:
            return overdue
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return OVERDUE_RED
        if role == Qt.ItemDataRole.BackgroundRole and overdue:
            return OVERDUE_BACKGROUND
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_TEXT:
            return row.text
        return None

    @staticmethod
    def _text(r: TaskRow, column: int) -> str:
        values: dict[int, Callable[[], str]] = {
            COL_DUE: lambda: f"{r.due_at.astimezone():%Y-%m-%d %H:%M}",
            COL_ASSIGNEE: lambda: r.assignee or "",
            COL_INVOICE: lambda: r.invoice or "",
            COL_TEXT: lambda: " ".join(r.text.split()),
        }
        return values[column]()
