"""The contractor register and contractor window: search, paging, contacts, invoices, credit, add and edit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from helpers.detail_ledger import BETA, OMEGA, OMEGA_EMAIL, DetailIds, seed_details
from helpers.ledger import contractor, pay
from helpers.qt_input import click, shown
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QTableView
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import ContactPerson, Contractor, ContractorAccount
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.contractor_detail import TAB_ACCOUNTS, TAB_CONTACTS, ContractorDetailDialog
from collector_app.ui.dialogs.contractor_edit import ContractorEditDialog
from collector_app.ui.dialogs.invoice_detail import InvoiceDetailDialog
from collector_app.ui.dialogs.log_call import LogCallDialog
from collector_app.ui.main_window import MainWindow
from collector_app.ui.models.contractor_table import COL_NAME, ContractorTableModel
from collector_app.ui.views.contractors import SEARCH_DEBOUNCE_MS, ContractorRegisterView

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]
FILLERS = 230  # more than one page of the register


class UrlRecorder(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def handle(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def opened_urls() -> Iterator[list[str]]:
    recorder = UrlRecorder()
    for scheme in ("mailto", "tel"):
        QDesktopServices.setUrlHandler(scheme, recorder, "handle")
    yield recorder.urls
    for scheme in ("mailto", "tel"):
        QDesktopServices.unsetUrlHandler(scheme)


@pytest.fixture
def ids(ledger: Ledger, clock: FixedClock) -> DetailIds:
    seeded = seed_details(ledger, clock)
    with ledger.transaction() as session:
        ctx = Ctx(session, clock, "tester")
        for i in range(FILLERS):
            contractor(ctx, f"Filler {i:03d} sp. j.")
    return seeded


@pytest.fixture
def register(qtbot: QtBot, app: AppContext, ids: DetailIds) -> ContractorRegisterView:
    view = ContractorRegisterView(app)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def detail(qtbot: QtBot, app: AppContext, ids: DetailIds) -> ContractorDetailDialog:
    return shown(qtbot, ContractorDetailDialog(app, ids.omega))


def names(model: ContractorTableModel) -> list[str]:
    return [r.name for r in model.rows]


def double_click(qtbot: QtBot, table: QTableView, row: int, column: int = 0) -> None:
    """As a mouse does it: press and release, then the double-click event (an item view needs both)."""
    pos = row_center(table, row, column)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def row_center(table: QTableView, row: int, column: int = 0) -> QPoint:
    model = table.model()
    return table.visualRect(model.index(row, column)).center()


def test_the_register_loads_one_page_not_every_contractor(register: ContractorRegisterView) -> None:
    model = register.model
    assert model.pages_fetched == 1
    assert len(model.rows) == model.page_size < FILLERS + 2
    assert names(model)[:2] == [BETA, "Filler 000 sp. j."]
    assert model.canFetchMore()


def test_search_as_you_type_filters_the_list(register: ContractorRegisterView, qtbot: QtBot) -> None:
    click(qtbot, register.search)
    qtbot.keyClicks(register.search, "omeg")
    assert register.debounce.isActive()  # not on every keystroke: after a short pause
    qtbot.waitUntil(lambda: names(register.model) == [OMEGA], timeout=SEARCH_DEBOUNCE_MS * 8)
    qtbot.keyClick(register.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(register.search, "7010010191")  # Omega's tax id
    qtbot.waitUntil(lambda: register.model.search == "7010010191", timeout=SEARCH_DEBOUNCE_MS * 8)
    assert names(register.model) == [OMEGA]
    qtbot.keyClick(register.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(register.search, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: register.model.search is None, timeout=SEARCH_DEBOUNCE_MS * 8)
    assert len(register.model.rows) == register.model.page_size


def test_rows_show_what_each_contractor_owes(register: ContractorRegisterView, qtbot: QtBot) -> None:
    qtbot.keyClicks(register.search, "Omega")
    register.apply_search()
    model = register.model
    cells = [model.index(0, c).data() for c in range(model.columnCount())]
    assert cells[:5] == [OMEGA, "7010010191", "Kraków", OMEGA_EMAIL, "+48601234567"]
    assert cells[5:] == ["2", "1530.00 PLN", "1030.00 PLN"]
    assert model.index(0, COL_NAME).data(Qt.ItemDataRole.UserRole + 1) is True  # OverdueRole


def test_enter_in_the_search_then_enter_opens_the_contractor(
    register: ContractorRegisterView, qtbot: QtBot, ids: DetailIds
) -> None:
    qtbot.keyClicks(register.search, "Beta")
    qtbot.keyClick(register.search, Qt.Key.Key_Return)
    assert names(register.model) == [BETA]
    with qtbot.waitSignal(register.open_contractor) as opened:
        qtbot.keyClick(register.table, Qt.Key.Key_Return)
    assert opened.args == [ids.beta]


def test_double_click_opens_the_contractor(register: ContractorRegisterView, qtbot: QtBot, ids: DetailIds) -> None:
    with qtbot.waitSignal(register.open_contractor) as opened:
        double_click(qtbot, register.table, 0)
    assert opened.args == [ids.beta]


def test_add_a_contractor(register: ContractorRegisterView, qtbot: QtBot, ledger: Ledger) -> None:
    click(qtbot, register.add_button)
    dialog = register.edit_dialog
    assert isinstance(dialog, ContractorEditDialog)
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.lines["name"], "Alfa Serwis Sp. z o.o.")
    qtbot.keyClicks(dialog.lines["taxId"], "113-285-38-69")
    qtbot.keyClicks(dialog.lines["email"], "kasa@alfa.example.com")
    qtbot.keyClicks(dialog.payment_terms, "21")
    with qtbot.waitSignal(register.contractors_changed):
        click(qtbot, dialog.button_box.button(QDialogButtonBox.StandardButton.Save))
    with ledger.transaction() as session:
        alfa = session.scalars(select(Contractor).where(Contractor.name == "Alfa Serwis Sp. z o.o.")).one()
        assert (alfa.tax_id, alfa.email, alfa.payment_terms_days, alfa.language) == (
            "1132853869", "kasa@alfa.example.com", 21, "pl")
    assert names(register.model)[0] == "Alfa Serwis Sp. z o.o."
    assert register.selected_contractor_id() == alfa.id


def test_a_bad_tax_id_keeps_the_add_dialog_open(register: ContractorRegisterView, qtbot: QtBot,
                                                ledger: Ledger) -> None:
    click(qtbot, register.add_button)
    dialog = register.edit_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.lines["name"], "Zeta")
    qtbot.keyClicks(dialog.lines["taxId"], "1234567890")
    click(qtbot, dialog.button_box.button(QDialogButtonBox.StandardButton.Save))
    assert dialog.isVisible()
    assert dialog.errors.text().startswith("Tax id:")
    with ledger.transaction() as session:
        assert session.scalar(select(Contractor.id).where(Contractor.name == "Zeta")) is None


@pytest.mark.parametrize(("field", "typed", "caption"), [
    ("payment_terms", "14,5", "Payment terms (days):"),
    ("credit_limit", "a lot", "Credit limit:"),
])
def test_an_error_names_the_field_by_its_label(register: ContractorRegisterView, qtbot: QtBot,
                                               field: str, typed: str, caption: str) -> None:
    click(qtbot, register.add_button)
    dialog = register.edit_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.lines["name"], "Zeta")
    qtbot.keyClicks(getattr(dialog, field), typed)
    click(qtbot, dialog.button_box.button(QDialogButtonBox.StandardButton.Save))
    assert dialog.isVisible() and dialog.errors.text().startswith(caption)


def test_the_contractor_window_shows_its_invoices_with_balance(detail: ContractorDetailDialog) -> None:
    model = detail.invoices
    assert [(r.number, str(r.balance)) for r in model.rows] == [("FV/1/2026", "1030.00"), ("FV/2/2026", "500.00")]
    assert detail.labels["balanceValue"].text() == "1530.00 PLN"
    assert detail.labels["overdueValue"].text() == "1030.00 PLN"
    assert detail.labels["creditValue"].text() == "none"
    assert f'href="mailto:{OMEGA_EMAIL}"' in detail.labels["contactLabel"].text()


def test_double_click_on_an_invoice_asks_to_open_it(detail: ContractorDetailDialog, qtbot: QtBot,
                                                    ids: DetailIds) -> None:
    with qtbot.waitSignal(detail.open_invoice) as opened:
        double_click(qtbot, detail.invoices_table, 1)
    assert opened.args == [ids.current]


def test_unallocated_credit_is_shown(qtbot: QtBot, app: AppContext, ids: DetailIds, ledger: Ledger,
                                     clock: FixedClock, today: dt.date) -> None:
    with ledger.transaction() as session:
        pay(Ctx(session, clock, "tester"), "1100.00", today, contractor_id=ids.omega)  # 1030 to FV/1, 70 left
    dlg = ContractorDetailDialog(app, ids.omega)
    qtbot.addWidget(dlg)
    assert dlg.labels["creditValue"].text() == "70.00 PLN"
    assert dlg.labels["overdueValue"].text() == "none"


def test_add_a_contact_person(detail: ContractorDetailDialog, qtbot: QtBot, ledger: Ledger,
                              opened_urls: list[str]) -> None:
    bar = detail.tabs.tabBar()
    click(qtbot, bar, bar.tabRect(TAB_CONTACTS).center())
    fields = detail.contact_fields
    qtbot.keyClicks(fields["contactName"], "Piotr Nowak")
    qtbot.keyClicks(fields["contactRole"], "CFO")
    qtbot.keyClicks(fields["contactEmail"], "piotr@omega.example.com")
    qtbot.keyClicks(fields["contactPhone"], "603 333 444")
    with qtbot.waitSignal(detail.changed):
        qtbot.keyClick(fields["contactPhone"], Qt.Key.Key_Return)
    assert detail.errors.text() == ""  # Enter added the person once, and pressed no other button
    with ledger.transaction() as session:
        people = [(p.name, p.role, p.email, p.phone) for p in session.scalars(
            select(ContactPerson).order_by(ContactPerson.id))]
    assert people[-1] == ("Piotr Nowak", "CFO", "piotr@omega.example.com", "+48603333444")
    table = detail.contacts_table
    assert table.rowCount() == 2
    assert detail.tabs.tabText(TAB_CONTACTS) == "Contact persons (2)"
    assert all(f.text() == "" for f in fields.values())
    double_click(qtbot, table, 1, 3)
    assert opened_urls == ["tel:+48603333444"]


def test_a_contact_without_a_name_is_refused(detail: ContractorDetailDialog, qtbot: QtBot) -> None:
    qtbot.keyClicks(detail.contact_fields["contactEmail"], "x@omega.example.com")
    qtbot.keyClick(detail.contact_fields["contactEmail"], Qt.Key.Key_Return)
    assert detail.errors.text() == "Name: the contact person's name is required"
    assert detail.contacts_table.rowCount() == 1


def test_log_call_goes_to_the_oldest_overdue_invoice(detail: ContractorDetailDialog, qtbot: QtBot,
                                                     ids: DetailIds) -> None:
    assert detail.log_call_button.isEnabled()
    click(qtbot, detail.log_call_button)
    dialog = detail.sub_dialog
    assert isinstance(dialog, LogCallDialog)
    assert dialog.invoice_id == ids.overdue
    dialog.reject()


def test_log_call_is_disabled_with_a_reason_when_nothing_is_overdue(qtbot: QtBot, app: AppContext,
                                                                    ids: DetailIds) -> None:
    dlg = ContractorDetailDialog(app, ids.beta)
    qtbot.addWidget(dlg)
    assert not dlg.log_call_button.isEnabled()
    assert "Nothing is overdue" in dlg.log_call_button.toolTip()
    assert [r.number for r in dlg.invoices.rows] == ["FV/3/2026"]


def test_edit_the_contractor(detail: ContractorDetailDialog, qtbot: QtBot, ledger: Ledger, ids: DetailIds) -> None:
    click(qtbot, detail.edit_button)
    dialog = detail.sub_dialog
    assert isinstance(dialog, ContractorEditDialog)
    assert dialog.lines["city"].text() == "Kraków"
    city = dialog.lines["city"]
    qtbot.keyClick(city, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(city, "Opole")
    with qtbot.waitSignal(detail.changed):
        click(qtbot, dialog.button_box.button(QDialogButtonBox.StandardButton.Save))
    with ledger.transaction() as session:
        omega = session.get(Contractor, ids.omega)
        assert omega is not None and omega.city == "Opole"
    assert detail.labels["addressLabel"].text() == "Opole"
    timeline = detail.timeline_table
    assert timeline.item(0, 2).text() == f"Contractor edited: {OMEGA}"  # type: ignore[union-attr]


# --- in the main window ----------------------------------------------------------------------

@pytest.fixture
def window(qtbot: QtBot, app: AppContext, ids: DetailIds) -> Iterator[MainWindow]:
    win = MainWindow(app)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.runner.wait()


def test_contractors_is_a_page_of_the_main_window(window: MainWindow, qtbot: QtBot) -> None:
    index = window.page_names.index("contractors")
    assert window.nav.item(index).text() == "Contractors"
    assert window.contractors.model.pages_fetched == 0  # nothing read for a page not yet shown
    click(qtbot, window.nav.viewport(), window.nav.visualItemRect(window.nav.item(index)).center())
    assert window.current_page() == "contractors"
    assert window.contractors.model.pages_fetched == 1
    assert names(window.contractors.model)[0] == BETA


def test_enter_on_an_invoice_opens_its_window_and_a_note_refreshes_the_register(
    window: MainWindow, qtbot: QtBot, ids: DetailIds
) -> None:
    table = window.invoices.table
    row = next(i for i, r in enumerate(window.invoices.model.rows) if r.id == ids.overdue)
    click(qtbot, table.viewport(), row_center(table, row))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    dialog = window.details.invoice_dialogs[ids.overdue]
    assert isinstance(dialog, InvoiceDetailDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.note_edit, "Called")
    with qtbot.waitSignal(window.invoices.model.modelReset):
        click(qtbot, dialog.add_note_button)

    click(qtbot, dialog.contractor_label, QPoint(8, dialog.contractor_label.height() // 2))
    contractor_dialog = window.details.contractor_dialogs[ids.omega]
    assert contractor_dialog.isVisible()
    assert contractor_dialog.timeline_table.item(0, 2).text() == "Note on FV/1/2026: Called"  # type: ignore[union-attr]


def test_type_in_a_bank_account_and_forget_it(detail: ContractorDetailDialog, qtbot: QtBot, ledger: Ledger,
                                              ids: DetailIds, monkeypatch: pytest.MonkeyPatch) -> None:
    bar = detail.tabs.tabBar()
    click(qtbot, bar, bar.tabRect(TAB_ACCOUNTS).center())
    assert not detail.remove_account_button.isEnabled()  # nothing chosen to forget
    qtbot.keyClicks(detail.account_input, "PL28 1140 2004 0000 3002 0135 5387")  # a check digit wrong
    qtbot.keyClick(detail.account_input, Qt.Key.Key_Return)
    assert "not a valid IBAN" in detail.errors.text()
    assert detail.accounts_table.rowCount() == 0
    detail.account_input.clear()
    qtbot.keyClicks(detail.account_input, "19-2000145399/0800")
    with qtbot.waitSignal(detail.changed):
        click(qtbot, detail.add_account_button)
    assert detail.errors.text() == "" and detail.account_input.text() == ""
    assert detail.accounts_table.item(0, 0).text() == "CZ6508000000192000145399"
    assert detail.accounts_table.item(0, 1).text() == "typed in"
    assert detail.tabs.tabText(TAB_ACCOUNTS) == "Bank accounts (1)"
    questions: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *_a: questions.append(text)
                        or QMessageBox.StandardButton.Yes)
    click(qtbot, detail.accounts_table.viewport(),
          detail.accounts_table.visualRect(detail.accounts_table.model().index(0, 0)).center())
    with qtbot.waitSignal(detail.changed):
        click(qtbot, detail.remove_account_button)
    assert questions and "CZ6508000000192000145399" in questions[0]
    assert detail.accounts_table.rowCount() == 0
    with ledger.transaction() as session:
        owned = select(ContractorAccount).where(ContractorAccount.contractor_id == ids.omega)
        assert session.scalars(owned).all() == []
