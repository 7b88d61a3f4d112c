"""The background dispatcher: plan + dispatch on a worker thread, the status-bar text, failures, stopping."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers.outbox_support import Recorder, states
from helpers.outbox_support import plan_overdue_in_app as plan_overdue
from PySide6.QtWidgets import QLabel, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from collector_app.domain.clock import FixedClock
from collector_app.services import outbox, settings
from collector_app.ui import dispatcher as dispatcher_module
from collector_app.ui.app import GuiOptions, background_sending
from collector_app.ui.context import AppContext
from collector_app.ui.dispatcher import Dispatcher, RunResult
from collector_app.ui.main_window import MainWindow
from collector_app.ui.taskrunner import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]




@pytest.fixture
def label(qtbot: QtBot) -> QLabel:
    widget = QLabel()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def sender(app: AppContext, runner: TaskRunner, label: QLabel) -> Iterator[Dispatcher]:
    d = Dispatcher(app, runner, interval_ms=60_000)
    d.status_changed.connect(lambda text, whole: (label.setText(text), label.setToolTip(whole)))
    yield d
    d.stop()
    runner.wait(10_000)


@pytest.fixture
def dispatch_threads(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """The threads outbox.dispatch ran on."""
    seen: list[threading.Thread] = []
    real = outbox.dispatch

    def recording(*args: Any, **kwargs: Any) -> outbox.DispatchReport:
        seen.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(dispatcher_module.outbox, "dispatch", recording)
    return seen


def test_a_run_plans_and_sends_off_the_gui_thread_and_reports_in_the_label(
        qtbot: QtBot, app: AppContext, sender: Dispatcher, label: QLabel, server: tuple[Recorder, int],
        dispatch_threads: list[threading.Thread]) -> None:
    with app.transaction() as ctx:
        settings.set_outbox(ctx, interval_minutes=7)
    planned = plan_overdue(app, server[1])
    results: list[RunResult] = []
    sender.run_finished.connect(results.append)
    assert sender.run()
    assert label.text() == "Reminders: sending…"
    assert not sender.run()  # one run at a time
    qtbot.waitUntil(lambda: bool(results), timeout=15_000)
    assert len(server[0].received) == 3 and set(states(app.ledger, planned).values()) == {"sent"}
    assert dispatch_threads and threading.main_thread() not in dispatch_threads
    assert label.text() == "Reminders 10:00: 3 sent"
    assert label.toolTip() == "Reminders: last run 10:00\n3 messages sent"
    assert sender.timer.interval() == 60_000  # given by the test; else the setting's 7 minutes


def test_the_interval_comes_from_the_settings(qtbot: QtBot, app: AppContext, runner: TaskRunner) -> None:
    with app.transaction() as ctx:
        settings.set_outbox(ctx, interval_minutes=7)
    d = Dispatcher(app, runner)
    assert d.timer.interval() == 5 * 60_000
    with qtbot.waitSignal(d.run_finished, timeout=15_000):
        d.run()
    assert d.timer.interval() == 7 * 60_000


def test_a_rejected_message_shows_as_failed_and_asks_for_the_tray(
        qtbot: QtBot, app: AppContext, sender: Dispatcher, label: QLabel, server: tuple[Recorder, int]) -> None:
    planned = plan_overdue(app, server[1], count=2)
    server[0].replies = ["550 5.1.1 mailbox unavailable"]
    failures: list[tuple[str, str]] = []
    sender.failures.connect(lambda title, text: failures.append((title, text)))
    with qtbot.waitSignal(sender.run_finished, timeout=15_000):
        sender.run()
    assert sorted(states(app.ledger, planned).values()) == ["failed", "sent"]
    assert label.text() == "Reminders 10:00: 1 failed · 1 sent"
    assert "1 failed: see the Outbox page" in label.toolTip().splitlines()
    assert failures == [("Reminders not sent", "1 message(s) failed: see the Outbox page")]


def test_missing_smtp_settings_show_in_the_label(
        qtbot: QtBot, app: AppContext, sender: Dispatcher, label: QLabel, server: tuple[Recorder, int]) -> None:
    planned = plan_overdue(app, server[1], count=1)
    with app.transaction() as ctx:
        settings.set_smtp(ctx, host="127.0.0.1", port=server[1], security="none", user="biuro",
                          sender="Nasza Firma <biuro@firma.example>")  # a login, but no password in the keyring
    with qtbot.waitSignal(sender.run_finished, timeout=15_000):
        sender.run()
    assert states(app.ledger, planned) == {planned[0]: "planned"}
    assert label.text() == "Reminders 10:00: E-mail no password · 0 sent"
    assert label.toolTip().splitlines()[-1] == ("E-mail not sent: no password is stored for the e-mail server: "
                                                "enter it under Tools → Settings → E-mail")


def test_a_stopped_dispatcher_starts_no_run(app: AppContext, sender: Dispatcher) -> None:
    sender.start(catch_up_ms=60_000)
    assert sender.timer.isActive()
    sender.stop()
    assert not sender.timer.isActive() and sender.stop_flag.is_set() and not sender.run()


def test_the_window_catches_up_after_it_shows_and_refreshes_the_outbox(
        qtbot: QtBot, app: AppContext, server: tuple[Recorder, int], monkeypatch: pytest.MonkeyPatch) -> None:
    planned = plan_overdue(app, server[1])
    monkeypatch.setattr(dispatcher_module, "CATCH_UP_MS", 10)
    window = MainWindow(app, dispatcher=True)
    qtbot.addWidget(window)
    window.show_page("outbox")
    assert window.dispatcher is not None and not window.dispatcher.timer.isActive()
    window.show()
    assert window.dispatcher.timer.isActive()
    qtbot.waitUntil(lambda: "3 sent" in window.dispatch_label.text(), timeout=15_000)
    qtbot.waitUntil(lambda: {r["state"] for r in window.outbox.model.rows if r["id"] in planned} == {"sent"})
    window.close()
    assert not window.dispatcher.timer.isActive() and window.dispatcher.stop_flag.is_set()


def test_tests_and_screenshots_get_no_dispatcher(qtbot: QtBot, app: AppContext) -> None:
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    assert window.dispatcher is None and not window.dispatch_label.isVisible()
    window.close()


def test_a_ledger_without_smtp_settings_says_so_in_the_label(
        qtbot: QtBot, app: AppContext, sender: Dispatcher, label: QLabel) -> None:
    from helpers.ledger import contractor, invoice

    with app.transaction() as ctx:
        c = contractor(ctx, "Firma Sp. z o.o.", email="firma@example.com", language="en")
        invoice(ctx, c, "FV/1/2026", "1230.00", ctx.clock.today() - dt.timedelta(days=3))
    with qtbot.waitSignal(sender.run_finished, timeout=15_000):
        sender.run()
    assert label.text() == "Reminders 10:00: E-mail not set up · 0 sent"
    assert "E-mail not sent: the e-mail server is not set up: enter it under Tools → Settings → E-mail" \
        in label.toolTip().splitlines()
    assert "collector" not in label.toolTip()
    assert "planned" in states(app.ledger).values()


def test_the_app_sends_in_the_background_except_in_screenshots_and_tests(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clock: FixedClock) -> None:
    options = GuiOptions(db=None, clock=clock, user="tester")
    assert not background_sending(options)  # tests/conftest.py turns it off
    monkeypatch.setenv("COLLECTOR_BACKGROUND_SENDING", "1")
    assert background_sending(options)
    assert not background_sending(replace(options, screenshot=tmp_path / "shot.png"))


def test_failures_reach_the_tray_only_where_there_is_one(
        qtbot: QtBot, app: AppContext, server: tuple[Recorder, int], monkeypatch: pytest.MonkeyPatch) -> None:
    plan_overdue(app, server[1], count=1)
    server[0].replies = ["550 5.1.1 mailbox unavailable"]
    shown: list[tuple[str, str]] = []

    class FakeTray:
        def showMessage(self, title: str, text: str, *_args: object) -> None:
            shown.append((title, text))

    window = MainWindow(app, dispatcher=True)
    qtbot.addWidget(window)
    monkeypatch.setattr(window.notifier, "_tray", lambda: FakeTray())
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    assert window.dispatcher is not None
    with qtbot.waitSignal(window.dispatcher.run_finished, timeout=15_000):
        window.dispatcher.run()
    assert shown == [] and "1 failed" in window.dispatch_label.text()
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    window.dispatcher.failures.emit("Reminders not sent", "1 message(s) failed: see the Outbox page")
    assert shown == [("Reminders not sent", "1 message(s) failed: see the Outbox page")]
    window.close()


def test_the_status_bar_moves_while_a_run_works_and_keeps_a_long_summary_short(
        qtbot: QtBot, app: AppContext, server: tuple[Recorder, int]) -> None:
    plan_overdue(app, server[1], count=1)
    window = MainWindow(app, dispatcher=True)
    qtbot.addWidget(window)
    assert window.dispatcher is not None and not window.dispatch_busy.isVisibleTo(window)
    with qtbot.waitSignal(window.dispatcher.run_finished, timeout=15_000):
        window.dispatcher.run()
        assert window.dispatch_busy.isVisibleTo(window)
    assert not window.dispatch_busy.isVisibleTo(window)
    long_text = "Reminders: last run 10:00 — 0 sent, E-mail not sent: " + "a long reason " * 40
    window.show_dispatch_status(long_text)
    shown = window.dispatch_label.text()
    assert shown.endswith("…") and len(shown) < len(long_text) and window.dispatch_label.toolTip() == long_text
    window.close()
