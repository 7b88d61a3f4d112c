"""invoice_interest / contractor_interest over real ledger rows: allocations, credit notes, law, compensation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers.ledger import contractor, expect_error, invoice, pay

from collector_app.domain.errors import UserError
from collector_app.services import firm
from collector_app.services.context import Ctx
from collector_app.services.interest import contractor_interest, invoice_interest
from collector_app.services.payments import reverse_payment

D = dt.date


def test_partial_payment_and_compensation_in_pln(ctx: Ctx) -> None:
    # 2,460.00 PLN due 2026-01-15, 460.00 paid 2026-03-10, as of 2026-03-16; NBP 4.00 on 1 Jan 2026 + 10 = 14 %.
    # Jan 16..Mar 10 = 54 days on 2460: 50.9523…; Mar 11..16 = 6 days on 2000: 4.6027…; total 55.5550 → 55.56
    # Compensation: gross ≤ 5,000 PLN → EUR 40 × 4.2267 (NBP mid 2025-12-31) = 169.068 → 169.07 PLN
    c = contractor(ctx)
    inv = invoice(ctx, c, "K/1/2026", "2460.00", D(2026, 1, 15), D(2026, 1, 1))
    pay(ctx, "460.00", D(2026, 3, 10), "K/1/2026", contractor_id=c.id)
    r = invoice_interest(ctx, inv)
    assert (r.principal, r.interest, r.days) == (Decimal("2000.00"), Decimal("55.56"), 60)
    assert [(p.start, p.end, p.days, p.amount) for p in r.periods] == [
        (D(2026, 1, 16), D(2026, 3, 10), 54, Decimal("50.95")), (D(2026, 3, 11), D(2026, 3, 16), 6, Decimal("4.60"))]
    assert (r.compensation, r.compensation_currency) == (Decimal("40.00"), "EUR")
    assert (r.compensation_converted, r.converted_currency, r.fx_rate, r.fx_date) == (
        Decimal("169.07"), "PLN", Decimal("4.2267"), D(2025, 12, 31))
    assert r.total == Decimal("2000.00") + Decimal("55.56") + Decimal("169.07")


def test_not_yet_due_has_no_interest_nor_compensation(ctx: Ctx) -> None:
    c = contractor(ctx)
    inv = invoice(ctx, c, "F/1", "100.00", D(2026, 3, 31))
    r = invoice_interest(ctx, inv)
    assert (r.interest, r.compensation, r.compensation_converted, r.total) == (
        Decimal("0.00"), Decimal("0.00"), None, Decimal("100.00"))


def test_missing_exchange_rate_names_the_command_to_add_it(ctx: Ctx) -> None:
    c = contractor(ctx)
    inv = invoice(ctx, c, "F/1", "100.00", D(2031, 2, 15), D(2031, 2, 1))  # no EUR/PLN row for January 2031
    with expect_error("rates") as info:
        invoice_interest(ctx, inv, as_of=D(2031, 3, 1))
    assert "collector rates add --fx --base EUR --quote PLN --date 2031-01-31" in info.value.message


def test_without_the_exchange_rate_a_look_at_the_interest_states_the_compensation_unconverted(ctx: Ctx) -> None:
    c = contractor(ctx)
    pln = invoice(ctx, c, "F/1", "6000.00", D(2031, 2, 15), D(2031, 2, 1))  # above 5,000 PLN: EUR 70
    r = invoice_interest(ctx, pln, as_of=D(2031, 3, 1), strict_fx=False)
    assert r.interest > 0 and (r.compensation, r.compensation_currency) == (Decimal("70.00"), "EUR")
    assert r.compensation_converted is None and r.total == r.principal + r.interest
    assert len(r.warnings) == 1 and "not converted" in r.warnings[0] and "2031-01" in r.warnings[0]
    czk = invoice(ctx, c, "F/2", "6000.00", D(2031, 2, 15), D(2031, 2, 1), currency="CZK")  # PL law, CZK
    r = invoice_interest(ctx, czk, as_of=D(2031, 3, 1), strict_fx=False)
    assert r.compensation == Decimal("0.00") and "not computed" in r.warnings[0]  # its tier needs CZK in PLN
    assert r.total == r.principal + r.interest


def test_paid_late_invoice_gives_interest_with_zero_principal(ctx: Ctx) -> None:
    # 3,650.00 due 2026-01-15 paid in full 2026-01-25: Jan 16..25 = 10 days × 14 % → 3650 × 0.14 × 10/365 = 14.00
    c = contractor(ctx)
    inv = invoice(ctx, c, "F/7", "3650.00", D(2026, 1, 15), D(2026, 1, 1))
    invoice(ctx, c, "F/8", "100.00", D(2026, 1, 15), D(2026, 1, 1))
    pay(ctx, "3650.00", D(2026, 1, 25), "F/7", contractor_id=c.id)
    pay(ctx, "100.00", D(2026, 1, 15), "F/8", contractor_id=c.id)  # on time: no interest note for it
    r = invoice_interest(ctx, inv)
    assert (r.principal, r.interest, r.days) == (Decimal("0.00"), Decimal("14.00"), 10)
    notes = contractor_interest(ctx, c.id, paid_late=True)
    assert [x.number for x in notes] == ["F/7"]
    assert contractor_interest(ctx, c.id) == []


def test_contractor_interest_lists_overdue_invoices_oldest_first(ctx: Ctx) -> None:
    c = contractor(ctx)
    other = contractor(ctx, "Beta S.A.")
    invoice(ctx, c, "F/2", "100.00", D(2026, 2, 10), D(2026, 1, 1))
    invoice(ctx, c, "F/1", "100.00", D(2026, 1, 10), D(2026, 1, 1))
    invoice(ctx, c, "F/3", "100.00", D(2026, 4, 10), D(2026, 3, 1))  # not due yet
    invoice(ctx, other, "B/1", "100.00", D(2026, 1, 10), D(2026, 1, 1))
    assert [r.number for r in contractor_interest(ctx, c.id, as_of=D(2026, 2, 11))] == ["F/1", "F/2"]
    assert [r.number for r in contractor_interest(ctx, c.id, as_of=D(2026, 1, 31))] == ["F/1"]


def test_credit_note_counts_from_its_issue_date(ctx: Ctx) -> None:
    # 1,000.00 due 2026-01-05, credit note of 400.00 issued 2026-01-15, as of 2026-02-04, 14 %:
    # Jan 6..15 = 10 days on 1000: 3.8356…; Jan 16..Feb 4 = 20 days on 600: 4.6027…; total 8.4383… → 8.44
    c = contractor(ctx)
    inv = invoice(ctx, c, "F/1", "1000.00", D(2026, 1, 5), D(2026, 1, 1))
    invoice(ctx, c, "KOR/1", "400.00", D(2026, 1, 15), D(2026, 1, 15), credit_note_for="F/1")
    r = invoice_interest(ctx, inv, as_of=D(2026, 2, 4))
    assert [(p.base, p.days, p.rate) for p in r.periods] == [
        (Decimal("1000.00"), 10, Decimal("14.00")), (Decimal("600.00"), 20, Decimal("14.00"))]
    assert (r.interest, r.principal) == (Decimal("8.44"), Decimal("600.00"))


def test_reversed_payment_no_longer_stops_interest(ctx: Ctx) -> None:
    c = contractor(ctx)
    inv = invoice(ctx, c, "F/1", "3650.00", D(2026, 1, 15), D(2026, 1, 1))
    paid = pay(ctx, "3650.00", D(2026, 1, 25), "F/1", contractor_id=c.id)
    reverse_payment(ctx, paid.payment.id, "bounced")
    r = invoice_interest(ctx, inv, as_of=D(2026, 1, 31))
    # Jan 16..31 = 16 days × 3650 × 14 % / 365 = 22.40
    assert (r.principal, r.interest) == (Decimal("3650.00"), Decimal("22.40"))


def test_czech_firm_owes_czk_1200_without_conversion(ctx: Ctx) -> None:
    # ČNB repo set for 2025-12-31 = 3.50 + 8 = 11.50 %; CZK 100,000.00 due 2026-01-31, as of 2026-03-02:
    # Feb 1..Mar 2 = 30 days: 100000 × 0.115 × 30 / 365 = 945.2054… → 945.21
    firm.set_firm(ctx, firm.FirmChanges(name="Naše firma s.r.o.", country="CZ", currency="CZK"))
    c = contractor(ctx, country="CZ")
    inv = invoice(ctx, c, "2026001", "100000.00", D(2026, 1, 31), D(2026, 1, 1), currency="CZK")
    r = invoice_interest(ctx, inv, as_of=D(2026, 3, 2))
    assert (r.law, r.interest, r.compensation, r.compensation_currency) == (
        "CZ", Decimal("945.21"), Decimal("1200.00"), "CZK")
    assert r.compensation_converted is None
    assert r.total == Decimal("100000.00") + Decimal("945.21") + Decimal("1200.00")


def test_eur_invoice_of_a_polish_firm_follows_the_eu_rule(ctx: Ctx) -> None:
    # ECB MRO on 2026-01-01 = 2.15 + 8 = 10.15 %; EUR 1,000.00 due 2026-01-31, as of 2026-03-02 (30 days):
    # 1000 × 0.1015 × 30 / 365 = 8.3424… → 8.34; compensation EUR 40 with no conversion
    c = contractor(ctx)
    inv = invoice(ctx, c, "E/1", "1000.00", D(2026, 1, 31), D(2026, 1, 1), currency="EUR")
    r = invoice_interest(ctx, inv, as_of=D(2026, 3, 2))
    assert (r.law, r.interest, r.compensation, r.compensation_currency, r.compensation_converted) == (
        "EU", Decimal("8.34"), Decimal("40.00"), "EUR", None)


def test_credit_note_itself_has_no_interest(ctx: Ctx) -> None:
    c = contractor(ctx)
    invoice(ctx, c, "F/1", "1000.00", D(2025, 12, 1), D(2025, 11, 1))
    note = invoice(ctx, c, "KOR/1", "400.00", D(2025, 12, 11), D(2025, 12, 11), credit_note_for="F/1")
    with pytest.raises(UserError):
        invoice_interest(ctx, note)


def test_a_czk_invoice_under_polish_law_converts_through_the_nbp_rates_of_both_currencies(ctx: Ctx) -> None:
    # 100,000 CZK due 2025-02-15; NBP mid rates of 2025-01-31: EUR 4.2130 PLN, CZK 0.1676 PLN.
    # Tier: 100,000 × 0.1676 = 16,760 PLN → EUR 70. In CZK: 4.2130 / 0.1676 = 25.137232 (6 places);
    # 70 × 25.137232 = 1,759.60624 → 1,759.61 CZK.
    c = contractor(ctx)
    inv = invoice(ctx, c, "F/CZK", "100000.00", D(2025, 2, 15), D(2025, 2, 1), currency="CZK")
    r = invoice_interest(ctx, inv, as_of=D(2025, 3, 1))
    assert (r.law, r.compensation, r.compensation_currency) == ("PL", Decimal("70.00"), "EUR")
    assert (r.converted_currency, r.fx_rate, r.fx_date) == ("CZK", Decimal("25.137232"), D(2025, 1, 31))
    assert r.compensation_converted == Decimal("1759.61") and not r.warnings
