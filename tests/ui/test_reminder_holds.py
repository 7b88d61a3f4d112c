"""Stopping reminders by hand from the invoice and contractor windows: pause, dispute, payment plan,
hand-over, and letting them go on again from the same menu."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from helpers.detail_ledger import CURRENT_NO, OMEGA, OVERDUE_NO, DetailIds, seed_details
from helpers.ledger import invoice
from helpers.qt_input import click, shown
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction, QPainter
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Contractor, Event, Invoice, Task
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.contractor_detail import ContractorDetailDialog
from collector_app.ui.dialogs.invoice_detail import InvoiceDetailDialog
from collector_app.ui.dialogs.reminder_hold import PAUSE_DAYS_DEFAULT, ReminderHoldDialog

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]
SHOTS = Path(os.environ.get("HOLDS_SHOTS", "/tmp/holds-gui"))


@pytest.fixture
def ids(ledger: Ledger, clock: FixedClock) -> DetailIds:
    return seed_details(ledger, clock)


@pytest.fixture
def dialog(qtbot: QtBot, app: AppContext, ids: DetailIds) -> InvoiceDetailDialog:
    return shown(qtbot, InvoiceDetailDialog(app, ids.overdue))


@pytest.fixture
def contractor_dialog(qtbot: QtBot, app: AppContext, ids: DetailIds) -> ContractorDetailDialog:
    return shown(qtbot, ContractorDetailDialog(app, ids.omega))


def menu_texts(dlg: InvoiceDetailDialog) -> list[str]:
    return [a.text() for a in dlg.reminders_menu.actions() if not a.isSeparator()]


def choose(qtbot: QtBot, dlg: InvoiceDetailDialog, action: QAction) -> ReminderHoldDialog:
    """Pick a menu entry; the hold dialog it opens, once shown."""
    assert action in dlg.reminders_button.menu().actions()
    action.trigger()
    hold = dlg.hold_dialog
    assert hold is not None
    qtbot.waitExposed(hold)
    return hold


def fill_and_ok(qtbot: QtBot, hold: ReminderHoldDialog, reason: str) -> None:
    hold.reason_edit.clear()
    qtbot.keyClicks(hold.reason_edit, reason)
    click(qtbot, hold.button_box.button(QDialogButtonBox.StandardButton.Ok))


def invoice_row(ledger: Ledger, invoice_id: int) -> Invoice:
    with ledger.transaction() as s:
        inv = s.get(Invoice, invoice_id)
        assert inv is not None
        s.expunge(inv)
        return inv


def test_the_menu_offers_what_stops_reminders(dialog: InvoiceDetailDialog) -> None:
    assert dialog.reminders_button.isEnabled()
    assert menu_texts(dialog) == ["Pause reminders…", "Mark disputed…", "Payment plan agreed…",
                                  "Hand over to an agency…"]


def test_pause_then_resume(dialog: InvoiceDetailDialog, qtbot: QtBot, ledger: Ledger, today: dt.date) -> None:
    hold = choose(qtbot, dialog, dialog.pause_action)
    assert hold.until_date.isVisible()
    assert hold.until_day() == today + dt.timedelta(days=PAUSE_DAYS_DEFAULT)
    assert hold.until_date.minimumDate() == QDate(today.year, today.month, today.day)
    hold.until_date.setFocus()
    hold.until_date.setSelectedSection(hold.until_date.Section.DaySection)
    until = today + dt.timedelta(days=PAUSE_DAYS_DEFAULT + 1)
    qtbot.keyClick(hold.until_date, Qt.Key.Key_Up)  # one day more, as the arrow key does
    assert hold.until_day() == until
    with qtbot.waitSignal(dialog.changed):
        fill_and_ok(qtbot, hold, "asked for time until the month's end")
    assert not hold.isVisible()
    inv = invoice_row(ledger, dialog.invoice_id)
    assert (inv.paused_until, inv.pause_reason) == (until, "asked for time until the month's end")
    assert dialog.flags_label.isVisible()
    assert dialog.flags_label.text() == f"Reminders paused until {until} (asked for time until the month's end)"
    assert menu_texts(dialog)[0] == "Resume reminders"

    with qtbot.waitSignal(dialog.changed):
        dialog.pause_action.trigger()  # nothing to ask: resumes at once
    inv = invoice_row(ledger, dialog.invoice_id)
    assert (inv.paused_until, inv.pause_reason) == (None, None)
    assert not dialog.flags_label.isVisible()
    assert menu_texts(dialog)[0] == "Pause reminders…"


def test_a_pause_without_a_reason_is_refused_and_the_dialog_stays(
    dialog: InvoiceDetailDialog, qtbot: QtBot, ledger: Ledger
) -> None:
    hold = choose(qtbot, dialog, dialog.pause_action)
    assert hold.reason_label.text() == "&Reason:"
    fill_and_ok(qtbot, hold, "   ")
    assert hold.isVisible()
    assert hold.errors.label.isVisible()
    assert hold.errors.text() == "Reason: say why (the collector and the timeline will show it)"
    assert hold.focusWidget() is hold.reason_edit
    assert invoice_row(ledger, dialog.invoice_id).paused_until is None
    fill_and_ok(qtbot, hold, "waiting for the customer's accountant")
    assert not hold.isVisible()
    assert invoice_row(ledger, dialog.invoice_id).paused_until is not None


def test_cancel_changes_nothing(dialog: InvoiceDetailDialog, qtbot: QtBot, ledger: Ledger) -> None:
    hold = choose(qtbot, dialog, dialog.dispute_action)
    qtbot.keyClicks(hold.reason_edit, "goods damaged")
    click(qtbot, hold.button_box.button(QDialogButtonBox.StandardButton.Cancel))
    assert not hold.isVisible()
    assert not invoice_row(ledger, dialog.invoice_id).disputed
    assert menu_texts(dialog)[1] == "Mark disputed…"


def test_dispute_files_a_task_and_resolving_it_lets_reminders_go_on(
    dialog: InvoiceDetailDialog, qtbot: QtBot, ledger: Ledger
) -> None:
    hold = choose(qtbot, dialog, dialog.dispute_action)
    assert not hold.until_date.isVisible()
    assert hold.windowTitle() == f"Mark disputed — {OVERDUE_NO}"
    fill_and_ok(qtbot, hold, "")
    assert hold.errors.text().startswith("Reason: ")
    with qtbot.waitSignal(dialog.changed):
        fill_and_ok(qtbot, hold, "goods damaged in transport")
    assert invoice_row(ledger, dialog.invoice_id).disputed
    with ledger.transaction() as s:
        tasks = s.scalars(select(Task).where(Task.invoice_id == dialog.invoice_id)).all()
        assert [(t.source, t.text) for t in tasks] == [
            ("dispute", f"Settle the dispute on {OVERDUE_NO}: goods damaged in transport")]
    assert dialog.flags_label.text() == "Disputed"
    assert dialog.tabs.tabText(2) == "Tasks (1 open)"
    assert dialog.tasks_table.item(0, 1).text() == (  # type: ignore[union-attr]
        f"Settle the dispute on {OVERDUE_NO}: goods damaged in transport")

    hold = choose(qtbot, dialog, dialog.dispute_action)
    assert dialog.dispute_action.text() == "Dispute resolved…"
    assert hold.reason_label.text() == "&Reason (optional):"
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, hold.button_box.button(QDialogButtonBox.StandardButton.Ok))  # no reason needed
    assert not invoice_row(ledger, dialog.invoice_id).disputed
    assert not dialog.flags_label.isVisible()
    assert dialog.dispute_action.text() == "Mark disputed…"
    timeline = [dialog.timeline_table.item(r, 2).text()  # type: ignore[union-attr]
                for r in range(dialog.timeline_table.rowCount())]
    assert "Marked disputed: goods damaged in transport; reminders stop" in timeline
    assert "Dispute resolved; reminders go on" in timeline


def test_payment_plan_and_hand_over_show_in_the_header(
    dialog: InvoiceDetailDialog, qtbot: QtBot, ledger: Ledger
) -> None:
    hold = choose(qtbot, dialog, dialog.plan_action)
    fill_and_ok(qtbot, hold, "")
    assert hold.errors.text().startswith("Reason: ")
    fill_and_ok(qtbot, hold, "3 monthly instalments from the 10th")
    assert invoice_row(ledger, dialog.invoice_id).under_plan
    assert dialog.flags_label.text() == "Under a payment plan"

    hold = choose(qtbot, dialog, dialog.hand_over_action)
    assert hold.reason_label.text() == "&Reason (optional):"
    qtbot.keyClicks(hold.reason_edit, "Windykacja Lex")
    with qtbot.waitSignal(dialog.changed):
        qtbot.keyClick(hold.reason_edit, Qt.Key.Key_Return)  # Enter is OK
    inv = invoice_row(ledger, dialog.invoice_id)
    assert inv.handed_over and inv.under_plan
    assert dialog.flags_label.text() == "Under a payment plan · Handed over to an agency"
    assert menu_texts(dialog)[2:] == ["End payment plan…", "Take back from the agency…"]

    fill_and_ok(qtbot, choose(qtbot, dialog, dialog.plan_action), "paid off")
    fill_and_ok(qtbot, choose(qtbot, dialog, dialog.hand_over_action), "")
    inv = invoice_row(ledger, dialog.invoice_id)
    assert not inv.handed_over and not inv.under_plan
    assert not dialog.flags_label.isVisible()
    with ledger.transaction() as s:
        actions = s.scalars(select(Event.action).where(Event.invoice_id == dialog.invoice_id)
                            .order_by(Event.id)).all()
    assert actions[-4:] == ["invoice.plan_agreed", "invoice.handed_over", "invoice.plan_ended",
                            "invoice.taken_back"]


def test_a_stale_menu_shows_the_services_error_and_rereads(
    dialog: InvoiceDetailDialog, qtbot: QtBot, ledger: Ledger
) -> None:
    """Someone else resolved the pause meanwhile: the service says so, and the window does not pretend."""
    fill_and_ok(qtbot, choose(qtbot, dialog, dialog.pause_action), "asked for time")
    with ledger.transaction() as s:
        inv = s.get(Invoice, dialog.invoice_id)
        assert inv is not None
        inv.paused_until = None
    dialog.pause_action.trigger()  # still says "Resume reminders"
    assert dialog.errors.text() == f"invoice: {OVERDUE_NO}: its reminders are not paused"
    assert dialog.pause_action.text() == "Pause reminders…"
    assert not dialog.flags_label.isVisible()


def test_the_contractors_pause_shows_on_its_invoice(
    contractor_dialog: ContractorDetailDialog, qtbot: QtBot, app: AppContext, ids: DetailIds, ledger: Ledger,
    today: dt.date,
) -> None:
    button = contractor_dialog.pause_button
    assert button.text() == "&Pause reminders…"
    click(qtbot, button)
    hold = contractor_dialog.sub_dialog
    assert isinstance(hold, ReminderHoldDialog)
    qtbot.waitExposed(hold)
    assert hold.windowTitle() == f"Pause reminders — {OMEGA}"
    fill_and_ok(qtbot, hold, "")
    assert hold.errors.text().startswith("Reason: ")
    with qtbot.waitSignal(contractor_dialog.changed):
        fill_and_ok(qtbot, hold, "owner in hospital")
    until = today + dt.timedelta(days=PAUSE_DAYS_DEFAULT)
    with ledger.transaction() as s:
        c = s.get(Contractor, ids.omega)
        assert c is not None
        assert (c.paused_until, c.pause_reason) == (until, "owner in hospital")
    assert f"reminders paused until {until} (owner in hospital)" in contractor_dialog.labels["termsLabel"].text()
    assert button.text() == "&Resume reminders"

    inv_dialog = InvoiceDetailDialog(app, ids.overdue)
    qtbot.addWidget(inv_dialog)
    assert inv_dialog.flags_label.text() == (
        f"All of the contractor's reminders paused until {until} (owner in hospital)")

    with qtbot.waitSignal(contractor_dialog.changed):
        click(qtbot, button)
    with ledger.transaction() as s:
        c = s.get(Contractor, ids.omega)
        assert c is not None and c.paused_until is None
    assert "paused" not in contractor_dialog.labels["termsLabel"].text()
    assert button.text() == "&Pause reminders…"


def test_a_credit_note_has_no_reminders_menu(qtbot: QtBot, app: AppContext, ids: DetailIds, ledger: Ledger,
                                              clock: FixedClock, today: dt.date) -> None:
    with ledger.transaction() as s:
        omega = s.get(Contractor, ids.omega)
        assert omega is not None
        note_id = invoice(Ctx(s, clock, "tester"), omega, "KOR/1/2026", "100.00", today,
                          credit_note_for=CURRENT_NO).id
    dlg = InvoiceDetailDialog(app, note_id)
    qtbot.addWidget(dlg)
    assert not dlg.reminders_button.isEnabled()


def test_screenshots(dialog: InvoiceDetailDialog, contractor_dialog: ContractorDetailDialog, qtbot: QtBot) -> None:
    """The detail with the menu open, and the dialog: saved for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    fill_and_ok(qtbot, contractor_dialog.pause_or_resume() or pytest.fail("no dialog"), "owner in hospital")
    contractor_dialog.grab().save(str(SHOTS / "contractor-detail.png"))
    dialog.reload()  # as the invoice window shows it when opened again
    fill_and_ok(qtbot, choose(qtbot, dialog, dialog.plan_action), "3 monthly instalments from the 10th")
    label = dialog.flags_label  # two holds and a reason: wrapped, and the header makes room for both lines
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()) > label.fontMetrics().height())
    menu, button = dialog.reminders_menu, dialog.reminders_button
    click(qtbot, button)  # the button opens its menu (a window of its own; grabbed apart, then painted over)
    qtbot.waitUntil(menu.isVisible)
    shot = dialog.grab()
    painter = QPainter(shot)
    painter.drawPixmap(dialog.mapFromGlobal(menu.pos()), menu.grab())
    painter.end()
    shot.save(str(SHOTS / "invoice-detail-menu.png"))
    menu.hide()
    hold = choose(qtbot, dialog, dialog.pause_action)
    hold.grab().save(str(SHOTS / "pause-dialog.png"))
    fill_and_ok(qtbot, hold, "")
    hold.grab().save(str(SHOTS / "pause-dialog-error.png"))
    hold.reject()
    hold = choose(qtbot, dialog, dialog.hand_over_action)
    hold.grab().save(str(SHOTS / "hand-over-dialog.png"))
    hold.reject()
