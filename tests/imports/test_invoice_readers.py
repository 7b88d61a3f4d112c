"""Each invoice reader on its own: what it takes from a file, and how it names a problem."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.invoice_imports import DATA, SAMPLES
from helpers.samples import needs_samples

from collector_app.domain.errors import UserError
from collector_app.imports import invoice_csv, invoice_xlsx, isdoc, ksef, ubl
from collector_app.imports.detect import detect_format
from collector_app.imports.invoice_csv import Mapping


@pytest.mark.parametrize(("path", "fmt"), [
    (DATA / "cp1250_semicolon_comma.csv", "csv"), (DATA / "utf8_bom_comma.csv", "csv"),
    (DATA / "ubl_invoice.xml", "ubl"), (DATA / "ubl_credit_note.xml", "ubl"), (DATA / "isdoc_invoice.isdoc", "isdoc"),
    (DATA / "ksef_fa3_kor.xml", "ksef"), (SAMPLES / "ksef" / "fa2_ksef-sample_FK2023-08-31_PLN.xml", "ksef"),
    (SAMPLES / "ubl" / "peppol_bis3_base-example_invoice.xml", "ubl"),
])
@needs_samples
def test_format_told_by_content(path: Path, fmt: str) -> None:
    assert detect_format(path, path.name) == fmt


@needs_samples
def test_ubl_reads_the_peppol_sample() -> None:
    [rec] = ubl.read(SAMPLES / "ubl" / "peppol_bis3_base-example_invoice.xml", "p.xml")
    assert (rec.number, rec.kind, rec.gross, rec.currency, rec.due_date) == (
        "Snippet1", "invoice", Decimal("1656.25"), "EUR", dt.date(2017, 12, 1))
    assert rec.buyer.name == "Buyer Official Name"  # the legal name before the trading name
    assert (rec.buyer.tax_id, rec.buyer.registration_no) == ("SE4598375937", "39937423947")
    assert rec.terms_days == 10 and rec.seller is not None and rec.seller.tax_id == "GB1232434"


def test_ubl_invoice_type_381_is_a_credit_note(tmp_path: Path) -> None:
    path = tmp_path / "c.xml"
    path.write_text((DATA / "ubl_invoice.xml").read_text().replace(">380<", ">381<"))
    [rec] = ubl.read(path, "c.xml")
    assert rec.kind == "credit_note"


def test_ubl_credit_note_names_the_corrected_invoice() -> None:
    [rec] = ubl.read(DATA / "ubl_credit_note.xml", "cn.xml")
    assert (rec.kind, rec.corrects, rec.gross) == ("credit_note", "UBL/10/2026", Decimal(150))



def test_ubl_negative_invoice_is_a_credit_note_linked_to_the_referenced_invoice() -> None:
    [rec] = ubl.read(DATA / "ubl_negative_invoice_prepaid_above_total.xml", "n.xml")
    assert (rec.kind, rec.gross, rec.corrects, rec.issue_date) == (
        "credit_note", Decimal(31), "UBL/10/2026", dt.date(2026, 3, 10))
    assert "negative amount payable (-31.00 EUR): imported as a credit note" in rec.notes[0]
    assert "prepaid 150.00 EUR" in rec.notes[1]

@needs_samples
def test_isdoc_foreign_currency_takes_the_curr_amounts() -> None:
    [rec] = isdoc.read(SAMPLES / "isdoc" / "isdoc-6.0.2_official-sample_FV-111999-2011.isdoc", "s.isdoc")
    assert (rec.currency, rec.gross, rec.net, rec.variable_symbol) == ("EUR", Decimal(0), Decimal(14), "111999")
    assert rec.due_date == dt.date(2013, 3, 13) and rec.corrects is None  # type 1: references are not a link
    assert any("deposits of 1.00 EUR" in n for n in rec.notes)



def test_isdoc_negative_type_1_is_a_credit_note_linked_to_the_original() -> None:
    [rec] = isdoc.read(DATA / "isdoc_negative_invoice_type1.isdoc", "n.isdoc")
    assert (rec.kind, rec.gross, rec.corrects, rec.currency) == ("credit_note", Decimal(1210), "FV-2026-0042", "CZK")
    assert "on document type 1: imported as a credit note" in rec.notes[0]

def test_isdoc_unknown_document_type(tmp_path: Path) -> None:
    path = tmp_path / "t.isdoc"
    path.write_text((DATA / "isdoc_invoice.isdoc").read_text(encoding="utf-8").replace(
        "<DocumentType>1<", "<DocumentType>9<"), encoding="utf-8")
    with pytest.raises(UserError, match=r'^t\.isdoc: /Invoice/DocumentType: "9" is not an ISDOC document type'):
        list(isdoc.read(path, "t.isdoc"))


def test_ksef_correction_raising_the_amount_is_an_invoice_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "k.xml"
    path.write_text((DATA / "ksef_fa3_kor.xml").read_text(encoding="utf-8").replace(
        "<P_15>-123.00</P_15>", "<P_15>50.00</P_15>"), encoding="utf-8")
    [rec] = ksef.read(path, "k.xml")
    assert (rec.kind, rec.gross) == ("invoice", Decimal(50))
    assert "raises the amount" in rec.notes[0]


@needs_samples
def test_ksef_fa3_sample_and_kor() -> None:
    [rec] = ksef.read(SAMPLES / "ksef" / "fa3_symfonia_rachunek-faktora_5t4343trgfds.xml", "f.xml")
    assert (rec.net, rec.vat, rec.gross) == (Decimal(777), Decimal("178.71"), Decimal("955.71"))
    [kor] = ksef.read(DATA / "ksef_fa3_kor.xml", "kor.xml")
    assert (kor.kind, kor.gross, kor.corrects) == ("credit_note", Decimal(123), "FA/3/2026")



def test_ksef_amount_payable_includes_the_settlement_charges() -> None:
    [rec] = ksef.read(DATA / "ksef_fa3_rozliczenie_do_zaplaty.xml", "r.xml")
    assert (rec.kind, rec.gross, rec.net, rec.vat) == ("invoice", Decimal(240), Decimal(200), Decimal(10))
    assert "taken from Rozliczenie/DoZaplaty (P_15 is 210.00 PLN" in rec.notes[0]


def test_ksef_buyer_without_a_name_is_named_after_its_nip(tmp_path: Path) -> None:
    [rec] = ksef.read(DATA / "ksef_fa3_buyer_without_name.xml", "b.xml")
    assert (rec.buyer.name, rec.buyer.tax_id) == ("5252344078 (no name in the file)", "5252344078")
    assert "the buyer has no name in the file" in rec.notes[0]
    path = tmp_path / "n.xml"
    path.write_text((DATA / "ksef_fa3_buyer_without_name.xml").read_text(encoding="utf-8").replace(
        "<NIP>5252344078</NIP>", "<BrakID>1</BrakID>"), encoding="utf-8")
    with pytest.raises(UserError, match=r"^n\.xml: /Faktura/Podmiot2/DaneIdentyfikacyjne/Nazwa: missing \(the buyer"):
        list(ksef.read(path, "n.xml"))

def test_ksef_missing_amount_is_named_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "m.xml"
    path.write_text((DATA / "ksef_fa3_invoice.xml").read_text(encoding="utf-8").replace(
        "<P_15>1230.00</P_15>", ""), encoding="utf-8")
    with pytest.raises(UserError, match=r"^m\.xml: /Faktura/Fa/P_15: missing$"):
        list(ksef.read(path, "m.xml"))


def test_csv_line_items_make_one_invoice_and_blank_rows_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text("number,contractor,date,gross\nL/1,Eta,2026-03-01,10\n\nL/1,Eta,2026-03-01,10\nL/2,Eta,"
                    "2026-03-01,5\n")
    recs = list(invoice_csv.read(path, "l.csv", Mapping(), "PLN"))
    assert [(r.number, r.place) for r in recs] == [("L/1", "line 2"), ("L/2", "line 5")]


def test_csv_quoted_multiline_cell_keeps_editor_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('number,contractor,date,gross\nQ/1,"Eta\nSecond line",2026-03-01,10\nQ/2,Eta,2026-03-01,x\n')
    with pytest.raises(UserError, match=r'^q\.csv: line 4: gross: "x" is not an amount$'):
        list(invoice_csv.read(path, "q.csv", Mapping(), "PLN"))


def test_damaged_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(UserError, match=r"^d\.xlsx: is not a readable XLSX workbook"):
        list(invoice_xlsx.read(path, "d.xlsx", Mapping(), "PLN"))
