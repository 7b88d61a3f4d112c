"""Starting the desktop window: pick or create the ledger, show the main window, screenshot mode."""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from sqlalchemy.exc import SQLAlchemyError

from collector_app.config import default_ledger_path, recent_ledgers, remember_ledger
from collector_app.db.engine import Ledger, open_ledger
from collector_app.domain.clock import Clock
from collector_app.domain.errors import UserError
from collector_app.domain.status import Filter
from collector_app.services.invoices import find_invoice
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.first_start import LedgerDialog
from collector_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)
SCREENSHOT_SIZE = (1280, 800)


@dataclass(frozen=True)
class GuiOptions:
    db: str | None
    clock: Clock
    user: str
    view: str | None = None
    filter: str | None = None
    screenshot: Path | None = None


def tr(text: str) -> str:
    return QCoreApplication.translate("App", text)


def qt_app() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Collector")
    app.setOrganizationName("Collector")
    return app


def normalized(location: str) -> str:
    """The same ledger is remembered once: file paths absolute, URLs as given."""
    return location if "://" in location else str(Path(location).expanduser().absolute())


def open_window(options: GuiOptions, ledger: Ledger) -> MainWindow:
    """The main window on `ledger`, showing the filter, then the view, asked for on the command line."""
    window = MainWindow(AppContext(ledger, options.clock, options.user), dispatcher=background_sending(options))
    if options.filter:
        try:
            window.invoices.set_filter(Filter(options.filter))
        except ValueError as exc:
            raise UserError("filter", f'"{options.filter}" is not a filter') from exc
    return window


def background_sending(options: GuiOptions) -> bool:
    """Reminders are planned and sent while the window is open, except in screenshot mode (the ledger is
    shown as it is) and when COLLECTOR_BACKGROUND_SENDING=0 (the test suite; `collector service run` instead)."""
    return options.screenshot is None and os.environ.get("COLLECTOR_BACKGROUND_SENDING", "1") != "0"


def apply_view(window: MainWindow, view: str) -> QDialog | None:
    """Show a page (`invoices`, `tasks`…) or, for `invoice:NO`, the register with that invoice's dialog."""
    name, _, arg = view.partition(":")
    if name == "invoice":
        if not arg:
            raise UserError("view", '"invoice:" needs an invoice number, e.g. invoice:FV/1/2026')
        window.show_page("invoices")
        return open_invoice_detail(window, arg)
    if name not in window.page_names:
        expected = ", ".join([*window.page_names, "invoice:NO"])
        raise UserError("view", f'"{view}" is not a view (expected one of {expected})')
    if arg:
        raise UserError("view", f'"{view}": this view takes no argument')
    window.show_page(name)
    return None


def open_invoice_detail(window: MainWindow, number: str) -> QDialog:
    from collector_app.ui.dialogs.invoice_detail import InvoiceDetailDialog

    invoice_id = window.app.call(lambda ctx: find_invoice(ctx, number, field="view").id)
    dialog = InvoiceDetailDialog(window.app, invoice_id, window)
    dialog.show()
    return dialog


def choose_ledger(options: GuiOptions) -> str | None:
    """The ledger to open: --db, else the last one used, else the default file if it exists."""
    if options.db:
        return options.db
    for location in recent_ledgers():
        if "://" in location or Path(location).exists():
            return location
    default = default_ledger_path()
    return str(default) if default.exists() else None


# --- screenshot mode ------------------------------------------------------------------------------

def settle(window: MainWindow, timeout_s: float = 20.0) -> None:
    """Process events until no background job (status-bar totals…) is running or waiting to report."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QApplication.processEvents()
        if window.runner.idle():
            QApplication.processEvents()
            if window.runner.idle():
                return
        window.runner.wait(50)


def compose(window: MainWindow, dialog: QWidget | None) -> QImage:
    """The window as painted, with an open dialog drawn centred on top (as a person would see it)."""
    image = window.grab().toImage()
    if dialog is None:
        return image
    shot = dialog.grab()
    x = max((image.width() - shot.width()) // 2, 0)
    y = max((image.height() - shot.height()) // 2, 0)
    painter = QPainter(image)
    painter.fillRect(x + 6, y + 6, shot.width(), shot.height(), QColor(0, 0, 0, 60))
    painter.drawPixmap(x, y, shot)
    painter.setPen(QColor(110, 110, 110))
    painter.drawRect(x, y, shot.width() - 1, shot.height() - 1)
    painter.end()
    return image


def save_screenshot(window: MainWindow, target: Path, dialog: QWidget | None = None) -> None:
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    if dialog is not None:
        dialog.resize(min(dialog.width(), SCREENSHOT_SIZE[0] - 120), min(dialog.height(), SCREENSHOT_SIZE[1] - 80))
        dialog.show()
    settle(window)
    image = compose(window, dialog)
    if not image.save(str(target)):
        raise UserError("screenshot", f"{target}: cannot write the image")


def run_screenshot(options: GuiOptions, target: Path) -> int:
    location = choose_ledger(options)
    if location is None:
        raise UserError("db", "screenshot mode needs --db or an existing ledger")
    ledger = open_ledger(location)
    try:
        window = open_window(options, ledger)
        dialog = apply_view(window, options.view) if options.view else None
        save_screenshot(window, target, dialog)
        if dialog is not None:
            dialog.close()
        window.close()
        window.deleteLater()
    finally:
        ledger.close()
    return 0


# --- the running app ------------------------------------------------------------------------------

def first_start(options: GuiOptions) -> str | None:
    """Ask for a ledger when none is known; None if the user quits."""
    app = qt_app()
    quit_on_close = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)  # closing the dialog must not end the app before it starts
    try:
        dialog = LedgerDialog(options.clock, options.user)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.location if accepted else None
    finally:
        app.setQuitOnLastWindowClosed(quit_on_close)


class WindowHost(QObject):
    """Owns the open ledger and its main window; File → New/Open/Restore replace both."""

    def __init__(self, options: GuiOptions) -> None:
        super().__init__()
        self.options = options
        self.window: MainWindow | None = None
        self.ledger: Ledger | None = None

    def start(self) -> bool:
        """Open the chosen ledger, else ask; False if the user quit the first-start dialog."""
        location = choose_ledger(self.options)
        while True:
            if location is None:
                location = first_start(self.options)
                if location is None:
                    return False
            try:
                self.open(location, self.options)
            except UserError as exc:
                if self.options.db:
                    raise  # the command line named this file: report it there
                QMessageBox.warning(None, tr("Cannot open the ledger"), exc.message)
                location = None
            else:
                return True

    def open(self, location: str, options: GuiOptions) -> MainWindow:
        location = normalized(location)
        ledger = open_ledger(location)
        try:
            window = open_window(options, ledger)
        except Exception:
            ledger.close()
            raise
        window.ledger_requested.connect(lambda loc: QTimer.singleShot(0, lambda: self.switch(loc)))
        window.show()
        QTimer.singleShot(0, window.invoices.table.setFocus)
        if options.view:
            apply_view(window, options.view)
        old_window, old_ledger = self.window, self.ledger
        self.window, self.ledger = window, ledger
        remember_ledger(location)
        if old_window is not None:
            old_window.close()
            old_window.deleteLater()
        if old_ledger is not None:
            old_ledger.close()
        return window

    def switch(self, location: str) -> None:
        """Open another ledger in a new window; on failure the current one stays as it was."""
        plain = replace(self.options, view=None, filter=None)
        try:
            self.open(location, plain)
        except UserError as exc:
            QMessageBox.warning(self.window, tr("Cannot open the ledger"), exc.message)
        except SQLAlchemyError as exc:
            log.exception("opening %s failed", location)
            QMessageBox.warning(self.window, tr("Cannot open the ledger"),
                                tr("{location}: cannot be read as a ledger ({error})").format(
                                    location=location, error=exc.__class__.__name__))

    def close(self) -> None:
        if self.ledger is not None:
            self.ledger.close()


def install_crash_dialog(host: WindowHost) -> None:
    def report_bug(kind: type[BaseException], exc: BaseException, tb: object) -> None:
        log.error("unexpected error", exc_info=(kind, exc, tb))  # type: ignore[arg-type]
        QMessageBox.critical(host.window, tr("Collector: unexpected error"),
                             tr("{kind}: {error}\n\nThe details are in the log.").format(
                                 kind=kind.__name__, error=exc))

    sys.excepthook = report_bug


def run_gui(options: GuiOptions) -> int:
    app = qt_app()
    if options.screenshot is not None:
        return run_screenshot(options, options.screenshot)
    host = WindowHost(options)
    if not host.start():
        return 0
    install_crash_dialog(host)
    code = app.exec()
    host.close()
    return int(code)
