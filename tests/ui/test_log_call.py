"""The "Log call" dialog: the running timer, the duration typed over it, outcomes, promises and refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers.detail_ledger import OMEGA_PHONE, DetailIds, seed_details
from helpers.qt_input import click
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Call, Invoice
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.log_call import LogCallDialog, parse_duration

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def ids(ledger: Ledger, clock: FixedClock) -> DetailIds:
    return seed_details(ledger, clock)


@pytest.fixture
def dialog(qtbot: QtBot, ledger: Ledger, clock: FixedClock, ids: DetailIds) -> LogCallDialog:
    dlg = LogCallDialog(AppContext(ledger, clock, "tester"), ids.overdue)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def type_into(qtbot: QtBot, widget: QWidget, text: str) -> None:
    click(qtbot, widget)
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)


def choose(qtbot: QtBot, dialog: LogCallDialog, outcome_text: str) -> None:
    dialog.outcome.setFocus()
    qtbot.keyClicks(dialog.outcome, outcome_text)


def save(qtbot: QtBot, dialog: LogCallDialog) -> None:
    click(qtbot, dialog.button_box.button(QDialogButtonBox.StandardButton.Save))


def calls(ledger: Ledger) -> list[Call]:
    with ledger.transaction() as session:
        return list(session.scalars(select(Call)))


@pytest.mark.parametrize(("text", "seconds"), [("4:30", 270), ("04:05", 245), ("1:02:03", 3723), ("90", 90)])
def test_durations_are_read_as_people_type_them(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "4:60", "four", "1:75:00", "-3"])
def test_a_duration_that_is_not_one_names_the_field(text: str) -> None:
    with pytest.raises(UserError) as info:
        parse_duration(text)
    assert info.value.field == "duration"


def test_header_offers_the_number_to_dial(dialog: LogCallDialog) -> None:
    assert "FV/1/2026" in dialog.header_label.text()
    assert f'href="tel:{OMEGA_PHONE}"' in dialog.header_label.text()
    assert dialog.windowTitle() == "Log call — FV/1/2026"


def test_the_timer_runs_from_opening_and_stops_and_restarts(dialog: LogCallDialog, qtbot: QtBot) -> None:
    assert dialog.timer_label.text() == "00:00"
    qtbot.waitUntil(lambda: dialog.timer_label.text() == "00:01", timeout=3000)
    assert dialog.duration.text() == "00:01"  # the duration field follows the timer

    click(qtbot, dialog.start_stop)
    assert dialog.start_stop.text() == "Start"
    stopped = dialog.timer_label.text()
    qtbot.wait(1300)
    assert dialog.timer_label.text() == stopped

    click(qtbot, dialog.start_stop)
    assert dialog.start_stop.text() == "Stop"
    qtbot.waitUntil(lambda: dialog.elapsed_seconds() > int(stopped[-2:]), timeout=3000)
    qtbot.waitUntil(lambda: dialog.timer_label.text() != stopped, timeout=3000)


def test_a_typed_duration_wins_over_the_timer(dialog: LogCallDialog, qtbot: QtBot, ledger: Ledger) -> None:
    type_into(qtbot, dialog.duration, "4:30")
    qtbot.wait(1200)  # a tick passes: the typed duration stays
    assert dialog.duration.text() == "4:30"
    assert not dialog.duration_hint.isVisible()
    choose(qtbot, dialog, "Reached")
    with qtbot.waitSignal(dialog.saved):
        save(qtbot, dialog)
    [call] = calls(ledger)
    assert (call.outcome, call.duration_s, call.promise_date) == ("reached", 270, None)
    assert not dialog.isVisible()


def test_promise_fields_only_when_the_outcome_is_a_promise(dialog: LogCallDialog, qtbot: QtBot) -> None:
    assert dialog.outcome.currentData() == "reached"
    assert not dialog.promise_date.isEnabled()
    assert not dialog.promise_amount.isEnabled()
    choose(qtbot, dialog, "Promised")
    assert dialog.promise_date.isEnabled()
    assert dialog.promise_amount.isEnabled()
    assert dialog.promise_amount.placeholderText() == "1030.00"
    assert dialog.currency_label.text() == "PLN"


def test_a_promise_with_a_contact_person_pauses_the_invoice(
    dialog: LogCallDialog, qtbot: QtBot, ledger: Ledger, ids: DetailIds, today: dt.date
) -> None:
    dialog.contact.setFocus()
    qtbot.keyClicks(dialog.contact, "Anna")
    assert dialog.contact.currentData() == ids.anna
    choose(qtbot, dialog, "Promised")
    dialog.promise_date.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(dialog.promise_date, "20260327")
    type_into(qtbot, dialog.promise_amount, "500,00")
    type_into(qtbot, dialog.notes, "Half now, the rest after the holidays")
    with qtbot.waitSignal(dialog.saved):
        save(qtbot, dialog)
    [call] = calls(ledger)
    assert call.contact_person_id == ids.anna
    assert (call.promise_date, call.promise_amount, call.promise_currency) == (
        dt.date(2026, 3, 27), Decimal("500.00"), "PLN")
    with ledger.transaction() as session:
        invoice = session.get(Invoice, ids.overdue)
        assert invoice is not None
        assert invoice.paused_until == dt.date(2026, 3, 27)
        assert invoice.pause_reason == f"promise from call {call.id}"


def test_a_promise_in_the_past_is_refused_and_the_dialog_stays_open(
    dialog: LogCallDialog, qtbot: QtBot, ledger: Ledger
) -> None:
    choose(qtbot, dialog, "Promised")
    dialog.promise_date.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(dialog.promise_date, "20260301")
    save(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.errors.label.isVisible()
    assert dialog.errors.text() == "Promised by: 2026-03-01 is in the past (today is 2026-03-16)"
    assert dialog.focusWidget() is dialog.promise_date or dialog.promise_date.isAncestorOf(dialog.focusWidget())
    assert calls(ledger) == []


def test_an_amount_with_too_many_decimals_is_refused(dialog: LogCallDialog, qtbot: QtBot, ledger: Ledger) -> None:
    choose(qtbot, dialog, "Promised")
    type_into(qtbot, dialog.promise_amount, "12.345")
    save(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.errors.text() == 'Amount: "12.345" has more than 2 decimal places for PLN'
    assert calls(ledger) == []

    type_into(qtbot, dialog.promise_amount, "12.34")
    with qtbot.waitSignal(dialog.saved):
        save(qtbot, dialog)
    assert [c.promise_amount for c in calls(ledger)] == [Decimal("12.34")]


def test_a_bad_duration_is_shown_next_to_the_form(dialog: LogCallDialog, qtbot: QtBot, ledger: Ledger) -> None:
    type_into(qtbot, dialog.duration, "ten minutes")
    save(qtbot, dialog)
    assert dialog.errors.text().startswith('Duration: "ten minutes" is not a duration')
    assert calls(ledger) == []


def test_a_dispute_marks_the_invoice_disputed(
    dialog: LogCallDialog, qtbot: QtBot, ledger: Ledger, ids: DetailIds
) -> None:
    choose(qtbot, dialog, "Disputes")
    with qtbot.waitSignal(dialog.saved):
        save(qtbot, dialog)
    with ledger.transaction() as session:
        invoice = session.get(Invoice, ids.overdue)
        assert invoice is not None and invoice.disputed
