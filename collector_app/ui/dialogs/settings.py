"""The sending settings (SMTP, SMS gateway, business hours, outbox timer), the firm's details every message carries,
and the "Send test e-mail" button."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
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
from collector_app.services import firm, settings
from collector_app.services.context import Ctx
from collector_app.services.firm import FirmChanges
from collector_app.services.outbox import firm_gaps
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.first_start import COUNTRIES, CURRENCIES
from collector_app.ui.forms import child, load_form
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.detail import InlineError

DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
FIRM_LINES = {  # FirmChanges field -> its line edit on the Firm tab
    "name": "firmName", "tax_id": "firmTaxId", "iban": "firmIban", "address": "firmAddress",
    "postal_code": "firmPostalCode", "city": "firmCity", "contact_person": "firmContactPerson",
    "email": "firmEmail", "phone": "firmPhone",
}
FIRM_TAB = 3
TAB_OF_FIELD = {"host": 0, "port": 0, "security": 0, "sender": 0, "smtp-password": 0, "to": 0,
                "provider": 1, "sms-sender": 1, "endpoint": 1, "sms-token": 1,
                "start": 2, "end": 2, "days": 2, "interval": 2, "max-attempts": 2}
ERROR_RED = "color: #b71c1c;"


SECURITY_NAMES = {"none": "None (unencrypted)", "starttls": "STARTTLS (usually port 587)",
                  "ssl": "SSL/TLS (usually port 465)"}


@dataclass(frozen=True)
class Loaded:
    """What the dialog shows when it opens: the ledger's settings and which secrets are set."""

    smtp: settings.SmtpSettings | None
    sms: settings.SmsSettings | None
    hours: settings.BusinessHours
    outbox: settings.OutboxSettings


@dataclass(frozen=True)
class LoadedFirm:
    """The firm's details as stored (None: no firm yet) and what a reminder needs that they lack."""

    details: FirmChanges | None
    gaps: str | None


def load_firm(ctx: Ctx) -> LoadedFirm:
    found = firm.get_firm(ctx)
    details = None if found is None else FirmChanges(**{f.name: getattr(found, f.name) for f in fields(FirmChanges)})
    return LoadedFirm(details, firm_gaps(found))


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
        self.show_firm(app.call(load_firm))
        self.port_cleared = False  # the user emptied the port (the box shows the old value again on leaving)
        port_line = self.port.lineEdit()
        assert port_line is not None
        port_line.textEdited.connect(lambda text: setattr(self, "port_cleared", not text.strip()))
        self.security.currentIndexChanged.connect(self._security_changed)  # after the stored port is shown
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
        self.firm_lines = {name: child(f, QLineEdit, widget) for name, widget in FIRM_LINES.items()}
        self.firm_country = child(f, QComboBox, "firmCountry")
        self.firm_currency = child(f, QComboBox, "firmCurrency")
        self.firm_terms = child(f, QSpinBox, "firmPaymentTerms")
        self.firm_hint = child(f, QLabel, "firmHint")
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
            **self._firm_error_fields(),
        })

    def _firm_error_fields(self) -> dict[str, tuple[QWidget, str]]:
        """The fields services.firm names, as "firm-" + its name, with the caption of the label in front."""
        captions = {buddy: label.text().replace("&", "").rstrip(":")
                    for label in self.form.findChildren(QLabel) if (buddy := label.buddy()) is not None}
        widgets: dict[str, QWidget] = {name.replace("_", "-"): w for name, w in self.firm_lines.items()}
        widgets.update({"country": self.firm_country, "currency": self.firm_currency,
                        "payment-terms": self.firm_terms})
        captions[self.firm_lines["city"]] = self.tr("City")
        return {f"firm-{name}": (w, captions.get(w, name)) for name, w in widgets.items()}

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
        self.firm_country.addItems(COUNTRIES)
        self.firm_currency.addItems(CURRENCIES)

    def _security_changed(self, _index: int) -> None:
        """The chosen mode's usual port, unless the port is one the user typed (not another mode's default)."""
        if self.port_cleared or not self.port.cleanText().strip() or self.port.value() in DEFAULT_PORTS.values():
            self.port.setValue(DEFAULT_PORTS.get(str(self.security.currentData()), self.port.value()))
            self.port_cleared = False

    # --- the firm ----------------------------------------------------------------------------------
    def show_firm(self, loaded: LoadedFirm) -> None:
        """The stored details in the Firm tab (a ledger without a firm: its defaults); what reminders lack above."""
        details = loaded.details or FirmChanges(country="PL", currency="PLN", payment_terms_days=14)
        for name, line in self.firm_lines.items():
            line.setText(getattr(details, name) or "")
        self.firm_country.setCurrentText(details.country or "")
        self.firm_currency.setCurrentText(details.currency or "")
        self.firm_terms.setValue(details.payment_terms_days or 0)
        self.firm_shown = self.firm_values()
        if loaded.gaps:
            self.firm_hint.setStyleSheet(ERROR_RED)
            self.firm_hint.setText(self.tr("No reminder is sent while the firm's {gaps} not set: every message "
                                           "carries the bank account and the person to ask.").format(gaps=loaded.gaps))
        else:
            self.firm_hint.setStyleSheet("")
            self.firm_hint.setText(self.tr("Reminders and payment demands carry these details."))

    def firm_values(self) -> FirmChanges:
        texts = {name: line.text() for name, line in self.firm_lines.items()}
        return FirmChanges(**texts, country=self.firm_country.currentText(),
                           currency=self.firm_currency.currentText(), payment_terms_days=self.firm_terms.value())

    def firm_changes(self) -> FirmChanges:
        """Only what the user changed: an untouched tab writes nothing (no "firm updated" event)."""
        now, shown = self.firm_values(), self.firm_shown
        return FirmChanges(**{f.name: getattr(now, f.name) for f in fields(FirmChanges)
                              if getattr(now, f.name) != getattr(shown, f.name)})

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
        changes = self.firm_changes()
        if changes != FirmChanges():
            try:  # the service the CLI's `firm set` uses; its fields named apart from the SMTP ones
                firm.set_firm(ctx, changes)
            except UserError as exc:
                raise UserError(f"firm-{exc.field or 'name'}", exc.message) from None

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
            field = exc.field or ""
            self.tabs.setCurrentIndex(FIRM_TAB if field.startswith("firm-")
                                      else TAB_OF_FIELD.get(field, self.tabs.currentIndex()))
            self.errors.show(exc)
            return False
        finally:
            self.show_secret_states()
        self.show_firm(self.app.call(load_firm))  # as stored: the IBAN compact, the phone in E.164
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
