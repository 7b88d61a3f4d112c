"""The calls page: every logged phone call, newest first, with promises to pay."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QTableView,
    QWidget,
)

from collector_app.db.models import CALL_OUTCOMES
from collector_app.services.calls_view import CallQuery
from collector_app.ui.context import AppContext
from collector_app.ui.forms import child, load_form
from collector_app.ui.models.call_table import (
    COL_CONTRACTOR,
    COL_DATE,
    COL_DURATION,
    COL_INVOICE,
    COL_OUTCOME,
    COL_PROMISE_AMOUNT,
    COL_PROMISE_DATE,
    CallTableModel,
)
from collector_app.ui.widgets.contractor_combo import chosen_contractor, setup_contractor_combo
from collector_app.ui.widgets.detail import outcome_label
from collector_app.ui.widgets.page import ContractorFilteredPage
from collector_app.ui.widgets.register import setup_register_table
from collector_app.ui.widgets.row_open import on_record_open

COLUMN_WIDTHS = {
    COL_DATE: 125, COL_CONTRACTOR: 220, COL_INVOICE: 130, COL_OUTCOME: 165, COL_DURATION: 70,
    COL_PROMISE_DATE: 95, COL_PROMISE_AMOUNT: 120,
}  # the notes take what is left


class CallRegisterView(ContractorFilteredPage):
    """A paged register; filters replace the SQL query."""

    open_invoice = Signal(int)

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.form = load_form("calls", self)
        self.table = child(self.form, QTableView, "table")
        self.contractor = child(self.form, QComboBox, "contractor")
        self.outcome = child(self.form, QComboBox, "outcome")
        self.promises_only = child(self.form, QCheckBox, "promisesOnly")
        self.summary = child(self.form, QLabel, "summary")
        self.model = CallTableModel(app)
        self.loaded = False  # the rows are read when the page is first shown
        self._setup()

    def _setup(self) -> None:
        setup_register_table(self.table, self.model, COLUMN_WIDTHS)
        on_record_open(self.table, self.model, lambda r: r.invoice_id, self.open_invoice.emit)
        setup_contractor_combo(self.contractor, self.app, self.tr("All contractors"), load=False)
        self.outcome.addItem(self.tr("Any outcome"), None)
        for code in CALL_OUTCOMES:
            self.outcome.addItem(outcome_label(code), code)
        self.contractor.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.outcome.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.promises_only.toggled.connect(lambda _on: self.apply_filter())
        self.model.modelReset.connect(self._update_summary)
        self.model.rowsInserted.connect(lambda *_a: self._update_summary())

    def apply_filter(self) -> None:
        self.model.set_query(CallQuery(
            contractor_id=chosen_contractor(self.contractor),
            outcome=self.outcome.currentData(),
            promises_only=self.promises_only.isChecked(),
        ))

    def refresh(self) -> None:
        self.load_contractors_once()
        self.apply_filter()

    def _update_summary(self) -> None:
        shown = len(self.model.rows)
        more = self.tr(" (scroll for more)") if self.model.canFetchMore() else ""
        self.summary.setText(self.tr("{0} calls{1}").format(shown, more))
