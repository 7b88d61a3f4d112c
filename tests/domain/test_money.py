"""Money is exact: Decimal only, one currency per amount, typed amounts refused rather than rounded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers.ledger import expect_error
from hypothesis import given
from hypothesis import strategies as st

from collector_app.domain.money import (
    CurrencyMismatch,
    Money,
    check_currency,
    check_places,
    currency_places,
    format_amount,
    parse_amount,
    round_half_up,
    totals_by_currency,
)

PLN = "PLN"


def pln(text: str) -> Money:
    return Money(Decimal(text), PLN)


# --- arithmetic ------------------------------------------------------------------------------

def test_same_currency_arithmetic_is_exact_decimal() -> None:
    total = pln("0.10") + pln("0.20")
    assert total == pln("0.30")  # 0.1 + 0.2 != 0.3 in binary floating point
    assert isinstance(total.amount, Decimal)
    assert (pln("10.00") - pln("0.01")).amount == Decimal("9.99")
    assert (-pln("5.50")).amount == Decimal("-5.50")
    assert pln("1.00") < pln("1.01")
    assert pln("1.00") <= pln("1.00")
    assert not pln("1.01") <= pln("1.00")


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
    ],
    ids=["add", "sub", "lt", "le"],
)
def test_arithmetic_refuses_mixed_currencies(op: object) -> None:
    with pytest.raises(CurrencyMismatch, match=r"PLN.*EUR"):
        op(pln("1.00"), Money(Decimal("1.00"), "EUR"))  # type: ignore[operator]


def test_money_is_never_multiplied_by_a_float() -> None:
    with pytest.raises(TypeError):
        pln("10.00") * 1.5  # type: ignore[operator]
    assert (pln("10.00") * 3).amount == Decimal("30.00")
    assert (pln("10.00") * Decimal("1.5")).amount == Decimal("15.000")


def test_arithmetic_never_rounds_by_itself() -> None:
    third = pln("1.005") * 3
    assert third.amount == Decimal("3.015")
    assert third.rounded().amount == Decimal("3.02")


def test_totals_are_per_currency() -> None:
    totals = totals_by_currency([pln("1.10"), Money(Decimal("2"), "EUR"), pln("2.20"), Money(Decimal("3"), "EUR")])
    assert totals == {"PLN": pln("3.30"), "EUR": Money(Decimal("5"), "EUR")}
    assert totals_by_currency([]) == {}


def test_zero_and_str() -> None:
    assert Money.zero("CZK").is_zero()
    assert not pln("0.01").is_zero()
    assert str(pln("1234.5")) == "1234.50 PLN"
    assert str(pln("-10")) == "-10.00 PLN"


# --- parsing typed amounts -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.50", Decimal("1234.50")),
        ("1234,50", Decimal("1234.50")),
        ("1 234,50", Decimal("1234.50")),
        ("1\u00a0234.50", Decimal("1234.50")),
        ("  7 ", Decimal("7")),
        ("-10.00", Decimal("-10.00")),
        ("+3.1", Decimal("3.1")),
        ("0.01", Decimal("0.01")),
    ],
)
def test_parse_amount_reads_what_people_type(text: str, expected: Decimal) -> None:
    value = parse_amount(text, PLN, "gross")
    assert value == expected
    assert isinstance(value, Decimal)


def test_parsed_amounts_add_exactly() -> None:
    assert parse_amount("0.1", PLN, "a") + parse_amount("0.2", PLN, "a") == Decimal("0.3")


@pytest.mark.parametrize(
    ("text", "currency"),
    [("12.345", "PLN"), ("0.001", "EUR"), ("12,345", "CZK"), ("12.5", "JPY"), ("1.2345", "BHD")],
)
def test_parse_amount_refuses_more_decimals_than_the_currency_has(text: str, currency: str) -> None:
    with expect_error("gross") as info:
        parse_amount(text, currency, "gross")
    assert text in info.value.message
    assert currency in info.value.message


def test_more_decimals_are_never_rounded_away() -> None:
    # 12.345 must not quietly become 12.35 (half-up) nor 12.34 (banker's)
    for text in ("12.345", "12.344", "12.346"):
        with expect_error("amount"):
            parse_amount(text, PLN, "amount")


@pytest.mark.parametrize(("text", "currency"), [("1250", "JPY"), ("1.234", "BHD"), ("12.34", "CZK")])
def test_parse_amount_accepts_exactly_the_currency_places(text: str, currency: str) -> None:
    assert parse_amount(text, currency, "amount") == Decimal(text)


@pytest.mark.parametrize(
    "text", ["", "   ", "abc", "12.", ".5", "1.2.3", "1e5", "NaN", "Infinity", "--1", "12 zł", "1,234.56", "0x10"]
)
def test_parse_amount_refuses_bad_text_naming_the_field(text: str) -> None:
    with expect_error("promise-amount") as info:
        parse_amount(text, PLN, "promise-amount")
    assert "amount" in info.value.message
    assert str(info.value).startswith("promise-amount: ")


def test_too_large_amount_is_refused() -> None:
    # the ledger keeps amounts exactly only below 10^13 (see test_invoices: stored exactly or refused)
    assert parse_amount("9999999999999.99", PLN, "gross") == Decimal("9999999999999.99")
    assert parse_amount("-9999999999999.99", PLN, "gross") == Decimal("-9999999999999.99")
    for text in ("10000000000000", "10000000000000.00", "-10000000000000", "1" + "0" * 16):
        with expect_error("gross") as info:
            parse_amount(text, PLN, "gross")
        assert "too large" in info.value.message


def test_check_places_names_field_and_shows_value() -> None:
    with expect_error("net") as info:
        check_places(Decimal("1.999"), "PLN", "net")
    assert "1.999" in info.value.message
    check_places(Decimal("1.99"), "PLN", "net")
    check_places(Decimal("1.990"), "PLN", "net")  # trailing zeros carry no extra precision


# --- currencies, places, rounding ------------------------------------------------------------

def test_currency_places() -> None:
    assert currency_places("PLN") == 2
    assert currency_places("CZK") == 2
    assert currency_places("EUR") == 2
    assert currency_places("JPY") == 0
    assert currency_places("BHD") == 3


@pytest.mark.parametrize("code", ["pln", " Eur ", "CZK"])
def test_check_currency_normalises(code: str) -> None:
    assert check_currency(code) == code.strip().upper()


def test_currencies_with_more_places_than_the_ledger_keeps_are_refused() -> None:
    # amounts are Numeric(18, 2) in the ledger: 1.234 BHD would be stored as 1.23
    for code in ("BHD", "KWD", "OMR"):
        with expect_error("currency") as info:
            check_currency(code)
        assert "3 decimal places" in info.value.message
    assert check_currency("JPY") == "JPY"


@pytest.mark.parametrize("code", ["", "PL", "PLNN", "ZZZ", "12A", "zł"])
def test_check_currency_refuses_what_is_not_iso_4217(code: str) -> None:
    with expect_error("currency"):
        check_currency(code)
    with expect_error("payment-currency"):
        check_currency(code, "payment-currency")


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("2.345", "PLN", "2.35"),   # half-up, where half-even gives 2.34
        ("2.325", "PLN", "2.33"),   # half-even would give 2.32
        ("2.3449", "PLN", "2.34"),
        ("-2.345", "PLN", "-2.35"),  # away from zero on the half
        ("0.005", "EUR", "0.01"),
        ("2.5", "JPY", "3"),        # JPY has no minor unit
        ("1.5", "JPY", "2"),
        ("1.49", "JPY", "1"),
        ("1.0005", "BHD", "1.001"),
    ],
)
def test_round_half_up(value: str, currency: str, expected: str) -> None:
    got = round_half_up(Decimal(value), currency)
    assert got == Decimal(expected)
    assert got.as_tuple().exponent == -currency_places(currency)


def test_jpy_money_rounds_to_whole_yen() -> None:
    assert Money(Decimal("100.5"), "JPY").rounded() == Money(Decimal("101"), "JPY")


@pytest.mark.parametrize(
    ("value", "text"),
    [("1234.5", "1234.50"), ("-10", "-10.00"), ("1E+3", "1000.00"), ("0.1", "0.10"),
     ("12345678901234.56", "12345678901234.56")],
)
def test_format_amount_contract(value: str, text: str) -> None:
    assert format_amount(Decimal(value)) == text


@given(st.decimals(min_value=Decimal("-99999999999.99"), max_value=Decimal("99999999999.99"), places=2))
def test_format_then_parse_is_identity(value: Decimal) -> None:
    assert parse_amount(format_amount(value), PLN, "amount") == value
