"""The Demands page: the register of letters issued (open, re-print, preview, e-mail) and the invoices ready for one."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QWidget,
)

from collector_app.domain.errors import UserError
from collector_app.services import demands
from collector_app.services.demand_view import READY_LIMIT, ReadyRow, ready_for_demand
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.demand_batch import DemandBatchDialog
from collector_app.ui.dialogs.demand_make import DemandMakeDialog, counted
from collector_app.ui.forms import child, load_form
from collector_app.ui.models.demand_table import (
    COL_COMPENSATION,
    COL_CONTRACTOR,
    COL_CURRENCY,
    COL_DATE,
    COL_INTEREST,
    COL_INVOICES,
    COL_KIND,
    COL_NUMBER,
    COL_PRINCIPAL,
    COL_TOTAL,
    KIND_LABELS,
    READY_BALANCE,
    READY_CONTRACTOR,
    READY_CURRENCY,
    READY_DAYS,
    READY_DUE,
    READY_INVOICE,
    DemandFilter,
    DemandTableModel,
    ReadyTableModel,
    Row,
)
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.contractor_combo import chosen_contractor, setup_contractor_combo
from collector_app.ui.widgets.page import ContractorFilteredPage
from collector_app.ui.widgets.pdf_print import open_pdf, preview_dialog, print_pdf
from collector_app.ui.widgets.register import setup_register_table
from collector_app.ui.widgets.row_open import on_row_open

COLUMN_WIDTHS = {COL_NUMBER: 130, COL_DATE: 85, COL_KIND: 120, COL_CONTRACTOR: 200, COL_INVOICES: 160,
                 COL_PRINCIPAL: 95, COL_INTEREST: 80, COL_COMPENSATION: 95, COL_TOTAL: 95, COL_CURRENCY: 42}
READY_WIDTHS = {READY_CONTRACTOR: 240, READY_INVOICE: 140, READY_DUE: 85, READY_DAYS: 95, READY_BALANCE: 95,
                READY_CURRENCY: 42}


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class DemandsView(ContractorFilteredPage):
    """Reads the register and the ready list when shown and after letters are made."""

    changed = Signal()  # letters were made or queued: invoice registers and detail windows re-read

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner
        self.form = load_form("demands", self)
        f = self.form
        self.table = child(f, QTableView, "table")
        self.date_range = child(f, QCheckBox, "dateRange")
        self.date_from = child(f, QDateEdit, "dateFrom")
        self.date_to = child(f, QDateEdit, "dateTo")
        self.contractor = child(f, QComboBox, "contractor")
        self.kind = child(f, QComboBox, "kind")
        self.new_button = child(f, QPushButton, "newButton")
        self.batch_button = child(f, QPushButton, "batchButton")
        self.open_button = child(f, QPushButton, "openButton")
        self.preview_button = child(f, QPushButton, "previewButton")
        self.print_button = child(f, QPushButton, "printButton")
        self.email_button = child(f, QPushButton, "emailButton")
        self.ready_table = child(f, QTableView, "readyTable")
        self.ready_summary = child(f, QLabel, "readySummary")
        self.make_ready_button = child(f, QPushButton, "makeReadyButton")
        self.summary = child(f, QLabel, "summary")
        self.splitter = child(f, QSplitter, "splitter")
        self.model = DemandTableModel(app)
        self.ready_model = ReadyTableModel()
        self.loaded = False
        self._ready_generation = 0
        self._setup()

    def _setup(self) -> None:
        setup_register_table(self.table, self.model, COLUMN_WIDTHS, stretch=COL_INVOICES)
        setup_register_table(self.ready_table, self.ready_model, READY_WIDTHS)
        self.splitter.setStretchFactor(0, 3)  # the register gets most of the height
        self.splitter.setStretchFactor(1, 1)
        today = self.app.clock.today()
        self.date_from.setDate(qdate(today.replace(day=1)))
        self.date_to.setDate(qdate(today))
        for edit in (self.date_from, self.date_to):
            edit.setEnabled(False)
            edit.dateChanged.connect(lambda _d: self.apply_filter())
        self.date_range.toggled.connect(self._range_toggled)
        setup_contractor_combo(self.contractor, self.app, self.tr("All contractors"), load=False)
        self.contractor.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.kind.addItem(self.tr("all"), None)
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(self.tr(label), kind)
        self.kind.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        on_row_open(self.table, lambda _index: self.open_letter())
        self.open_button.clicked.connect(self.open_letter)
        self.preview_button.clicked.connect(self.preview_letter)
        self.print_button.clicked.connect(self.print_letter)
        self.email_button.clicked.connect(self.email_letter)
        self.new_button.clicked.connect(self.new_letter)
        self.batch_button.clicked.connect(self.open_batch)
        self.ready_table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.make_ready_button.clicked.connect(self.make_for_ready)
        self._update_buttons()

    # --- the rows ------------------------------------------------------------------------------
    def refresh(self, keep_id: int | None = None) -> None:
        self.load_contractors_once()
        keep = keep_id if keep_id is not None else (row.id if (row := self.selected()) else None)
        self.apply_filter()
        if keep is not None:
            self.select_id(keep)
        self.refresh_ready()

    def current_filter(self) -> DemandFilter:
        ranged = self.date_range.isChecked()
        return DemandFilter(
            date_from=self.date_from.date().toPython() if ranged else None,  # type: ignore[arg-type]
            date_to=self.date_to.date().toPython() if ranged else None,  # type: ignore[arg-type]
            contractor_id=chosen_contractor(self.contractor),
            kind=self.kind.currentData(),
        )

    def apply_filter(self) -> None:
        self.model.set_filter(self.current_filter())
        shown = len(self.model.rows)
        more = "+" if not self.model.exhausted else ""
        self.summary.setText(self.model.error or counted(shown, self.tr("{0} letter"), self.tr("{0}{1} letters"), more))
        self._update_buttons()

    def _range_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.apply_filter()

    def select_id(self, demand_id: int) -> bool:
        for i, r in enumerate(self.model.rows):
            if r.id == demand_id:
                self.table.selectRow(i)
                return True
        return False

    def selected(self) -> Row | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        on = self.selected() is not None
        for button in (self.open_button, self.preview_button, self.print_button, self.email_button):
            button.setEnabled(on)
        self.make_ready_button.setEnabled(bool(self.selected_ready()))

    # --- ready for demand, read off the GUI thread ------------------------------------------------
    def refresh_ready(self) -> None:
        self._ready_generation += 1
        generation = self._ready_generation
        app = self.app

        def done(rows: object) -> None:
            if generation == self._ready_generation and isinstance(rows, list):
                self.ready_model.set_rows(rows)
                contractors = len({r.contractor_id for r in rows})
                more = self.tr(" (the oldest {0})").format(READY_LIMIT) if len(rows) >= READY_LIMIT else ""
                self.ready_summary.setText(self.tr("{0} of {1}{2}").format(
                    counted(len(rows), self.tr("{0} invoice"), self.tr("{0} invoices")),
                    counted(contractors, self.tr("{0} contractor"), self.tr("{0} contractors")), more,
                ) if rows else self.tr("No invoice is waiting for a demand."))
                self._update_buttons()

        def failed(exc: Exception) -> None:
            if generation == self._ready_generation:
                self.ready_summary.setText(self.tr("The list could not be read: {0}").format(exc))

        self.ready_summary.setText(self.tr("Reading…"))
        self.runner.run(lambda: app.call(ready_for_demand), done, failed)

    def selected_ready(self) -> list[ReadyRow]:
        rows = sorted({i.row() for i in self.ready_table.selectionModel().selectedRows()})
        return [self.ready_model.rows[r] for r in rows if 0 <= r < len(self.ready_model.rows)]

    # --- actions on a letter ---------------------------------------------------------------------
    def _pdf(self) -> tuple[str, bytes] | None:
        row = self.selected()
        if row is None:
            return None
        demand_id: int = row.id
        try:
            return str(row.number), self.app.call(lambda ctx: demands.demand_pdf(ctx, demand_id))
        except UserError as exc:
            QMessageBox.warning(self, self.tr("Demand letter"), exc.message)
            return None

    def open_letter(self) -> None:
        letter = self._pdf()
        if letter is not None and not open_pdf(letter[1], letter[0]):
            QMessageBox.warning(self, self.tr("Demand letter"), self.tr("No program to show PDF files was found."))

    def preview_letter(self) -> None:
        letter = self._pdf()
        if letter is not None:
            self.show_dialog(preview_dialog(letter[1], letter[0], self))

    def print_letter(self) -> None:
        letter = self._pdf()
        if letter is not None:
            try:
                print_pdf(letter[1], letter[0], self)
            except UserError as exc:
                QMessageBox.warning(self, self.tr("Print"), exc.message)

    def email_letter(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(
            self, self.tr("E-mail the letter"),
            self.tr("Send {number} to {contractor} by e-mail, the PDF attached?").format(
                number=row.number, contractor=row.contractor))
        if answer != QMessageBox.StandardButton.Yes:
            return
        demand_id: int = row.id
        try:
            self.app.call(lambda ctx: demands.email_demand(ctx, demand_id))
        except UserError as exc:
            QMessageBox.warning(self, self.tr("E-mail the letter"), exc.message)
            return
        self.summary.setText(self.tr("{0} is in the outbox: it goes out with the next run.").format(row.number))
        self.changed.emit()

    # --- making letters ----------------------------------------------------------------------------
    def new_letter(self) -> DemandMakeDialog | None:
        cid = chosen_contractor(self.contractor)
        if cid is None:
            QMessageBox.information(self, self.tr("New letter"),
                                    self.tr("Choose the contractor in the filter first, or use Batch…"))
            return None
        return self.make_letters([cid])

    def make_for_ready(self) -> DemandMakeDialog | None:
        rows = self.selected_ready()
        return self.make_letters([r.contractor_id for r in rows]) if rows else None

    def make_letters(self, contractor_ids: list[int]) -> DemandMakeDialog:
        dialog = DemandMakeDialog(self.app, self.runner, contractor_ids=contractor_ids, parent=self)
        dialog.made.connect(self._letters_made)
        self.show_dialog(dialog)
        return dialog

    def open_batch(self) -> DemandBatchDialog:
        dialog = DemandBatchDialog(self.app, self.runner, self)
        dialog.made.connect(lambda _ids: self._letters_made([]))
        self.show_dialog(dialog)
        return dialog

    def _letters_made(self, ids: object) -> None:
        latest = ids[-1] if isinstance(ids, list) and ids else None
        self.refresh(latest)
        self.changed.emit()
