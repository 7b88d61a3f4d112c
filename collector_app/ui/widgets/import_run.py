"""What the import dialogs share: one worker transaction with progress, cancel, dry run and the failure line."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QPushButton, QWidget

from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx
from collector_app.ui.context import AppContext
from collector_app.ui.taskrunner import CountRelay, TaskRunner

T = TypeVar("T")
D = TypeVar("D", bound="ImportRunDialog")
ImportWork = Callable[[Ctx, Callable[[int], None], Callable[[], bool]], T]


FORMAT_NAMES = {"csv": "CSV", "xlsx": "XLSX", "ubl": "UBL / Peppol", "isdoc": "ISDOC", "ksef": "KSeF",
                "mt940": "MT940", "camt053": "camt.053"}


def format_name(code: str) -> str:
    """A file format as the bank or the accounting program names it ("camt.053", "KSeF"), not as stored."""
    return FORMAT_NAMES.get(code.lower(), code.upper())


def fill(text: str, values: Iterable[object]) -> str:
    """Puts the values in a translated text's %1, %2, … places."""
    for i, value in enumerate(values, start=1):
        text = text.replace(f"%{i}", str(value))
    return text


class ImportRunDialog(QDialog):
    """The subclass builds progress, result_label and cancel_button and says how progress stops and a result shows."""

    progress: QProgressBar
    result_label: QLabel
    cancel_button: QPushButton
    imported = Signal(object)  # the result of a finished import (not a dry run); None after a later change

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner
        self.running = False
        self.cancel_requested = threading.Event()
        self.progress_signals = CountRelay(self)
        self.progress_signals.read.connect(self._progress)

    def _progress(self, count: int) -> None:
        raise NotImplementedError

    def _stop_progress(self) -> None:
        raise NotImplementedError

    def run_import(self, work: ImportWork[T], dry_run: bool, on_done: Callable[[T], None]) -> None:
        """Runs work in its own session on the task runner: committed, or rolled back on a dry run or an error."""
        self.cancel_requested.clear()
        self.running = True
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.result_label.setText(self.tr("Importing…"))
        self.cancel_button.setText(self.tr("Cancel"))
        app, signals, cancel = self.app, self.progress_signals, self.cancel_requested

        def job() -> T:
            session = app.ledger.sessions()
            try:
                result = work(Ctx(session, app.clock, app.user), signals.read.emit, cancel.is_set)
                if dry_run:
                    session.rollback()
                else:
                    session.commit()
                return result
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

        def finished(result: Any) -> None:
            self.running = False
            self._stop_progress()
            on_done(result)

        self.runner.run(job, finished, self._failed)

    def _failed(self, exc: Exception) -> None:
        self.running = False
        self._stop_progress()
        if self.cancel_requested.is_set() and isinstance(exc, UserError):  # the worker stopped as asked
            self.result_label.setText(self.tr("Cancelled: nothing was imported."))
            return
        message = str(exc) if isinstance(exc, UserError) else self.tr("The import failed: %1").replace("%1", str(exc))
        self.result_label.setText(message + "\n" + self.tr("Nothing was imported."))

    def cancel_or_close(self) -> None:
        if self.running:
            self.cancel_requested.set()
            self.result_label.setText(self.tr("Cancelling…"))
            return
        self.accept()

    def reject(self) -> None:
        if self.running:  # the worker still holds the transaction: ask it to stop, close when it has
            self.cancel_requested.set()
            return
        super().reject()


def open_import(dialog: D, on_imported: Callable[[], None]) -> D:
    """Opens the dialog non-modal, gone when closed; on_imported runs after each import it reports."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.imported.connect(lambda _result: on_imported())
    dialog.open()
    return dialog
