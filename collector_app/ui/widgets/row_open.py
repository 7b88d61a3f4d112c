"""Opening a table row the same way everywhere: double-click, or Enter on the current row."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView

from collector_app.ui.models.paged import PagedTableModel

R = TypeVar("R")


def on_row_open(view: QAbstractItemView, handler: Callable[[QModelIndex], None]) -> None:
    """Calls `handler` once per double-click or Enter (QAbstractItemView.activated would fire twice
    on a double-click on some platforms, and on a single click on others)."""
    view.doubleClicked.connect(handler)
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        shortcut = QShortcut(QKeySequence(key), view)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(lambda: handler(view.currentIndex()) if view.currentIndex().isValid() else None)


def on_record_open(view: QAbstractItemView, model: PagedTableModel[R], record_of: Callable[[R], int | None],
                   handler: Callable[[int], None]) -> None:
    """Opening a row calls `handler` with the id of the record it shows (`record_of` picks it: the row's
    own id, or the invoice a call is about); a row without one, or the error row, opens nothing."""

    def opened(index: QModelIndex) -> None:
        row = model.row_at(index.row())
        record = record_of(row) if row is not None else None
        if record is not None:
            handler(record)

    on_row_open(view, opened)
