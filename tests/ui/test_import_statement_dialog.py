"""The statement import dialog: import on a worker, the matching summary, then allocating from the review list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers.ledger import invoice
from helpers.qt_input import click, shown
from helpers.statements import DATA, statement_ledger
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.db.models import Invoice, Payment
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.import_statement import StatementImportDialog
from collector_app.ui.taskrunner import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]




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



def _imported(qtbot: QtBot, app: AppContext, runner: TaskRunner) -> StatementImportDialog:
    """The dialog after the two statements: ZA USŁUGI (99.99, two suggestions) and twice DAROWIZNA (50.00, none)."""
    _two_invoices_of_the_same_amount(app)
    dlg = _dialog(qtbot, app, runner)
    _import(qtbot, dlg, str(DATA / "pl_two_statements_iso-8859-2.sta"))
    qtbot.waitUntil(lambda: dlg.review.rowCount() == 3)
    return dlg


def _pick_payment(qtbot: QtBot, dlg: StatementImportDialog, title: str) -> int:
    """Click the first review row with this title; the payment's id."""
    row = next(r for r in range(dlg.review.rowCount()) if dlg.review.item(r, 3).text() == title)
    click(qtbot, dlg.review.viewport(), dlg.review.visualItemRect(dlg.review.item(row, 1)).center())
    item = dlg.selected_item()
    assert item is not None and item.row.title == title
    return item.row.id


def _find(qtbot: QtBot, dlg: StatementImportDialog, text: str) -> None:
    dlg.find_edit.clear()
    qtbot.keyClicks(dlg.find_edit, text)
    qtbot.waitUntil(lambda: not dlg.search_timer.isActive() and runner_idle(dlg))


def runner_idle(dlg: StatementImportDialog) -> bool:
    return bool(dlg.runner.idle())


def _type_amount(qtbot: QtBot, dlg: StatementImportDialog, text: str) -> None:
    dlg.amount_edit.setFocus()
    qtbot.keyClick(dlg.amount_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dlg.amount_edit, text)


def _paid(app: AppContext, number: str) -> Decimal:
    return app.call(lambda ctx: ctx.session.scalar(select(Invoice.paid).where(Invoice.number == number)))


def _allocated(app: AppContext, payment_id: int) -> Decimal:
    return app.call(lambda ctx: ctx.session.scalar(select(Payment.allocated).where(Payment.id == payment_id)))


def _combo_texts(dlg: StatementImportDialog) -> list[str]:
    return [dlg.suggestion_combo.itemText(i) for i in range(dlg.suggestion_combo.count())]


def test_a_payment_nothing_suggests_goes_in_part_to_any_open_invoice_found_by_contractor_or_number(
        qtbot: QtBot, app: AppContext, runner: TaskRunner) -> None:
    dlg = _imported(qtbot, app, runner)
    payment_id = _pick_payment(qtbot, dlg, "DAROWIZNA")
    qtbot.waitUntil(lambda: dlg.suggestion_combo.count() > 0)  # the open invoices in PLN, oldest due first
    assert dlg.allocate_button.isEnabled() and dlg.currency_label.text() == "PLN"
    assert not any("EU/1/2026" in text for text in _combo_texts(dlg))
    _find(qtbot, dlg, "beta bud")
    texts = _combo_texts(dlg)
    assert texts and all("Beta Bud S.A." in text for text in texts)
    _find(qtbot, dlg, "FV/5/")
    assert _combo_texts(dlg) == ["FV/5/2026 — balance 61.00 PLN · Beta Bud S.A. · due 2026-04-03"]
    assert dlg.amount_edit.text() == "50.00"  # the smaller of the payment's 50.00 and the balance 61.00
    _type_amount(qtbot, dlg, "20,00")
    click(qtbot, dlg.allocate_button)
    qtbot.waitUntil(lambda: dlg.review.rowCount() == 2)
    assert _paid(app, "FV/5/2026") == Decimal("20.00")
    assert _allocated(app, payment_id) == Decimal("20.00")
    assert dlg.result_label.text() == ("Allocated 20.00 PLN to FV/5/2026. 30.00 PLN of the payment is left "
                                       "unallocated: allocate it on the Payments page.")


def test_a_suggested_payment_can_get_another_amount_and_the_title_counts_one_payment(
        qtbot: QtBot, app: AppContext, runner: TaskRunner) -> None:
    dlg = _imported(qtbot, app, runner)
    _pick_payment(qtbot, dlg, "ZA USŁUGI")
    assert dlg.suggestion_combo.currentData() == "FV/20/2026" and dlg.amount_edit.text() == "99.99"
    _type_amount(qtbot, dlg, "40")
    click(qtbot, dlg.allocate_button)
    qtbot.waitUntil(lambda: dlg.review.rowCount() == 2)
    assert _paid(app, "FV/20/2026") == Decimal("40.00")
    _pick_payment(qtbot, dlg, "DAROWIZNA")
    _find(qtbot, dlg, "FV/9/2026")
    click(qtbot, dlg.allocate_button)
    qtbot.waitUntil(lambda: dlg.review.rowCount() == 1)
    assert _paid(app, "FV/9/2026") == Decimal("50.00")
    assert dlg.review_title.text() == "Review list: 1 bank payment waiting for a hand allocation"


def test_a_refused_allocation_is_said_under_the_buttons_and_writes_nothing(
        qtbot: QtBot, app: AppContext, runner: TaskRunner) -> None:
    dlg = _imported(qtbot, app, runner)
    payment_id = _pick_payment(qtbot, dlg, "DAROWIZNA")
    _find(qtbot, dlg, "FV/10/2026")
    _type_amount(qtbot, dlg, "60.00")
    click(qtbot, dlg.allocate_button)
    qtbot.waitUntil(lambda: dlg.error.label.isVisible())
    assert dlg.error.text() == "Amount: 60.00 is not between 0.01 and the 50.00 left"
    _type_amount(qtbot, dlg, "5,001")
    click(qtbot, dlg.allocate_button)
    assert dlg.error.text() == 'Amount: "5,001" has more than 2 decimal places for PLN'
    assert dlg.review.rowCount() == 3 and _allocated(app, payment_id) == Decimal("0.00")
    assert _paid(app, "FV/10/2026") == Decimal("0.00")
    _find(qtbot, dlg, "EU/1/2026")  # an invoice in another currency is not offered
    assert dlg.suggestion_combo.count() == 0 and not dlg.allocate_button.isEnabled()
    assert dlg.suggestion_combo.placeholderText() == "no open invoice in PLN holds “EU/1/2026”"
    _pick_payment(qtbot, dlg, "ZA USŁUGI")  # another payment: its suggestions, the look-up starts again
    assert dlg.find_edit.text() == "" and dlg.suggestion_combo.currentData() == "FV/20/2026"

