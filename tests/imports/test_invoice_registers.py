"""Invoice registers as Polish and Czech accounting programs export them (Subiekt, Optima, wFirma, POHODA,
Money S3, ABRA Flexi, Fakturoid): what their columns mean is read as a bookkeeper would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from helpers.invoice_imports import make_firm, run_import
from openpyxl import Workbook
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Contractor, Invoice
from collector_app.domain.clock import FixedClock
from collector_app.imports import invoice_xlsx
from collector_app.imports.common import InvoiceRecord, SkippedRow
from collector_app.imports.invoice_csv import NO_DUE_COLUMN, Mapping, read

D = Decimal


def _read(tmp_path: Path, text: str, currency: str = "PLN") -> list[InvoiceRecord | SkippedRow]:
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    return list(read(path, path.name, Mapping(), currency))


def _invoices(rows: list[InvoiceRecord | SkippedRow]) -> list[InvoiceRecord]:
    return [r for r in rows if isinstance(r, InvoiceRecord)]


def test_specific_headers_win_over_generic_ones(tmp_path: Path) -> None:
    [rec] = _invoices(_read(tmp_path, (
        "Nr;Data wystawienia;Nr faktury;Kontrahent;Nazwa kontrahenta;Splatnost;Datum splatnosti;Brutto\n"
        "1;02.03.2026;FV/101/2026;ZAKŁAD;Zakład Stolarski Drewnex Sp.j.;14;16.03.2026;1 230,00\n")))
    assert (rec.number, rec.buyer.name, rec.due_date) == ("FV/101/2026", "Zakład Stolarski Drewnex Sp.j.",
                                                          dt.date(2026, 3, 16))


def test_a_due_column_with_a_number_of_days_is_payment_terms(tmp_path: Path) -> None:
    [rec] = _invoices(_read(tmp_path, "Číslo;Odběratel;Vystaveno;Splatnost;Celkem\n"
                                      "FV260001;Horák s.r.o.;02.03.2026;14;12 100,00\n", "CZK"))
    assert (rec.due_date, rec.terms_days) == (None, 14)


def test_a_foreign_invoice_owes_its_own_currencys_amount_not_the_registers_home_total(tmp_path: Path) -> None:
    recs = _invoices(_read(tmp_path, (
        "Numer;Kontrahent;Data wystawienia;Termin płatności;Brutto;Waluta;Kurs;Brutto w walucie\n"
        "FA/7/2026;Alpine Trade GmbH;02.03.2026;16.03.2026;4 305,00;EUR;4,3050;1 000,00\n"
        "FA/8/2026;Nowak sp. z o.o.;02.03.2026;16.03.2026;1 230,00;PLN;;\n")))
    assert [(r.number, r.gross, r.currency) for r in recs] == [("FA/7/2026", D("1000.00"), "EUR"),
                                                               ("FA/8/2026", D("1230.00"), "PLN")]


def test_rows_per_vat_rate_are_summed_and_a_total_repeated_on_each_line_is_not(tmp_path: Path) -> None:
    recs = _invoices(_read(tmp_path, (
        "Lp;Numer dokumentu;Data wystawienia;Termin;Kontrahent;Netto;Stawka VAT;VAT;Brutto\n"
        "1;FV 4/2026;02.03.2026;16.03.2026;Eta;100,00;23%;23,00;123,00\n"
        "2;FV 4/2026;02.03.2026;16.03.2026;Eta;100,00;5%;5,00;105,00\n"
        "3;FV 5/2026;02.03.2026;16.03.2026;Beta;100,00;23%;23,00;231,00\n"
        "4;FV 5/2026;02.03.2026;16.03.2026;Beta;100,00;8%;8,00;231,00\n")))
    assert [(r.number, r.gross) for r in recs] == [("FV 4/2026", D("228.00")), ("FV 5/2026", D("231.00"))]
    assert any("different VAT rates (Stawka VAT) are summed" in n for n in recs[0].notes)
    assert not any("summed" in n for n in recs[1].notes)


def test_currency_written_as_the_programs_write_it(tmp_path: Path) -> None:
    recs = _invoices(_read(tmp_path, "Doklad;Odběratel;Vystaveno;Splatno;Celkem;Měna\n"
                                      "1;Horák;02.03.2026;16.03.2026;100,00;Kč\n"
                                      "2;Nowak;02.03.2026;16.03.2026;100,00;zł\n"
                                      "3;Alpine;02.03.2026;16.03.2026;100,00;code:EUR\n", "CZK"))
    assert [r.currency for r in recs] == ["CZK", "PLN", "EUR"]


def test_a_tax_id_that_says_there_is_none_is_none(tmp_path: Path) -> None:
    recs = _invoices(_read(tmp_path, "Numer;Kontrahent;NIP;Data wystawienia;Termin;Brutto\n"
                                      "FV/1/2026;Jan Kowalski;brak;02.03.2026;16.03.2026;100,00\n"
                                      "FV/2/2026;Anna Nowak;brak;02.03.2026;16.03.2026;100,00\n"
                                      "FV/3/2026;Piotr Zieliński;-;02.03.2026;16.03.2026;100,00\n"
                                      "FV/4/2026;Omega sp. z o.o.;526-025-02-74;02.03.2026;16.03.2026;100,00\n"))
    assert [r.buyer.tax_id for r in recs] == [None, None, None, "526-025-02-74"]
    notes = [n for r in recs for n in r.notes]
    assert notes == ['tax id "brak" (NIP) says there is none: such buyers are told apart by name',
                     'tax id "-" (NIP) says there is none: such buyers are told apart by name']


def test_buyers_without_a_tax_id_are_not_merged_into_one_contractor(ledger: Ledger, clock: FixedClock,
                                                                     tmp_path: Path) -> None:
    make_firm(ledger, clock)
    path = tmp_path / "vat.csv"
    path.write_text("Numer;Kontrahent;NIP;Data wystawienia;Termin;Brutto\n"
                    "FV/1/2026;Jan Kowalski;brak;02.03.2026;16.03.2026;100,00\n"
                    "FV/2/2026;Anna Nowak;BRAK;02.03.2026;16.03.2026;100,00\n", encoding="utf-8")
    run_import(ledger, clock, path)
    with ledger.transaction() as s:
        owners = {n: c for n, c in s.execute(select(Invoice.number, Contractor.name).join(Contractor))}
        tax_ids = set(s.scalars(select(Contractor.tax_id)))
    assert owners == {"FV/1/2026": "Jan Kowalski", "FV/2/2026": "Anna Nowak"}
    assert tax_ids == {None}


def test_a_private_buyer_named_only_in_the_person_column(tmp_path: Path) -> None:
    recs = _invoices(_read(tmp_path, "Číslo;Datum;Splatno;Firma;Jméno;IČ;Celkem\n"
                                      "260000010;02.03.2026;16.03.2026;Horák s.r.o.;Jan Horák;25596641;100,00\n"
                                      "260000011;02.03.2026;16.03.2026;;Petra Malá;;200,00\n", "CZK"))
    assert [r.buyer.name for r in recs] == ["Horák s.r.o.", "Petra Malá"]


def test_pro_forma_and_cancelled_documents_are_skipped_and_listed(tmp_path: Path) -> None:
    rows = _read(tmp_path, "Numer;Rodzaj;Kontrahent;Data wystawienia;Termin;Brutto;Storno\n"
                           "FV 1/2026;Faktura VAT;Eta;02.03.2026;16.03.2026;100,00;\n"
                           "PRO 3/2026;Proforma;Eta;02.03.2026;16.03.2026;100,00;\n"
                           "FV 2/2026;Faktura VAT;Eta;02.03.2026;16.03.2026;100,00;Ano\n")
    assert [r.number for r in _invoices(rows)] == ["FV 1/2026"]
    assert [r.reason for r in rows if isinstance(r, SkippedRow)] == [
        '"PRO 3/2026": a pro forma invoice (Rodzaj: Proforma), not a debt to chase',
        '"FV 2/2026": cancelled (Storno: Ano), not a debt to chase']


def test_what_the_register_says_was_paid_is_a_warning_not_a_payment(tmp_path: Path) -> None:
    recs = _invoices(_read(tmp_path, (
        "Numer;Kontrahent;Data wystawienia;Termin płatności;Brutto;Pozostało do zapłaty\n"
        "FS 3/2026;Eta;02.03.2026;16.03.2026;5 533,71;2 766,85\n"
        "FS 14/2026;Eta;02.03.2026;16.03.2026;1 230,00;0,00\n"
        "FS 15/2026;Eta;02.03.2026;16.03.2026;1 230,00;1 230,00\n")))
    assert [r.gross for r in recs] == [D("5533.71"), D("1230.00"), D("1230.00")]
    assert recs[0].notes == ["the file says 2766.85 of 5533.71 PLN left to pay (Pozostało do zapłaty): payments "
                             "are not booked from an invoice file; import the bank statement or enter the payment"]
    assert recs[1].notes[0].startswith("the file says 0.00 of 1230.00 PLN left to pay")
    assert recs[2].notes == []


def test_a_totals_row_that_counts_the_documents_is_skipped(tmp_path: Path) -> None:
    rows = _read(tmp_path, "Numer;Kontrahent;Data wystawienia;Termin;Brutto\n"
                           "FV/1/2026;Eta;02.03.2026;16.03.2026;1 230,00\n"
                           "FV/2/2026;Beta;02.03.2026;16.03.2026;2 460,00\n"
                           "Razem (2 dokumenty);;;;3 690,00\n")
    assert len(_invoices(rows)) == 2
    assert [r.reason for r in rows if isinstance(r, SkippedRow)] == [
        '"Razem (2 dokumenty)": a totals row, not an invoice']


def test_variable_symbol_and_e_mail_captions(tmp_path: Path) -> None:
    [rec] = _invoices(_read(tmp_path, "Číslo;Odběratel;E-mail odběratele;Vystaveno;Splatno;Celkem;Varsym\n"
                                      "FAV-0005/2026;Horák;fakturace@horak.example;02.03.2026;16.03.2026;"
                                      "10 000,00;20260005\n", "CZK"))
    assert (rec.variable_symbol, rec.buyer.email) == ("20260005", "fakturace@horak.example")


def test_a_file_without_a_due_column_says_where_due_dates_come_from(tmp_path: Path) -> None:
    first, second = _invoices(_read(tmp_path, "Numer;Kontrahent;Data wystawienia;Brutto\n"
                                              "FV/1/2026;Eta;02.03.2026;100,00\nFV/2/2026;Eta;02.03.2026;100,00\n"))
    assert (first.notes, second.notes) == ([NO_DUE_COLUMN], [])


def test_an_ico_kept_as_a_number_gets_its_leading_zero_back(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Číslo", "Odběratel", "IČ", "Vystaveno", "Splatno", "Celkem"])
    sheet.append(["FV1", "Účetní kancelář Horáková, s.r.o.", 8183651, dt.date(2026, 3, 2), dt.date(2026, 3, 16), 100])
    path = tmp_path / "ico.xlsx"
    book.save(path)
    [rec] = [r for r in invoice_xlsx.read(path, path.name, Mapping(), "CZK") if isinstance(r, InvoiceRecord)]
    assert rec.buyer.tax_id == "08183651"


def test_a_buyer_without_a_dic_is_known_by_its_ico(tmp_path: Path) -> None:
    """POHODA, Money S3, Fakturoid list IČ and DIČ apart; a buyer who is no VAT payer has no DIČ, and its IČO
    is how it is told apart (and found again by the next file)."""
    rows = _invoices(_read(tmp_path, "Číslo;Datum;Splatno;Firma;IČ;DIČ;Celkem\n"
                                     "FV1;01.03.2026;15.03.2026;Pekárna Horák s.r.o.;1234567;;1000,00\n"
                                     "FV2;02.03.2026;16.03.2026;Kovo a.s.;27074358;CZ27074358;500,00\n", "CZK"))
    assert [r.buyer.tax_id for r in rows] == ["01234567", "CZ27074358"]


def test_a_rounded_total_is_what_is_owed(tmp_path: Path) -> None:
    """ERPNext's sales register gives the grand total and the rounded total the customer pays."""
    rows = _invoices(_read(tmp_path, "Invoice;Customer;Posting Date;Grand Total;Rounded Total;Currency\n"
                                     "ACC-SINV-1;Acme Ltd;2026-03-01;5000.01;5000.00;EUR\n", "EUR"))
    assert [r.gross for r in rows] == [Decimal("5000.00")]


def test_a_tax_document_for_a_payment_received_is_skipped_as_such_not_as_a_purchase(tmp_path: Path) -> None:
    """POHODA's "Daňový doklad k přijaté platbě" confirms an advance the firm was paid: nothing to chase."""
    rows = _read(tmp_path, "Číslo;Typ;Datum;Firma;Celkem\n"
                           "ZL1;Daňový doklad k přijaté platbě;01.03.2026;Horák s.r.o.;1000,00\n"
                           "FV2;Faktura;02.03.2026;Horák s.r.o.;500,00\n"
                           "PF3;Přijatá faktura;02.03.2026;Dodavatel a.s.;300,00\n", "CZK")
    assert [r.number for r in _invoices(rows)] == ["FV2"]
    reasons = [r.reason for r in rows if isinstance(r, SkippedRow)]
    assert "a tax document for a payment already received" in reasons[0] and "purchase" in reasons[1]
