"""The outbox as a paged Qt model: one row per planned message, failed and uncertain rows highlighted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from collector_app.services.context import Ctx
from collector_app.services.outbox import CHANNEL_NAMES, list_rows
from collector_app.ui.context import AppContext
from collector_app.ui.models.paged import PAGE_SIZE, RIGHT, PagedTableModel
from collector_app.ui.models.reminder_plan import step_label

Row = dict[str, Any]  # one `outbox list` row (services.outbox.list_rows)
(COL_PLANNED, COL_STATE, COL_CHANNEL, COL_RECIPIENT, COL_CONTRACTOR, COL_INVOICE, COL_STEP, COL_ATTEMPTS,
 COL_NOTE, COL_SENT) = range(10)
StateRole = Qt.ItemDataRole.UserRole + 10  # the row's state, e.g. "failed"
NEEDS_ATTENTION = ("failed", "uncertain")
CUT_COLUMNS = (COL_RECIPIENT, COL_CONTRACTOR, COL_INVOICE, COL_STEP)  # their whole text is the tooltip
ATTENTION_COLORS = {  # (text, background)
    "failed": (QColor(183, 28, 28), QColor(255, 235, 238)),
    "uncertain": (QColor(140, 80, 0), QColor(255, 243, 214)),
}


def note_text(row: Row) -> str | None:
    """The note `outbox list` prints: why a planned row waits, else why it failed, stopped or was skipped."""
    note: str | None = row["note"] or row["last_error"]
    return note


def note_tip(row: Row) -> str | None:
    """The note, and the last error too when a planned row waits for a retry after it."""
    return "\n".join(dict.fromkeys(t for t in (row["note"], row["last_error"]) if t)) or None


class OutboxTableModel(PagedTableModel[Row]):
    """In the order `collector outbox list` shows them (one state: by planned day; all: as planned);
    filtered by state in SQL."""

    def __init__(self, app: AppContext, page_size: int = PAGE_SIZE) -> None:
        headers = (self.tr("Planned for"), self.tr("State"), self.tr("Channel"), self.tr("Recipient"),
                   self.tr("Contractor"), self.tr("Invoice"), self.tr("Step"), self.tr("Attempts"),
                   self.tr("Note"), self.tr("Sent at"))
        super().__init__(app, headers, page_size)
        self.state: str | None = None

    def set_state(self, state: str | None) -> None:
        """Only rows in that state; None = all rows."""
        self.state = state
        self.reload()

    def fetch(self, ctx: Ctx, limit: int, offset: int) -> list[Row]:
        return list_rows(ctx, state=self.state, limit=limit, offset=offset)

    def cell(self, row: Row, column: int, role: int) -> Any:
        colors = ATTENTION_COLORS.get(row["state"])
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == StateRole:
            return row["state"]
        if role == Qt.ItemDataRole.ForegroundRole and colors is not None:
            return colors[0]
        if role == Qt.ItemDataRole.BackgroundRole and colors is not None:
            return colors[1]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COL_ATTEMPTS:
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column in (COL_NOTE, COL_STATE):
            return note_tip(row)
        if role == Qt.ItemDataRole.ToolTipRole and column in CUT_COLUMNS:  # names and "… and 6 earlier" outgrow them
            return self._text(row, column)
        return None

    @staticmethod
    def _text(r: Row, column: int) -> str:
        values: dict[int, Callable[[], str]] = {
            COL_PLANNED: lambda: str(r["planned_for"]),
            COL_STATE: lambda: str(r["state"]),
            COL_CHANNEL: lambda: str(CHANNEL_NAMES.get(r["channel"], r["channel"])),
            COL_RECIPIENT: lambda: r["recipient"] or "—",
            COL_CONTRACTOR: lambda: str(r["contractor"]),
            COL_INVOICE: lambda: str(r["invoice"]),
            COL_STEP: lambda: step_label(str(r["step"]), int(r["occurrence"]), int(r["covers"])),
            COL_ATTEMPTS: lambda: str(r["attempts"]),
            COL_NOTE: lambda: " ".join((note_text(r) or "").split()),
            COL_SENT: lambda: r["sent_at"][:16].replace("T", " ") if r["sent_at"] else "",
        }
        return values[column]()
