"""Payment strings field by field: ZBP "2D" (PLN), SPAYD (CZK), EPC069-12 (EUR)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers.ledger import expect_error

from collector_app.domain.payment_qr import (
    Payee,
    PaymentRequest,
    ascii_fold,
    epc,
    payment_string,
    spayd,
    title_for,
    variable_symbol,
    zbp_2d,
)

PL_IBAN = "PL61109010140000071219812874"
CZ_IBAN = "CZ6508000000192000145399"
DE_IBAN = "DE89370400440532013000"
POLISH = Payee("Przedsiębiorstwo Żuraw Sp. z o.o.", PL_IBAN, "526-025-02-74")


def request(amount: str, *numbers: str, currency: str = "PLN", vs: str | None = None,
            due: dt.date | None = None) -> PaymentRequest:
    return PaymentRequest(currency, Decimal(amount), numbers, "WZ/2026/03/0007", vs, due)


def test_zbp_fields() -> None:
    code = zbp_2d(POLISH, request("1234.50", "FV/1/2026", "FV/2/2026"))
    assert code == "5260250274|PL|61109010140000071219812874|123450|Przedsiębiorstwo Żur|FV/1/2026, FV/2/2026|||"
    _nip, _country, account, grosze, name, title, r1, r2, r3 = code.split("|")
    assert len(account) == 26 and len(grosze) == 6 and len(name) <= 20 and len(title) <= 32
    assert (r1, r2, r3) == ("", "", "")


@pytest.mark.parametrize(("amount", "field"), [
    ("0.01", "000001"), ("10.00", "001000"), ("9999.99", "999999"), ("10000.00", ""), ("123456.78", ""),
])
def test_zbp_amount_is_six_digits_of_grosze_or_empty_above_9999_99(amount: str, field: str) -> None:
    assert zbp_2d(POLISH, request(amount, "FV/1")).split("|")[3] == field


def test_zbp_title_falls_back_to_the_register_number_and_separators_are_removed() -> None:
    many = tuple(f"FV/2026/03/{i:04d}" for i in range(3))
    fields = zbp_2d(Payee("A|B", PL_IBAN, None), request("1", *many)).split("|")
    assert fields[0] == "" and fields[4] == "A B"
    assert fields[5] == "WZ/2026/03/0007"


def test_zbp_needs_a_polish_account() -> None:
    with expect_error("iban"):
        zbp_2d(Payee("X", DE_IBAN), request("1", "FV/1"))
    with expect_error("iban"):
        zbp_2d(Payee("X", "PL00109010140000071219812874"), request("1", "FV/1"))  # bad check digits


def test_spayd_fields() -> None:
    payee = Payee("Dodavatel* s.r.o. Příbram", CZ_IBAN, None, "GIBACZPX")
    code = spayd(payee, request("1500", "2026*01", currency="CZK", vs="0012345", due=dt.date(2026, 3, 23)))
    assert code == ("SPD*1.0*ACC:CZ6508000000192000145399+GIBACZPX*AM:1500.00*CC:CZK*DT:20260323*X-VS:12345"
                    "*RN:Dodavatel%2A s.r.o. Pribram*MSG:2026%2A01")
    assert code.isascii()


def test_spayd_variable_symbol_is_the_register_number_for_several_invoices() -> None:
    req = request("10", "A/1", "A/2", currency="CZK", vs="77")
    assert variable_symbol(req) == "2026030007"
    assert "X-VS:2026030007" in spayd(Payee("X", CZ_IBAN), req)
    assert "MSG:A/1, A/2" in spayd(Payee("X", CZ_IBAN), req)


def test_spayd_message_is_at_most_60_characters() -> None:
    numbers = tuple(f"FAKTURA-{i:04d}" for i in range(10))
    msg = spayd(Payee("X", CZ_IBAN), request("10", *numbers, currency="CZK")).rsplit("*MSG:", 1)[1]
    assert msg == "WZ/2026/03/0007"
    assert len(ascii_fold("Žluťoučký kůň úpěl ďábelské ódy")) == len("Zlutoucky kun upel dabelske ody")


def test_epc_fields() -> None:
    code = epc(Payee("Firma GmbH", DE_IBAN, None, "COBADEFFXXX"), request("12.3", "INV-1", currency="EUR"))
    assert code.split("\n") == ["BCD", "002", "1", "SCT", "COBADEFFXXX", "Firma GmbH", DE_IBAN, "EUR12.30", "", "",
                                "INV-1"]
    without_bic = epc(Payee("Żuraw", PL_IBAN), request("5", "A", currency="EUR")).split("\n")
    assert without_bic[4] == "" and without_bic[5] == "Żuraw"
    assert len(epc(POLISH, request("5", "A" * 200, currency="EUR")).split("\n")[10]) <= 140


def test_the_format_follows_the_currency() -> None:
    assert payment_string(POLISH, request("1", "A")).startswith("5260250274|PL|")
    assert payment_string(Payee("X", CZ_IBAN), request("1", "A", currency="CZK")).startswith("SPD*1.0*")
    assert payment_string(POLISH, request("1", "A", currency="EUR")).startswith("BCD\n002\n1\nSCT")
    with expect_error("currency"):
        payment_string(POLISH, request("1", "A", currency="USD"))


def test_title_for() -> None:
    assert title_for(("A", "B"), "WZ/1", 32) == "A, B"
    assert title_for(("A" * 40,), "WZ/1", 32) == "WZ/1"
