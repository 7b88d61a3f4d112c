"""The task notifier: reads the database on a timer, announces each due task once, keeps the badge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from helpers.ledger import contractor, invoice
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QSystemTrayIcon
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Invoice
from collector_app.domain.clock import FixedClock
from collector_app.services import activity
from collector_app.services.context import Ctx
from collector_app.services.invoices import find_invoice
from collector_app.ui.context import AppContext
from collector_app.ui.main_window import MainWindow
from collector_app.ui.notifier import TaskNotifier, badge_text, nav_badge
from collector_app.ui.taskrunner import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


def add_task(app: AppContext, due: dt.datetime, text: str = "Call them") -> int:
    with app.transaction() as ctx:
        if ctx.session.scalar(select(Invoice.id).limit(1)) is None:
            invoice(ctx, contractor(ctx), "FV/1", "100.00", app.clock.today() - dt.timedelta(days=20))
        return activity.add_task(ctx, find_invoice(ctx, "FV/1"), due, text).id


def at(app: AppContext, hour: int, days: int = 0) -> dt.datetime:
    return dt.datetime.combine(app.clock.today() + dt.timedelta(days=days), dt.time(hour, 0))


@pytest.fixture
def notifier(qtbot: QtBot, app: AppContext) -> Iterator[TaskNotifier]:
    n = TaskNotifier(app, interval_ms=30)
    yield n
    n.stop()


@pytest.fixture
def badge(qtbot: QtBot, notifier: TaskNotifier) -> Iterator[QListWidgetItem]:
    nav = QListWidget()  # held here: the item lives as long as its list
    qtbot.addWidget(nav)
    item = QListWidgetItem("Tasks", nav)
    notifier.count_changed.connect(nav_badge(item, "Tasks"))
    yield item
    notifier.stop()


def test_a_task_due_in_the_past_is_announced_with_its_id_and_counted(
    qtbot: QtBot, app: AppContext, notifier: TaskNotifier, badge: QListWidgetItem
) -> None:
    overdue = add_task(app, at(app, 9, days=-2))
    add_task(app, at(app, 15))  # later today: not due yet at 10:00
    add_task(app, at(app, 9, days=3))
    with qtbot.waitSignal(notifier.tasks_due, timeout=2000) as blocker:
        notifier.start()
    assert blocker.args == [[overdue]]
    assert badge.text() == "Tasks (1)"


def test_a_task_is_announced_once_per_session_and_new_ones_alone(
    qtbot: QtBot, app: AppContext, notifier: TaskNotifier, badge: QListWidgetItem
) -> None:
    first = add_task(app, at(app, 8))
    with qtbot.waitSignal(notifier.tasks_due, timeout=2000):
        notifier.start()
    with qtbot.assertNotEmitted(notifier.tasks_due, wait=200):  # several timer ticks
        pass
    assert notifier.check_now() == []
    second = add_task(app, at(app, 7, days=-1), "Send the statement")
    with qtbot.waitSignal(notifier.tasks_due, timeout=2000) as blocker:
        pass
    assert blocker.args == [[second]]
    assert badge.text() == "Tasks (2)"
    assert first in notifier.notified


def test_the_badge_goes_when_the_tasks_are_done(
    qtbot: QtBot, app: AppContext, notifier: TaskNotifier, badge: QListWidgetItem
) -> None:
    task = add_task(app, at(app, 8))
    notifier.check_now()
    assert badge.text() == "Tasks (1)"
    app.call(lambda ctx: activity.complete_task(ctx, task))
    notifier.check_now()
    assert badge.text() == "Tasks"
    assert badge_text("Tasks", 0) == "Tasks"


def test_after_a_restart_days_later_the_due_task_is_announced_again(qtbot: QtBot, app: AppContext) -> None:
    task = add_task(app, at(app, 16))
    before = TaskNotifier(app)
    assert before.check_now() == []  # 10:00: not due yet
    later = AppContext(app.ledger, FixedClock(app.clock.today() + dt.timedelta(days=3), dt.time(8, 0)), "tester")
    after_restart = TaskNotifier(later)
    with qtbot.waitSignal(after_restart.tasks_due, timeout=2000) as blocker:
        after_restart.start()
    after_restart.stop()
    assert blocker.args == [[task]]


def test_a_broken_promise_becomes_a_due_task_and_is_announced(qtbot: QtBot, app: AppContext, ledger: Ledger) -> None:
    promised_on = app.clock.today() - dt.timedelta(days=5)
    with ledger.transaction() as s:
        ctx = Ctx(s, FixedClock(promised_on, dt.time(11, 0)), "tester")
        inv = invoice(ctx, contractor(ctx), "FV/9", "500.00", promised_on - dt.timedelta(days=10))
        activity.log_call(ctx, inv, activity.CallData(
            "promised", 120, promise_date=promised_on + dt.timedelta(days=2), promise_amount=Decimal("500.00")))
    notifier = TaskNotifier(app)
    announced = notifier.check_now()
    assert len(announced) == 1
    tasks = app.call(lambda ctx: activity.open_tasks(ctx))
    assert [(t.id, t.source, t.invoice) for t in tasks] == [(announced[0], "broken-promise", "FV/9")]


def test_the_tray_shows_a_message_only_where_there_is_a_tray(
    qtbot: QtBot, app: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_task(app, at(app, 9), "Call the bookkeeper")
    shown: list[tuple[str, str]] = []

    class FakeTray:
        def showMessage(self, title: str, text: str, *_args: object) -> None:
            shown.append((title, text))

    notifier = TaskNotifier(app)
    monkeypatch.setattr(notifier, "_tray", lambda: FakeTray())
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    notifier.check_now()
    assert shown == []  # offscreen: the badge is all there is
    add_task(app, at(app, 8), "Send the statement")
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    notifier.check_now()
    assert shown == [("A task is due", "FV/1: Send the statement")]


def test_the_main_window_shows_the_badge_on_the_tasks_page(qtbot: QtBot, app: AppContext) -> None:
    add_task(app, at(app, 9, days=-1))
    add_task(app, at(app, 9))
    window = MainWindow(app)
    qtbot.addWidget(window)
    item = window.nav.item(window.page_names.index("tasks"))
    qtbot.waitUntil(lambda: item.text() == "Tasks (2)", timeout=2000)
    window.show_page("tasks")
    assert window.tasks.model.rowCount() == 2
    window.close()


def test_with_a_runner_the_database_is_read_off_the_gui_thread(
    qtbot: QtBot, app: AppContext, badge: QListWidgetItem
) -> None:
    task = add_task(app, at(app, 9))
    runner = TaskRunner()
    notifier = TaskNotifier(app, runner=runner)
    notifier.count_changed.connect(nav_badge(badge, "Tasks"))
    with qtbot.waitSignal(notifier.tasks_due, timeout=2000) as blocker:
        notifier.check()
        notifier.check()  # while one check runs, another is not queued
    assert blocker.args == [[task]]
    assert badge.text() == "Tasks (1)"
    runner.wait()
    assert not notifier.busy
