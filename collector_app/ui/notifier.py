"""Reminds people of due tasks: a timer reads the database, then a tray message and a badge."""

# The timer only decides *when* to look; what is due comes from the database every time, so a
# task due while the program was closed (or a promise that broke meanwhile) is reported after a
# restart days later.

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QListWidgetItem, QStyle, QSystemTrayIcon

from collector_app.domain.errors import UserError
from collector_app.services.activity import TaskRow, follow_up_in_batches
from collector_app.services.tasks_view import due_task_ids, tasks_by_id
from collector_app.ui.context import AppContext
from collector_app.ui.taskrunner import TaskRunner

log = logging.getLogger(__name__)

CHECK_EVERY_MS = 60_000
MESSAGE_MS = 10_000
MAX_LISTED = 3


def badge_text(title: str, count: int) -> str:
    return f"{title} ({count})" if count else title


def nav_badge(item: QListWidgetItem, title: str) -> Callable[[int], None]:
    """A slot that shows the count on a navigation item: "Tasks (3)", or just "Tasks"."""

    def show(count: int) -> None:
        item.setText(badge_text(title, count))

    return show


@dataclass(frozen=True)
class Found:
    count: int  # open tasks whose time has come
    new: list[TaskRow]  # those of them not announced yet


class TaskNotifier(QObject):
    """Checks every `interval_ms`; tells about each due task once per session."""

    count_changed = Signal(int)  # open tasks whose time has come (the badge)
    tasks_due = Signal(list)  # ids of tasks due and not yet announced in this session
    activated = Signal()  # the person clicked the tray message

    def __init__(self, app: AppContext, parent: QObject | None = None, interval_ms: int = CHECK_EVERY_MS,
                 runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner  # given: the database is read off the GUI thread
        self.busy = False
        self.notified: set[int] = set()
        self.count = -1
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.tray: QSystemTrayIcon | None = None

    def start(self) -> None:
        QTimer.singleShot(0, self.check)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        if self.tray is not None:
            self.tray.hide()

    def check(self) -> None:
        """Look at the database now: on the runner if there is one (the result comes back by signal)."""
        if self.runner is None:
            self.check_now()
            return
        if self.busy:
            return
        self.busy = True
        notified = frozenset(self.notified)
        self.runner.run(lambda: self._read(notified), self._announce, self._failed)

    def check_now(self) -> list[int]:
        """One look at the database on this thread; returns the ids announced now."""
        try:
            found = self._read(frozenset(self.notified))
        except Exception as exc:
            self._failed(exc)
            return []
        return self._finish(found)

    def _read(self, notified: frozenset[int]) -> Found:
        """Follow up broken promises; count the due tasks; the details of those not yet announced."""
        follow_up_in_batches(self.app.transaction)
        with self.app.transaction() as ctx:
            due = due_task_ids(ctx, ctx.clock.now())
            return Found(len(due), tasks_by_id(ctx, [i for i in due if i not in notified]))

    def _announce(self, found: object) -> None:
        self._finish(found)

    def _finish(self, found: object) -> list[int]:
        self.busy = False
        assert isinstance(found, Found)  # what _read returned, passed through a Signal
        if found.count != self.count:
            self.count = found.count
            self.count_changed.emit(found.count)
        fresh = [t for t in found.new if t.id not in self.notified]
        if not fresh:
            return []
        self.notified.update(t.id for t in fresh)
        ids = [t.id for t in fresh]
        self.tasks_due.emit(ids)
        self._show_message(fresh)
        return ids

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        if isinstance(exc, UserError):
            log.warning("task check refused: %s", exc)
        else:  # a locked or vanished database must not stop the reminders for good
            log.error("task check failed: %s", exc, exc_info=exc)

    # --- the tray ----------------------------------------------------------------------------
    def _show_message(self, new: list[TaskRow]) -> None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return  # the in-app badge is all there is
        tray = self._tray()
        lines = [f"{t.invoice + ': ' if t.invoice else ''}{t.text}" for t in new[:MAX_LISTED]]
        if len(new) > MAX_LISTED:
            lines.append(self.tr("… and {0} more").format(len(new) - MAX_LISTED))
        title = self.tr("A task is due") if len(new) == 1 else self.tr("{0} tasks are due").format(len(new))
        tray.showMessage(title, "\n".join(lines), QSystemTrayIcon.MessageIcon.Information, MESSAGE_MS)

    def notify(self, title: str, text: str) -> None:
        """A tray message from elsewhere (the reminder dispatcher's failures); nothing without a tray."""
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray().showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, MESSAGE_MS)

    def _tray(self) -> QSystemTrayIcon:
        if self.tray is None:
            icon = QApplication.windowIcon()
            if icon.isNull():
                style = QApplication.style()
                icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation) if style else QIcon()
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip(self.tr("Collector"))
            self.tray.messageClicked.connect(self.activated.emit)
            self.tray.activated.connect(lambda _reason: self.activated.emit())
            self.tray.show()
        return self.tray
