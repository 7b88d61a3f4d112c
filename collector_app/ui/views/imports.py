"""The Imports page: every imported file with what it did, the imports started from here, and undoing a batch."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.errors import UserError
from collector_app.services import import_batches
from collector_app.services.import_batches import BatchDetail, UndoResult
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.import_invoices import open_invoice_import
from collector_app.ui.dialogs.import_statement import open_statement_import
from collector_app.ui.models.import_table import (
    COL_AT,
    COL_BY,
    COL_FILE,
    COL_FORMAT,
    COL_ID,
    COL_KIND,
    COL_RESULT,
    COL_SKIPPED,
    COL_UNDONE,
    COL_WARNINGS,
    ImportTableModel,
)
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.detail import local_time
from collector_app.ui.widgets.page import RefreshingPage
from collector_app.ui.widgets.register import setup_register_table

COLUMN_WIDTHS = {COL_ID: 45, COL_AT: 115, COL_BY: 110, COL_KIND: 105, COL_FORMAT: 90, COL_RESULT: 250,
                 COL_SKIPPED: 60, COL_WARNINGS: 70, COL_UNDONE: 85}  # the file name takes the rest
ERROR_STYLE = "color: #b00020;"


class ImportsView(RefreshingPage):
    """Reads the batches when shown and after each import or undo; `on_changed` refreshes the registers."""

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None, *,
                 on_changed: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner
        self.on_changed = on_changed
        self.busy = False  # an undo (or its preview) is running on the worker
        self.dialog: QDialog | None = None
        self.model = ImportTableModel(app)
        layout = QVBoxLayout(self)
        layout.addLayout(self._buttons())
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self._table())
        splitter.addWidget(self._detail())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # --- layout --------------------------------------------------------------------------------
    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.invoices_button = QPushButton(self.tr("Import invoices…"))
        self.invoices_button.clicked.connect(self.import_invoices)
        self.statement_button = QPushButton(self.tr("Import bank statement…"))
        self.statement_button.clicked.connect(self.import_statement)
        self.undo_button = QPushButton(self.tr("Undo import…"))
        self.undo_button.setToolTip(self.tr("Remove the selected batch's documents or payments, if nothing was "
                                            "allocated, noted or sent for them since"))
        self.undo_button.clicked.connect(self.undo_selected)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for button in (self.invoices_button, self.statement_button, self.undo_button):
            row.addWidget(button)
        row.addWidget(self.status, 1)
        return row

    def _table(self) -> QTableView:
        self.table = QTableView()
        setup_register_table(self.table, self.model, COLUMN_WIDTHS, stretch=COL_FILE)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a long file name keeps its end
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._selection_changed())
        self.model.modelReset.connect(self._selection_changed)
        return self.table

    def _detail(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.heading)
        self.lists = QPlainTextEdit()
        self.lists.setReadOnly(True)
        self.lists.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.lists, 1)
        return box

    # --- the rows ------------------------------------------------------------------------------
    def refresh(self, keep_id: int | None = None) -> None:
        """Read the newest page again; the selected batch (or the newest) stays selected."""
        current = self.selected()
        keep = keep_id if keep_id is not None else (current.row.id if current is not None else None)
        self.model.reload()
        if self.model.error:
            self.status.setText(self.model.error)
        if (keep is None or not self.select_id(keep)) and len(self.model.rows):
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> BatchDetail | None:
        index: QModelIndex = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select_id(self, batch_id: int) -> bool:
        for i, d in enumerate(self.model.rows):
            if d.row.id == batch_id:
                self.table.selectRow(i)
                return True
        return False

    def _selection_changed(self) -> None:
        detail = self.selected()
        self._update_buttons()
        if detail is None:
            self.heading.setText(self.tr("No import yet.") if not self.model.rows else "")
            self.lists.setPlainText("")
            return
        self.heading.setText(self.heading_text(detail))
        self.lists.setPlainText(self.lists_text(detail))

    def _update_buttons(self) -> None:
        detail = self.selected()
        undoable = detail is not None and detail.row.undone_at is None and detail.summary is not None
        self.undo_button.setEnabled(undoable and not self.busy)
        self.invoices_button.setEnabled(not self.busy)
        self.statement_button.setEnabled(not self.busy)

    def heading_text(self, detail: BatchDetail) -> str:
        r = detail.row
        lines = [self.tr("Batch {0}: {1} ({2}), imported {3} by {4}").format(
            r.id, r.file, r.format.upper(), local_time(r.created_at), r.created_by or self.tr("unknown"))]
        s = detail.summary
        if s is not None and r.kind == "statement":
            lines.append(self.tr("Payments: {0}, matched automatically: {1}, left for review: {2}.").format(
                s.payments, s.matched, s.unmatched))
        elif s is not None:
            lines.append(self.tr("Documents created: {0}, unchanged: {1}; contractors filled in: {2}.").format(
                s.created, s.unchanged, s.updated))
        else:
            lines.append(self.tr("This import did not finish."))
        if r.undone_at is not None:
            lines.append(self.tr("Undone {0}.").format(local_time(r.undone_at)))
        else:
            lines.append(self.tr("In the ledger now: documents {0}, payments {1}.").format(r.documents, r.payments))
        return "\n".join(lines)

    def lists_text(self, detail: BatchDetail) -> str:
        s = detail.summary
        if s is None:
            return ""
        parts = [self.tr("Skipped ({0}):").format(len(s.skipped)) if s.skipped else self.tr("Nothing skipped.")]
        parts += [f"  {item.get('ref', '')}: {item.get('reason', '')}" for item in s.skipped]
        parts.append(self.tr("Warnings ({0}):").format(len(s.warnings)) if s.warnings else self.tr("No warnings."))
        parts += [f"  {item.get('ref', '')}: {item.get('text', '')}" for item in s.warnings]
        return "\n".join(parts)

    # --- imports -------------------------------------------------------------------------------
    def import_invoices(self) -> QDialog:
        self.dialog = open_invoice_import(self.app, self.runner, self, self._imported)
        return self.dialog

    def import_statement(self) -> QDialog:
        self.dialog = open_statement_import(self.app, self.runner, self, self._imported)
        return self.dialog

    def _imported(self) -> None:
        """A new batch is the newest row and gets selected; a hand allocation in the review list keeps the row."""
        newest = self._newest_id()
        self.refresh()
        if self._newest_id() != newest:
            self.table.selectRow(0)
        self._changed()

    def _newest_id(self) -> int | None:
        first = self.model.row_at(0)
        return first.row.id if first is not None else None

    def _changed(self) -> None:
        if self.on_changed is not None:
            self.on_changed()

    # --- undo ----------------------------------------------------------------------------------
    def undo_selected(self) -> None:
        """Ask the service what the undo would remove (or why it refuses), then ask the person."""
        detail = self.selected()
        if detail is None or self.busy:
            return
        batch_id = detail.row.id
        self._start(self.tr("Checking what undoing batch {0} removes…").format(batch_id))

        def work() -> UndoResult:
            return self.app.call(lambda ctx: import_batches.preview_undo(ctx, batch_id))

        self.runner.run(work, self._confirm, self._failed)

    def _confirm(self, preview: UndoResult) -> None:
        self._stop("")
        answer = QMessageBox.question(
            self, self.tr("Undo import"), self.confirm_text(preview),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        batch_id = preview.batch_id
        self._start(self.tr("Undoing batch {0}…").format(batch_id))

        def work() -> UndoResult:
            return self.app.call(lambda ctx: import_batches.undo_batch(ctx, batch_id))

        self.runner.run(work, self._undone, self._failed)

    def confirm_text(self, preview: UndoResult) -> str:
        removed = [(preview.documents, self.tr("  documents: {0}")), (preview.payments, self.tr("  payments: {0}")),
                   (preview.contractors, self.tr("  contractors the import created: {0}")),
                   (preview.allocations, self.tr("  allocations the import made (taken back): {0}")),
                   (preview.fields_reverted, self.tr("  contractor fields the import filled (emptied again): {0}")),
                   (preview.accounts_forgotten, self.tr("  payer accounts the statement learned: {0}"))]
        lines = [text.format(n) for n, text in removed if n]
        head = [self.tr("Undo import batch {0} ({1})?").format(preview.batch_id, preview.file), "",
                self.tr("It removes:") if lines else self.tr("It removes nothing from the ledger.")]
        kept = []
        if preview.kept:
            kept = ["", self.tr("Contractor fields it filled that were changed since stay: {0}").format(
                preview.fields_kept)]
            kept += [self.tr("  {0}: {1}").format(name, field) for name, field in preview.kept]
        return "\n".join([*head, *lines, *kept, "", self.tr("The batch stays in the list, marked undone.")])

    def _undone(self, result: UndoResult) -> None:
        text = self.tr("Batch {0} undone; removed documents: {1}, payments: {2}, contractors: {3}.").format(
            result.batch_id, result.documents, result.payments, result.contractors)
        if result.fields_reverted or result.fields_kept:
            text += " " + self.tr("Contractor fields emptied again: {0}, kept (changed since): {1}.").format(
                result.fields_reverted, result.fields_kept)
        if result.accounts_forgotten:
            text += " " + self.tr("Payer accounts forgotten: {0}.").format(result.accounts_forgotten)
        self._stop(text)
        self.refresh(keep_id=result.batch_id)
        self._changed()

    def _failed(self, exc: Exception) -> None:
        message = exc.message if isinstance(exc, UserError) else self.tr("The undo failed: {0}").format(exc)
        self._stop(message, error=True)
        self.refresh()
        QMessageBox.warning(self, self.tr("Undo import"), message)

    def _start(self, text: str) -> None:
        self.busy = True
        self.status.setStyleSheet("")
        self.status.setText(text)
        self._update_buttons()

    def _stop(self, text: str, *, error: bool = False) -> None:
        self.busy = False
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(text)
        self._update_buttons()
