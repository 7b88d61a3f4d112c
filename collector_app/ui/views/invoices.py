"""The invoice register page: six filters, search as you type, red overdue rows, export."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QToolButton,
    QWidget,
)

from collector_app.db.queries import CurrencyTotals, RegisterQuery, register_totals
from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount
from collector_app.domain.status import Filter
from collector_app.services.contractor_view import contractor_names
from collector_app.services.exports import export_register
from collector_app.services.firm import get_firm
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.demand_make import counted
from collector_app.ui.forms import child, load_form
from collector_app.ui.models.contractor_list import ContractorListModel
from collector_app.ui.models.invoice_table import (
    COL_BALANCE,
    COL_CONTRACTOR,
    COL_CURRENCY,
    COL_DAYS,
    COL_DUE,
    COL_GROSS,
    COL_ISSUED,
    COL_NUMBER,
    COL_PAID,
    COL_REMINDERS,
    COL_STATUS,
    SORTABLE_COLUMNS,
    InvoiceTableModel,
)
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.contractor_combo import set_contractors
from collector_app.ui.widgets.register import SEARCH_DEBOUNCE_MS as SEARCH_DEBOUNCE_MS  # tests wait on it
from collector_app.ui.widgets.register import debounced_search, search_text, setup_register_table
from collector_app.ui.widgets.row_open import on_record_open
from collector_app.ui.widgets.status_bar import SEPARATOR

# Sized so that every column, "Reminders" and "Demands" included, fits a 1280-pixel-wide window.
COLUMN_WIDTHS = {
    COL_NUMBER: 122, COL_CONTRACTOR: 156, COL_ISSUED: 84, COL_DUE: 84, COL_GROSS: 84, COL_PAID: 80,
    COL_BALANCE: 84, COL_CURRENCY: 40, COL_STATUS: 74, COL_DAYS: 92, COL_REMINDERS: 72,
}
FILTER_BUTTONS = (
    (Filter.ALL, "filterAll"),
    (Filter.UNSETTLED, "filterUnsettled"),
    (Filter.UNSETTLED_CURRENT, "filterCurrent"),
    (Filter.OVERDUE, "filterOverdue"),
    (Filter.SETTLED, "filterSettled"),
    (Filter.OVERPAID, "filterOverpaid"),
)


class InvoiceRegisterView(QWidget):
    """Shows one filter of the register at a time; the model pages the rows in from SQL."""

    open_invoice = Signal(int)
    totals_changed = Signal(str)

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner
        self._totals_generation = 0
        self.form = load_form("invoice_register", self)
        self.table = child(self.form, QTableView, "table")
        self.search = child(self.form, QLineEdit, "search")
        self.contractor = child(self.form, QComboBox, "contractor")
        self.due_range = child(self.form, QCheckBox, "dueRange")
        self.due_from = child(self.form, QDateEdit, "dueFrom")
        self.due_to = child(self.form, QDateEdit, "dueTo")
        self.export_button = child(self.form, QPushButton, "exportButton")
        self.model = InvoiceTableModel(app)
        self.model.on_reset = self.update_totals
        self._setup_table()
        self._setup_filters()
        self._setup_search()
        self._setup_contractors()
        self.reload_contractors()
        self.model.set_query(RegisterQuery(sort="due_date"))

    # --- set-up ------------------------------------------------------------------------------
    def _setup_table(self) -> None:
        header = setup_register_table(self.table, self.model, COLUMN_WIDTHS)
        header.blockSignals(True)  # only show the order: the first query runs once, at the end of __init__
        header.setSortIndicator(COL_DUE, Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)
        header.sortIndicatorChanged.connect(self._keep_sort_indicator)
        on_record_open(self.table, self.model, lambda r: r.id, self.open_invoice.emit)

    def _keep_sort_indicator(self, column: int, _order: Qt.SortOrder) -> None:
        """Counts are not sorted by: the arrow goes back to the order the rows are in."""
        if column not in SORTABLE_COLUMNS:
            self.table.horizontalHeader().setSortIndicator(*self.model.sort_indicator())

    def _setup_filters(self) -> None:
        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        self.filter_buttons: dict[Filter, QToolButton] = {}
        for i, (flt, name) in enumerate(FILTER_BUTTONS):
            button = child(self.form, QToolButton, name)
            self.filter_group.addButton(button, i)
            self.filter_buttons[flt] = button
        self.filter_buttons[Filter.ALL].setChecked(True)
        self.filter_group.idClicked.connect(lambda i: self.set_filter(FILTER_BUTTONS[i][0]))

    def _setup_search(self) -> None:
        self.debounce = debounced_search(self.search, self.apply_search, self)
        self.search.returnPressed.connect(self.apply_search)
        self.contractor.currentIndexChanged.connect(lambda _i: self._apply_ranges())
        today = self.app.clock.today()
        self.due_from.setDate(QDate(today.year, today.month, 1))
        self.due_to.setDate(QDate(today.year, today.month, today.day))
        self.due_range.toggled.connect(self._range_toggled)
        self.due_from.dateChanged.connect(lambda _d: self._apply_ranges())
        self.due_to.dateChanged.connect(lambda _d: self._apply_ranges())
        self.export_button.clicked.connect(self.export_dialog)

    def _setup_contractors(self) -> None:
        """A list model, not addItem per name, and no measuring of every name for the combo's width."""
        self._contractors_generation = 0
        self.contractor_model = ContractorListModel(self.tr("All contractors"))
        self.contractor.setModel(self.contractor_model)
        self.contractor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.contractor.setMinimumContentsLength(30)

    def reload_contractors(self) -> None:
        """Names are read off the GUI thread: the register is painted before 20,000 of them arrive."""
        self._contractors_generation += 1
        generation, app = self._contractors_generation, self.app

        def work() -> list[tuple[int, str]]:
            return app.call(contractor_names)

        def done(rows: object) -> None:
            if generation == self._contractors_generation:
                self._set_contractors(rows)  # type: ignore[arg-type]

        self.runner.run(work, done)

    def _set_contractors(self, rows: list[tuple[int, str]]) -> None:
        if not set_contractors(self.contractor, rows, self.contractor.currentData()):
            self._apply_ranges()  # the chosen contractor is gone: show all again

    # --- actions -----------------------------------------------------------------------------
    @property
    def current_filter(self) -> Filter:
        return self.model.query.filter

    def set_filter(self, flt: Filter) -> None:
        self.filter_buttons[flt].setChecked(True)
        self.model.set_query(self.model.query.with_filter(flt))

    def apply_search(self) -> None:
        self.debounce.stop()
        text = search_text(self.search)
        if text != self.model.query.search:
            self.model.set_query(replace(self.model.query, search=text))

    def _range_toggled(self, on: bool) -> None:
        self.due_from.setEnabled(on)
        self.due_to.setEnabled(on)
        self._apply_ranges()

    def _apply_ranges(self) -> None:
        cid = self.contractor.currentData()
        on = self.due_range.isChecked()
        query = replace(
            self.model.query,
            contractor_id=int(cid) if cid is not None else None,
            due_from=pydate(self.due_from.date()) if on else None,
            due_to=pydate(self.due_to.date()) if on else None,
        )
        if query != self.model.query:
            self.model.set_query(query)

    def show_contractor(self, contractor_id: int) -> None:
        index = self.contractor.findData(contractor_id)
        if index < 0:  # not loaded yet, or new: read the names now, the user is waiting for this one
            self._contractors_generation += 1
            self._set_contractors(self.app.call(contractor_names))
            index = self.contractor.findData(contractor_id)
        self.contractor.setCurrentIndex(max(index, 0))

    def refresh(self) -> None:
        self.model.refresh()

    def selected_invoice_id(self) -> int | None:
        row = self.model.row_at(self.table.currentIndex().row())
        return row.id if row else None

    # --- totals off the GUI thread -----------------------------------------------------------
    def totals_text(self, totals: list[CurrencyTotals]) -> str:
        """The status-bar line, "410 documents · CZK: gross …, balance … · PLN: …"; the bar drops whole entries."""
        count = sum(t.count for t in totals)
        parts = [counted(count, self.tr("{0} document"), self.tr("{0:,} documents")).replace(",", " ")]
        parts += [self.tr("{0}: gross {1}, balance {2}").format(t.currency, format_amount(t.gross),
                                                                format_amount(t.balance)) for t in totals]
        return SEPARATOR.join(parts)

    def update_totals(self) -> None:
        self._totals_generation += 1
        generation = self._totals_generation
        query, today = self.model.query, self.app.clock.today()
        self.totals_changed.emit("counting…")

        def work() -> list[CurrencyTotals]:
            with self.app.transaction() as ctx:
                totals = register_totals(ctx.session, query, today)
                firm = get_firm(ctx)
            own = firm.currency if firm is not None else None  # the firm's own currency first: the last dropped
            return sorted(totals, key=lambda t: t.currency != own)

        def done(totals: object) -> None:
            if generation == self._totals_generation:  # a newer query replaced this one
                self.totals_changed.emit(self.totals_text(totals) if isinstance(totals, list) else str(totals))

        self.runner.run(work, done, lambda exc: done(f"totals failed: {exc}"))

    # --- export -------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export invoices", str(Path.home() / "invoices.xlsx"), "Excel (*.xlsx);;CSV (*.csv)"
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, target: Path) -> None:
        query, today = self.model.query, self.app.clock.today()
        self.export_button.setEnabled(False)
        self.totals_changed.emit(f"exporting to {target.name}…")

        def work() -> int:
            with self.app.ledger.transaction() as session:
                return export_register(session, query, today, target)

        def done(count: object) -> None:
            self.export_button.setEnabled(True)
            self.totals_changed.emit(f"{count} rows exported to {target}")

        def failed(exc: Exception) -> None:
            self.export_button.setEnabled(True)
            text = exc.message if isinstance(exc, UserError) else str(exc)
            QMessageBox.warning(self, "Export failed", text)

        self.runner.run(work, done, failed)


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())
