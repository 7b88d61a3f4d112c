"""Reminders sent and demand letters per invoice: counted for a page of ids, through indexes only."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from helpers.demand_rows import stored_demand
from helpers.ledger import contractor, invoice
from helpers.outbox_support import queue
from sqlalchemy import event

from collector_app.db.queries import LetterCounts, letter_counts
from collector_app.services.context import Ctx


def test_counts_sent_reminders_and_demands_of_the_asked_invoices_only(ctx: Ctx, today: dt.date) -> None:
    c = contractor(ctx)
    a, b, quiet, other = (invoice(ctx, c, f"FV/{n}/2026", "100.00", today - dt.timedelta(days=20))
                          for n in range(1, 5))
    for occurrence, state in enumerate(("sent", "sent", "failed", "planned"), 1):
        queue(ctx, a, occurrence=occurrence).state = state  # only the two sent ones count
    queue(ctx, b, "Due today").state = "sent"
    queue(ctx, other).state = "sent"
    stored_demand(ctx, "WZ/2026/03/0001", a, b)
    stored_demand(ctx, "WZ/2026/03/0002", a)
    stored_demand(ctx, "WZ/2026/03/0003", other)
    ctx.session.flush()
    counts = letter_counts(ctx.session.connection(), [a.id, b.id, quiet.id])
    assert counts == {a.id: LetterCounts(2, 2), b.id: LetterCounts(1, 1), quiet.id: LetterCounts(0, 0)}
    assert letter_counts(ctx.session.connection(), []) == {}


def test_the_page_query_reads_indexes_and_scans_nothing(ctx: Ctx, today: dt.date) -> None:
    c = contractor(ctx)
    ids = [invoice(ctx, c, f"FV/{n}/2026", "100.00", today).id for n in range(1, 4)]
    connection = ctx.session.connection()
    sent: list[tuple[str, Any]] = []

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", catch)
    try:
        letter_counts(connection, ids)
    finally:
        event.remove(connection, "before_cursor_execute", catch)
    (statement, parameters), = sent
    plan = [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    joined = "\n".join(plan)
    assert not any(step.startswith("SCAN") for step in plan), joined
    assert "SEARCH invoice USING INTEGER PRIMARY KEY (rowid=?)" in joined, joined
    # the unique (invoice, step, occurrence) key, and demand_invoice's index on invoice_id
    assert re.search(r"SEARCH outbox USING INDEX \S+ \(invoice_id=\? AND step_id>\?\)", joined), joined
    assert re.search(r"SEARCH demand_invoice USING (COVERING )?INDEX ix_demand_invoice_invoice_id \(invoice_id=\?\)",
                     joined), joined
