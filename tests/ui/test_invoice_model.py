"""The register model over 100,000 invoices holds one page after a query and one more per fetchMore."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot
from sqlalchemy import insert

from collector_app.db.engine import Ledger, open_ledger
from collector_app.db.models import Allocation, Contractor, Invoice, Payment
from collector_app.db.queries import RegisterQuery, invoice_page
from collector_app.domain.clock import FixedClock
from collector_app.domain.references import number_key
from collector_app.domain.status import Filter
from collector_app.ui.context import AppContext
from collector_app.ui.models.invoice_table import PAGE_SIZE, InvoiceTableModel

INVOICES = 100_000
CONTRACTORS = 200
PAID_IN_FULL = (7, 70_007, 99_999)  # invoice ids settled by an explicit payment and allocation
TODAY = dt.date(2026, 3, 16)
NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


def gross_of(i: int) -> Decimal:
    return Decimal(100 + (i * 7919) % 90_000) / 100


def bulk_fill(ledger: Ledger) -> None:
    """One transaction of Core executemany inserts: paid = 0 everywhere but on a few invoices whose
    payment and allocation are inserted too, so `paid` is always the sum of the allocations."""
    contractors = [{"id": c, "name": f"Firma {c:03d} Sp. z o.o.", "country": "PL", "language": "pl",
                    "preferred_channel": "email", "created_at": NOW} for c in range(1, CONTRACTORS + 1)]
    invoices = []
    for i in range(1, INVOICES + 1):
        due = TODAY + dt.timedelta(days=i % 400 - 300)
        number = f"FV/{i}/2026"
        invoices.append({
            "id": i, "kind": "invoice", "number": number, "number_key": number_key(number),
            "contractor_id": i % CONTRACTORS + 1, "issue_date": due - dt.timedelta(days=14), "due_date": due,
            "gross": gross_of(i), "paid": gross_of(i) if i in PAID_IN_FULL else Decimal(0), "currency": "PLN",
            "disputed": False, "handed_over": False, "source": "manual", "created_at": NOW,
        })
    payments = [{"id": n, "contractor_id": i % CONTRACTORS + 1, "date": TODAY, "amount": gross_of(i),
                 "currency": "PLN", "allocated": gross_of(i), "source": "manual", "created_at": NOW}
                for n, i in enumerate(PAID_IN_FULL, 1)]
    allocations = [{"payment_id": n, "invoice_id": i, "amount": gross_of(i), "created_at": NOW}
                   for n, i in enumerate(PAID_IN_FULL, 1)]
    with ledger.transaction() as session:
        for model, rows in ((Contractor, contractors), (Invoice, invoices), (Payment, payments),
                            (Allocation, allocations)):
            session.execute(insert(model), rows)


@pytest.fixture(scope="module")
def big_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    ledger = open_ledger(Path(tmp_path_factory.mktemp("big")) / "ledger.db")
    bulk_fill(ledger)
    yield ledger
    ledger.close()


@pytest.fixture
def model(big_ledger: Ledger) -> InvoiceTableModel:
    return InvoiceTableModel(AppContext(big_ledger, FixedClock(TODAY), "tester"))


def numbers(ledger: Ledger, query: RegisterQuery, limit: int) -> list[str]:
    with ledger.transaction() as session:
        return [r.number for r in invoice_page(session, query, TODAY, limit=limit)]


def test_the_fixture_is_consistent(big_ledger: Ledger) -> None:
    with big_ledger.transaction() as session:
        settled = invoice_page(session, RegisterQuery(filter=Filter.SETTLED), TODAY, limit=None)
    assert sorted(r.id for r in settled) == list(PAID_IN_FULL)


def test_set_query_fetches_one_page_only(model: InvoiceTableModel, big_ledger: Ledger) -> None:
    model.set_query(RegisterQuery(sort="due_date"))
    assert model.pages_fetched == 1
    assert model.rowCount() == PAGE_SIZE == model.page_size
    assert model.canFetchMore()
    assert [r.number for r in model.rows] == numbers(big_ledger, RegisterQuery(sort="due_date"), PAGE_SIZE)


def test_rows_are_made_when_read_and_equal_what_invoice_page_returns(
    model: InvoiceTableModel, big_ledger: Ledger
) -> None:
    query = RegisterQuery(filter=Filter.UNSETTLED, sort="balance", descending=True)
    model.set_query(query)
    assert model.rows.made.count(None) == PAGE_SIZE, "a filter switch converts no row"
    model.data(model.index(3, 0))
    assert model.rows.made.count(None) == PAGE_SIZE - 1, "painting a row converts that row only"
    with big_ledger.transaction() as session:
        assert list(model.rows) == invoice_page(session, query, TODAY, limit=PAGE_SIZE)


def test_fetch_more_adds_exactly_one_page(model: InvoiceTableModel, big_ledger: Ledger) -> None:
    query = RegisterQuery(filter=Filter.OVERDUE, sort="gross", descending=True)
    model.set_query(query)
    model.fetchMore()
    assert model.pages_fetched == 2
    assert model.rowCount() == 2 * PAGE_SIZE
    assert [r.number for r in model.rows] == numbers(big_ledger, query, 2 * PAGE_SIZE)


@pytest.mark.parametrize("flt", list(Filter))
def test_every_filter_starts_with_one_page(model: InvoiceTableModel, flt: Filter) -> None:
    model.set_query(RegisterQuery(filter=flt))
    assert model.pages_fetched == 1
    assert model.rowCount() <= PAGE_SIZE


def test_a_shown_table_holds_a_page_until_scrolled(model: InvoiceTableModel, qtbot: QtBot) -> None:
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    model.set_query(RegisterQuery())
    table.resize(900, 600)
    table.show()
    qtbot.waitExposed(table)
    assert model.rowCount() == PAGE_SIZE, "the view shows fewer rows than a page, so it asks for no more"
    table.scrollToBottom()
    qtbot.waitUntil(lambda: model.pages_fetched >= 2)
    assert model.rowCount() == model.pages_fetched * PAGE_SIZE < INVOICES
