"""Buyers outside the EU in imported e-invoices: a valid id of their country is no checksum failure, and one of a
scheme Collector cannot check is said to be unchecked, kept as the file writes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.invoice_imports import DATA, make_firm, run_import
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Contractor
from collector_app.domain.clock import FixedClock


def _buyer_of(tmp_path: Path, tax_id: str, country: str) -> Path:
    text = (DATA / "ubl_invoice.xml").read_text(encoding="utf-8")
    code = "<ns2:IdentificationCode>{}</ns2:IdentificationCode>"
    text = text.replace("PL7740001454", tax_id).replace(code.format("PL"), code.format(country))
    path = tmp_path / "u.xml"
    path.write_text(text, encoding="utf-8")
    return path


def _tax_warnings(result: object) -> list[str]:
    return [w["text"] for w in result.summary.warnings if "tax id" in w["text"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("tax_id", "country"), [("53930548027", "AU"), ("CHE-116.281.710 MWST", "CH")])
def test_a_valid_foreign_id_is_not_warned_about(ledger: Ledger, clock: FixedClock, tmp_path: Path, tax_id: str,
                                                country: str) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, _buyer_of(tmp_path, tax_id, country))
    assert _tax_warnings(result) == []
    with ledger.transaction() as s:
        buyer = s.scalars(select(Contractor)).one()
        assert (buyer.tax_id, buyer.country) == (tax_id, country)  # kept as the file writes it


def test_a_foreign_id_failing_its_schemes_check_digit_is_still_reported(ledger: Ledger, clock: FixedClock,
                                                                       tmp_path: Path) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, _buyer_of(tmp_path, "53930548028", "AU"))
    assert _tax_warnings(result) == ['tax id "53930548028" of Alfa Metale S.A. fails its checksum: kept as the file '
                                     "says"]


def test_an_id_of_no_scheme_known_is_unchecked_not_wrong(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, _buyer_of(tmp_path, "MR85004322", "SG"))
    assert _tax_warnings(result) == ['tax id "MR85004322" of Alfa Metale S.A. is not checked (no check is known for SG '
                                     "tax ids of this form): kept as the file says"]
