"""The reminder preview as a Qt model: one row per planned step, skipped rows greyed with their reason."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from collector_app.services.outbox import CHANNEL_NAMES
from collector_app.services.reminders import PlannedRow
from collector_app.ui.models.list_table import ListTableModel

COL_DAY, COL_CONTRACTOR, COL_INVOICE, COL_STEP, COL_CHANNEL, COL_RECIPIENT, COL_STATE = range(7)
RowRole = Qt.ItemDataRole.UserRole + 1  # the PlannedRow itself
SkippedRole = Qt.ItemDataRole.UserRole + 2
GREY = QColor(128, 128, 128)
Index = QModelIndex | QPersistentModelIndex


def _state_text(row: PlannedRow) -> str:
    if row.state == "skipped" and row.last_error:
        return f"skipped: {row.last_error}"
    return row.state


def step_label(step: str, occurrence: int, covers: int) -> str:
    """A step as the preview and the outbox page name it: its repeat, and what a catch-up row stands for."""
    label = step if occurrence <= 1 else f"{step} (#{occurrence})"
    if covers > 1:  # a catch-up row: the latest overtaken step stands for the earlier ones
        label = QCoreApplication.translate("StepLabel", "{step} and {n} earlier").format(step=label, n=covers - 1)
    return label


def _cells(row: PlannedRow) -> tuple[str, ...]:
    step = step_label(row.step, row.occurrence, row.covers)
    return (row.planned_for.isoformat(), row.contractor, row.invoice, step, CHANNEL_NAMES.get(row.channel, row.channel),
            row.recipient or "—", _state_text(row))


class ReminderPlanModel(ListTableModel[PlannedRow]):
    """Holds one preview (bounded by the days asked for); the view replaces it after each run."""

    def __init__(self) -> None:
        super().__init__([self.tr("Planned for"), self.tr("Contractor"), self.tr("Invoice"), self.tr("Step"),
                          self.tr("Channel"), self.tr("Recipient"), self.tr("State")])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_of(index)
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _cells(row)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and row.state == "skipped":
            return QBrush(GREY)
        if role == RowRole:
            return row
        if role == SkippedRole:
            return row.state == "skipped"
        return None
