"""Invoice registers, second round: a full-name column over a contractor code, final invoices after advance
invoices, Dolibarr's numeric statuses, and till receipts and delivery notes in lists of sales documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.invoice_imports import documents, make_firm, run_import
from openpyxl import Workbook
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Contractor
from collector_app.domain.clock import FixedClock
from collector_app.imports import invoice_xlsx
from collector_app.imports.common import InvoiceRecord, SkippedRow
from collector_app.imports.invoice_csv import Mapping, match_columns, read

D = Decimal
Rows = list[InvoiceRecord | SkippedRow]


def _read(tmp_path: Path, text: str, currency: str = "PLN", mapping: Mapping | None = None) -> Rows:
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    return list(read(path, path.name, mapping or Mapping(), currency))


def _xlsx(tmp_path: Path, rows: list[list[object]], currency: str = "PLN") -> Rows:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / "register.xlsx"
    book.save(path)
    return list(invoice_xlsx.read(path, path.name, Mapping(), currency))


def _invoices(rows: Rows) -> list[InvoiceRecord]:
    return [r for r in rows if isinstance(r, InvoiceRecord)]


def _reasons(rows: Rows) -> list[str]:
    return [r.reason for r in rows if isinstance(r, SkippedRow)]


def _notes(rows: Rows) -> list[str]:
    return [n for r in _invoices(rows) for n in r.notes]


# ------------------------------------------------------------------------- the contractor's full name

OPTIMA = ("Numer;Data wystawienia;Kontrahent;Nazwa;NIP;Brutto\n"
          "FA/1/2026;02.03.2026;ZAKŁAD;Zakład Stolarski Drewnex Sp.j.;4416721104;100,00\n"
          "FA/2/2026;02.03.2026;P.H.U.;P.H.U. Kowalczyk Marek Kowalczyk;4982597911;200,00\n"
          "FA/3/2026;02.03.2026;JAN;Jan Wiśniewski;;300,00\n"
          "FA/4/2026;02.03.2026;JAN;Jan Nowak;;400,00\n")


def test_a_name_column_wins_over_a_contractor_column_of_short_codes(tmp_path: Path) -> None:
    """Comarch Optima's "Lista faktur": "Kontrahent" is the short code, "Nazwa" the full name."""
    rows = _read(tmp_path, OPTIMA)
    assert [r.buyer.name for r in _invoices(rows)] == [
        "Zakład Stolarski Drewnex Sp.j.", "P.H.U. Kowalczyk Marek Kowalczyk", "Jan Wiśniewski", "Jan Nowak"]
    assert _notes(rows)[1] == ('contractors are named from "Nazwa" (Zakład Stolarski Drewnex Sp.j.), not from '
                               '"Kontrahent" (ZAKŁAD): the full name, not a short name or code')


def test_the_import_wizard_preselects_the_name_column_too(tmp_path: Path) -> None:
    """The wizard's preview chooses columns with the rows, as the import does (it saves what it shows)."""
    from collector_app.services.import_invoices import InvoiceImport, preview_file

    path = tmp_path / "optima.csv"
    path.write_text(OPTIMA, encoding="utf-8")
    assert preview_file(InvoiceImport(path)).columns["contractor"] == "Nazwa"


def test_the_name_column_wins_in_a_workbook_too(tmp_path: Path) -> None:
    rows = _xlsx(tmp_path, [["Numer", "Data wystawienia", "Kontrahent", "Nazwa", "NIP", "Brutto"],
                            ["FA/1/2026", dt.date(2026, 3, 2), "GREEN", "Green Office GmbH", "DE811128135", 10],
                            ["FA/2/2026", dt.date(2026, 3, 2), "BUDMAX", "Budmax Sp. z o.o.", "3914177768", 20]])
    assert [r.buyer.name for r in _invoices(rows)] == ["Green Office GmbH", "Budmax Sp. z o.o."]


def test_the_shared_column_detection_picks_the_name_column_from_the_rows(tmp_path: Path) -> None:
    """What the import wizard preselects comes from `match_columns`: the rows decide for a bare "Nazwa"."""
    lines = [line.split(";") for line in OPTIMA.splitlines()]
    assert match_columns(lines[0], Mapping(), rows=lines[1:])[1]["contractor"] == "Nazwa"
    assert match_columns(lines[0], Mapping())[1]["contractor"] == "Kontrahent"  # no rows: the headers cannot tell


def test_a_header_naming_the_partys_name_wins_by_itself(tmp_path: Path) -> None:
    """ABRA Flexi's grid ("Firma" = code) and API ("firma", "nazFirmy") columns."""
    header = ["Interní číslo", "Vystaveno", "Firma", "Název firmy nebo jméno osoby", "Celkem"]
    assert match_columns(header, Mapping())[1]["contractor"] == "Název firmy nebo jméno osoby"
    assert match_columns(["kod", "datVyst", "firma", "nazFirmy", "sumCelkem"], Mapping())[1]["contractor"] == "nazFirmy"
    rows = _read(tmp_path, "Číslo;Vystaveno;Firma;Název firmy nebo jméno osoby;Celkem\n"
                           "FV1;02.03.2026;ALPINE;Alpine Trade GmbH;100,00\n"
                           "FV2;02.03.2026;ING;;200,00\n", "CZK")
    assert [r.buyer.name for r in _invoices(rows)] == ["Alpine Trade GmbH", "ING"]
    assert '"Název firmy nebo jméno osoby" is empty: named by "Firma" (ING)' in _invoices(rows)[1].notes


def test_a_contractor_column_of_full_names_stays_beside_a_name_column_of_something_else(tmp_path: Path) -> None:
    """A bare "Nazwa" beside "Kontrahent" holding full names (here the goods' names): the headers cannot tell
    and the rows show no codes, so "Kontrahent" stays."""
    rows = _read(tmp_path, "Numer;Data wystawienia;Kontrahent;Nazwa;Brutto\n"
                           "FA/1/2026;02.03.2026;Budmax Sp. z o.o.;Usługa transportowa krajowa;100,00\n"
                           "FA/2/2026;02.03.2026;Green Office GmbH;Montaż;200,00\n")
    assert [r.buyer.name for r in _invoices(rows)] == ["Budmax Sp. z o.o.", "Green Office GmbH"]
    assert not any("named from" in n for n in _notes(rows))
    # one-word buyers beside the goods' names: a goods' name beside two buyers is no buyer's full name
    rows = _read(tmp_path, "Numer;Data wystawienia;Kontrahent;Nazwa;Brutto\n"
                           "FA/1/2026;02.03.2026;Budmax;Usługa transportowa;100,00\n"
                           "FA/2/2026;02.03.2026;Transpol;Usługa transportowa;200,00\n")
    assert [r.buyer.name for r in _invoices(rows)] == ["Budmax", "Transpol"]


def test_a_mapping_naming_the_code_column_wins(tmp_path: Path) -> None:
    mapping = Mapping(columns={"number": "Numer", "contractor": "Kontrahent", "issue_date": "Data wystawienia",
                               "gross": "Brutto"})
    rows = _read(tmp_path, OPTIMA, mapping=mapping)
    assert [r.buyer.name for r in _invoices(rows)][:2] == ["ZAKŁAD", "P.H.U."]
    assert not any("named from" in n or "upper-case" in n for n in _notes(rows))


def test_contractors_that_all_read_as_upper_case_codes_are_said(tmp_path: Path) -> None:
    rows = _read(tmp_path, "Numer;Data wystawienia;Kontrahent;Brutto\n"
                           "FA/1/2026;02.03.2026;ZAKŁAD;100,00\nFA/2/2026;02.03.2026;JAN;200,00\n")
    assert ('every contractor in "Kontrahent" is one upper-case word (ZAKŁAD, JAN): if these are codes, name the '
            "column with full names in a mapping (columns.contractor)") in _notes(rows)


def test_the_ledger_gets_the_full_names_and_two_private_buyers_coded_alike_stay_apart(
        ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    make_firm(ledger, clock)
    path = tmp_path / "optima.csv"
    path.write_text(OPTIMA, encoding="utf-8")
    run_import(ledger, clock, path)
    with ledger.transaction() as s:
        names = set(s.scalars(select(Contractor.name)))
    assert names == {"Zakład Stolarski Drewnex Sp.j.", "P.H.U. Kowalczyk Marek Kowalczyk", "Jan Wiśniewski",
                     "Jan Nowak"}


# ------------------------------------------------------------------------- final invoices after advances

FAKTUROWNIA = "Numer;Rodzaj;Data wystawienia;Termin płatności;Nabywca;NIP nabywcy;Wartość brutto;Waluta\n"


def test_a_final_invoice_owes_its_gross_less_the_advance_invoices_before_it(tmp_path: Path) -> None:
    rows = _read(tmp_path, FAKTUROWNIA +
                 "ZAL 1/2026;Faktura zaliczkowa;2026-03-02;2026-03-09;Budmax Sp. z o.o.;3914177768;4920,00;PLN\n"
                 "FV 1/2026;Faktura VAT;2026-03-05;2026-03-19;Budmax Sp. z o.o.;3914177768;1230,00;PLN\n"
                 "FK 2/2026;Faktura końcowa;2026-03-12;2026-03-26;Budmax Sp. z o.o.;3914177768;12300,00;PLN\n")
    recs = {r.number: r for r in _invoices(rows)}
    assert {n: r.gross for n, r in recs.items()} == {"ZAL 1/2026": D("4920.00"), "FV 1/2026": D("1230.00"),
                                                     "FK 2/2026": D("7380.00")}
    assert recs["FK 2/2026"].notes == [
        'a final invoice (Rodzaj: Faktura końcowa): the advance invoice "ZAL 1/2026" of 2026-03-02 in the file is '
        "deducted: 12300.00 − 4920.00 = 7380.00 PLN is owed"]


def test_a_final_invoice_listed_before_its_advances_is_settled_at_the_end_of_the_file(tmp_path: Path) -> None:
    """Lists often run newest first; advances of other buyers, currencies or later dates are not deducted."""
    rows = _read(tmp_path, FAKTUROWNIA +
                 "FK 2/2026;Faktura końcowa;2026-03-12;2026-03-26;Budmax Sp. z o.o.;PL3914177768;10000,00;PLN\n"
                 "ZAL 4/2026;Faktura zaliczkowa;2026-03-13;2026-03-20;Budmax Sp. z o.o.;3914177768;100,00;PLN\n"
                 "ZAL 3/2026;Faktura zaliczkowa;2026-03-03;2026-03-10;Budmax Sp. z o.o.;3914177768;100,00;EUR\n"
                 "ZAL 2/2026;Faktura zaliczkowa;2026-03-03;2026-03-10;Eta;1111111111;100,00;PLN\n"
                 "ZAL 1/2026;Faktura zaliczkowa;2026-03-02;2026-03-09;Budmax Sp. z o.o.;3914177768;1000,00;PLN\n"
                 "ZAL 0/2026;Faktura zaliczkowa;2026-03-01;2026-03-09;Budmax Sp. z o.o.;3914177768;2000,00;PLN\n")
    recs = _invoices(rows)
    assert recs[-1].number == "FK 2/2026"
    assert recs[-1].gross == D("7000.00")
    assert recs[-1].notes == [
        'a final invoice (Rodzaj: Faktura końcowa): the advance invoices "ZAL 0/2026" of 2026-03-01, "ZAL 1/2026" of '
        "2026-03-02 in the file are deducted: 10000.00 − 2000.00 − 1000.00 = 7000.00 PLN is owed"]


def test_each_advance_is_deducted_once_and_never_below_zero(tmp_path: Path) -> None:
    rows = _read(tmp_path, FAKTUROWNIA +
                 "ZAL 1/2026;Faktura zaliczkowa;2026-03-01;2026-03-09;Eta;;1000,00;PLN\n"
                 "FK 1/2026;Faktura końcowa;2026-03-02;2026-03-26;Eta;;3000,00;PLN\n"
                 "ZAL 2/2026;Faktura zaliczkowa;2026-03-03;2026-03-09;Eta;;5000,00;PLN\n"
                 "FK 2/2026;Faktura rozliczeniowa;2026-03-04;2026-03-26;Eta;;2000,00;PLN\n")
    recs = {r.number: r for r in _invoices(rows)}
    assert (recs["FK 1/2026"].gross, recs["FK 2/2026"].gross) == (D("2000.00"), D("0"))
    assert recs["FK 2/2026"].notes[0].endswith('"ZAL 2/2026" of 2026-03-03 in the file is deducted: '
                                               "2000.00 − 5000.00 < 0, so 0.00 PLN is owed")


def test_a_final_invoice_without_advances_in_the_file_keeps_its_gross_and_says_why(tmp_path: Path) -> None:
    [rec] = _invoices(_read(tmp_path, FAKTUROWNIA +
                            "FK 2/2026;Faktura końcowa;2026-03-12;2026-03-26;Eta;;12300,00;PLN\n"))
    assert rec.gross == D("12300.00")
    assert rec.notes == ['a final invoice (Rodzaj: Faktura końcowa) with no advance invoice of its contractor in PLN '
                         'before it in the file: its gross 12300.00 PLN is kept; check "FK 2/2026" itself, advance '
                         "payments may already be deducted on it"]


def test_a_to_pay_column_is_already_net_of_the_advances(tmp_path: Path) -> None:
    recs = _invoices(_read(tmp_path, "Numer;Rodzaj;Data wystawienia;Nabywca;Do zapłaty\n"
                                     "ZAL 1/2026;Faktura zaliczkowa;2026-03-02;Eta;4920,00\n"
                                     "FK 2/2026;Faktura końcowa;2026-03-12;Eta;7380,00\n"))
    assert recs[-1].gross == D("7380.00")
    assert recs[-1].notes == ['a final invoice (Rodzaj: Faktura końcowa): "Do zapłaty" is taken as what is left to '
                              "pay after its advance invoices, so none is deducted"]


def test_what_the_file_says_is_left_to_pay_is_weighed_against_what_is_owed(tmp_path: Path) -> None:
    """The remaining column stays a warning (payments come from the bank), compared with the amount owed."""
    recs = _invoices(_read(tmp_path, "Typ;Numer;Data wystawienia;Nabywca;Wartość brutto;Pozostało do zapłaty;Status\n"
                                     "Faktura zaliczkowa;ZAL 1;2026-03-02;Eta;4920,00;0,00;Opłacona\n"
                                     "Faktura końcowa;FK 2;2026-03-12;Eta;12300,00;7380,00;Wystawiona\n"
                                     "Faktura końcowa;FK 3;2026-03-12;Beta;1000,00;0,00;Opłacona\n"))
    final, paid = recs[-2:]
    assert final.gross == D("7380.00") and len(final.notes) == 1
    assert paid.notes[-1].startswith("the file says 0.00 of 1000.00 PLN left to pay (Pozostało do zapłaty)")


@pytest.mark.parametrize(("advance", "final", "currency"), [
    ("Zálohová faktura", "Vyúčtování zálohy", "CZK"), ("Zálohová faktura", "Konečná faktura", "CZK"),
    ("Anzahlungsrechnung", "Schlussrechnung", "EUR"), ("Advance invoice", "Final invoice", "EUR"),
    ("Deposit invoice", "Final Invoice", "EUR"), ("Faktura zaliczkowa", "Faktura VAT rozliczeniowa", "PLN")])
def test_advance_and_final_invoices_in_the_programs_languages(tmp_path: Path, advance: str, final: str,
                                                             currency: str) -> None:
    recs = _invoices(_read(tmp_path, "Number;Type;Date;Customer;Total\n"
                                     f"A1;{advance};2026-03-02;Eta;400.00\n"
                                     f"F1;{final};2026-03-12;Eta;1000.00\n", currency))
    assert [(r.number, r.gross) for r in recs] == [("A1", D("400.00")), ("F1", D("600.00"))]


def test_the_ledger_chases_a_final_invoice_for_what_is_left(ledger: Ledger, clock: FixedClock,
                                                            tmp_path: Path) -> None:
    make_firm(ledger, clock)
    path = tmp_path / "fakturownia.csv"
    path.write_text(FAKTUROWNIA +
                    "FK 2/2026;Faktura końcowa;2026-03-12;2026-03-26;Budmax Sp. z o.o.;3914177768;12300,00;PLN\n"
                    "ZAL 1/2026;Faktura zaliczkowa;2026-03-02;2026-03-09;Budmax Sp. z o.o.;3914177768;4920,00;PLN\n",
                    encoding="utf-8")
    first = run_import(ledger, clock, path).summary
    again = run_import(ledger, clock, path).summary
    docs = documents(ledger)
    assert (docs["FK 2/2026"].gross, docs["ZAL 1/2026"].gross) == (D("7380.00"), D("4920.00"))
    assert any("12300.00 − 4920.00 = 7380.00" in str(w) for w in first.warnings)
    assert (first.created, again.created, again.unchanged) == (2, 0, 2)


# ------------------------------------------------------------------------- Dolibarr's status codes

DOLIBARR = ("Company name,VAT number,Invoice ref.,Invoice date,Due date,Total (inc. tax),Invoice status\n"
            "ACME Industries,FR40303265045,FA2601-0001,2026-01-08,2026-02-07,1200.00000000,1\n"
            "Boulangerie Dupont,FR55391838042,FA2601-0002,2026-01-15,2026-02-14,300.00000000,2\n"
            "Crêperie Bretonne,,(PROV12),2026-03-01,2026-03-31,96.00000000,0\n"
            "Hôtel du Lac,FR83404833048,FA2602-0007,2026-02-20,2026-03-22,1500.60000000,3\n")


def test_dolibarr_drafts_and_abandoned_invoices_are_skipped_by_their_status_code(tmp_path: Path) -> None:
    rows = _read(tmp_path, DOLIBARR, "EUR")
    assert [r.number for r in _invoices(rows)] == ["FA2601-0001", "FA2601-0002"]
    assert _reasons(rows) == [
        "\"(PROV12)\": a draft (Invoice status: 0, Dolibarr's code for a draft), not an issued document to chase",
        "\"FA2602-0007\": abandoned (Invoice status: 3, Dolibarr's code for abandoned), not a debt to chase"]
    assert "the file says it is paid (Invoice status: 2, Dolibarr's code for paid)" in _invoices(rows)[1].notes[0]
    assert _invoices(rows)[0].notes[-1].startswith('the status column "Invoice status" holds the numbers 0–3')


def test_dolibarr_status_codes_in_a_workbook(tmp_path: Path) -> None:
    rows = _xlsx(tmp_path, [["Invoice ref.", "Company name", "Invoice date", "Total (inc. tax)", "Invoice status"],
                            ["FA2601-0001", "ACME", dt.date(2026, 1, 8), 1200, 1],
                            ["FA2602-0007", "Hôtel du Lac", dt.date(2026, 2, 20), 1500.6, 3.0]], "EUR")
    assert [r.number for r in _invoices(rows)] == ["FA2601-0001"]
    assert _reasons(rows) == ["\"FA2602-0007\": abandoned (Invoice status: 3, Dolibarr's code for abandoned), not a "
                              "debt to chase"]


def test_dolibarr_french_status_column_beside_a_mapping(tmp_path: Path) -> None:
    mapping = Mapping(columns={"number": "Réf. facture", "contractor": "Raison sociale",
                               "issue_date": "Date facturation", "gross": "Montant TTC"})
    rows = _read(tmp_path, "Raison sociale;Réf. facture;Date facturation;Montant TTC;Facture payée;État facture\n"
                           "ACME;FA2601-0001;2026-01-08;1200,00;0;1\nACME;(PROV12);2026-03-01;96,00;0;0\n"
                           "Hôtel du Lac;FA2602-0007;2026-02-20;1500,60;0;3\n", "EUR", mapping)
    assert [r.number for r in _invoices(rows)] == ["FA2601-0001"]
    assert [r.split(":")[0] for r in _reasons(rows)] == ['"(PROV12)"', '"FA2602-0007"']


def test_a_status_column_of_other_numbers_is_no_status(tmp_path: Path) -> None:
    rows = _read(tmp_path, "Invoice ref.,Company name,Invoice date,Total (inc. tax),Status\n"
                           "FA1,ACME,2026-01-08,100.00,0\nFA2,ACME,2026-01-08,100.00,3\nFA3,ACME,2026-01-08,100.00,7\n",
                 "EUR")
    assert [r.number for r in _invoices(rows)] == ["FA1", "FA2", "FA3"]
    assert not any("Dolibarr" in n for n in _notes(rows))


def test_a_provisional_ref_is_a_draft_without_a_status_column(tmp_path: Path) -> None:
    rows = _read(tmp_path, "Invoice ref.,Company name,Invoice date,Total (inc. tax)\n"
                           "FA2601-0001,ACME,2026-01-08,100.00\nPROV12,ACME,2026-01-08,96.00\n"
                           "(PROV13),ACME,2026-01-08,96.00\nPROVENCE-1,ACME,2026-01-08,50.00\n", "EUR")
    assert [r.number for r in _invoices(rows)] == ["FA2601-0001", "PROVENCE-1"]
    assert _reasons(rows) == [f'"{ref}": a draft (a provisional ref, as Dolibarr numbers drafts), not an issued '
                              "document to chase" for ref in ("PROV12", "(PROV13)")]


# ------------------------------------------------------------------------- till receipts and delivery notes

@pytest.mark.parametrize("kind", ["Paragon", "PA", "Paragon fiskalny", "Účtenka", "Prodejka", "Kassenbon", "Quittung",
                                  "Receipt", "Sales Receipt"])
def test_a_till_receipt_is_skipped(tmp_path: Path, kind: str) -> None:
    rows = _read(tmp_path, f"Numer;Rodzaj;Data wystawienia;Nabywca;Brutto\nP1;{kind};2026-03-12;Eta;50,00\n")
    assert _reasons(rows) == [f'"P1": a till receipt (Rodzaj: {kind}): paid at the sale, not an invoice']


@pytest.mark.parametrize("kind", ["WZ", "Wydanie zewnętrzne", "Dodací list", "Lieferschein", "Delivery note",
                                  "Packing slip"])
def test_a_delivery_note_is_skipped(tmp_path: Path, kind: str) -> None:
    rows = _read(tmp_path, f"Numer;Rodzaj;Data wystawienia;Nabywca;Brutto\nW1;{kind};2026-03-12;Eta;60,00\n")
    assert _reasons(rows) == [f'"W1": a delivery note (Rodzaj: {kind}), not an invoice']


@pytest.mark.parametrize("kind", ["Faktura do paragonu", "Faktura VAT do WZ", "PAK", "WZA", "Panel"])
def test_invoices_naming_a_receipt_and_longer_codes_stay_invoices(tmp_path: Path, kind: str) -> None:
    rows = _read(tmp_path, f"Numer;Rodzaj;Data wystawienia;Nabywca;Brutto\nF1;{kind};2026-03-12;Eta;70,00\n")
    assert [r.number for r in _invoices(rows)] == ["F1"]


def test_a_payment_receipt_is_still_a_payment(tmp_path: Path) -> None:
    rows = _read(tmp_path, "Number;Type;Date;Customer;Total\nR1;Payment receipt;2026-03-12;Eta;70.00\n", "EUR")
    assert _reasons(rows) == ['"R1": a payment (Type: Payment receipt), not a document to chase']


def test_a_mapping_can_say_a_file_has_no_such_column(tmp_path: Path) -> None:
    """`"email": null` in a mapping: the column found by its header is not read (it holds something else)."""
    text = "Number;Customer;Date;Total;E-mail\nA/1;Eta;2026-03-05;10.00;rep@firm.example\n"
    found = {r.buyer.email for r in _invoices(_read(tmp_path, text))}
    assert found == {"rep@firm.example"}
    off = _read(tmp_path, text, mapping=Mapping(columns={"email": None}))
    assert {r.buyer.email for r in _invoices(off)} == {None}


def test_a_mapping_file_may_switch_off_a_column_but_not_a_required_one(tmp_path: Path) -> None:
    from collector_app.domain.errors import UserError
    from collector_app.imports.invoice_csv import load_mapping

    path = tmp_path / "map.json"
    path.write_text('{"columns": {"number": "Number", "contractor": "Customer", "issue_date": "Date", '
                    '"gross": "Total", "email": null}}', encoding="utf-8")
    assert load_mapping(path).columns["email"] is None
    path.write_text('{"columns": {"number": "Number", "contractor": "Customer", "issue_date": "Date", '
                    '"gross": null}}', encoding="utf-8")
    with pytest.raises(UserError, match=r"columns\.gross"):
        load_mapping(path)
