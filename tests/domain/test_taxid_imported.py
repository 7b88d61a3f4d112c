"""Tax ids read from imported files: other countries' ids checked by the schemes python-stdnum knows, and an id of
no scheme known to be checked called unchecked, never a checksum failure."""

from __future__ import annotations

import pytest

from collector_app.domain.taxid import check_imported_tax_id


@pytest.mark.parametrize(("tax_id", "country"), [
    ("53930548027", "AU"),           # ABN, weighted sum 445 = 5 × 89
    ("53 930 548 027", "AU"),
    ("004 085 616", "AU"),           # ACN
    ("CHE-116.281.710 MWST", "CH"),  # Swiss VAT number
    ("732 829 320", "FR"),           # SIREN of a French buyer without a VAT id
    ("201012456C", "SG"),            # a Singapore UEN
    ("49-098-576", "NZ"),            # IRD number (the New Zealand GST number)
])
def test_foreign_ids_valid_by_their_countrys_schemes(tax_id: str, country: str) -> None:
    assert check_imported_tax_id(tax_id, country).verdict == "valid"


@pytest.mark.parametrize(("tax_id", "country"), [("53930548028", "AU"), ("136-410-133", "NZ")])
def test_a_foreign_id_of_a_known_scheme_failing_its_check_digit_is_invalid(tax_id: str, country: str) -> None:
    assert check_imported_tax_id(tax_id, country).verdict == "invalid"


@pytest.mark.parametrize(("tax_id", "country"), [
    ("MR85004322", "SG"),  # a GST registration number: no check digit known
    ("100234567800003", "AE"),  # no scheme known for the country at all
    ("5263120111", "DE"),  # of a Steuernummer's form, a number without check digits
    ("12-3456789", "US"),  # an EIN has none either
])
def test_an_id_of_no_scheme_known_to_be_checked_is_unchecked(tax_id: str, country: str) -> None:
    assert check_imported_tax_id(tax_id, country).verdict == "unchecked"


@pytest.mark.parametrize(("tax_id", "country", "verdict", "stored"), [
    ("701-001-01-91", "PL", "valid", "7010010191"),
    ("7010010192", "PL", "invalid", None),
    ("25596641", "CZ", "valid", "25596641"),
    ("25596640", "CZ", "invalid", None),
    ("de 136 695 976", "AT", "valid", "DE136695976"),
    ("DE136695977", "DE", "invalid", None),
    ("CZ25596640", "AU", "invalid", None),  # an EU VAT prefix is judged by the EU rules wherever the buyer is
])
def test_pl_cz_and_eu_ids_are_judged_as_typed_in_ones(tax_id: str, country: str, verdict: str,
                                                      stored: str | None) -> None:
    check = check_imported_tax_id(tax_id, country)
    assert (check.verdict, check.stored) == (verdict, stored)
