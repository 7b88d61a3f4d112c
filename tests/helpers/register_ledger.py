"""A small ledger with every register status, written through the services, for the window tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from helpers.ledger import VALID_NIPS, contractor, invoice, pay

CONTRACTORS = (
    ("Omega Handel Sp. z o.o.", VALID_NIPS[0]),
    ("Beta Bud S.A.", VALID_NIPS[1]),
    ("Gamma Serwis Sp. j.", VALID_NIPS[2]),
)
DOCUMENTS = 36


def seed_register(ledger: Ledger, clock: FixedClock) -> dict[str, int]:
    """36 invoices over three contractors, due from 30 days ago to 13 days ahead, in PLN and EUR:
    unpaid (overdue or current), settled, partly paid and overpaid, plus one credit note.
    Returns the contractors' ids by name."""
    today = clock.today()
    with ledger.transaction() as session:
        ctx = Ctx(session, clock, "tester")
        firms = [contractor(ctx, name, tax_id) for name, tax_id in CONTRACTORS]
        for i in range(DOCUMENTS):
            due = today + dt.timedelta(days=(i * 7) % 44 - 30)
            gross = Decimal(100 + (i * 37) % 900) + Decimal(i % 100) / 100
            number = f"FV/{i + 1}/2026"
            currency = "EUR" if i % 9 == 4 else "PLN"
            invoice(ctx, firms[i % 3], number, str(gross), due, currency=currency)
            paid = {1: gross, 2: (gross / 2).quantize(Decimal("0.01")), 3: gross + 10}.get(i % 6)
            if paid is not None:
                pay(ctx, str(paid), today - dt.timedelta(days=1), number, currency=currency)
        invoice(ctx, firms[0], "KOR/1/2026", "50.00", today - dt.timedelta(days=3), credit_note_for="FV/1/2026")
        return {c.name: c.id for c in firms}


@pytest.fixture
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings and the user data folder inside tmp_path, so no test reads or writes the real ones."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
