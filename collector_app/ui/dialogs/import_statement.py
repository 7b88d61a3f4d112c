"""Bank statement import and the review list: file → import with progress → how payments matched → allocate by hand."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount, parse_amount
from collector_app.services import matching, payments
from collector_app.services.context import Ctx
from collector_app.services.import_statement import FORMATS, StatementResult, import_statement
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.demand_make import counted
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.detail import InlineError
from collector_app.ui.widgets.import_run import ImportRunDialog, fill, format_name, open_import

REVIEW_PAGE = 200
REVIEW_PAYER, REVIEW_TITLE = 2, 3  # columns of the review list
PAYER_WIDTH = 240  # px
FOUND_LIMIT = 30  # open invoices offered beside the suggestions
SEARCH_DELAY_MS = 250  # typing pauses this long before the invoices are looked up


class StatementImportDialog(ImportRunDialog):
    """The import runs on the task runner; the review list below it is what is left for a person."""

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(app, runner, parent)
        self.last_result: StatementResult | None = None
        self.items: list[matching.ReviewItem] = []
        self.amounts: dict[str, Decimal] = {}  # invoice number → the amount proposed for the selected payment
        self.chosen_payment: int | None = None  # the payment the Find text was typed for
        self.setWindowTitle(self.tr("Import bank statement"))
        self.setMinimumSize(860, 560)
        layout = QVBoxLayout(self)
        layout.addLayout(self._file_row())
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.result_label = QLabel(self.tr("Choose an MT940 or camt.053 file."))
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(110)
        layout.addWidget(self.details)
        self.review_title = QLabel(self.tr("Review list: bank payments waiting for a hand allocation"))
        layout.addWidget(self.review_title)
        layout.addWidget(self._review_table())
        layout.addLayout(self._choice_row())
        layout.addLayout(self._buttons())
        self.error = InlineError(QLabel(), {
            "invoice": (self.suggestion_combo, self.tr("Invoice")),
            "currency": (self.suggestion_combo, self.tr("Currency")),
            "amount": (self.amount_edit, self.tr("Amount")),
        })
        layout.addWidget(self.error.label)
        self.refresh_review()

    # -- layout --------------------------------------------------------------------------------------

    def _file_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.tr("Statement file"))
        row.addWidget(self.path_edit, 1)
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        self.format_combo = QComboBox()
        self.format_combo.addItem(self.tr("Detect"), None)
        for fmt in FORMATS:
            self.format_combo.addItem(format_name(fmt), fmt)
        row.addWidget(self.format_combo)
        self.dry_run_check = QCheckBox(self.tr("Dry run"))
        row.addWidget(self.dry_run_check)
        self.import_button = QPushButton(self.tr("Import"))
        self.import_button.clicked.connect(self.start_import)
        row.addWidget(self.import_button)
        return row

    def _review_table(self) -> QTableWidget:
        self.review = QTableWidget(0, 6)
        self.review.setHorizontalHeaderLabels([
            self.tr("Date"), self.tr("Amount"), self.tr("Payer"), self.tr("Title"), self.tr("Suggestion"),
            self.tr("Score")])
        self.review.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.review.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.review.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.review.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(REVIEW_TITLE, QHeaderView.ResizeMode.Stretch)  # the title takes what is left
        self.review.setWordWrap(False)
        self.review.itemSelectionChanged.connect(self._selection_changed)
        return self.review

    def _choice_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        label = QLabel(self.tr("&Allocate the selected payment to:"))
        row.addWidget(label)
        self.suggestion_combo = QComboBox()
        label.setBuddy(self.suggestion_combo)
        self.suggestion_combo.setMinimumWidth(320)
        self.suggestion_combo.setToolTip(self.tr("The suggestions, then the open invoices in the payment's currency"))
        self.suggestion_combo.currentIndexChanged.connect(lambda _i: self._prefill_amount())
        row.addWidget(self.suggestion_combo, 1)
        find_label = QLabel(self.tr("&Find:"))
        row.addWidget(find_label)
        self.find_edit = QLineEdit()
        find_label.setBuddy(self.find_edit)
        self.find_edit.setPlaceholderText(self.tr("invoice number or contractor"))
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.setMinimumWidth(200)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.find_invoices)
        self.find_edit.textChanged.connect(lambda _t: self.search_timer.start())
        row.addWidget(self.find_edit)
        return row

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        label = QLabel(self.tr("A&mount:"))
        row.addWidget(label)
        self.amount_edit = QLineEdit()
        label.setBuddy(self.amount_edit)
        self.amount_edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.amount_edit.setMaximumWidth(130)
        self.amount_edit.setToolTip(self.tr("Less than the payment leaves the rest of it unallocated"))
        row.addWidget(self.amount_edit)
        self.currency_label = QLabel()
        row.addWidget(self.currency_label)
        self.allocate_button = QPushButton(self.tr("Allocate to this invoice"))
        self.allocate_button.setEnabled(False)
        self.allocate_button.clicked.connect(self.allocate_selected)
        row.addWidget(self.allocate_button)
        row.addStretch()
        self.cancel_button = QPushButton(self.tr("Close"))
        self.cancel_button.clicked.connect(self.cancel_or_close)
        row.addWidget(self.cancel_button)
        return row

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Bank statement"), "", self.tr("Statements (*.sta *.mt940 *.txt *.xml);;All files (*)"))
        if path:
            self.path_edit.setText(path)

    # -- import ----------------------------------------------------------------------------------------

    def start_import(self) -> None:
        from pathlib import Path

        text = self.path_edit.text().strip()
        if not text or self.running:
            return
        path, fmt, dry_run = Path(text), self.format_combo.currentData(), self.dry_run_check.isChecked()
        self.import_button.setEnabled(False)
        self.details.clear()

        def work(ctx: Ctx, progress: Callable[[int], None], cancelled: Callable[[], bool]) -> StatementResult:
            return import_statement(ctx, path, fmt, progress=progress, cancelled=cancelled)

        self.run_import(work, dry_run, self._finished)

    def _progress(self, count: int) -> None:
        self.result_label.setText(self.tr("Importing… %1 entries read").replace("%1", str(count)))

    def _finished(self, result: StatementResult) -> None:
        self.last_result = result
        s = result.summary
        text = fill(self.tr("%1: %2, %3 matched automatically, %4 wait for review, %5."), (
            s.file, counted(s.payments, self.tr("{0} payment"), self.tr("{0} payments")), s.matched, s.unmatched,
            counted(len(s.skipped), self.tr("{0} entry skipped"), self.tr("{0} entries skipped"))))
        if self.dry_run_check.isChecked():
            text += " " + self.tr("Dry run: nothing was written.")
        self.result_label.setText(text)
        lines = [f"{matching.REASON_LABELS.get(k, k)}: {n}" for k, n in sorted(result.matched_by.items())]
        skipped: dict[str, int] = {}
        for item in s.skipped:
            skipped[item["reason"]] = skipped.get(item["reason"], 0) + 1
        lines += [self.tr("skipped (%1): %2").replace("%1", reason).replace("%2", str(n))
                  for reason, n in sorted(skipped.items())]
        lines += [f"{w['ref']}: {w['text']}" for w in s.warnings]
        self.details.setPlainText("\n".join(lines))
        if not self.dry_run_check.isChecked():
            self.imported.emit(result)
        self.refresh_review()

    def _stop_progress(self) -> None:
        self.progress.setVisible(False)
        self.import_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Close"))

    # -- review list -----------------------------------------------------------------------------------

    def refresh_review(self) -> None:
        self.runner.run(lambda: self.app.call(lambda ctx: matching.review_list(ctx, REVIEW_PAGE)), self._show_review)

    def _show_review(self, items: list[matching.ReviewItem]) -> None:
        self.items = items
        self.review.setRowCount(len(items))
        for row, item in enumerate(items):
            best = item.suggestions[0] if item.suggestions else None
            cells = (item.row.date.isoformat(), f"{format_amount(item.row.amount)} {item.row.currency}",
                     item.row.payer or "", item.row.title or "", best.invoice if best else "",
                     f"{best.score:.2f}" if best else "")
            for col, value in enumerate(cells):
                cell = QTableWidgetItem(value)
                cell.setToolTip(value)  # a payer's name with its address, a long title: whole on hover
                if col in (1, 5):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.review.setItem(row, col, cell)
        self.review.resizeColumnsToContents()
        if self.review.columnWidth(REVIEW_PAYER) > PAYER_WIDTH:  # one long name must not push the rest away
            self.review.setColumnWidth(REVIEW_PAYER, PAYER_WIDTH)
        self.review_title.setText(counted(
            len(items), self.tr("Review list: {0} bank payment waiting for a hand allocation"),
            self.tr("Review list: {0}{1} bank payments waiting for a hand allocation"),
            "+" if len(items) >= REVIEW_PAGE else "",
        ) if items else self.tr("Review list: no bank payment waits for a hand allocation."))
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.error.clear()
        self.suggestion_combo.blockSignals(True)
        self.suggestion_combo.clear()
        self.amounts = {}
        item = self.selected_item()
        if item is None or item.row.id != self.chosen_payment:  # another payment: its own look-up
            self.find_edit.blockSignals(True)
            self.find_edit.clear()
            self.find_edit.blockSignals(False)
        self.chosen_payment = item.row.id if item is not None else None
        if item is not None:
            for s in item.suggestions:
                self.suggestion_combo.addItem(fill(self.tr("%1 — %2 %3 · score %4 · %5"), (
                    s.invoice, format_amount(s.amount), item.row.currency, f"{s.score:.2f}", s.reason)), s.invoice)
                self.amounts[s.invoice] = s.amount if s.amount > 0 else item.row.unallocated
            self.suggestion_combo.setCurrentIndex(0 if item.suggestions else -1)  # a placeholder stops Qt doing it
            self.find_invoices()
        self.suggestion_combo.blockSignals(False)
        self.currency_label.setText(item.row.currency if item is not None else "")
        self._prefill_amount()

    def find_invoices(self) -> None:
        """Look up the open invoices in the payment's currency that the Find text names, off the GUI thread."""
        self.search_timer.stop()
        item = self.selected_item()
        if item is None:
            return
        text, currency = self.find_edit.text(), item.row.currency
        self.runner.run(
            lambda: self.app.call(lambda ctx: payments.find_open_invoices(ctx, text, currency, FOUND_LIMIT)),
            lambda found: self._show_found(item.row.id, text, found))

    def _show_found(self, payment_id: int, text: str, found: list[payments.OpenInvoice]) -> None:
        item = self.selected_item()
        if item is None or item.row.id != payment_id or text != self.find_edit.text():
            return  # the selection or the text changed meanwhile: a newer look-up is on its way
        combo, keep = self.suggestion_combo, self.suggestion_combo.currentData()
        combo.blockSignals(True)
        while combo.count() > len(item.suggestions):
            combo.removeItem(combo.count() - 1)
        suggested = {s.invoice for s in item.suggestions}
        for inv in found:
            if inv.number not in suggested:
                label = fill(self.tr("%1 — balance %2 %3 · %4 · due %5"), (inv.number, format_amount(inv.balance),
                                                                             item.row.currency, inv.contractor,
                                                                             inv.due_date.isoformat()))
                combo.addItem(label, inv.number)
                combo.setItemData(combo.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
                self.amounts[inv.number] = min(item.row.unallocated, inv.balance)
        combo.setPlaceholderText(fill(self.tr("no open invoice in %1 holds “%2”"), (item.row.currency, text.strip()))
                                 if text.strip() else self.tr("no open invoice in %1").replace("%1", item.row.currency))
        combo.setCurrentIndex(max(combo.findData(keep), 0) if combo.count() else -1)
        combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)  # the list shows names whole
        combo.blockSignals(False)
        self._prefill_amount()

    def _prefill_amount(self) -> None:
        """The suggestion's amount, else the smaller of what is left on the payment and the invoice's balance."""
        number = self.suggestion_combo.currentData()
        self.amount_edit.setText(format_amount(self.amounts[number]) if number in self.amounts else "")
        self.allocate_button.setEnabled(number is not None)

    def selected_item(self) -> matching.ReviewItem | None:
        rows = self.review.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows else None

    def allocate_selected(self) -> None:
        """Allocate the amount typed (all of it, or part: the rest stays on the payment) with the service
        `collector allocate` uses; an error is shown under the buttons and nothing is written."""
        item = self.selected_item()
        number = self.suggestion_combo.currentData()
        if item is None or not number:
            return
        self.error.clear()
        payment_id, text = item.row.id, self.amount_edit.text().strip()
        try:
            amount = parse_amount(text, item.row.currency, "amount") if text else None
        except UserError as exc:
            self.error.show(exc)
            return

        def work() -> payments.PaymentResult | UserError:
            try:
                return self.app.call(lambda ctx: payments.allocate(ctx, payment_id, number, amount))
            except UserError as exc:  # a refusal to show, not a failure to log with its traceback
                return exc

        self.allocate_button.setEnabled(False)
        self.runner.run(work, lambda result: self._allocated(number, result), self._failed_allocation)

    def _allocated(self, number: str, result: payments.PaymentResult | UserError) -> None:
        if isinstance(result, UserError):
            self._failed_allocation(result)
            return
        currency = result.payment.currency
        text = fill(self.tr("Allocated %1 %2 to %3."), (
            format_amount(sum((a.amount for a in result.applied), Decimal(0))), currency, number))
        if result.unallocated > 0:
            text += " " + fill(self.tr("%1 %2 of the payment is left unallocated: allocate it on the Payments page."),
                               (format_amount(result.unallocated), currency))
        self.result_label.setText(text)
        self.imported.emit(None)
        self.refresh_review()

    def _failed_allocation(self, exc: Exception) -> None:
        self.allocate_button.setEnabled(self.suggestion_combo.currentData() is not None)
        if isinstance(exc, UserError):
            self.error.show(exc)
        else:
            self.error.show(UserError(None, str(exc)))


def open_statement_import(app: AppContext, runner: TaskRunner, parent: QWidget,
                          on_imported: Callable[[], None]) -> StatementImportDialog:
    """Tools → Import bank statement: non-modal; the registers refresh after an import or an allocation."""
    return open_import(StatementImportDialog(app, runner, parent), on_imported)
