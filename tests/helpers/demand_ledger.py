"""A ledger ready for demand letters (firm with a bank account, rate tables, overdue invoices), for the window tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from collector_app.services import rates
from collector_app.services.context import Ctx
from helpers.ledger import VALID_NIPS, contractor, invoice
from helpers.outbox_support import configure

# Due in January 2026: the EUR/PLN rate for the compensation is the shipped one of 2025-12-31.
OVERDUE = {"FV/1/2026": dt.date(2026, 1, 20), "FV/2/2026": dt.date(2026, 1, 12), "FV/3/2026": dt.date(2026, 1, 8),
           "FV/4/2026": dt.date(2026, 1, 26)}
NOT_YET_DUE = "FV/5/2026"


@dataclass(frozen=True)
class DemandLedger:
    omega: int
    beta: int
    gamma: int


def seed_demand_ledger(ctx: Ctx, smtp_port: int) -> DemandLedger:
    """Three contractors with e-mail addresses, each owing overdue PLN invoices; Omega also one not yet due."""
    configure(ctx, smtp_port)
    rates.ensure_loaded(ctx)
    omega = contractor(ctx, "Omega Handel Sp. z o.o.", VALID_NIPS[0], email="biuro@omega.example", language="pl",
                       address="ul. Polna 1", postal_code="00-001", city="Warszawa")
    beta = contractor(ctx, "Beta Bud S.A.", VALID_NIPS[2], email="faktury@beta.example", language="en",
                      address="ul. Leśna 2", postal_code="30-001", city="Kraków")
    gamma = contractor(ctx, "Gamma Serwis Sp. j.", VALID_NIPS[3], email="gamma@gamma.example", language="pl",
                       address="ul. Długa 3", postal_code="80-001", city="Gdańsk")
    invoice(ctx, omega, "FV/1/2026", "1230.00", OVERDUE["FV/1/2026"])
    invoice(ctx, omega, "FV/2/2026", "615.00", OVERDUE["FV/2/2026"])
    invoice(ctx, beta, "FV/3/2026", "7380.00", OVERDUE["FV/3/2026"])
    invoice(ctx, gamma, "FV/4/2026", "246.00", OVERDUE["FV/4/2026"])
    invoice(ctx, omega, NOT_YET_DUE, "100.00", ctx.clock.today() + dt.timedelta(days=10))
    return DemandLedger(omega.id, beta.id, gamma.id)
