"""Small pieces the detail dialogs share: mailto/tel links, read-only tables, inline error text, service calls."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount
from collector_app.services.context import Ctx
from collector_app.services.invoice_view import EventRow
from collector_app.ui.context import AppContext

ERROR_RED = QColor(183, 28, 28)
IdRole = Qt.ItemDataRole.UserRole + 10
T = TypeVar("T")
D = TypeVar("D", bound=QDialog)

_OUTCOME_TEXT: dict[str, object] = {  # marked for Qt Linguist; translated when shown
    "reached": QT_TRANSLATE_NOOP("CallOutcome", "Reached"),
    "no-answer": QT_TRANSLATE_NOOP("CallOutcome", "No answer"),
    "promised": QT_TRANSLATE_NOOP("CallOutcome", "Promised to pay"),
    "disputed": QT_TRANSLATE_NOOP("CallOutcome", "Disputes the invoice"),
    "plan-requested": QT_TRANSLATE_NOOP("CallOutcome", "Asks for a payment plan"),
}


def outcome_label(code: str) -> str:
    return QCoreApplication.translate("CallOutcome", str(_OUTCOME_TEXT.get(code, code)))


def link(url: str, text: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(text)}</a>'


def contact_links(email: str | None, phone: str | None) -> str:
    """`mailto:` and `tel:` links as rich text, so a mail program or softphone opens on click."""
    parts = []
    if email:
        parts.append(link(f"mailto:{email}", email))
    if phone:
        parts.append(link(f"tel:{phone}", phone))
    return " · ".join(parts)


def open_url(url: str) -> bool:
    """Hand a mailto:/tel:/http: link to the desktop (mail program, phone app, browser)."""
    return bool(QDesktopServices.openUrl(QUrl(url)))


def make_link_label(label: QLabel) -> None:
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setOpenExternalLinks(False)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)


def money(value: Decimal, currency: str | None = None) -> str:
    text = format_amount(value)
    return f"{text} {currency}" if currency else text


def local_time(moment: dt.datetime) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M}"


def duration_text(seconds: int) -> str:
    minutes, secs = divmod(max(seconds, 0), 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def no_default_button(dialog: QWidget) -> None:
    """Enter in a field does that field's action only, instead of also pressing some default button."""
    for button in dialog.findChildren(QPushButton):
        button.setAutoDefault(False)
        button.setDefault(False)


def setup_table(table: QTableWidget, headers: Sequence[str], stretch: int | None = None) -> None:
    """A read-only, row-selecting table; `stretch` names the column that takes the spare width."""
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(stretch is None)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def wrap_rows(table: QTableWidget) -> None:
    """Rows as tall as their wrapped text, recomputed when the columns get wider or narrower."""
    table.setWordWrap(True)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)


def fill_table(table: QTableWidget, rows: Sequence[tuple[int, Sequence[str]]], *,
               right: frozenset[int] = frozenset(), red: frozenset[int] = frozenset()) -> None:
    """Replace the rows; each row is (id, cells), the id kept in the first cell under IdRole."""
    table.setRowCount(0)
    table.setRowCount(len(rows))
    for r, (row_id, cells) in enumerate(rows):
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(text if len(text) > 40 else "")
            if c == 0:
                item.setData(IdRole, row_id)
            if c in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if row_id in red:
                item.setForeground(QBrush(ERROR_RED))
            table.setItem(r, c, item)


def setup_timeline(table: QTableWidget) -> None:
    """The history tab: when, who, what (wrapped, as long as it needs)."""
    tr = QCoreApplication.translate
    setup_table(table, [tr("Timeline", "When"), tr("Timeline", "Who"), tr("Timeline", "What")], stretch=2)
    wrap_rows(table)


def fill_timeline(table: QTableWidget, events: Sequence[EventRow]) -> None:
    fill_table(table, [(e.id, (local_time(e.at), e.user, e.summary)) for e in events])


def selected_id(table: QTableWidget) -> int | None:
    row = table.currentRow()
    item = table.item(row, 0) if row >= 0 else None
    value = item.data(IdRole) if item is not None else None
    return int(value) if value is not None else None


def open_child(dialog: D) -> D:
    """Open a dialog over its parent (window-modal) that is deleted when it closes."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def read_or_show(app: AppContext, errors: InlineError, read: Callable[[Ctx], T]) -> T | None:
    """A snapshot read through a service, or None once the UserError saying why is shown."""
    try:
        return app.call(read)
    except UserError as exc:
        errors.show(exc)
        return None


def write_or_show(app: AppContext, errors: InlineError, write: Callable[[Ctx], object]) -> bool:
    """Run one service call: True if it was written (the error line is cleared), False if a UserError
    is shown instead; anything else is a bug and propagates."""
    try:
        app.call(write)
    except UserError as exc:
        errors.show(exc)
        return False
    errors.clear()
    return True


class InlineError:
    """A red label under a form: shows a UserError naming the field, and focuses that field."""

    def __init__(self, label: QLabel, fields: dict[str, tuple[QWidget, str]] | None = None) -> None:
        self.label = label
        self.fields = fields or {}
        label.setWordWrap(True)
        label.setStyleSheet("color: #b71c1c;")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.clear()

    def show(self, exc: UserError) -> None:
        widget, name = self.fields.get(exc.field or "", (None, exc.field or ""))
        self.label.setText(f"{name}: {exc.message}" if name else exc.message)
        self.label.setVisible(True)
        if widget is not None:
            widget.setFocus()

    def clear(self) -> None:
        self.label.setText("")
        self.label.setVisible(False)

    def text(self) -> str:
        return self.label.text()
