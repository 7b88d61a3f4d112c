"""Statement readers on Czech and Slovak payment symbols (only VS names an invoice), the payer's message beside
them, batch transactions sharing their entry's reference, and MT940 bank interest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.ledger import contractor, invoice
from sqlalchemy import select

from collector_app.db.models import Invoice, Payment
from collector_app.imports.bank import BankEntry
from collector_app.imports.camt053 import read_camt053
from collector_app.imports.mt940 import read_mt940
from collector_app.imports.symbols import blank_other_symbols, reference, shown, symbols_only
from collector_app.services.context import Ctx
from collector_app.services.import_statement import import_statement

D = Decimal
INTEREST = "interest from the bank"
DUE = dt.date(2026, 2, 1)


def camt(*entries: str, currency: str = "CZK") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
            "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-03-16T08:00:00</CreDtTm></GrpHdr><Stmt><Id>S1</Id>"
            f"<Acct><Id><IBAN>CZ6508000000192000145399</IBAN></Id><Ccy>{currency}</Ccy></Acct>\n"
            + "\n".join(entries) + "\n</Stmt></BkToCstmrStmt></Document>")


def ntry(*txs: str, amount: str = "4840.00", ref: str = "6759647789", currency: str = "CZK") -> str:
    return (f'<Ntry><NtryRef>{ref}</NtryRef><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<Sts>BOOK</Sts><BookgDt><DtTm>2026-03-16T09:48:26</DtTm></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>"
            f"<NtryDtls>{''.join(txs)}</NtryDtls></Ntry>")


def cz_tx(*refs: str, message: str = "", ustrd: str = "", e2e: str = "", amount: str = "", tx_ref: str = "") -> str:
    """A transaction as Raiffeisenbank CZ writes it: each symbol a Strd of its own, the message in AddtlTxInf."""
    strd = "".join(f"<Strd><CdtrRefInf>{ref if ref.startswith('<') else f'<Ref>{ref}</Ref>'}</CdtrRefInf></Strd>"
                   for ref in refs)
    remittance = f"<RmtInf>{f'<Ustrd>{ustrd}</Ustrd>' if ustrd else ''}{strd}</RmtInf>" if strd or ustrd else ""
    own = f'<Amt Ccy="CZK">{amount}</Amt>' if amount else ""
    ids = f"<AcctSvcrRef>{tx_ref}</AcctSvcrRef>" if tx_ref else ""
    ids += f"<EndToEndId>{e2e}</EndToEndId>" if e2e else ""
    return (f"<TxDtls><Refs><MsgId>6</MsgId>{ids}</Refs>{own}<RltdPties><DbtrAcct><Id><Othr><Id>5140016517</Id>"
            "</Othr></Id><Nm>Customer s.r.o.</Nm></DbtrAcct></RltdPties><RltdAgts><DbtrAgt><FinInstnId><Othr>"
            f"<Id>5500</Id></Othr></FinInstnId></DbtrAgt></RltdAgts>{remittance}"
            + (f"<AddtlTxInf>{message}</AddtlTxInf>" if message else "") + "</TxDtls>")


def write(tmp_path: Path, text: str, name: str = "statement.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read_camt(tmp_path: Path, text: str) -> list[BankEntry]:
    return list(read_camt053(write(tmp_path, text), lambda _where, _text: None))


def read_sta(tmp_path: Path, text: str) -> list[BankEntry]:
    return list(read_mt940(write(tmp_path, text, "statement.sta"), lambda _where, _text: None))


def sta(*lines: str, account: str = "CZ6508000000192000145399", currency: str = "CZK") -> str:
    return (f":20:VYPIS 52\n:25:{account}\n:28C:52/1\n:60F:C260315{currency}0,00\n" + "\n".join(lines)
            + f"\n:62F:C260316{currency}0,00\n-\n")


# --- the symbols themselves --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "ref", "title"), [
    ("VS:178142024", "178142024", "VS:178142024"),
    ("KS:0308", None, ""),
    ("SS:66406366", None, ""),
    ("VS:0", None, "VS:0"),
    ("/VS/2026001/SS//KS/0308", "2026001", "VS:2026001"),
    ("/VS2026001/SS/KS0308", "2026001", "VS:2026001"),
    ("VS:202600001,KS:0308,SS:77", "202600001", "VS:202600001"),  # the Czech PSD2 standard's one reference
    ("VS 178142024 SS 0 KS 0308", "178142024", "VS:178142024"),
    ("Faktura 308 KS 0308", "Faktura 308 KS 0308", "Faktura 308 KS 0308"),  # a sentence stays as written
    ("RF71FV32026", "RF71FV32026", "RF71FV32026"),
    ("VSE 12", "VSE 12", "VSE 12"),
])
def test_only_the_variable_symbol_of_a_block_of_symbols_is_a_reference(text: str, ref: str | None,
                                                                        title: str) -> None:
    assert (reference(text), shown(text)) == (ref, title)


def test_a_text_with_more_than_symbols_is_not_a_block() -> None:
    assert symbols_only("VS12345678901") is None  # eleven digits: no symbol
    assert symbols_only("/VS/0020260007 platba") is None


def test_constant_and_specific_symbols_in_free_text_can_be_blanked_for_a_search() -> None:
    text = "Zaplaceno FV 12, VS 2026012 KS 0308 SS:77 dekujeme"
    assert blank_other_symbols(text) == "Zaplaceno FV 12, VS 2026012 " + " " * 7 + " " + " " * 5 + " dekujeme"
    assert len(blank_other_symbols(text)) == len(text)


# --- finding 2: KS and SS are never references -------------------------------------------------------

def test_raiffeisen_cz_constant_and_specific_symbols_are_not_references(tmp_path: Path) -> None:
    (entry,) = read_camt(tmp_path, camt(ntry(cz_tx("VS:178142024", "SS:66406366", "KS:0308"))))
    assert entry.creditor_refs == ("178142024",)
    assert entry.title == "VS:178142024"


@pytest.mark.parametrize("typed", [
    "<Tp><CdOrPrtry><Prtry>KS</Prtry></CdOrPrtry></Tp><Ref>0308</Ref>",
    "<Tp><CdOrPrtry><Prtry>Konstantní symbol</Prtry></CdOrPrtry></Tp><Ref>0308</Ref>",
    "<Tp><CdOrPrtry><Prtry>SS</Prtry></CdOrPrtry></Tp><Ref>308</Ref>",
])
def test_a_reference_typed_as_a_constant_or_specific_symbol_is_none(tmp_path: Path, typed: str) -> None:
    vs = "<Tp><CdOrPrtry><Prtry>VS</Prtry></CdOrPrtry></Tp><Ref>2026001</Ref>"
    (entry,) = read_camt(tmp_path, camt(ntry(cz_tx(vs, typed))))
    assert (entry.creditor_refs, entry.title) == (("2026001",), "VS:2026001")


@pytest.mark.parametrize(("e2e", "refs"), [
    ("/VS/2026001/SS/66406366/KS/0308", ("2026001",)),
    ("VS:2026001 KS:0308", ("2026001",)),
    ("/VS/0000000000/SS/308/KS/0308", ()),
])
def test_the_end_to_end_id_gives_only_its_variable_symbol(tmp_path: Path, e2e: str, refs: tuple[str, ...]) -> None:
    (entry,) = read_camt(tmp_path, camt(ntry(cz_tx(e2e=e2e, ustrd="Platba"))))
    assert (entry.creditor_refs, entry.title) == (refs, "Platba")


def test_unstructured_symbols_only_keep_the_variable_symbol_and_a_sentence_stays(tmp_path: Path) -> None:
    first, second = read_camt(tmp_path, camt(
        ntry(cz_tx(ustrd="/VS/2026001/SS/308/KS/0308", message="Faktura za sluzby")),
        ntry(cz_tx(ustrd="Zaplaceno, KS 0308 dle smlouvy"), ref="R2")))
    assert first.title == "VS:2026001 Faktura za sluzby"
    assert second.title == "Zaplaceno, KS 0308 dle smlouvy"  # the payer's sentence, as written


def test_a_constant_symbol_never_settles_an_invoice_of_that_number(ctx: Ctx, tmp_path: Path) -> None:
    """Raiffeisenbank CZ: "VS:178142024 SS:0 KS:0308" paid another customer's invoice 308 (0308 is the
    constant symbol of a payment for services) and SS:66406366 invoice 66406366."""
    other = contractor(ctx, "Treti s.r.o.", country="CZ")
    for number in ("308", "66406366", "0"):
        invoice(ctx, other, number, "1000.00", DUE, currency="CZK")
    result = import_statement(ctx, write(tmp_path, camt(
        ntry(cz_tx("VS:178142024", "SS:0", "KS:0308")),
        ntry(cz_tx("VS:178312024", "SS:66406366", "KS:0308"), ref="R2", amount="900.00"),
        ntry(cz_tx("KS:0"), ref="R3", amount="500.00"))))
    assert (result.summary.payments, result.summary.matched) == (3, 0)
    assert set(ctx.session.scalars(select(Invoice.paid))) == {D("0.00")}


def test_mt940_symbol_subfields_give_the_variable_symbol_alone(tmp_path: Path) -> None:
    """Tatra banka (and other Slovak and Czech MultiCash files): ?20VS…, ?21SS…, ?22KS…, the message after."""
    (entry,) = read_sta(tmp_path, sta(
        ":61:2603160316C4840,00NMSC2026031600042//260316/42",
        ":86:052?00Prichozi platba?20VS0000001234?21SS0000000308?22KS0308?24Platba za sluzby"
        "?3005500?315140016517?32CUSTOMER S.R.O."))
    assert entry.title == "VS0000001234 Platba za sluzby"
    assert entry.creditor_refs == ("0000001234",)


@pytest.mark.parametrize(("details", "title", "refs"), [
    ("166?00SEPA-GUTSCHRIFT?20EREF+/VS2026001/SS/KS0308?21SVWZ+Platba za sluzby", "Platba za sluzby", ("2026001",)),
    ("/EREF/VS:2026001,KS:0308,SS:77//REMI/USTD//Platba/", "Platba", ("2026001",)),
    ("?20VS 2026001 KS 0308 SS 308", "VS:2026001", ("2026001",)),
    ("?20KS 0308", "", ()),
])
def test_mt940_references_and_titles_of_symbols_only(tmp_path: Path, details: str, title: str,
                                                     refs: tuple[str, ...]) -> None:
    (entry,) = read_sta(tmp_path, sta(":61:2603160316C4840,00NTRFNONREF//260316/42", f":86:{details}"))
    assert (entry.title, entry.creditor_refs) == (title, refs)


def test_mt940_constant_symbol_never_settles_an_invoice_of_that_number(ctx: Ctx, tmp_path: Path) -> None:
    other = contractor(ctx, "Treti s.r.o.", country="CZ")
    invoice(ctx, other, "308", "1000.00", DUE, currency="CZK")
    result = import_statement(ctx, write(tmp_path, sta(
        ":61:2603160316C4840,00NMSC2026031600042//260316/42",
        ":86:052?00Prichozi platba?20VS0000001234?21SS0000000000?22KS0308?24Platba?32CUSTOMER S.R.O."),
        "statement.sta"))
    assert (result.summary.payments, result.summary.matched, result.matched_by) == (1, 0, {})
    assert ctx.session.scalar(select(Invoice.paid).where(Invoice.number == "308")) == D("0.00")


# --- finding 7: the payer's message beside the symbols -----------------------------------------------

def test_the_payers_message_follows_the_symbols(tmp_path: Path) -> None:
    first, second = read_camt(tmp_path, camt(
        ntry(cz_tx("VS:178282024", "KS:0", message="LICENCE MICROSOFT 365 - OD 28.7.2024 DO 27.8.2024")),
        ntry(cz_tx("RF71FV32026", ustrd="Faktura FV/3/2026", message="Prichozi uhrada"), ref="R2")))
    assert first.title == "VS:178282024 LICENCE MICROSOFT 365 - OD 28.7.2024 DO 27.8.2024"
    assert second.title == "Faktura FV/3/2026"  # the payer's own text: the bank's note is not added


def test_an_invoice_number_in_the_message_is_matched_when_the_variable_symbol_is_left_out(
        ctx: Ctx, tmp_path: Path) -> None:
    customer = contractor(ctx, "Customer s.r.o.", country="CZ")
    invoice(ctx, customer, "17814/2024", "4840.00", DUE, currency="CZK")
    result = import_statement(ctx, write(tmp_path, camt(
        ntry(cz_tx("SS:0", "KS:0308", message="UHRADA FAKTURY 17814/2024")))))
    assert (result.summary.matched, result.matched_by) == (1, {"title": 1})
    assert ctx.session.scalar(select(Invoice.paid).where(Invoice.number == "17814/2024")) == D("4840.00")
    assert ctx.session.scalar(select(Payment.title)) == "UHRADA FAKTURY 17814/2024"


# --- finding 3: a batch whose transactions share the entry's reference -------------------------------

def abn_batch() -> str:
    """ABN AMRO: a single 1.00 credit, then a batch of three 1.00 credits on the same day, the batch and each
    of its transactions carrying the single credit's AcctSvcrRef."""
    ref = "3095D4322561460S0PS"
    single = ntry(cz_tx(tx_ref=ref, ustrd="1234567812345678"), amount="1.00", ref=ref, currency="EUR")
    batch = ntry(*(cz_tx(tx_ref=ref, ustrd=f"Batch {i}", amount="1.00") for i in range(1, 4)),
                 amount="3.00", ref=ref, currency="EUR")
    return camt(single, batch, currency="EUR").replace('Ccy="CZK"', 'Ccy="EUR"')


def test_batch_transactions_sharing_the_entrys_reference_are_keyed_by_their_place(tmp_path: Path) -> None:
    entries = read_camt(tmp_path, abn_batch())
    assert [e.bank_txn_id() for e in entries] == [
        "3095D4322561460S0PS", "3095D4322561460S0PS/1", "3095D4322561460S0PS/2", "3095D4322561460S0PS/3"]


def test_a_batch_like_another_entry_of_the_day_loses_no_transaction(ctx: Ctx, tmp_path: Path) -> None:
    path = write(tmp_path, abn_batch())
    first = import_statement(ctx, path)
    assert (first.summary.payments, first.summary.skipped, first.summary.warnings) == (4, [], [])
    assert sum(ctx.session.scalars(select(Payment.amount))) == D("4.00")
    again = import_statement(ctx, path)
    assert again.summary.payments == 0
    assert [s["reason"] for s in again.summary.skipped] == ["already imported"] * 4


def test_a_transactions_own_unique_reference_or_tx_id_is_kept(tmp_path: Path) -> None:
    with_tx_id = cz_tx(tx_ref="PKG", ustrd="B", amount="2.00").replace("</Refs>", "<TxId>TX-B</TxId></Refs>")
    (a, b, c) = read_camt(tmp_path, camt(ntry(
        cz_tx(tx_ref="OWN-A", ustrd="A", amount="1.00"), with_tx_id,
        cz_tx(tx_ref="PKG", ustrd="C", amount="3.00"), amount="6.00", ref="ENTRY")))
    assert [e.bank_txn_id() for e in (a, b, c)] == ["OWN-A", "TX-B", "ENTRY/3"]


# --- finding 6: MT940 bank interest ------------------------------------------------------------------

@pytest.mark.parametrize(("line", "details"), [
    ("1004010331CK440525,65FINTRente", None),  # Danske Bank
    ("2603160316C5,79NINTNONREF", "Rente"),
    ("2603160316C12,30NMSCNONREF//R1", "805?00ZINSEN?20Abschluss 31.03.2026"),  # the posting text says it
    ("2603160316C12,30NTRFNONREF//R1", "~00KAPITALIZACJA ODSETEK~20ODSETKI ZA 03.2026"),
])
def test_mt940_bank_interest_is_not_a_customers_payment(tmp_path: Path, line: str, details: str | None) -> None:
    text = sta(f":61:{line}", *([f":86:{details}"] if details else []), account="DE89370400440532013000",
               currency="EUR")
    (entry,) = read_sta(tmp_path, text)
    assert entry.interest and entry.skip_reason == INTEREST


def test_a_customers_transfer_mentioning_interest_in_its_title_is_a_payment(tmp_path: Path) -> None:
    (entry,) = read_sta(tmp_path, sta(":61:2603160316C12,30NTRFNONREF//R1", ":86:?00GUTSCHRIFT?20Zinsen Rechnung 5",
                                      account="DE89370400440532013000", currency="EUR"))
    assert not entry.interest and entry.skip_reason is None


def test_mt940_interest_is_skipped_on_import(ctx: Ctx, tmp_path: Path) -> None:
    result = import_statement(ctx, write(tmp_path, sta(":61:1004010331CK440525,65FINTRente", currency="NOK",
                                                       account="NO9386011117947"), "danske.sta"))
    assert result.summary.payments == 0
    assert [s["reason"] for s in result.summary.skipped] == [INTEREST]
