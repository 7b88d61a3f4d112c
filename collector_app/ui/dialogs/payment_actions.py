"""The two small dialogs of the payments register: allocate free money by hand, reverse a payment."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QWidget

from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount, parse_amount
from collector_app.services.context import Changes
from collector_app.services.payments import PaymentRow, allocate, reverse_payment, suggest_allocation
from collector_app.ui.context import AppContext
from collector_app.ui.forms import child, load_form
from collector_app.ui.widgets.detail import InlineError


def describe(row: PaymentRow) -> str:
    who = row.contractor or row.payer or "?"
    return f"{row.date.isoformat()}, {format_amount(row.amount)} {row.currency}, {who}"


class AllocatePaymentDialog(QDialog):
    """Picks one invoice (the contractor's open ones are listed) and an amount, then calls allocate()."""

    written = Signal(object)  # Changes

    def __init__(self, app: AppContext, row: PaymentRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.row = row
        self.setWindowTitle(self.tr("Allocate payment"))
        self.form = load_form("allocate_payment", self)
        self.invoice = child(self.form, QComboBox, "invoice")
        self.amount = child(self.form, QLineEdit, "amount")
        self.buttons = child(self.form, QDialogButtonBox, "buttons")
        self.error = InlineError(child(self.form, QLabel, "error"), {
            "invoice": (self.invoice, self.tr("Invoice")),
            "amount": (self.amount, self.tr("Amount")),
            "currency": (self.invoice, self.tr("Currency")),
        })
        child(self.form, QLabel, "payment").setText(
            self.tr("Payment of {0}: {1} {2} not yet allocated.").format(
                describe(row), format_amount(row.unallocated), row.currency)
        )
        self._fill_invoices()
        self.invoice.currentIndexChanged.connect(lambda _i: self._prefill_amount())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Allocate"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self._prefill_amount()
        self.setMinimumWidth(520)

    def _fill_invoices(self) -> None:
        cid = self.row.contractor_id
        suggestions = (
            self.app.call(lambda ctx: suggest_allocation(ctx, cid, self.row.currency, Decimal(0)))
            if cid is not None else []
        )
        for s in suggestions:
            label = self.tr("{0} · due {1} · balance {2}").format(s.number, s.due_date.isoformat(),
                                                                  format_amount(s.balance))
            self.invoice.addItem(label, (s.number, min(s.balance, self.row.unallocated)))
        editor = self.invoice.lineEdit()
        if editor is not None:
            editor.setPlaceholderText(self.tr("invoice number"))
        if not suggestions:
            self.invoice.setCurrentIndex(-1)

    def _prefill_amount(self) -> None:
        data = self.invoice.currentData()
        self.amount.setText(format_amount(data[1]) if data else format_amount(self.row.unallocated))

    def chosen_number(self) -> str:
        index = self.invoice.currentIndex()
        text = self.invoice.currentText().strip()
        if index >= 0 and text == self.invoice.itemText(index):
            return str(self.invoice.itemData(index)[0])
        return text

    def save(self) -> None:
        self.error.clear()
        number = self.chosen_number()
        try:
            if not number:
                raise UserError("invoice", self.tr("choose an invoice or type its number"))
            text = self.amount.text().strip()
            amount = parse_amount(text, self.row.currency, "amount") if text else None
            result = self.app.call(lambda ctx: allocate(ctx, self.row.id, number, amount))
        except UserError as exc:
            self.error.show(exc)
            return
        self.written.emit(result.changes)
        self.accept()


class ReversePaymentDialog(QDialog):
    """Asks for confirmation and a reason, then calls reverse_payment()."""

    written = Signal(object)  # Changes

    def __init__(self, app: AppContext, row: PaymentRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.row = row
        self.setWindowTitle(self.tr("Reverse payment"))
        self.form = load_form("reverse_payment", self)
        self.reason = child(self.form, QLineEdit, "reason")
        self.buttons = child(self.form, QDialogButtonBox, "buttons")
        self.error = InlineError(child(self.form, QLabel, "error"))
        undone = (
            self.tr("{0} {1} allocated to invoices is taken back from them.").format(
                format_amount(row.allocated), row.currency)
            if row.allocated else self.tr("Nothing of it is allocated to invoices.")
        )
        self.question = child(self.form, QLabel, "question")
        self.question.setText(
            self.tr("Reverse the payment of {0}?").format(describe(row)) + " " + undone + " "
            + self.tr("The payment stays in the register, marked reversed.")
        )
        self.reverse_button: QPushButton = self.buttons.addButton(
            self.tr("Reverse payment"), QDialogButtonBox.ButtonRole.DestructiveRole)
        self.reverse_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(520)

    def save(self) -> None:
        self.error.clear()
        reason = self.reason.text().strip() or None
        try:
            changes: Changes = self.app.call(lambda ctx: reverse_payment(ctx, self.row.id, reason))
        except UserError as exc:
            self.error.show(exc)
            return
        self.written.emit(changes)
        self.accept()
