"""A changed timer interval reaches the running dispatcher when the settings dialog saves: no restart needed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from collector_app.services import settings
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.settings import SettingsDialog
from collector_app.ui.dispatcher import Dispatcher
from collector_app.ui.main_window import MainWindow
from collector_app.ui.taskrunner import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]
LATER = 3_600_000  # the catch-up run is kept out of the way: these tests look at the timer only




def save(qtbot: QtBot, dialog: SettingsDialog, minutes: int) -> None:
    dialog.interval.selectAll()
    qtbot.keyClicks(dialog.interval, str(minutes))
    button = dialog.button_box.button(QDialogButtonBox.StandardButton.Save)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_saving_restarts_the_running_timer_with_the_new_interval(
        qtbot: QtBot, app: AppContext, runner: TaskRunner) -> None:
    sender = Dispatcher(app, runner)
    sender.start(catch_up_ms=LATER)
    try:
        assert sender.timer.isActive() and sender.timer.interval() == 5 * 60_000
        dialog = SettingsDialog(app, runner)
        qtbot.addWidget(dialog)
        dialog.outbox_saved.connect(sender.set_interval_minutes)
        dialog.show()
        with qtbot.waitSignal(dialog.outbox_saved) as saved:
            save(qtbot, dialog, 1)
        assert saved.args == [1]
        assert sender.timer.isActive() and sender.timer.interval() == 60_000
        assert 0 < sender.timer.remainingTime() <= 90_000  # counting the new minute (a coarse timer), not five
        assert app.call(settings.get_outbox).interval_minutes == 1
    finally:
        sender.stop()


def test_a_refused_save_leaves_the_timer_alone(qtbot: QtBot, app: AppContext, runner: TaskRunner) -> None:
    sender = Dispatcher(app, runner)
    dialog = SettingsDialog(app, runner)
    qtbot.addWidget(dialog)
    dialog.outbox_saved.connect(sender.set_interval_minutes)
    dialog.days.setText("someday")
    save(qtbot, dialog, 2)
    assert "someday" in dialog.errors.label.text() or dialog.errors.label.text().startswith("Days")
    assert sender.timer.interval() == 5 * 60_000


def test_a_fixed_interval_is_kept(app: AppContext, runner: TaskRunner) -> None:
    sender = Dispatcher(app, runner, interval_ms=1_000)
    sender.set_interval_minutes(9)
    assert sender.timer.interval() == 1_000


def test_the_window_hands_the_saved_interval_to_its_dispatcher(
        qtbot: QtBot, app: AppContext) -> None:
    window = MainWindow(app, dispatcher=True)  # not shown: its timer has not started
    qtbot.addWidget(window)
    assert window.dispatcher is not None
    window.open_settings()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    save(qtbot, dialog, 12)
    assert window.dispatcher.timer.interval() == 12 * 60_000 and not window.dispatcher.timer.isActive()
    window.dispatcher.stop()
