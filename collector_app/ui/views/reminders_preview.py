"""The reminder preview page: who gets what on which day in the next N days, computed without queuing anything."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QSpinBox, QTableView, QWidget
from shiboken6 import isValid

from collector_app.domain.errors import UserError
from collector_app.services.plan_preview import message_count, planned_message
from collector_app.services.reminders import PlannedRow, plan
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.message_preview import MessagePreviewDialog
from collector_app.ui.forms import child, load_form
from collector_app.ui.models.reminder_plan import (
    COL_CHANNEL,
    COL_CONTRACTOR,
    COL_DAY,
    COL_INVOICE,
    COL_RECIPIENT,
    COL_STEP,
    ReminderPlanModel,
    RowRole,
)
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.page import RefreshingPage
from collector_app.ui.widgets.register import setup_register_table

DEFAULT_DAYS = 14
COLUMN_WIDTHS = {COL_DAY: 100, COL_CONTRACTOR: 220, COL_INVOICE: 140, COL_STEP: 200, COL_CHANNEL: 70,
                 COL_RECIPIENT: 220}


def preview_plan(app: AppContext, days: int) -> list[PlannedRow]:
    """A dry run in its own transaction (run on a worker thread): reads only, writes nothing."""
    return app.call(lambda ctx: plan(ctx, dry_run=True, days=days))


def counted(app: AppContext, rows: list[PlannedRow]) -> tuple[list[PlannedRow], int]:
    """The rows with the number of messages they make (a grouped policy's rows of a day are one), on the worker."""
    return rows, app.call(lambda ctx: message_count(ctx, rows))


class RemindersPreviewView(RefreshingPage):
    """Runs the dry-run plan off the GUI thread when shown or asked; the preview reads the ledger as it is now."""

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner
        self.form = load_form("reminders_preview", self)
        self.days = child(self.form, QSpinBox, "days")
        self.refresh_button = child(self.form, QPushButton, "refreshButton")
        self.preview_button = child(self.form, QPushButton, "previewButton")
        self.table = child(self.form, QTableView, "table")
        self.summary = child(self.form, QLabel, "summary")
        self.model = ReminderPlanModel()
        self.days.setValue(DEFAULT_DAYS)
        self.busy = False
        self.wanted = False  # asked to recompute while a computation ran: redone when it ends, if the days differ
        self.shown_days: int | None = None  # the horizon of the rows on screen
        setup_register_table(self.table, self.model, COLUMN_WIDTHS)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.preview_selected())
        self.refresh_button.clicked.connect(self.refresh)
        self.days.editingFinished.connect(self._days_edited)
        self.preview_button.clicked.connect(self.preview_selected)
        self._update_buttons()

    def _days_edited(self) -> None:
        if self.days.value() != self.shown_days:  # not on a mere loss of focus
            self.refresh()

    def refresh(self) -> None:
        if self.busy:
            self.wanted = True
            return
        self.busy = True
        self.refresh_button.setEnabled(False)
        self.summary.setText(self.tr("Computing the plan…"))
        days, app = self.days.value(), self.app
        self.runner.run(lambda: counted(app, preview_plan(app, days)), lambda found: self._planned(found, days),
                        lambda exc: self._failed(exc, days))

    def _planned(self, found: object, days: int) -> None:
        assert isinstance(found, tuple)
        rows, sent = found
        if not isValid(self):  # the page was closed while the plan ran
            return
        self.busy = False
        self.refresh_button.setEnabled(True)
        if self._again(days):
            return
        self.shown_days = days
        self.model.set_rows(rows)
        skipped = sum(r.covers for r in rows if r.state == "skipped")
        self.summary.setText(self.tr("{sent} messages would be sent, {skipped} steps skipped, up to {day}.").format(
            sent=sent, skipped=skipped, day=self.horizon(days)))
        self._update_buttons()

    def _again(self, days: int) -> bool:
        """A horizon typed while the plan was computed for `days`: compute again for it, not show the old one."""
        wanted, self.wanted = self.wanted, False
        if not wanted or self.days.value() == days:
            return False
        self.refresh()
        return True

    def _failed(self, exc: Exception, days: int) -> None:
        if not isValid(self):
            return
        self.busy = False
        self.refresh_button.setEnabled(True)
        if self._again(days):
            return
        self.model.set_rows([])
        text = exc.message if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        self.summary.setText(self.tr("The plan could not be computed: {error}").format(error=text))
        self._update_buttons()

    def horizon(self, days: int) -> str:
        return (self.app.clock.today() + dt.timedelta(days=days)).isoformat()

    def selected(self) -> PlannedRow | None:
        index = self.table.selectionModel().currentIndex()
        row = self.model.data(index, RowRole) if index.isValid() else None
        return row if isinstance(row, PlannedRow) else None

    def _update_buttons(self) -> None:
        self.preview_button.setEnabled(self.selected() is not None)

    def preview_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            shown = self.model.rows  # the message goes out with the rows of its group that day
            message = self.app.call(lambda ctx: planned_message(ctx, row, shown))
        except UserError as exc:
            QMessageBox.warning(self, self.tr("Preview message"), exc.message)
            return
        dialog = MessagePreviewDialog(message, self)
        dialog.open()
