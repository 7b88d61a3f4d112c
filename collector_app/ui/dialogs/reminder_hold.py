"""Stopping or letting go on an invoice's (or a contractor's) reminders by hand: one small dialog asks for the
day and the reason, and writes through services.reminder_holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QWidget,
)

from collector_app.services.context import Ctx
from collector_app.services.reminder_holds import MAX_REASON
from collector_app.ui.context import AppContext
from collector_app.ui.forms import child, load_form
from collector_app.ui.widgets.detail import InlineError, write_or_show

PAUSE_DAYS_DEFAULT = 14
DIALOG_WIDTH = 520
UNTIL_ROW = 0  # the row of the "Until" field in forms/reminder_hold.ui


@dataclass(frozen=True)
class HoldChange:
    """One change the dialog asks for: its words, whether it needs a day, and the service call
    (`apply(ctx, until, reason)`; `until` means something only when `asks_until`)."""

    title: str
    explanation: str
    ok_text: str
    apply: Callable[[Ctx, dt.date, str], object]
    reason_required: bool
    reason_hint: str = ""
    asks_until: bool = False


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class ReminderHoldDialog(QDialog):
    """OK writes the change (a UserError stays on screen, the dialog open); Cancel changes nothing."""

    saved = Signal()  # the change is in the ledger

    def __init__(self, app: AppContext, change: HoldChange, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.change = change
        self.setWindowTitle(change.title)
        self.form = load_form("reminder_hold", self)
        self._find_widgets()
        self._fill()
        self.until_date.dateChanged.connect(lambda _d: self._show_until_hint())
        self.button_box.accepted.connect(self.save)
        self.button_box.rejected.connect(self.reject)
        layout = self.layout()
        if layout is not None:  # the window grows when an error line appears, instead of squeezing the form
            layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.resize(DIALOG_WIDTH, self._height_for(DIALOG_WIDTH))

    def _height_for(self, width: int) -> int:
        """As tall as the wrapped texts need at `width` (a window's size hint assumes them unwrapped)."""
        return max(self.heightForWidth(width), self.minimumSizeHint().height())

    def _find_widgets(self) -> None:
        f = self.form
        self.explain_label = child(f, QLabel, "explainLabel")
        self.until_date = child(f, QDateEdit, "untilDate")
        self.until_hint = child(f, QLabel, "untilHint")
        self.reason_label = child(f, QLabel, "reasonLabel")
        self.reason_edit = child(f, QLineEdit, "reasonEdit")
        self.button_box = child(f, QDialogButtonBox, "buttonBox")
        self.errors = InlineError(child(f, QLabel, "errorLabel"), {
            "until": (self.until_date, self.tr("Until")),
            "reason": (self.reason_edit, self.tr("Reason")),
        })

    def _fill(self) -> None:
        c = self.change
        self.explain_label.setText(c.explanation)
        today = self.app.clock.today()
        self.until_date.setMinimumDate(qdate(today))
        self.until_date.setDate(qdate(today + dt.timedelta(days=PAUSE_DAYS_DEFAULT)))
        fields = self.form.findChild(QFormLayout, "fields")
        if fields is None:
            raise LookupError("form has no QFormLayout named 'fields'")
        fields.setRowVisible(UNTIL_ROW, c.asks_until)  # a pause asks for its last day; the rest do not
        self._show_until_hint()
        self.reason_label.setText(self.tr("&Reason:") if c.reason_required else self.tr("&Reason (optional):"))
        self.reason_edit.setMaxLength(MAX_REASON)
        self.reason_edit.setPlaceholderText(c.reason_hint)
        ok = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(c.ok_text)
        ok.setDefault(True)
        self.reason_edit.setFocus()

    def _show_until_hint(self) -> None:
        left = (self.until_day() - self.app.clock.today()).days
        words = {0: self.tr("the last day: today"), 1: self.tr("the last day: tomorrow")}
        self.until_hint.setText(words.get(left) or self.tr("the last day: in {n} days").format(n=left))

    def until_day(self) -> dt.date:
        q = self.until_date.date()
        return dt.date(q.year(), q.month(), q.day())

    def save(self) -> bool:
        until, reason = self.until_day(), self.reason_edit.text()
        if not write_or_show(self.app, self.errors, lambda ctx: self.change.apply(ctx, until, reason)):
            self.resize(self.width(), max(self.height(), self._height_for(self.width())))  # room for the error
            return False
        self.saved.emit()
        self.accept()
        return True
