"""The File menu: new, open, recent, backup and restore; opening another ledger is the app's job."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QProgressDialog

from collector_app.config import recent_ledgers
from collector_app.domain.errors import UserError
from collector_app.services.backup import backup, restore
from collector_app.services.ledgers import check_existing_ledger
from collector_app.ui.dialogs.first_start import LedgerDialog, ledger_file_filter

if TYPE_CHECKING:
    from collector_app.ui.main_window import MainWindow


def ledger_location(window: MainWindow) -> str:
    """The string that opens this window's ledger again: its file path, or its database URL."""
    path = window.app.ledger.path
    return str(path) if path is not None else window.app.ledger.url


def error_text(exc: Exception) -> str:
    return exc.message if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"


class FileMenu(QObject):
    """Every action ends in `window.ledger_requested` or a message; none swaps the ledger itself."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.menu = QMenu(self.tr("&File"), window)
        bar = window.menuBar()
        first = bar.actions()[0] if bar.actions() else None
        if first is not None:
            bar.insertMenu(first, self.menu)
        else:
            bar.addMenu(self.menu)
        self._add(self.tr("&New ledger…"), self.new_ledger, QKeySequence.StandardKey.New)
        self._add(self.tr("&Open ledger…"), self.open_ledger, QKeySequence.StandardKey.Open)
        self.recent_menu = self.menu.addMenu(self.tr("Open &recent"))
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        self.menu.addSeparator()
        self._add(self.tr("&Backup…"), self.backup)
        self._add(self.tr("&Restore…"), self.restore)
        self.menu.addSeparator()
        self._add(self.tr("&Quit"), window.close, QKeySequence.StandardKey.Quit)

    def _add(self, text: str, slot: Callable[[], Any], key: QKeySequence.StandardKey | None = None) -> QAction:
        action = QAction(text, self.window)
        if key is not None:
            action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(action)
        return action

    def folder(self) -> str:
        path = self.window.app.ledger.path
        return str(path.parent) if path is not None else str(Path.home())

    def warn(self, title: str, exc: Exception) -> None:
        QMessageBox.warning(self.window, title, error_text(exc))

    # --- switching ledgers ---------------------------------------------------------------------
    def new_ledger(self) -> None:
        app = self.window.app
        dialog = LedgerDialog(app.clock, app.user, new_only=True, parent=self.window)
        if dialog.exec() == LedgerDialog.DialogCode.Accepted and dialog.location:
            self.window.ledger_requested.emit(dialog.location)

    def open_ledger(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self.window, self.tr("Open ledger"), self.folder(), ledger_file_filter())
        if not name:
            return
        try:
            path = check_existing_ledger(Path(name))
        except UserError as exc:
            self.warn(self.tr("Cannot open the ledger"), exc)
            return
        self.window.ledger_requested.emit(str(path))

    def fill_recent(self) -> None:
        self.recent_menu.clear()
        current = ledger_location(self.window)
        locations = recent_ledgers()
        for i, location in enumerate(locations, 1):
            missing = "://" not in location and not Path(location).exists()
            text = f"&{i} {location}" + (self.tr(" (missing)") if missing else "")
            action = self.recent_menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(location == current)
            action.setEnabled(location != current and not missing)
            action.triggered.connect(lambda _checked=False, loc=location: self.window.ledger_requested.emit(loc))
        if not locations:
            self.recent_menu.addAction(self.tr("No recent ledgers")).setEnabled(False)

    # --- backup and restore ----------------------------------------------------------------------
    def _run_busy(self, text: str, work: Callable[[], Path], done: Callable[[Path], None], title: str) -> None:
        """Run `work` off the GUI thread behind a modal busy indicator."""
        progress = QProgressDialog(text, "", 0, 0, self.window)
        progress.setWindowTitle(title)
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.show()

        def finished(result: object) -> None:
            progress.close()
            assert isinstance(result, Path)
            done(result)

        def failed(exc: Exception) -> None:
            progress.close()
            self.warn(title, exc)

        self.window.runner.run(work, finished, failed)

    def backup(self) -> None:
        ledger = self.window.app.ledger
        stem = ledger.path.stem if ledger.path is not None else "ledger"
        suggested = Path(self.folder()) / f"{stem}-backup-{self.window.app.clock.today().isoformat()}.db"
        name, _ = QFileDialog.getSaveFileName(self.window, self.tr("Back up the ledger to"), str(suggested),
                                              ledger_file_filter())
        if not name:
            return
        self._run_busy(self.tr("Backing up the ledger…"), lambda: backup(ledger, Path(name)),
                       self._backed_up, self.tr("Backup"))

    def _backed_up(self, target: Path) -> None:
        self.window.statusBar().showMessage(self.tr("Backup saved to {path}").format(path=target), 15000)

    def restore(self) -> None:
        ledger = self.window.app.ledger
        name, _ = QFileDialog.getOpenFileName(self.window, self.tr("Restore the ledger from a backup"),
                                              self.folder(), ledger_file_filter())
        if not name:
            return
        try:
            source = check_existing_ledger(Path(name))
        except UserError as exc:
            self.warn(self.tr("Restore"), exc)
            return
        if not self.confirm_restore(source):
            return
        self.window.runner.wait()
        self._run_busy(self.tr("Restoring the ledger…"), lambda: restore(ledger, source),
                       lambda safety: self._restored(source, safety), self.tr("Restore"))

    def confirm_restore(self, source: Path) -> bool:
        answer = QMessageBox.question(
            self.window, self.tr("Restore the ledger?"),
            self.tr("Replace everything in the ledger\n{ledger}\nwith the backup\n{backup}?\n\n"
                    "The ledger as it is now is saved first, beside it, so you can go back.")
            .format(ledger=ledger_location(self.window), backup=source),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _restored(self, source: Path, safety: Path) -> None:
        QMessageBox.information(
            self.window, self.tr("Ledger restored"),
            self.tr("The ledger was restored from\n{backup}\n\nThe previous ledger was saved as\n{safety}")
            .format(backup=source, safety=safety),
        )
        self.window.ledger_requested.emit(ledger_location(self.window))  # reopen: every view reloads
