"""Fixed recovery compensation: the Polish thresholds to the grosz, the CZK and EUR rules, conversion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from collector_app.domain.compensation import Compensation, FxQuote, compensation, pl_tier
from collector_app.domain.errors import UserError
from collector_app.domain.interest import Law

DUE = dt.date(2026, 2, 15)
JAN_30 = dt.date(2026, 1, 30)


def fx(base: str, quote: str, due: dt.date) -> FxQuote:
    """A lookup with one row: EUR/PLN 4.2500 on 2026-01-30 (test value, not a published rate)."""
    if (base, quote) == ("EUR", "PLN") and due.month == 2:
        return FxQuote(base, quote, JAN_30, Decimal("4.2500"))
    raise UserError("rates", f"no {base}/{quote} rate: add it with `collector rates add --fx ...`")


@pytest.mark.parametrize(("gross", "eur"), [
    ("5000.00", 40), ("5000.01", 70), ("49999.99", 70), ("50000.00", 100), ("0.01", 40), ("1000000.00", 100),
])
def test_polish_thresholds(gross: str, eur: int) -> None:
    assert pl_tier(Decimal(gross)) == eur


@pytest.mark.parametrize(("gross", "eur", "pln"), [
    # EUR 40 × 4.25 = 170.00; 70 × 4.25 = 297.50; 100 × 4.25 = 425.00
    ("5000.00", "40.00", "170.00"), ("5000.01", "70.00", "297.50"),
    ("49999.99", "70.00", "297.50"), ("50000.00", "100.00", "425.00"),
])
def test_polish_compensation_is_converted_to_pln(gross: str, eur: str, pln: str) -> None:
    c = compensation(Law.PL, Decimal(gross), "PLN", DUE, True, fx)
    assert c == Compensation(Decimal(eur), "EUR", Decimal(pln), "PLN", Decimal("4.2500"), JAN_30)
    assert c.in_currency("PLN") == Decimal(pln)


def test_not_late_owes_nothing_and_needs_no_rate() -> None:
    def no_fx(base: str, quote: str, due: dt.date) -> FxQuote:
        raise AssertionError("no rate is looked up before the invoice is late")

    c = compensation(Law.PL, Decimal("100.00"), "PLN", DUE, False, no_fx)
    assert (c.amount, c.currency, c.converted) == (Decimal("0.00"), "EUR", None)
    assert c.in_currency("PLN") == Decimal("0.00")


def test_czech_compensation_is_1200_czk_per_invoice() -> None:
    c = compensation(Law.CZ, Decimal("999999.00"), "CZK", DUE, True, fx)
    assert (c.amount, c.currency, c.converted) == (Decimal("1200.00"), "CZK", None)


def test_eu_rule_eur_40_without_conversion_for_eur_invoices() -> None:
    c = compensation(Law.EU, Decimal("80000.00"), "EUR", DUE, True, fx)
    assert (c.amount, c.currency, c.converted) == (Decimal("40.00"), "EUR", None)
    assert c.in_currency("EUR") == Decimal("40.00")


def test_missing_exchange_rate_is_a_clear_error() -> None:
    with pytest.raises(UserError) as info:
        compensation(Law.PL, Decimal("100.00"), "PLN", dt.date(2026, 5, 15), True, fx)
    assert "collector rates add --fx" in info.value.message
