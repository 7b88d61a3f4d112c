"""Starting the app: the first-start dialog, switching ledgers, backup/restore, screenshot mode, --help."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.ledger import VALID_NIPS
from helpers.register_ledger import DOCUMENTS, private_dirs, seed_register  # noqa: F401
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from collector_app.config import recent_ledgers
from collector_app.db.engine import Ledger, open_ledger
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.services.firm import get_firm
from collector_app.ui import app as gui_app
from collector_app.ui.app import GuiOptions, WindowHost, open_window, run_gui, save_screenshot
from collector_app.ui.dialogs import first_start
from collector_app.ui.dialogs.first_start import LedgerDialog

IBAN = "PL61 1090 1014 0000 0712 1981 2874"
pytestmark = [
    pytest.mark.usefixtures("private_dirs"),
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints", "does not support raise"),
]


@pytest.fixture
def dialog(qtbot: QtBot, clock: FixedClock) -> LedgerDialog:
    dlg = LedgerDialog(clock, "tester")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def type_into(qtbot: QtBot, widget: object, text: str) -> None:
    widget.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(widget, text)


def fill_firm(qtbot: QtBot, dlg: LedgerDialog, target: Path, tax_id: str, iban: str = IBAN) -> None:
    qtbot.mouseClick(dlg.create_button, Qt.MouseButton.LeftButton)
    assert dlg.name.hasFocus() or dlg.name.isVisible()
    type_into(qtbot, dlg.name, "Alfa Serwis Sp. z o.o.")
    type_into(qtbot, dlg.tax_id, tax_id)
    type_into(qtbot, dlg.iban, iban)
    type_into(qtbot, dlg.location_edit, str(target))


def firm_of(path: Path, clock: FixedClock) -> tuple[str, str | None, str, str, str | None]:
    ledger = open_ledger(path)
    try:
        with ledger.transaction() as session:
            firm = get_firm(Ctx(session, clock, "tester"))
            assert firm is not None
            return firm.name, firm.tax_id, firm.country, firm.currency, firm.iban
    finally:
        ledger.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_first_start_creates_a_ledger_with_the_firms_data(
    dialog: LedgerDialog, qtbot: QtBot, tmp_path: Path, clock: FixedClock
) -> None:
    target = tmp_path / "books" / "firm.db"
    fill_firm(qtbot, dialog, target, "701-001-01-91")
    qtbot.mouseClick(dialog.create_ledger_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == LedgerDialog.DialogCode.Accepted
    assert dialog.location == str(target)
    assert firm_of(target, clock) == ("Alfa Serwis Sp. z o.o.", VALID_NIPS[0], "PL", "PLN",
                                      IBAN.replace(" ", ""))
    assert leftovers(target.parent) == ["firm.db"], "no .part or WAL file is left beside it"


@pytest.mark.parametrize(("tax_id", "iban", "field", "shown"), [
    ("1234567890", IBAN, "tax_id", "NIP"),
    (VALID_NIPS[0], "PL00 1234", "iban", "IBAN"),
])
def test_first_start_refuses_bad_data_and_creates_no_file(
    dialog: LedgerDialog, qtbot: QtBot, tmp_path: Path, tax_id: str, iban: str, field: str, shown: str
) -> None:
    target = tmp_path / "books" / "firm.db"
    fill_firm(qtbot, dialog, target, tax_id, iban)
    qtbot.mouseClick(dialog.create_ledger_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != LedgerDialog.DialogCode.Accepted
    assert dialog.error.isVisible() and shown in dialog.error.text()
    assert getattr(dialog, field).hasFocus(), "the field at fault gets the focus"
    assert not target.exists()
    assert leftovers(target.parent) == []


def test_first_start_needs_the_firms_name(dialog: LedgerDialog, qtbot: QtBot, tmp_path: Path) -> None:
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, dialog.location_edit, str(tmp_path / "x.db"))
    qtbot.keyClick(dialog.location_edit, Qt.Key.Key_Return)  # Enter presses "Create ledger"
    assert dialog.isVisible() and "name" in dialog.error.text().lower()
    assert not (tmp_path / "x.db").exists()


def test_the_currency_follows_the_country(dialog: LedgerDialog, qtbot: QtBot) -> None:
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, dialog.country.lineEdit(), "CZ")
    assert dialog.currency.currentText() == "CZK"


def contact_of(path: Path, clock: FixedClock) -> tuple[str | None, str | None, str | None]:
    ledger = open_ledger(path)
    try:
        with ledger.transaction() as session:
            firm = get_firm(Ctx(session, clock, "tester"))
            assert firm is not None
            return firm.contact_person, firm.email, firm.phone
    finally:
        ledger.close()


def test_first_start_takes_the_contact_person_email_and_phone_reminders_carry(
    dialog: LedgerDialog, qtbot: QtBot, tmp_path: Path, clock: FixedClock
) -> None:
    target = tmp_path / "books" / "firm.db"
    fill_firm(qtbot, dialog, target, "701-001-01-91")
    assert "collector" not in dialog.intro.text() and "Tools → Settings → Firm" in dialog.intro.text()
    type_into(qtbot, dialog.contact_person, "Anna Nowak")
    type_into(qtbot, dialog.email, "ksiegowosc@alfa.example")
    type_into(qtbot, dialog.phone, "600 100 200")
    qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)  # Enter presses "Create ledger"
    assert dialog.result() == LedgerDialog.DialogCode.Accepted
    assert contact_of(target, clock) == ("Anna Nowak", "ksiegowosc@alfa.example", "+48600100200")


@pytest.mark.parametrize(("field", "typed", "shown"), [("email", "anna(at)alfa", "E-mail:"), ("phone", "12", "Phone:")])
def test_first_start_refuses_a_bad_contact_inline_and_creates_no_file(
    dialog: LedgerDialog, qtbot: QtBot, tmp_path: Path, field: str, typed: str, shown: str
) -> None:
    target = tmp_path / "books" / "firm.db"
    fill_firm(qtbot, dialog, target, "701-001-01-91")
    type_into(qtbot, dialog.contact_person, "Anna Nowak")
    type_into(qtbot, getattr(dialog, field), typed)
    qtbot.mouseClick(dialog.create_ledger_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error.text().startswith(shown)
    assert getattr(dialog, field).hasFocus(), "the field at fault gets the focus"
    assert leftovers(target.parent) == []


def test_opening_a_file_that_is_not_a_ledger_is_refused(
    dialog: LedgerDialog, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text_file = tmp_path / "notes.db"
    text_file.write_text("shopping list\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(text_file), ""))
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != LedgerDialog.DialogCode.Accepted
    assert "not a Collector ledger" in dialog.error.text()
    assert text_file.read_text(encoding="utf-8") == "shopping list\n"


def test_opening_an_existing_ledger(
    dialog: LedgerDialog, qtbot: QtBot, ledger: Ledger, ledger_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(ledger_path), ""))
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == LedgerDialog.DialogCode.Accepted
    assert dialog.location == str(ledger_path)


@pytest.mark.skipif(importlib.util.find_spec("collector_app.services.demo") is None,
                    reason="the demo generator is not there yet")
def test_the_demo_ledger_is_built_off_the_gui_thread(
    dialog: LedgerDialog, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(first_start, "DEMO_INVOICES", 60)
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    assert not dialog.form.isEnabled(), "the dialog waits while the builder works"
    qtbot.waitUntil(lambda: dialog.result() == LedgerDialog.DialogCode.Accepted, timeout=60000)
    demo = Path(dialog.location or "")
    assert demo == first_start.demo_ledger_path() and demo.exists()
    assert leftovers(demo.parent) == [demo.name]


# --- the running app ----------------------------------------------------------------------------

@pytest.fixture
def options(clock: FixedClock) -> GuiOptions:
    return GuiOptions(db=None, clock=clock, user="tester")


@pytest.fixture
def host(qtbot: QtBot, options: GuiOptions) -> Iterator[WindowHost]:
    h = WindowHost(options)
    yield h
    if h.window is not None:
        h.window.close()
    h.close()


def make_ledger(path: Path, clock: FixedClock) -> Path:
    ledger = open_ledger(path)
    seed_register(ledger, clock)
    ledger.close()
    return path


def test_file_open_switches_to_another_ledger_and_remembers_it(
    host: WindowHost, qtbot: QtBot, tmp_path: Path, clock: FixedClock, options: GuiOptions
) -> None:
    first = make_ledger(tmp_path / "first.db", clock)
    second = open_ledger(tmp_path / "second.db")
    second.close()
    old = host.open(str(first), options)
    assert old.invoices.model.rowCount() == DOCUMENTS + 1
    old.ledger_requested.emit(str(tmp_path / "second.db"))
    qtbot.waitUntil(lambda: host.window is not old)
    assert host.window is not None and host.window.isVisible() and not old.isVisible()
    assert host.window.invoices.model.rowCount() == 0
    assert recent_ledgers()[:2] == [str(tmp_path / "second.db"), str(first)]


def test_a_ledger_that_cannot_be_opened_keeps_the_current_window(
    host: WindowHost, qtbot: QtBot, tmp_path: Path, clock: FixedClock, options: GuiOptions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *_a: warnings.append(text))
    window = host.open(str(make_ledger(tmp_path / "first.db", clock)), options)
    (tmp_path / "photo.db").write_bytes(b"\x89PNG not a ledger")
    window.ledger_requested.emit(str(tmp_path / "photo.db"))
    qtbot.waitUntil(lambda: bool(warnings))
    assert host.window is window and window.isVisible()
    assert "not a Collector ledger" in warnings[0]


def test_backup_then_restore_reopens_the_ledger_and_says_where_the_old_one_is(
    host: WindowHost, qtbot: QtBot, tmp_path: Path, clock: FixedClock, options: GuiOptions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = make_ledger(tmp_path / "books.db", clock)
    window = host.open(str(path), options)
    copy = tmp_path / "copy.db"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(copy), ""))
    window.file_menu.backup()
    qtbot.waitUntil(copy.exists, timeout=10000)
    window.runner.wait()

    questions: list[str] = []
    said: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(copy), ""))
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *_a: questions.append(text)
                        or QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *_a: said.append(text))
    window.file_menu.restore()
    qtbot.waitUntil(lambda: host.window is not window, timeout=10000)
    assert str(copy) in questions[0]
    safety = [p for p in tmp_path.iterdir() if p.name.startswith("books.before-restore-")]
    assert len(safety) == 1 and str(safety[0]) in said[0]
    assert host.window is not None and host.window.invoices.model.rowCount() == DOCUMENTS + 1


def test_first_start_dialog_is_shown_when_no_ledger_is_known(
    options: GuiOptions, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, qtbot: QtBot
) -> None:
    asked: list[bool] = []
    monkeypatch.setattr(gui_app, "first_start", lambda _o: asked.append(True))
    host = WindowHost(options)
    assert host.start() is False, "quitting the dialog ends the app"
    assert asked == [True]


# --- screenshot mode ------------------------------------------------------------------------------

def test_screenshot_mode_writes_a_1280x800_png(tmp_path: Path, clock: FixedClock, qapp: object) -> None:
    db = make_ledger(tmp_path / "books.db", clock)
    out = tmp_path / "shot.png"
    code = run_gui(GuiOptions(db=str(db), clock=clock, user="tester", filter="overdue", screenshot=out))
    assert code == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    assert recent_ledgers() == [], "a screenshot is not a use of the ledger"


def test_the_screenshot_waits_for_the_status_bar_totals(
    tmp_path: Path, clock: FixedClock, qtbot: QtBot, options: GuiOptions
) -> None:
    ledger = open_ledger(make_ledger(tmp_path / "books.db", clock))
    try:
        window = open_window(options, ledger)
        qtbot.addWidget(window)
        save_screenshot(window, tmp_path / "shot.png")
        assert window.totals_label.text().startswith(f"{DOCUMENTS + 1} documents")
        window.close()
    finally:
        ledger.close()


def test_screenshot_of_an_invoice_shows_its_detail_dialog(
    tmp_path: Path, clock: FixedClock, qapp: object
) -> None:
    pytest.importorskip("collector_app.ui.dialogs.invoice_detail")
    db = make_ledger(tmp_path / "books.db", clock)
    plain, detail = tmp_path / "plain.png", tmp_path / "detail.png"
    run_gui(GuiOptions(db=str(db), clock=clock, user="tester", screenshot=plain))
    run_gui(GuiOptions(db=str(db), clock=clock, user="tester", view="invoice:FV/9/2026", screenshot=detail))
    a, b = QImage(str(plain)), QImage(str(detail))
    assert (b.width(), b.height()) == (1280, 800)
    assert a.pixelColor(640, 400) != b.pixelColor(640, 400), "the dialog is drawn over the middle"


def test_an_unknown_invoice_in_view_is_a_user_error(tmp_path: Path, clock: FixedClock, qapp: object) -> None:
    from collector_app.domain.errors import UserError

    db = make_ledger(tmp_path / "books.db", clock)
    with pytest.raises(UserError, match="FV/999"):
        run_gui(GuiOptions(db=str(db), clock=clock, user="tester", view="invoice:FV/999",
                           screenshot=tmp_path / "x.png"))
    assert not (tmp_path / "x.png").exists()


def test_python_m_collector_app_help_still_works() -> None:
    done = subprocess.run([sys.executable, "-m", "collector_app", "--help"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0
    assert "gui" in done.stdout and "invoices" in done.stdout


def test_cli_screenshot(tmp_path: Path, clock: FixedClock) -> None:
    db = make_ledger(tmp_path / "books.db", clock)
    out = tmp_path / "cli.png"
    today = clock.today().isoformat()
    done = subprocess.run(
        [sys.executable, "-m", "collector_app", "--db", str(db), "--today", today, "gui", "--view", "invoices",
         "--filter", "settled", "--screenshot", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    assert QImage(str(out)).width() == 1280
