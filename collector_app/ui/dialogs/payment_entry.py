"""Entering a payment by hand and allocating it across the contractor's open invoices."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from collector_app.domain.errors import UserError
from collector_app.domain.money import check_currency, format_amount, parse_amount
from collector_app.services.payments import (
    PaymentData,
    PaymentResult,
    Suggestion,
    add_payment,
    payment_currencies,
    suggest_allocation,
)
from collector_app.ui.context import AppContext
from collector_app.ui.forms import child, load_form
from collector_app.ui.views.invoices import pydate, qdate
from collector_app.ui.widgets.contractor_combo import (
    chosen_contractor,
    select_contractor,
    setup_contractor_combo,
    unpicked,
)
from collector_app.ui.widgets.detail import InlineError

COL_NUMBER, COL_DUE, COL_BALANCE, COL_ALLOCATE = range(4)
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
WARNING_STYLE = "color: #b71c1c;"


class PaymentEntryDialog(QDialog):
    """Suggests oldest-first amounts through the payments service; saving allocates exactly what is shown."""

    saved = Signal(object)  # PaymentResult

    def __init__(self, app: AppContext, contractor_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.result_: PaymentResult | None = None
        self.suggestions: list[Suggestion] = []
        self.hand_edited = False  # an amount typed into the table: a title typed after it does not undo it
        self.setWindowTitle(self.tr("Enter payment"))
        self.form = load_form("payment_entry", self)
        self.contractor = child(self.form, QComboBox, "contractor")
        self.date = child(self.form, QDateEdit, "date")
        self.amount = child(self.form, QLineEdit, "amount")
        self.currency = child(self.form, QComboBox, "currency")
        self.title = child(self.form, QLineEdit, "title")
        self.payer = child(self.form, QLineEdit, "payer")
        self.invoices = child(self.form, QTableWidget, "invoices")
        self.summary = child(self.form, QLabel, "summary")
        self.buttons = child(self.form, QDialogButtonBox, "buttons")
        self.error = InlineError(child(self.form, QLabel, "error"), {
            "contractor": (self.contractor, self.tr("Contractor")),
            "amount": (self.amount, self.tr("Amount")),
            "currency": (self.currency, self.tr("Currency")),
            "allocations": (self.invoices, self.tr("Allocations")),
            "invoice": (self.invoices, self.tr("Invoice")),
        })
        self._setup(contractor_id)
        self.resize(760, 580)

    # --- set-up ------------------------------------------------------------------------------
    def _setup(self, contractor_id: int | None) -> None:
        setup_contractor_combo(self.contractor, self.app, self.tr("— no contractor —"))
        select_contractor(self.contractor, contractor_id)
        self.contractor.setFocus()
        editor = self.contractor.lineEdit()
        if editor is not None:  # typing replaces the text: start with any part of the name
            editor.selectAll()
            editor.editingFinished.connect(self.update_summary)  # after the combo picked (or not) on Enter/Tab
        self.date.setDate(qdate(self.app.clock.today()))
        self.invoices.setColumnCount(4)
        self.invoices.setHorizontalHeaderLabels(
            [self.tr("Invoice"), self.tr("Due"), self.tr("Balance"), self.tr("Allocate")]
        )
        self.invoices.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.invoices.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed | QAbstractItemView.EditTrigger.SelectedClicked
        )
        header = self.invoices.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.invoices.verticalHeader().setDefaultSectionSize(24)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setDefault(True)
        self.contractor.currentIndexChanged.connect(lambda _i: self._contractor_changed())
        self.currency.currentTextChanged.connect(lambda _t: self.suggest())
        self.amount.textChanged.connect(lambda _t: self.suggest())
        self.title.textChanged.connect(lambda _t: None if self.hand_edited else self.suggest())
        self.invoices.itemChanged.connect(self._allocation_edited)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self._contractor_changed()

    def _contractor_changed(self) -> None:
        """Offer the currencies of this contractor's open invoices (then the firm's) and re-suggest."""
        cid = chosen_contractor(self.contractor)
        currencies = self.app.call(lambda ctx: payment_currencies(ctx, cid))
        current = self.currency.currentText().strip().upper()
        self.currency.blockSignals(True)
        self.currency.clear()
        self.currency.addItems(currencies)
        self.currency.setCurrentText(current if current in currencies and cid is None else currencies[0])
        self.currency.blockSignals(False)
        self.suggest()

    # --- suggestions -------------------------------------------------------------------------
    def typed_amount(self) -> Decimal | None:
        try:
            return parse_amount(self.amount.text(), check_currency(self.currency.currentText()), "amount")
        except UserError:
            return None

    def suggest(self) -> None:
        """Ask the service how the amount would be allocated (the invoices the title names, the one of exactly
        that amount, else oldest first) and show it, replacing edits."""
        cid = chosen_contractor(self.contractor)
        self.suggestions = []
        self.hand_edited = False
        if cid is not None:
            amount = self.typed_amount() or Decimal(0)
            title = self.title.text().strip() or None
            try:
                currency = check_currency(self.currency.currentText())
                self.suggestions = self.app.call(lambda ctx: suggest_allocation(ctx, cid, currency, amount, title))
            except UserError as exc:
                self.error.show(exc)
        self._fill_table()
        self.update_summary()

    def _fill_table(self) -> None:
        self.invoices.blockSignals(True)
        self.invoices.setRowCount(len(self.suggestions))
        for r, s in enumerate(self.suggestions):
            cells = (s.number, s.due_date.isoformat(), format_amount(s.balance), self._amount_text(s.amount))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c != COL_ALLOCATE:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if c in (COL_BALANCE, COL_ALLOCATE):
                    item.setTextAlignment(RIGHT)
                self.invoices.setItem(r, c, item)
        self.invoices.blockSignals(False)
        if self.suggestions:
            self.invoices.setCurrentCell(0, COL_ALLOCATE)

    def _allocation_edited(self, item: QTableWidgetItem) -> None:
        """Show a typed amount the way amounts are shown ("120" → "120.00"); wrong text is left to see."""
        self.hand_edited = True
        try:
            value = parse_amount(item.text(), check_currency(self.currency.currentText()), "allocations")
        except UserError:
            value = None
        if value is not None:
            self.invoices.blockSignals(True)
            item.setText(self._amount_text(value))
            self.invoices.blockSignals(False)
        self.update_summary()

    @staticmethod
    def _amount_text(value: Decimal) -> str:
        return format_amount(value) if value else ""

    def allocations(self) -> tuple[tuple[str, Decimal], ...]:
        """The amounts in the Allocate column; empty cells and zeros are left out."""
        currency = check_currency(self.currency.currentText())
        pairs = []
        for r, s in enumerate(self.suggestions):
            item = self.invoices.item(r, COL_ALLOCATE)
            text = item.text().strip() if item is not None else ""
            if not text:
                continue
            value = parse_amount(text, currency, "allocations")
            if value:
                pairs.append((s.number, value))
        return tuple(pairs)

    def update_summary(self) -> None:
        self.error.clear()
        if chosen_contractor(self.contractor) is None:
            typed = unpicked(self.contractor)
            if typed is not None:  # typed text that names no one contractor: say so, not "none chosen"
                self._say(typed, warning=True)
                return
            self._say(self.tr("No contractor chosen: the payment goes to the invoices named in its title; "
                              "the rest stays unallocated."))
            return
        if not self.suggestions:
            self._say(self.tr("This contractor has no open invoices in {0}: the payment stays unallocated credit.")
                      .format(self.currency.currentText()))
            return
        try:
            allocated = sum((a for _, a in self.allocations()), Decimal(0))
        except UserError as exc:
            self._say(exc.message, warning=True)
            return
        amount = self.typed_amount()
        currency = self.currency.currentText()
        if amount is None:
            self._say(self.tr("Allocated {0} {1}; type the amount received.")
                      .format(format_amount(allocated), currency))
        elif allocated > amount:
            self._say(self.tr("The amounts exceed the payment by {0} {1}.")
                      .format(format_amount(allocated - amount), currency), warning=True)
        else:
            self._say(self.tr("Allocated {0} of {1} {2} · stays unallocated: {3} {2}").format(
                format_amount(allocated), format_amount(amount), currency, format_amount(amount - allocated)))

    def _say(self, text: str, warning: bool = False) -> None:
        self.summary.setText(text)
        self.summary.setStyleSheet(WARNING_STYLE if warning else "")

    # --- saving ------------------------------------------------------------------------------
    def payment_data(self) -> PaymentData:
        """What the person typed, read strictly: a wrong field raises a UserError naming it."""
        typed = unpicked(self.contractor)
        if typed is not None:  # a payment is never saved to "no contractor" by a name that was not picked
            raise UserError("contractor", typed)
        cid = chosen_contractor(self.contractor)
        currency = check_currency(self.currency.currentText())
        return PaymentData(
            date=pydate(self.date.date()),
            amount=parse_amount(self.amount.text(), currency, "amount"),
            currency=currency,
            contractor_id=cid,
            title=self.title.text().strip() or None,
            payer_name=self.payer.text().strip() or None,
            allocations=self.allocations() if cid is not None else None,
        )

    def save(self) -> None:
        self.error.clear()
        try:
            data = self.payment_data()
            self.result_ = self.app.call(lambda ctx: add_payment(ctx, data))
        except UserError as exc:
            self.error.show(exc)
            return
        self.saved.emit(self.result_)
        self.accept()
