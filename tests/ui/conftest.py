"""Fixtures the window's tests share: the context views are given, a local SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.outbox_support import Recorder, smtp_server

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.ui.context import AppContext


@pytest.fixture
def app(ledger: Ledger, clock: FixedClock) -> AppContext:
    return AppContext(ledger, clock, "tester")


@pytest.fixture
def server() -> Iterator[tuple[Recorder, int]]:
    with smtp_server() as srv:
        yield srv
