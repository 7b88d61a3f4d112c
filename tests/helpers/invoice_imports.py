"""Running the invoice import against a test ledger, and the files it reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Invoice
from collector_app.domain.clock import Clock
from collector_app.services.context import Ctx
from collector_app.services.firm import FirmChanges, set_firm
from collector_app.services.import_invoices import InvoiceImport, InvoiceImportResult, import_invoices

TESTS = Path(__file__).resolve().parents[1]
DATA = TESTS / "data" / "invoices"
from helpers.samples import SAMPLES  # noqa: E402,F401 - re-exported for the import tests

FIRM_NIP = "5213017228"


def run_import(ledger: Ledger, clock: Clock, path: Path, **kw: Any) -> InvoiceImportResult:
    """One file in one transaction, as the command line does it (rolled back on an error)."""
    with ledger.transaction() as s:
        return import_invoices(Ctx(s, clock, "tester"), InvoiceImport(path, **kw))


def make_firm(ledger: Ledger, clock: Clock, tax_id: str | None = FIRM_NIP, terms: int = 14) -> None:
    with ledger.transaction() as s:
        set_firm(Ctx(s, clock, "tester"), FirmChanges(name="Nasza Firma sp. z o.o.", tax_id=tax_id or "",
                                                      payment_terms_days=terms))


def documents(ledger: Ledger) -> dict[str, Invoice]:
    """Every document by number (a credit note's key is prefixed with "CN ")."""
    with ledger.transaction() as s:
        docs = list(s.scalars(select(Invoice)))
        for d in docs:
            _ = d.contractor.name
    return {("CN " if d.kind == "credit_note" else "") + d.number: d for d in docs}
