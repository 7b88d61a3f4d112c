"""The statement import dialog: import on a worker, the matching summary, then allocating from the review list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers.ledger import invoice
from helpers.qt_input import click, shown
from helpers.statements import DATA, statement_ledger
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.db.models import Invoice
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.import_statement import StatementImportDialog
from collector_app.ui.taskrunner import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def runner() -> TaskRunner:
    return TaskRunner()


def _dialog(qtbot: QtBot, app: AppContext, runner: TaskRunner) -> StatementImportDialog:
    return shown(qtbot, StatementImportDialog(app, runner))


def _import(qtbot: QtBot, dlg: StatementImportDialog, path: str) -> None:
    dlg.path_edit.setFocus()
    qtbot.keyClicks(dlg.path_edit, path)
    click(qtbot, dlg.import_button)
    qtbot.waitUntil(lambda: not dlg.running and dlg.cancel_button.text() == "Close")


def _two_invoices_of_the_same_amount(app: AppContext) -> None:
    """The statement ledger and FV/20/2026, FV/21/2026 of 99.99 each: a 99.99 payment waits for review."""
    ledger = app.call(lambda ctx: statement_ledger(ctx))
    app.call(lambda ctx: invoice(ctx, ledger.omega, "FV/20/2026", "99.99", dt.date(2026, 4, 1)))
    app.call(lambda ctx: invoice(ctx, ledger.beta, "FV/21/2026", "99.99", dt.date(2026, 4, 1)))


def test_import_shows_how_payments_matched_and_the_review_list_allocates(
        qtbot: QtBot, app: AppContext, runner: TaskRunner) -> None:
    _two_invoices_of_the_same_amount(app)
    dlg = _dialog(qtbot, app, runner)
    _import(qtbot, dlg, str(DATA / "pl_two_statements_iso-8859-2.sta"))
    assert "6 payments, 3 matched automatically, 3 wait for review, 2 entries skipped" in dlg.result_label.text()
    assert "invoice number in the title: 3" in dlg.details.toPlainText()
    assert "skipped (reversal): 1" in dlg.details.toPlainText()
    qtbot.waitUntil(lambda: dlg.review.rowCount() == 3)
    row = next(r for r in range(3) if dlg.review.item(r, 3).text() == "ZA USŁUGI")
    assert dlg.review.item(row, 4).text() == "FV/20/2026"
    assert dlg.review.item(row, 5).text() == "0.30"
    dlg.review.selectRow(row)
    assert dlg.allocate_button.isEnabled()
    assert dlg.suggestion_combo.currentData() == "FV/20/2026"
    click(qtbot, dlg.allocate_button)
    qtbot.waitUntil(lambda: dlg.review.rowCount() == 2)
    paid = app.call(lambda ctx: ctx.session.scalar(select(Invoice.paid).where(Invoice.number == "FV/20/2026")))
    assert paid == Decimal("99.99")


def test_a_broken_file_says_where_and_imports_nothing(qtbot: QtBot, app: AppContext, runner: TaskRunner) -> None:
    dlg = _dialog(qtbot, app, runner)
    _import(qtbot, dlg, str(DATA / "xxe.xml"))
    assert "xxe.xml" in dlg.result_label.text() and "Nothing was imported." in dlg.result_label.text()
    qtbot.waitUntil(lambda: dlg.review.rowCount() == 0)


def test_a_long_payer_name_does_not_push_the_suggestion_out_of_sight(
        qtbot: QtBot, app: AppContext, runner: TaskRunner) -> None:
    from dataclasses import replace

    from collector_app.ui.dialogs.import_statement import PAYER_WIDTH, REVIEW_PAYER

    _two_invoices_of_the_same_amount(app)
    dlg = _dialog(qtbot, app, runner)
    dlg.resize(900, 600)
    _import(qtbot, dlg, str(DATA / "pl_two_statements_iso-8859-2.sta"))
    qtbot.waitUntil(lambda: dlg.review.rowCount() == 3)
    long_payer = "OMEGA HANDEL SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ UL. DŁUGA 5 00-950 WARSZAWA " * 2
    dlg._show_review([replace(item, row=replace(item.row, payer=long_payer)) for item in dlg.items])
    assert dlg.review.columnWidth(REVIEW_PAYER) <= PAYER_WIDTH
    assert dlg.review.item(0, REVIEW_PAYER).toolTip() == dlg.review.item(0, REVIEW_PAYER).text()
    score_right = dlg.review.columnViewportPosition(5) + dlg.review.columnWidth(5)
    assert dlg.review.columnViewportPosition(5) >= 0 and score_right <= dlg.review.viewport().width()
    assert dlg.review_title.text() == "Review list: 3 bank payments waiting for a hand allocation"


def test_suggestions_name_the_currency_and_the_score(qtbot: QtBot, app: AppContext, runner: TaskRunner) -> None:
    _two_invoices_of_the_same_amount(app)
    dlg = _dialog(qtbot, app, runner)
    assert dlg.format_combo.itemText(dlg.format_combo.findData("camt053")) == "camt.053"
    _import(qtbot, dlg, str(DATA / "pl_two_statements_iso-8859-2.sta"))
    qtbot.waitUntil(lambda: dlg.review.rowCount() == 3)
    row = next(r for r in range(3) if dlg.review.item(r, 3).text() == "ZA USŁUGI")
    dlg.review.selectRow(row)
    assert dlg.suggestion_combo.currentText().startswith("FV/20/2026 — 99.99 PLN · score 0.30 · ")
