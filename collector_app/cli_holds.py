"""`collector invoice pause|resume|dispute|payment-plan|hand-over` and `collector contractor pause|resume`:
stopping an invoice's (or a contractor's) reminders by hand, and letting them go on."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from collector_app import cli_render as render
from collector_app.domain.dates import parse_date
from collector_app.services import contractors, invoices, reminder_holds

if TYPE_CHECKING:
    from collector_app.cli import Run

Adder = Callable[..., argparse.ArgumentParser]


def _on_invoice(run: Run, change: Callable[..., None], *args: Any) -> None:
    """Apply one change to the named invoice and print the invoice as it is now."""
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        inv = invoices.find_invoice(ctx, run.args.number)
        change(ctx, inv, *args)
        s.flush()
        obj = render.invoice_obj(inv, run.clock.today())
    run.emit(obj)


def cmd_invoice_pause(run: Run) -> None:
    _on_invoice(run, reminder_holds.pause_invoice, parse_date(run.args.until, "until"), run.args.reason)


def cmd_invoice_resume(run: Run) -> None:
    _on_invoice(run, reminder_holds.resume_invoice)


def cmd_invoice_dispute(run: Run) -> None:
    _on_invoice(run, reminder_holds.set_disputed, not run.args.resolved, run.args.reason)


def cmd_invoice_payment_plan(run: Run) -> None:
    _on_invoice(run, reminder_holds.set_under_plan, not run.args.end, run.args.reason)


def cmd_invoice_hand_over(run: Run) -> None:
    _on_invoice(run, reminder_holds.set_handed_over, not run.args.take_back, run.args.reason)


def _on_contractor(run: Run, pause: bool) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        c = contractors.find_contractor(ctx, run.args.contractor)
        if pause:
            reminder_holds.pause_contractor(ctx, c, parse_date(run.args.until, "until"), run.args.reason)
        else:
            reminder_holds.resume_contractor(ctx, c)
        until = c.paused_until.isoformat() if c.paused_until else None
        obj = {"contractor_id": c.id, "contractor": c.name, "paused_until": until, "pause_reason": c.pause_reason}
    run.emit(obj)


def cmd_contractor_pause(run: Run) -> None:
    _on_contractor(run, pause=True)


def cmd_contractor_resume(run: Run) -> None:
    _on_contractor(run, pause=False)


def register(add: Adder, invoice_sub: Any, contractor_sub: Any) -> None:
    """Adds the commands under `invoice` and `contractor` (called from cli.build_parser)."""
    p = add("pause", cmd_invoice_pause, "no reminders for the invoice until a day (inclusive), with the reason",
            invoice_sub)
    p.add_argument("number")
    p.add_argument("--until", required=True, help="YYYY-MM-DD, the last day of the pause")
    p.add_argument("--reason", required=True)
    p = add("resume", cmd_invoice_resume, "lift the invoice's pause: reminders go on from the next planning",
            invoice_sub)
    p.add_argument("number")
    p = add("dispute", cmd_invoice_dispute, "mark the invoice disputed (reminders stop, the collector gets a task)",
            invoice_sub)
    p.add_argument("number")
    p.add_argument("--reason", help="required when marking disputed")
    p.add_argument("--resolved", action="store_true", help="the dispute is settled: reminders go on")
    p = add("payment-plan", cmd_invoice_payment_plan, "instalments agreed: the policy's reminders stop",
            invoice_sub)
    p.add_argument("number")
    p.add_argument("--reason", help="the plan agreed (required unless --end)")
    p.add_argument("--end", action="store_true", help="the plan ended: reminders go on")
    p = add("hand-over", cmd_invoice_hand_over, "handed to a collection agency or a lawyer: the firm sends nothing",
            invoice_sub)
    p.add_argument("number")
    p.add_argument("--reason", help="to whom, or why")
    p.add_argument("--take-back", action="store_true", help="the case came back: reminders go on")
    p = add("pause", cmd_contractor_pause, "no reminders for any of the contractor's invoices until a day",
            contractor_sub)
    p.add_argument("contractor", help="contractor id or tax id")
    p.add_argument("--until", required=True, help="YYYY-MM-DD, the last day of the pause")
    p.add_argument("--reason", required=True)
    p = add("resume", cmd_contractor_resume, "lift the contractor's pause", contractor_sub)
    p.add_argument("contractor", help="contractor id or tax id")
