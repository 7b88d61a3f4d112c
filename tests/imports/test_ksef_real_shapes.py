"""KSeF shapes met in real published FA(1)/FA(2)/FA(3) files: settlements, collective corrections, factors, FA_RR."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.invoice_imports import DATA, documents, make_firm, run_import

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.imports import ksef


def test_deductions_covering_p15_leave_nothing_payable() -> None:
    """SumaOdliczen = P_15 and DoRozliczenia 0.00: nothing overpaid, nothing to pay (P_15 less the deductions)."""
    [rec] = ksef.read(DATA / "ksef_fa3_rozliczenie_do_rozliczenia.xml", "r.xml")
    assert (rec.kind, rec.gross, rec.net, rec.vat) == ("invoice", Decimal(0), Decimal(400), Decimal(92))
    assert rec.notes == ["amount payable 0.00 PLN after Rozliczenie: P_15 492.00 plus charges 0.00 less deductions "
                         "492.00 PLN"]


def test_overpayment_above_zero_is_owed_back_as_a_credit_note(tmp_path: Path) -> None:
    path = tmp_path / "o.xml"
    path.write_text((DATA / "ksef_fa3_rozliczenie_do_rozliczenia.xml").read_text(encoding="utf-8").replace(
        "<DoRozliczenia>0.00<", "<DoRozliczenia>58.00<"), encoding="utf-8")
    [rec] = ksef.read(path, "o.xml")
    assert (rec.kind, rec.gross, rec.corrects) == ("credit_note", Decimal(58), None)
    assert "negative amount payable (-58.00 PLN) on a VAT invoice" in rec.notes[1]


def test_collective_correction_is_linked_to_none_of_the_invoices() -> None:
    [rec] = ksef.read(DATA / "ksef_fa2_collective_correction.xml", "k.xml")
    assert (rec.kind, rec.gross, rec.corrects) == ("credit_note", Decimal(369), None)
    assert rec.notes == ["corrects 3 invoices (FA/3/2026, FA/19/2026, FA/33/2026): a collective correction is not "
                         "linked to any one of them: kept as the contractor's credit"]


def test_collective_correction_does_not_offset_the_first_invoice(ledger: Ledger, clock: FixedClock,
                                                                 tmp_path: Path) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")  # FA/3/2026 of the same buyer
    run_import(ledger, clock, DATA / "ksef_fa2_collective_correction.xml")
    docs = documents(ledger)
    assert docs["FA/3/2026"].paid == 0
    assert (docs["CN KR/1/2026"].gross, docs["CN KR/1/2026"].corrects_invoice_id) == (Decimal(-369), None)


def test_fa_rr_is_refused_naming_the_form_code() -> None:
    with pytest.raises(UserError, match=r'^rr\.xml: /Faktura/Naglowek/KodFormularza: "FA_RR" is a VAT RR invoice, '
                                        r"written by the buyer .*not a sales invoice to chase \(expected FA\)$"):
        list(ksef.read(DATA / "ksef_fa_rr_farmer_invoice.xml", "rr.xml"))


def test_another_form_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.xml"
    path.write_text((DATA / "ksef_fa3_invoice.xml").read_text(encoding="utf-8").replace(">FA</KodFormularza>",
                                                                                        ">PEF</KodFormularza>"),
                    encoding="utf-8")
    with pytest.raises(UserError, match=r'^p\.xml: /Faktura/Naglowek/KodFormularza: "PEF" is not a KSeF invoice'):
        list(ksef.read(path, "p.xml"))


def test_factor_and_instalments_are_reported() -> None:
    [rec] = ksef.read(DATA / "ksef_fa3_factor_two_payment_dates.xml", "f.xml")
    assert (rec.gross, rec.due_date) == (Decimal(2460), dt.date(2026, 4, 17))
    assert rec.notes == [
        "2 payment dates in the file (2026-04-17, 2026-05-04): due date taken from the first",
        "the receivable is assigned to the factor Faktoring Kappa S.A. (Podmiot3/Rola 1): the buyer pays the factor, "
        "not the firm",
    ]


def test_fa1_parties_are_read_from_pelna_nazwa_and_adres_pol() -> None:
    [rec] = ksef.read(DATA / "ksef_fa1_pelna_nazwa_adres_pol.xml", "a.xml")
    buyer = rec.buyer
    assert (buyer.name, buyer.tax_id, buyer.country) == ("Pracownia Lambda s.c.", "5252344078", "PL")
    assert buyer.address == "Ogrodowa 12/4, 20-001 Lublin"
    assert (buyer.email, buyer.phone) == ("biuro@lambda.example", "815550101")
    assert rec.seller is not None and rec.seller.name == "Nasza Firma sp. z o.o."
    assert rec.notes == []


def test_structured_payment_term_and_an_empty_partial_payment() -> None:
    [rec] = ksef.read(DATA / "ksef_fa3_structured_term_zero_partial_payment.xml", "t.xml")
    assert (rec.due_date, rec.terms_days, rec.notes) == (None, 14, [])
