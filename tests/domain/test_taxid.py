"""Tax identifiers: PL NIP, CZ IČO/DIČ and EU VAT ids, checksums included."""

from __future__ import annotations

import pytest
from helpers.ledger import VALID_NIPS, expect_error

from collector_app.domain.taxid import compact_tax_id, normalize_tax_id, vat_prefix_country


@pytest.mark.parametrize("nip", VALID_NIPS)
def test_valid_pl_nips(nip: str) -> None:
    assert normalize_tax_id(nip, "PL") == nip


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("701-001-01-91", "7010010191"),
        (" 701 001 01 91 ", "7010010191"),
        ("526-025-02-74", "5260250274"),
    ],
)
def test_pl_nip_is_kept_compact(typed: str, expected: str) -> None:
    assert normalize_tax_id(typed, "pl") == expected


@pytest.mark.parametrize(
    "bad",
    [
        "7010010192",   # checksum digit off by one
        "7010010190",
        "5260250275",
        "701001019",    # nine digits
        "70100101911",  # eleven digits
        "70100I0191",   # a letter inside
    ],
)
def test_invalid_pl_nip_is_refused(bad: str) -> None:
    with expect_error("tax-id") as info:
        normalize_tax_id(bad, "PL")
    assert "NIP" in info.value.message
    assert bad in info.value.message


@pytest.mark.parametrize(("typed", "expected"), [("25123891", "25123891"), ("27082440", "27082440"),
                                                 ("7103192745", "7103192745")])
def test_valid_cz_ico_and_dic(typed: str, expected: str) -> None:
    assert normalize_tax_id(typed, "CZ") == expected


@pytest.mark.parametrize("bad", ["25123890", "27082441", "2512389", "7103192746"])
def test_invalid_cz_ico_is_refused(bad: str) -> None:
    with expect_error("tax-id") as info:
        normalize_tax_id(bad, "CZ")
    assert "IČO/DIČ" in info.value.message


@pytest.mark.parametrize(
    ("typed", "country", "expected"),
    [
        ("CZ25123891", "CZ", "CZ25123891"),
        ("cz 25123891", "CZ", "CZ25123891"),
        ("PL7010010191", "PL", "PL7010010191"),
        ("DE136695976", "DE", "DE136695976"),
        ("de 136 695 976", "DE", "DE136695976"),
        ("136695976", "DE", "DE136695976"),  # bare number: the country's VAT prefix is added
        ("FR40303265045", "FR", "FR40303265045"),
        ("NL004495445B01", "NL", "NL004495445B01"),
        ("ATU13585627", "AT", "ATU13585627"),
        ("DE136695976", "PL", "DE136695976"),  # a foreign VAT id for a contractor registered in PL
    ],
)
def test_valid_eu_vat_ids(typed: str, country: str, expected: str) -> None:
    assert normalize_tax_id(typed, country) == expected


@pytest.mark.parametrize(
    ("bad", "country"),
    [("DE136695977", "DE"), ("136695977", "DE"), ("FR40303265046", "FR"), ("CZ25123890", "CZ"),
     ("PL7010010192", "PL"), ("XX123456789", "DE")],
)
def test_invalid_eu_vat_ids_are_refused(bad: str, country: str) -> None:
    with expect_error("tax-id"):
        normalize_tax_id(bad, country)


def test_pl_vat_id_for_a_czech_contractor_is_refused() -> None:
    with expect_error("tax-id"):
        normalize_tax_id("PL7010010191", "CZ")
    with expect_error("tax-id"):
        normalize_tax_id("CZ25123891", "PL")


@pytest.mark.parametrize("empty", ["", "   "])
def test_empty_tax_id_is_refused(empty: str) -> None:
    with expect_error("tax-id"):
        normalize_tax_id(empty, "PL")


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("7010010191", "7010010191"),
        ("701-001-01-91", "7010010191"),
        ("PL 701-001-01-91", "7010010191"),
        ("pl7010010191", "7010010191"),
        ("CZ25123891", "25123891"),
        ("cz 251 23 891", "25123891"),
        ("de 136 695 976", "DE136695976"),  # other prefixes stay: they are part of the id
        ("PLAN9", "PLAN9"),  # "PL" followed by letters is not a PL prefix
    ],
)
def test_compact_tax_id(typed: str, key: str) -> None:
    assert compact_tax_id(typed) == key


def test_every_spelling_of_a_nip_has_the_same_key() -> None:
    spellings = ["7010010191", "701-001-01-91", "PL7010010191", "PL 701 001 01 91", "pl-701-001-01-91"]
    stored = {compact_tax_id(normalize_tax_id(s, "PL")) for s in spellings}
    typed = {compact_tax_id(s) for s in spellings}
    assert stored == typed == {"7010010191"}


@pytest.mark.parametrize(
    ("written", "country"),
    [
        ("CZ25596641", "CZ"),
        ("cz 255 96 641", "CZ"),
        ("SK2020317068", "SK"),
        ("DE136695976", "DE"),
        ("PL 526-025-02-74", "PL"),
        ("ATU13585627", "AT"),
        ("EL094259216", "GR"),  # Greece writes EL
        ("25596641", None),  # no prefix
        ("5260250274", None),
        ("PLAN9", None),  # "PL" followed by letters is not a PL prefix (as compact_tax_id reads it)
        ("XX123456789", None),  # not a VAT prefix
        ("CHE-123.456.789", None),
    ],
)
def test_vat_prefix_country(written: str, country: str | None) -> None:
    assert vat_prefix_country(written) == country


def test_a_prefixed_id_is_valid_for_its_prefix_country() -> None:
    """What an import checks a prefixed id by: its prefix's rules, whatever the firm's country."""
    for written in ("CZ25596641", "SK2020317068", "PL5260250274", "DE136695976"):
        country = vat_prefix_country(written)
        assert country is not None
        assert normalize_tax_id(written, country) == written
