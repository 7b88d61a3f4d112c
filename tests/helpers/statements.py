"""A small ledger for statement imports and matching: the invoices the files in tests/data/statements pay."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from collector_app.db.models import Contractor
from collector_app.services.context import Ctx
from collector_app.services.invoices import InvoiceData, add_invoice
from collector_app.services.matching import learn_account
from helpers.ledger import VALID_NIPS, contractor, invoice

DATA = Path(__file__).resolve().parents[1] / "data" / "statements"
from helpers.samples import SAMPLES  # noqa: E402,F401 - re-exported for the statement tests

OMEGA_IBAN = "PL27114020040000300201355387"
BETA_IBAN = "PL83101010230000261395100000"
D = dt.date


@dataclass
class StatementLedger:
    omega: Contractor
    beta: Contractor
    alfa: Contractor


def statement_ledger(ctx: Ctx, *, omega_account: bool = True) -> StatementLedger:
    """Omega (account known), Beta (tax id known) and Alfa (Czech, variable symbols); today is 2026-03-16."""
    omega = contractor(ctx, "Omega Handel Sp. z o.o.", tax_id=VALID_NIPS[0])
    beta = contractor(ctx, "Beta Bud S.A.", tax_id=VALID_NIPS[1])
    alfa = contractor(ctx, "Alfa s.r.o.", country="CZ")
    for c, number, gross, due in (
        (omega, "FV/1/2026", "1000.00", D(2026, 1, 15)),
        (omega, "FV/2/2026", "250.50", D(2026, 2, 15)),
        (beta, "FV/3/2026", "300.00", D(2026, 3, 31)),
        (beta, "FV/7/2026", "150.00", D(2026, 2, 1)),
        (beta, "FV/8/2026", "200.00", D(2026, 2, 10)),
        (omega, "FV/12/2026", "777.00", D(2026, 3, 1)),
        (beta, "FV/9/2026", "432.10", D(2026, 4, 1)),
        (omega, "FV/10/2026", "300.00", D(2026, 4, 2)),
        (beta, "FV/5/2026", "61.00", D(2026, 4, 3)),
        (omega, "FA/5/2026", "62.00", D(2026, 4, 3)),
    ):
        invoice(ctx, c, number, gross, due)
    invoice(ctx, beta, "EU/1/2026", "100.00", D(2026, 4, 10), currency="EUR")
    add_invoice(ctx, InvoiceData(
        contractor_id=alfa.id, number="FA-2026-0007", issue_date=D(2026, 3, 1), due_date=D(2026, 3, 15),
        gross=Decimal("1500.00"), currency="CZK", variable_symbol="20260007",
    ))
    if omega_account:
        learn_account(ctx, omega.id, OMEGA_IBAN, source="typed")
    ctx.session.flush()
    return StatementLedger(omega, beta, alfa)
