"""The Imports page: batches newest first with their summaries, imports started from it, undo with its refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.cli_support import ledger_dump
from helpers.invoice_imports import DATA, documents, make_firm, run_import
from helpers.qt_input import click
from helpers.statements import DATA as STATEMENTS
from helpers.statements import statement_ledger
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.services.contractors import ContractorData, add_contractor, update_contractor
from collector_app.services.import_statement import import_statement
from collector_app.services.payments import PaymentData, add_payment
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.import_invoices import InvoiceImportDialog
from collector_app.ui.main_window import MainWindow
from collector_app.ui.models.import_table import (
    COL_BY,
    COL_FILE,
    COL_RESULT,
    COL_SKIPPED,
    COL_UNDONE,
    COL_WARNINGS,
)
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.views.imports import ImportsView

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]

CSV = "cp1250_semicolon_comma.csv"




@pytest.fixture
def changes() -> list[str]:
    return []


@pytest.fixture
def page(qtbot: QtBot, app: AppContext, runner: TaskRunner, changes: list[str]) -> ImportsView:
    view = ImportsView(app, runner, on_changed=lambda: changes.append("changed"))
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def click_batch(qtbot: QtBot, page: ImportsView, batch_id: int) -> None:
    row = next(i for i, d in enumerate(page.model.rows) if d.row.id == batch_id)
    rect = page.table.visualRect(page.model.index(row, COL_FILE))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    selected = page.selected()
    assert selected is not None and selected.row.id == batch_id


def cell(page: ImportsView, batch_id: int, column: int) -> str:
    row = next(i for i, d in enumerate(page.model.rows) if d.row.id == batch_id)
    return str(page.model.index(row, column).data())


def answer(monkeypatch: pytest.MonkeyPatch, reply: QMessageBox.StandardButton) -> dict[str, list[str]]:
    said: dict[str, list[str]] = {"question": [], "warning": []}

    def question(_parent: object, _title: str, text: str, *_a: object) -> QMessageBox.StandardButton:
        said["question"].append(text)
        return reply

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *_a: said["warning"].append(text))
    return said


def two_invoice_imports(ledger: Ledger, clock: FixedClock) -> tuple[int, int]:
    make_firm(ledger, clock)
    csv = run_import(ledger, clock, DATA / CSV, label=CSV)
    ksef = run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml", label="ksef_fa3_invoice.xml")
    return csv.batch_id, ksef.batch_id


def _statement_and_ksef(app: AppContext, ledger: Ledger, clock: FixedClock, statement: str) -> tuple[int, int]:
    """The batches of a statement import (into the statement ledger) and then of a KSeF invoice import."""
    sta = app.call(lambda ctx: (statement_ledger(ctx), import_statement(ctx, STATEMENTS / statement))[1].batch_id)
    assert sta is not None
    make_firm(ledger, clock)
    return sta, run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml").batch_id


def _shown_page(qtbot: QtBot, app: AppContext, runner: TaskRunner) -> ImportsView:
    view = ImportsView(app, runner)
    qtbot.addWidget(view)
    view.show()
    return view


def test_the_page_lists_the_batches_newest_first_with_what_each_import_did(
        qtbot: QtBot, app: AppContext, ledger: Ledger, clock: FixedClock, runner: TaskRunner) -> None:
    sta, ksef = _statement_and_ksef(app, ledger, clock, "pl_two_statements_iso-8859-2.sta")
    ubl = run_import(ledger, clock, DATA / "ubl_invoice.xml", label="from/mail/ubl_invoice.xml").batch_id
    view = _shown_page(qtbot, app, runner)
    assert [d.row.id for d in view.model.rows] == [ubl, ksef, sta]
    assert cell(view, ubl, COL_RESULT) == "1 created, 0 unchanged"
    assert cell(view, ubl, COL_FILE) == "ubl_invoice.xml"
    assert cell(view, sta, COL_RESULT) == "6 payments, 3 matched, 3 to review"
    assert (cell(view, sta, COL_SKIPPED), cell(view, sta, COL_WARNINGS)) == ("2", "1")
    assert view.selected() is not None and view.selected().row.id == ubl  # type: ignore[union-attr]
    assert view.heading.text().startswith(f"Batch {ubl}: from/mail/ubl_invoice.xml (UBL), imported 2026-03-16")
    click_batch(qtbot, view, sta)
    assert "Payments: 6, matched automatically: 3, left for review: 3." in view.heading.text()
    lists = view.lists.toPlainText()
    assert lists.startswith("Skipped (2):\n") and "reversal" in lists and "Warnings (1):" in lists
    click_batch(qtbot, view, ksef)
    assert "Documents created: 1, unchanged: 0" in view.heading.text()
    assert "In the ledger now: documents 1, payments 0." in view.heading.text()
    assert view.lists.toPlainText() == "Nothing skipped.\nNo warnings."
    assert view.undo_button.isEnabled()


def test_undo_asks_naming_what_goes_then_removes_the_documents_and_marks_the_batch_undone(
        qtbot: QtBot, app: AppContext, ledger: Ledger, clock: FixedClock, page: ImportsView,
        changes: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    csv_id, ksef_id = two_invoice_imports(ledger, clock)
    page.refresh()
    said = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    click_batch(qtbot, page, csv_id)
    click(qtbot, page.undo_button)
    qtbot.waitUntil(lambda: not page.busy and cell(page, csv_id, COL_UNDONE) != "")
    assert said["question"] == [
        f"Undo import batch {csv_id} ({CSV})?\n\nIt removes:\n  documents: 4\n"
        "  contractors the import created: 2\n\nThe batch stays in the list, marked undone."]
    assert said["warning"] == []
    assert set(documents(ledger)) == {"FA/3/2026"}, "the other batch's invoice stays"
    assert page.selected() is not None and page.selected().row.id == csv_id  # type: ignore[union-attr]
    assert "Undone " in page.heading.text() and not page.undo_button.isEnabled()
    assert page.status.text() == f"Batch {csv_id} undone; removed documents: 4, payments: 0, contractors: 2."
    assert changes == ["changed"]
    click_batch(qtbot, page, ksef_id)
    assert page.undo_button.isEnabled()


def test_no_to_the_question_leaves_everything(qtbot: QtBot, app: AppContext, ledger: Ledger, clock: FixedClock,
                                              ledger_path: Path, page: ImportsView, changes: list[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    csv_id, _ksef_id = two_invoice_imports(ledger, clock)
    page.refresh()
    before = ledger_dump(ledger_path)
    said = answer(monkeypatch, QMessageBox.StandardButton.No)
    click_batch(qtbot, page, csv_id)
    click(qtbot, page.undo_button)
    qtbot.waitUntil(lambda: bool(said["question"]) and not page.busy)
    assert ledger_dump(ledger_path) == before
    assert cell(page, csv_id, COL_UNDONE) == "" and page.undo_button.isEnabled() and changes == []


def test_a_refused_undo_shows_the_reason_and_removes_nothing(
        qtbot: QtBot, app: AppContext, ledger: Ledger, clock: FixedClock, ledger_path: Path, page: ImportsView,
        changes: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _csv_id, ksef_id = two_invoice_imports(ledger, clock)
    app.call(lambda ctx: add_payment(ctx, PaymentData(date=dt.date(2026, 3, 16), amount=Decimal(100),
                                                      invoice_numbers=("FA/3/2026",))))
    page.refresh()
    before = ledger_dump(ledger_path)
    said = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    click_batch(qtbot, page, ksef_id)
    click(qtbot, page.undo_button)
    qtbot.waitUntil(lambda: bool(said["warning"]))
    reason = (f"import batch {ksef_id} (ksef_fa3_invoice.xml) cannot be undone: money was allocated to FA/3/2026 "
              "since")
    assert said == {"question": [], "warning": [reason]}, "nothing to confirm when the service refuses"
    assert page.status.text() == reason
    assert ledger_dump(ledger_path) == before
    assert cell(page, ksef_id, COL_UNDONE) == "" and changes == []


def test_import_invoices_opens_the_wizard_and_the_new_batch_shows_selected(
        qtbot: QtBot, app: AppContext, ledger: Ledger, clock: FixedClock, page: ImportsView,
        changes: list[str]) -> None:
    make_firm(ledger, clock)
    page.refresh()
    assert page.heading.text() == "No import yet." and not page.undo_button.isEnabled()
    click(qtbot, page.invoices_button)
    dialog = page.dialog
    assert isinstance(dialog, InvoiceImportDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.path_edit, str(DATA / "ubl_invoice.xml"))
    click(qtbot, dialog.next_button)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1 and dialog.import_button.isEnabled())
    click(qtbot, dialog.import_button)
    qtbot.waitUntil(lambda: changes == ["changed"])
    selected = page.selected()
    assert selected is not None and selected.row.file == "ubl_invoice.xml" and selected.row.documents == 1
    dialog.close()


def test_the_main_window_shows_the_page(qtbot: QtBot, app: AppContext, ledger: Ledger, clock: FixedClock) -> None:
    csv_id, ksef_id = two_invoice_imports(ledger, clock)
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    assert window.show_page("imports") is window.imports
    assert [d.row.id for d in window.imports.model.rows] == [ksef_id, csv_id]
    window.runner.wait(5000)


def test_undoing_a_statement_names_the_payments_and_the_allocations_taken_back(
        qtbot: QtBot, app: AppContext, page: ImportsView, changes: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    sta = app.call(lambda ctx: (
        statement_ledger(ctx), import_statement(ctx, STATEMENTS / "pl_two_statements_iso-8859-2.sta"))[1].batch_id)
    assert sta is not None
    page.refresh()
    said = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    click(qtbot, page.undo_button)  # the newest batch is selected
    qtbot.waitUntil(lambda: changes == ["changed"])
    assert said["question"][0].split("\n")[2:7] == [
        "It removes:", "  payments: 6", "  allocations the import made (taken back): 4",
        "  payer accounts the statement learned: 2", ""]
    assert page.status.text() == (f"Batch {sta} undone; removed documents: 0, payments: 6, contractors: 0. "
                                  "Payer accounts forgotten: 2.")
    assert "In the ledger now" not in page.heading.text() and cell(page, sta, COL_UNDONE) != ""
    paid = {inv.paid for inv in documents(app.ledger).values()}
    assert paid == {Decimal(0)}, "what the statement paid is open again"


def test_undo_names_the_contractor_fields_it_empties_and_those_a_person_changed_since(
        qtbot: QtBot, app: AppContext, ledger: Ledger, clock: FixedClock, page: ImportsView, changes: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    make_firm(ledger, clock)
    alfa = app.call(lambda ctx: add_contractor(ctx, ContractorData(name="Alfa (typed)", tax_id="7740001454")).id)
    ubl = run_import(ledger, clock, DATA / "ubl_invoice.xml").batch_id
    app.call(lambda ctx: update_contractor(ctx, alfa, ContractorData(email="platnosci@alfa.example")))
    page.refresh()
    said = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    click(qtbot, page.undo_button)
    qtbot.waitUntil(lambda: changes == ["changed"])
    assert said["question"] == [
        f"Undo import batch {ubl} (ubl_invoice.xml)?\n\nIt removes:\n  documents: 1\n"
        "  contractor fields the import filled (emptied again): 3\n\n"
        "Contractor fields it filled that were changed since stay: 1\n  Alfa (typed): email\n\n"
        "The batch stays in the list, marked undone."]
    assert page.status.text() == (f"Batch {ubl} undone; removed documents: 1, payments: 0, contractors: 0. "
                                  "Contractor fields emptied again: 3, kept (changed since): 1.")


def test_import_bank_statement_opens_the_statement_dialog(qtbot: QtBot, page: ImportsView) -> None:
    click(qtbot, page.statement_button)
    assert page.dialog is not None and page.dialog.isVisible()
    assert page.dialog.windowTitle() == "Import bank statement"
    page.runner.wait(5000)
    qtbot.waitUntil(page.runner.idle)
    page.dialog.close()


def test_a_statement_result_fits_its_column_and_formats_are_named_as_banks_name_them(
        qtbot: QtBot, app: AppContext, ledger: Ledger, clock: FixedClock, runner: TaskRunner) -> None:
    from collector_app.ui.models.import_table import COL_FORMAT

    sta, ksef = _statement_and_ksef(app, ledger, clock, "camt053_v04_prefixed.xml")
    view = _shown_page(qtbot, app, runner)
    assert (cell(view, sta, COL_FORMAT), cell(view, ksef, COL_FORMAT)) == ("camt.053", "KSeF")
    longest = view.model.tr("{0} payments, {1} matched, {2} to review").format(99, 99, 99)
    assert view.table.columnWidth(COL_RESULT) >= view.table.fontMetrics().horizontalAdvance(longest) + 8
    row = next(i for i, d in enumerate(view.model.rows) if d.row.id == sta)
    index = view.model.index(row, COL_RESULT)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == index.data()


def test_the_by_column_shows_a_whole_login(page: ImportsView) -> None:
    header = page.table.horizontalHeader()
    assert header.sectionSize(COL_BY) >= page.table.fontMetrics().horizontalAdvance("anna.kowalska") + 8
    for column in range(header.count()):
        title = str(page.model.headerData(column, Qt.Orientation.Horizontal))
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(title) + 8, title
