"""Bank statement import and the review list: file → import with progress → how payments matched → allocate by hand."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
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

from collector_app.domain.money import format_amount
from collector_app.services import matching, payments
from collector_app.services.context import Ctx
from collector_app.services.import_statement import FORMATS, StatementResult, import_statement
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.demand_make import counted
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.import_run import ImportRunDialog, fill, format_name, open_import

REVIEW_PAGE = 200
REVIEW_PAYER, REVIEW_TITLE = 2, 3  # columns of the review list
PAYER_WIDTH = 240  # px


class StatementImportDialog(ImportRunDialog):
    """The import runs on the task runner; the review list below it is what is left for a person."""

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(app, runner, parent)
        self.last_result: StatementResult | None = None
        self.items: list[matching.ReviewItem] = []
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
        layout.addLayout(self._buttons())
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

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        label = QLabel(self.tr("&Allocate the selected payment to:"))
        row.addWidget(label)
        self.suggestion_combo = QComboBox()
        label.setBuddy(self.suggestion_combo)
        self.suggestion_combo.setMinimumWidth(320)
        row.addWidget(self.suggestion_combo, 1)
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
        self.review_title.setText(self.tr("Review list: %1 bank payments waiting for a hand allocation")
                                  .replace("%1", f"{len(items)}+" if len(items) >= REVIEW_PAGE else str(len(items)))
                                  if items else self.tr("Review list: no bank payment waits for a hand allocation."))
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.suggestion_combo.clear()
        item = self.selected_item()
        if item is not None:
            for s in item.suggestions:
                self.suggestion_combo.addItem(fill(self.tr("%1 — %2 %3 · score %4 · %5"), (
                    s.invoice, format_amount(s.amount), item.row.currency, f"{s.score:.2f}", s.reason)), s.invoice)
        self.allocate_button.setEnabled(self.suggestion_combo.count() > 0)

    def selected_item(self) -> matching.ReviewItem | None:
        rows = self.review.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows else None

    def allocate_selected(self) -> None:
        item = self.selected_item()
        number = self.suggestion_combo.currentData()
        if item is None or not number:
            return
        payment_id = item.row.id
        choice = next(s for s in item.suggestions if s.invoice == number)
        amount: Decimal | None = choice.amount if choice.amount > 0 else None

        def work() -> None:
            self.app.call(lambda ctx: payments.allocate(ctx, payment_id, number, amount))

        self.runner.run(work, lambda _r: self._allocated(number), self._failed_allocation)

    def _allocated(self, number: str) -> None:
        self.result_label.setText(self.tr("Allocated to %1.").replace("%1", number))
        self.imported.emit(None)
        self.refresh_review()

    def _failed_allocation(self, exc: Exception) -> None:
        self.result_label.setText(str(exc))


def open_statement_import(app: AppContext, runner: TaskRunner, parent: QWidget,
                          on_imported: Callable[[], None]) -> StatementImportDialog:
    """Tools → Import bank statement: non-modal; the registers refresh after an import or an allocation."""
    return open_import(StatementImportDialog(app, runner, parent), on_imported)
