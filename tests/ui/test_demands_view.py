"""The Demands page: the register of letters with its filters, open / preview / e-mail a stored letter, and the
invoices ready for a demand, driven with the mouse and keyboard on a ledger whose letters the service issued."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers.demand_ledger import DemandLedger, seed_demand_ledger
from helpers.ledger import contractor, invoice
from helpers.outbox_support import Recorder
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QMessageBox, QTableView, QTableWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update

from collector_app.db.models import Demand, Invoice, Outbox
from collector_app.services import demands
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.contractor_detail import ContractorDetailDialog
from collector_app.ui.dialogs.demand_batch import DemandBatchDialog
from collector_app.ui.dialogs.demand_make import DemandMakeDialog
from collector_app.ui.dialogs.invoice_detail import InvoiceDetailDialog
from collector_app.ui.main_window import MainWindow
from collector_app.ui.models.demand_table import COL_INVOICES, COL_KIND, COL_NUMBER, COL_TOTAL
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.views.demands import DemandsView

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def seeded(app: AppContext, server: tuple[Recorder, int]) -> DemandLedger:
    """Letters issued through the service: a demand to Omega (its two overdue invoices), a final demand for
    FV/3/2026 (Beta); Gamma's FV/4/2026 escalated by a policy and waiting for a letter."""
    with app.transaction() as ctx:
        ids = seed_demand_ledger(ctx, server[1])
        demands.make_demands(ctx, kind="demand", contractor_id=ids.omega)
        demands.make_demands(ctx, kind="final", invoice="FV/3/2026")
        ctx.session.execute(update(Invoice).where(Invoice.number == "FV/4/2026")
                            .values(ready_for_demand_at=ctx.clock.now()))
    return ids




@pytest.fixture
def page(qtbot: QtBot, app: AppContext, runner: TaskRunner, seeded: DemandLedger) -> DemandsView:
    view = DemandsView(app, runner)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitUntil(runner.idle)
    return view


def numbers(page: DemandsView) -> list[str]:
    return [page.model.index(r, COL_NUMBER).data() for r in range(page.model.rowCount())]


def click_row(qtbot: QtBot, table: QTableView, row: int, column: int = 0,
              modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    rect = table.visualRect(table.model().index(row, column))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def choose(qtbot: QtBot, page: DemandsView, number: str) -> None:
    click_row(qtbot, page.table, numbers(page).index(number))
    assert page.selected() is not None and page.selected().number == number  # type: ignore[union-attr]


def stored_pdf(app: AppContext, number: str) -> bytes:
    with app.transaction() as ctx:
        return bytes(ctx.session.scalars(select(Demand.pdf).where(Demand.number == number)).one())


def test_the_register_lists_letters_newest_first_with_their_amounts(page: DemandsView) -> None:
    assert numbers(page) == ["WZ/2026/03/0002", "WZ/2026/03/0001"]
    model = page.model
    assert model.index(0, COL_KIND).data() == "final demand"
    assert model.index(1, COL_INVOICES).data() == "FV/2/2026, FV/1/2026"
    total = model.index(1, COL_TOTAL).data()
    assert float(total) > 1845.00, "principal plus interest and compensation"
    assert page.summary.text() == "2 letters"
    for button in (page.open_button, page.preview_button, page.print_button, page.email_button):
        assert not button.isEnabled(), "nothing selected yet"


def test_filters_by_kind_contractor_and_date(qtbot: QtBot, page: DemandsView, today: dt.date) -> None:
    page.kind.setCurrentIndex(page.kind.findData("final"))
    assert numbers(page) == ["WZ/2026/03/0002"]
    page.kind.setCurrentIndex(page.kind.findData(None))
    editor = page.contractor.lineEdit()
    assert editor is not None
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "Omega Handel Sp. z o.o.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert numbers(page) == ["WZ/2026/03/0001"]
    page.contractor.setCurrentIndex(0)
    qtbot.mouseClick(page.date_range, Qt.MouseButton.LeftButton)
    assert numbers(page) == ["WZ/2026/03/0002", "WZ/2026/03/0001"], "this month's range holds today's letters"
    page.date_to.setDate(page.date_to.date().addDays(-1))
    assert numbers(page) == [] and page.summary.text() == "0 letters"


def test_open_pdf_hands_the_stored_letter_to_the_viewer(
        qtbot: QtBot, page: DemandsView, app: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    choose(qtbot, page, "WZ/2026/03/0001")
    qtbot.keyClick(page.table, Qt.Key.Key_Return)  # Enter on the row
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert len(opened) == 2
    path = Path(opened[0].toLocalFile())
    assert path.name == "WZ-2026-03-0001.pdf"
    assert path.read_bytes() == stored_pdf(app, "WZ/2026/03/0001"), "the letter as issued, byte for byte"


def test_print_preview_shows_the_stored_letter(qtbot: QtBot, page: DemandsView) -> None:
    choose(qtbot, page, "WZ/2026/03/0002")
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, QPrintPreviewDialog) and dialog.isVisible()
    preview = dialog.findChild(QPrintPreviewWidget)
    assert preview is not None
    qtbot.waitUntil(lambda: preview.pageCount() >= 1)
    assert "WZ/2026/03/0002" in dialog.windowTitle()
    dialog.close()


def test_email_asks_first_then_queues_the_letter_in_the_outbox(
        qtbot: QtBot, page: DemandsView, app: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *_a: asked.append(text) or answer[0])
    choose(qtbot, page, "WZ/2026/03/0001")
    qtbot.mouseClick(page.email_button, Qt.MouseButton.LeftButton)
    assert asked == ["Send WZ/2026/03/0001 to Omega Handel Sp. z o.o. by e-mail, the PDF attached?"]
    with app.transaction() as ctx:
        assert ctx.session.scalars(select(Outbox).where(Outbox.demand_id.is_not(None))).all() == []
    answer[0] = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(page.changed):
        qtbot.mouseClick(page.email_button, Qt.MouseButton.LeftButton)
    assert page.summary.text() == "WZ/2026/03/0001 is in the outbox: it goes out with the next run."
    with app.transaction() as ctx:
        (queued,) = ctx.session.scalars(select(Outbox).where(Outbox.demand_id.is_not(None))).all()
        letter = ctx.session.get(Demand, queued.demand_id)
        assert letter is not None and letter.number == "WZ/2026/03/0001"
        assert (queued.state, queued.channel, queued.recipient) == ("planned", "email", "biuro@omega.example")


def test_the_ready_list_makes_a_letter_and_then_drops_the_invoice(
        qtbot: QtBot, page: DemandsView, runner: TaskRunner, seeded: DemandLedger) -> None:
    ready = page.ready_model
    assert [r.number for r in ready.rows] == ["FV/4/2026"]
    assert page.ready_summary.text() == "1 invoice of 1 contractor"
    assert not page.make_ready_button.isEnabled()
    click_row(qtbot, page.ready_table, 0)
    assert page.make_ready_button.isEnabled()
    qtbot.mouseClick(page.make_ready_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, DemandMakeDialog) and dialog.contractor_ids == [seeded.gamma]
    assert "Gamma Serwis" in dialog.target.text()
    dialog.kind.setCurrentIndex(dialog.kind.findData("reminder"))
    with qtbot.waitSignal(dialog.made, timeout=20_000):
        qtbot.mouseClick(dialog.make_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Made: WZ/2026/03/0003"
    qtbot.waitUntil(runner.idle)
    assert numbers(page)[0] == "WZ/2026/03/0003" and page.model.index(0, COL_KIND).data() == "payment reminder"
    assert page.selected() is not None and page.selected().number == "WZ/2026/03/0003"  # type: ignore[union-attr]
    assert ready.rows == [] and page.ready_summary.text() == "No invoice is waiting for a demand."


def test_a_new_letter_needs_a_contractor_chosen(
        qtbot: QtBot, page: DemandsView, monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *_a: said.append(text))
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert said and page.dialog is None
    page.contractor.setCurrentIndex(page.contractor.findText("Beta Bud S.A."))
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert isinstance(page.dialog, DemandMakeDialog) and "Beta Bud" in page.dialog.target.text()


def test_a_refused_letter_says_why_and_makes_nothing(
        qtbot: QtBot, page: DemandsView, app: AppContext, seeded: DemandLedger) -> None:
    with app.transaction() as ctx:  # Gamma pays: nothing is overdue any more
        ctx.session.execute(update(Invoice).where(Invoice.number == "FV/4/2026").values(paid=Invoice.gross))
    page.contractor.setCurrentIndex(page.contractor.findText("Gamma Serwis Sp. j."))
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, DemandMakeDialog)
    qtbot.mouseClick(dialog.make_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("No letter made:"), timeout=20_000)
    assert dialog.make_button.isEnabled() and not dialog.open_button.isEnabled()
    with app.transaction() as ctx:
        assert len(ctx.session.scalars(select(Demand)).all()) == 2


def test_the_page_reads_the_register_when_shown_again(
        qtbot: QtBot, page: DemandsView, app: AppContext, seeded: DemandLedger) -> None:
    with app.transaction() as ctx:
        demands.make_demands(ctx, kind="reminder", contractor_id=seeded.gamma)
    page.hide()
    page.show()
    assert numbers(page)[0] == "WZ/2026/03/0003"


# --- from the detail windows and the main window ---------------------------------------------------

def invoice_id(app: AppContext, number: str) -> int:
    with app.transaction() as ctx:
        return int(ctx.session.scalars(select(Invoice.id).where(Invoice.number == number)).one())


def timeline_texts(table: QTableWidget) -> list[str]:
    return [table.item(r, 2).text() for r in range(table.rowCount()) if table.item(r, 2) is not None]


def test_the_invoice_window_makes_a_letter_for_that_invoice_and_its_timeline_shows_it(
        qtbot: QtBot, app: AppContext, seeded: DemandLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    detail = InvoiceDetailDialog(app, invoice_id(app, "FV/1/2026"))
    qtbot.addWidget(detail)
    detail.show()
    qtbot.mouseClick(detail.demand_button, Qt.MouseButton.LeftButton)
    letter = detail.demand_dialog
    assert letter is not None and letter.isVisible()
    assert letter.target.text() == "FV/1/2026 — Omega Handel Sp. z o.o." and letter.only_invoice.isChecked()
    letter.deadline.setValue(14)
    with qtbot.waitSignals([letter.made, detail.changed], timeout=20_000):
        qtbot.mouseClick(letter.make_button, Qt.MouseButton.LeftButton)
    assert letter.status.text() == "Made: WZ/2026/03/0003"
    with app.transaction() as ctx:
        (row,) = demands.list_demands(ctx, invoice_id=invoice_id(app, "FV/1/2026"), kind="demand", limit=1)
        assert row.number == "WZ/2026/03/0003" and row.invoices == ("FV/1/2026",)
        assert (row.deadline - ctx.clock.today()).days == 14
    assert detail.tabs.currentWidget().isAncestorOf(detail.timeline_table)
    assert any("WZ/2026/03/0003" in text for text in timeline_texts(detail.timeline_table))
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    qtbot.mouseClick(letter.open_button, Qt.MouseButton.LeftButton)
    assert Path(opened[0].toLocalFile()).read_bytes() == stored_pdf(app, "WZ/2026/03/0003")


def test_the_contractor_window_makes_one_letter_for_its_overdue_invoices(
        qtbot: QtBot, app: AppContext, seeded: DemandLedger) -> None:
    detail = ContractorDetailDialog(app, seeded.omega)
    qtbot.addWidget(detail)
    detail.show()
    qtbot.mouseClick(detail.demand_button, Qt.MouseButton.LeftButton)
    letter = detail.sub_dialog
    assert isinstance(letter, DemandMakeDialog)
    assert letter.target.text() == "All overdue invoices of Omega Handel Sp. z o.o."
    assert not letter.only_invoice.isVisible()
    with qtbot.waitSignal(letter.made, timeout=20_000):
        qtbot.keyClick(letter, Qt.Key.Key_Return)  # Make letter is the default button
    with app.transaction() as ctx:
        newest = demands.list_demands(ctx, contractor_id=seeded.omega, limit=1)[0]
    assert newest.number == "WZ/2026/03/0003"
    assert sorted(newest.invoices) == ["FV/1/2026", "FV/2/2026"], "not the invoice that is not yet due"


def test_the_tools_menu_opens_the_batch_and_the_page(qtbot: QtBot, app: AppContext, seeded: DemandLedger) -> None:
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    actions = {a.text(): a for a in window.tools_menu.actions()}
    actions["Demand &batch…"].trigger()
    assert window.current_page() == "demands"
    assert isinstance(window.demands.dialog, DemandBatchDialog) and window.demands.dialog.isVisible()
    window.demands.dialog.close()
    window.show_page("invoices")
    rect = window.invoices.table.visualRect(window.invoices.model.index(0, 0))
    qtbot.mouseClick(window.invoices.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    selected = window.invoices.selected_invoice_id()
    assert selected is not None
    actions["Make &demand…"].trigger()
    detail = window.details.invoice_dialogs[selected]
    assert detail.demand_dialog is not None and detail.demand_dialog.isVisible()
    window.runner.wait(5000)


def test_a_long_refusal_wraps_whole_and_the_fields_keep_their_size(
        qtbot: QtBot, app: AppContext, runner: TaskRunner, seeded: DemandLedger) -> None:
    with app.transaction() as ctx:  # a Czech invoice and no CZK/PLN rate: the refusal names two commands
        kral = contractor(ctx, "Král a syn a.s.", None, country="CZ")
        czech = invoice(ctx, kral, "2025-0062", "25524.64", ctx.clock.today() - dt.timedelta(days=160),
                        currency="CZK").id
    dialog = DemandMakeDialog(app, runner, invoice_id=czech)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    sizes = (dialog.kind.size(), dialog.deadline.size())
    height = dialog.height()
    qtbot.mouseClick(dialog.make_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("No letter made: no CZK/PLN rate"), timeout=20_000)
    assert dialog.status.text().endswith("--rate R`")  # the whole message, to its last word
    assert (dialog.kind.size(), dialog.deadline.size()) == sizes
    assert dialog.kind.height() >= dialog.kind.minimumSizeHint().height()
    assert dialog.height() > height, "the dialog grew for the message"
    status = dialog.status
    assert dialog.status_area.viewport().height() >= status.heightForWidth(status.width()), "every line shows"
