"""The sending settings (SMTP, SMS gateway, business hours, outbox timer) and the "Send test e-mail" button."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QWidget,
)
from shiboken6 import isValid

from collector_app.channels.base import SendResult
from collector_app.domain.errors import UserError
from collector_app.secrets import SMS_TOKEN, SMTP_PASSWORD, SecretStore
from collector_app.services import settings
from collector_app.services.context import Ctx
from collector_app.ui.context import AppContext
from collector_app.ui.forms import child, load_form
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.detail import InlineError

DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
TAB_OF_FIELD = {"host": 0, "port": 0, "security": 0, "sender": 0, "smtp-password": 0, "to": 0,
                "provider": 1, "sms-sender": 1, "endpoint": 1, "sms-token": 1,
                "start": 2, "end": 2, "days": 2, "interval": 2, "max-attempts": 2}


SECURITY_NAMES = {"none": "None (unencrypted)", "starttls": "STARTTLS (usually port 587)",
                  "ssl": "SSL/TLS (usually port 465)"}


@dataclass(frozen=True)
class Loaded:
    """What the dialog shows when it opens: the ledger's settings and which secrets are set."""

    smtp: settings.SmtpSettings | None
    sms: settings.SmsSettings | None
    hours: settings.BusinessHours
    outbox: settings.OutboxSettings


def _qtime(value: dt.time) -> QTime:
    return QTime(value.hour, value.minute)


class SettingsDialog(QDialog):
    """Save writes through services.settings in one transaction; secrets go only to the keyring."""

    outbox_saved = Signal(int)  # the stored timer interval in minutes, for the running dispatcher

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None,
                 secrets: SecretStore | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner
        self.secrets = secrets or SecretStore.for_ledger(app.ledger.url)
        self.setWindowTitle(self.tr("Settings"))
        self.resize(600, 540)
        self.form = load_form("settings", self)
        self._find_widgets()
        self._fill(app.call(lambda ctx: Loaded(settings.get_smtp(ctx), settings.get_sms(ctx),
                                               settings.get_business_hours(ctx), settings.get_outbox(ctx))))
        self.show_secret_states()
        self.button_box.accepted.connect(self.save_and_close)
        self.button_box.rejected.connect(self.reject)
        self.test_button.clicked.connect(self.send_test)
        self.testing = False  # a test message is on its way
        self.test_address.textChanged.connect(lambda _t: self._update_test_button())
        self._update_test_button()

    def _find_widgets(self) -> None:
        f = self.form
        self.tabs = child(f, QTabWidget, "tabs")
        self.host = child(f, QLineEdit, "smtpHost")
        self.port = child(f, QSpinBox, "smtpPort")
        self.security = child(f, QComboBox, "smtpSecurity")
        self.user = child(f, QLineEdit, "smtpUser")
        self.smtp_sender = child(f, QLineEdit, "smtpSender")
        self.password = child(f, QLineEdit, "smtpPassword")
        self.password_state = child(f, QLabel, "smtpPasswordState")
        self.test_address = child(f, QLineEdit, "testAddress")
        self.test_button = child(f, QPushButton, "testButton")
        self.test_result = child(f, QLabel, "testResult")
        self.provider = child(f, QComboBox, "smsProvider")
        self.sms_sender = child(f, QLineEdit, "smsSender")
        self.endpoint = child(f, QLineEdit, "smsEndpoint")
        self.token = child(f, QLineEdit, "smsToken")
        self.token_state = child(f, QLabel, "smsTokenState")
        self.start = child(f, QTimeEdit, "hoursStart")
        self.end = child(f, QTimeEdit, "hoursEnd")
        self.days = child(f, QLineEdit, "hoursDays")
        self.interval = child(f, QSpinBox, "interval")
        self.max_attempts = child(f, QSpinBox, "maxAttempts")
        self.button_box = child(f, QDialogButtonBox, "buttonBox")
        self.errors = InlineError(child(f, QLabel, "errorLabel"), {
            "host": (self.host, self.tr("Server")), "port": (self.port, self.tr("Port")),
            "security": (self.security, self.tr("Security")), "sender": (self.smtp_sender, self.tr("Sender")),
            "smtp-password": (self.password, self.tr("Password")), "to": (self.test_address, self.tr("Test address")),
            "provider": (self.provider, self.tr("SMS provider")),
            "sms-sender": (self.sms_sender, self.tr("SMS sender")),
            "endpoint": (self.endpoint, self.tr("Endpoint")), "sms-token": (self.token, self.tr("API token")),
            "start": (self.start, self.tr("Sending from")), "end": (self.end, self.tr("Sending until")),
            "days": (self.days, self.tr("Days")), "interval": (self.interval, self.tr("Interval")),
            "max-attempts": (self.max_attempts, self.tr("Attempts")),
        })

    def _fill(self, loaded: Loaded) -> None:
        for security in settings.SECURITIES:
            self.security.addItem(self.tr(SECURITY_NAMES.get(security, security)), security)
        for provider in settings.SMS_PROVIDERS:
            self.provider.addItem(provider, provider)
        smtp = loaded.smtp
        self.port.setValue(smtp.port if smtp else DEFAULT_PORTS["starttls"])
        self.security.setCurrentIndex(settings.SECURITIES.index(smtp.security if smtp else "starttls"))
        if smtp is not None:
            self.host.setText(smtp.host)
            self.user.setText(smtp.user or "")
            self.smtp_sender.setText(smtp.sender)
        sms = loaded.sms
        self.endpoint.setPlaceholderText(settings.DEFAULT_SMS_ENDPOINTS[settings.SMS_PROVIDERS[0]])
        if sms is not None:
            self.provider.setCurrentIndex(max(0, self.provider.findData(sms.provider)))
            self.sms_sender.setText(sms.sender)
            self.endpoint.setText(sms.endpoint)
        self.start.setTime(_qtime(loaded.hours.start))
        self.end.setTime(_qtime(loaded.hours.end))
        self.days.setText(loaded.hours.day_names())
        self.interval.setValue(loaded.outbox.interval_minutes)
        self.max_attempts.setValue(loaded.outbox.max_attempts)

    def show_secret_states(self) -> None:
        """Only whether a secret is set; the value itself never comes back into a field."""
        try:
            has_password, has_token = self.secrets.is_set(SMTP_PASSWORD), self.secrets.is_set(SMS_TOKEN)
        except UserError as exc:
            self.password_state.setText(exc.message)
            self.token_state.setText(exc.message)
            return
        self.password_state.setText(self.tr("A password is stored in the system keyring; type to replace it.")
                                    if has_password else self.tr("No password stored."))
        self.token_state.setText(self.tr("A token is stored in the system keyring; type to replace it.")
                                 if has_token else self.tr("No token stored."))

    # --- saving ----------------------------------------------------------------------------------
    def _write(self, ctx: Ctx) -> None:
        if self.host.text().strip() or self.smtp_sender.text().strip():
            settings.set_smtp(ctx, host=self.host.text(), port=self.port.value(),
                              security=str(self.security.currentData()), sender=self.smtp_sender.text(),
                              user=self.user.text())
        if self.sms_sender.text().strip():
            try:
                settings.set_sms(ctx, provider=str(self.provider.currentData()), sender=self.sms_sender.text(),
                                 endpoint=self.endpoint.text().strip() or None)
            except UserError as exc:
                raise UserError("sms-sender" if exc.field == "sender" else exc.field, exc.message) from None
        settings.set_business_hours(ctx, start=self.start.time().toString("HH:mm"),
                                    end=self.end.time().toString("HH:mm"), days=self.days.text())
        settings.set_outbox(ctx, interval_minutes=self.interval.value(), max_attempts=self.max_attempts.value())

    def _store_secrets(self) -> None:
        for key, field in ((SMTP_PASSWORD, self.password), (SMS_TOKEN, self.token)):
            value = field.text()
            if value:
                self.secrets.set(key, value)
                self.app.call(partial(settings.record_secret_change, key=key))
                field.clear()

    def save(self) -> bool:
        """True when everything was stored; otherwise the error is shown beside its field."""
        self.errors.clear()
        try:
            self.app.call(self._write)
            self._store_secrets()
        except UserError as exc:
            self.tabs.setCurrentIndex(TAB_OF_FIELD.get(exc.field or "", self.tabs.currentIndex()))
            self.errors.show(exc)
            return False
        finally:
            self.show_secret_states()
        self.outbox_saved.emit(self.interval.value())
        return True

    def save_and_close(self) -> None:
        if self.save():
            self.accept()

    # --- the test message --------------------------------------------------------------------------
    def _update_test_button(self) -> None:
        """The test needs an address to go to; while one is on its way, another waits."""
        self.test_button.setEnabled(not self.testing and bool(self.test_address.text().strip()))

    def _set_testing(self, testing: bool) -> None:
        self.testing = testing
        self._update_test_button()

    def _show_test_error(self, text: str) -> None:
        self.test_result.setStyleSheet("color: #b71c1c;")
        self.test_result.setText(self.tr("Not sent: {error}").format(error=text))

    def send_test(self) -> None:
        """Save first (the test uses what is stored), then talk to the server off the GUI thread."""
        if not self.host.text().strip():  # said here, in the window's words, not the command line's
            self.tabs.setCurrentIndex(0)
            self.host.setFocus()
            self._show_test_error(self.tr("enter the e-mail server above first."))
            return
        if not self.save():
            return
        to = self.test_address.text()
        app = self.app
        self._set_testing(True)
        self.test_result.setStyleSheet("")
        self.test_result.setText(self.tr("Sending…"))
        self.runner.run(lambda: settings.send_test_email(app.ledger, app.clock, app.user, to),
                        self._test_sent, self._test_failed)

    def _test_sent(self, result: object) -> None:
        assert isinstance(result, SendResult)
        if not isValid(self):  # closed while the server was talking
            return
        self._set_testing(False)
        self.test_result.setStyleSheet("color: #1b5e20;")
        self.test_result.setText(self.tr("Sent. The server answered: {reply}").format(reply=result.reply))

    def _test_failed(self, exc: Exception) -> None:
        if not isValid(self):
            return
        self._set_testing(False)
        self._show_test_error(exc.message if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}")
