"""The outbox page: every planned, sent and failed reminder; resend, mark sent, cancel, read the message."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QPushButton, QTableView, QWidget

from collector_app.db.models import Outbox
from collector_app.domain.errors import UserError
from collector_app.services import outbox
from collector_app.services.context import Ctx
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.outbox_message import OutboxMessageDialog
from collector_app.ui.forms import child, load_form
from collector_app.ui.models.outbox_table import (
    COL_ATTEMPTS,
    COL_CHANNEL,
    COL_CONTRACTOR,
    COL_INVOICE,
    COL_NOTE,
    COL_PLANNED,
    COL_RECIPIENT,
    COL_SENT,
    COL_STATE,
    COL_STEP,
    OutboxTableModel,
    Row,
    note_text,
)
from collector_app.ui.widgets.page import RefreshingPage
from collector_app.ui.widgets.register import setup_register_table
from collector_app.ui.widgets.row_open import on_row_open

STATES = ("planned", "sending", "sent", "failed", "cancelled", "uncertain", "skipped")
COLUMN_WIDTHS = {COL_PLANNED: 85, COL_STATE: 75, COL_CHANNEL: 55, COL_RECIPIENT: 170, COL_CONTRACTOR: 170,
                 COL_INVOICE: 125, COL_STEP: 140, COL_ATTEMPTS: 55, COL_SENT: 110}  # the note takes the rest
RESENDABLE = ("uncertain", "failed", "cancelled")  # what services.outbox accepts for each action
MARKABLE = ("uncertain",)  # a failed row was refused or never reached the server (README: mark-sent)
CANCELLABLE = ("planned", "failed", "uncertain")


class OutboxView(RefreshingPage):
    """Reads the outbox when shown, after each background run, and after the person's own decisions."""

    changed = Signal()  # a row was resent, marked sent or cancelled

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.form = load_form("outbox", self)
        self.table = child(self.form, QTableView, "table")
        self.state_filter = child(self.form, QComboBox, "stateFilter")
        self.open_button = child(self.form, QPushButton, "openButton")
        self.resend_button = child(self.form, QPushButton, "resendButton")
        self.mark_sent_button = child(self.form, QPushButton, "markSentButton")
        self.cancel_button = child(self.form, QPushButton, "cancelButton")
        self.summary = child(self.form, QLabel, "summary")
        self.note_line = child(self.form, QLabel, "noteLine")  # the selected row's note, whole
        self.model = OutboxTableModel(app)
        self.dialog: OutboxMessageDialog | None = None
        self._setup()

    def _setup(self) -> None:
        setup_register_table(self.table, self.model, COLUMN_WIDTHS, stretch=COL_NOTE)
        self.state_filter.addItem(self.tr("all"), None)
        for state in STATES:
            self.state_filter.addItem(self.tr(state), state)
        self.state_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        on_row_open(self.table, lambda _index: self.open_message())
        self.open_button.clicked.connect(self.open_message)
        self.resend_button.clicked.connect(lambda: self._decide(outbox.resend))
        self.mark_sent_button.clicked.connect(lambda: self._decide(outbox.mark_sent))
        self.cancel_button.clicked.connect(self.cancel)
        self._update_buttons()

    def refresh(self) -> None:
        keep = self.selected()
        self.model.set_state(self.state_filter.currentData())
        if keep is not None:
            self.select_id(keep["id"])
        self._update_buttons()
        shown = len(self.model.rows)
        more = "+" if not self.model.exhausted else ""
        self.summary.setText(self.model.error or self.tr("{0}{1} messages").format(shown, more))

    def select_id(self, outbox_id: int) -> bool:
        for i, r in enumerate(self.model.rows):
            if r["id"] == outbox_id:
                self.table.selectRow(i)
                return True
        return False

    def selected(self) -> Row | None:
        index: QModelIndex = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        row = self.selected()
        state = row["state"] if row is not None else None
        self.open_button.setEnabled(row is not None)
        self.resend_button.setEnabled(state in RESENDABLE)
        self.mark_sent_button.setEnabled(state in MARKABLE)
        self.cancel_button.setEnabled(state in CANCELLABLE)
        note = note_text(row) if row is not None else None
        self.note_line.setText(self.tr("{state} — {note}").format(state=state, note=note) if note else "")
        self.note_line.setVisible(bool(note))

    # --- the person's decisions ------------------------------------------------------------
    def cancel(self) -> None:
        row = self.selected()
        if row is None or row["state"] not in CANCELLABLE:
            return
        answer = QMessageBox.question(
            self, self.tr("Cancel the message"),
            self.tr("Do not send the {step} for {invoice} to {contractor}?").format(
                step=row["step"], invoice=row["invoice"], contractor=row["contractor"]))
        if answer == QMessageBox.StandardButton.Yes:
            self._decide(outbox.cancel)

    def _decide(self, action: Callable[[Ctx, int], Outbox]) -> None:
        row = self.selected()
        if row is None:
            return
        outbox_id: int = row["id"]
        try:
            self.app.call(lambda ctx: action(ctx, outbox_id))
        except UserError as exc:
            QMessageBox.warning(self, self.tr("Outbox"), exc.message)
        self.refresh()
        self.select_id(outbox_id)
        self._update_buttons()
        self.changed.emit()

    def open_message(self) -> None:
        row = self.selected()
        if row is None:
            return
        outbox_id: int = row["id"]
        try:
            message = self.app.call(lambda ctx: outbox.stored_message(ctx, outbox_id))
        except UserError as exc:
            QMessageBox.warning(self, self.tr("Outbox"), exc.message)
            return
        self.dialog = OutboxMessageDialog(outbox_id, message, self, note=row["note"])
        self.dialog.show()
