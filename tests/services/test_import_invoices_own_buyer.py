"""A document whose buyer is the firm itself (its own tax id) is no customer's debt: skipped with the reason, in
every format, and the firm never becomes its own contractor."""

from __future__ import annotations

from pathlib import Path

from helpers.invoice_imports import DATA, FIRM_NIP, documents, make_firm, run_import
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Contractor
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.services.firm import FirmChanges, set_firm


def _contractors(ledger: Ledger) -> list[str]:
    with ledger.transaction() as s:
        return list(s.scalars(select(Contractor.name)))


def _copy(tmp_path: Path, source: str, *pairs: tuple[str, str]) -> Path:
    text = (DATA / source).read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / source
    path.write_text(text, encoding="utf-8")
    return path


def _skipped_as_own(result: object, number: str) -> None:
    [skip] = result.summary.skipped  # type: ignore[attr-defined]
    assert skip["ref"] == number
    assert "is the firm itself" in skip["reason"] and "not a sale to a customer" in skip["reason"]
    assert result.summary.created == 0  # type: ignore[attr-defined]


def test_a_ksef_invoice_to_the_firms_own_nip_is_skipped(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    make_firm(ledger, clock)
    path = _copy(tmp_path, "ksef_fa3_invoice.xml", ("<NIP>5252344078</NIP>", f"<NIP>{FIRM_NIP}</NIP>"))
    result = run_import(ledger, clock, path)
    _skipped_as_own(result, "FA/3/2026")
    assert result.summary.skipped[0]["reason"] == (
        f"the buyer Gamma Handel S.A. (tax id {FIRM_NIP}) is the firm itself (tax id {FIRM_NIP}): not a sale to a "
        "customer, nothing to collect")
    assert result.summary.warnings == []  # what the file says about the document no longer matters
    assert (documents(ledger), _contractors(ledger)) == ({}, [])


def test_a_ubl_invoice_to_the_firms_prefixed_vat_id_is_skipped(ledger: Ledger, clock: FixedClock,
                                                               tmp_path: Path) -> None:
    make_firm(ledger, clock)
    path = _copy(tmp_path, "ubl_invoice.xml", ("PL7740001454", f"PL {FIRM_NIP}"))
    _skipped_as_own(run_import(ledger, clock, path), "UBL/10/2026")
    assert _contractors(ledger) == []


def test_an_isdoc_credit_note_to_the_firms_own_ico_is_skipped(ledger: Ledger, clock: FixedClock,
                                                              tmp_path: Path) -> None:
    """A Czech firm known by its DIČ; the buyer is named by its IČO alone."""
    with ledger.transaction() as s:
        set_firm(Ctx(s, clock, "tester"), FirmChanges(name="Dodavatel s.r.o.", tax_id="CZ27082440", country="CZ",
                                                      currency="CZK"))
    path = _copy(tmp_path, "isdoc_credit_note.isdoc", ("<ID>00006947</ID>", "<ID>27082440</ID>"),
                 ("<CompanyID>CZ00006947</CompanyID>", ""))
    _skipped_as_own(run_import(ledger, clock, path), "DD-2026-0007")
    assert _contractors(ledger) == []


def test_other_buyers_of_the_same_file_are_imported(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    make_firm(ledger, clock)
    path = tmp_path / "r.csv"
    path.write_text("Numer;Kontrahent;NIP;Data wystawienia;Brutto\n"
                    f"FV/1/2026;Nasza Firma sp. z o.o.;PL-{FIRM_NIP};2026-03-01;100,00\n"
                    "FV/2/2026;Gamma Handel S.A.;5252344078;2026-03-01;200,00\n", encoding="utf-8")
    result = run_import(ledger, clock, path)
    assert [s["ref"] for s in result.summary.skipped] == ["FV/1/2026"]
    assert (result.summary.created, set(documents(ledger)), _contractors(ledger)) == (
        1, {"FV/2/2026"}, ["Gamma Handel S.A."])


def test_without_the_firms_tax_id_nothing_is_skipped(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    make_firm(ledger, clock, tax_id=None)
    path = _copy(tmp_path, "ksef_fa3_invoice.xml", ("<NIP>5252344078</NIP>", f"<NIP>{FIRM_NIP}</NIP>"))
    result = run_import(ledger, clock, path)
    assert (result.summary.created, result.summary.skipped) == (1, [])
