"""What stops reminders for an invoice or a contractor, set and lifted by a person: a pause with its
reason, a dispute, a payment plan, a hand-over to an agency. Planning and sending read these states
(services/reminders.py, services/outbox.stop_reason); each change is an event, so the next planning
run looks at the invoice again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from collector_app.db.models import Contractor, Invoice, Task, User
from collector_app.domain.errors import UserError
from collector_app.domain.status import pause_in_effect
from collector_app.services import audit
from collector_app.services.activity import add_task, complete_task
from collector_app.services.context import Ctx

MAX_REASON = 300  # the pause_reason column
DISPUTE_TASK = "dispute"  # the source of the task a dispute files


def _reason(text: str | None, *, required: bool) -> str | None:
    reason = " ".join((text or "").split())
    if required and not reason:
        raise UserError("reason", "say why (the collector and the timeline will show it)")
    if len(reason) > MAX_REASON:
        raise UserError("reason", f"is {len(reason)} characters long; at most {MAX_REASON}")
    return reason or None


def _until(ctx: Ctx, until: dt.date) -> dt.date:
    if until < ctx.clock.today():
        raise UserError("until", f"{until} is in the past (today is {ctx.clock.today()})")
    return until


def _invoice_only(inv: Invoice) -> None:
    if inv.kind != "invoice":
        raise UserError("invoice", f"{inv.number} is a credit note: it gets no reminders to stop")


def _record(ctx: Ctx, inv: Invoice, action: str, summary: str) -> None:
    audit.record(ctx, action, "invoice", inv.id, summary, invoice_id=inv.id, contractor_id=inv.contractor_id)


def pause_invoice(ctx: Ctx, inv: Invoice, until: dt.date, reason: str) -> None:
    """No reminder for the invoice up to and including `until`; the day after, planning catches up."""
    _invoice_only(inv)
    inv.paused_until, inv.pause_reason = _until(ctx, until), _reason(reason, required=True)
    _record(ctx, inv, "invoice.paused", f"Reminders paused until {until}: {inv.pause_reason}")


def resume_invoice(ctx: Ctx, inv: Invoice) -> None:
    if not pause_in_effect(inv.paused_until, ctx.clock.today()):
        raise UserError("invoice", f"{inv.number}: its reminders are not paused")
    inv.paused_until, inv.pause_reason = None, None
    _record(ctx, inv, "invoice.resumed", "Reminders resumed (pause lifted)")


def pause_contractor(ctx: Ctx, contractor: Contractor, until: dt.date, reason: str) -> None:
    """No reminder for any of the contractor's invoices up to and including `until`."""
    contractor.paused_until, contractor.pause_reason = _until(ctx, until), _reason(reason, required=True)
    audit.record(ctx, "contractor.paused", "contractor", contractor.id,
                 f"Reminders for all invoices paused until {until}: {contractor.pause_reason}",
                 contractor_id=contractor.id)


def resume_contractor(ctx: Ctx, contractor: Contractor) -> None:
    if not pause_in_effect(contractor.paused_until, ctx.clock.today()):
        raise UserError("contractor", f"{contractor.name}: its reminders are not paused")
    contractor.paused_until, contractor.pause_reason = None, None
    audit.record(ctx, "contractor.resumed", "contractor", contractor.id, "Reminders resumed (pause lifted)",
                 contractor_id=contractor.id)


def set_disputed(ctx: Ctx, inv: Invoice, disputed: bool, reason: str | None) -> None:
    """A dispute stops reminders and gives the contractor's collector a task to settle it; resolving it
    lets them go on from where the policy is."""
    why = _flip(ctx, inv, "disputed", disputed, reason, "disputed",
                ("invoice.disputed", "Marked disputed"), ("invoice.dispute_resolved", "Dispute resolved"))
    if disputed:
        collector = ctx.session.get(User, inv.contractor.collector_id) if inv.contractor.collector_id else None
        add_task(ctx, inv, ctx.clock.now(), f"Settle the dispute on {inv.number}: {why}",
                 collector.login if collector else None, source=DISPUTE_TASK)
    else:  # settled: nothing left to do about it
        for task_id in ctx.session.scalars(select(Task.id).where(
                Task.invoice_id == inv.id, Task.source == DISPUTE_TASK, Task.done_at.is_(None))):
            complete_task(ctx, task_id)


def set_under_plan(ctx: Ctx, inv: Invoice, under_plan: bool, reason: str | None) -> None:
    """Instalments agreed with the debtor: the policy's reminders stop while the plan runs."""
    _flip(ctx, inv, "under_plan", under_plan, reason, "under a payment plan",
          ("invoice.plan_agreed", "Payment plan agreed"), ("invoice.plan_ended", "Payment plan ended"))


def set_handed_over(ctx: Ctx, inv: Invoice, handed_over: bool, reason: str | None) -> None:
    """Handed to a collection agency or a lawyer: the firm sends nothing more itself."""
    _flip(ctx, inv, "handed_over", handed_over, reason, "handed over",
          ("invoice.handed_over", "Handed over"), ("invoice.taken_back", "Taken back from the agency"),
          reason_required=False)


def _flip(ctx: Ctx, inv: Invoice, flag: str, on: bool, reason: str | None, state: str,
          set_event: tuple[str, str], lift_event: tuple[str, str], *, reason_required: bool = True) -> str | None:
    """Set or lift one of the invoice's stop flags with its event; the reason as kept."""
    _invoice_only(inv)
    if getattr(inv, flag) == on:
        raise UserError("invoice", f"{inv.number} is {'already' if on else 'not'} {state}")
    why = _reason(reason, required=on and reason_required)
    setattr(inv, flag, on)
    action, text = set_event if on else lift_event
    outcome = "reminders stop" if on else "reminders go on"
    _record(ctx, inv, action, f"{text}: {why}; {outcome}" if why else f"{text}; {outcome}")
    return why
