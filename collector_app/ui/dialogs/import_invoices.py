"""The invoice import wizard: file → detected format → preview and column mapping → import with progress → summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.errors import UserError
from collector_app.imports.common import ImportSummary
from collector_app.imports.detect import INVOICE_FORMATS
from collector_app.imports.invoice_csv import FIELDS, REQUIRED, Mapping
from collector_app.services.context import Ctx
from collector_app.services.firm import get_firm
from collector_app.services.import_invoices import (
    FilePreview,
    InvoiceImport,
    import_invoices,
    preview_file,
    save_mapping,
    saved_mapping,
)
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.demand_make import counted
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.import_run import ImportRunDialog, fill, format_name, open_import

PREVIEW_ROWS = 20
PREVIEW_COLUMN_WIDTH = 220  # px at most
FIELD_LABELS = {"number": "Invoice number", "contractor": "Contractor (name)", "tax_id": "Tax id (NIP, IČO, VAT)",
                "email": "E-mail", "issue_date": "Issue date", "due_date": "Due date", "gross": "Gross amount",
                "currency": "Currency", "variable_symbol": "Variable symbol (VS)"}  # the fields of invoice_csv.FIELDS


class InvoiceImportDialog(ImportRunDialog):
    """Three pages; the preview and the import run on the task runner, the GUI thread only paints."""

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(app, runner, parent)
        self.preview: FilePreview | None = None
        self.summary: ImportSummary | None = None
        self.setWindowTitle(self.tr("Import invoices"))
        self.setMinimumSize(760, 520)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._file_page())
        self.pages.addWidget(self._preview_page())
        self.pages.addWidget(self._result_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    # -- pages -------------------------------------------------------------------------------------

    def _file_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("importPath")
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow(self.tr("File:"), row)
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("importFormat")
        self.format_combo.addItem(self.tr("Detect from the content"), None)
        for fmt in INVOICE_FORMATS:
            self.format_combo.addItem(format_name(fmt), fmt)
        form.addRow(self.tr("Format:"), self.format_combo)
        hint = QLabel(self.tr("CSV and XLSX exports of your accounting program (you choose the columns on the next "
                              "page), UBL 2.1 / Peppol BIS, ISDOC and KSeF e-invoices. The next page shows what the "
                              "file holds before anything is imported."))
        hint.setObjectName("importFileHint")
        hint.setWordWrap(True)
        form.addRow(hint)
        self.file_error = QLabel("")
        self.file_error.setWordWrap(True)
        self.file_error.setObjectName("importFileError")
        form.addRow(self.file_error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.next_button = QPushButton(self.tr("Next"))
        self.next_button.setObjectName("importNext")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.load_preview)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)
        buttons.addWidget(self.next_button)
        buttons.addWidget(close)
        form.addRow(buttons)
        return page

    def _preview_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.detected_label = QLabel("")
        self.detected_label.setObjectName("importDetected")
        layout.addWidget(self.detected_label)
        self.table = QTableWidget()
        self.table.setObjectName("importPreview")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        layout.addWidget(self.table, 1)
        self.mapping_box = QWidget()
        grid = QFormLayout(self.mapping_box)
        self.column_combos: dict[str, QComboBox] = {}
        for fld in FIELDS:
            combo = QComboBox()
            combo.setObjectName(f"column_{fld}")
            combo.currentIndexChanged.connect(self._update_import_button)
            self.column_combos[fld] = combo
            label = self.tr(FIELD_LABELS.get(fld, fld)) + (" *" if fld in REQUIRED else "")
            grid.addRow(label, combo)
        self.date_format_edit = QLineEdit()
        self.date_format_edit.setPlaceholderText(self.tr("detected (e.g. %d.%m.%Y)"))
        grid.addRow(self.tr("Date format"), self.date_format_edit)
        self.decimal_combo = QComboBox()
        for text, value in ((self.tr("detected"), None), (self.tr("comma"), ","), (self.tr("point"), ".")):
            self.decimal_combo.addItem(text, value)
        grid.addRow(self.tr("Decimal mark"), self.decimal_combo)
        self.remember_check = QCheckBox(self.tr("Remember this mapping for files with these columns"))
        self.remember_check.setChecked(True)
        grid.addRow(self.remember_check)
        required = QLabel(self.tr("* a column is needed for this field"))
        required.setObjectName("importRequiredNote")
        grid.addRow(required)
        layout.addWidget(self.mapping_box)
        buttons = QHBoxLayout()
        back = QPushButton(self.tr("Back"))
        back.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.dry_run_check = QCheckBox(self.tr("Dry run (write nothing)"))
        self.import_button = QPushButton(self.tr("Import"))
        self.import_button.setObjectName("importRun")
        self.import_button.clicked.connect(self.start_import)
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.dry_run_check)
        buttons.addWidget(self.import_button)
        layout.addLayout(buttons)
        return page

    def _result_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        layout.addWidget(self.progress)
        self.result_label = QLabel("")
        self.result_label.setObjectName("importResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result_label)
        self.warnings_text = QPlainTextEdit()
        self.warnings_text.setObjectName("importWarnings")
        self.warnings_text.setReadOnly(True)
        self.warnings_text.setPlaceholderText(self.tr("No warnings."))
        layout.addWidget(self.warnings_text, 1)
        buttons = QHBoxLayout()
        self.result_back_button = QPushButton(self.tr("Back"))
        self.result_back_button.setObjectName("importResultBack")
        self.result_back_button.setToolTip(self.tr("Back to the preview: change the mapping, or import for real "
                                                   "after a dry run"))
        self.result_back_button.clicked.connect(lambda: self.pages.setCurrentIndex(1))
        buttons.addWidget(self.result_back_button)
        buttons.addStretch(1)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("importCancel")
        self.cancel_button.clicked.connect(self.cancel_or_close)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        return page

    # -- page 1 → 2 --------------------------------------------------------------------------------

    def _browse(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Invoice file"), "",
            self.tr("Invoice files (*.csv *.txt *.xlsx *.xml *.isdoc *.isdocx);;All files (*)"))
        if name:
            self.path_edit.setText(name)

    def request(self, mapping: Mapping | None = None) -> InvoiceImport:
        path = Path(self.path_edit.text().strip())
        return InvoiceImport(path, self.format_combo.currentData(), mapping, label=path.name)

    def load_preview(self) -> None:
        if not self.path_edit.text().strip():
            self.file_error.setText(self.tr("Choose a file first."))
            return
        self.file_error.setText(self.tr("Reading…"))
        self.next_button.setEnabled(False)
        request = self.request()
        app = self.app

        def work() -> tuple[FilePreview, Mapping | None]:
            with app.transaction() as ctx:
                firm = get_firm(ctx)
                currency = firm.currency if firm else "PLN"
                preview = preview_file(request, currency, PREVIEW_ROWS)
                saved = saved_mapping(ctx, preview.header) if preview.format in ("csv", "xlsx") else None
            if saved is not None:
                preview = preview_file(InvoiceImport(request.path, preview.format, saved, request.label), currency)
            return preview, saved

        self.runner.run(work, self._show_preview, self._preview_failed)

    def _preview_failed(self, exc: Exception) -> None:
        self.next_button.setEnabled(True)
        self.file_error.setText(str(exc) if isinstance(exc, UserError) else self.tr("The file cannot be read: %1")
                                .replace("%1", str(exc)))

    def _show_preview(self, result: tuple[FilePreview, Mapping | None]) -> None:
        preview, saved = result
        self.preview = preview
        self.next_button.setEnabled(True)
        self.file_error.setText("")
        tabular = preview.format in ("csv", "xlsx")
        details = [format_name(preview.format)]
        if preview.encoding:
            details.append(preview.encoding)
        if preview.delimiter:
            details.append(self.tr("delimiter “%1”").replace("%1", preview.delimiter.replace("\t", "Tab")))
        if saved is not None:
            details.append(self.tr("saved mapping"))
        self.detected_label.setText(self.tr("Detected: %1").replace("%1", ", ".join(details)))
        self.table.clear()
        self.table.setColumnCount(len(preview.header))
        self.table.setHorizontalHeaderLabels(preview.header)
        self.table.setRowCount(len(preview.rows))
        for r, row in enumerate(preview.rows):
            for c, value in enumerate(row[: len(preview.header)]):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()  # headers whole, one line a row; a long cell is cut, whole on hover
        for c in range(self.table.columnCount()):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), PREVIEW_COLUMN_WIDTH))
        self.mapping_box.setVisible(tabular)
        for fld, combo in self.column_combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("(none)"), None)
            for name in preview.header:
                if name:
                    combo.addItem(name, name)
            found = combo.findData(preview.columns.get(fld))
            combo.setCurrentIndex(max(found, 0))
            combo.blockSignals(False)
        if saved is not None:
            self.date_format_edit.setText(saved.date_format or "")
            self.decimal_combo.setCurrentIndex(max(self.decimal_combo.findData(saved.decimal), 0))
        self._update_import_button()
        self.pages.setCurrentIndex(1)

    def mapping(self) -> Mapping:
        """The columns chosen; a field the file was read with but set to "(none)" is switched off (None), so
        that the import does not find the column again by its header."""
        detected = self.preview.columns if self.preview is not None else {}
        columns: dict[str, str | None] = {fld: combo.currentData() for fld, combo in self.column_combos.items()
                                          if combo.currentData() or fld in detected}
        return Mapping(columns=columns, date_format=self.date_format_edit.text().strip() or None,
                       decimal=self.decimal_combo.currentData())

    def _update_import_button(self) -> None:
        tabular = self.preview is not None and self.preview.format in ("csv", "xlsx")
        missing = [f for f in REQUIRED if tabular and not self.column_combos[f].currentData()]
        self.import_button.setEnabled(self.preview is not None and not missing)
        self.import_button.setToolTip(self.tr("Choose a column for: %1").replace("%1", ", ".join(missing))
                                      if missing else "")

    # -- page 2 → 3 --------------------------------------------------------------------------------

    def start_import(self) -> None:
        assert self.preview is not None
        tabular = self.preview.format in ("csv", "xlsx")
        mapping = self.mapping() if tabular else None
        base = self.request(mapping)
        request = InvoiceImport(base.path, self.preview.format, mapping, base.label)
        header = list(self.preview.header)
        remember = tabular and self.remember_check.isChecked()
        dry_run = self.dry_run_check.isChecked()
        self.summary = None
        self.warnings_text.clear()
        self.result_back_button.setEnabled(False)
        self.pages.setCurrentIndex(2)

        def work(ctx: Ctx, progress: Callable[[int], None], cancelled: Callable[[], bool]) -> ImportSummary:
            result = import_invoices(ctx, request, progress=progress, cancelled=cancelled)
            if remember and mapping is not None:
                save_mapping(ctx, header, mapping)
            return result.summary

        self.run_import(work, dry_run, self._finished)

    def _progress(self, count: int) -> None:
        self.result_label.setText(self.tr("Importing… %1 documents read").replace("%1", str(count)))

    def _finished(self, summary: ImportSummary) -> None:
        self.summary = summary
        dry = self.dry_run_check.isChecked()
        text = fill(self.tr("%1: %2 created, %3 unchanged, %4, %5, %6."), (
            summary.file, summary.created, summary.unchanged,
            counted(summary.updated, self.tr("{0} contractor filled in"), self.tr("{0} contractors filled in")),
            counted(len(summary.skipped), self.tr("{0} skipped"), self.tr("{0} skipped")),
            counted(len(summary.warnings), self.tr("{0} warning"), self.tr("{0} warnings"))))
        if dry:
            text += " " + self.tr("Dry run: nothing was written.")
        self.result_label.setText(text)
        skipped = [self.tr("Skipped %1: %2").replace("%1", item["ref"]).replace("%2", item["reason"])
                   for item in summary.skipped]
        warned = [f"{w['ref']}: {w['text']}" for w in summary.warnings]
        self.warnings_text.setPlainText("\n".join([*skipped, *warned]))
        if not dry:
            self.imported.emit(summary)

    def _stop_progress(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setVisible(False)  # the line below it says how it ended ("100 %" would hide a failure)
        self.cancel_button.setText(self.tr("Close"))
        self.result_back_button.setEnabled(True)


def open_invoice_import(app: AppContext, runner: TaskRunner, parent: QWidget,
                        on_imported: Callable[[], None]) -> InvoiceImportDialog:
    """Tools → Import invoices: a non-modal wizard; the registers refresh after an import."""
    return open_import(InvoiceImportDialog(app, runner, parent), on_imported)
