"""Sends reminders while the window is open: a timer says when, plan + dispatch run on a worker thread."""

# The timer only decides *when*; what to send comes from the database each run (services.outbox),
# so a run missed while the program was closed is caught up shortly after the window shows.

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from collector_app.domain.errors import UserError
from collector_app.services import outbox, reminders, settings
from collector_app.services.outbox import CHANNEL_NAMES, DispatchReport
from collector_app.ui.context import AppContext
from collector_app.ui.taskrunner import TaskRunner

log = logging.getLogger(__name__)
CATCH_UP_MS = 3_000  # the first run, shortly after the window shows
DEFAULT_INTERVAL_MS = settings.OutboxSettings().interval_minutes * 60_000


@dataclass(frozen=True)
class RunResult:
    """What one background run did: the dispatch report, when it ran, the interval until the next."""

    report: DispatchReport
    planned: int
    at: dt.datetime
    interval_minutes: int


def summary_text(result: RunResult) -> str:
    """The status-bar text: "Reminders: last run 10:15 — 12 sent, 1 failed" (plus why a channel waits)."""
    r = result.report
    head = f"Reminders: last run {result.at.astimezone():%H:%M}"
    if r.busy:
        return f"{head} — another sender is sending this ledger's outbox"
    parts = [f"{len(r.sent)} sent"]
    for count, label in ((len(r.failed), "failed"), (len(r.retrying), "to retry"), (len(r.uncertain), "uncertain")):
        if count:
            parts.append(f"{count} {label}")
    if r.outside_hours:
        parts.append(f"{r.outside_hours} wait for business hours")
    parts.extend(f"{CHANNEL_NAMES.get(ch, ch)} not sent: {why}" for ch, why in r.unavailable.items())
    return f"{head} — {', '.join(parts)}"


class Dispatcher(QObject):
    """One run at a time on the TaskRunner; `stop()` lets the worker finish the message in hand."""

    status_changed = Signal(str)  # the status-bar text
    run_finished = Signal(object)  # RunResult
    failures = Signal(str, str)  # title, text: some messages failed in the last run
    busy_changed = Signal(bool)  # a run started (True) or ended (False), for a busy indicator

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QObject | None = None,
                 interval_ms: int | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner
        self.fixed_interval = interval_ms  # given: the settings do not change it (tests)
        self.busy = False
        self.stop_flag = threading.Event()
        self.last: RunResult | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms or DEFAULT_INTERVAL_MS)
        self.timer.timeout.connect(self.run)

    def start(self, catch_up_ms: int = CATCH_UP_MS) -> None:
        self.stop_flag.clear()
        QTimer.singleShot(catch_up_ms, self.run)
        self.timer.start()

    def set_interval_minutes(self, minutes: int) -> None:
        """A changed interval takes effect at once: a running timer starts counting the new one now."""
        if self.fixed_interval is not None or minutes <= 0:
            return
        self.timer.setInterval(minutes * 60_000)
        if self.timer.isActive():
            self.timer.start()  # restart: the next run is one new interval from now

    def stop(self) -> None:
        """No new runs; a run in progress stops after its current message."""
        self.timer.stop()
        self.stop_flag.set()

    def run(self) -> bool:
        """Start a run on the worker unless one is running or the dispatcher was stopped."""
        if self.busy or self.stop_flag.is_set():
            return False
        self.busy = True
        self.busy_changed.emit(True)
        self.status_changed.emit(self.tr("Reminders: sending…"))
        self.runner.run(self._work, self._done, self._failed)
        return True

    def _work(self) -> RunResult:
        """On the worker thread: plan what is due, then send it."""
        with self.app.transaction() as ctx:
            planned = reminders.plan_rows(ctx).planned
            minutes = settings.get_outbox(ctx).interval_minutes
        report = outbox.dispatch(self.app.ledger, self.app.clock, stop=self.stop_flag.is_set, user=self.app.user)
        return RunResult(report, planned, self.app.clock.now(), minutes)

    def _done(self, result: object) -> None:
        self.busy = False
        self.busy_changed.emit(False)
        assert isinstance(result, RunResult)  # what _work returned, passed through a Signal
        self.last = result
        if self.fixed_interval is None and self.timer.interval() != result.interval_minutes * 60_000:
            self.timer.setInterval(result.interval_minutes * 60_000)
        self.status_changed.emit(summary_text(result))
        self.run_finished.emit(result)
        failed = len(result.report.failed)
        if failed:
            self.failures.emit(self.tr("Reminders not sent"),
                               self.tr("{0} message(s) failed: see the Outbox page").format(failed))

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self.busy_changed.emit(False)
        if isinstance(exc, UserError):
            log.warning("reminder run refused: %s", exc)
            text = exc.message
        else:  # a locked database or a network hiccup: the next run starts over
            log.error("reminder run failed: %s", exc, exc_info=exc)
            text = f"{type(exc).__name__}: {exc}"
        self.status_changed.emit(self.tr("Reminders: the last run failed — {0}").format(text))
