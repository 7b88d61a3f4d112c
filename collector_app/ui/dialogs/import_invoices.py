"""The invoice import wizard: file → detected format → preview and column mapping → import with progress → summary."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
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
from collector_app.ui.dialogs.first_start import CURRENCIES
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.import_run import ImportRunDialog, fill, format_name, open_import

PREVIEW_ROWS = 20
PREVIEW_COLUMN_WIDTH = 220  # px at most
FIELD_LABELS = {"number": "Invoice number", "contractor": "Contractor (name)", "tax_id": "Tax id (NIP, IČO, VAT)",
                "email": "E-mail", "issue_date": "Issue date", "due_date": "Due date", "gross": "Gross amount",
                "currency": "Currency", "variable_symbol": "Variable symbol (VS)"}  # the fields of invoice_csv.FIELDS
# What a CSV may be read in, by the names the importer takes (common.normalize_encoding's).
ENCODINGS = (("UTF-8", "utf-8"), ("cp1250 (Windows Central European)", "cp1250"),
             ("cp1252 / ISO-8859-1 (Western European)", "cp1252"), ("ISO-8859-2 (Central European)", "iso-8859-2"),
             ("UTF-16", "utf-16"))
DELIMITERS = (("; semicolon", ";"), (", comma", ","), ("Tab", "\t"), ("| bar", "|"))
THOUSANDS = (("space", " "), ("point", "."), ("comma", ","))
COMPACT_SPACING = 4  # px between the rows of the mapping forms: the preview keeps some rows at the default size


def narrow(combo: QComboBox) -> QComboBox:
    """A combo that does not widen the page to its longest item (a long header stays whole in the open list)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    return combo


def shown_delimiter(mark: str) -> str:
    return mark.replace("\t", "Tab")


@dataclass(frozen=True)
class Detected:
    """How the file reads with nothing chosen: what the settings' "detected" items name, and the header the
    mapping is also saved under (so that the next file of that layout finds it before anything is chosen)."""

    encoding: str | None
    delimiter: str | None
    header: list[str]


class ReadingBox(QGroupBox):
    """How the file is read: encoding, delimiter, rows above the header (these reload the preview), decimal and
    thousands marks, date format and the currency of rows without one."""

    def __init__(self, on_reload: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Reading the file"), parent)
        self.csv = True
        self.form = QFormLayout(self)
        self.form.setVerticalSpacing(COMPACT_SPACING)
        self.encoding = self._combo("importEncoding", self.tr("Encoding"), ENCODINGS)
        self.delimiter = self._combo("importDelimiter", self.tr("Delimiter"), DELIMITERS)
        self.skip_rows = QSpinBox()
        self.skip_rows.setObjectName("importSkipRows")
        self.skip_rows.setRange(0, 1000)
        self.skip_rows.setSpecialValueText(self.tr("none (header found)"))
        self.skip_rows.setKeyboardTracking(False)  # typed "12" reloads once, not at "1" too
        self.skip_rows.setToolTip(self.tr("Title lines above the header row; the header is the next row"))
        self.form.addRow(self.tr("Rows above the header"), self.skip_rows)
        self.decimal = self._combo("importDecimal", self.tr("Decimal mark"), ((self.tr("comma"), ","),
                                                                              (self.tr("point"), ".")))
        self.thousands = self._combo("importThousands", self.tr("Thousands separator"),
                                     tuple((self.tr(text), mark) for text, mark in THOUSANDS))
        self.date_format = QLineEdit()
        self.date_format.setObjectName("importDateFormat")
        self.date_format.setPlaceholderText(self.tr("detected (e.g. %d.%m.%Y)"))
        self.form.addRow(self.tr("Date format"), self.date_format)
        self.currency = self._combo("importCurrency", self.tr("Default currency"), tuple((c, c) for c in CURRENCIES))
        self.currency.setToolTip(self.tr("The currency of rows without one (no currency column, or an empty cell)"))
        for combo in (self.encoding, self.delimiter):
            combo.currentIndexChanged.connect(on_reload)
        self.skip_rows.valueChanged.connect(on_reload)

    def _combo(self, name: str, label: str, items: Sequence[tuple[str, str]]) -> QComboBox:
        combo = narrow(QComboBox())
        combo.setObjectName(name)
        combo.addItem(self.tr("detected"), None)
        for text, value in items:
            combo.addItem(text, value)
        self.form.addRow(label, combo)
        return combo

    def show_detected(self, detected: Detected, firm_currency: str, csv: bool) -> None:
        """Name what was detected in the first items; encoding and delimiter are a CSV's only."""
        for combo, value in ((self.encoding, detected.encoding),
                             (self.delimiter, shown_delimiter(detected.delimiter or ""))):
            combo.setItemText(0, self.tr("detected (%1)").replace("%1", value) if value else self.tr("detected"))
        self.currency.setItemText(0, self.tr("the firm's (%1)").replace("%1", firm_currency))
        self.csv = csv
        self.form.setRowVisible(self.encoding, csv)
        self.form.setRowVisible(self.delimiter, csv)

    def set_mapping(self, mapping: Mapping) -> None:
        """Show a saved mapping's settings (a new file without one: all detected); the preview is not reloaded."""
        for combo, value in ((self.encoding, mapping.encoding), (self.delimiter, mapping.delimiter),
                             (self.decimal, mapping.decimal), (self.thousands, mapping.thousands),
                             (self.currency, mapping.currency)):
            combo.blockSignals(True)
            if value is not None and combo.findData(value) < 0:
                combo.addItem(value, value)  # e.g. a currency or encoding named in an older mapping
            combo.setCurrentIndex(max(combo.findData(value), 0))
            combo.blockSignals(False)
        self.skip_rows.blockSignals(True)
        self.skip_rows.setValue(mapping.skip_rows)
        self.skip_rows.blockSignals(False)
        self.date_format.setText(mapping.date_format or "")

    def reading(self) -> Mapping:
        """The settings the preview depends on (no columns: another delimiter makes another header)."""
        if not self.csv:
            return Mapping(skip_rows=self.skip_rows.value())
        return Mapping(encoding=self.encoding.currentData(), delimiter=self.delimiter.currentData(),
                       skip_rows=self.skip_rows.value())

    def mapping(self, columns: dict[str, str | None]) -> Mapping:
        return replace(self.reading(), columns=columns, date_format=self.date_format.text().strip() or None,
                       decimal=self.decimal.currentData(), thousands=self.thousands.currentData(),
                       currency=self.currency.currentData())


class InvoiceImportDialog(ImportRunDialog):
    """Three pages; the preview and the import run on the task runner, the GUI thread only paints."""

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(app, runner, parent)
        self.preview: FilePreview | None = None
        self.summary: ImportSummary | None = None
        self.detected: Detected | None = None
        self.firm_currency = "PLN"
        self._reloads = 0  # the latest preview reload; an earlier one's result is dropped
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
        self.preview_error = QLabel("")
        self.preview_error.setObjectName("importPreviewError")
        self.preview_error.setWordWrap(True)
        self.preview_error.setVisible(False)
        layout.addWidget(self.preview_error)
        self.mapping_box = QWidget()
        sides = QHBoxLayout(self.mapping_box)
        sides.setContentsMargins(0, 0, 0, 0)
        sides.addWidget(self._columns_box(), 1)
        right = QVBoxLayout()  # the reading settings are fewer: what applies to both sides goes under them
        self.reading_box = ReadingBox(self.reload_preview)
        right.addWidget(self.reading_box)
        self.remember_check = QCheckBox(self.tr("Remember this mapping for files with these columns"))
        self.remember_check.setChecked(True)
        right.addWidget(self.remember_check)
        required = QLabel(self.tr("* a column is needed for this field"))
        required.setObjectName("importRequiredNote")
        right.addWidget(required)
        right.addStretch(1)
        sides.addLayout(right, 1)
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

    def _columns_box(self) -> QGroupBox:
        group = QGroupBox(self.tr("Columns"))
        self.column_form = QFormLayout(group)
        self.column_form.setVerticalSpacing(COMPACT_SPACING)
        self.column_combos: dict[str, QComboBox] = {}
        for fld in FIELDS:
            combo = narrow(QComboBox())
            combo.setObjectName(f"column_{fld}")
            combo.currentIndexChanged.connect(self._update_import_button)
            self.column_combos[fld] = combo
            label = self.tr(FIELD_LABELS.get(fld, fld)) + (" *" if fld in REQUIRED else "")
            self.column_form.addRow(label, combo)
        return group

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

        def work() -> tuple[FilePreview, Mapping | None, Detected, str]:
            with app.transaction() as ctx:
                firm = get_firm(ctx)
                currency = firm.currency if firm else "PLN"
                preview = preview_file(request, currency, PREVIEW_ROWS)
                saved = saved_mapping(ctx, preview.header) if preview.format in ("csv", "xlsx") else None
            detected = Detected(preview.encoding, preview.delimiter, list(preview.header))
            if saved is not None:
                preview = preview_file(InvoiceImport(request.path, preview.format, saved, request.label), currency)
            return preview, saved, detected, currency

        self.runner.run(work, self._show_preview, self._preview_failed)

    def _preview_failed(self, exc: Exception) -> None:
        self.next_button.setEnabled(True)
        self.file_error.setText(self._problem(exc))

    def _problem(self, exc: Exception) -> str:
        if isinstance(exc, UserError):
            return str(exc)
        return self.tr("The file cannot be read: %1").replace("%1", str(exc))

    def _show_preview(self, result: tuple[FilePreview, Mapping | None, Detected, str]) -> None:
        preview, saved, self.detected, self.firm_currency = result
        self.preview = preview
        self._reloads += 1  # a reload of the previous file still under way is not shown
        self.next_button.setEnabled(True)
        self.file_error.setText("")
        self._set_preview_error(None)
        tabular = preview.format in ("csv", "xlsx")
        details = [format_name(preview.format)]
        if preview.encoding:
            details.append(preview.encoding)
        if preview.delimiter:
            details.append(self.tr("delimiter “%1”").replace("%1", shown_delimiter(preview.delimiter)))
        if saved is not None:
            details.append(self.tr("saved mapping"))
        self.detected_label.setText(self.tr("Detected: %1").replace("%1", ", ".join(details)))
        self._fill_table(preview)
        self.mapping_box.setVisible(tabular)
        self.reading_box.show_detected(self.detected, self.firm_currency, preview.format == "csv")
        self.reading_box.set_mapping(saved or Mapping())
        self._fill_columns(preview, {})
        self._update_import_button()
        self.pages.setCurrentIndex(1)

    def _fill_table(self, preview: FilePreview) -> None:
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

    def _fill_columns(self, preview: FilePreview, kept: dict[str, int | None]) -> None:
        """The header's columns in every combo; a field in `kept` takes the column at that place (None: none),
        the others the column the import would find."""
        for fld, combo in self.column_combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("(none)"), None)
            for name in preview.header:
                if name:
                    combo.addItem(name, name)
            if fld in kept:
                place = kept[fld]
                wanted = preview.header[place] if place is not None else None
            else:
                wanted = preview.columns.get(fld)
            combo.setCurrentIndex(max(combo.findData(wanted), 0))
            combo.blockSignals(False)

    # -- reading settings: the preview again ---------------------------------------------------------

    def reload_preview(self) -> None:
        """Read the file again with the encoding, delimiter and rows to skip chosen (on the task runner)."""
        if self.preview is None or self.preview.format not in ("csv", "xlsx"):
            return
        self._reloads += 1
        ticket = self._reloads
        base = self.request()
        request = InvoiceImport(base.path, self.preview.format, self.reading_box.reading(), base.label)
        currency = self.firm_currency
        self.import_button.setEnabled(False)
        self.runner.run(lambda: preview_file(request, currency, PREVIEW_ROWS),
                        lambda preview: self._reloaded(ticket, preview),
                        lambda exc: self._reload_failed(ticket, exc))

    def _reloaded(self, ticket: int, preview: FilePreview) -> None:
        if ticket != self._reloads or self.preview is None:
            return  # a later choice is being read
        kept = self._kept_columns(self.preview, preview)
        self.preview = preview
        self._set_preview_error(None)
        self._fill_table(preview)
        self._fill_columns(preview, kept)
        self._update_import_button()

    def _kept_columns(self, old: FilePreview, new: FilePreview) -> dict[str, int | None]:
        """The columns chosen, by place, when the file reads as as many columns as before (other letters, the
        same header lower down); a field without one that the header now names is found anew."""
        if len(old.header) != len(new.header):
            return {}
        kept: dict[str, int | None] = {}
        for fld, combo in self.column_combos.items():
            chosen = combo.currentData()
            if chosen in old.header:
                kept[fld] = old.header.index(chosen)
            elif fld in old.columns or fld not in new.columns:  # switched off by hand, or still not found
                kept[fld] = None
        return kept

    def _reload_failed(self, ticket: int, exc: Exception) -> None:
        if ticket == self._reloads:
            self._set_preview_error(self._problem(exc))

    def _set_preview_error(self, text: str | None) -> None:
        self.preview_error.setText(text or "")
        self.preview_error.setVisible(bool(text))
        if text:
            self.table.setRowCount(0)
        self._update_import_button()

    def mapping(self) -> Mapping:
        """The columns chosen; a field the file was read with but set to "(none)" is switched off (None), so
        that the import does not find the column again by its header. With the reading settings."""
        detected = self.preview.columns if self.preview is not None else {}
        columns: dict[str, str | None] = {fld: combo.currentData() for fld, combo in self.column_combos.items()
                                          if combo.currentData() or fld in detected}
        return self.reading_box.mapping(columns)

    def _update_import_button(self) -> None:
        tabular = self.preview is not None and self.preview.format in ("csv", "xlsx")
        missing = [f for f in REQUIRED if tabular and not self.column_combos[f].currentData()]
        problem = self.preview_error.text()
        self.import_button.setEnabled(self.preview is not None and not missing and not problem)
        self.import_button.setToolTip(problem or (self.tr("Choose a column for: %1").replace("%1", ", ".join(missing))
                                                  if missing else ""))

    # -- page 2 → 3 --------------------------------------------------------------------------------

    def start_import(self) -> None:
        assert self.preview is not None
        tabular = self.preview.format in ("csv", "xlsx")
        mapping = self.mapping() if tabular else None
        base = self.request(mapping)
        request = InvoiceImport(base.path, self.preview.format, mapping, base.label)
        headers = [list(self.preview.header)]
        if self.detected is not None and self.detected.header != headers[0]:
            headers.append(self.detected.header)  # found again before the settings that made the header are known
        remember = tabular and self.remember_check.isChecked()
        dry_run = self.dry_run_check.isChecked()
        self.summary = None
        self.warnings_text.clear()
        self.result_back_button.setEnabled(False)
        self.pages.setCurrentIndex(2)

        def work(ctx: Ctx, progress: Callable[[int], None], cancelled: Callable[[], bool]) -> ImportSummary:
            result = import_invoices(ctx, request, progress=progress, cancelled=cancelled)
            if remember and mapping is not None:
                for header in headers:
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
