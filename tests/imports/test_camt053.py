"""camt.053 reader: versions .02/.04/.08, prefixes, batch entries, reversals, status, streaming."""

from __future__ import annotations

import datetime as dt
import tracemalloc
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.samples import needs_samples
from helpers.statements import DATA, SAMPLES

from collector_app.domain.errors import UserError
from collector_app.imports import camt053
from collector_app.imports.bank import BankEntry
from collector_app.imports.camt053 import read_camt053
from collector_app.imports.common import ImportProblem

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
    assert entries[0].bank_txn_id() != entries[1].bank_txn_id()  # identical transfers, positions differ
    assert entries[3].title == "CASH DEPOSIT"  # AddtlNtryInf of an entry without details


@pytest.mark.parametrize("name", ["xxe.xml", "entity_bomb.xml"])
def test_entities_are_refused(name: str) -> None:
    with pytest.raises(UserError) as info:
        read(DATA / name)
    assert "refused" in str(info.value)


def test_unknown_namespace(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text('<Document xmlns="urn:example:other"><BkToCstmrStmt/></Document>', encoding="utf-8")
    with pytest.raises(ImportProblem) as info:
        read(path)
    assert info.value.where == "/Document"
    assert "is not a camt.053 statement" in info.value.message


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
