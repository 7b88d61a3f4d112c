"""What the register pages share: a read-only table of paged rows and a search that waits for a pause in typing."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QAbstractItemModel, QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QStyle, QTableView

SEARCH_DEBOUNCE_MS = 250
ROW_HEIGHT = 24


def setup_register_table(table: QTableView, model: QAbstractItemModel, widths: Mapping[int, int], *,
                         stretch: int | None = None) -> QHeaderView:
    """Show `model` read-only, with columns a person can resize; `stretch` names the column that takes
    the spare width (else the last one does, as the form says). Returns the horizontal header."""
    table.setModel(model)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    if stretch is not None:
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    for column, width in widths.items():
        table.setColumnWidth(column, max(width, title_width(header, model, column)))
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    return header


def title_width(header: QHeaderView, model: QAbstractItemModel, column: int) -> int:
    """The width that shows the column's title whole: a given width never cuts a title."""
    title = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    return header.fontMetrics().horizontalAdvance(str(title or "")) + 4 * margin


def debounced_search(edit: QLineEdit, apply: Callable[[], None], parent: QObject) -> QTimer:
    """Call `apply` once typing in `edit` has paused, not on every keystroke; `apply` should stop the
    returned timer, so that searching at once (Enter) does not search again after the pause."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(SEARCH_DEBOUNCE_MS)
    timer.timeout.connect(apply)
    edit.textChanged.connect(lambda _t: timer.start())
    return timer


def search_text(edit: QLineEdit) -> str | None:
    """What to search for: the typed text without surrounding spaces, or None for no search."""
    return edit.text().strip() or None
