"""Import batches: listed with their counts, undone as a whole only while nothing touched them since."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.cli_support import ledger_dump
from helpers.invoice_imports import DATA, documents, make_firm, run_import
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Contractor, ContractorAccount, Event, ImportBatch
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx
from collector_app.services.contractors import ContractorData, add_contractor, update_contractor
from collector_app.services.import_batches import batch_page, list_batches, preview_undo, undo_batch
from collector_app.services.import_statement import import_statement
from collector_app.services.invoices import InvoiceData, add_invoice
from collector_app.services.matching import learn_account
from collector_app.services.payments import PaymentData, add_payment

CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-03-16T18:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2026-03-16T18:00:00</CreDtTm>
<Acct><Id><IBAN>PL61109010140000071219812874</IBAN></Id><Ccy>PLN</Ccy></Acct>
<Ntry><Amt Ccy="PLN">1230.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-16</Dt></BookgDt>
<AcctSvcrRef>REF-1</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Gamma Handel S.A.</Nm></Dbtr></RltdPties>
<RmtInf><Ustrd>Zaplata FA/3/2026</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""


def _undo(ledger: Ledger, clock: FixedClock, batch_id: int) -> dict[str, object]:
    with ledger.transaction() as s:
        return undo_batch(Ctx(s, clock, "tester"), batch_id).as_dict()


def _batches(ledger: Ledger, clock: FixedClock) -> list[object]:
    with ledger.transaction() as s:
        return list(list_batches(Ctx(s, clock, "tester")))


def test_undo_removes_the_documents_and_the_contractors_the_batch_created(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    with ledger.transaction() as s:
        add_contractor(Ctx(s, clock, "tester"), ContractorData(name="Gamma (typed)", tax_id="5252344078"))
    result = run_import(ledger, clock, DATA / "cp1250_semicolon_comma.csv")
    rows = _batches(ledger, clock)
    assert [(r.id, r.documents, r.undone_at) for r in rows] == [(result.batch_id, 4, None)]  # type: ignore[attr-defined]
    assert _undo(ledger, clock, result.batch_id) == {"batch": result.batch_id, "file": "cp1250_semicolon_comma.csv",
                                                     "documents": 4, "payments": 0, "contractors": 2,
                                                     "allocations": 0, "fields_reverted": 0, "fields_kept": 0,
                                                     "kept": [], "accounts_forgotten": 0}
    assert documents(ledger) == {}
    with ledger.transaction() as s:
        assert [c.name for c in s.scalars(select(Contractor))] == ["Gamma (typed)"]  # typed in: kept
        batch = s.get(ImportBatch, result.batch_id)
        assert batch is not None and batch.undone_at is not None
        undone = s.scalars(select(Event.summary).where(Event.action == "import.undone")).all()
    assert undone == [f"Undid cp1250_semicolon_comma.csv (import batch {result.batch_id}): 4 documents, 0 payments, "
                      "2 contractors removed"]
    with pytest.raises(UserError, match="already undone"):
        _undo(ledger, clock, result.batch_id)
    again = run_import(ledger, clock, DATA / "cp1250_semicolon_comma.csv")  # the file can come in again
    assert again.summary.created == 4


def test_undo_is_refused_once_money_was_allocated(ledger: Ledger, clock: FixedClock, ledger_path: Path) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")
    with ledger.transaction() as s:
        add_payment(Ctx(s, clock, "tester"), PaymentData(date=dt.date(2026, 3, 16), amount=Decimal(100),
                                                           invoice_numbers=("FA/3/2026",)))
    before = ledger_dump(ledger_path)
    with pytest.raises(UserError, match=r"import batch \d+ \(ksef_fa3_invoice\.xml\) cannot be undone: money was "
                                        r"allocated to FA/3/2026 since"):
        _undo(ledger, clock, result.batch_id)
    assert ledger_dump(ledger_path) == before


def test_undo_of_a_credit_note_gives_the_older_invoice_its_balance_back(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")
    kor = run_import(ledger, clock, DATA / "ksef_fa3_kor.xml")
    assert documents(ledger)["FA/3/2026"].paid == Decimal(123)
    assert _undo(ledger, clock, kor.batch_id)["allocations"] == 1
    docs = documents(ledger)
    assert set(docs) == {"FA/3/2026"} and docs["FA/3/2026"].paid == 0


def test_a_later_credit_note_blocks_the_undo_of_its_invoice(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    first = run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")
    run_import(ledger, clock, DATA / "ksef_fa3_kor.xml")
    with pytest.raises(UserError, match="cannot be undone"):
        _undo(ledger, clock, first.batch_id)


def test_undo_of_a_statement_batch_takes_its_matched_payments_back(ledger: Ledger, clock: FixedClock,
                                                                  tmp_path: Path) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")
    camt = tmp_path / "camt.xml"
    camt.write_text(CAMT, encoding="utf-8")
    with ledger.transaction() as s:
        statement = import_statement(Ctx(s, clock, "tester"), camt)
    assert statement.batch_id is not None
    assert documents(ledger)["FA/3/2026"].paid == Decimal(1230)
    undone = _undo(ledger, clock, statement.batch_id)
    assert (undone["payments"], undone["allocations"]) == (1, 1)
    assert documents(ledger)["FA/3/2026"].paid == 0


def test_a_hand_allocation_after_a_statement_blocks_its_undo(ledger: Ledger, clock: FixedClock,
                                                             tmp_path: Path) -> None:
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        c = add_contractor(ctx, ContractorData(name="Eta"))
        add_invoice(ctx, InvoiceData(c.id, "E/1", dt.date(2026, 3, 1), None, Decimal(999)))
    camt = tmp_path / "camt.xml"
    camt.write_text(CAMT.replace("Zaplata FA/3/2026", "no reference"), encoding="utf-8")
    with ledger.transaction() as s:
        statement = import_statement(Ctx(s, clock, "tester"), camt)
    from collector_app.services.payments import allocate

    assert statement.batch_id is not None
    with ledger.transaction() as s:
        allocate(Ctx(s, clock, "tester"), statement.payment_ids[0], "E/1")
    with pytest.raises(UserError, match="allocated by hand since"):
        _undo(ledger, clock, statement.batch_id)


def test_unknown_batch(ledger: Ledger, clock: FixedClock) -> None:
    with pytest.raises(UserError, match="no import batch 42"):
        _undo(ledger, clock, 42)


def test_the_preview_names_what_an_undo_removes_and_writes_nothing(ledger: Ledger, clock: FixedClock,
                                                                   ledger_path: Path) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, DATA / "cp1250_semicolon_comma.csv")
    before = ledger_dump(ledger_path)
    with ledger.transaction() as s:
        preview = preview_undo(Ctx(s, clock, "tester"), result.batch_id)
    assert preview.as_dict() == {"batch": result.batch_id, "file": "cp1250_semicolon_comma.csv", "documents": 4,
                                 "payments": 0, "contractors": 3, "allocations": 0, "fields_reverted": 0,
                                 "fields_kept": 0, "kept": [], "accounts_forgotten": 0}
    assert ledger_dump(ledger_path) == before
    assert _undo(ledger, clock, result.batch_id) == preview.as_dict()


def test_the_preview_gives_the_refusal_of_the_undo(ledger: Ledger, clock: FixedClock, ledger_path: Path) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")
    with ledger.transaction() as s:
        add_payment(Ctx(s, clock, "tester"), PaymentData(date=dt.date(2026, 3, 16), amount=Decimal(100),
                                                           invoice_numbers=("FA/3/2026",)))
    before = ledger_dump(ledger_path)
    with pytest.raises(UserError, match="cannot be undone: money was allocated to FA/3/2026 since"), \
            ledger.transaction() as s:
        preview_undo(Ctx(s, clock, "tester"), result.batch_id)
    assert ledger_dump(ledger_path) == before


def test_batch_pages_come_newest_first_with_their_summaries(ledger: Ledger, clock: FixedClock,
                                                            tmp_path: Path) -> None:
    make_firm(ledger, clock)
    csv = run_import(ledger, clock, DATA / "cp1250_semicolon_comma.csv")
    ksef = run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")
    camt = tmp_path / "camt.xml"
    camt.write_text(CAMT, encoding="utf-8")
    with ledger.transaction() as s:
        statement = import_statement(Ctx(s, clock, "tester"), camt)
    _undo(ledger, clock, csv.batch_id)
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        first, second = batch_page(ctx, 2), batch_page(ctx, 2, 2)
    assert [(d.row.id, d.row.kind, d.row.documents, d.row.payments) for d in first + second] == [
        (statement.batch_id, "statement", 0, 1), (ksef.batch_id, "invoices", 1, 0), (csv.batch_id, "invoices", 0, 0)]
    assert [d.row.undone_at is not None for d in first + second] == [False, False, True]
    summaries = [d.summary for d in first + second]
    assert all(summary is not None for summary in summaries)
    assert (summaries[0].payments, summaries[0].matched, summaries[0].unmatched) == (1, 1, 0)  # type: ignore[union-attr]
    assert (summaries[2].file, summaries[2].created) == ("cp1250_semicolon_comma.csv", 4)  # type: ignore[union-attr]


def test_the_preview_counts_only_the_contractors_the_undo_can_remove(ledger: Ledger, clock: FixedClock,
                                                                     tmp_path: Path) -> None:
    make_firm(ledger, clock)
    csv = run_import(ledger, clock, DATA / "cp1250_semicolon_comma.csv")
    run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")  # its buyer is one of the CSV's new contractors
    camt = tmp_path / "camt.xml"
    camt.write_text(CAMT, encoding="utf-8")
    with ledger.transaction() as s:
        statement = import_statement(Ctx(s, clock, "tester"), camt)
    assert statement.batch_id is not None
    for batch_id in (statement.batch_id, csv.batch_id):
        with ledger.transaction() as s:
            preview = preview_undo(Ctx(s, clock, "tester"), batch_id).as_dict()
        assert _undo(ledger, clock, batch_id) == preview
    assert (preview["documents"], preview["contractors"]) == (4, 2)
    with pytest.raises(UserError, match="already undone"), ledger.transaction() as s:
        preview_undo(Ctx(s, clock, "tester"), csv.batch_id)


IBAN = "PL27114020040000300201355387"


def _alfa(ledger: Ledger) -> Contractor:
    with ledger.transaction() as s:
        alfa = s.scalar(select(Contractor).where(Contractor.name == "Alfa (typed)"))
    assert alfa is not None
    return alfa


def _preview(ledger: Ledger, clock: FixedClock, batch_id: int) -> dict[str, object]:
    with ledger.transaction() as s:
        return preview_undo(Ctx(s, clock, "tester"), batch_id).as_dict()


def test_undo_empties_the_contractor_fields_the_import_filled(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    with ledger.transaction() as s:
        add_contractor(Ctx(s, clock, "tester"), ContractorData(name="Alfa (typed)", tax_id="7740001454",
                                                                city="Wrocław"))
    result = run_import(ledger, clock, DATA / "ubl_invoice.xml")
    alfa = _alfa(ledger)
    assert (alfa.address, alfa.postal_code, alfa.email) == ("Długa 5", "30-001", "ksiegowosc@alfa.example")
    preview = _preview(ledger, clock, result.batch_id)
    assert (preview["fields_reverted"], preview["fields_kept"], preview["kept"]) == (3, 0, [])
    assert _undo(ledger, clock, result.batch_id) == preview
    alfa = _alfa(ledger)
    assert (alfa.city, alfa.address, alfa.postal_code, alfa.email) == ("Wrocław", None, None, None)
    assert alfa.tax_id is not None, "typed in: kept"
    with ledger.transaction() as s:
        said = s.scalars(select(Event.summary).where(Event.action == "import.undone", Event.entity == "contractor"))
        assert list(said) == [f"Contractor Alfa (typed): address, postal_code, email emptied again "
                              f"(ubl_invoice.xml (import batch {result.batch_id}) undone)"]
    again = run_import(ledger, clock, DATA / "ubl_invoice.xml")  # the file can come in again and fill them again
    assert (again.summary.created, again.summary.updated) == (1, 1)
    assert _alfa(ledger).email == "ksiegowosc@alfa.example"


def test_a_field_a_person_changed_since_is_kept_and_named(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    with ledger.transaction() as s:
        alfa_id = add_contractor(Ctx(s, clock, "tester"), ContractorData(name="Alfa (typed)",
                                                                         tax_id="7740001454")).id
    result = run_import(ledger, clock, DATA / "ubl_invoice.xml")
    with ledger.transaction() as s:
        update_contractor(Ctx(s, clock, "tester"), alfa_id, ContractorData(email="platnosci@alfa.example"))
    preview = _preview(ledger, clock, result.batch_id)
    assert (preview["fields_reverted"], preview["fields_kept"]) == (3, 1)
    assert preview["kept"] == [{"contractor": "Alfa (typed)", "field": "email"}]
    assert _undo(ledger, clock, result.batch_id) == preview
    alfa = _alfa(ledger)
    assert (alfa.email, alfa.postal_code, alfa.city) == ("platnosci@alfa.example", None, None)
    with ledger.transaction() as s:
        undone = s.scalar(select(Event.summary).where(Event.action == "import.undone", Event.entity == "import_batch"))
    assert undone is not None and undone.endswith("; 3 contractor fields emptied again; 1 contractor fields kept "
                                                  "(changed since)")


def _statement(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> int:
    camt = tmp_path / "camt.xml"
    camt.write_text(CAMT.replace("</Dbtr>", f"</Dbtr><DbtrAcct><Id><IBAN>{IBAN}</IBAN></Id></DbtrAcct>"),
                    encoding="utf-8")
    with ledger.transaction() as s:
        batch_id = import_statement(Ctx(s, clock, "tester"), camt).batch_id
    assert batch_id is not None
    return batch_id


def _accounts(ledger: Ledger) -> list[tuple[str, str, int | None]]:
    with ledger.transaction() as s:
        return [(a.account, a.source, a.import_batch_id) for a in s.scalars(select(ContractorAccount))]


def test_undo_forgets_the_accounts_the_statement_learned(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")
    first = _statement(ledger, clock, tmp_path)
    assert _accounts(ledger) == [(IBAN, "learned", first)]
    preview = _preview(ledger, clock, first)
    assert (preview["payments"], preview["accounts_forgotten"]) == (1, 1)
    assert _undo(ledger, clock, first) == preview
    assert _accounts(ledger) == []
    second = _statement(ledger, clock, tmp_path)  # the statement can come in again and teach the account again
    assert second != first and _accounts(ledger) == [(IBAN, "learned", second)]
    assert documents(ledger)["FA/3/2026"].paid == Decimal(1230)


def test_an_account_known_before_the_statement_stays(ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        owner = documents(ledger)["FA/3/2026"].contractor_id
        assert learn_account(ctx, owner, IBAN, source="typed")
    batch_id = _statement(ledger, clock, tmp_path)
    assert _undo(ledger, clock, batch_id)["accounts_forgotten"] == 0
    assert _accounts(ledger) == [(IBAN, "typed", None)]


def test_an_account_a_later_payment_also_paid_from_stays_when_the_statement_is_undone(
        ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, DATA / "ksef_fa3_invoice.xml")
    first = _statement(ledger, clock, tmp_path)
    owner = documents(ledger)["FA/3/2026"].contractor_id
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        add_invoice(ctx, InvoiceData(contractor_id=owner, number="FA/9/2026", issue_date=dt.date(2026, 3, 1),
                                     due_date=dt.date(2026, 3, 15), gross=Decimal("100.00"), currency="PLN"))
        add_payment(ctx, PaymentData(date=dt.date(2026, 3, 16), amount=Decimal("100.00"), currency="PLN",
                                     contractor_id=owner, invoice_numbers=("FA/9/2026",), payer_account=IBAN))
    preview = _preview(ledger, clock, first)
    assert preview["accounts_forgotten"] == 0
    assert _undo(ledger, clock, first) == preview
    assert _accounts(ledger) == [(IBAN, "learned", None)]  # kept, now as the hand-entered payment's


def test_the_address_requests_planning_filed_go_with_the_contractors_an_undo_removes(
        ledger: Ledger, clock: FixedClock) -> None:
    from collector_app.db.models import Task
    from collector_app.services import reminders

    make_firm(ledger, clock)
    result = run_import(ledger, clock, DATA / "cp1250_semicolon_comma.csv")
    with ledger.transaction() as s:
        reminders.plan(Ctx(s, clock, "tester"))
        asked = s.scalars(select(Task.text).where(Task.contractor_id.is_not(None), Task.invoice_id.is_(None))).all()
    assert asked and all(t.startswith("Add ") for t in asked)  # no e-mail or phone in the file
    with ledger.transaction() as s:
        assert preview_undo(Ctx(s, clock, "tester"), result.batch_id).contractors == 3
    assert _undo(ledger, clock, result.batch_id)["contractors"] == 3
    with ledger.transaction() as s:
        assert s.scalars(select(Task)).all() == []
