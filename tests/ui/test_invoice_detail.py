"""The invoice detail window as a collector uses it: links, notes, tasks, a call with a promise, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from helpers.detail_ledger import CONTACT_PHONE, OMEGA, OMEGA_EMAIL, OMEGA_PHONE, DetailIds, seed_details
from helpers.qt_input import click, shown
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QTabWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Call, Invoice, Note, Task, User
from collector_app.db.queries import RegisterQuery
from collector_app.domain.clock import FixedClock
from collector_app.services import activity
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.invoice_detail import TAB_CALLS, TAB_NOTES, TAB_TASKS, TAB_TIMELINE, InvoiceDetailDialog
from collector_app.ui.dialogs.log_call import LogCallDialog
from collector_app.ui.models.invoice_table import InvoiceTableModel

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


class UrlRecorder(QObject):
    """Stands in for the mail program and the phone app: QDesktopServices hands it the URLs."""

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
    return seed_details(ledger, clock)


@pytest.fixture
def dialog(qtbot: QtBot, app: AppContext, ids: DetailIds) -> InvoiceDetailDialog:
    return shown(qtbot, InvoiceDetailDialog(app, ids.overdue))


def open_tab(qtbot: QtBot, tabs: QTabWidget, index: int) -> None:
    bar = tabs.tabBar()
    click(qtbot, bar, bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def click_text_end(qtbot: QtBot, label: QLabel) -> None:
    """Click the last characters of a label's text (where the last link is)."""
    end = label.contentsRect().left() + label.sizeHint().width() - label.margin() - 6
    click(qtbot, label, QPoint(end, label.height() // 2))


def test_header_shows_the_contractor_amounts_and_status(dialog: InvoiceDetailDialog) -> None:
    assert dialog.title_label.text() == "Invoice FV/1/2026"
    assert OMEGA in dialog.contractor_label.text()
    assert dialog.values["grossValue"].text() == "1230.00 PLN"
    assert dialog.values["paidValue"].text() == "200.00 PLN"
    assert dialog.values["balanceValue"].text() == "1030.00 PLN"
    assert dialog.values["statusValue"].text() == "overdue, 28 days"
    assert f'href="mailto:{OMEGA_EMAIL}"' in dialog.contact_label.text()
    assert f'href="tel:{OMEGA_PHONE}"' in dialog.contact_label.text()
    assert f'href="tel:{CONTACT_PHONE}"' in dialog.contacts_label.text()
    assert "Anna Kowalska (accounts payable)" in dialog.contacts_label.text()
    assert not dialog.flags_label.isVisible()


def test_links_open_the_mail_program_the_phone_and_the_contractor(
    dialog: InvoiceDetailDialog, qtbot: QtBot, opened_urls: list[str]
) -> None:
    click(qtbot, dialog.contact_label, QPoint(8, dialog.contact_label.height() // 2))
    click_text_end(qtbot, dialog.contact_label)
    click_text_end(qtbot, dialog.contacts_label)
    assert opened_urls == [f"mailto:{OMEGA_EMAIL}", f"tel:{OMEGA_PHONE}", f"tel:{CONTACT_PHONE}"]
    with qtbot.waitSignal(dialog.open_contractor) as opened:
        click(qtbot, dialog.contractor_label, QPoint(8, dialog.contractor_label.height() // 2))
    assert opened.args == [dialog.detail.header.contractor_id if dialog.detail else None]


def test_allocated_payments_are_listed(dialog: InvoiceDetailDialog) -> None:
    table = dialog.allocations_table
    assert table.rowCount() == 1
    cells = [table.item(0, c).text() for c in range(table.columnCount())]  # type: ignore[union-attr]
    assert cells[1].startswith("payment #")
    assert cells[3:] == ["part of FV/1/2026", "200.00", "PLN"]


def test_add_a_note_then_edit_it(dialog: InvoiceDetailDialog, qtbot: QtBot, ledger: Ledger) -> None:
    open_tab(qtbot, dialog.tabs, TAB_NOTES)
    click(qtbot, dialog.note_edit)
    qtbot.keyClicks(dialog.note_edit, "Accountant on holiday until Monday")
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.add_note_button)
    assert dialog.note_edit.toPlainText() == ""
    assert dialog.notes_list.count() == 1
    assert "Accountant on holiday until Monday" in dialog.notes_list.item(0).text()
    assert dialog.tabs.tabText(TAB_NOTES) == "Notes (1)"

    item = dialog.notes_list.item(0)
    click(qtbot, dialog.notes_list.viewport(), dialog.notes_list.visualItemRect(item).center())
    click(qtbot, dialog.edit_note_button)
    assert dialog.add_note_button.text() == "Save note"
    assert dialog.note_edit.toPlainText() == "Accountant on holiday until Monday"
    qtbot.keyClick(dialog.note_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.note_edit, "Accountant back on Monday; pays on Tuesday")
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.add_note_button)

    with ledger.transaction() as session:
        notes = list(session.scalars(select(Note)))
    assert [n.text for n in notes] == ["Accountant back on Monday; pays on Tuesday"]
    assert notes[0].updated_at is not None
    assert dialog.add_note_button.text() == "Add note"
    assert "(edited" in dialog.notes_list.item(0).text()
    timeline = [dialog.timeline_table.item(r, 2).text() for r in range(dialog.timeline_table.rowCount())]  # type: ignore[union-attr]
    assert timeline[0].startswith("Note edited: Accountant back on Monday")
    assert any(t.startswith("Note on FV/1/2026: Accountant on holiday") for t in timeline)


def test_an_empty_note_is_refused_in_words_and_nothing_is_written(
    dialog: InvoiceDetailDialog, qtbot: QtBot, ledger: Ledger
) -> None:
    open_tab(qtbot, dialog.tabs, TAB_NOTES)
    click(qtbot, dialog.note_edit)
    qtbot.keyClicks(dialog.note_edit, "   ")
    click(qtbot, dialog.add_note_button)
    assert dialog.errors.label.isVisible()
    assert dialog.errors.text() == "Text: must not be empty"
    with ledger.transaction() as session:
        assert session.scalar(select(Note.id)) is None


def test_add_a_task_with_time_and_assignee_then_mark_it_done(
    dialog: InvoiceDetailDialog, qtbot: QtBot, ledger: Ledger, clock: FixedClock
) -> None:
    open_tab(qtbot, dialog.tabs, TAB_TASKS)
    editor = dialog.task_due
    editor.setFocus(Qt.FocusReason.TabFocusReason)  # tabbed into: the year is selected
    qtbot.keyClicks(editor, "202603201430")  # each section moves on to the next when full
    assert editor.dateTime().toString("yyyy-MM-dd HH:mm") == "2026-03-20 14:30"
    combo_edit = dialog.task_assignee.lineEdit()
    assert combo_edit is not None
    click(qtbot, combo_edit)
    qtbot.keyClick(combo_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(combo_edit, "ewa")
    click(qtbot, dialog.task_text)
    qtbot.keyClicks(dialog.task_text, "Call Anna about the promise")
    with qtbot.waitSignal(dialog.changed):
        qtbot.keyClick(dialog.task_text, Qt.Key.Key_Return)
    assert dialog.errors.text() == "" and dialog.isVisible()  # Enter pressed no other button
    assert dialog.log_call_dialog is None

    with ledger.transaction() as session:
        task, login = session.execute(select(Task, User.login).join(User, User.id == Task.assignee_id)).one()
        assert (task.text, login, task.done_at) == ("Call Anna about the promise", "ewa", None)
        assert task.due_at == dt.datetime(2026, 3, 20, 14, 30).astimezone().astimezone(dt.UTC)
    table = dialog.tasks_table
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(3)] == [  # type: ignore[union-attr]
        "2026-03-20 14:30", "Call Anna about the promise", "ewa"]
    assert dialog.tabs.tabText(TAB_TASKS) == "Tasks (1 open)"

    assert not dialog.done_task_button.isEnabled()
    click(qtbot, table.viewport(), table.visualItemRect(table.item(0, 1)).center())
    assert dialog.done_task_button.text() == "Mark done"
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.done_task_button)
    with ledger.transaction() as session:
        assert session.scalar(select(Task.done_at)) == clock.now()
    assert table.item(0, 3).text() != ""  # type: ignore[union-attr]
    assert dialog.tabs.tabText(TAB_TASKS) == "Tasks (0 open)"
    assert dialog.done_task_button.text() == "Reopen"


def test_log_a_call_with_a_promise_pauses_the_reminders(
    dialog: InvoiceDetailDialog, qtbot: QtBot, ledger: Ledger, today: dt.date
) -> None:
    click(qtbot, dialog.log_call_button)
    call = dialog.log_call_dialog
    assert isinstance(call, LogCallDialog)
    qtbot.waitExposed(call)
    call.outcome.setFocus()
    qtbot.keyClicks(call.outcome, "Promised")
    assert call.outcome.currentData() == "promised"
    assert call.promise_amount.isEnabled()
    click(qtbot, call.promise_amount)
    qtbot.keyClicks(call.promise_amount, "1030.00")
    click(qtbot, call.notes)
    qtbot.keyClicks(call.notes, "Pays next week")
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, call.button_box.button(QDialogButtonBox.StandardButton.Save))

    promised = today + dt.timedelta(days=7)
    with ledger.transaction() as session:
        invoice = session.get(Invoice, dialog.invoice_id)
        assert invoice is not None
        assert invoice.paused_until == promised
        saved = session.scalars(select(Call)).one()
        assert (saved.outcome, saved.promise_date, saved.promise_amount, saved.notes) == (
            "promised", promised, Decimal("1030.00"), "Pays next week")
    assert dialog.tabs.currentIndex() == TAB_CALLS
    assert dialog.calls_table.rowCount() == 1
    assert dialog.calls_table.item(0, 4).text() == "Promised to pay"  # type: ignore[union-attr]
    assert f"Reminders paused until {promised.isoformat()}" in dialog.flags_label.text()
    assert dialog.flags_label.isVisible()


def test_timeline_lists_what_happened_newest_first(dialog: InvoiceDetailDialog, qtbot: QtBot) -> None:
    open_tab(qtbot, dialog.tabs, TAB_TIMELINE)
    table = dialog.timeline_table
    summaries = [table.item(r, 2).text() for r in range(table.rowCount())]  # type: ignore[union-attr]
    assert summaries[0].startswith("Payment of")
    assert summaries[-1].startswith("Invoice FV/1/2026 added")
    assert table.item(0, 1).text() == "tester"  # type: ignore[union-attr]


def promise_in_a_call(app: AppContext, invoice_id: int, called: dt.date, promised: dt.date) -> None:
    with app.transaction() as ctx:
        invoice = ctx.session.get(Invoice, invoice_id)
        assert invoice is not None
        activity.log_call(ctx, invoice, activity.CallData(
            outcome="promised", duration_s=95, started_at=dt.datetime.combine(called, dt.time(11, 30)),
            promise_date=promised))


def opened_on(qtbot: QtBot, ledger: Ledger, invoice_id: int, day: dt.date) -> InvoiceDetailDialog:
    dlg = InvoiceDetailDialog(AppContext(ledger, FixedClock(day, dt.time(9, 0)), "tester"), invoice_id)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def register_tooltip(ledger: Ledger, day: dt.date, ids: DetailIds) -> object:
    """What hovering over the overdue invoice's row in the register shows on `day`."""
    model = InvoiceTableModel(AppContext(ledger, FixedClock(day), "tester"))
    model.set_query(RegisterQuery(contractor_id=ids.omega))
    row = next(r for r in range(model.rowCount()) if (shown := model.row_at(r)) and shown.id == ids.overdue)
    return model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_a_promise_pauses_the_reminders_until_its_day_and_names_the_call_by_its_date(
    qtbot: QtBot, app: AppContext, ledger: Ledger, ids: DetailIds, today: dt.date
) -> None:
    called, promised = today - dt.timedelta(days=1), today + dt.timedelta(days=3)
    promise_in_a_call(app, ids.overdue, called, promised)
    for day in (today, promised):  # in effect while today <= paused_until
        dlg = opened_on(qtbot, ledger, ids.overdue, day)
        assert dlg.flags_label.isVisible()
        assert dlg.flags_label.text() == (f"Reminders paused until {promised.isoformat()} "
                                          f"(promised on the call of {called.isoformat()})")
        assert register_tooltip(ledger, day, ids) == f"Reminders paused until {promised.isoformat()}"
        dlg.close()


def test_a_broken_promise_shows_no_pause(
    qtbot: QtBot, app: AppContext, ledger: Ledger, ids: DetailIds, today: dt.date
) -> None:
    promised = today + dt.timedelta(days=3)
    promise_in_a_call(app, ids.overdue, today, promised)
    later = promised + dt.timedelta(days=10)
    dlg = opened_on(qtbot, ledger, ids.overdue, later)
    assert not dlg.flags_label.isVisible() and "paused" not in dlg.flags_label.text()
    assert "call 1" not in dlg.flags_label.text()
    assert register_tooltip(ledger, later, ids) is None
