"""The payments register page: money received, what is still unallocated, and the hand corrections."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QItemSelection, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from collector_app.domain.money import format_amount
from collector_app.services.context import Changes
from collector_app.services.payments import PaymentResult, PaymentRow, unallocated_totals
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.payment_actions import AllocatePaymentDialog, ReversePaymentDialog
from collector_app.ui.dialogs.payment_entry import PaymentEntryDialog
from collector_app.ui.forms import child, load_form
from collector_app.ui.models.payment_table import (
    COL_ALLOCATED,
    COL_AMOUNT,
    COL_CONTRACTOR,
    COL_CURRENCY,
    COL_DATE,
    COL_PAYER,
    COL_TITLE,
    COL_UNALLOCATED,
    PaymentTableModel,
)
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.contractor_combo import chosen_contractor, setup_contractor_combo
from collector_app.ui.widgets.page import ContractorFilteredPage
from collector_app.ui.widgets.register import setup_register_table

COLUMN_WIDTHS = {
    COL_DATE: 95, COL_CONTRACTOR: 240, COL_PAYER: 180, COL_AMOUNT: 105, COL_CURRENCY: 50,
    COL_ALLOCATED: 105, COL_UNALLOCATED: 105,
}  # the title takes what is left


class PaymentRegisterView(ContractorFilteredPage):
    """Newest payment first; entering, allocating and reversing go through the payments service."""

    changed = Signal(object)  # Changes: invoices' paid amounts moved

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner
        self._credit_generation = 0
        self.form = load_form("payment_register", self)
        self.table = child(self.form, QTableView, "table")
        self.unallocated_only = child(self.form, QCheckBox, "unallocatedOnly")
        self.contractor = child(self.form, QComboBox, "contractor")
        self.enter_button = child(self.form, QPushButton, "enterButton")
        self.allocate_button = child(self.form, QPushButton, "allocateButton")
        self.reverse_button = child(self.form, QPushButton, "reverseButton")
        self.credit_label = child(self.form, QLabel, "creditLabel")
        self.model = PaymentTableModel(app)
        self.loaded = False  # the rows are read when the page is first shown
        self._setup()

    def _setup(self) -> None:
        setup_register_table(self.table, self.model, COLUMN_WIDTHS, stretch=COL_TITLE)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.open_allocate_dialog())
        setup_contractor_combo(self.contractor, self.app, self.tr("All contractors"), load=False)
        self.contractor.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.unallocated_only.toggled.connect(lambda _on: self.apply_filter())
        self.enter_button.clicked.connect(self.open_entry_dialog)
        self.allocate_button.clicked.connect(self.open_allocate_dialog)
        self.reverse_button.clicked.connect(self.open_reverse_dialog)

    # --- the rows ----------------------------------------------------------------------------
    def apply_filter(self) -> None:
        self.model.set_filter(unallocated_only=self.unallocated_only.isChecked(),
                              contractor_id=chosen_contractor(self.contractor))
        self._selection_changed()
        self.update_credit()

    def refresh(self, keep_id: int | None = None) -> None:
        self.load_contractors_once()
        keep = keep_id if keep_id is not None else (row.id if (row := self.selected()) else None)
        self.model.set_filter(unallocated_only=self.unallocated_only.isChecked(),
                              contractor_id=chosen_contractor(self.contractor))
        for i, r in enumerate(self.model.rows):
            if r.id == keep:
                self.table.selectRow(i)
                break
        self._selection_changed()
        self.update_credit()

    def selected(self) -> PaymentRow | None:
        return self.model.row_at(self.table.currentIndex().row()) if self.table.currentIndex().isValid() else None

    def _selection_changed(self, *_args: QItemSelection) -> None:
        row = self.selected()
        self.allocate_button.setEnabled(row is not None and row.unallocated > 0)
        self.reverse_button.setEnabled(row is not None and not row.reversed)

    # --- unallocated credit, summed off the GUI thread ---------------------------------------
    def update_credit(self) -> None:
        self._credit_generation += 1
        generation = self._credit_generation
        cid = chosen_contractor(self.contractor)

        def work() -> dict[str, Decimal]:
            return self.app.call(lambda ctx: unallocated_totals(ctx, cid))

        def done(totals: object) -> None:
            if generation == self._credit_generation and isinstance(totals, dict):
                self.credit_label.setText(self.credit_text(totals))

        def failed(exc: Exception) -> None:
            if generation == self._credit_generation:
                self.credit_label.setText(self.tr("Unallocated credit could not be summed: {0}").format(exc))

        self.runner.run(work, done, failed)

    def credit_text(self, totals: dict[str, Decimal]) -> str:
        if not totals:
            return self.tr("No unallocated credit.")
        parts = " · ".join(f"{format_amount(amount)} {cur}" for cur, amount in totals.items())
        return self.tr("Unallocated credit: {0}").format(parts)

    # --- actions -----------------------------------------------------------------------------
    def open_entry_dialog(self) -> PaymentEntryDialog:
        dialog = PaymentEntryDialog(self.app, chosen_contractor(self.contractor), self)
        dialog.saved.connect(self._payment_saved)
        self.show_dialog(dialog)
        return dialog

    def _payment_saved(self, result: PaymentResult) -> None:
        self.refresh(result.payment.id)
        self.changed.emit(result.changes)

    def open_allocate_dialog(self) -> AllocatePaymentDialog | None:
        row = self.selected()
        if row is None or row.unallocated <= 0:
            return None
        dialog = AllocatePaymentDialog(self.app, row, self)
        dialog.written.connect(lambda changes: self._written(changes, row.id))
        self.show_dialog(dialog)
        return dialog

    def open_reverse_dialog(self) -> ReversePaymentDialog | None:
        row = self.selected()
        if row is None or row.reversed:
            return None
        dialog = ReversePaymentDialog(self.app, row, self)
        dialog.written.connect(lambda changes: self._written(changes, row.id))
        self.show_dialog(dialog)
        return dialog

    def _written(self, changes: Changes, payment_id: int) -> None:
        self.refresh(payment_id)
        self.changed.emit(changes)
