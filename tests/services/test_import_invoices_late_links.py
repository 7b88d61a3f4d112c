"""A credit note that arrives before the invoice it corrects: kept waiting, linked and offset when the invoice comes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.invoice_imports import DATA, documents, make_firm, run_import
from sqlalchemy import select, update

from collector_app.db.engine import Ledger
from collector_app.db.models import Allocation, Contractor, Invoice
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx
from collector_app.services.import_batches import preview_undo, undo_batch
from collector_app.services.import_invoices import InvoiceImportResult
from collector_app.services.invoices import InvoiceData, add_invoice

CREDIT_NOTE = DATA / "ubl_credit_note.xml"  # UBL-CN/1/2026, 150.00 EUR, corrects UBL/10/2026 of Alfa Metale
INVOICE = DATA / "ubl_invoice.xml"  # UBL/10/2026, 1000.00 EUR payable, Alfa Metale


def _warnings(result: InvoiceImportResult) -> str:
    return " | ".join(w["ref"] + ": " + w["text"] for w in result.summary.warnings)


def _pair(ledger: Ledger) -> tuple[Invoice | None, Invoice]:
    docs = documents(ledger)
    return docs.get("UBL/10/2026"), docs["CN UBL-CN/1/2026"]


def _undo(ledger: Ledger, clock: FixedClock, batch_id: int) -> dict[str, object]:
    with ledger.transaction() as s:
        return undo_batch(Ctx(s, clock, "tester"), batch_id).as_dict()


def _forget_the_reference(ledger: Ledger) -> None:
    """As a credit note imported before the ledger kept the number it names (migration 0013)."""
    with ledger.transaction() as s:
        s.execute(update(Invoice).where(Invoice.kind == "credit_note").values(corrects_number=None))


def test_the_invoice_imported_after_its_credit_note_links_it(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    first = run_import(ledger, clock, CREDIT_NOTE)
    assert 'corrects invoice "UBL/10/2026", which is not in the ledger' in _warnings(first)
    _inv, note = _pair(ledger)
    assert (note.corrects_invoice_id, note.corrects_number, note.paid) == (None, "UBL/10/2026", 0)  # waiting
    second = run_import(ledger, clock, INVOICE)
    inv, note = _pair(ledger)
    assert inv is not None and note.corrects_invoice_id == inv.id
    assert (inv.gross, inv.paid, note.gross, note.paid) == (Decimal(1000), Decimal(150), Decimal(-150), Decimal(-150))
    assert ("UBL/10/2026: credit note UBL-CN/1/2026, imported before it, is now linked to it: 150.00 EUR offset"
            in _warnings(second))
    assert second.summary.created == 1
    third = run_import(ledger, clock, CREDIT_NOTE)  # nothing left to do
    assert (third.summary.unchanged, third.summary.updated, third.summary.warnings) == (1, 0, [])
    assert _pair(ledger)[0].paid == Decimal(150)  # type: ignore[union-attr]


def test_reimporting_the_credit_note_links_it_once_its_invoice_is_there(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, CREDIT_NOTE)
    _forget_the_reference(ledger)
    run_import(ledger, clock, INVOICE)
    inv, note = _pair(ledger)
    assert inv is not None and note.corrects_invoice_id is None and inv.paid == 0  # the invoice could not know
    again = run_import(ledger, clock, CREDIT_NOTE)
    inv, note = _pair(ledger)
    assert inv is not None and note.corrects_invoice_id == inv.id and note.corrects_number == "UBL/10/2026"
    assert (inv.paid, note.paid) == (Decimal(150), Decimal(-150))
    assert (again.summary.created, again.summary.updated, again.summary.unchanged) == (0, 1, 0)
    assert "now linked to invoice UBL/10/2026, 150.00 EUR offset" in _warnings(again)


def test_an_invoice_added_by_hand_links_a_waiting_credit_note(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, CREDIT_NOTE)
    with ledger.transaction() as s:
        alfa = s.scalar(select(Contractor.id).where(Contractor.name == "Alfa Metale S.A."))
        assert alfa is not None
        add_invoice(Ctx(s, clock, "tester"), InvoiceData(
            contractor_id=alfa, number="UBL/10/2026", issue_date=dt.date(2026, 3, 2), due_date=None,
            gross=Decimal(100), currency="EUR"))
    inv, note = _pair(ledger)
    assert inv is not None and note.corrects_invoice_id == inv.id
    assert (inv.paid, note.paid) == (Decimal(100), Decimal(-100))  # up to the invoice's balance; 50 stays credit


def test_a_waiting_credit_note_of_another_contractor_is_not_linked(ledger: Ledger, clock: FixedClock,
                                                                   tmp_path: Path) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, CREDIT_NOTE)
    other = tmp_path / "other.xml"
    other.write_text(INVOICE.read_text(encoding="utf-8").replace("PL7740001454", "PL5260250274")
                     .replace("Alfa Metale S.A.", "Beta Bud"), encoding="utf-8")
    result = run_import(ledger, clock, other)
    inv, note = _pair(ledger)
    assert inv is not None and inv.paid == 0 and note.corrects_invoice_id is None and note.paid == 0
    assert "credit note UBL-CN/1/2026 names it, but is another contractor's: not linked" in _warnings(result)


def test_undoing_the_invoice_import_takes_the_late_link_back(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, CREDIT_NOTE)
    second = run_import(ledger, clock, INVOICE)
    with ledger.transaction() as s:
        assert preview_undo(Ctx(s, clock, "tester"), second.batch_id).allocations == 1
    undone = _undo(ledger, clock, second.batch_id)
    assert (undone["documents"], undone["allocations"]) == (1, 1)
    inv, note = _pair(ledger)
    assert inv is None and (note.corrects_invoice_id, note.corrects_number, note.paid) == (None, "UBL/10/2026", 0)
    with ledger.transaction() as s:
        assert s.scalars(select(Allocation)).all() == []
    run_import(ledger, clock, INVOICE)  # it still waits: the invoice imported again links it again
    inv, note = _pair(ledger)
    assert inv is not None and note.corrects_invoice_id == inv.id and inv.paid == Decimal(150)


def test_undoing_the_reimport_that_linked_takes_the_link_back(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    first = run_import(ledger, clock, CREDIT_NOTE)
    _forget_the_reference(ledger)
    run_import(ledger, clock, INVOICE)
    again = run_import(ledger, clock, CREDIT_NOTE)
    with pytest.raises(UserError, match="money was allocated to UBL/10/2026 since"):
        _undo(ledger, clock, first.batch_id)  # the later link holds the credit note: that one first
    undone = _undo(ledger, clock, again.batch_id)
    assert (undone["documents"], undone["allocations"]) == (0, 1)
    inv, note = _pair(ledger)
    assert inv is not None and (inv.paid, note.paid, note.corrects_invoice_id) == (0, 0, None)
    assert _undo(ledger, clock, first.batch_id)["documents"] == 1  # now nothing holds it
    assert "CN UBL-CN/1/2026" not in documents(ledger)
