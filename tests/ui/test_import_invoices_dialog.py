"""The invoice import wizard: file, preview with detected columns, import on a worker, summary; mapping remembered."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from helpers.invoice_imports import DATA, documents
from helpers.qt_input import click, shown
from openpyxl import Workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from collector_app.db.engine import Ledger
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.import_invoices import InvoiceImportDialog
from collector_app.ui.taskrunner import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]




def _dialog(qtbot: QtBot, app: AppContext, runner: TaskRunner) -> InvoiceImportDialog:
    return shown(qtbot, InvoiceImportDialog(app, runner))


def _to_preview(qtbot: QtBot, dlg: InvoiceImportDialog, path: Path) -> None:
    dlg.path_edit.setFocus()
    qtbot.keyClicks(dlg.path_edit, str(path))
    click(qtbot, dlg.next_button)
    qtbot.waitUntil(lambda: dlg.pages.currentIndex() == 1 or bool(dlg.file_error.text().strip("Reading…")))


def _import(qtbot: QtBot, dlg: InvoiceImportDialog) -> None:
    click(qtbot, dlg.import_button)
    qtbot.waitUntil(lambda: not dlg.running and dlg.cancel_button.text() == "Close")


def test_csv_preview_mapping_and_import(qtbot: QtBot, app: AppContext, runner: TaskRunner, ledger: Ledger,
                                        tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"Nr dok;Klient;Wystawiono;Do zaplaty\nA/1;Eta;05.03.2026;1 234,50\nA/2;Eta;06.03.2026;10,00\n")
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, path)
    assert dlg.pages.currentIndex() == 1
    assert dlg.detected_label.text().startswith("Detected: CSV, utf-8")
    assert (dlg.table.rowCount(), dlg.table.columnCount()) == (2, 4)
    assert not dlg.import_button.isEnabled()  # the headers are unknown: the columns must be chosen
    for fld, header in (("number", "Nr dok"), ("contractor", "Klient"), ("issue_date", "Wystawiono"),
                        ("gross", "Do zaplaty")):
        combo = dlg.column_combos[fld]
        combo.setCurrentIndex(combo.findData(header))
    assert dlg.import_button.isEnabled()
    imported: list[object] = []
    dlg.imported.connect(imported.append)
    _import(qtbot, dlg)
    assert dlg.result_label.text().startswith("export.csv: 2 created, 0 unchanged")
    assert documents(ledger)["A/1"].gross == Decimal("1234.50") and len(imported) == 1

    again = _dialog(qtbot, app, runner)  # the next file from the same program: its mapping is remembered
    _to_preview(qtbot, again, path)
    assert "saved mapping" in again.detected_label.text()
    assert again.column_combos["gross"].currentData() == "Do zaplaty" and again.import_button.isEnabled()
    _import(qtbot, again)
    assert "0 created, 2 unchanged" in again.result_label.text()


def test_e_invoice_needs_no_mapping_and_dry_run_writes_nothing(qtbot: QtBot, app: AppContext, runner: TaskRunner,
                                                               ledger: Ledger) -> None:
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, DATA / "ksef_fa3_invoice.xml")
    assert dlg.detected_label.text() == "Detected: KSeF"
    assert dlg.mapping_box.isHidden()
    assert dlg.table.item(0, 0).text() == "FA/3/2026"
    dlg.dry_run_check.setChecked(True)
    _import(qtbot, dlg)
    assert "Dry run: nothing was written." in dlg.result_label.text()
    assert documents(ledger) == {}


def test_errors_are_shown_and_nothing_is_imported(qtbot: QtBot, app: AppContext, runner: TaskRunner,
                                                  ledger: Ledger, tmp_path: Path) -> None:
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, DATA / "xxe.xml")
    assert dlg.pages.currentIndex() == 0 and "refused" in dlg.file_error.text()
    bad = tmp_path / "bad.csv"
    bad.write_text("number;contractor;date;gross\nB/1;Eta;2026-03-01;10\nB/2;Eta;2026-03-01;1x\n")
    dlg.path_edit.clear()
    _to_preview(qtbot, dlg, bad)
    _import(qtbot, dlg)
    assert dlg.result_label.text() == 'bad.csv: line 3: gross: "1x" is not an amount\nNothing was imported.'
    assert documents(ledger) == {}


def test_after_a_dry_run_back_leads_to_the_preview_and_the_real_import(
        qtbot: QtBot, app: AppContext, runner: TaskRunner, ledger: Ledger) -> None:
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, DATA / "ksef_fa3_invoice.xml")
    dlg.dry_run_check.setChecked(True)
    _import(qtbot, dlg)
    assert dlg.result_back_button.isEnabled() and not dlg.progress.isVisible()
    click(qtbot, dlg.result_back_button)
    assert dlg.pages.currentIndex() == 1
    dlg.dry_run_check.setChecked(False)
    _import(qtbot, dlg)
    assert "FA/3/2026" in documents(ledger)


def test_after_a_failure_back_leads_to_the_mapping_to_fix_it(
        qtbot: QtBot, app: AppContext, runner: TaskRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("number;contractor;date;gross\nB/1;Eta;2026-03-01;10\nB/2;Eta;2026-03-01;1x\n")
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, bad)
    _import(qtbot, dlg)
    assert "Nothing was imported." in dlg.result_label.text() and not dlg.progress.isVisible()
    click(qtbot, dlg.result_back_button)
    assert dlg.pages.currentIndex() == 1 and dlg.column_combos["gross"].currentData() == "gross"


def test_the_mapping_names_fields_in_words_and_says_what_the_star_means(
        qtbot: QtBot, app: AppContext, runner: TaskRunner, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QFormLayout, QLabel

    path = tmp_path / "export.csv"
    path.write_bytes(b"Nr;Klient;Data;Kwota\nA/1;Eta;05.03.2026;10,00\n")
    dlg = _dialog(qtbot, app, runner)
    assert dlg.format_combo.itemText(dlg.format_combo.findData("ksef")) == "KSeF"
    _to_preview(qtbot, dlg, path)
    form = dlg.column_form
    assert isinstance(form, QFormLayout)
    label = form.labelForField(dlg.column_combos["issue_date"])
    assert isinstance(label, QLabel) and label.text() == "Issue date *"
    note = dlg.findChild(QLabel, "importRequiredNote")
    assert note is not None and "*" in note.text() and note.isVisible()


def test_preview_headers_are_whole_and_a_long_cell_is_cut_to_one_line(
        qtbot: QtBot, app: AppContext, runner: TaskRunner, tmp_path: Path) -> None:
    from collector_app.ui.dialogs.import_invoices import PREVIEW_COLUMN_WIDTH

    path = tmp_path / "export.csv"
    long_name = "Przedsiębiorstwo Handlowo-Usługowe Jan Kowalski i Wspólnicy Spółka Komandytowa"
    path.write_text(f"Numer;Kontrahent;Data wystawienia;Brutto\nA/1;{long_name};05.03.2026;10,00\n")
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, path)
    metrics = dlg.table.horizontalHeader().fontMetrics()
    assert dlg.table.columnWidth(2) >= metrics.horizontalAdvance("Data wystawienia")
    assert dlg.table.columnWidth(1) <= PREVIEW_COLUMN_WIDTH and not dlg.table.wordWrap()
    item = dlg.table.item(0, 1)
    assert item is not None and item.toolTip() == long_name


def test_one_warning_is_counted_in_the_singular(qtbot: QtBot, app: AppContext, runner: TaskRunner,
                                                tmp_path: Path) -> None:
    path = tmp_path / "one.csv"  # a NIP that fails its checksum: kept, with one warning
    path.write_bytes(b"Nr dok;Klient;NIP;Wystawiono;Termin;Do zaplaty\n"
                     b"A/1;Eta;1234567890;05.03.2026;19.03.2026;10,00\n")
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, path)
    for fld, header in (("number", "Nr dok"), ("contractor", "Klient"), ("tax_id", "NIP"),
                        ("issue_date", "Wystawiono"), ("due_date", "Termin"), ("gross", "Do zaplaty")):
        combo = dlg.column_combos[fld]
        combo.setCurrentIndex(combo.findData(header))
    _import(qtbot, dlg)
    assert dlg.result_label.text() == ("one.csv: 1 created, 0 unchanged, 0 contractors filled in, 0 skipped, "
                                       "1 warning.")


def test_skipped_documents_are_listed_with_their_reasons(qtbot: QtBot, app: AppContext, runner: TaskRunner,
                                                         tmp_path: Path) -> None:
    """What the import left out (a cancelled document, a pro forma) is shown, not only counted."""
    path = tmp_path / "two.csv"
    path.write_bytes(b"Nr dok;Klient;Wystawiono;Termin;Do zaplaty;Status\n"
                     b"A/1;Eta;05.03.2026;19.03.2026;10,00;Anulowana\n"
                     b"A/2;Eta;05.03.2026;19.03.2026;20,00;Wystawiona\n")
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, path)
    for fld, header in (("number", "Nr dok"), ("contractor", "Klient"), ("issue_date", "Wystawiono"),
                        ("due_date", "Termin"), ("gross", "Do zaplaty")):
        combo = dlg.column_combos[fld]
        combo.setCurrentIndex(combo.findData(header))
    _import(qtbot, dlg)
    assert "1 created" in dlg.result_label.text() and "1 skipped" in dlg.result_label.text()
    assert "Skipped" in dlg.warnings_text.toPlainText() and "Anulowana" in dlg.warnings_text.toPlainText()


def test_a_detected_column_set_to_none_is_not_read(qtbot: QtBot, app: AppContext, runner: TaskRunner,
                                                   ledger: Ledger, tmp_path: Path) -> None:
    """A column found by its header but wrong for this file ("E-mail" holding the sales rep's address) can be
    switched off: the import does not find it again, and the next file of that layout remembers it."""
    from sqlalchemy import select

    from collector_app.db.models import Contractor

    path = tmp_path / "export.csv"
    path.write_bytes(b"Number;Customer;Date;Total;E-mail\nA/1;Eta;2026-03-05;10.00;rep@firm.example\n")
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, path)
    combo = dlg.column_combos["email"]
    assert combo.currentData() == "E-mail"
    combo.setCurrentIndex(combo.findData(None))
    _import(qtbot, dlg)
    assert dlg.result_label.text().startswith("export.csv: 1 created")
    with ledger.transaction() as s:
        assert s.scalar(select(Contractor.email).where(Contractor.name == "Eta")) is None
    again = _dialog(qtbot, app, runner)
    _to_preview(qtbot, again, path)
    assert again.column_combos["email"].currentData() is None


def _choose(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Pick an item as a user does: open the list and click the item whose text starts with `text`."""
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    model_index = view.model().index(index, 0)
    view.scrollTo(model_index)
    click(qtbot, view.viewport(), view.visualRect(model_index).center())
    qtbot.waitUntil(lambda: not view.isVisible())
    assert combo.currentIndex() == index


def _cells(dlg: InvoiceImportDialog, row: int) -> list[str]:
    return [item.text() if (item := dlg.table.item(row, c)) is not None else "" for c in range(dlg.table.columnCount())]


def _reloaded(qtbot: QtBot, runner: TaskRunner) -> None:
    """The preview read again on the task runner, and shown."""
    qtbot.waitUntil(runner.idle)


def test_the_encoding_is_detected_overridable_and_remembered(qtbot: QtBot, app: AppContext, runner: TaskRunner,
                                                             ledger: Ledger, tmp_path: Path) -> None:
    """A Western European file whose letters fit cp1250 as well (ê or ę) is read as cp1250 in a Polish firm; the
    user chooses cp1252, the preview shows the right letters, the import uses it, the next file restores it."""
    path = tmp_path / "export.csv"
    path.write_bytes("Numer;Kontrahent;Data wystawienia;Brutto\nF/1;Crêpe Ami;05.03.2026;10,00\n".encode("cp1252"))
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, path)
    encoding = dlg.reading_box.encoding
    assert encoding.currentText() == "detected (cp1250)" and encoding.isVisible()
    assert _cells(dlg, 0)[1] == "Crępe Ami"
    _choose(qtbot, encoding, "cp1252")
    _reloaded(qtbot, runner)
    assert _cells(dlg, 0)[1] == "Crêpe Ami"
    assert dlg.mapping().encoding == "cp1252" and dlg.import_button.isEnabled()
    _import(qtbot, dlg)
    assert documents(ledger)["F/1"].contractor.name == "Crêpe Ami"
    assert "not UTF-8" not in dlg.warnings_text.toPlainText()  # named: nothing was guessed

    again = _dialog(qtbot, app, runner)
    _to_preview(qtbot, again, path)
    assert "saved mapping" in again.detected_label.text()
    assert again.reading_box.encoding.currentData() == "cp1252" and _cells(again, 0)[1] == "Crêpe Ami"


def test_choosing_the_delimiter_splits_the_columns(qtbot: QtBot, app: AppContext, runner: TaskRunner,
                                                   ledger: Ledger, tmp_path: Path) -> None:
    """One comma on every line ("Name, city") makes the sniffer take the comma; choosing ";" splits the file
    into its four columns, the columns are found by their headers, and the next file reads right away."""
    path = tmp_path / "export.csv"
    path.write_text("Numer;Nazwa, adres;Data wystawienia;Brutto\n"
                    "A/1;Eta, Praha;2026-03-05;10\nA/2;Beta, Brno;2026-03-06;20\n")
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, path)
    delimiter = dlg.reading_box.delimiter
    assert delimiter.currentText() == "detected (,)" and dlg.table.columnCount() == 2
    assert not dlg.import_button.isEnabled()
    _choose(qtbot, delimiter, ";")
    _reloaded(qtbot, runner)
    assert dlg.table.columnCount() == 4 and _cells(dlg, 0) == ["A/1", "Eta, Praha", "2026-03-05", "10"]
    combo = dlg.column_combos["contractor"]
    combo.setCurrentIndex(combo.findData("Nazwa, adres"))
    assert dlg.column_combos["number"].currentData() == "Numer" and dlg.import_button.isEnabled()
    _import(qtbot, dlg)
    assert documents(ledger)["A/2"].contractor.name == "Beta, Brno"

    again = _dialog(qtbot, app, runner)  # found by the header read with the detected delimiter
    _to_preview(qtbot, again, path)
    assert again.reading_box.delimiter.currentData() == ";" and again.table.columnCount() == 4
    assert again.column_combos["contractor"].currentData() == "Nazwa, adres" and again.import_button.isEnabled()


def test_rows_above_the_header_thousands_and_currency_go_into_the_mapping(
        qtbot: QtBot, app: AppContext, runner: TaskRunner, ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Zestawienie;;;\nokres: marzec;;;\nNr dok;Klient;Wystawiono;Do zaplaty\n"
                    "A/1;Eta;05.03.2026;1.234\n")
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, path)
    assert dlg.table.horizontalHeaderItem(0).text() == "Zestawienie"  # unknown headers: the first row is shown
    skip = dlg.reading_box.skip_rows
    skip.setFocus()
    qtbot.keyClick(skip, Qt.Key.Key_Up)
    qtbot.keyClick(skip, Qt.Key.Key_Up)
    _reloaded(qtbot, runner)
    assert [dlg.table.horizontalHeaderItem(c).text() for c in range(4)] == ["Nr dok", "Klient", "Wystawiono",
                                                                            "Do zaplaty"]
    assert _cells(dlg, 0)[0] == "A/1"
    for fld, header in (("number", "Nr dok"), ("contractor", "Klient"), ("issue_date", "Wystawiono"),
                        ("gross", "Do zaplaty")):
        combo = dlg.column_combos[fld]
        combo.setCurrentIndex(combo.findData(header))
    _choose(qtbot, dlg.reading_box.thousands, "point")
    _choose(qtbot, dlg.reading_box.currency, "EUR")
    assert (dlg.mapping().skip_rows, dlg.mapping().thousands, dlg.mapping().currency) == (2, ".", "EUR")
    _import(qtbot, dlg)
    invoice = documents(ledger)["A/1"]
    assert (invoice.gross, invoice.currency) == (Decimal("1234"), "EUR")

    again = _dialog(qtbot, app, runner)
    _to_preview(qtbot, again, path)
    box = again.reading_box
    assert (box.skip_rows.value(), box.thousands.currentData(), box.currency.currentData()) == (2, ".", "EUR")
    assert again.column_combos["gross"].currentData() == "Do zaplaty" and again.import_button.isEnabled()


def test_a_wrong_encoding_says_why_and_blocks_the_import(qtbot: QtBot, app: AppContext, runner: TaskRunner,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("Numer;Kontrahent;Data;Brutto\nF/1;Zakład Łódź;2026-03-05;10,00\n".encode("cp1250"))
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, path)
    assert dlg.import_button.isEnabled()
    _choose(qtbot, dlg.reading_box.encoding, "UTF-8")
    _reloaded(qtbot, runner)
    assert "not utf-8" in dlg.preview_error.text() and dlg.preview_error.isVisible()
    assert not dlg.import_button.isEnabled()
    _choose(qtbot, dlg.reading_box.encoding, "cp1250")
    _reloaded(qtbot, runner)
    assert dlg.preview_error.isHidden() and _cells(dlg, 0)[1] == "Zakład Łódź" and dlg.import_button.isEnabled()


def test_an_xlsx_shows_only_the_settings_that_apply(qtbot: QtBot, app: AppContext, runner: TaskRunner,
                                                    tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["Faktury za marzec"], ["Numer", "Kontrahent", "Data", "Brutto"], ["F/1", "Eta", "2026-03-05", 10]):
        sheet.append(row)
    book.save(tmp_path / "export.xlsx")
    dlg = _dialog(qtbot, app, runner)
    _to_preview(qtbot, dlg, tmp_path / "export.xlsx")
    box = dlg.reading_box
    assert box.encoding.isHidden() and box.delimiter.isHidden()
    assert box.skip_rows.isVisible() and box.thousands.isVisible() and box.currency.isVisible()
    assert dlg.mapping().encoding is None and dlg.mapping().delimiter is None
