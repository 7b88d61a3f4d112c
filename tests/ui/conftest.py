"""Fixtures the window's tests share: the context views are given, a local SMTP server."""

from __future__ import annotations

import pytest

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.ui.context import AppContext


@pytest.fixture
def app(ledger: Ledger, clock: FixedClock) -> AppContext:
    return AppContext(ledger, clock, "tester")


