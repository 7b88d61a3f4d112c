"""The outbox's lookups stay index range scans with the partial state index, and its rows keep naming their
invoice's contractor (the column has no foreign key of its own)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import replace
from typing import Any

from helpers.invoice_imports import DATA, make_firm, run_import
from helpers.ledger import contractor, invoice
from helpers.outbox_support import Recorder, configure
from sqlalchemy import event, select, text

from collector_app.db.engine import Ledger, sqlite_path
from collector_app.db.models import Invoice, Outbox
from collector_app.domain.clock import FixedClock
from collector_app.services import policies, reminders
from collector_app.services.context import Ctx
from collector_app.services.demands import email_demand, make_demands
from collector_app.services.import_batches import undo_batch
from collector_app.services.outbox import dispatch, list_rows
from collector_app.services.reminders import CATCH_UP

TODAY = dt.date(2026, 3, 16)


def _ledger_with_rows(ledger: Ledger, clock: FixedClock, port: int) -> None:
    """Overdue invoices of three contractors, one of them on a grouping policy, planned (with catch-up records)."""
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        configure(ctx, port)
        standard = policies.policy_data(policies.get_policy(ctx, "Standard"))
        policies.create_policy(ctx, replace(standard, name="Grouped", group_by_contractor=True, is_default=False))
        for n in range(3):
            c = contractor(ctx, f"Firma {n}", email=f"firma{n}@example.com", language="en")
            if n == 2:
                policies.assign_to_contractor(ctx, str(c.id), "Grouped")
            for k in range(2):
                invoice(ctx, c, f"FV/{n}/{k}/2026", "100.00", TODAY - dt.timedelta(days=3 + 9 * k))
        reminders.plan(ctx)


def _scans_of_the_outbox(path: Any, statements: list[tuple[str, Any]]) -> list[str]:
    con = sqlite3.connect(path)
    try:
        found = []
        for sql, params in statements:
            plan = [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql, params)]
            found += [f"{step}  <-  {sql}" for step in plan if step.startswith("SCAN outbox")]
        return found
    finally:
        con.close()


def test_a_dispatch_run_and_the_outbox_lists_walk_indexes_not_the_outbox(
        ledger: Ledger, clock: FixedClock, server: tuple[Recorder, int]) -> None:
    _ledger_with_rows(ledger, clock, server[1])
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "outbox" in statement and statement.lstrip().upper().startswith(("SELECT", "UPDATE")) and not _many:
            seen.append((statement, parameters))

    event.listen(ledger.engine, "before_cursor_execute", record)
    try:
        report = dispatch(ledger, clock, user="tester")
        with ledger.transaction() as s:
            ctx = Ctx(s, clock, "tester")
            for state in ("planned", "sent", "sending", "failed", "uncertain", "cancelled"):
                list_rows(ctx, state=state, limit=50)
    finally:
        event.remove(ledger.engine, "before_cursor_execute", record)
    assert report.sent and report.messages < len(report.sent)  # a grouped message went, the rest one by one
    assert len(seen) > 20
    assert _scans_of_the_outbox(sqlite_path(ledger.url), seen) == []


def test_skipped_rows_are_listed_though_the_state_index_leaves_them_out(
        ledger: Ledger, clock: FixedClock, server: tuple[Recorder, int]) -> None:
    _ledger_with_rows(ledger, clock, server[1])
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        skipped = list_rows(ctx, state="skipped")
        stored = s.scalar(select(text("COUNT(*)")).select_from(Outbox).where(Outbox.state == "skipped"))
        bare = set(s.scalars(select(Outbox.id).where(Outbox.last_error.is_(None), Outbox.state == "skipped")))
    assert skipped and len(skipped) == stored
    assert {r["state"] for r in skipped} == {"skipped"}
    # catch-up records store no text; the list words each from what it covers
    worded = {r["id"]: r["last_error"] for r in skipped if r["id"] in bare}
    assert bare and len(worded) == len(bare)
    assert all(text_ == CATCH_UP or " steps due up to " in text_ for text_ in worded.values())
    assert any(" steps due up to " in text_ for text_ in worded.values())


def test_every_outbox_row_names_its_invoices_contractor_and_an_existing_step(
        ledger: Ledger, clock: FixedClock, server: tuple[Recorder, int]) -> None:
    _ledger_with_rows(ledger, clock, server[1])
    dispatch(ledger, clock, user="tester")
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        number = s.scalar(select(Invoice.number).order_by(Invoice.id).limit(1))
        email_demand(ctx, make_demands(ctx, kind="demand", invoice=number)[0].id)
        reminders.plan(ctx)
        rows = s.execute(text(
            "SELECT o.id, o.contractor_id, i.contractor_id, o.step_id, s.id FROM outbox o "
            "JOIN invoice i ON i.id = o.invoice_id LEFT JOIN policy_step s ON s.id = o.step_id")).all()
    assert len(rows) > 10
    assert [r for r in rows if r[1] != r[2]] == []
    assert [r for r in rows if r[3] is not None and r[4] is None] == []
    assert any(r[3] is None for r in rows)  # the letter e-mailed from the demand register is among them


def test_undoing_an_import_leaves_no_outbox_row_of_its_invoices(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, DATA / "cp1250_semicolon_comma.csv")
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        reminders.plan(ctx)
        planned = s.scalar(text("SELECT COUNT(*) FROM outbox"))
    with ledger.transaction() as s:
        undo_batch(Ctx(s, clock, "tester"), result.batch_id)
        orphans = s.scalar(text("SELECT COUNT(*) FROM outbox o WHERE NOT EXISTS "
                                "(SELECT 1 FROM invoice i WHERE i.id = o.invoice_id)"))
        left = s.scalar(text("SELECT COUNT(*) FROM outbox"))
    assert planned and (orphans, left) == (0, 0)


def test_all_rows_and_skipped_rows_are_listed_in_planning_order_without_a_sort(
        ledger: Ledger, clock: FixedClock, server: tuple[Recorder, int]) -> None:
    _ledger_with_rows(ledger, clock, server[1])
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM outbox" in statement:
            seen.append((statement, parameters))

    event.listen(ledger.engine, "before_cursor_execute", record)
    try:
        with ledger.transaction() as s:
            lists = [list_rows(Ctx(s, clock, "tester"), state=state, limit=50) for state in (None, "skipped")]
    finally:
        event.remove(ledger.engine, "before_cursor_execute", record)
    for rows in lists:
        assert rows and [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    con = sqlite3.connect(sqlite_path(ledger.url))  # type: ignore[arg-type]
    try:
        plans = [row[3] for sql, params in seen for row in con.execute("EXPLAIN QUERY PLAN " + sql, params)]
    finally:
        con.close()
    assert len(seen) == 2 and not [p for p in plans if "TEMP B-TREE" in p]
