"""The reminder preview page: who gets what on which day in the next N days, computed without queuing anything."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QSpinBox, QTableView, QWidget
from shiboken6 import isValid
from sqlalchemy import select

from collector_app.db.models import Contractor, Invoice, PolicyStep
from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx
from collector_app.services.messages import Message, preview
from collector_app.services.policies import followed_policy_id
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


def message_for(ctx: Ctx, row: PlannedRow) -> Message:
    """The message a preview row stands for: its invoice and the template of its step in the effective policy."""
    invoice_id = ctx.session.scalar(select(Invoice.id).where(
        Invoice.number == row.invoice, Invoice.contractor_id == row.contractor_id).order_by(Invoice.id).limit(1))
    contractor = ctx.session.get(Contractor, row.contractor_id)
    if invoice_id is None or contractor is None:
        raise UserError("invoice", f"invoice {row.invoice} is no longer in the ledger")
    policy_id = followed_policy_id(ctx, contractor)
    template = ctx.session.scalar(select(PolicyStep.template).where(
        PolicyStep.policy_id == policy_id, PolicyStep.name == row.step, PolicyStep.channel == row.channel)
        .order_by(PolicyStep.position).limit(1))
    if template is None:
        raise UserError("step", f'the step "{row.step}" is no longer in the policy')
    return preview(ctx, invoice_id, template, row.channel)


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
            return
        self.busy = True
        self.refresh_button.setEnabled(False)
        self.summary.setText(self.tr("Computing the plan…"))
        days, app = self.days.value(), self.app
        self.runner.run(lambda: preview_plan(app, days), lambda rows: self._planned(rows, days), self._failed)

    def _planned(self, rows: object, days: int) -> None:
        assert isinstance(rows, list)
        if not isValid(self):  # the page was closed while the plan ran
            return
        self.busy = False
        self.shown_days = days
        self.refresh_button.setEnabled(True)
        self.model.set_rows(rows)
        counts = Counter[str]()
        for r in rows:
            counts["skipped" if r.state == "skipped" else "sent"] += r.covers if r.state == "skipped" else 1
        self.summary.setText(self.tr("{sent} messages would be sent, {skipped} steps skipped, up to {day}.").format(
            sent=counts["sent"], skipped=counts["skipped"], day=self.horizon(days)))
        self._update_buttons()

    def _failed(self, exc: Exception) -> None:
        if not isValid(self):
            return
        self.busy = False
        self.refresh_button.setEnabled(True)
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
            message = self.app.call(lambda ctx: message_for(ctx, row))
        except UserError as exc:
            QMessageBox.warning(self, self.tr("Preview message"), exc.message)
            return
        dialog = MessagePreviewDialog(message, self)
        dialog.open()
