"""The background run in the status bar: the counts that matter readable at 1280 px, messages (not rows) counted
as sent, and what holds sending back said in the window's terms (Tools → Settings …), never the command line's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers.invoice_imports import make_firm
from helpers.ledger import contractor, invoice
from helpers.outbox_support import Recorder, configure, states
from helpers.qt_input import click
from helpers.register_ledger import seed_register
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.channels.base import transport_for
from collector_app.db.engine import Ledger
from collector_app.db.models import Policy
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.secrets import SecretStore
from collector_app.services import reminders
from collector_app.services.firm import FirmChanges, set_firm
from collector_app.services.outbox import DispatchReport
from collector_app.ui import dispatcher as dispatcher_module
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.settings import FIRM_TAB, SettingsDialog
from collector_app.ui.dispatcher import RunResult, summary_text, summary_tooltip
from collector_app.ui.main_window import MainWindow
from collector_app.ui.widgets.status_bar import MORE, SEPARATOR

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints", "does not support raise"),
]
NEXT_OPENING = dt.datetime(2026, 3, 17, 8, 0).astimezone()
BUSY_RUN = DispatchReport(messages=5, tried=7, sent=[10, 11, 12, 13, 14, 15], failed=[1, 2], uncertain=[3],
                          outside_hours=5, next_opening=NEXT_OPENING)


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    """As deep as the tester's ledgers: a long path competes for the bar."""
    folder = tmp_path / "pytest-of-somebody" / "pytest-686" / "explore-reminders-gui" / "ledgers" / "firma-2026"
    folder.mkdir(parents=True)
    return folder / "ledger.db"


def open_window(qtbot: QtBot, app: AppContext) -> MainWindow:
    window = MainWindow(app, dispatcher=True)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def run_once(qtbot: QtBot, window: MainWindow) -> None:
    assert window.dispatcher is not None
    with qtbot.waitSignal(window.dispatcher.run_finished, timeout=15_000):
        assert window.dispatcher.run()


@pytest.fixture
def three_currencies(app: AppContext, ledger: Ledger, clock: FixedClock) -> AppContext:
    """The register's totals in PLN, CZK and EUR take two thirds of a 1280-pixel bar."""
    make_firm(ledger, clock)
    seed_register(ledger, clock)
    with app.transaction() as ctx:
        kral = contractor(ctx, "Král a syn a.s.", None, country="CZ")
        invoice(ctx, kral, "2025-0008", "11252274.57", clock.today() - dt.timedelta(days=40), currency="CZK")
    return app


@pytest.fixture
def busy_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that sent 5 messages for 6 rows, had 2 failures, 1 uncertain row and 5 waiting for opening time."""
    monkeypatch.setattr(dispatcher_module.outbox, "dispatch", lambda *_a, **_k: BUSY_RUN)


@pytest.mark.usefixtures("busy_run")
def test_failed_uncertain_sent_and_waiting_are_readable_at_1280_px(
    qtbot: QtBot, three_currencies: AppContext,
) -> None:
    window = open_window(qtbot, three_currencies)
    qtbot.waitUntil(lambda: "documents" in window.totals_label.text())
    run_once(qtbot, window)
    label = window.dispatch_label
    expected = "Reminders 10:00: 2 failed · 1 uncertain · 5 sent · 5 waiting"
    qtbot.waitUntil(lambda: label.text() == expected)  # whole: no hovering needed
    assert window.totals_label.text() == window.totals_label.full, "the totals keep their room"
    assert label.toolTip().splitlines() == [
        "Reminders: last run 10:00",
        "5 messages sent, covering 6 outbox rows",
        "2 failed: see the Outbox page",
        "1 uncertain (in flight when sending stopped): resend or mark sent on the Outbox page",
        f"5 wait for business hours (next opening {NEXT_OPENING:%Y-%m-%d %H:%M})",
    ]

    window.resize(1120, 800)  # narrower: the last entries give way whole, the failures are the last to go
    qtbot.waitUntil(lambda: label.text().endswith(MORE))
    shown = label.text().removesuffix(SEPARATOR + MORE).split(SEPARATOR)
    assert shown[0] == "Reminders 10:00: 2 failed"
    assert shown == expected.split(SEPARATOR)[:len(shown)], "no count is cut"

    window.show_page("outbox")  # no totals on this page: the summary has the room
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: label.text() == expected)
    window.close()


def test_sent_counts_messages_not_rows(
    qtbot: QtBot, app: AppContext, server: tuple[Recorder, int], clock: FixedClock,
) -> None:
    """A grouped policy sends one message for a contractor's two invoices: 2 messages, 3 rows."""
    recorder, port = server
    with app.transaction() as ctx:
        configure(ctx, port)
        standard = ctx.session.scalar(select(Policy).where(Policy.name == "Standard"))
        assert standard is not None
        standard.group_by_contractor = True
        alfa = contractor(ctx, "Alfa Sp. z o.o.", email="alfa@example.com", language="en")
        beta = contractor(ctx, "Beta Sp. z o.o.", email="beta@example.com", language="en")
        for c, number in ((alfa, "FV/1/2026"), (alfa, "FV/2/2026"), (beta, "FV/3/2026")):
            invoice(ctx, c, number, "1230.00", clock.today() - dt.timedelta(days=3))
        reminders.plan(ctx)
    window = open_window(qtbot, app)
    run_once(qtbot, window)
    sent_rows = sum(1 for state in states(app.ledger).values() if state == "sent")
    assert len(recorder.received) == 2 and sent_rows == 3
    qtbot.waitUntil(lambda: window.dispatch_label.text() == "Reminders 10:00: 2 sent")
    assert "2 messages sent, covering 3 outbox rows" in window.dispatch_label.toolTip().splitlines()
    window.close()


def open_settings_from_the_menu(qtbot: QtBot, window: MainWindow) -> SettingsDialog:
    [action] = [a for a in window.tools_menu.actions() if a.text() == "&Settings…"]
    action.trigger()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def test_a_firm_without_a_contact_person_is_sent_to_the_firm_tab_and_sending_follows(
    qtbot: QtBot, app: AppContext, server: tuple[Recorder, int], clock: FixedClock,
) -> None:
    """Set up only in the window: the bar says what holds reminders back and where to enter it."""
    recorder, port = server
    with app.transaction() as ctx:
        configure(ctx, port)
        set_firm(ctx, FirmChanges(contact_person=""))  # as the first-start dialog used to leave it
        c = contractor(ctx, "Alfa Sp. z o.o.", email="alfa@example.com", language="en")
        invoice(ctx, c, "FV/1/2026", "1230.00", clock.today() - dt.timedelta(days=3))
        reminders.plan(ctx)
    window = open_window(qtbot, app)
    run_once(qtbot, window)
    label = window.dispatch_label
    qtbot.waitUntil(lambda: label.text() == "Reminders 10:00: no contact person · 0 sent")
    assert not recorder.received
    assert ("E-mail not sent: the firm's contact person is not set: reminders wait until it is entered under "
            "Tools → Settings → Firm") in label.toolTip().splitlines()
    assert "collector" not in label.toolTip()

    dialog = open_settings_from_the_menu(qtbot, window)
    bar = dialog.tabs.tabBar()
    click(qtbot, bar, bar.tabRect(FIRM_TAB).center())
    click(qtbot, dialog.firm_lines["contact_person"])
    qtbot.keyClicks(dialog.firm_lines["contact_person"], "Anna Nowak")
    save = dialog.button_box.button(QDialogButtonBox.StandardButton.Save)
    assert save is not None
    click(qtbot, save)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted

    run_once(qtbot, window)
    qtbot.waitUntil(lambda: label.text() == "Reminders 10:00: 1 sent")
    assert len(recorder.received) == 1
    assert "Anna Nowak" in recorder.received[0].text
    window.close()


def service_reason(app: AppContext, channel: str) -> str:
    """What the services say when `channel` has no transport (the CLI's words)."""
    try:
        app.call(lambda ctx: transport_for(ctx, channel, SecretStore.for_ledger(app.ledger.url)))
    except UserError as exc:
        return str(exc)
    raise AssertionError(f"{channel} has a transport")


@pytest.mark.parametrize(("channel", "setup", "entry", "line"), [
    ("sms", None, "SMS not set up",
     "SMS not sent: SMS sending is not set up: enter the provider under Tools → Settings → SMS"),
    ("sms", "sms", "SMS no token",
     "SMS not sent: no API token is stored for SMS: enter it under Tools → Settings → SMS"),
    ("email", None, "E-mail not set up",
     "E-mail not sent: the e-mail server is not set up: enter it under Tools → Settings → E-mail"),
])
def test_what_a_channel_lacks_is_said_in_the_windows_terms(
    app: AppContext, channel: str, setup: str | None, entry: str, line: str,
) -> None:
    if setup == "sms":
        from collector_app.services import settings

        app.call(lambda ctx: settings.set_sms(ctx, provider="smsapi", sender="FIRMA"))
    why = service_reason(app, channel)
    assert "collector" in why  # the services word it for the command line …
    result = RunResult(DispatchReport(unavailable={channel: why}), 0,
                       dt.datetime(2026, 3, 16, 10, 0).astimezone(), 5)
    assert summary_text(result) == f"Reminders 10:00: {entry} · 0 sent"
    assert summary_tooltip(result).splitlines()[-1] == line  # … the window in its own
    assert "collector" not in summary_tooltip(result)


def test_the_firm_holding_back_two_channels_is_said_once_in_the_bar(app: AppContext) -> None:
    why = "firm: the firm's bank account (IBAN) and contact person are not set: messages wait until they are " \
          "(collector firm set --iban … --contact-person …)"
    report = DispatchReport(unavailable={"email": why, "sms": why})
    result = RunResult(report, 0, dt.datetime(2026, 3, 16, 10, 0).astimezone(), 5)
    assert summary_text(result) == "Reminders 10:00: firm details missing · 0 sent"
    assert summary_tooltip(result).splitlines()[-2:] == [
        f"{name} not sent: the firm's bank account (IBAN) and contact person are not set: reminders wait until "
        "they are entered under Tools → Settings → Firm" for name in ("E-mail", "SMS")]

