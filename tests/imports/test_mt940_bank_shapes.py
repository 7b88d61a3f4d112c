"""MT940/MT942 shapes seen in real banks' files: interim reports, returned transfers, payer and title forms."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from helpers.statements import statement_ledger
from sqlalchemy import select

from collector_app.db.models import Invoice, Payment
from collector_app.imports.bank import BankEntry
from collector_app.imports.common import ImportProblem
from collector_app.imports.mt940 import read_mt940
from collector_app.services.context import Ctx
from collector_app.services.import_statement import import_statement

D = Decimal
RETURNED = "returned transfer (the firm's own payment came back)"


def write(tmp_path: Path, text: str, name: str = "statement.sta") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read(tmp_path: Path, text: str) -> tuple[list[BankEntry], list[tuple[str, str]]]:
    warnings: list[tuple[str, str]] = []
    entries = list(read_mt940(write(tmp_path, text), lambda ref, said: warnings.append((ref, said))))
    return entries, warnings


def one(tmp_path: Path, statement_line: str, details: str | None, currency: str = "EUR",
        account: str = "DE89370400440532013000") -> BankEntry:
    """The entry of a one-entry statement (a German account unless told): a :61: and, unless None, its :86:."""
    text = f":20:X\n:25:{account}\n:60F:C260315{currency}0,00\n:61:{statement_line}\n"
    text += f":86:{details}\n" if details is not None else ""
    (entry,), _ = read(tmp_path, text + f":62F:C260316{currency}0,00\n")
    return entry


# --- MT942 interim reports -----------------------------------------------------------------------------

MT942 = """:20:ST260316CYC/0001
:25:PL61109010140000071219812874
:28C:1/1
:34F:PLN0
:13D:2603161815+0100
:61:2603160316CN120,00NTRFNONREF//MB260316000001
911-TRANSAKCJA IPH
:86:911 TRANSAKCJA COLLECT; Z RACH.: 27114020040000300201355387; OD: OMEGA; TYT.: FV/1/2026; TNR: 1
:90D:0PLN0,00
:90C:1PLN120,00
-
"""


def test_an_mt942_takes_its_currency_from_the_floor_limit(tmp_path: Path) -> None:
    """mBank's intraday report has no balances: the currency is in :34F:, the entries are booked credits."""
    (entry,), warnings = read(tmp_path, MT942)
    assert (entry.where, entry.amount, entry.currency, entry.credit, entry.booked) == (
        "line 6: 61", D("120.00"), "PLN", True, True)
    assert (entry.title, entry.reference, entry.payer_account) == (
        "FV/1/2026", "MB260316000001", "PL27114020040000300201355387")
    assert warnings == [("line 1", "statement ST260316CYC/0001 is an interim report (MT942): its entries were "
                                   "imported as booked; the day's MT940 statement repeats them")]


def test_an_mt942_floor_limit_with_a_debit_credit_mark(tmp_path: Path) -> None:
    entries, _ = read(tmp_path, MT942.replace(":34F:PLN0", ":34F:EURD0,\n:34F:EURC0,"))
    assert [e.currency for e in entries] == ["EUR"]


def test_an_mt942_floor_limit_without_a_currency_code_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(ImportProblem) as info:
        read(tmp_path, MT942.replace(":34F:PLN0", ":34F:XYZ0"))
    assert info.value.where == "line 4: 34F"


def test_an_mt942_imports_payments(ctx: Ctx, tmp_path: Path) -> None:
    statement_ledger(ctx)
    result = import_statement(ctx, write(tmp_path, MT942))
    assert (result.summary.payments, result.summary.matched) == (1, 1)
    assert "interim report (MT942)" in result.summary.warnings[0]["text"]


# --- returned transfers --------------------------------------------------------------------------------


@pytest.mark.parametrize("account", ["CZ6508000000192000145399", "19-2000145399/0800", "PL61109010140000071219812874"])
def test_a_german_return_code_means_nothing_on_other_banks_statements(tmp_path: Path, account: str) -> None:
    """Czech banks write field 86 in the same ?-form with codes of their own: 159 there is no German return."""
    entry = one(tmp_path, "2603160316CR300,NTRFNONREF//R4", "159?00GUTSCHRIFT?20Rechnung 12", account=account)
    assert entry.returned is False and entry.skip_reason is None
    german = one(tmp_path, "2603160316CR300,NTRFNONREF//R4", "159?00GUTSCHRIFT?20Rechnung 12",
                 account="37040044/532013000")
    assert german.returned is True


@pytest.mark.parametrize(("statement_line", "details", "returned"), [
    # ING: the SWIFT type of a returned item, and /RTRN/ with the reason
    ("2603160316C1,57NRTIEREF//00000000001007", "/RTRN/MS03//EREF/E1//CNTP/NL32INGB0000012345/INGBNL2A/"
     "J.Janssen///REMI/USTD//Factuurnr 123456/", True),
    ("2603160316C1,57NRTINONREF", None, True),
    ("2603160316C1,57NTRFEREF//R2", "/RTRN/AC04//EREF/E2//REMI/USTD//FV 1/", True),
    # German: business transaction code 159 and the posting text (?00), with or without umlauts
    ("2603160316CR300,NTRFNONREF//R3", "159?00RETOURE?20EREF+TFNR 40005?21Reject aus SEPA-Ueberweisung", True),
    ("2603160316CR300,NTRFNONREF//R4", "159?00GUTSCHRIFT?20Rechnung 12", True),
    ("2603160316CR300,NTRFNONREF//R5", "166?00RÜCKÜBERWEISUNG?20Konto erloschen", True),
    ("2603160316CR300,NTRFNONREF//R6", "166?00SEPA RUECKBUCHUNG?20Rechnung 12", True),
    ("2603160316CR300,NTRFNONREF//R7", "181?00WIEDERGUTSCHRIFT?20Lastschrift 12", True),
    # Polish: the bank's posting text (~00), or the head of mBank's free form
    ("2603160316CN50,00NTRFNONREF//R8", "020~00ZWROT PRZELEWU~20FV/1/2026~32OMEGA", True),
    ("2603160316CN50,00NTRFNONREF//R9", "911 ZWROT PRZELEWU; Z RACH.: 27114020040000300201355387; "
     "OD: OMEGA; TYT.: FV/1/2026", True),
    # the payer's own words are not the bank's mark: a customer paying an invoice less a return
    ("2603160316CR300,NTRFNONREF//R10", "166?00GUTSCHRIFT?20Rechnung 12 abzgl. Retoure", False),
    ("2603160316CN50,00NTRFNONREF//R11", "020~00PRZELEW~20ZWROT PRZELEWU ZA FV/1/2026~32OMEGA", False),
    ("2603160316CN50,00NTRFNONREF//R12", "052?00Příchozí platba?20Faktura 7", False),
])
def test_a_returned_transfer_is_marked(tmp_path: Path, statement_line: str, details: str | None,
                                       returned: bool) -> None:
    entry = one(tmp_path, statement_line, details)
    assert entry.returned is returned
    assert entry.skip_reason == (RETURNED if returned else None)


ING_RETURNED = """:20:P260316000000001
:25:NL77INGB0574908765EUR
:28C:0000
:60F:C260315EUR1000,00
:61:2603160316C100,00NRTIEREF//00000000001007
/TRCD/00190/
:86:/RTRN/MS03//EREF/20260123456789//CNTP/NL32INGB0000012345/INGBNL2A/J.Janssen///REMI/USTD//EU/1/2026/
:62F:C260316EUR1100,00
-
"""


def test_a_returned_transfer_pays_no_invoice(ctx: Ctx, tmp_path: Path) -> None:
    """The firm's own payment coming back names the firm's invoice: it is skipped, not matched to it."""
    statement_ledger(ctx)
    result = import_statement(ctx, write(tmp_path, ING_RETURNED))
    assert (result.summary.payments, result.summary.matched) == (0, 0)
    assert [s["reason"] for s in result.summary.skipped] == [RETURNED]
    assert ctx.session.scalar(select(Invoice.paid).where(Invoice.number == "EU/1/2026")) == D(0)
    assert ctx.session.scalars(select(Payment)).all() == []


# --- the payer's name ----------------------------------------------------------------------------------


def test_pekao_title_runs_on_in_27_and_the_name_leaves_out_numbers_and_address(tmp_path: Path) -> None:
    """^26 filled: ^27 goes on with the title. ^32 holds only a number, ^62/^63 the address."""
    details = ("230^00PRZELEW                    ^34000\n^3012400001^38PL37124000010000008211978100\n"
               "^20/RFB/INVOICE FV/9/2026     ^21        SERVICES MARCH 2026\n"
               "^2633B 3675,EUR 71F 0,EUR 71F ^2720,EUR                     \n"
               "^321077664213                 ^33        JAMESTOWN LP\n"
               "^623625 CUMBERLAND BLVD SE    ^63        KW00003655.00EUR PR")
    entry = one(tmp_path, "2603160316CR000000003655,00N230NONREF", details)
    assert entry.title == "/RFB/INVOICE FV/9/2026 SERVICES MARCH 2026 33B 3675,EUR 71F 0,EUR 71F 20,EUR"
    assert (entry.payer_name, entry.payer_account) == ("JAMESTOWN LP", "PL37124000010000008211978100")


def test_the_name_leaves_out_an_account_in_29_and_the_address_in_62_63(tmp_path: Path) -> None:
    details = ("150~00B150PRZELEW ZEWNETRZNY\n~20FV/5/2026\n~2922222222222222222222222222\n~3010205561\n"
               "~319000361245650240\n~32KOWALSKA ANNA\n~33\n~38PL50102055619000361245650240\n"
               "~62UL. POLNA 4\n~6300-950 WARSZAWA")
    entry = one(tmp_path, "2603160316C61,00S15000000029217", details, "PLN")
    assert (entry.title, entry.payer_name) == ("FV/5/2026", "KOWALSKA ANNA")


def test_an_account_in_28_is_not_the_name(tmp_path: Path) -> None:
    details = ("034~00XX20PRZELEW~20FA 2401 11/2026 ZAKUP~21LICENCJI~2821131014120510362270000000"
               "~3014105212~310010362230000000 ~32Customer name~38PL45101412160610362260000000")
    entry = one(tmp_path, "2603160316C61,00S03400000029217", details, "PLN")
    assert (entry.payer_name, entry.payer_account) == ("Customer name", "PL45101412160610362260000000")


# --- titles that meant nothing ---------------------------------------------------------------------------


def test_nonref_is_no_title(tmp_path: Path) -> None:
    """Kontist: field 86 without ?20, the :61: customer reference NONREF."""
    entry = one(tmp_path, "2602150215C50,00NTRFNONREF",
                "166?30SPKRDE33XXX?31DE59320500000001908722?32CHRISTIAN BENDT")
    assert (entry.title, entry.payer_name, entry.payer_account) == (
        "", "CHRISTIAN BENDT", "DE59320500000001908722")


def test_the_posting_text_is_the_title_rather_than_the_customer_reference(tmp_path: Path) -> None:
    """BNP Paribas PL: only ^00 and ^34 in field 86; the customer reference is the bank's own numbering."""
    entry = one(tmp_path, "2301020102CN000000000100,00N723112 20230101 51//CEN2301020677678",
                "723^00PRZELEW OTRZYMANY ELIXIR   ^34000", "PLN")
    assert entry.title == "PRZELEW OTRZYMANY ELIXIR"


def test_an_empty_remittance_is_no_title(tmp_path: Path) -> None:
    """bunq: "/IBAN/…/NAME/…/REMI/" with nothing after REMI."""
    entry = one(tmp_path, "1901310131C2,NTRFNONREF", "/IBAN/NL65BUNQ2206724936/NAME/P.C. Wacki/REMI/")
    assert (entry.title, entry.payer_name, entry.payer_account) == ("", "P.C. Wacki", "NL65BUNQ2206724936")


def test_without_field_86_the_statement_line_text_is_the_title_less_nonref(tmp_path: Path) -> None:
    citi = one(tmp_path, "2403120312DD212,39NMSCNONREF//\n/ABC/DEF/MISCELLANEOUS", None)
    danske = one(tmp_path, "0909300930DK2214,00NCHGGebyrer ifolge//nota", None)
    assert (citi.title, danske.title) == ("/ABC/DEF/MISCELLANEOUS", "Gebyrer ifolge")


# --- payers in other forms -----------------------------------------------------------------------------


def test_ordering_party_on_lines_of_its_own(tmp_path: Path) -> None:
    """KBS Macedonia: /ORDP/ with the account, then the name, references and the purpose, a line each."""
    entry = one(tmp_path, "2012011201CD2250,NMSCNONREF//25577226",
                "/ORDP/300000000460495\n/IVOTEHNA DOOEL SKOPJE\n/747//747\n/Uplata po faktura 747", "MKD")
    assert (entry.title, entry.payer_name, entry.payer_account) == (
        "747//747 Uplata po faktura 747", "IVOTEHNA DOOEL SKOPJE", "300000000460495")


@pytest.mark.parametrize(("details", "expected"), [
    ("/ORDP/ACME CORP\n/IBAN/DE02120300000000202051\n/REMI/INVOICE 7",
     ("INVOICE 7", "ACME CORP", "DE02120300000000202051")),
    ("/EREF/E1/TRCD/626/ORDP//NAME/Center Parcs B.V./ID/34360247/REMI/INV 12/ISDT/2025-11-07",
     ("INV 12", "Center Parcs B.V.", None)),
    # Knab: the description, then REK: and NAAM:
    ("DIT IS EEN OMSCHRIJVING\nREK: NL76INGB0444444444/NAAM: STICHTING DERDEN JAAP JANSSEN",
     ("DIT IS EEN OMSCHRIJVING", "STICHTING DERDEN JAAP JANSSEN", "NL76INGB0444444444")),
    ("REK: NL26ABNA0999999999/NAAM: BEDRIJF VOF", ("", "BEDRIJF VOF", "NL26ABNA0999999999")),
    # Penta: type:purpose (colons allowed):name:IBAN[:more]
    ("999SEPA_CREDIT_TRANSFER:CCI : 0150577373,PURPOSE:DEVELOPER PROCEEDS:HOPPA Inc:GB29DEUT40333124517700:"
     "PRODUKTVERKAUF", ("CCI : 0150577373,PURPOSE:DEVELOPER PROCEEDS PRODUKTVERKAUF", "HOPPA Inc",
                        "GB29DEUT40333124517700")),
    ("999SEPA_CREDIT_TRANSFER:Rechnung Nr 7983:SRB Steuerberatung mbH:DE70210512750155069677",
     ("Rechnung Nr 7983", "SRB Steuerberatung mbH", "DE70210512750155069677")),
])
def test_payer_forms(tmp_path: Path, details: str, expected: tuple[str, str, str | None]) -> None:
    entry = one(tmp_path, "2603160316C11,25NTRFNONREF", details)
    assert (entry.title, entry.payer_name, entry.payer_account) == expected


# --- chunks, unknown sub-field numbers and SEPA keys ---------------------------------------------------


@pytest.mark.parametrize(("details", "title"), [
    # German chunks are 27 wide: a full one was cut mid-word, a shorter one ended a word
    ("166?00GUTSCHRIFT?20SVWZ+Zahlung der Rechnung R?21E-2026-42 vom 01.03.2026 fu?22er Mai"
     "?32MUSTERMANN GMBH", "Zahlung der Rechnung RE-2026-42 vom 01.03.2026 fuer Mai"),
    # Polish chunks of 35
    ("020~00VE02~20Zapłata za fakturę FV/12/2026 i fak~21turę FV/5/2026~32OMEGA",
     "Zapłata za fakturę FV/12/2026 i fakturę FV/5/2026"),
    # a bank that wraps at words: a short chunk followed by a word that would have fitted in it
    ("177?00ONLINE-UEBERWEISUNG?20SVWZ+Apple Pay?21DATUM 19.02.2026, 13.24 UHR?221.TAN 002153?32Max",
     "Apple Pay DATUM 19.02.2026, 13.24 UHR 1.TAN 002153"),
    # "?96" is no sub-field: text of ?21
    ("166?00SEPA-GUTSCHRIFT?20EREF+NOTPROVIDED?21SVWZ+Kundennr 335?960.484 Danke?32PETRA TESTER",
     "Kundennr 335?960.484 Danke"),
    # the SEPA keys: the title is the SVWZ+ text, up to the next key
    ("106?00KARTENZAHLUNG?20SVWZ+Tanken 2026-03 ?21ABWA+Aral Tankstelle?32ARAL AG", "Tanken 2026-03"),
])
def test_titles_from_chunks(tmp_path: Path, details: str, title: str) -> None:
    assert one(tmp_path, "2603160316CR80,00NMSCNONREF", details).title == title


def test_the_end_to_end_reference_is_kept_for_matching(tmp_path: Path) -> None:
    given = one(tmp_path, "2603160316CR40,00NMSCNONREF", "166?00GUTSCHRIFT?20EREF+RE-2026-7?21SVWZ+Danke?32X")
    none = one(tmp_path, "2603160316CR40,00NMSCNONREF", "166?00GUTSCHRIFT?20EREF+NOTPROVIDED?21SVWZ+Danke?32X")
    assert (given.title, given.creditor_refs, none.creditor_refs) == ("Danke", ("RE-2026-7",), ())


def test_an_invoice_named_only_in_the_end_to_end_reference_is_matched(ctx: Ctx, tmp_path: Path) -> None:
    statement_ledger(ctx)
    text = (":20:STARTUMSE\n:25:10020030/1234567890\n:28C:1\n:60F:C260315EUR0,00\n"
            ":61:2603160316CR40,00NMSCNONREF\n:86:166?00GUTSCHRIFT?20EREF+EU/1/2026?21SVWZ+Danke?32BETA\n"
            ":62F:C260316EUR40,00\n-\n")
    result = import_statement(ctx, write(tmp_path, text))
    assert (result.summary.matched, result.matched_by) == (1, {"reference": 1})
    assert ctx.session.scalar(select(Invoice.paid).where(Invoice.number == "EU/1/2026")) == D("40.00")
