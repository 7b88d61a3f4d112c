"""Runs slow work (totals, exports, batches) on a thread pool; results come back by signal."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class CountRelay(QObject):
    """Made on the GUI thread; a worker emits how far it got, the GUI thread receives (a queued connection)."""

    read = Signal(int)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # reported to the GUI thread, which decides how to show it
            log.error("background job failed:\n%s", traceback.format_exc())
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class TaskRunner(QObject):
    """Workers never touch widgets: they return values, which arrive on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._alive: set[_Signals] = set()

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        signals = _Signals()
        self._alive.add(signals)

        def finished(result: Any) -> None:
            self._alive.discard(signals)
            on_done(result)

        def failed(exc: Any) -> None:
            self._alive.discard(signals)
            if on_error is not None:
                on_error(exc)

        signals.done.connect(finished)
        signals.failed.connect(failed)
        self.pool.start(_Job(fn, signals))

    def wait(self, msecs: int = 10000) -> bool:
        return bool(self.pool.waitForDone(msecs))

    def idle(self) -> bool:
        """No job running, and none whose result still waits to be delivered to the GUI thread."""
        return not self._alive
