"""The payments page and its dialogs, driven as a person would: enter, allocate, reverse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from helpers.ledger import contractor, invoice
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QDialogButtonBox, QLineEdit, QTableWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.db.models import Allocation, Invoice, Payment
from collector_app.services.payments import PaymentData, add_payment
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.payment_actions import AllocatePaymentDialog, ReversePaymentDialog
from collector_app.ui.dialogs.payment_entry import COL_ALLOCATE, COL_NUMBER, PaymentEntryDialog
from collector_app.ui.main_window import MainWindow
from collector_app.ui.models.payment_table import COL_TITLE, COL_UNALLOCATED, UnallocatedRole
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.views.payments import PaymentRegisterView
from collector_app.ui.widgets.contractor_combo import chosen_contractor

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    # offscreen cannot raise the completer's popup or grab the keyboard for it; a desktop can
    pytest.mark.qt_log_ignore("does not support (raise|grabbing the keyboard|propagateSizeHints)"),
]
LEFT = Qt.MouseButton.LeftButton
D = Decimal


@pytest.fixture
def seeded(app: AppContext) -> dict[str, int]:
    """Omega owes three invoices (due 30 and 10 days ago, and in 5 days); Beta one."""
    today = app.clock.today()
    with app.transaction() as ctx:
        omega, beta = contractor(ctx, "Omega Handel Sp. z o.o."), contractor(ctx, "Beta Budownictwo S.A.")
        ids = {
            "FV/3": invoice(ctx, omega, "FV/3", "300.00", today + dt.timedelta(days=5)).id,
            "FV/1": invoice(ctx, omega, "FV/1", "100.00", today - dt.timedelta(days=30)).id,
            "FV/2": invoice(ctx, omega, "FV/2", "200.00", today - dt.timedelta(days=10)).id,
            "B/1": invoice(ctx, beta, "B/1", "50.00", today - dt.timedelta(days=3)).id,
        }
        return ids | {"omega": omega.id, "beta": beta.id}


@pytest.fixture
def page(qtbot: QtBot, app: AppContext, seeded: dict[str, int]) -> Iterator[PaymentRegisterView]:
    runner = TaskRunner()
    view = PaymentRegisterView(app, runner)
    qtbot.addWidget(view)
    view.resize(1200, 500)
    view.show()
    qtbot.waitExposed(view)
    yield view
    runner.wait()


def allocations(app: AppContext, payment_id: int) -> dict[str, Decimal]:
    with app.transaction() as ctx:
        rows = ctx.session.execute(
            select(Invoice.number, Allocation.amount).join(Invoice, Invoice.id == Allocation.invoice_id)
            .where(Allocation.payment_id == payment_id)
        )
        return {number: amount for number, amount in rows}


def table_column(table: QTableWidget, column: int) -> list[str]:
    return [item.text() if (item := table.item(r, column)) else "" for r in range(table.rowCount())]


def retype(qtbot: QtBot, editor: QLineEdit, text: str) -> None:
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, text)


def choose_contractor(qtbot: QtBot, dialog: PaymentEntryDialog, part_of_name: str) -> None:
    editor = dialog.contractor.lineEdit()
    assert editor is not None
    retype(qtbot, editor, part_of_name)
    popup = dialog.contractor.completer().popup()
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)


def edit_cell(qtbot: QtBot, table: QTableWidget, row: int, column: int, text: str) -> None:
    """Double-click the cell, replace its text, press Enter."""
    rect = table.visualRect(table.model().index(row, column))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), LEFT, pos=rect.center())
    editor = table.viewport().findChild(QLineEdit)
    assert isinstance(editor, QLineEdit)
    retype(qtbot, editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event-loop turn
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState)


def open_entry(qtbot: QtBot, page: PaymentRegisterView) -> PaymentEntryDialog:
    qtbot.mouseClick(page.enter_button, LEFT)
    dialog = page.dialog
    assert isinstance(dialog, PaymentEntryDialog)
    qtbot.waitExposed(dialog)
    return dialog


def select_row(qtbot: QtBot, page: PaymentRegisterView, row: int) -> None:
    rect = page.table.visualRect(page.model.index(row, COL_TITLE))
    qtbot.mouseClick(page.table.viewport(), LEFT, pos=rect.center())


# --- entering a payment --------------------------------------------------------------------

def test_the_suggestion_follows_the_invoice_the_title_names(qtbot: QtBot, app: AppContext,
                                                          page: PaymentRegisterView) -> None:
    """As `payment add` allocates: the invoice the transfer title names, not the oldest one."""
    dialog = open_entry(qtbot, page)
    choose_contractor(qtbot, dialog, "omega")
    qtbot.keyClicks(dialog.amount, "50")
    assert table_column(dialog.invoices, COL_ALLOCATE) == ["50.00", "", ""]
    qtbot.keyClicks(dialog.title, "FV/2")
    assert table_column(dialog.invoices, COL_ALLOCATE) == ["", "50.00", ""]
    with qtbot.waitSignal(dialog.saved) as blocker:
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), LEFT)
    assert allocations(app, blocker.args[0].payment.id) == {"FV/2": D("50.00")}


def test_suggestions_fill_oldest_first_and_saving_allocates_what_is_shown(
    qtbot: QtBot, app: AppContext, page: PaymentRegisterView
) -> None:
    dialog = open_entry(qtbot, page)
    choose_contractor(qtbot, dialog, "omega")
    assert dialog.contractor.currentText() == "Omega Handel Sp. z o.o."
    assert table_column(dialog.invoices, COL_NUMBER) == ["FV/1", "FV/2", "FV/3"]
    qtbot.keyClicks(dialog.amount, "250")
    assert table_column(dialog.invoices, COL_ALLOCATE) == ["100.00", "150.00", ""]
    assert "stays unallocated: 0.00 PLN" in dialog.summary.text()

    edit_cell(qtbot, dialog.invoices, 1, COL_ALLOCATE, "120")
    assert table_column(dialog.invoices, COL_ALLOCATE) == ["100.00", "120.00", ""]
    assert "Allocated 220.00 of 250.00 PLN · stays unallocated: 30.00 PLN" in dialog.summary.text()
    qtbot.keyClicks(dialog.title, "FV/1 FV/2")
    qtbot.keyClicks(dialog.payer, "Omega Handel")

    with qtbot.waitSignal(dialog.saved) as blocker:
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), LEFT)
    payment = blocker.args[0].payment
    assert not dialog.isVisible()
    assert allocations(app, payment.id) == {"FV/1": D("100.00"), "FV/2": D("120.00")}
    with app.transaction() as ctx:
        saved = ctx.session.get(Payment, payment.id)
        assert saved is not None
        assert (saved.amount, saved.allocated, saved.title, saved.payer_name) == (
            D("250.00"), D("220.00"), "FV/1 FV/2", "Omega Handel")
    row = page.model.rows[0]
    assert (row.id, row.unallocated) == (payment.id, D("30.00"))
    assert page.model.data(page.model.index(0, COL_UNALLOCATED), UnallocatedRole) is True
    qtbot.waitUntil(lambda: page.credit_label.text() == "Unallocated credit: 30.00 PLN")


def test_changing_the_amount_recomputes_the_suggestion(qtbot: QtBot, page: PaymentRegisterView) -> None:
    dialog = open_entry(qtbot, page)
    choose_contractor(qtbot, dialog, "omega")
    qtbot.keyClicks(dialog.amount, "250")
    edit_cell(qtbot, dialog.invoices, 0, COL_ALLOCATE, "10")
    retype(qtbot, dialog.amount, "1000")
    assert table_column(dialog.invoices, COL_ALLOCATE) == ["100.00", "200.00", "300.00"]
    assert "stays unallocated: 400.00 PLN" in dialog.summary.text()


def test_too_much_allocated_is_refused_and_the_dialog_stays_open(
    qtbot: QtBot, app: AppContext, page: PaymentRegisterView
) -> None:
    dialog = open_entry(qtbot, page)
    choose_contractor(qtbot, dialog, "omega")
    qtbot.keyClicks(dialog.amount, "100")
    edit_cell(qtbot, dialog.invoices, 2, COL_ALLOCATE, "50")
    assert "exceed the payment by 50.00 PLN" in dialog.summary.text()
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), LEFT)
    assert dialog.isVisible()
    assert dialog.error.text().startswith("Allocations: the amounts add up to 150.00")
    with app.transaction() as ctx:
        assert ctx.session.scalar(select(Payment.id)) is None


def test_a_bad_amount_is_named_and_nothing_is_written(
    qtbot: QtBot, app: AppContext, page: PaymentRegisterView
) -> None:
    dialog = open_entry(qtbot, page)
    choose_contractor(qtbot, dialog, "beta")
    qtbot.keyClicks(dialog.amount, "12.345")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), LEFT)
    assert dialog.isVisible()
    assert dialog.error.text() == 'Amount: "12.345" has more than 2 decimal places for PLN'
    with app.transaction() as ctx:
        assert ctx.session.scalar(select(Payment.id)) is None


def test_without_a_contractor_the_title_decides(qtbot: QtBot, app: AppContext, page: PaymentRegisterView) -> None:
    dialog = open_entry(qtbot, page)
    assert dialog.invoices.rowCount() == 0
    qtbot.keyClicks(dialog.amount, "50")
    qtbot.keyClicks(dialog.title, "Payment for B/1")
    with qtbot.waitSignal(dialog.saved) as blocker:
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), LEFT)
    assert allocations(app, blocker.args[0].payment.id) == {"B/1": D("50.00")}


def press(qtbot: QtBot, dialog: PaymentEntryDialog, key: Qt.Key) -> None:
    """A key pressed after typing in the contractor field: the completer's list has the keyboard while open."""
    popup = dialog.contractor.completer().popup()
    editor = dialog.contractor.lineEdit()
    assert editor is not None
    qtbot.keyClick(popup if popup.isVisible() else editor, key)


def type_contractor(qtbot: QtBot, dialog: PaymentEntryDialog, text: str) -> None:
    """Into the active dialog, as a person does (Tab then moves the focus on, which finishes the typing)."""
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    editor = dialog.contractor.lineEdit()
    assert editor is not None
    editor.setFocus()
    retype(qtbot, editor, text)


@pytest.mark.parametrize("key", [Qt.Key.Key_Tab, Qt.Key.Key_Return])
def test_part_of_a_name_and_tab_or_enter_picks_the_one_contractor_it_matches(
    qtbot: QtBot, page: PaymentRegisterView, seeded: dict[str, int], key: Qt.Key
) -> None:
    dialog = open_entry(qtbot, page)
    type_contractor(qtbot, dialog, "budow")
    press(qtbot, dialog, key)
    assert chosen_contractor(dialog.contractor) == seeded["beta"]
    assert dialog.contractor.currentText() == "Beta Budownictwo S.A."
    assert table_column(dialog.invoices, COL_NUMBER) == ["B/1"]
    assert dialog.summary.text() == "Allocated 0.00 PLN; type the amount received."
    type_contractor(qtbot, dialog, "beta b")  # the same one named again: chosen again, with its invoices
    press(qtbot, dialog, key)
    assert chosen_contractor(dialog.contractor) == seeded["beta"]
    assert table_column(dialog.invoices, COL_NUMBER) == ["B/1"]


def test_a_part_several_names_contain_keeps_the_list_open_and_is_never_saved_as_no_contractor(
    qtbot: QtBot, app: AppContext, page: PaymentRegisterView, seeded: dict[str, int]
) -> None:
    with app.transaction() as ctx:
        transport = contractor(ctx, "Omega Transport Sp. k.").id
    dialog = open_entry(qtbot, page)
    popup = dialog.contractor.completer().popup()
    type_contractor(qtbot, dialog, "omega")
    press(qtbot, dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(popup.isVisible)  # Enter: the two names again, to choose from
    assert chosen_contractor(dialog.contractor) is None
    said = '2 contractors\' names contain "omega": choose one from the list.'
    assert dialog.summary.text() == said
    press(qtbot, dialog, Qt.Key.Key_Tab)  # Tab moves on without a choice: still said, and Save refuses
    assert chosen_contractor(dialog.contractor) is None and dialog.summary.text() == said
    qtbot.keyClicks(dialog.amount, "50")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), LEFT)
    assert dialog.isVisible() and dialog.error.text() == f"Contractor: {said}"
    with app.transaction() as ctx:
        assert ctx.session.scalars(select(Payment)).all() == []
    type_contractor(qtbot, dialog, "omega t")
    press(qtbot, dialog, Qt.Key.Key_Tab)
    assert chosen_contractor(dialog.contractor) == transport


def test_a_name_that_matches_no_contractor_says_so(qtbot: QtBot, page: PaymentRegisterView) -> None:
    dialog = open_entry(qtbot, page)
    type_contractor(qtbot, dialog, "Zeta")
    press(qtbot, dialog, Qt.Key.Key_Tab)
    assert chosen_contractor(dialog.contractor) is None
    assert dialog.summary.text() == 'No contractor\'s name contains "Zeta".'


# --- the register: filters, allocate, reverse ------------------------------------------------

@pytest.fixture
def credit(app: AppContext, seeded: dict[str, int], page: PaymentRegisterView) -> int:
    """A payment of Omega's left entirely unallocated, and one of Beta's fully allocated."""
    with app.transaction() as ctx:
        add_payment(ctx, PaymentData(date=app.clock.today() - dt.timedelta(days=1), amount=D("50.00"),
                                     contractor_id=seeded["beta"], allocations=(("B/1", D("50.00")),)))
        pid = add_payment(ctx, PaymentData(date=app.clock.today(), amount=D("500.00"),
                                           contractor_id=seeded["omega"], title="advance", allocations=())).payment.id
    page.refresh()
    return pid


def test_unallocated_only_and_the_contractor_filter(
    qtbot: QtBot, page: PaymentRegisterView, credit: int
) -> None:
    assert [r.title for r in page.model.rows] == ["advance", None]
    qtbot.mouseClick(page.unallocated_only, LEFT)
    assert [r.id for r in page.model.rows] == [credit]
    qtbot.mouseClick(page.unallocated_only, LEFT)
    editor = page.contractor.lineEdit()
    assert editor is not None
    retype(qtbot, editor, "Beta Budownictwo S.A.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert [r.title for r in page.model.rows] == [None]
    qtbot.waitUntil(lambda: page.credit_label.text() == "No unallocated credit.")


def test_allocate_part_of_the_credit_to_a_chosen_invoice(
    qtbot: QtBot, app: AppContext, page: PaymentRegisterView, credit: int
) -> None:
    select_row(qtbot, page, 1)  # Beta's payment: nothing left to allocate
    assert not page.allocate_button.isEnabled()
    select_row(qtbot, page, 0)
    assert page.allocate_button.isEnabled()
    qtbot.mouseClick(page.allocate_button, LEFT)
    dialog = page.dialog
    assert isinstance(dialog, AllocatePaymentDialog)
    assert dialog.invoice.currentText().startswith("FV/1 · due 2026-02-14 · balance 100.00")
    assert dialog.amount.text() == "100.00"
    qtbot.keyClick(dialog.invoice, Qt.Key.Key_Down)  # the next oldest: FV/2
    assert dialog.amount.text() == "200.00"
    retype(qtbot, dialog.amount, "40")
    with qtbot.waitSignal(page.changed) as blocker:
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), LEFT)
    assert blocker.args[0].invoices
    assert allocations(app, credit) == {"FV/2": D("40.00")}
    selected = page.selected()  # the same payment stays selected after the refresh
    assert selected is not None and (selected.id, selected.unallocated) == (credit, D("460.00"))
    qtbot.waitUntil(lambda: page.credit_label.text() == "Unallocated credit: 460.00 PLN")


def test_allocate_shows_the_refusal_and_stays_open(
    qtbot: QtBot, app: AppContext, page: PaymentRegisterView, credit: int
) -> None:
    select_row(qtbot, page, 0)
    qtbot.mouseClick(page.allocate_button, LEFT)
    dialog = page.dialog
    assert isinstance(dialog, AllocatePaymentDialog)
    retype(qtbot, dialog.amount, "600")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), LEFT)
    assert dialog.isVisible()
    assert "not between 0.01 and the 500.00 left" in dialog.error.text()
    assert allocations(app, credit) == {}


def test_reverse_asks_for_a_reason_and_undoes_the_allocations(
    qtbot: QtBot, app: AppContext, page: PaymentRegisterView, credit: int, seeded: dict[str, int]
) -> None:
    select_row(qtbot, page, 1)
    qtbot.mouseClick(page.reverse_button, LEFT)
    dialog = page.dialog
    assert isinstance(dialog, ReversePaymentDialog)
    assert "50.00 PLN allocated to invoices is taken back" in dialog.question.text()
    qtbot.keyClicks(dialog.reason, "transfer bounced")
    with qtbot.waitSignal(page.changed):
        qtbot.mouseClick(dialog.reverse_button, LEFT)
    assert not dialog.isVisible()
    with app.transaction() as ctx:
        reversed_payment = ctx.session.get(Payment, page.model.rows[1].id)
        assert reversed_payment is not None
        assert reversed_payment.reversed_at is not None
        assert reversed_payment.reversal_reason == "transfer bounced"
        b1 = ctx.session.get(Invoice, seeded["B/1"])
        assert b1 is not None and b1.paid == 0
    assert page.model.rows[1].reversed
    assert not page.reverse_button.isEnabled() and not page.allocate_button.isEnabled()


def test_the_register_pages_in_from_sql(qtbot: QtBot, app: AppContext, seeded: dict[str, int]) -> None:
    from collector_app.ui.models.payment_table import PaymentTableModel

    with app.transaction() as ctx:
        for i in range(7):
            add_payment(ctx, PaymentData(date=app.clock.today() - dt.timedelta(days=i), amount=D("1.00"),
                                         contractor_id=seeded["omega"], allocations=()))
    model = PaymentTableModel(app, page_size=3)
    model.reload()
    assert (model.rowCount(), model.canFetchMore()) == (3, True)
    while model.canFetchMore():
        model.fetchMore()
    assert (model.rowCount(), model.pages_fetched) == (7, 3)


def test_in_the_main_window_a_payment_shows_in_the_invoice_register(
    qtbot: QtBot, app: AppContext, seeded: dict[str, int]
) -> None:
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    window.show_page("payments")
    assert window.statusBar().isVisible() and not window.totals_label.isVisible()
    dialog = open_entry(qtbot, window.payments)
    choose_contractor(qtbot, dialog, "omega")
    qtbot.keyClicks(dialog.amount, "100")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), LEFT)
    paid = {r.number: r.paid for r in window.invoices.model.rows}
    assert paid["FV/1"] == D("100.00")
    window.runner.wait()
    window.close()
