"""Tools → Settings: the Firm tab edits what `collector firm set` edits; Security brings its usual port."""

from __future__ import annotations

import pytest
from helpers.outbox_support import FIRM_IBAN
from helpers.qt_input import click, shown
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLineEdit, QSpinBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from collector_app.db.models import Event
from collector_app.services import settings
from collector_app.services.firm import FirmChanges, get_firm, set_firm
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.settings import FIRM_TAB, SettingsDialog
from collector_app.ui.taskrunner import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]
FIRST_START = FirmChanges(name="Alfa Serwis Sp. z o.o.", tax_id="5260250274", country="PL", currency="PLN",
                          iban=FIRM_IBAN)  # what the first-start dialog used to store: no contact person




@pytest.fixture
def firm_app(app: AppContext) -> AppContext:
    with app.transaction() as ctx:
        set_firm(ctx, FIRST_START)
    return app


def opened(qtbot: QtBot, app: AppContext, runner: TaskRunner) -> SettingsDialog:
    """On screen and the active window, as after Tools → Settings (where the focus goes is checked)."""
    dlg = shown(qtbot, SettingsDialog(app, runner))
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow)
    return dlg


@pytest.fixture
def dialog(qtbot: QtBot, firm_app: AppContext, runner: TaskRunner) -> SettingsDialog:
    return opened(qtbot, firm_app, runner)


def open_tab(qtbot: QtBot, dlg: SettingsDialog, index: int) -> None:
    bar = dlg.tabs.tabBar()
    click(qtbot, bar, bar.tabRect(index).center())
    assert dlg.tabs.currentIndex() == index


def type_into(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    """Click into the field, select what is there, type over it."""
    click(qtbot, field)
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


def type_number(qtbot: QtBot, box: QSpinBox, text: str) -> None:
    click(qtbot, box)
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, text)


def choose(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """As from the keyboard: the list's first entry, then Down until the entry (an editable list: typed)."""
    if combo.isEditable():
        type_into(qtbot, combo.lineEdit(), text)
    else:
        combo.setFocus()
        qtbot.keyClick(combo, Qt.Key.Key_Home)
        for _ in range(combo.findText(text)):
            qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


def click_save(qtbot: QtBot, dlg: SettingsDialog) -> None:
    button = dlg.button_box.button(QDialogButtonBox.StandardButton.Save)
    assert button is not None
    click(qtbot, button)


def firm_updates(app: AppContext) -> int:
    with app.transaction() as ctx:
        return int(ctx.session.scalar(select(func.count()).where(Event.action == "firm.updated")) or 0)


def test_the_firm_tab_shows_the_stored_details_and_what_reminders_lack(dialog: SettingsDialog, qtbot: QtBot) -> None:
    open_tab(qtbot, dialog, FIRM_TAB)
    assert dialog.tabs.tabText(FIRM_TAB) == "Firm"
    assert dialog.firm_lines["name"].text() == "Alfa Serwis Sp. z o.o."
    assert dialog.firm_lines["iban"].text() == FIRM_IBAN
    assert (dialog.firm_country.currentText(), dialog.firm_currency.currentText(), dialog.firm_terms.value()) == \
        ("PL", "PLN", 14)
    assert dialog.firm_hint.isVisible() and "contact person is not set" in dialog.firm_hint.text()


def test_every_firm_field_is_saved_through_the_service_firm_set_uses(
    dialog: SettingsDialog, qtbot: QtBot, firm_app: AppContext,
) -> None:
    open_tab(qtbot, dialog, FIRM_TAB)
    lines = dialog.firm_lines
    type_into(qtbot, lines["contact_person"], "Anna Nowak")
    type_into(qtbot, lines["email"], "ksiegowosc@alfa.example")
    type_into(qtbot, lines["phone"], "600 100 200")
    type_into(qtbot, lines["address"], "ul. Kwiatowa 5")
    type_into(qtbot, lines["postal_code"], "00-950")
    type_into(qtbot, lines["city"], "Warszawa")
    type_number(qtbot, dialog.firm_terms, "21")
    click_save(qtbot, dialog)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted and not dialog.errors.text()
    with firm_app.transaction() as ctx:
        firm = get_firm(ctx)
        assert firm is not None
        stored = {k: getattr(firm, k) for k in ("name", "tax_id", "iban", "contact_person", "email", "phone",
                                                "address", "postal_code", "city", "payment_terms_days")}
    assert stored == {"name": "Alfa Serwis Sp. z o.o.", "tax_id": "5260250274", "iban": FIRM_IBAN,
                      "contact_person": "Anna Nowak", "email": "ksiegowosc@alfa.example", "phone": "+48600100200",
                      "address": "ul. Kwiatowa 5", "postal_code": "00-950", "city": "Warszawa",
                      "payment_terms_days": 21}
    assert firm_updates(firm_app) == 2  # the first set-up and this save


@pytest.mark.parametrize(("field", "typed", "shown_as"), [
    ("email", "anna(at)alfa", "E-mail:"),
    ("phone", "12", "Phone:"),
    ("iban", "PL00 1234", "Bank account:"),
])
def test_a_refused_firm_value_is_shown_inline_and_nothing_is_written(
    dialog: SettingsDialog, qtbot: QtBot, firm_app: AppContext, field: str, typed: str, shown_as: str,
) -> None:
    type_into(qtbot, dialog.host, "smtp.alfa.example")  # a valid change on another tab: not written either
    type_into(qtbot, dialog.smtp_sender, "Alfa <biuro@alfa.example>")
    open_tab(qtbot, dialog, FIRM_TAB)
    type_into(qtbot, dialog.firm_lines["contact_person"], "Anna Nowak")
    type_into(qtbot, dialog.firm_lines[field], typed)
    open_tab(qtbot, dialog, 0)
    click_save(qtbot, dialog)
    assert dialog.isVisible() and dialog.tabs.currentIndex() == FIRM_TAB
    assert dialog.errors.text().startswith(shown_as) and f'"{typed}"' in dialog.errors.text()
    assert dialog.firm_lines[field].hasFocus(), "the field at fault gets the focus"
    with firm_app.transaction() as ctx:
        firm = get_firm(ctx)
        assert firm is not None and firm.contact_person is None and firm.iban == FIRM_IBAN
    assert firm_app.call(settings.get_smtp) is None and firm_updates(firm_app) == 1


def test_an_untouched_firm_tab_writes_nothing(dialog: SettingsDialog, qtbot: QtBot, firm_app: AppContext) -> None:
    open_tab(qtbot, dialog, 2)
    type_into(qtbot, dialog.days, "mon-sat")
    click_save(qtbot, dialog)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert firm_updates(firm_app) == 1, "no firm event for a save that did not change the firm"


def test_a_ledger_without_a_firm_gets_one_from_the_tab_and_the_name_is_asked_for(
    qtbot: QtBot, app: AppContext, runner: TaskRunner,
) -> None:
    dlg = opened(qtbot, app, runner)
    open_tab(qtbot, dlg, 2)
    type_into(qtbot, dlg.days, "mon-fri")  # the other tabs save without a firm, as before
    open_tab(qtbot, dlg, FIRM_TAB)
    assert "details are not set" in dlg.firm_hint.text()
    type_into(qtbot, dlg.firm_lines["contact_person"], "Anna Nowak")
    click_save(qtbot, dlg)
    assert dlg.isVisible() and dlg.errors.text().startswith("Firm name:")
    assert dlg.firm_lines["name"].hasFocus() and app.call(get_firm) is None
    type_into(qtbot, dlg.firm_lines["name"], "Beta s.r.o.")
    choose(qtbot, dlg.firm_country, "CZ")
    choose(qtbot, dlg.firm_currency, "CZK")
    click_save(qtbot, dlg)
    assert dlg.result() == SettingsDialog.DialogCode.Accepted
    with app.transaction() as ctx:
        firm = get_firm(ctx)
        assert firm is not None
        assert (firm.name, firm.country, firm.currency, firm.contact_person) == \
            ("Beta s.r.o.", "CZ", "CZK", "Anna Nowak")


def test_the_hint_clears_once_reminders_have_what_they_need(
    dialog: SettingsDialog, qtbot: QtBot, server: object,
) -> None:
    """The test e-mail saves and keeps the dialog open: the tab then shows the stored details."""
    open_tab(qtbot, dialog, FIRM_TAB)
    type_into(qtbot, dialog.firm_lines["contact_person"], "Anna Nowak")
    type_into(qtbot, dialog.firm_lines["phone"], "600 100 200")
    assert dialog.save()
    assert dialog.firm_lines["phone"].text() == "+48600100200"
    assert "not set" not in dialog.firm_hint.text()


# --- Security and port -------------------------------------------------------------------------------

@pytest.mark.parametrize(("security", "port"), [
    ("SSL/TLS (usually port 465)", 465), ("None (unencrypted)", 25), ("STARTTLS (usually port 587)", 587),
])
def test_choosing_a_security_mode_brings_its_usual_port(
    dialog: SettingsDialog, qtbot: QtBot, security: str, port: int,
) -> None:
    choose(qtbot, dialog.security, "None (unencrypted)")
    choose(qtbot, dialog.security, security)
    assert dialog.port.value() == port


def test_a_port_typed_by_hand_stays_and_an_emptied_one_is_filled(dialog: SettingsDialog, qtbot: QtBot) -> None:
    type_number(qtbot, dialog.port, "2525")
    choose(qtbot, dialog.security, "SSL/TLS (usually port 465)")
    assert dialog.port.value() == 2525
    click(qtbot, dialog.port)
    qtbot.keyClick(dialog.port, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog.port, Qt.Key.Key_Delete)
    choose(qtbot, dialog.security, "STARTTLS (usually port 587)")
    assert dialog.port.value() == 587 and dialog.port.text() == "587"


def test_a_stored_port_is_shown_as_stored(qtbot: QtBot, firm_app: AppContext, runner: TaskRunner) -> None:
    with firm_app.transaction() as ctx:
        settings.set_smtp(ctx, host="smtp.alfa.example", port=465, security="starttls",
                          sender="Alfa <biuro@alfa.example>")
    dlg = opened(qtbot, firm_app, runner)
    assert dlg.port.value() == 465 and dlg.security.currentData() == "starttls"
