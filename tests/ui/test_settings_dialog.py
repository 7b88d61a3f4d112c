"""The settings dialog: saved to the ledger, secrets only in the keyring, inline errors, a real test e-mail."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.keyring_memory import MemoryKeyring
from helpers.qt_input import shown
from helpers.smtp_server import Recorder, smtp_server
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from collector_app.secrets import SMS_TOKEN, SMTP_PASSWORD, SecretStore
from collector_app.services import settings
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.settings import SettingsDialog
from collector_app.ui.taskrunner import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]
PASSWORD = "Tajne-Haslo-7781"
TOKEN = "tok-9f3e2d1c"




@pytest.fixture
def dialog(qtbot: QtBot, app: AppContext, runner: TaskRunner) -> SettingsDialog:
    return shown(qtbot, SettingsDialog(app, runner))


def type_into(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


def click_save(qtbot: QtBot, dlg: SettingsDialog) -> None:
    button = dlg.button_box.button(QDialogButtonBox.StandardButton.Save)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def fill_email(qtbot: QtBot, dlg: SettingsDialog, port: int, password: str = PASSWORD) -> None:
    type_into(qtbot, dlg.host, "127.0.0.1")
    dlg.port.setValue(port)
    dlg.security.setCurrentIndex(dlg.security.findData("none"))
    type_into(qtbot, dlg.smtp_sender, "Biuro Firmy <biuro@firma.example>")
    type_into(qtbot, dlg.password, password)


def test_saves_to_the_ledger_and_secrets_only_to_the_keyring(
    qtbot: QtBot, dialog: SettingsDialog, app: AppContext, ledger_path: Path, memory_keyring: MemoryKeyring,
) -> None:
    fill_email(qtbot, dialog, 2525)
    type_into(qtbot, dialog.user, "biuro")
    type_into(qtbot, dialog.sms_sender, "FIRMA")
    type_into(qtbot, dialog.token, TOKEN)
    type_into(qtbot, dialog.days, "mon-sat")
    dialog.interval.setValue(10)
    dialog.max_attempts.setValue(3)
    click_save(qtbot, dialog)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted and not dialog.errors.text()

    smtp = app.call(settings.get_smtp)
    assert smtp is not None and (smtp.host, smtp.port, smtp.security, smtp.user) == ("127.0.0.1", 2525, "none", "biuro")
    sms = app.call(settings.get_sms)
    assert sms is not None and sms.sender == "FIRMA" and sms.endpoint == "https://api.smsapi.pl"
    assert app.call(settings.get_business_hours).day_names() == "mon,tue,wed,thu,fri,sat"
    assert app.call(settings.get_outbox) == settings.OutboxSettings(interval_minutes=10, max_attempts=3)

    store = SecretStore.for_ledger(app.ledger.url)
    assert store.get(SMTP_PASSWORD) == PASSWORD and store.get(SMS_TOKEN) == TOKEN
    app.ledger.close()
    raw = b"".join(p.read_bytes() for p in ledger_path.parent.iterdir() if p.name.startswith(ledger_path.name))
    assert PASSWORD.encode() not in raw and TOKEN.encode() not in raw


def test_a_stored_password_is_never_read_back_into_the_field(
    qtbot: QtBot, app: AppContext, runner: TaskRunner,
) -> None:
    SecretStore.for_ledger(app.ledger.url).set(SMTP_PASSWORD, PASSWORD)
    dlg = SettingsDialog(app, runner)
    qtbot.addWidget(dlg)
    assert dlg.password.text() == "" and dlg.password.echoMode() == QLineEdit.EchoMode.Password
    assert "stored" in dlg.password_state.text() and "No token" in dlg.token_state.text()
    assert all(PASSWORD not in w.text() for w in dlg.findChildren(QLineEdit))


def test_a_refused_value_is_shown_inline_and_the_dialog_stays_open(
    qtbot: QtBot, dialog: SettingsDialog, app: AppContext,
) -> None:
    type_into(qtbot, dialog.host, "smtp.example.com")
    type_into(qtbot, dialog.smtp_sender, "not an address")
    type_into(qtbot, dialog.password, PASSWORD)
    click_save(qtbot, dialog)
    assert dialog.isVisible() and dialog.errors.text().startswith("Sender:")
    assert app.call(settings.get_smtp) is None
    assert SecretStore.for_ledger(app.ledger.url).get(SMTP_PASSWORD) is None  # nothing half-saved

    type_into(qtbot, dialog.smtp_sender, "Biuro <biuro@firma.example>")
    dialog.tabs.setCurrentIndex(2)
    type_into(qtbot, dialog.days, "weekdays")
    click_save(qtbot, dialog)
    assert dialog.isVisible() and dialog.errors.text().startswith("Days:") and dialog.tabs.currentIndex() == 2


def test_send_test_email_arrives_and_shows_the_reply(
    qtbot: QtBot, dialog: SettingsDialog, runner: TaskRunner,
) -> None:
    rec = Recorder()
    with smtp_server(rec) as port:
        fill_email(qtbot, dialog, port)
        type_into(qtbot, dialog.test_address, "ja@example.com")
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=10000)
    assert dialog.isVisible() and "250" in dialog.test_result.text(), dialog.test_result.text()
    [got] = rec.received
    assert got.rcpt_tos == ["ja@example.com"] and b"Collector: test message" in got.content
    assert runner.wait()


def test_send_test_email_shows_the_server_refusal(qtbot: QtBot, dialog: SettingsDialog, runner: TaskRunner) -> None:
    rec = Recorder(rcpt_replies=["550 5.7.1 Relaying denied"])
    with smtp_server(rec) as port:
        fill_email(qtbot, dialog, port)
        type_into(qtbot, dialog.test_address, "ja@example.com")
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=10000)
    assert "550 5.7.1 Relaying denied" in dialog.test_result.text() and not rec.received
    assert runner.wait()



def test_the_dialog_fits_a_laptop_screen_with_the_keyring_hint_wrapped(dialog: SettingsDialog) -> None:
    dialog.password_state.setText("no usable keyring to keep passwords in: " + "install a Secret Service " * 12)
    dialog.adjustSize()
    assert dialog.password_state.wordWrap() and dialog.width() <= 1000


def test_send_test_email_needs_an_address_to_send_to(qtbot: QtBot, dialog: SettingsDialog) -> None:
    assert not dialog.test_button.isEnabled()
    type_into(qtbot, dialog.test_address, "ja@example.com")
    assert dialog.test_button.isEnabled()
    type_into(qtbot, dialog.test_address, "  ")
    assert not dialog.test_button.isEnabled()


def test_send_test_email_without_a_server_says_so_in_the_window(
    qtbot: QtBot, dialog: SettingsDialog, runner: TaskRunner,
) -> None:
    type_into(qtbot, dialog.test_address, "ja@example.com")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.test_result.text() == "Not sent: enter the e-mail server above first."
    assert "collector settings" not in dialog.test_result.text() and dialog.test_button.isEnabled()
    assert runner.wait()


def test_security_choices_are_named_with_their_usual_port(dialog: SettingsDialog) -> None:
    texts = {dialog.security.itemData(i): dialog.security.itemText(i) for i in range(dialog.security.count())}
    assert texts == {"none": "None (unencrypted)", "starttls": "STARTTLS (usually port 587)",
                     "ssl": "SSL/TLS (usually port 465)"}


def shown_whole(label: QLabel, field: QWidget) -> bool:
    """The label is as wide as the field above it and tall enough for all of its wrapped lines."""
    return label.width() >= field.width() and label.height() >= label.heightForWidth(label.width())


def test_the_secret_states_under_the_fields_are_shown_whole(
    qtbot: QtBot, app: AppContext, runner: TaskRunner, dialog: SettingsDialog
) -> None:
    assert dialog.password_state.text() == "No password stored."
    assert shown_whole(dialog.password_state, dialog.password)
    assert dialog.password_state.height() <= 2 * dialog.password_state.fontMetrics().lineSpacing()  # one line
    qtbot.mouseClick(dialog.tabs.tabBar(), Qt.MouseButton.LeftButton, pos=dialog.tabs.tabBar().tabRect(1).center())
    assert dialog.token_state.isVisible() and shown_whole(dialog.token_state, dialog.token)
    SecretStore.for_ledger(app.ledger.url).set(SMTP_PASSWORD, PASSWORD)
    stored = SettingsDialog(app, runner)  # the longer text: a password is stored
    qtbot.addWidget(stored)
    stored.show()
    qtbot.waitExposed(stored)
    assert stored.password_state.text().startswith("A password is stored")
    assert shown_whole(stored.password_state, stored.password)
