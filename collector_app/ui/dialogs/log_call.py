"""Logging a phone call while it happens: a running timer, who answered, the outcome and any promise."""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, QElapsedTimer, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from collector_app.db.models import CALL_OUTCOMES
from collector_app.domain.errors import UserError
from collector_app.domain.money import parse_amount
from collector_app.services import activity
from collector_app.services.invoice_view import InvoiceHeader, invoice_header, load_invoice
from collector_app.ui.context import AppContext
from collector_app.ui.forms import child, load_form
from collector_app.ui.widgets.detail import (
    InlineError,
    contact_links,
    duration_text,
    make_link_label,
    money,
    open_url,
    outcome_label,
)

PROMISE_DAYS_DEFAULT = 7
_DURATION_RE = re.compile(r"^(?:(\d+):)?(\d+):(\d{1,2})$")


def parse_duration(text: str) -> int:
    """Seconds from what a person types: "4:30", "1:02:03" or plain seconds "270"."""
    raw = text.strip()
    if raw.isdigit():
        return int(raw)
    match = _DURATION_RE.match(raw)
    if match is None or int(match.group(3)) > 59 or (match.group(1) and int(match.group(2)) > 59):
        raise UserError("duration", f'"{text}" is not a duration (expected minutes:seconds, e.g. 4:30)')
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


class LogCallDialog(QDialog):
    """The timer starts when the window opens; Save writes through activity.log_call and closes."""

    saved = Signal(int)  # the new call's id

    def __init__(self, app: AppContext, invoice_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.invoice_id = invoice_id
        self.started_at = app.clock.now()
        self.header: InvoiceHeader = app.call(lambda ctx: invoice_header(ctx, invoice_id))
        self.resize(540, 460)
        self.form = load_form("log_call", self)
        self._find_widgets()
        self._fill()
        self._setup_timer()
        self.outcome.currentIndexChanged.connect(lambda _i: self._outcome_changed())
        self._outcome_changed()
        self.button_box.accepted.connect(self.save)
        self.button_box.rejected.connect(self.reject)
        self.finished.connect(lambda _r: self.ticker.stop())

    def _find_widgets(self) -> None:
        f = self.form
        self.header_label = child(f, QLabel, "headerLabel")
        self.timer_label = child(f, QLabel, "timerLabel")
        self.start_stop = child(f, QPushButton, "startStopButton")
        self.contact = child(f, QComboBox, "contact")
        self.outcome = child(f, QComboBox, "outcome")
        self.duration = child(f, QLineEdit, "duration")
        self.duration_hint = child(f, QLabel, "durationHint")
        self.promise_date = child(f, QDateEdit, "promiseDate")
        self.promise_amount = child(f, QLineEdit, "promiseAmount")
        self.currency_label = child(f, QLabel, "currencyLabel")
        self.notes = child(f, QPlainTextEdit, "notes")
        self.button_box = child(f, QDialogButtonBox, "buttonBox")
        self.errors = InlineError(child(f, QLabel, "errorLabel"), {
            "duration": (self.duration, self.tr("Duration")),
            "outcome": (self.outcome, self.tr("Outcome")),
            "contact": (self.contact, self.tr("Spoke with")),
            "promise-date": (self.promise_date, self.tr("Promised by")),
            "promise-amount": (self.promise_amount, self.tr("Amount")),
        })

    def _fill(self) -> None:
        h = self.header
        self.setWindowTitle(self.tr("Log call — {number}").format(number=h.number))
        make_link_label(self.header_label)
        self.header_label.linkActivated.connect(open_url)
        lines = [self.tr("<b>{number}</b> · {contractor} · balance {balance}").format(
            number=h.number, contractor=h.contractor, balance=money(h.balance, h.currency))]
        if h.phone or h.email:
            lines.append(contact_links(h.email, h.phone))
        self.header_label.setText("<br>".join(lines))
        self.contact.addItem(self.tr("(not recorded)"), None)
        for p in h.contacts:
            label = f"{p.name} ({p.role})" if p.role else p.name
            self.contact.addItem(f"{label} {p.phone}" if p.phone else label, p.id)
        for code in CALL_OUTCOMES:
            self.outcome.addItem(outcome_label(code), code)
        today = self.app.clock.today() + dt.timedelta(days=PROMISE_DAYS_DEFAULT)
        self.promise_date.setDate(QDate(today.year, today.month, today.day))
        self.promise_amount.setPlaceholderText(money(h.balance) if h.balance > 0 else "")
        self.currency_label.setText(h.currency)

    # --- the timer ---------------------------------------------------------------------------
    def _setup_timer(self) -> None:
        self.elapsed = QElapsedTimer()
        self.elapsed.start()
        self.banked_ms = 0  # time counted before the last Stop
        self.running = True
        self.follow_timer = True
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self.tick)
        self.ticker.start()
        self.start_stop.clicked.connect(self.toggle_timer)
        self.duration.textEdited.connect(lambda _t: self._stop_following())
        self.tick()

    def elapsed_seconds(self) -> int:
        running_ms = self.elapsed.elapsed() if self.running else 0
        return int((self.banked_ms + running_ms) // 1000)

    def tick(self) -> None:
        seconds = self.elapsed_seconds()
        self.timer_label.setText(duration_text(seconds))
        if self.follow_timer:
            self.duration.setText(duration_text(seconds))

    def toggle_timer(self) -> None:
        if self.running:
            self.banked_ms += self.elapsed.elapsed()
            self.running = False
            self.ticker.stop()
            self.start_stop.setText(self.tr("Start"))
        else:
            self.elapsed.restart()
            self.running = True
            self.follow_timer = True
            self.duration_hint.setVisible(True)
            self.ticker.start()
            self.start_stop.setText(self.tr("Stop"))
        self.tick()

    def _stop_following(self) -> None:
        self.follow_timer = False
        self.duration_hint.setVisible(False)

    # --- saving ------------------------------------------------------------------------------
    def _outcome_changed(self) -> None:
        promised = self.outcome.currentData() == "promised"
        for w in (self.promise_date, self.promise_amount):
            w.setEnabled(promised)

    def call_data(self) -> activity.CallData:
        """What the form says, as the service's input; a typing mistake raises UserError."""
        seconds = parse_duration(self.duration.text())
        promised = self.outcome.currentData() == "promised"
        amount_text = self.promise_amount.text().strip()
        amount = parse_amount(amount_text, self.header.currency, "promise-amount") if promised and amount_text \
            else None
        q = self.promise_date.date()
        contact = self.contact.currentData()
        return activity.CallData(
            outcome=str(self.outcome.currentData()), duration_s=seconds, started_at=self.started_at,
            contact_person_id=int(contact) if contact is not None else None,
            notes=self.notes.toPlainText(),
            promise_date=dt.date(q.year(), q.month(), q.day()) if promised else None,
            promise_amount=amount,
        )

    def save(self) -> bool:
        try:
            data = self.call_data()
            call_id = self.app.call(lambda ctx: activity.log_call(ctx, load_invoice(ctx, self.invoice_id), data).id)
        except UserError as exc:
            self.errors.show(exc)
            return False
        self.errors.clear()
        self.ticker.stop()
        self.saved.emit(call_id)
        self.accept()
        return True
