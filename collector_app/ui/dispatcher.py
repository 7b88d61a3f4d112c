"""Sends reminders while the window is open: a timer says when, plan + dispatch run on a worker thread."""

# The timer only decides *when*; what to send comes from the database each run (services.outbox),
# so a run missed while the program was closed is caught up shortly after the window shows.

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from collector_app.domain.errors import UserError
from collector_app.services import outbox, reminders, settings
from collector_app.services.outbox import CHANNEL_NAMES, DispatchReport
from collector_app.ui.context import AppContext
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.status_bar import SEPARATOR  # an entry that does not fit is left out whole

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


# Why a channel did not send, keyed by the field of the services' UserError, in the window's words: the
# services word it for the command line ("run `collector settings sms …`").
WINDOW_REASONS = {
    "smtp": ("not set up", "the e-mail server is not set up: enter it under Tools → Settings → E-mail"),
    "smtp-password": ("no password", "no password is stored for the e-mail server: enter it under "
                                     "Tools → Settings → E-mail"),
    "sms": ("not set up", "SMS sending is not set up: enter the provider under Tools → Settings → SMS"),
    "sms-token": ("no token", "no API token is stored for SMS: enter it under Tools → Settings → SMS"),
}
_FIRM_GAP = re.compile(r"the firm's (.+?) (is|are) not set")  # services.outbox words what the firm lacks so
FIRM_GAP_ENTRIES = {"contact person": "no contact person",
                    "bank account (IBAN)": "no bank account"}


def firm_reason(message: str) -> tuple[str, str]:
    """(bar entry, tooltip text) for "the firm's contact person is not set: …", said with where the window
    sets it."""
    found = _FIRM_GAP.search(message)
    what, verb = found.groups() if found else ("details", "are")
    until = "it is" if verb == "is" else "they are"
    return (FIRM_GAP_ENTRIES.get(what, "firm details missing"),
            f"the firm's {what} {verb} not set: reminders wait until {until} entered under Tools → Settings → Firm")


def channel_reason(channel: str, why: str) -> tuple[str, str]:
    """(bar entry, tooltip line) for a channel that sent nothing, in the window's words."""
    name = CHANNEL_NAMES.get(channel, channel)
    field, _, message = why.partition(": ")
    if field == "firm":
        entry, reason = firm_reason(message)
        return entry, f"{name} not sent: {reason}"
    if field in WINDOW_REASONS:
        short, long = WINDOW_REASONS[field]
        return f"{name} {short}", f"{name} not sent: {long}"
    if why.startswith("cannot connect"):
        return f"{name}: no connection", f"{name} not sent: {why}"
    return f"{name} not sent", f"{name} not sent: {why}"


def _counted(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def bar_entries(r: DispatchReport) -> list[str]:
    """The run's counts for the status bar, what needs the user first: failed and uncertain rows, a channel
    that sent nothing, then messages sent, rows to retry and rows waiting for business hours."""
    entries = [f"{len(ids)} {label}" for ids, label in ((r.failed, "failed"), (r.uncertain, "uncertain")) if ids]
    for channel, why in r.unavailable.items():
        entry = channel_reason(channel, why)[0]
        if entry not in entries:  # the firm's details hold back every channel: said once
            entries.append(entry)
    entries.append(f"{r.messages} sent")
    if r.retrying:
        entries.append(f"{len(r.retrying)} to retry")
    if r.outside_hours:
        entries.append(f"{r.outside_hours} waiting")
    if r.letters_issued:
        entries.append(_counted(len(r.letters_issued), "letter to print", "letters to print"))
    return entries


def summary_lines(result: RunResult) -> list[str]:
    """The whole story, one line each (the tooltip): messages, not rows, are counted as sent, as the CLI does."""
    r = result.report
    sent = _counted(r.messages, "message sent", "messages sent")
    if len(r.sent) != r.messages:
        sent += f", covering {_counted(len(r.sent), 'outbox row', 'outbox rows')}"
    lines = [f"Reminders: last run {result.at.astimezone():%H:%M}", sent]
    for ids, label in ((r.failed, "failed: see the Outbox page"), (r.retrying, "to be retried"),
                       (r.uncertain, "uncertain (in flight when sending stopped): resend or mark sent on the "
                                     "Outbox page")):
        if ids:
            lines.append(f"{len(ids)} {label}")
    if r.outside_hours:
        when = f" (next opening {r.next_opening.astimezone():%Y-%m-%d %H:%M})" if r.next_opening else ""
        lines.append(f"{r.outside_hours} wait for business hours{when}")
    if r.letters_issued:
        lines.append(f"{_counted(len(r.letters_issued), 'letter', 'letters')} made in the demand register, to print")
    lines.extend(channel_reason(ch, why)[1] for ch, why in r.unavailable.items())
    if r.stopped:
        lines.append("stopped on request after the current message")
    return lines


def summary_text(result: RunResult) -> str:
    """The status-bar text: "Reminders 10:15: 1 failed · 12 sent · 3 waiting", entries most needed first."""
    head = f"Reminders {result.at.astimezone():%H:%M}: "
    if result.report.busy:
        return head + "another sender is at work"
    return head + SEPARATOR.join(bar_entries(result.report))


def summary_tooltip(result: RunResult) -> str:
    """Everything the run has to say, one line each, for hovering over the status bar."""
    if result.report.busy:
        return (f"Reminders: last run {result.at.astimezone():%H:%M}: another sender is sending this "
                "ledger's outbox")
    return "\n".join(summary_lines(result))


class Dispatcher(QObject):
    """One run at a time on the TaskRunner; `stop()` lets the worker finish the message in hand."""

    status_changed = Signal(str, str)  # the status-bar text, and the whole of it (its tooltip)
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
        sending = self.tr("Reminders: sending…")
        self.status_changed.emit(sending, sending)
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
        self.status_changed.emit(summary_text(result), summary_tooltip(result))
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
        shown = self.tr("Reminders: the last run failed — {0}").format(text)
        self.status_changed.emit(shown, shown)
