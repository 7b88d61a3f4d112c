"""Importing invoice files into the ledger: every format, contractors, credit notes, re-import, broken files."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.cli_support import ledger_dump
from helpers.invoice_imports import DATA, SAMPLES, documents, make_firm, run_import
from helpers.samples import needs_samples
from openpyxl import Workbook
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Contractor, Event
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.imports.invoice_csv import Mapping, load_mapping
from collector_app.services.context import Ctx
from collector_app.services.contractors import ContractorData, add_contractor
from collector_app.services.import_invoices import (
    CHUNK,
    ROWS_PER_STATEMENT,
    InvoiceImport,
    import_invoices,
    preview_file,
    save_mapping,
    saved_mapping,
)
from collector_app.services.invoices import InvoiceData, add_invoice


def _contractors(ledger: Ledger) -> dict[str, Contractor]:
    with ledger.transaction() as s:
        return {c.name: c for c in s.scalars(select(Contractor))}


def _warnings(result: object) -> str:
    return " | ".join(w["text"] for w in result.summary.warnings)  # type: ignore[attr-defined]


def test_cp1250_csv_with_its_mapping(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, DATA / "cp1250_semicolon_comma.csv",
                        mapping=load_mapping(DATA / "mapping_cp1250.json"))
    assert result.summary.created == 4  # FV/2 twice: one invoice of two line items
    docs = documents(ledger)
    assert docs["FV/1/2026"].gross == Decimal("1234.50")
    assert docs["FV/1/2026"].contractor.name == "Zakład Usług Łódź sp. z o.o."
    assert docs["FV/2/2026"].due_date == dt.date(2026, 3, 19)  # no due date: the firm's 14 days
    assert docs["FV/4/2026"].gross == Decimal("2000.00")
    note = docs["CN FV/3/2026"]
    assert note.gross == Decimal("-10.00")  # a negative gross is a credit note, unlinked: the contractor's credit
    assert note.contractor.name == '=HYPERLINK("http://x.example")+Żółw'  # formula-looking text is data
    assert docs["FV/1/2026"].source == "csv" and docs["FV/1/2026"].import_batch_id == result.batch_id
    firms = _contractors(ledger)
    assert firms["Zakład Usług Łódź sp. z o.o."].email == "biuro@zaklad.example"
    assert firms["Gamma Handel S.A."].tax_key == "5252344078"


def test_cp1250_csv_detected_without_a_mapping(ledger: Ledger, clock: FixedClock) -> None:
    result = run_import(ledger, clock, DATA / "cp1250_semicolon_comma.csv")
    assert result.summary.created == 4
    assert documents(ledger)["FV/1/2026"].gross == Decimal("1234.50")


def test_utf8_bom_csv_english_dates_and_a_bad_tax_id(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock, terms=21)
    result = run_import(ledger, clock, DATA / "utf8_bom_comma.csv")
    docs = documents(ledger)
    assert docs["INV-7"].gross == Decimal("1250.00") and docs["INV-7"].currency == "EUR"
    assert docs["INV-8"].issue_date == dt.date(2026, 2, 5) and docs["INV-8"].due_date == dt.date(2026, 3, 7)
    assert docs["INV-9"].due_date == dt.date(2026, 3, 3)  # the firm's 21 days
    assert docs["INV-7"].contractor_id == docs["INV-8"].contractor_id  # matched by exact name
    zenon = docs["INV-9"].contractor
    assert zenon.tax_id == "1234567890"  # kept as the file says …
    assert 'tax id "1234567890" of Zenon Zając fails its checksum' in _warnings(result)  # … and reported


def test_xlsx_streams_and_keeps_formula_text_as_data(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Invoice", "Customer", "Date", "Due date", "Amount"])
    sheet.append(["X/1", "Delta Ltd", dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 15), 120.5])
    sheet.append(["X/2", "Delta Ltd", "02.03.2026", None, "1 000,00"])
    sheet.append(["X/3", "=1+2", "2026-03-03", None, 7])
    sheet["B4"].data_type = "s"  # text that looks like a formula, as an export escapes it
    path = tmp_path / "book.xlsx"
    book.save(path)
    result = run_import(ledger, clock, path)
    assert result.summary.format == "xlsx" and result.summary.created == 3
    docs = documents(ledger)
    assert docs["X/1"].gross == Decimal("120.50") and docs["X/1"].due_date == dt.date(2026, 3, 15)
    assert docs["X/2"].gross == Decimal("1000.00")
    assert docs["X/3"].contractor.name == "=1+2"


def test_xlsx_formula_in_an_amount_is_not_evaluated(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["Invoice", "Customer", "Date", "Amount"])
    book.active.append(["X/1", "Delta Ltd", "2026-03-01", "=SUM(A1:A2)"])
    path = tmp_path / "f.xlsx"
    book.save(path)
    with pytest.raises(UserError, match=r'f\.xlsx: line 2: Amount: "=SUM\(A1:A2\)" is not an amount'):
        run_import(ledger, clock, path)


def test_ubl_invoice_from_the_firm(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, DATA / "ubl_invoice.xml")
    inv = documents(ledger)["UBL/10/2026"]
    assert (inv.gross, inv.currency, inv.net, inv.vat) == (Decimal("1000.00"), "EUR", Decimal(1000), Decimal(230))
    assert inv.due_date == dt.date(2026, 4, 1)  # "Payment within 30 days"
    alfa = inv.contractor
    assert (alfa.name, alfa.tax_key, alfa.city, alfa.email) == ("Alfa Metale S.A.", "7740001454", "Kraków",
                                                                "ksiegowosc@alfa.example")
    assert "prepaid 230.00 EUR" in _warnings(result)  # a payment inside an e-invoice is reported, not booked


def test_ubl_credit_note_is_offset_against_the_invoice_it_corrects(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, DATA / "ubl_invoice.xml")
    run_import(ledger, clock, DATA / "ubl_credit_note.xml")
    docs = documents(ledger)
    inv, note = docs["UBL/10/2026"], docs["CN UBL-CN/1/2026"]
    assert note.corrects_invoice_id == inv.id and note.contractor_id == inv.contractor_id
    assert (inv.paid, note.gross, note.paid) == (Decimal(150), Decimal(-150), Decimal(-150))


def test_a_credit_note_before_its_invoice_in_the_same_file_still_links(ledger: Ledger, clock: FixedClock,
                                                                       tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("number;contractor;date;gross\nK/1;Eta;2026-03-01;-5,00\nK/1;Eta;2026-03-01;50,00\n")
    result = run_import(ledger, clock, path)
    assert result.summary.created == 2
    docs = documents(ledger)
    assert docs["K/1"].gross == Decimal(50) and docs["CN K/1"].gross == Decimal(-5)


def test_a_document_of_another_seller_is_refused(ledger: Ledger, clock: FixedClock, ledger_path: Path) -> None:
    make_firm(ledger, clock, tax_id="7010010191")
    before = ledger_dump(ledger_path)
    with pytest.raises(UserError, match=r"ubl_invoice\.xml: /ns0:Invoice: the seller .* is not the firm"):
        run_import(ledger, clock, DATA / "ubl_invoice.xml")
    assert ledger_dump(ledger_path) == before


def test_without_the_firms_tax_id_any_seller_is_accepted_and_said(ledger: Ledger, clock: FixedClock) -> None:
    result = run_import(ledger, clock, DATA / "isdoc_invoice.isdoc")
    assert "the firm's tax id is not set" in _warnings(result)


def test_isdoc_invoice_and_credit_note(ledger: Ledger, clock: FixedClock) -> None:
    run_import(ledger, clock, DATA / "isdoc_invoice.isdoc")
    run_import(ledger, clock, DATA / "isdoc_credit_note.isdoc")
    docs = documents(ledger)
    inv, note = docs["FV-2026-0042"], docs["CN DD-2026-0007"]
    assert (inv.gross, inv.currency, inv.variable_symbol) == (Decimal("12100.00"), "CZK", "20260042")
    assert inv.due_date == dt.date(2026, 3, 17)
    assert inv.contractor.tax_id == "CZ00006947" and inv.contractor.registration_no == "00006947"
    assert (inv.paid, note.gross, note.corrects_invoice_id) == (Decimal(1210), Decimal(-1210), inv.id)


def test_ksef_invoice_correction_and_settlement(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")
    run_import(ledger, clock, DATA / "ksef_fa3_kor.xml")
    roz = run_import(ledger, clock, DATA / "ksef_fa3_roz.xml")
    docs = documents(ledger)
    inv, kor, settled = docs["FA/3/2026"], docs["CN KOR/1/2026"], docs["ROZ/1/2026"]
    assert (inv.gross, inv.paid, inv.due_date) == (Decimal(1230), Decimal(123), dt.date(2026, 3, 18))
    assert (kor.gross, kor.corrects_invoice_id) == (Decimal(-123), inv.id)
    assert inv.contractor.phone == "+48601234567" and inv.contractor.email == "faktury@gamma.example"
    assert settled.gross == 0 and settled.paid == 0  # nothing payable: settled, for the record
    text = _warnings(roz)
    assert "nothing payable" in text and "marked paid on 2026-02-20" in text


@pytest.mark.parametrize(("sample", "number", "gross", "currency", "due"), [
    ("ubl/peppol_bis3_base-example_invoice.xml", "Snippet1", "1656.25", "EUR", dt.date(2017, 12, 1)),
    ("isdoc/isdoc-6.0.2_official-sample_FV-111999-2011.isdoc", "FV-111999/2011", "0", "EUR", dt.date(2013, 3, 13)),
    ("ksef/fa2_ksef-sample_FK2023-08-31_PLN.xml", "FK2023/08/31", "4001.49", "PLN", dt.date(2023, 9, 14)),
    ("ksef/fa3_symfonia_rachunek-faktora_5t4343trgfds.xml", "5t4343trgfds", "955.71", "PLN", dt.date(2026, 4, 26)),
    ("csv/invoicely_export_invoices.csv", "INV-1", "1020.00", "PLN", dt.date(2021, 1, 28)),
])
@needs_samples
def test_shared_real_world_samples(ledger: Ledger, clock: FixedClock, sample: str, number: str, gross: str,
                                   currency: str, due: dt.date) -> None:
    result = run_import(ledger, clock, SAMPLES / sample)
    assert result.summary.created == 1
    doc = documents(ledger)[number]
    assert (doc.gross, doc.currency, doc.due_date) == (Decimal(gross), currency, due)


def test_reimport_changes_nothing_and_reports_differences(ledger: Ledger, clock: FixedClock,
                                                          tmp_path: Path) -> None:
    make_firm(ledger, clock)
    mapping = load_mapping(DATA / "mapping_cp1250.json")
    run_import(ledger, clock, DATA / "cp1250_semicolon_comma.csv", mapping=mapping)
    first = {k: (d.gross, d.due_date, d.contractor_id) for k, d in documents(ledger).items()}
    again = run_import(ledger, clock, DATA / "cp1250_semicolon_comma.csv", mapping=mapping)
    assert (again.summary.created, again.summary.unchanged, again.summary.warnings) == (0, 4, [])
    changed = tmp_path / "changed.csv"
    text = (DATA / "cp1250_semicolon_comma.csv").read_bytes().decode("cp1250")
    changed.write_bytes(text.replace("1 234,50", "1 300,00").encode("cp1250"))
    third = run_import(ledger, clock, changed, mapping=mapping)
    assert third.summary.created == 0
    assert "amount 1300.00 PLN in the file, 1234.50 PLN in the ledger" in _warnings(third)
    assert {k: (d.gross, d.due_date, d.contractor_id) for k, d in documents(ledger).items()} == first
    assert len(_contractors(ledger)) == 3


def test_an_import_fills_empty_contractor_fields_and_keeps_typed_ones(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    with ledger.transaction() as s:
        add_contractor(Ctx(s, clock, "tester"), ContractorData(name="Alfa (typed)", tax_id="7740001454",
                                                                city="Wrocław"))
    result = run_import(ledger, clock, DATA / "ubl_invoice.xml")
    alfa = _contractors(ledger)["Alfa (typed)"]
    assert (alfa.city, alfa.email, alfa.postal_code) == ("Wrocław", "ksiegowosc@alfa.example", "30-001")
    assert result.summary.updated == 1
    with ledger.transaction() as s:
        events = [e.summary for e in s.scalars(select(Event).where(Event.contractor_id == alfa.id))]
    assert any("filled from ubl_invoice.xml (import batch" in e for e in events)
    assert any(e.startswith("Invoice UBL/10/2026 imported from ubl_invoice.xml (import batch") for e in events)


def _cp(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _ubl(replace: tuple[str, str]) -> bytes:
    return (DATA / "ubl_invoice.xml").read_text(encoding="utf-8").replace(*replace).encode("utf-8")


CSV = (DATA / "cp1250_semicolon_comma.csv").read_bytes()
BROKEN: dict[str, tuple[str, bytes, str]] = {
    "truncated xml": ("t.xml", (DATA / "ubl_invoice.xml").read_bytes()[:900], r"t\.xml: line \d+, column \d+: "
                                                                              "not well-formed XML"),
    "truncated csv": ("t.csv", CSV[:CSV.index(b"FV/4") + 30], r't\.csv: line 6: Brutto: is empty'),
    "wrong encoding": ("e.csv", CSV, r"e\.csv: line 1: the text is not utf-8"),
    "bad number": ("n.csv", CSV.replace(b"99,99", b"12,3x", 1), r'n\.csv: line 3: Brutto: "12,3x" is not an amount'),
    "too many decimals": ("d.csv", CSV.replace(b"1 234,50", b"1 234,505"), r'line 2: Brutto: "1 234,505" has more '
                                                                            "than 2 decimal places for PLN"),
    "bad date": ("b.csv", CSV.replace(b"05.03.2026", b"5 Marchember 2026", 1), r'line 3: Data wystawienia: '),
    "duplicate": ("u.csv", CSV.replace(b"99,99;PLN\nFV/2/2026;Gamma Handel S.A.;5252344078;;05.03.2026;;99,99",
                                       b"99,99;PLN\nFV/2/2026;Gamma Handel S.A.;5252344078;;05.03.2026;;98,99", 1),
                  r'u\.csv: line 4: invoice "FV/2/2026" repeats line 3 with different values'),
    "missing element": ("m.xml", _ubl(("<ns2:PayableAmount currencyID=\"EUR\">1000.00</ns2:PayableAmount>", "")),
                        r"m\.xml: /ns0:Invoice/ns1:LegalMonetaryTotal/ns2:PayableAmount: missing"),
    "missing number": ("i.xml", _ubl(("<ns2:ID>UBL/10/2026</ns2:ID>", "")), r"i\.xml: /ns0:Invoice/ns2:ID: missing"),
    "bad xml amount": ("a.xml", _ubl((">1000.00</ns2:PayableAmount>", ">1 000,00</ns2:PayableAmount>")),
                       r'/ns2:PayableAmount: "1 000,00" is not an amount'),
    "bad currency": ("c.xml", _ubl(("EUR</ns2:DocumentCurrencyCode>", "EURO</ns2:DocumentCurrencyCode>")),
                     r'/ns2:DocumentCurrencyCode: "EURO" is not an ISO 4217'),
    "unknown namespace": ("x.xml", _ubl(("schema:xsd:Invoice-2", "schema:xsd:Invoice-9")),
                          r'x\.xml: /ns0:Invoice: unknown document "Invoice" in namespace'),
    "external entity": ("xxe.xml", (DATA / "xxe.xml").read_bytes(), r"xxe\.xml: refused: the XML declares a DTD"),
    "entity bomb": ("bomb.xml", (DATA / "billion_laughs.xml").read_bytes(), r"bomb\.xml: refused"),
    "empty": ("z.csv", b"", r"z\.csv: is empty"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_are_refused_and_write_nothing(ledger: Ledger, clock: FixedClock, ledger_path: Path,
                                                   tmp_path: Path, case: str) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")
    name, data, message = BROKEN[case]
    path = _cp(tmp_path, name, data)
    mapping = Mapping(encoding="utf-8") if case == "wrong encoding" else None
    before = ledger_dump(ledger_path)
    with pytest.raises(UserError, match=message):
        run_import(ledger, clock, path, mapping=mapping)
    assert ledger_dump(ledger_path) == before


def test_an_ambiguous_date_asks_for_date_format(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    path = _cp(tmp_path, "a.csv", b"number,contractor,date,gross\nA/1,Eta,01/02/2026,10.00\n")
    with pytest.raises(UserError, match=r'a\.csv: line 2: date: .*set "date_format"'):
        run_import(ledger, clock, path)
    run_import(ledger, clock, path, mapping=Mapping(date_format="%m/%d/%Y"))
    assert documents(ledger)["A/1"].issue_date == dt.date(2026, 1, 2)


def test_missing_columns_name_the_mapping_keys(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    path = _cp(tmp_path, "c.csv", b"foo;bar\n1;2\n")
    with pytest.raises(UserError, match=r"c\.csv: line 1: no column for number, contractor, gross, issue_date"):
        run_import(ledger, clock, path)
    with pytest.raises(UserError, match=r'c\.csv: line 1: no column "Kwota" \(columns.gross'):
        run_import(ledger, clock, path, mapping=Mapping(columns={"gross": "Kwota"}))


def test_mapping_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "map.json"
    for text, message in (("{", "is not a JSON mapping"), ('{"columns": {"price": "x"}}', "columns.price: is not"),
                          ('{"decimal": ";"}', 'decimal: expected "," or "."'), ('{"skip": 1}', "skip: is not"),
                          ('{"currency": "XXX1"}', "currency: ")):
        bad.write_text(text)
        with pytest.raises(UserError, match=f"map.json: {message}"):
            load_mapping(bad)


def test_skip_rows_and_a_named_delimiter(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    path = _cp(tmp_path, "s.csv", b"Export 2026\n\nno|client|issued|gross\nS/1|Eta|2026-03-01|10\n")
    run_import(ledger, clock, path, mapping=Mapping(skip_rows=2, delimiter="|"))
    assert documents(ledger)["S/1"].gross == Decimal(10)


def test_a_number_used_by_another_contractor_is_refused(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    run_import(ledger, clock, _cp(tmp_path, "a.csv", b"number,contractor,date,gross\nA/1,Eta,2026-03-01,10\n"))
    with pytest.raises(UserError, match=r'b\.csv: line 2: number: "A/1" is already an invoice of Eta'):
        run_import(ledger, clock, _cp(tmp_path, "b.csv", b"number,contractor,date,gross\nA/1,Theta,2026-03-01,10\n"))


def test_an_unlinked_e_credit_note_stays_credit_and_is_reported(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, DATA / "ubl_credit_note.xml")
    assert 'corrects invoice "UBL/10/2026", which is not in the ledger' in _warnings(result)
    assert documents(ledger)["CN UBL-CN/1/2026"].paid == 0


def test_due_before_issue_is_kept_and_reported(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    path = _cp(tmp_path, "d.csv", b"number,contractor,date,due,gross\nD/1,Eta,2026-03-10,2026-03-01,10\n")
    result = run_import(ledger, clock, path)
    assert documents(ledger)["D/1"].due_date == dt.date(2026, 3, 1)
    assert "before the issue date" in _warnings(result)


def test_an_undecodable_byte_is_reported_on_its_own_line(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    body = b"number,contractor,date,gross\n" + b"".join(b"N/%d,Eta,2026-03-01,10\n" % i for i in range(2000))
    path = _cp(tmp_path, "late.csv", body + b"N/x,Eta \xff,2026-03-01,10\n")
    with pytest.raises(UserError, match=r"late\.csv: line 2002: the text is not utf-8"):
        run_import(ledger, clock, path, mapping=Mapping(encoding="utf-8"))
    semicolons = _cp(tmp_path, "semi.csv", body.replace(b",", b";") + b"N/x;Eta \xff;2026-03-01;10\n")
    with pytest.raises(UserError, match=r"semi\.csv: line 2002: the text is not utf-8"):  # the delimiter still found
        run_import(ledger, clock, semicolons, mapping=Mapping(encoding="utf-8"))


def test_a_cancelled_import_writes_nothing(ledger: Ledger, clock: FixedClock, ledger_path: Path,
                                           tmp_path: Path) -> None:
    rows = b"".join(b"C/%d,Eta,2026-03-01,10\n" % i for i in range(CHUNK + 5))
    path = _cp(tmp_path, "big.csv", b"number,contractor,date,gross\n" + rows)
    before = ledger_dump(ledger_path)
    seen: list[int] = []
    with pytest.raises(UserError, match="cancelled; nothing was imported"), ledger.transaction() as s:
        import_invoices(Ctx(s, clock, "tester"), InvoiceImport(path), progress=seen.append, cancelled=lambda: True)
    assert ledger_dump(ledger_path) == before and seen == []


def _search_ids(con: sqlite3.Connection, fragment: str) -> set[int]:
    return {r for (r,) in con.execute("SELECT rowid FROM invoice_search WHERE invoice_search MATCH ?",
                                      ('"' + fragment + '"',))}


def test_a_bulk_import_keeps_the_search_index_exact(ledger: Ledger, clock: FixedClock, ledger_path: Path,
                                                     tmp_path: Path) -> None:
    """Many rows a statement (several statements a chunk, several chunks, a short last one) index every number."""
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        eta = add_contractor(ctx, ContractorData(name="Eta"))
        for number in ("S/17/2026", "S/170/2026"):  # typed in before: indexed by the trigger
            add_invoice(ctx, InvoiceData(eta.id, number, dt.date(2026, 3, 1), None, Decimal(5)))
    count = CHUNK + ROWS_PER_STATEMENT + 7
    rows = b"".join(b"S/%d/2026,Eta %d,2026-03-01,10\n" % (i, i % 3) for i in range(1000, 1000 + count))
    path = _cp(tmp_path, "many.csv", b"number,contractor,date,gross\n" + rows + b"S/99/2026,Eta,2026-03-01,-4\n")
    assert run_import(ledger, clock, path).summary.created == count + 1
    con = sqlite3.connect(ledger_path)
    try:
        con.execute("INSERT INTO invoice_search(invoice_search, rank) VALUES ('integrity-check', 1)")
        numbers = dict(con.execute("SELECT id, number FROM invoice"))
        assert len(numbers) == count + 3
        for fragment in ("S/17", "/2026", "S/1000/", f"S/{1000 + count - 1}/", "99/", "0/20", "S/4"):
            assert _search_ids(con, fragment) == {i for i, n in numbers.items() if fragment in n}, fragment
        assert {r for (r,) in con.execute("SELECT rowid FROM contractor_search WHERE contractor_search MATCH "
                                          "'\"Eta 2\"'")} == {
            i for (i,) in con.execute("SELECT id FROM contractor WHERE name = 'Eta 2'")}
    finally:
        con.close()


def test_the_wizard_remembers_a_mapping_per_header(ledger: Ledger, clock: FixedClock) -> None:
    mapping = load_mapping(DATA / "mapping_cp1250.json")
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        save_mapping(ctx, ["Numer", "Kontrahent"], mapping)
        assert saved_mapping(ctx, [" numer ", "KONTRAHENT"]) == mapping
        assert saved_mapping(ctx, ["Numer"]) is None


def test_a_seller_without_a_tax_id_is_accepted_and_said(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    make_firm(ledger, clock)
    text = (DATA / "ubl_invoice.xml").read_text(encoding="utf-8").replace(
        "<ns2:CompanyID>PL5213017228</ns2:CompanyID>", "")
    result = run_import(ledger, clock, _cp(tmp_path, "n.xml", text.encode("utf-8")))
    assert result.summary.created == 1 and "has no tax id in the file" in _warnings(result)


@pytest.mark.parametrize(("header", "row"), [
    # an accounting program's English export with camelCase headers
    ("*ContactName,EmailAddress,InvoiceNumber,InvoiceDate,DueDate,Total,Currency",
     "Eta Ltd,eta@example.com,H/1,2026-03-01,2026-03-15,250.00,EUR"),
    # snake_case with "issued_on" / "due_on"
    ("number,client_name,client_vat_no,issued_on,due_on,total,currency",
     "H/1,Eta Ltd,CZ25596641,2026-03-01,2026-03-15,250.00,EUR"),
    # "Invoice #" and "Date Issued"
    ('Invoice #,Client Name,Date Issued,Due Date,Invoice Total,Currency Code',
     "H/1,Eta Ltd,2026-03-01,2026-03-15,250.00,EUR"),
    # Polish headers with diacritics written without them
    ("Numer faktury;Nazwa nabywcy;NIP nabywcy;Data wystawienia;Termin platnosci;Wartosc brutto;Waluta",
     "H/1;Eta Ltd;5260250274;2026-03-01;2026-03-15;250,00;EUR"),
    # Czech headers
    ("Číslo dokladu;Firma;DIČ;Datum vystavení;Datum splatnosti;Celkem s DPH;Měna",
     "H/1;Eta Ltd;CZ25596641;01.03.2026;15.03.2026;250,00;EUR"),
    # a Czech accounting program's short headers
    ("Doklad;Vystaveno;Splatno;Firma;IČ;Celkem;Měna", "H/1;01.03.2026;15.03.2026;Eta Ltd;25596641;250,00;EUR"),
    # Polish abbreviations and "Do zapłaty"
    ("Nr dok.;Data wyst.;Termin zapłaty;Kontrahent nazwa;NIP;Do zapłaty;Waluta",
     "H/1;2026-03-01;2026-03-15;Eta Ltd;5260250274;250,00;EUR"),
])
def test_headers_of_common_exports_are_recognised_without_a_mapping(
        ledger: Ledger, clock: FixedClock, tmp_path: Path, header: str, row: str) -> None:
    """Case, accents, camelCase, underscores and "#" in a header do not matter; no mapping is needed."""
    path = _cp(tmp_path, "export.csv", f"{header}\n{row}\n".encode())
    run_import(ledger, clock, path)
    doc = documents(ledger)["H/1"]
    assert (doc.gross, doc.currency, doc.issue_date, doc.due_date) == (
        Decimal("250.00"), "EUR", dt.date(2026, 3, 1), dt.date(2026, 3, 15))
    assert doc.contractor.name == "Eta Ltd"


def test_a_currency_written_in_the_amount_cell_decides_or_must_agree(
        ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    """Without a currency column the cell's own currency counts (not the firm's); with one, they must agree."""
    path = _cp(tmp_path, "marked.csv", "number;contractor;date;gross\nM/1;Eta;2026-03-01;1 234,56 zł\n"
               "M/2;Eta;2026-03-01;€ 99,00\nM/3;Eta;2026-03-01;$1,020.00\nM/4;Eta;2026-03-01;12,50\n".encode())
    run_import(ledger, clock, path)
    docs = documents(ledger)
    assert [(docs[n].gross, docs[n].currency) for n in ("M/1", "M/2", "M/3", "M/4")] == [
        (Decimal("1234.56"), "PLN"), (Decimal("99.00"), "EUR"), (Decimal("1020.00"), "USD"), (Decimal("12.50"), "PLN")]
    clash = _cp(tmp_path, "clash.csv",
                "number;contractor;date;gross;currency\nC/1;Eta;2026-03-01;1 500 Kč;EUR\n".encode())
    with pytest.raises(UserError,
                       match=r'clash\.csv: line 2: gross: "1 500 Kč" is in CZK, but the currency of the row is EUR'):
        run_import(ledger, clock, clash)


def test_a_totals_row_at_the_end_of_an_export_is_skipped_and_listed(
        ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    """Exports end with a line summing the rows above; it is no invoice, and the summary says it was left out."""
    path = _cp(tmp_path, "sums.csv", b"Numer;Kontrahent;Data;Brutto\nT/1;Eta;2026-03-01;100,00\n"
               b"T/2;Eta;2026-03-02;200,00\n;;Razem;300,00\n")
    result = run_import(ledger, clock, path)
    assert result.summary.created == 2
    assert result.summary.skipped == [
        {"ref": "line 4", "reason": "no number and no contractor: a totals or summary row, not an invoice"}]
    book = Workbook()
    sheet = book.active
    sheet.append(["Invoice", "Customer", "Date", "Amount"])
    sheet.append(["T/3", "Delta Ltd", dt.datetime(2026, 3, 1), 120.5])
    sheet.append(["Total", None, None, 120.5])
    sheet.append(["T/4", "Suma Sp. z o.o.", dt.datetime(2026, 3, 2), 10])  # a contractor's name is not a total
    xlsx = tmp_path / "sums.xlsx"
    book.save(xlsx)
    result = run_import(ledger, clock, xlsx)
    assert result.summary.created == 2 and documents(ledger)["T/4"].contractor.name == "Suma Sp. z o.o."
    assert result.summary.skipped == [{"ref": "line 3", "reason": '"Total": a totals row, not an invoice'}]


def test_title_lines_above_the_header_are_passed_over(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    """Exports often start with a report title and period; the header is the first row naming the columns,
    for the import and for the wizard's preview alike."""
    path = _cp(tmp_path, "titled.csv", b"Sales invoices\nExported 2026-03-16 by Books\n\n"
               b"Number,Customer,Date,Total\nH/3,Eta,2026-03-01,\"1,000.00\"\nH/4,Eta,2026-03-02,200.00\n")
    shown = preview_file(InvoiceImport(path))
    assert shown.header == ["Number", "Customer", "Date", "Total"] and shown.rows[0][0] == "H/3"
    assert shown.missing == [] and shown.delimiter == ","
    assert run_import(ledger, clock, path).summary.created == 2
    assert documents(ledger)["H/3"].gross == Decimal("1000.00")
    book = Workbook()
    sheet = book.active
    sheet.append(["Zestawienie faktur sprzedaży 03/2026"])
    sheet.append([])
    sheet.append(["Numer", "Kontrahent", "Data wystawienia", "Brutto"])
    sheet.append(["H/5", "Eta", dt.datetime(2026, 3, 1), 50])
    xlsx = tmp_path / "titled.xlsx"
    book.save(xlsx)
    assert run_import(ledger, clock, xlsx).summary.created == 1


def test_without_a_usable_header_the_error_names_the_closest_row(
        ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    path = _cp(tmp_path, "nodate.csv", b"Report\nNumber,Customer,Total\nH/5,Eta,1\n")
    with pytest.raises(UserError, match=r"nodate\.csv: line 2: no column for issue_date"):
        run_import(ledger, clock, path)


def test_a_workbook_opening_on_a_summary_sheet_is_read_from_its_invoice_sheet(
        ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["Total receivables", 1234.5])
    invoices = book.create_sheet("Invoices")
    invoices.append(["Invoice", "Customer", "Date", "Amount"])
    invoices.append(["W/1", "Delta Ltd", dt.datetime(2026, 3, 1), 1234.5])
    path = tmp_path / "two_sheets.xlsx"
    book.save(path)
    assert run_import(ledger, clock, path).summary.created == 1
    assert documents(ledger)["W/1"].gross == Decimal("1234.50")
    assert preview_file(InvoiceImport(path)).header == ["Invoice", "Customer", "Date", "Amount"]


def test_line_amounts_of_a_line_item_export_are_summed_per_invoice(
        ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    """A "Line Total" column holds one line each: the invoice is their sum (a discount line included);
    lines that come to less than nothing make a credit note."""
    path = _cp(tmp_path, "lines.csv", b"Client Name,Invoice #,Date Issued,Item Name,Line Total,Currency\n"
               b"X-Men,0000001,2021-01-28,Repair,650.00,USD\nX-Men,0000001,2021-01-28,Painting,490.00,USD\n"
               b"X-Men,0000001,2021-01-28,Discount,-40.00,USD\nX-Men,0000001,2021-01-28,Repair,650.00,USD\n"
               b"Delta,0000002,2021-01-29,Refund,-30.00,USD\nDelta,0000002,2021-01-29,Fee,10.00,USD\n")
    assert run_import(ledger, clock, path).summary.created == 2
    docs = documents(ledger)
    assert (docs["0000001"].gross, docs["0000001"].currency) == (Decimal("1750.00"), "USD")
    assert docs["CN 0000002"].gross == Decimal("-20.00")
    apart = _cp(tmp_path, "apart.csv", b"Client Name,Invoice #,Date Issued,Line Total\nA,L/1,2021-01-28,1\n"
                b"B,L/2,2021-01-28,2\nA,L/1,2021-01-28,3\n")
    with pytest.raises(UserError, match=r'apart\.csv: line 4: invoice "L/1" goes on from line 2, but other invoices'):
        run_import(ledger, clock, apart)


def test_a_vat_amount_column_is_not_read_as_the_tax_id(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    path = _cp(tmp_path, "vat.csv", b"Number,Customer,Date,Net,VAT,Gross\nV/1,Eta,2026-03-01,100,23,123\n")
    run_import(ledger, clock, path)
    doc = documents(ledger)["V/1"]
    assert doc.gross == Decimal(123) and doc.contractor.tax_id is None


def test_an_e_invoice_preview_names_its_columns_in_words(tmp_path: Path) -> None:
    """The wizard shows an e-invoice's documents under words, as the CSV mapping's fields are named."""
    shown = preview_file(InvoiceImport(DATA / "ubl_credit_note.xml"))
    assert shown.header[:4] == ["Number", "Contractor", "Tax id", "Issue date"]
