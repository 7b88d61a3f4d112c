"""camt.053 as banks write it: returns without RvslInd, bank interest, payer names outside Dbtr, credits in
no currency or not the account's, several documents in one file, and what is said for files that are not
camt.053 statements (camt.052/.054, a ZIP archive, a statement given to the invoice import)."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.ledger import contractor, invoice
from sqlalchemy import select

from collector_app.db.models import Invoice
from collector_app.domain.errors import UserError
from collector_app.imports.bank import BankEntry
from collector_app.imports.camt053 import read_camt053
from collector_app.imports.common import ImportProblem
from collector_app.services.context import Ctx
from collector_app.services.import_statement import import_statement
from collector_app.services.matching import review_list

D = Decimal
DECLARATION = '<?xml version="1.0" encoding="{encoding}"?>\n'
RETURNED = "returned transfer (the firm's own payment came back)"
RETURN_INFO = "<RtrInf><Rsn><Cd>AC01</Cd></Rsn><AddtlInf>IBAN ungueltig</AddtlInf></RtrInf>"


def document(*entries: str, version: str = "02", account_currency: str = "", encoding: str = "UTF-8") -> str:
    ccy = f"<Ccy>{account_currency}</Ccy>" if account_currency else ""
    return (DECLARATION.format(encoding=encoding)
            + f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"><BkToCstmrStmt>\n'
            "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-03-16T08:00:00</CreDtTm></GrpHdr><Stmt><Id>S1</Id>\n"
            f"<Acct><Id><IBAN>DE20500105172419259181</IBAN></Id>{ccy}</Acct>\n" + "\n".join(entries)
            + "\n</Stmt></BkToCstmrStmt></Document>")


def ntry(*txs: str, amount: str = "1.10", indicator: str = "CRDT", ref: str = "E1", code: str = "",
         currency: str = "EUR", text: str = "Gutschrift") -> str:
    details = f"<NtryDtls>{''.join(txs)}</NtryDtls>" if txs else ""
    return (f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Sts>BOOK</Sts>'
            f"<BookgDt><Dt>2026-03-16</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>{code}{details}"
            f"<AddtlNtryInf>{text}</AddtlNtryInf></Ntry>")


def tx(parties: str = "<Dbtr><Nm>John Smith</Nm></Dbtr>", extra: str = "", amount: str = "") -> str:
    own = f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>' if amount else ""
    return (f"<TxDtls>{own}<RltdPties>{parties}<DbtrAcct><Id><IBAN>DE84500105177118117964</IBAN></Id></DbtrAcct>"
            f"</RltdPties>{extra}<RmtInf><Ustrd>RE-2024-17</Ustrd></RmtInf></TxDtls>")


def iso(domain: str, family: str, subfamily: str) -> str:
    return (f"<BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{subfamily}</SubFmlyCd></Fmly>"
            "</Domn></BkTxCd>")


def own(code: str, issuer: str = "") -> str:
    return f"<BkTxCd><Prtry><Cd>{code}</Cd>{f'<Issr>{issuer}</Issr>' if issuer else ''}</Prtry></BkTxCd>"


def write(tmp_path: Path, text: str, name: str = "st.xml", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read(path: Path) -> tuple[list[BankEntry], list[tuple[str, str]]]:
    warnings: list[tuple[str, str]] = []
    entries = list(read_camt053(path, lambda where, text: warnings.append((where, text))))
    return entries, warnings


def one(tmp_path: Path, entry: str, **kw: str) -> BankEntry:
    (found,), _ = read(write(tmp_path, document(entry, **kw)))
    return found


# Finding 2: a returned outgoing transfer booked as a credit, with no RvslInd.

@pytest.mark.parametrize(("code", "transaction"), [
    pytest.param(iso("PMNT", "ICDT", "RRTN"), tx(extra=RETURN_INFO), id="GLS: ICDT/RRTN and RtrInf"),
    pytest.param("", tx(extra=RETURN_INFO), id="RtrInf alone"),
    pytest.param(iso("PMNT", "RCDT", "RRTN") + own("00190", "INGGroup"), tx(), id="ING: RCDT/RRTN"),
    pytest.param(iso("PMNT", "ICDT", "RPCR"), tx(), id="a recalled transfer: RPCR"),
    pytest.param(iso("PMNT", "RDDT", "UPDD"), tx(), id="a direct debit credited back: RDDT/UPDD"),
    pytest.param(iso("PMNT", "RDDT", "PRDD"), tx(), id="a direct debit reimbursed: RDDT/PRDD"),
    pytest.param(iso("PMNT", "RCDT", "ARET"), tx(), id="an ACH return: ARET"),
    pytest.param(own("NRTI+159+00931", "DK"), tx(), id="German DK: returned item, GVC 159"),
    pytest.param(own("NTRF+159+00931"), tx(), id="German DK shape without issuer: GVC 159"),
    pytest.param(own("181", "DK"), tx(), id="German DK: bare GVC 181 (direct debit credited back)"),
    pytest.param(own("PMNT/ICDT/RRTN", "SOMEBANK"), tx(), id="ISO code written as the bank's own"),
    pytest.param(own("RETURN"), tx(extra=RETURN_INFO), id="v12: own code RETURN"),
    pytest.param("", tx(extra=iso("PMNT", "ICDT", "RRTN")), id="the transaction's own code"),
])
def test_a_returned_transfer_is_skipped_as_a_return(tmp_path: Path, code: str, transaction: str) -> None:
    entry = one(tmp_path, ntry(transaction, code=code))
    assert (entry.credit, entry.reversal, entry.returned, entry.skip_reason) == (True, False, True, RETURNED)


@pytest.mark.parametrize("code", [
    pytest.param("", id="no code"),
    pytest.param(iso("PMNT", "RCDT", "ESCT"), id="a SEPA credit transfer"),
    pytest.param(iso("PMNT", "IDDT", "ESDD"), id="the firm's direct debit collection"),
    pytest.param(iso("PMNT", "RCHQ", "URCQ"), id="a cheque paid in, under reserve"),
    pytest.param(own("N654", "ABNAMRO"), id="ABN AMRO's own code"),
    pytest.param(own("00100", "INGGroup"), id="ING's own code"),
    pytest.param(own("NTRF+166+00931", "DK"), id="German DK: GVC 166, a SEPA credit"),
    pytest.param(own("166", "DK"), id="German DK: bare GVC 166"),
    pytest.param(own("10000107000"), id="Raiffeisenbank CZ's own code"),
])
def test_a_customers_credit_is_not_a_return(tmp_path: Path, code: str) -> None:
    entry = one(tmp_path, ntry(tx(), code=code))
    assert (entry.returned, entry.skip_reason, entry.payer_name) == (False, None, "John Smith")


def test_a_debit_with_return_information_stays_a_debit(tmp_path: Path) -> None:
    entry = one(tmp_path, ntry(tx(extra=RETURN_INFO), indicator="DBIT", code=iso("PMNT", "IDDT", "UPDD")))
    assert (entry.returned, entry.skip_reason) == (False, "debit")


def test_only_the_returned_transaction_of_a_batch_is_skipped(tmp_path: Path) -> None:
    batch = ntry(tx(amount="2.00"), tx("<Dbtr><Nm>Mr Test</Nm></Dbtr>", RETURN_INFO, amount="1.10"), amount="3.10",
                 code=iso("PMNT", "RCDT", "ESCT"))
    entries, _ = read(write(tmp_path, document(batch)))
    assert [(e.amount, e.payer_name, e.skip_reason) for e in entries] == [
        (D("2.00"), "John Smith", None), (D("1.10"), "Mr Test", RETURNED)]


def test_a_returned_transfer_never_settles_an_invoice(ctx: Ctx, tmp_path: Path) -> None:
    """The GLS repro: a 1.10 return of the firm's own transfer used to settle the only 1.10 invoice."""
    customer = contractor(ctx, "Kunde GmbH")
    invoice(ctx, customer, "RE-2024-17", "1.10", dt.date(2024, 3, 15), currency="EUR")
    path = write(tmp_path, document(ntry(tx(extra=RETURN_INFO), code=iso("PMNT", "ICDT", "RRTN"))))
    result = import_statement(ctx, path)
    assert (result.summary.payments, result.matched_by) == (0, {})
    assert [s["reason"] for s in result.summary.skipped] == [RETURNED]
    ctx.session.flush()
    assert ctx.session.scalar(select(Invoice.paid).where(Invoice.number == "RE-2024-17")) == D(0)


# Finding 7: bank interest, and credits in no currency or not in the account's.

@pytest.mark.parametrize(("code", "indicator", "reason"), [
    (iso("ACMT", "MCOP", "INTR"), "CRDT", "interest from the bank"),
    (iso("ACMT", "ACOP", "INTR"), "CRDT", "interest from the bank"),  # PostFinance
    (iso("LDAS", "FTDP", "INFD"), "CRDT", "interest from the bank"),  # a fixed-term deposit's
    (iso("ACMT", "MDOP", "INTR"), "DBIT", "debit"),
    (iso("PMNT", "RCDT", "ESCT"), "CRDT", None),
])
def test_bank_interest_is_not_a_customers_payment(tmp_path: Path, code: str, indicator: str,
                                                  reason: str | None) -> None:
    assert one(tmp_path, ntry(tx(), code=code, indicator=indicator)).skip_reason == reason


def test_credits_in_no_currency_or_not_the_accounts_are_warned(tmp_path: Path) -> None:
    entries, warnings = read(write(tmp_path, document(
        ntry(tx(), ref="X", currency="XXX"), ntry(tx(), ref="USD", currency="USD"), ntry(tx(), ref="EUR"),
        ntry(tx(), ref="D", currency="USD", indicator="DBIT"), account_currency="EUR")))
    assert [e.currency for e in entries] == ["XXX", "USD", "EUR", "USD"]
    assert warnings == [
        ("/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]",
         "the amount is in XXX (no currency): the payment is kept in XXX and matches no invoice"),
        ("/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]",
         "the entry is in USD but the account (Acct/Ccy) in EUR; the payment is kept in USD")]


def test_without_the_accounts_currency_only_no_currency_is_warned(tmp_path: Path) -> None:
    _, warnings = read(write(tmp_path, document(ntry(tx(), ref="A", currency="CHF"), ntry(tx(), currency="XXX"))))
    assert [text for _, text in warnings] == [
        "the amount is in XXX (no currency): the payment is kept in XXX and matches no invoice"]


# Finding 4: the payer's name where banks put it when Dbtr/Nm is missing.

@pytest.mark.parametrize(("parties", "name"), [
    ("", None),
    ("<Dbtr><Nm>Kunde GmbH</Nm></Dbtr>", "Kunde GmbH"),
    ("<Dbtr><Pty><Nm>Kunde GmbH</Nm></Pty></Dbtr>", "Kunde GmbH"),  # v09 and later
    ("<UltmtDbtr><Nm>Kunde GmbH</Nm></UltmtDbtr>", "Kunde GmbH"),
    ("<Dbtr><Nm>NOTPROVIDED</Nm></Dbtr><UltmtDbtr><Pty><Nm>Kunde GmbH</Nm></Pty></UltmtDbtr>", "Kunde GmbH"),
    ("<Dbtr><Nm>Kunde GmbH</Nm></Dbtr><UltmtDbtr><Nm>Other AG</Nm></UltmtDbtr>", "Kunde GmbH"),
])
def test_the_payers_name(tmp_path: Path, parties: str, name: str | None) -> None:
    assert one(tmp_path, ntry(tx(parties))).payer_name == name


@pytest.mark.parametrize(("parties", "name"), [
    ("", "Wágner Dugová Alena"),  # Raiffeisenbank CZ: no Dbtr at all
    ("<Dbtr><Nm>NOT PROVIDED</Nm></Dbtr>", "Wágner Dugová Alena"),
    ("<Dbtr><Nm>Kunde GmbH</Nm></Dbtr>", "Kunde GmbH"),  # the debtor comes first
])
def test_the_payers_name_from_the_debtors_account(tmp_path: Path, parties: str, name: str) -> None:
    account = "<DbtrAcct><Id><Othr><Id>861828109</Id></Othr></Id><Nm>Wágner Dugová Alena</Nm></DbtrAcct>"
    entry = f"<TxDtls><RltdPties>{parties}{account}</RltdPties><RmtInf><Ustrd>VS:1101</Ustrd></RmtInf></TxDtls>"
    assert one(tmp_path, ntry(entry, currency="CZK", amount="1500.00")).payer_name == name


def test_the_name_on_the_debtors_account_points_review_at_the_payers_invoice(ctx: Ctx, tmp_path: Path) -> None:
    alena = contractor(ctx, "Wágner Dugová Alena", country="CZ")
    other = contractor(ctx, "Daramis Heights s. r. o.", country="CZ")
    invoice(ctx, alena, "2025-0101", "1500.00", dt.date(2025, 2, 1), currency="CZK")
    invoice(ctx, other, "2025-0102", "1500.00", dt.date(2025, 2, 1), currency="CZK")
    account = "<DbtrAcct><Id><Othr><Id>861828109</Id></Othr></Id><Nm>Wágner Dugová Alena</Nm></DbtrAcct>"
    entry = f"<TxDtls><RltdPties>{account}</RltdPties><RmtInf><Ustrd>VS:9999</Ustrd></RmtInf></TxDtls>"
    assert import_statement(ctx, write(tmp_path, document(ntry(entry, currency="CZK", amount="1500.00")))
                            ).summary.unmatched == 1
    (item,) = review_list(ctx)
    assert item.row.payer == "Wágner Dugová Alena"
    best = item.suggestions[0]
    assert (best.invoice, best.score, best.reason) == ("2025-0101", 0.8, "the payer's invoice of exactly that amount")


# Finding 5: several complete documents written one after another into one file.

def test_documents_one_after_another_are_all_read(ctx: Ctx, tmp_path: Path) -> None:
    """OCA's merged sample: two complete documents, each with its XML declaration, one after the other."""
    first = document(ntry(tx(), ref="A1", amount="10.00"))
    second = document(ntry(tx(), ref="B1", amount="20.00"), ntry(tx(), ref="B2", amount="30.00"))
    path = write(tmp_path, first + "\n" + second + "\n")
    entries, warnings = read(path)
    assert [(e.where, e.amount) for e in entries] == [
        ("/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]", D("10.00")),
        ("/Document[2]/BkToCstmrStmt/Stmt[1]/Ntry[1]", D("20.00")),
        ("/Document[2]/BkToCstmrStmt/Stmt[1]/Ntry[2]", D("30.00"))]
    assert warnings == []
    assert import_statement(ctx, path).summary.payments == 3
    assert import_statement(ctx, path).summary.payments == 0


@pytest.mark.parametrize("encoding", ["UTF-8", "ISO-8859-1"])
def test_documents_on_one_line_with_accented_text_before_the_second(tmp_path: Path, encoding: str) -> None:
    """The parser names where the second document begins in characters: found in bytes in the file's encoding."""
    first = document(ntry(tx("<Dbtr><Nm>Müller Bäckerei</Nm></Dbtr>"), ref="A1", text="Überweisung"),
                     encoding=encoding).replace("\n", "")
    second = document(ntry(tx("<Dbtr><Nm>Žluťoučký kůň</Nm></Dbtr>" if encoding == "UTF-8" else ""), ref="B1"),
                      encoding=encoding).replace("\n", "")
    entries, _ = read(write(tmp_path, first + second, encoding=encoding))
    assert [(e.reference, e.payer_name) for e in entries] == [
        ("A1", "Müller Bäckerei"), ("B1", "Žluťoučký kůň" if encoding == "UTF-8" else None)]


def test_documents_one_after_another_after_a_byte_order_mark_and_without_a_second_declaration(tmp_path: Path) -> None:
    first = document(ntry(tx(), ref="A1")).replace("\n", "")
    second = document(ntry(tx(), ref="B1"))[len(DECLARATION.format(encoding="UTF-8")):]
    entries, _ = read(write(tmp_path, "\ufeff" + first + second))
    assert [e.reference for e in entries] == ["A1", "B1"]


def test_a_broken_second_document_is_named_by_its_line_in_the_file(ctx: Ctx, tmp_path: Path) -> None:
    first = document(ntry(tx(), ref="A1"))  # lines 1-6
    second = document(ntry(tx(), ref="B1")).replace("<Sts>BOOK</Sts>", "<Sts>BOOK</Stx>")  # its 5th line: 11
    path = write(tmp_path, first + "\n" + second + "\n")
    with pytest.raises(UserError, match=r"^st\.xml: line 11, column \d+: not well-formed XML \(mismatched tag\)$"):
        import_statement(ctx, path)


def test_what_follows_a_document_must_be_another_document(tmp_path: Path) -> None:
    path = write(tmp_path, document(ntry(tx())) + "\nsome text\n")
    with pytest.raises(UserError, match=r"line 7, column 1: not well-formed XML \(junk after document element\)"):
        read(path)


def test_a_second_document_that_declares_a_dtd_is_refused(tmp_path: Path) -> None:
    second = document(ntry(tx(), ref="B1")).replace("<Document ", '<!DOCTYPE Document [<!ENTITY x "y">]>\n<Document ')
    path = write(tmp_path, document(ntry(tx(), ref="A1")) + "\n" + second)
    with pytest.raises(UserError, match=r"refused: the XML declares a DTD or entities"):
        read(path)


def test_a_second_document_of_another_kind_is_named(tmp_path: Path) -> None:
    second = document(ntry(tx(), ref="B1")).replace("camt.053.001.02", "camt.054.001.02")
    with pytest.raises(ImportProblem) as info:
        read(write(tmp_path, document(ntry(tx(), ref="A1")) + "\n" + second))
    assert info.value.where == "/Document[2]"
    assert "camt.054 debit/credit notification" in info.value.message


# Finding 6: what is said for a file that is not a camt.053 statement.

@pytest.mark.parametrize(("message", "kind"), [("BkToCstmrAcctRpt", "a camt.052 account report"),
                                               ("BkToCstmrDbtCdtNtfctn", "a camt.054 debit/credit notification")])
def test_a_report_or_notification_without_namespace_is_named(tmp_path: Path, message: str, kind: str) -> None:
    path = write(tmp_path, f"<Document><{message}><GrpHdr/><Rpt/></{message}></Document>")
    with pytest.raises(ImportProblem) as info:
        read(path)
    assert info.value.where == f"/Document/{message}"
    assert info.value.message.startswith(f"the file is {kind}")
    assert info.value.message.endswith("not a camt.053 statement: export the end-of-day statement (camt.053) or "
                                       "MT940 from your bank and import that")


@pytest.mark.parametrize("fmt", [None, "camt053"])
def test_a_zip_archive_is_to_be_unpacked_first(ctx: Ctx, tmp_path: Path, fmt: str | None) -> None:
    archive = tmp_path / "statements.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("one.xml", document(ntry(tx())))
        zipped.writestr("two.xml", document(ntry(tx(), ref="E2")))
    with pytest.raises(UserError) as info:
        import_statement(ctx, archive, fmt)
    assert str(info.value).endswith("statements.zip: is a ZIP archive: unpack it and import the XML statements it "
                                    "holds one by one")  # "format: " before it when the format was to be told


def test_a_statement_given_to_the_invoice_import_says_to_import_it_as_a_statement(tmp_path: Path) -> None:
    from collector_app.imports.detect import detect_format  # the invoice import's format detection

    path = write(tmp_path, document(ntry(tx()), version="08"))
    with pytest.raises(UserError) as info:
        detect_format(path, "st.xml")
    assert str(info.value) == (
        'st.xml: /Document: "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08" is a bank statement (ISO 20022 camt), '
        'not invoices: import it with "collector import statement" (in the window: Import bank statement…)')
