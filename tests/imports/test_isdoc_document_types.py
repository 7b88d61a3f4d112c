"""ISDOC DocumentType 1–7, each read deliberately: what is owed, what is credited, and what the summary says."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from helpers.invoice_imports import DATA, documents, run_import

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.imports import isdoc

ADVANCE = "an advance invoice (pro forma request for payment): chased as a debt until paid"


def _typed(tmp_path: Path, doc_type: str, source: str = "isdoc_invoice.isdoc") -> Path:
    text = (DATA / source).read_text(encoding="utf-8")
    path = tmp_path / f"t{doc_type}.isdoc"
    path.write_text(text.replace("<DocumentType>1</DocumentType>", f"<DocumentType>{doc_type}</DocumentType>")
                    .replace("<DocumentType>2</DocumentType>", f"<DocumentType>{doc_type}</DocumentType>"),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("doc_type", "kind", "note"), [
    ("1", "invoice", None),
    ("3", "invoice", "a debit note (document type 3) raising the amount by 12100.00 CZK: imported as an invoice"),
    ("4", "invoice", ADVANCE),
    ("5", "invoice", "document type 5 confirms a payment already received (12100.00 CZK)"),
    ("7", "invoice", "a simplified tax document (document type 7, 12100.00 CZK), mostly paid on the spot"),
    ("2", "credit_note", None),
    ("6", "credit_note", None),
])
def test_each_document_type_is_read_as_what_it_is(tmp_path: Path, doc_type: str, kind: str, note: str | None) -> None:
    [rec] = isdoc.read(_typed(tmp_path, doc_type), "t.isdoc")
    assert (rec.kind, rec.gross) == (kind, Decimal(12100))
    if note is None:
        assert rec.notes == []
    else:
        assert [n for n in rec.notes if n.startswith(note)] != []


def test_an_advance_invoice_is_chased_as_a_debt_and_the_summary_says_so(ledger: Ledger, clock: FixedClock,
                                                                         tmp_path: Path) -> None:
    """Type 4, a nedaňový zálohový list: its payment is matched to it by the variable symbol, the final invoice
    states only the rest; the summary says it is a request for an advance, chased until paid."""
    result = run_import(ledger, clock, _typed(tmp_path, "4"))
    doc = documents(ledger)["FV-2026-0042"]
    assert (doc.kind, doc.gross, doc.paid, doc.variable_symbol) == ("invoice", Decimal(12100), 0, "20260042")
    assert any(w["text"].startswith(ADVANCE) for w in result.summary.warnings)


def test_a_debit_note_names_the_invoice_it_corrects(tmp_path: Path) -> None:
    [rec] = isdoc.read(_typed(tmp_path, "3", "isdoc_credit_note.isdoc"), "t.isdoc")
    assert (rec.kind, rec.gross, rec.corrects) == ("invoice", Decimal(1210), "FV-2026-0042")
