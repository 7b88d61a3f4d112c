"""A small ledger for the invoice and contractor detail tests, written through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.services.contractors import add_contact
from helpers.ledger import VALID_NIPS, contractor, invoice, pay

OMEGA = "Omega Handel Sp. z o.o."
BETA = "Beta Budownictwo S.A."
OVERDUE_NO = "FV/1/2026"
CURRENT_NO = "FV/2/2026"
BETA_NO = "FV/3/2026"
OMEGA_EMAIL = "biuro@omega.example.com"
OMEGA_PHONE = "+48601234567"
CONTACT_PHONE = "+48602111222"


@dataclass(frozen=True)
class DetailIds:
    omega: int
    beta: int
    overdue: int  # Omega's 1230.00 PLN, 200.00 paid, 28 days overdue
    current: int  # Omega's 500.00 PLN, due in 14 days
    beta_invoice: int  # Beta's only invoice, not yet due
    anna: int  # Omega's contact person


def seed_details(ledger: Ledger, clock: FixedClock) -> DetailIds:
    today = clock.today()
    with ledger.transaction() as session:
        ctx = Ctx(session, clock, "tester")
        omega = contractor(ctx, OMEGA, VALID_NIPS[0], email=OMEGA_EMAIL, phone=OMEGA_PHONE, city="Kraków")
        beta = contractor(ctx, BETA, VALID_NIPS[1])
        anna = add_contact(ctx, omega.id, "Anna Kowalska", "accounts payable", "anna@omega.example.com",
                           CONTACT_PHONE)
        overdue = invoice(ctx, omega, OVERDUE_NO, "1230.00", today - dt.timedelta(days=28))
        current = invoice(ctx, omega, CURRENT_NO, "500.00", today + dt.timedelta(days=14))
        beta_invoice = invoice(ctx, beta, BETA_NO, "99.00", today + dt.timedelta(days=3))
        pay(ctx, "200.00", today - dt.timedelta(days=10), OVERDUE_NO, title="part of FV/1/2026")
        return DetailIds(omega.id, beta.id, overdue.id, current.id, beta_invoice.id, anna.id)
