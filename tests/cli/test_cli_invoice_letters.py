"""The register from the command line counts what was sent for each invoice: reminders and demand letters."""

from __future__ import annotations

import datetime as dt

from helpers.cli_support import Cli
from helpers.ledger import contractor, invoice
from helpers.outbox_support import Recorder, configure, queue

from collector_app.db.engine import open_ledger
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx

TODAY = dt.date(2026, 3, 16)


def two_queued_reminders(cli: Cli, port: int) -> None:
    ledger = open_ledger(cli.db)
    try:
        with ledger.transaction() as s:
            ctx = Ctx(s, FixedClock(TODAY, dt.time(10)), "tester")
            configure(ctx, port)
            for n in (1, 2):
                c = contractor(ctx, f"Debtor {n}", email=f"debtor{n}@example.com", language="en")
                queue(ctx, invoice(ctx, c, f"FV/{n}/2026", "100.00", TODAY - dt.timedelta(days=2)))
    finally:
        ledger.close()


def test_invoices_and_invoice_show_carry_the_reminders_sent(cli: Cli, server: tuple[Recorder, int]) -> None:
    two_queued_reminders(cli, server[1])
    assert {r["number"]: r["reminders_sent"] for r in cli.ok("invoices")} == {"FV/1/2026": 0, "FV/2/2026": 0}
    cli.ok("outbox", "send", "--limit", "1")
    rows = {r["number"]: (r["reminders_sent"], r["demands"]) for r in cli.ok("invoices")}
    assert rows == {"FV/1/2026": (1, 0), "FV/2/2026": (0, 0)}
    shown = cli.ok("invoice", "show", "FV/1/2026")
    assert (shown["reminders_sent"], shown["demands"]) == (1, 0)
    assert (shown["handed_over"], shown["under_plan"]) == (False, False)
