"""Fixtures the window's tests share: the context views are given, the runner their jobs go to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.ui.context import AppContext
from collector_app.ui.taskrunner import TaskRunner


@pytest.fixture
def app(ledger: Ledger, clock: FixedClock) -> AppContext:
    return AppContext(ledger, clock, "tester")


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    """A test's worker pool, waited for at the end: no job outlives the test's ledger."""
    r = TaskRunner()
    yield r
    r.wait(10_000)
