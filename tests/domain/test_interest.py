"""Statutory interest computed by hand: every expected amount is worked out in the comment above it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector_app.domain.errors import UserError
from collector_app.domain.interest import (
    Debt,
    Law,
    RateSeries,
    half_year_start,
    law_for,
    next_half_year,
    statutory_interest,
)

D = dt.date
# Real NBP reference rate history around the cases (resources/rates/pl_nbp_reference.csv)
PL = RateSeries.of("PL", "reference", [
    (D(2015, 3, 5), Decimal("1.50")), (D(2020, 3, 18), Decimal("1.00")), (D(2021, 12, 9), Decimal("1.75")),
    (D(2022, 6, 9), Decimal("6.00")), (D(2022, 7, 8), Decimal("6.50")), (D(2022, 9, 8), Decimal("6.75")),
    (D(2023, 9, 7), Decimal("6.00")), (D(2023, 10, 5), Decimal("5.75")), (D(2025, 5, 8), Decimal("5.25")),
    (D(2025, 7, 3), Decimal("5.00")), (D(2025, 12, 4), Decimal("4.00")), (D(2026, 3, 5), Decimal("3.75")),
])
# Real ČNB 2W repo history 2023–2024 (resources/rates/cz_cnb_repo.csv)
CZ = RateSeries.of("CZ", "repo", [
    (D(2022, 6, 23), Decimal("7.00")), (D(2023, 12, 22), Decimal("6.75")), (D(2024, 2, 9), Decimal("6.25")),
    (D(2024, 3, 21), Decimal("5.75")), (D(2024, 5, 3), Decimal("5.25")), (D(2024, 6, 28), Decimal("4.75")),
    (D(2024, 8, 2), Decimal("4.50")),
])
# Real ECB MRO history 2024–2025 (resources/rates/eu_ecb_mro.csv)
EU = RateSeries.of("EU", "mro", [
    (D(2024, 12, 18), Decimal("3.15")), (D(2025, 2, 5), Decimal("2.90")), (D(2025, 3, 12), Decimal("2.65")),
])


def pl(amount: str, issued: dt.date, due: dt.date, until: dt.date,
       payments: tuple[tuple[dt.date, Decimal], ...] = ()) -> Decimal:
    return statutory_interest(Law.PL, Debt(issued, due, Decimal(amount), payments), until, PL).interest


def test_one_half_year() -> None:
    # 1,000.00 due 2026-01-31, today 2026-03-01: Feb 1..Mar 1 = 29 days; H1 2026 rate = NBP 4.00 on 1 Jan
    # + 10 = 14.00 %. 1000 × 14 % × 29 / 365 = 11.1232… → 11.12
    r = statutory_interest(Law.PL, Debt(D(2026, 1, 1), D(2026, 1, 31), Decimal("1000.00")), D(2026, 3, 1), PL)
    assert r.interest == Decimal("11.12")
    assert r.days == 29
    assert [(p.start, p.end, p.rate, p.days) for p in r.periods] == [(D(2026, 2, 1), D(2026, 3, 1), 14, 29)]


def test_crossing_a_half_year_uses_the_rate_in_force_on_1_july() -> None:
    # 10,000.00 due 2025-06-15, today 2025-07-20.
    # H1 2025: NBP 5.75 on 1 Jan + 10 = 15.75 %, Jun 16..30 = 15 days: 10000 × 0.1575 × 15/365 = 64.7260…
    # H2 2025: NBP on 1 Jul is still 5.25 (5.00 only from 3 Jul) + 10 = 15.25 %, Jul 1..20 = 20 days:
    #          10000 × 0.1525 × 20/365 = 83.5616…;  total 148.2876… → 148.29
    r = statutory_interest(Law.PL, Debt(D(2025, 5, 1), D(2025, 6, 15), Decimal("10000.00")), D(2025, 7, 20), PL)
    assert [(p.start, p.end, p.rate, p.days, p.amount) for p in r.periods] == [
        (D(2025, 6, 16), D(2025, 6, 30), Decimal("15.75"), 15, Decimal("64.73")),
        (D(2025, 7, 1), D(2025, 7, 20), Decimal("15.25"), 20, Decimal("83.56")),
    ]
    assert r.interest == Decimal("148.29")


def test_partial_payment_mid_delay() -> None:
    # 2,000.00 due 2026-01-31, 500.00 paid 2026-02-10, today 2026-02-28, 14.00 %.
    # Feb 1..10 (10 days) on 2000: 7.6712…; Feb 11..28 (18 days) on 1500: 10.3561…; total 18.0273… → 18.03
    r = statutory_interest(Law.PL, Debt(D(2026, 1, 1), D(2026, 1, 31), Decimal("2000.00"),
                                        ((D(2026, 2, 10), Decimal("500.00")),)), D(2026, 2, 28), PL)
    assert [(p.base, p.days) for p in r.periods] == [(Decimal("2000.00"), 10), (Decimal("1500.00"), 18)]
    assert r.interest == Decimal("18.03")
    assert r.days == 28


def test_payment_on_the_due_date_owes_nothing() -> None:
    debt = Debt(D(2026, 1, 1), D(2026, 1, 31), Decimal("2000.00"), ((D(2026, 1, 31), Decimal("2000.00")),))
    r = statutory_interest(Law.PL, debt, D(2026, 3, 16), PL)
    assert (r.interest, r.days, r.periods) == (Decimal("0.00"), 0, ())


def test_paid_one_day_late() -> None:
    # 3,650.00 paid in full on due date + 1: one day at 14 %: 3650 × 0.14 / 365 = 1.40 exactly
    debt = Debt(D(2026, 1, 1), D(2026, 1, 31), Decimal("3650.00"), ((D(2026, 2, 1), Decimal("3650.00")),))
    r = statutory_interest(Law.PL, debt, D(2026, 3, 16), PL)
    assert (r.interest, r.days) == (Decimal("1.40"), 1)


def test_leap_year_still_divides_by_365() -> None:
    # 3,660.00 due 2024-02-10, today 2024-03-10: Feb 11..29 (19) + Mar 1..10 (10) = 29 days;
    # H1 2024: NBP 5.75 + 10 = 15.75 %. 3660 × 0.1575 × 29 / 365 = 45.8001… → 45.80 (÷366 would give 45.67)
    assert pl("3660.00", D(2024, 1, 10), D(2024, 2, 10), D(2024, 3, 10)) == Decimal("45.80")


def test_czech_rate_is_fixed_for_the_whole_delay() -> None:
    # 100,000.00 CZK due 2024-01-31: the delay begins 2024-02-01 (H1 2024), so the repo rate set for
    # 2023-12-31 applies: 6.75 + 8 = 14.75 %, unchanged through the cuts of 2024 and across 1 July.
    # Feb 1..Aug 31 2024 = 29+31+30+31+30+31+31 = 213 days: 100000 × 0.1475 × 213 / 365 = 8607.5342… → 8607.53
    r = statutory_interest(Law.CZ, Debt(D(2024, 1, 1), D(2024, 1, 31), Decimal("100000.00")), D(2024, 8, 31), CZ)
    assert [(p.rate, p.days) for p in r.periods] == [(Decimal("14.75"), 213)]
    assert r.interest == Decimal("8607.53")


def test_czech_rate_is_the_one_set_for_the_last_day_of_the_previous_half_year() -> None:
    # A rate changed exactly on 1 January (synthetic series, to tell the two wordings apart): the regulation
    # reads the rate for 31 December, 3.00 + 8 = 11.00 %, not the 5.00 in force on 1 January.
    # 1,000.00 due 2025-01-31, today 2025-03-01: 29 days; 1000 × 0.11 × 29 / 365 = 8.7397… → 8.74
    series = RateSeries.of("CZ", "repo", [(D(2024, 1, 1), Decimal("3.00")), (D(2025, 1, 1), Decimal("5.00"))])
    r = statutory_interest(Law.CZ, Debt(D(2025, 1, 1), D(2025, 1, 31), Decimal("1000.00")), D(2025, 3, 1), series)
    assert r.interest == Decimal("8.74")


def test_eur_invoice_follows_the_eu_rule() -> None:
    # EUR 5,000.00 due 2025-01-31, today 2025-03-31: ECB MRO on 1 Jan 2025 = 3.15 + 8 = 11.15 % (the
    # February and March cuts do not matter within the half-year); Feb 1..Mar 31 = 59 days:
    # 5000 × 0.1115 × 59 / 365 = 90.1164… → 90.12
    assert law_for("EUR", "PL") is Law.EU
    r = statutory_interest(Law.EU, Debt(D(2025, 1, 1), D(2025, 1, 31), Decimal("5000.00")), D(2025, 3, 31), EU)
    assert (r.interest, r.days) == (Decimal("90.12"), 59)


def test_invoice_issued_before_2020_gets_8_points() -> None:
    # Due 2020-01-14, today 2020-02-13: Jan 15..Feb 13 = 30 days; NBP on 1 Jan 2020 = 1.50.
    # Issued 2019-12-15: 1.50 + 8 = 9.50 %: 1000 × 0.095 × 30 / 365 = 7.8082… → 7.81
    # Issued 2020-01-02: 1.50 + 10 = 11.50 %: 1000 × 0.115 × 30 / 365 = 9.4520… → 9.45
    assert pl("1000.00", D(2019, 12, 15), D(2020, 1, 14), D(2020, 2, 13)) == Decimal("7.81")
    assert pl("1000.00", D(2020, 1, 2), D(2020, 1, 14), D(2020, 2, 13)) == Decimal("9.45")


def test_multi_year_delay() -> None:
    # 1,000.00 due 2022-01-31, today 2023-12-31:
    # H1 2022: NBP 1.75 on 1 Jan + 10 = 11.75 %, Feb 1..Jun 30 = 150 days: 48.2876…
    # H2 2022: NBP 6.00 on 1 Jul (6.50 from 8 Jul) + 10 = 16.00 %, 184 days: 80.6575…
    # 2023: 6.75 on 1 Jan and on 1 Jul + 10 = 16.75 %, 365 days (one merged line): 167.50
    # total 296.4452… → 296.45, 699 days
    r = statutory_interest(Law.PL, Debt(D(2022, 1, 1), D(2022, 1, 31), Decimal("1000.00")), D(2023, 12, 31), PL)
    assert [(p.rate, p.days) for p in r.periods] == [(Decimal("11.75"), 150), (Decimal("16.00"), 184),
                                                     (Decimal("16.75"), 365)]
    assert (r.interest, r.days) == (Decimal("296.45"), 699)


def test_rounded_once_at_the_end_not_per_period() -> None:
    # 100.00 due 2026-01-31, 50.00 paid 2026-02-02, today 2026-02-05, 14 %:
    # Feb 1..2 on 100: 0.0767… (shown 0.08); Feb 3..5 on 50: 0.0575… (shown 0.06); shown sum 0.14,
    # but the exact sum 0.1342… rounds to 0.13
    r = statutory_interest(Law.PL, Debt(D(2026, 1, 1), D(2026, 1, 31), Decimal("100.00"),
                                        ((D(2026, 2, 2), Decimal("50.00")),)), D(2026, 2, 5), PL)
    assert [p.amount for p in r.periods] == [Decimal("0.08"), Decimal("0.06")]
    assert r.interest == Decimal("0.13")


def test_not_yet_late_and_overpaid() -> None:
    assert pl("1000.00", D(2026, 1, 1), D(2026, 3, 31), D(2026, 3, 16)) == Decimal("0.00")
    # paid more than owed before the delay: nothing outstanding
    overpaid = Debt(D(2026, 1, 1), D(2026, 1, 31), Decimal("100.00"), ((D(2026, 1, 5), Decimal("150.00")),))
    assert statutory_interest(Law.PL, overpaid, D(2026, 3, 16), PL).interest == Decimal("0.00")


def test_a_missing_rate_is_an_error_saying_how_to_add_it() -> None:
    with pytest.raises(UserError) as info:
        pl("1000.00", D(2014, 1, 1), D(2014, 1, 31), D(2014, 3, 1))
    assert "collector rates add --country PL --kind reference" in info.value.message
    assert "2014-01-01" in info.value.message


def test_law_follows_currency_then_firm_country() -> None:
    assert law_for("PLN", "PL") is Law.PL
    assert law_for("CZK", "CZ") is Law.CZ
    assert law_for("EUR", "CZ") is Law.EU
    assert law_for("PLN", "DE") is Law.EU


def test_half_years() -> None:
    assert half_year_start(D(2026, 6, 30)) == D(2026, 1, 1)
    assert half_year_start(D(2026, 7, 1)) == D(2026, 7, 1)
    assert next_half_year(D(2026, 12, 31)) == D(2027, 1, 1)


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
days = st.dates(min_value=D(2021, 1, 1), max_value=D(2026, 12, 31))


@settings(max_examples=150, deadline=None)
@given(amount=amounts, due=days, lag=st.integers(0, 900), extra=st.integers(0, 400),
       paid=st.lists(st.tuples(st.integers(0, 1200), amounts), max_size=3))
def test_interest_never_negative_and_grows_with_today(amount: Decimal, due: dt.date, lag: int, extra: int,
                                                     paid: list[tuple[int, Decimal]]) -> None:
    payments = tuple(sorted((due + dt.timedelta(days=d - 30), a) for d, a in paid))
    debt = Debt(due - dt.timedelta(days=30), due, amount, payments)
    today = due + dt.timedelta(days=lag)
    earlier = statutory_interest(Law.PL, debt, today, PL)
    later = statutory_interest(Law.PL, debt, today + dt.timedelta(days=extra), PL)
    assert Decimal(0) <= earlier.interest <= later.interest
    unpaid = statutory_interest(Law.PL, Debt(debt.issue_date, due, amount), today, PL)
    assert earlier.interest <= unpaid.interest  # paying never adds interest
    assert sum(p.days for p in earlier.periods) == earlier.days <= lag
