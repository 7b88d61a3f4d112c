"""camt.053 reader: versions .02/.04/.08, prefixes, batch entries, reversals, status, streaming."""

from __future__ import annotations

import datetime as dt
import tracemalloc
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.samples import needs_samples
from helpers.statements import DATA, SAMPLES, statement_ledger
from sqlalchemy import select

from collector_app.db.models import Invoice
from collector_app.domain.errors import UserError
from collector_app.imports import camt053
from collector_app.imports.bank import BankEntry
from collector_app.imports.camt053 import read_camt053
from collector_app.imports.common import ImportProblem
from collector_app.services.context import Ctx
from collector_app.services.import_statement import import_statement
from collector_app.services.matching import learn_account

D = Decimal


def read(path: Path) -> tuple[list[BankEntry], list[tuple[str, str]]]:
    warnings: list[tuple[str, str]] = []
    entries = list(read_camt053(path, lambda ref, text: warnings.append((ref, text))))
    return entries, warnings


@needs_samples
def test_oca_sample_reversal_and_batch() -> None:
    entries, warnings = read(SAMPLES / "camt053/oca_camt053.001.02_NL77ABNA0574908765.xml")
    assert [(e.position, e.credit, e.reversal, e.skip_reason) for e in entries] == [
        ("1", False, False, "debit"), ("2.1", False, True, "reversal"), ("2.2", False, True, "reversal"),
        ("3", True, False, None)]
    credit = entries[-1]
    assert (credit.amount, credit.currency, credit.booking_date) == (D("1405.31"), "EUR", dt.date(2014, 1, 5))
    assert (credit.payer_name, credit.payer_account) == ("3rd party Media", "NL69ABNA0522123643")
    assert credit.title == "#RD PARTY MEDIA CUSNO 90782 4210773"  # AddtlTxInf when there is no Ustrd
    assert credit.account == "NL77ABNA0574908765"
    assert warnings == []


@needs_samples
def test_dolibarr_sample_references() -> None:
    entries, _ = read(SAMPLES / "camt053/dolibarr_camt053.001.02_invoice-refs_EUR.xml")
    assert [(e.reference, e.title, e.credit) for e in entries] == [
        ("CREDIT001", "Invoice payment INV-2024-001", True),
        ("DEBIT001", "Supplier payment SUP-2024-001", False),
        ("CREDIT002", "Wire transfer from client", True)]


def test_v02_batch_entry_splits_into_its_transactions() -> None:
    entries, _ = read(DATA / "camt053_v02_batch_reversal.xml")
    batch = [e for e in entries if e.position.startswith("2.")]
    assert [(e.amount, e.title, e.payer_name, e.bank_txn_id()) for e in batch] == [
        (D("300.00"), "FV/3/2026", "Beta Bud S.A.", "BANK-02-2/1"),
        (D("250.50"), "FV 2/2026", "Omega Handel Sp. z o.o.", "BANK-02-2/2")]
    assert batch[0].where == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/NtryDtls/TxDtls[1]"
    assert [e.skip_reason for e in entries] == [None, None, None, "reversal", "not booked (status PDNG)", "debit"]


def test_v04_keeps_the_files_prefixes_and_reads_structured_references() -> None:
    (rf, vs), _ = read(DATA / "camt053_v04_prefixed.xml")
    assert rf.where == "/ns0:Document/ns0:BkToCstmrStmt/ns0:Stmt[1]/ns0:Ntry[1]"
    assert rf.creditor_refs == ("RF71FV32026",)
    assert rf.booking_date == dt.date(2026, 3, 16)  # from BookgDt/DtTm with a zone
    assert (vs.currency, vs.title) == ("CZK", "/VS/0020260007 platba")


def test_v08_status_code_and_party_names() -> None:
    entries, _ = read(DATA / "camt053_v08_duplicates.xml")
    assert [e.status for e in entries] == ["BOOK"] * 4
    assert entries[0].payer_name == "Jan Kowalski"
    assert entries[0].content_key() == entries[1].content_key()  # identical transfers: the import counts them
    assert entries[3].title == "CASH DEPOSIT"  # AddtlNtryInf of an entry without details


@pytest.mark.parametrize("name", ["xxe.xml", "entity_bomb.xml"])
def test_entities_are_refused(name: str) -> None:
    with pytest.raises(UserError) as info:
        read(DATA / name)
    assert "refused" in str(info.value)


@pytest.mark.parametrize(("uri", "says"), [
    ("urn:example:other", "is not a camt.053 statement (camt.053.001.02 to .13 are read)"),
    ("ISO:camt.053.001.021:APC", "is not a camt.053 statement (camt.053.001.02 to .13 are read)"),
    ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.01", "is a version of camt.053 that is not read "
                                                         "(camt.053.001.02 to .13 are read)"),
    ("urn:iso:std:iso:20022:tech:xsd:camt.052.001.02", "is a camt.052 account report (intraday or interim turnover), "
     "not a camt.053 statement: export the end-of-day statement (camt.053) or MT940 from your bank and import that"),
    ("urn:iso:std:iso:20022:tech:xsd:camt.054.001.08", "is a camt.054 debit/credit notification (single bookings, "
     "e.g. QR/ESR credits), not a camt.053 statement: export the end-of-day statement (camt.053) or MT940"),
])
def test_unknown_namespace(tmp_path: Path, uri: str, says: str) -> None:
    """The versions read are .02 to .13 (the message used to say ".02, .04 or .08"); camt.052 and camt.054
    are named, with what to export instead."""
    path = tmp_path / "x.xml"
    path.write_text(f'<Document xmlns="{uri}"><BkToCstmrStmt/></Document>', encoding="utf-8")
    with pytest.raises(ImportProblem) as info:
        read(path)
    assert info.value.where == "/Document"
    assert info.value.message.startswith(f'"{uri}" {says}'), info.value.message


def test_austrian_stuzza_namespace_is_camt053() -> None:
    """Austrian banks write "ISO:camt.053.001.02:APC:STUZZA:payments:00x" instead of the ISO urn."""
    (entry,), warnings = read(DATA / "camt053_stuzza_namespace.xml")
    assert (entry.amount, entry.currency, entry.booking_date, entry.bank_txn_id()) == (
        D("1230.00"), "EUR", dt.date(2026, 3, 16), "AT-REF-0001")
    assert (entry.payer_name, entry.payer_account, entry.creditor_refs) == (
        "Alpen Holz GmbH", "AT483200000012345864", ("RF18FV72026",))
    assert entry.where == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]"
    assert warnings == []


def test_a_document_without_namespace_is_read_by_its_elements_and_says_so() -> None:
    (entry,), warnings = read(DATA / "camt053_no_namespace.xml")
    assert (entry.amount, entry.currency, entry.reference, entry.skip_reason) == (
        D("615.00"), "PLN", "NONS-REF-1", None)
    assert (entry.payer_name, entry.payer_account) == ("Omega Handel Sp. z o.o.", "PL27114020040000300201355387")
    assert entry.title == "Zaplata za FV/6/2026"  # Ustrd split over two elements
    assert entry.account == "PL61109010140000071219812874"
    assert warnings == [("/Document", "the file declares no namespace; it is read as camt.053 by its elements")]


def test_batch_transactions_sharing_their_bank_reference_stay_apart() -> None:
    """Each transaction of the batch is its own payment: a repeated TxDtls AcctSvcrRef must not make the
    second one look already imported. A reference two transactions share is neither's: both are keyed by
    the entry's reference and their place; the one only the third has is its own."""
    entries, warnings = read(DATA / "camt053_batch_repeated_tx_reference.xml")
    assert [(e.position, e.amount, e.payer_name, e.bank_txn_id()) for e in entries] == [
        ("1.1", D("400.00"), "Berg Apotheke AG", "CH-ENTRY-77/1"),
        ("1.2", D("300.00"), "Seeblick Hotel GmbH", "CH-ENTRY-77/2"),
        ("1.3", D("200.00"), "Berg Apotheke AG", "PKG260316B")]
    assert warnings == []


def test_no_statement(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
                    "<GrpHdr/></BkToCstmrStmt></Document>", encoding="utf-8")
    with pytest.raises(ImportProblem) as info:
        read(path)
    assert "missing" in info.value.message


def _big_camt(path: Path, entries: int) -> None:
    ntry = ('<Ntry><Amt Ccy="PLN">{n}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-16'
            "</Dt></BookgDt><AcctSvcrRef>R{n}</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>FV/{n}/2026 "
            + "x" * 200 + "</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n")
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>'
                 "<Acct><Id><IBAN>PL61109010140000071219812874</IBAN></Id></Acct>\n")
        for n in range(1, entries + 1):
            fh.write(ntry.format(n=n))
        fh.write("</Stmt></BkToCstmrStmt></Document>\n")


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Entries are dropped from the tree once read: ten times the entries, about the same peak."""
    peaks = []
    for n in (500, 5000):
        path = tmp_path / f"big{n}.xml"
        _big_camt(path, n)
        tracemalloc.start()
        count = sum(1 for _ in read_camt053(path, lambda ref, text: None))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert count == n
    assert peaks[1] < peaks[0] * 2, peaks


def test_any_doctype_is_refused_even_without_entities(tmp_path: Path) -> None:
    """The reader parses with expat's C tree builder after refusing a DOCTYPE, as defusedxml's forbid_dtd does."""
    path = tmp_path / "dtd.xml"
    path.write_text('<?xml version="1.0"?>\n<!-- a comment first -->\n<!DOCTYPE Document>\n'
                    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>', encoding="utf-8")
    with pytest.raises(UserError, match=r"^dtd.xml: refused: the XML declares a DTD or entities \(DTDForbidden\)"):
        read(path)


def test_not_well_formed_before_the_root_is_named_by_the_parser(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text('<?xml version="1.0"?>\n<!-- x -- y -->\n<Document/>', encoding="utf-8")
    with pytest.raises(UserError, match=r"^bad.xml: line 2, column \d+: not well-formed XML"):
        read(path)


def test_paths_find_the_first_match_in_document_order_as_elementpath_does() -> None:
    """Repeated elements: the first RltdPties has no Dbtr, the second two; the lookup walks them in order."""
    root = ET.fromstring("<Tx><RltdPties><Cdtr><Nm>C</Nm></Cdtr></RltdPties><RltdPties><Dbtr><Id/></Dbtr>"
                         "<Dbtr><Nm>D2</Nm></Dbtr></RltdPties><RmtInf><Ustrd>a</Ustrd><Ustrd>b</Ustrd></RmtInf></Tx>")
    for path in ("RltdPties/Dbtr/Nm", "RltdPties/Cdtr/Nm", "RltdPties/Dbtr", "RmtInf/Ustrd", "RltdPties/X/Nm", "Nope"):
        assert camt053._first(root, camt053._steps("", path)) is root.find(path), path
        found: list[ET.Element] = []
        camt053._all(root, camt053._steps("", path), found)
        assert found == root.findall(path), path


def test_a_bad_transaction_amount_names_its_transaction(tmp_path: Path) -> None:
    path = tmp_path / "tx.xml"
    path.write_text(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>'
        '<Ntry><Amt Ccy="PLN">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-16</Dt>'
        '</BookgDt><NtryDtls><TxDtls><Amt Ccy="PLN">4.00</Amt></TxDtls><TxDtls><Amt Ccy="XX">6.00</Amt></TxDtls>'
        "</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>", encoding="utf-8")
    with pytest.raises(ImportProblem) as info:
        read(path)
    assert info.value.where == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/NtryDtls/TxDtls[2]/Amt/@Ccy"


def test_every_transaction_of_a_batch_with_a_repeated_reference_becomes_a_payment(ctx: Ctx) -> None:
    """End to end: three payments, none skipped as already imported; importing again adds nothing."""
    first = import_statement(ctx, DATA / "camt053_batch_repeated_tx_reference.xml")
    assert (first.summary.payments, first.summary.skipped, first.summary.warnings) == (3, [], [])
    again = import_statement(ctx, DATA / "camt053_batch_repeated_tx_reference.xml")
    assert again.summary.payments == 0
    assert [s["reason"] for s in again.summary.skipped] == ["already imported"] * 3


def test_czech_variable_symbol_in_the_end_to_end_id_is_a_reference() -> None:
    (vs, other), _ = read(DATA / "camt053_cz_variable_symbol_in_end_to_end_id.xml")
    assert (vs.creditor_refs, vs.title, vs.payer_account) == (
        ("20260007",), "Uhrada faktury, prvni splatka", "29001234562010")
    assert other.creditor_refs == ()  # NOTPROVIDED is no symbol


def test_czech_variable_symbol_in_the_end_to_end_id_pays_its_invoice(ctx: Ctx) -> None:
    statement_ledger(ctx)
    result = import_statement(ctx, DATA / "camt053_cz_variable_symbol_in_end_to_end_id.xml")
    assert (result.summary.payments, result.summary.matched, result.matched_by) == (2, 1, {"variable-symbol": 1})
    ctx.session.flush()
    assert ctx.session.scalar(select(Invoice.paid).where(Invoice.number == "FA-2026-0007")) == D("1000.00")


def test_czech_domestic_payer_accounts_are_kept_as_their_iban(ctx: Ctx) -> None:
    """The number and the agent's bank code, or number/bank code: the IBAN either way, so the account typed in
    for the contractor (here as the IBAN) names the payer."""
    entries, _ = read(DATA / "camt053_cz_domestic_accounts.xml")
    assert [e.payer_account for e in entries] == ["CZ6508000000192000145399"] * 2
    ledger = statement_ledger(ctx)
    learn_account(ctx, ledger.alfa.id, "CZ65 0800 0000 1920 0014 5399", source="typed")
    result = import_statement(ctx, DATA / "camt053_cz_domestic_accounts.xml")
    assert result.matched_by == {"payer-account": 1}  # the second finds nothing left to pay: credit
    ctx.session.flush()
    assert ctx.session.scalar(select(Invoice.paid).where(Invoice.number == "FA-2026-0007")) == D("1500.00")


def test_entries_without_status_or_dates_are_booked_on_the_statements_date() -> None:
    entries, warnings = read(DATA / "camt053_entries_without_status_or_dates.xml")
    assert [(e.amount, e.status, e.skip_reason, e.booking_date) for e in entries] == [
        (D("100.00"), "BOOK", None, dt.date(2026, 3, 16)),  # FrToDt/ToDtTm, not CreDtTm nor the balance's day
        (D("0.20"), "BOOK", "debit", dt.date(2026, 3, 16)),
        (D("50.00"), "BOOK", None, dt.date(2026, 3, 13))]  # the closing balance's day, not the opening one's
    assert entries[0].payer_name == "Baltic Timber UAB"
    assert warnings == [  # once for the file, not per entry
        ("/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]",
         "entries without a status (Sts) are taken as booked, as a statement reports them"),
        ("/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]",
         "entries without a booking or value date are booked on the statement's date 2026-03-16")]


def test_an_entry_without_any_date_in_a_statement_without_one_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nodate.xml"
    path.write_text('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>'
                    '<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>'
                    "</Stmt></BkToCstmrStmt></Document>", encoding="utf-8")
    with pytest.raises(ImportProblem) as info:
        read(path)
    assert (info.value.where, info.value.message) == (
        "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/BookgDt", "missing (expected Dt or DtTm, or a date of the statement)")


def test_entries_whose_reference_says_not_provided_are_told_apart(ctx: Ctx, tmp_path: Path) -> None:
    """NOTPROVIDED (like MT940's NONREF) is no reference: two transfers carrying it are two payments, and
    importing the file again still adds nothing."""
    path = tmp_path / "notprovided.xml"
    ntry = ('<Ntry><NtryRef>NOTPROVIDED</NtryRef><Amt Ccy="PLN">{n}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
            "<BookgDt><Dt>2026-03-16</Dt></BookgDt><AcctSvcrRef>NOTPROVIDED</AcctSvcrRef><NtryDtls><TxDtls>"
            "<RmtInf><Ustrd>payment {n}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")
    path.write_text('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>'
                    "<Acct><Id><IBAN>PL61109010140000071219812874</IBAN></Id></Acct>"
                    + ntry.format(n=1) + ntry.format(n=2) + "</Stmt></BkToCstmrStmt></Document>", encoding="utf-8")
    assert import_statement(ctx, path).summary.payments == 2
    assert import_statement(ctx, path).summary.payments == 0


def test_a_statement_in_a_business_message_envelope_is_read(tmp_path: Path) -> None:
    """SWIFT delivers camt.053 as BizMsgEnvlp: an application header (head.001), then the Document."""
    path = tmp_path / "envelope.xml"
    path.write_text(
        '<BizMsgEnvlp xmlns="urn:swift:xsd:envelope"><AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">'
        "<Fr><FIId><FinInstnId><BICFI>BREXPLPWXXX</BICFI></FinInstnId></FIId></Fr><BizMsgIdr>M1</BizMsgIdr>"
        "<MsgDefIdr>camt.053.001.08</MsgDefIdr><CreDt>2026-03-16T08:00:00Z</CreDt></AppHdr>"
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>'
        "<Acct><Id><IBAN>PL61109010140000071219812874</IBAN></Id></Acct>"
        '<Ntry><Amt Ccy="PLN">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        "<BookgDt><Dt>2026-03-16</Dt></BookgDt><AcctSvcrRef>E1</AcctSvcrRef><NtryDtls><TxDtls><RmtInf>"
        "<Ustrd>FV/1/2026</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        "</Stmt></BkToCstmrStmt></Document></BizMsgEnvlp>", encoding="utf-8")
    entries, _ = read(path)
    assert [(e.amount, e.title, e.reference) for e in entries] == [(D("12.50"), "FV/1/2026", "E1")]
    other = tmp_path / "other.xml"
    other.write_text('<BizMsgEnvlp xmlns="urn:swift:xsd:envelope"><AppHdr/>'
                     '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/></BizMsgEnvlp>',
                     encoding="utf-8")
    with pytest.raises(ImportProblem, match=r"camt\.054"):
        read(other)


@pytest.mark.parametrize(("stamp", "ok"), [("2026-03-16T10:30:00.123+01:00", True), ("2026-03-16T24:00:00", True),
                                          ("2026-03-16T25:30:00", False), ("2026-03-16Tnoon", False)])
def test_a_booking_date_and_time_must_be_one(tmp_path: Path, stamp: str, ok: bool) -> None:
    xml = tmp_path / "dttm.xml"
    xml.write_text(f'''<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>T</MsgId>
<CreDtTm>2026-03-16T20:00:00</CreDtTm></GrpHdr><Stmt><Id>T</Id><Acct><Id><IBAN>PL61109010140000071219812874</IBAN></Id></Acct>
<Ntry><Amt Ccy="PLN">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><DtTm>{stamp}</DtTm></BookgDt>
<AcctSvcrRef>R1</AcctSvcrRef></Ntry></Stmt></BkToCstmrStmt></Document>''', encoding="utf-8")
    if ok:
        (entry,), _ = read(xml)
        assert entry.booking_date == dt.date(2026, 3, 16)
    else:
        with pytest.raises(ImportProblem, match="is not a date and time"):
            read(xml)
