"""Shared fixtures: a fresh migrated ledger per test, a fixed clock, a service context."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from sqlalchemy.orm import Session

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["COLLECTOR_USER"] = "tester"
os.environ["COLLECTOR_BACKGROUND_SENDING"] = "0"  # windows opened by tests send nothing by themselves

from helpers.keyring_memory import MemoryKeyring
from helpers.outbox_support import Recorder, smtp_server

from collector_app.db.engine import Ledger, open_ledger
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx

TODAY = dt.date(2026, 3, 16)


@pytest.fixture
def today() -> dt.date:
    return TODAY


@pytest.fixture
def clock(today: dt.date) -> FixedClock:
    return FixedClock(today, dt.time(10, 0))


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


@pytest.fixture
def ledger(ledger_path: Path) -> Iterator[Ledger]:
    led = open_ledger(ledger_path)
    yield led
    led.close()


@pytest.fixture
def session(ledger: Ledger) -> Iterator[Session]:
    with ledger.transaction() as s:
        yield s


@pytest.fixture
def ctx(session: Session, clock: FixedClock) -> Ctx:
    return Ctx(session, clock, "tester")


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test keeps its secrets in memory: never the real keyring of the machine, never a file."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def server() -> Iterator[tuple[Recorder, int]]:
    """A real SMTP server on 127.0.0.1 that records what it receives, and its port."""
    with smtp_server() as srv:
        yield srv


@pytest.fixture
def recorder(server: tuple[Recorder, int]) -> Recorder:
    return server[0]
