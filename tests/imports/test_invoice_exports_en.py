"""Invoice lists as English-language programs export them (Xero, QuickBooks, Zoho, FreshBooks, InvoiceNinja,
Odoo, ERPNext, Dolibarr): document types, statuses, balances, grouped lists, encodings and dollars."""

from __future__ import annotations

import codecs
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.invoice_imports import documents, run_import
from openpyxl import Workbook

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.imports import invoice_xlsx
from collector_app.imports.common import InvoiceRecord, SkippedRow, detect_encoding, guess_single_byte
from collector_app.imports.invoice_csv import Mapping, read

D = Decimal
HEAD = "Number,Client,Date,Due Date,Total"


def _read(tmp_path: Path, text: str, currency: str = "USD", mapping: Mapping | None = None,
          encoding: str = "utf-8") -> list[InvoiceRecord | SkippedRow]:
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    return list(read(path, path.name, mapping or Mapping(), currency))


def _invoices(rows: list[InvoiceRecord | SkippedRow]) -> list[InvoiceRecord]:
    return [r for r in rows if isinstance(r, InvoiceRecord)]


def _skipped(rows: list[InvoiceRecord | SkippedRow]) -> list[str]:
    return [r.reason for r in rows if isinstance(r, SkippedRow)]


def _notes(rows: list[InvoiceRecord | SkippedRow]) -> list[str]:
    return [n for r in _invoices(rows) for n in r.notes]


# -- 1. the type column: credit notes, corrections, purchase documents ---------------------------------------


@pytest.mark.parametrize("kind", ["Sales credit note", "Credit Note", "Customer Credit Note", "Credit Memo",
                                  "Korekta", "Faktura korygująca", "Dobropis", "Opravný daňový doklad", "Gutschrift",
                                  "Korekta zmniejszająca", "ACCRECCREDIT"])
def test_a_credit_note_by_its_type_is_credited_whatever_its_sign(tmp_path: Path, kind: str) -> None:
    rows = _read(tmp_path, f"{HEAD},Type\nINV-1,Eta,2026-03-02,2026-03-16,458.24,Sales invoice\n"
                           f"CN-1,Eta,2026-03-03,,458.24,{kind}\nCN-2,Eta,2026-03-04,,-100.00,{kind}\n")
    assert [(r.number, r.kind, r.gross) for r in _invoices(rows)] == [
        ("INV-1", "invoice", D("458.24")), ("CN-1", "credit_note", D("-458.24")), ("CN-2", "credit_note", D("-100.00"))]


def test_the_summary_says_why_a_positive_credit_note_or_correction_was_credited(tmp_path: Path) -> None:
    rows = _read(tmp_path, f"{HEAD},Type\nCN-1,Eta,2026-03-03,,10.00,Sales credit note\n"
                           "CN-2,Eta,2026-03-03,,20.00,Sales credit note\nFK-1,Eta,2026-03-04,,30.00,Korekta\n")
    cn1, cn2, fk1 = _invoices(rows)
    assert cn1.notes[0] == ("credit notes are told by their type (Type: Sales credit note): an amount written "
                            "positive is the amount credited, money owed back or offset")
    assert not any("credit notes are told" in n for n in cn2.notes)  # said once per file
    assert fk1.notes[0].startswith("a correction (Type: Korekta) with a positive amount (30.00 USD) is taken as a "
                                   "credit note")


@pytest.mark.parametrize("kind", ["Korekta zwiększająca", "Vrubopis", "Debit note", "Sales invoice", "Faktura VAT"])
def test_a_debit_note_or_an_invoice_stays_owed(tmp_path: Path, kind: str) -> None:
    [rec] = _invoices(_read(tmp_path, f"{HEAD},Type\nD-1,Eta,2026-03-03,,30.00,{kind}\n"))
    assert (rec.kind, rec.gross) == ("invoice", D("30.00"))


def test_a_file_of_credit_notes_is_told_by_its_number_column(tmp_path: Path) -> None:
    """Zoho's credit-note export: no type column, but "Credit Note Number" and "Credit Note Date"."""
    rows = _read(tmp_path, "Credit Note Date,Credit Note Number,Credit Note Status,Customer Name,Total,Balance\n"
                           "2021-02-05,CN-00001,Open,Highlander,25.50,25.50\n"
                           "2021-02-09,CN-00002,Closed,Simpsons Baking Co,40.00,0.00\n")
    recs = _invoices(rows)
    assert [(r.number, r.kind, r.gross, r.issue_date) for r in recs] == [
        ("CN-00001", "credit_note", D("-25.50"), dt.date(2021, 2, 5)),
        ("CN-00002", "credit_note", D("-40.00"), dt.date(2021, 2, 9))]
    assert recs[1].notes[0].startswith("the file says 0.00 of 40.00 USD left to refund or offset (Balance)")


@pytest.mark.parametrize("kind", ["Bill", "Vendor Bill", "Purchase", "Purchase invoice", "Zakup",
                                  "Faktura zakupu", "Přijatá faktura", "Supplier credit note", "FZ"])
def test_a_purchase_document_is_skipped_as_no_sales_document(tmp_path: Path, kind: str) -> None:
    rows = _read(tmp_path, f"{HEAD},Type\nB-1,Supplier Ltd,2026-03-02,2026-03-16,100.00,{kind}\n"
                           f"B-1,Supplier Ltd,2026-03-02,2026-03-16,100.00,{kind}\n"
                           "INV-1,Eta,2026-03-02,2026-03-16,50.00,Sales invoice\n")
    assert [r.number for r in _invoices(rows)] == ["INV-1"]
    assert _skipped(rows) == [f'"B-1": a purchase document (Type: {kind}), not a sales document of the firm']


def test_xero_sales_and_bills_through_the_ledger(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    """A Xero-shaped export: line rows repeating the total, a positive credit note, a bill, a void invoice."""
    head = "ContactName,InvoiceNumber,InvoiceDate,DueDate,Total,InvoiceAmountPaid,InvoiceAmountDue,LineAmount," \
           "Currency,Type,Status\n"
    path = tmp_path / "xero.csv"
    path.write_text(head + "Jellyfish,INV-3440,11/06/2025,11/07/2025,1580.94,0.00,1580.94,458.24,ZAR,Sales invoice,"
                           "Awaiting Payment\n"
                           "Jellyfish,INV-3440,11/06/2025,11/07/2025,1580.94,0.00,1580.94,1122.70,ZAR,Sales invoice,"
                           "Awaiting Payment\n"
                           "Jellyfish,CN-0091,30/06/2025,,458.24,0.00,458.24,458.24,ZAR,Sales credit note,"
                           "Awaiting Payment\n"
                           "Harbour Deli,INV-3441,24/06/2025,24/07/2025,2415.00,2415.00,0.00,2415.00,ZAR,"
                           "Sales invoice,Paid\n"
                           "Karoo,INV-3439,01/06/2025,01/07/2025,460.00,0.00,0.00,460.00,ZAR,Sales invoice,Voided\n"
                           "Meat Co,BILL-7,02/06/2025,02/07/2025,999.00,0.00,999.00,999.00,ZAR,Bill,Awaiting Payment\n",
                    encoding="utf-8")
    result = run_import(ledger, clock, path)
    docs = documents(ledger)
    assert {n: (d.kind, d.gross) for n, d in docs.items()} == {
        "INV-3440": ("invoice", D("1580.94")), "CN CN-0091": ("credit_note", D("-458.24")),
        "INV-3441": ("invoice", D("2415.00"))}
    assert [s["reason"] for s in result.summary.skipped] == [
        '"INV-3439": cancelled (Status: Voided), not a debt to chase',
        '"BILL-7": a purchase document (Type: Bill), not a sales document of the firm']
    assert any(w["ref"] == "INV-3441" and "0.00 of 2415.00 ZAR left to pay (InvoiceAmountDue)" in w["text"]
               for w in result.summary.warnings)


# -- 2. the status column ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "reason"), [
    ("Void", "cancelled"), ("Voided", "cancelled"), ("Cancelled", "cancelled"), ("canceled", "cancelled"),
    ("Deleted", "cancelled"), ("Reversed", "reversed"), ("Anulowana", "cancelled"), ("Stornováno", "cancelled"),
    ("Zrušeno", "cancelled"), ("Storniert", "cancelled"), ("Draft", "a draft"), ("Szkic", "a draft"),
    ("Koncept", "a draft"), ("Entwurf", "a draft")])
def test_a_void_cancelled_or_draft_status_skips_the_document(tmp_path: Path, status: str, reason: str) -> None:
    rows = _read(tmp_path, f"{HEAD},Invoice Status\nINV-1,Eta,2026-03-02,2026-03-16,100.00,{status}\n"
                           f"INV-1,Eta,2026-03-02,2026-03-16,100.00,{status}\n"
                           "INV-2,Eta,2026-03-02,2026-03-16,200.00,Sent\n")
    assert [r.number for r in _invoices(rows)] == ["INV-2"]
    tail = "not an issued document to chase" if reason == "a draft" else "not a debt to chase"
    assert _skipped(rows) == [f'"INV-1": {reason} (Invoice Status: {status}), {tail}']


@pytest.mark.parametrize("status", ["Sent", "Awaiting Payment", "Overdue", "Posted", "Not Paid", "Unpaid", "Viewed"])
def test_an_open_status_imports_without_a_word(tmp_path: Path, status: str) -> None:
    rows = _read(tmp_path, f"{HEAD},Status\nINV-1,Eta,2026-03-02,2026-03-16,100.00,{status}\n")
    assert [(r.number, r.notes) for r in _invoices(rows)] == [("INV-1", [])]


@pytest.mark.parametrize(("header", "value", "said"), [
    ("Status", "Paid", "it is paid (Status: Paid)"),
    ("Invoice Status", "paid", "it is paid (Invoice Status: paid)"),
    ("Status", "Zapłacona", "it is paid (Status: Zapłacona)"),
    ("Stav", "Uhrazeno", "it is paid (Stav: Uhrazeno)"),
    ("Status", "PartiallyPaid", "it is partly paid (Status: PartiallyPaid)"),
    ("Payment Status", "In Payment", "it is paid (Payment Status: In Payment)"),
    ("Date Paid", "2026-03-10", "it was paid on 2026-03-10 (Date Paid)"),
    ("Invoice paid", "1", "it is paid (Invoice paid: 1)"),
    ("Paid", "Yes", "it is paid (Paid: Yes)")])
def test_a_paid_status_is_a_warning_not_a_payment(tmp_path: Path, header: str, value: str, said: str) -> None:
    [rec] = _invoices(_read(tmp_path, f"{HEAD},{header}\nINV-1,Eta,2026-03-02,2026-03-16,100.00,{value}\n"))
    assert (rec.gross, rec.notes) == (D("100.00"), [
        f"the file says {said}: payments are not booked from an invoice file; import the bank statement or enter "
        "the payment"])


def test_the_payment_status_says_more_than_the_document_status(tmp_path: Path) -> None:
    """Odoo writes both: Status "Posted" and Payment Status "Paid" or "Reversed"."""
    rows = _read(tmp_path, f"{HEAD},Status,Payment Status\nINV-1,Eta,2026-03-02,2026-03-16,100.00,Posted,Paid\n"
                           "INV-2,Eta,2026-03-02,2026-03-16,100.00,Posted,Reversed\n"
                           "INV-3,Eta,2026-03-02,2026-03-16,100.00,Cancelled,Not Paid\n")
    assert [r.number for r in _invoices(rows)] == ["INV-1"]
    assert "it is paid (Payment Status: Paid)" in _notes(rows)[0]
    assert _skipped(rows) == ['"INV-2": reversed (Payment Status: Reversed), not a debt to chase',
                              '"INV-3": cancelled (Status: Cancelled), not a debt to chase']


# -- 3. English balance and paid columns ---------------------------------------------------------------------


@pytest.mark.parametrize("header", ["Open balance", "Balance", "Amount Due", "InvoiceAmountDue", "Outstanding Amount",
                                   "BalanceDueAmount", "Amount Outstanding"])
def test_an_english_balance_column_is_a_warning(tmp_path: Path, header: str) -> None:
    [rec] = _invoices(_read(tmp_path, f"{HEAD},{header}\nINV-1,Eta,2026-03-02,2026-03-16,\"1,250.00\",0.00\n"))
    assert rec.notes == [f"the file says 0.00 of 1250.00 USD left to pay ({header}): payments are not booked from "
                         "an invoice file; import the bank statement or enter the payment"]


@pytest.mark.parametrize("header", ["Amount Paid", "InvoiceAmountPaid", "Paid to Date", "AmountPaidAmount", "Paid"])
def test_an_english_paid_column_is_a_warning(tmp_path: Path, header: str) -> None:
    [rec] = _invoices(_read(tmp_path, f"{HEAD},{header}\nINV-1,Eta,2026-03-02,2026-03-16,605.50,605.5\n"))
    assert rec.notes[0].startswith(f"the file says 605.50 of 605.50 USD paid ({header})")


# -- 4. Odoo -------------------------------------------------------------------------------------------------

ODOO_HEAD = ("Number", "Invoice Partner Display Name", "Invoice/Bill Date", "Due Date", "Salesperson",
             "Untaxed Amount Signed", "Total Signed", "Total in Currency Signed", "Currency", "Payment Status",
             "Status")


def _odoo(tmp_path: Path, grouped: bool = False) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(ODOO_HEAD)
    if grouped:
        sheet.append(("February 2026 (2)", None, None, None, None, None, 5510.5, 2230, None, None, None))
    sheet.append(("INV/2026/00041", "Kowalski Trading", dt.datetime(2026, 2, 2), dt.datetime(2026, 3, 4), "Admin",
                  1000, 1230, 1230, "PLN", "Not Paid", "Posted"))
    sheet.append(("INV/2026/00043", "Azure Interior GmbH", dt.datetime(2026, 2, 3), dt.datetime(2026, 3, 5),
                  "Admin", 4280.5, 4280.5, 1000, "EUR", "Not Paid", "Posted"))
    path = tmp_path / "odoo.xlsx"
    book.save(path)
    return path


def _odoo_read(path: Path, mapping: Mapping | None = None) -> list[InvoiceRecord | SkippedRow]:
    return list(invoice_xlsx.read(path, path.name, mapping or Mapping(), "PLN"))


def test_odoos_default_export_is_read_without_a_mapping_in_each_invoices_currency(tmp_path: Path) -> None:
    recs = _invoices(_odoo_read(_odoo(tmp_path)))
    assert [(r.number, r.buyer.name, r.issue_date, r.gross, r.currency) for r in recs] == [
        ("INV/2026/00041", "Kowalski Trading", dt.date(2026, 2, 2), D("1230"), "PLN"),
        ("INV/2026/00043", "Azure Interior GmbH", dt.date(2026, 2, 3), D("1000"), "EUR")]


def test_odoos_company_currency_total_gives_way_to_the_total_in_currency(tmp_path: Path) -> None:
    mapping = Mapping(columns={"number": "Number", "contractor": "Invoice Partner Display Name",
                               "issue_date": "Invoice/Bill Date", "gross": "Total Signed", "currency": "Currency"})
    recs = _invoices(_odoo_read(_odoo(tmp_path), mapping))
    assert [(r.gross, r.currency) for r in recs] == [(D("1230"), "PLN"), (D("1000"), "EUR")]


@pytest.mark.parametrize("header", ["Invoice ref.,Company name,Invoice date,Total (inc. tax)",  # Dolibarr
                                    "Voucher,Customer Name,Posting Date,Grand Total",  # ERPNext
                                    "invoice_number,customer_name,invoiced_at,amount",  # Akaunting
                                    "Num,Client full name,Transaction date,Amount"])  # QuickBooks reports
def test_other_programs_headers_are_found_without_a_mapping(tmp_path: Path, header: str) -> None:
    [rec] = _invoices(_read(tmp_path, f"{header}\nA-1,Eta Ltd,2026-03-02,120.00\n"))
    assert (rec.number, rec.buyer.name, rec.issue_date, rec.gross) == ("A-1", "Eta Ltd", dt.date(2026, 3, 2),
                                                                       D("120.00"))


# -- 5. payment rows -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Sales overpayment", "Sales prepayment", "Payment", "Receive Money"])
def test_a_payment_row_without_a_number_is_skipped_and_listed(tmp_path: Path, kind: str) -> None:
    rows = _read(tmp_path, f"{HEAD},Type\nINV-1,Harbour Deli,2026-03-02,2026-03-16,100.00,Sales invoice\n"
                           f",Harbour Deli,2026-03-05,,150.00,{kind}\n")
    assert [r.number for r in _invoices(rows)] == ["INV-1"]
    assert _skipped(rows) == [f"no number, Harbour Deli: a payment (Type: {kind}), not a document to chase"]


def test_an_ordinary_row_without_a_number_is_still_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"^export\.csv: line 2: Number: is empty$"):
        _read(tmp_path, f"{HEAD},Type\n,Harbour Deli,2026-03-02,2026-03-16,100.00,Sales invoice\n")


# -- 6. grouped lists ----------------------------------------------------------------------------------------


def test_a_grouped_lists_heading_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    rows = _odoo_read(_odoo(tmp_path, grouped=True))
    assert [r.number for r in _invoices(rows)] == ["INV/2026/00041", "INV/2026/00043"]
    assert _skipped(rows) == ['"February 2026 (2)": a group heading or subtotal row (only it and amounts are '
                              "filled), not an invoice"]


def test_a_customer_heading_above_its_invoices_is_skipped(tmp_path: Path) -> None:
    rows = _read(tmp_path, "Date,Num,Customer,Amount\n,,Fictive Quartet,\n2026-01-05,1001,Fictive Quartet,100.00\n"
                           ',,Smith & Co (1),"1,250.00"\n2026-01-19,1002,Smith & Co,1250.00\n')
    assert [r.number for r in _invoices(rows)] == ["1001", "1002"]
    assert len(_skipped(rows)) == 2


def test_a_number_alone_with_an_amount_is_still_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"line 2: Date: is empty \(expected a date\)"):
        _read(tmp_path, f"{HEAD}\nINV-9,,,,100.00\n")


# -- 7. and 8. encodings -------------------------------------------------------------------------------------

FRENCH = "Number;Client;Date;Total\nFA-1;Crêperie Bretonne;2026-03-02;96,00\nFA-2;Hôtel du Lac;2026-03-03;12,00\n"


@pytest.mark.parametrize("currency", ["PLN", "EUR"])
def test_a_latin1_file_is_read_as_western_european_and_the_summary_says_so(tmp_path: Path, currency: str) -> None:
    rows = _read(tmp_path, FRENCH, currency, encoding="latin-1")
    assert [r.buyer.name for r in _invoices(rows)] == ["Crêperie Bretonne", "Hôtel du Lac"]
    assert _notes(rows)[0] == ("the text is not UTF-8: read as cp1252 (Windows Western European, ISO-8859-1), whose "
                               'letters fit it best (ê); if names look wrong, choose the encoding in the import '
                               'wizard or name it in a mapping (e.g. "encoding": "cp1250")')


def test_a_cp1250_file_stays_central_european_and_the_summary_says_so(tmp_path: Path) -> None:
    rows = _read(tmp_path, "Numer;Kontrahent;Data;Brutto\nFV/1;Zakład Usług Łódź;2026-03-02;1,00\n"
                           "FV/2;Dvořák s.r.o.;2026-03-02;2,00\n", "EUR", encoding="cp1250")
    assert [r.buyer.name for r in _invoices(rows)] == ["Zakład Usług Łódź", "Dvořák s.r.o."]
    assert _notes(rows)[0].startswith("the text is not UTF-8: read as cp1250 (Windows Central European), whose "
                                      "letters fit it best (")


@pytest.mark.parametrize(("text", "encoding"), [
    ("Crêperie Hôtel Peña Caffè Città São João", "cp1252"), ("Zażółć gęślą jaźń Śląsk", "cp1250"),
    ("Zażółć gęślą jaźń Śląsk", "iso-8859-2"), ("Řezníček Dvořák Žďár Šťastný", "cp1250"),
    ("Řezníček Dvořák Žďár Šťastný", "iso-8859-2")])
def test_the_single_byte_encoding_is_the_one_whose_letters_fit(text: str, encoding: str) -> None:
    for prefer in ("cp1250", "cp1252"):
        assert guess_single_byte(text.encode(encoding), prefer) == encoding


def test_a_tie_goes_to_the_firms_side_of_europe(tmp_path: Path) -> None:
    """"Crêpe" alone reads as Polish "Crępe" as well as French: the firm's currency decides."""
    path = tmp_path / "tie.csv"
    path.write_bytes("Crêpe".encode("latin-1"))
    assert detect_encoding(path) == "cp1250"
    assert detect_encoding(path, prefer="cp1252") == "cp1252"


INVOICELY = "Date\tDetails\tClient\tTotal\nJan 28 2021\tINV-1\tBruce Wayne\t\"1,020.00\"\n"


@pytest.mark.parametrize(("data", "named"), [
    (INVOICELY.encode("utf-16-le"), None), (INVOICELY.encode("utf-16-be"), None),
    (INVOICELY.encode("utf-16-le"), "utf-16"), (codecs.BOM_UTF16_LE + INVOICELY.encode("utf-16-le"), "utf-16-le"),
    (codecs.BOM_UTF16_BE + INVOICELY.encode("utf-16-be"), "utf-16-le"),
    (codecs.BOM_UTF16_LE + INVOICELY.encode("utf-16-le"), "UTF-16")])
def test_utf16_with_or_without_a_bom_whatever_variant_is_named(tmp_path: Path, data: bytes, named: str | None) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes(data)
    mapping = Mapping(columns={"number": "Details", "contractor": "Client", "issue_date": "Date", "gross": "Total"},
                      encoding=named) if named else Mapping()
    [rec] = _invoices(list(read(path, path.name, mapping, "USD")))
    assert (rec.number, rec.buyer.name, rec.gross) == ("INV-1", "Bruce Wayne", D("1020.00"))


def test_utf16_named_for_a_file_that_is_not_is_a_located_error_not_a_crash(tmp_path: Path) -> None:
    mapping = Mapping(columns={"number": "Number", "contractor": "Client", "issue_date": "Date", "gross": "Total"},
                      encoding="utf-16")
    with pytest.raises(UserError) as info:
        _read(tmp_path, f"{HEAD}\nINV-1,Eta,2026-03-02,2026-03-16,100.00\n", mapping=mapping)
    assert info.value.message == (
        'export.csv: line 1: the text is not utf-16 (the mapping\'s "encoding"): it does not start with a byte-order '
        'mark; name "utf-16-le" or "utf-16-be" if it is UTF-16 without one, else the encoding it is in')
    text = f"{HEAD}\nINV-1,Eta,2026-03-02,2026-03-16,100.00\n"
    mapping = Mapping(columns=mapping.columns, encoding="utf-16-le")  # UTF-8 read as UTF-16: CJK characters
    with pytest.raises(UserError, match=r"^export\.csv: line 1: no column \"Number\" .* encoding right\?"):
        _read(tmp_path, text + " " * (len(text) % 2), mapping=mapping)


# -- 9. and 10. dollars and the minus sign -------------------------------------------------------------------


@pytest.mark.parametrize(("firm", "read_as", "noted"), [("CAD", "CAD", True), ("AUD", "AUD", True),
                                                        ("USD", "USD", False), ("PLN", "USD", True)])
def test_a_bare_dollar_is_the_firms_dollar_else_usd(tmp_path: Path, firm: str, read_as: str, noted: bool) -> None:
    rows = _read(tmp_path, f"{HEAD}\nINV-1,Eta,2026-03-02,2026-03-16,$13.50\nINV-2,Eta,2026-03-02,2026-03-16,$1.00\n",
                 firm)
    assert [(r.gross, r.currency) for r in _invoices(rows)] == [(D("13.50"), read_as), (D("1.00"), read_as)]
    said = [n for n in _notes(rows) if '"$"' in n]
    assert len(said) == (1 if noted else 0)
    if noted:
        assert said[0].startswith(f'amounts in "$" with no currency column were read as {read_as}')


def test_a_unicode_minus_is_a_minus(tmp_path: Path) -> None:
    rows = _read(tmp_path, "Numer;Kontrahent;Data;Brutto\nK/1;Eta;2026-03-02;\u22121 234,56\n"
                           "K/2;Eta;2026-03-02;\u221212,00 zł\n", "PLN")
    assert [(r.kind, r.gross) for r in _invoices(rows)] == [("credit_note", D("-1234.56")),
                                                           ("credit_note", D("-12.00"))]


@pytest.mark.parametrize(("currency", "expected"), [("USD", "cp1252"), ("PLN", "cp1250")])
def test_the_wizards_preview_reads_a_file_as_the_import_does(tmp_path: Path, currency: str, expected: str) -> None:
    """A file whose letters fit cp1250 and cp1252 alike (é) goes by the firm's currency, in the preview too."""
    from collector_app.services.import_invoices import InvoiceImport, preview_file

    path = tmp_path / "tie.csv"
    path.write_bytes("Number;Client;Date;Total\nFA-1;Café Rivière;2026-03-02;96,00\n".encode("cp1252"))
    assert preview_file(InvoiceImport(path), currency).encoding == expected
