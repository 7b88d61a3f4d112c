"""Starting the desktop window: pick or create the ledger, show the main window, screenshot mode."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from collector_app.config import default_ledger_path, recent_ledgers, remember_ledger
from collector_app.db.engine import Ledger, open_ledger
from collector_app.domain.clock import Clock
from collector_app.domain.errors import UserError
from collector_app.domain.status import Filter
from collector_app.ui.context import AppContext
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


def qt_app() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Collector")
    app.setOrganizationName("Collector")
    return app


def open_window(options: GuiOptions, ledger: Ledger) -> MainWindow:
    window = MainWindow(AppContext(ledger, options.clock, options.user))
    if options.view:
        apply_view(window, options.view)
    if options.filter:
        try:
            window.show_filter(Filter(options.filter))
        except ValueError as exc:
            raise UserError("filter", f'"{options.filter}" is not a filter') from exc
    return window


def apply_view(window: MainWindow, view: str) -> None:
    name, _, arg = view.partition(":")
    if name not in window.page_names:
        raise UserError("view", f'"{view}" is not a view (expected one of {", ".join(window.page_names)})')
    window.show_page(name)
    if arg:
        raise UserError("view", f'"{view}": this view takes no argument')


def choose_ledger(options: GuiOptions) -> str | None:
    """The ledger to open: --db, else the last one used, else the default file if it exists."""
    if options.db:
        return options.db
    for location in recent_ledgers():
        if "://" in location or Path(location).exists():
            return location
    default = default_ledger_path()
    return str(default) if default.exists() else None


def save_screenshot(window: MainWindow, target: Path) -> None:
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    QApplication.processEvents()
    window.runner.wait(10000)
    QApplication.processEvents()
    if not window.grab().save(str(target)):
        raise UserError("screenshot", f"{target}: cannot write the image")


def run_gui(options: GuiOptions) -> int:
    app = qt_app()
    location = choose_ledger(options)
    if location is None:
        if options.screenshot:
            raise UserError("db", "screenshot mode needs --db or an existing ledger")
        location = str(default_ledger_path())
    ledger = open_ledger(location)
    window = open_window(options, ledger)
    if options.screenshot:
        save_screenshot(window, options.screenshot)
        window.close()
        ledger.close()
        return 0
    remember_ledger(location)
    window.show()

    def report_bug(kind: type[BaseException], exc: BaseException, tb: object) -> None:
        log.error("unexpected error", exc_info=(kind, exc, tb))  # type: ignore[arg-type]
        QMessageBox.critical(window, "Collector: unexpected error",
                             f"{kind.__name__}: {exc}\n\nThe details are in the log.")

    sys.excepthook = report_bug
    QTimer.singleShot(0, window.invoices.table.setFocus)
    code = app.exec()
    ledger.close()
    return int(code)
