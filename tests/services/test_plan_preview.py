"""The plan preview shows messages as the outbox sends them: a grouped policy's rows of a day are one message."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from helpers.ledger import contractor, invoice
from helpers.messages import firm

from collector_app.db.models import Contractor
from collector_app.services import policies, reminders
from collector_app.services.context import Ctx
from collector_app.services.plan_preview import message_count, planned_message


def _ledger(ctx: Ctx, overdue_days: tuple[int, ...] = (2, 9)) -> list[Contractor]:
    """Two contractors with the same overdue invoices (a first and a weekly reminder today); the second follows
    a policy that sends one message per contractor."""
    firm(ctx)
    standard = policies.policy_data(policies.get_policy(ctx, "Standard"))
    policies.create_policy(ctx, replace(standard, name="Grouped", group_by_contractor=True, is_default=False))
    today = ctx.clock.today()
    made = []
    for n in range(2):
        c = contractor(ctx, f"Firma {n}", email=f"firma{n}@example.com", language="en")
        if n == 1:
            policies.assign_to_contractor(ctx, str(c.id), "Grouped")
        for days in overdue_days:
            invoice(ctx, c, f"FV/{n}/{days}/2026", "100.00", today - dt.timedelta(days=days))
        made.append(c)
    ctx.session.flush()
    return made


def test_a_grouped_contractors_rows_of_a_day_preview_as_one_message(ctx: Ctx) -> None:
    _ledger(ctx)
    plan = reminders.plan(ctx, dry_run=True)
    today = [r for r in plan if r.state == "planned" and r.channel == "email" and r.planned_for == ctx.clock.today()]
    grouped = [r for r in today if r.contractor == "Firma 1"]
    single = [r for r in today if r.contractor == "Firma 0"]
    assert len(grouped) == 2 and len(single) == 2  # a row per invoice in the plan
    (subject,) = {planned_message(ctx, r, plan).subject for r in grouped}  # both rows: the one message sent
    assert "FV/1/2/2026" in subject and "FV/1/9/2026" in subject
    assert subject.startswith("Still unpaid")  # worded at the furthest step (the weekly reminder), never softer
    worded = {planned_message(ctx, r, plan).subject for r in single}
    assert len(worded) == 2 and all(("FV/0/2/2026" in s) != ("FV/0/9/2026" in s) for s in worded)
    planned = [r for r in plan if r.state == "planned"]
    assert message_count(ctx, planned) == len(planned) - 1


def test_a_grouped_reminder_lists_the_contractors_other_overdue_invoices(ctx: Ctx) -> None:
    """As the outbox does: an e-mail reminder after the due date names every overdue invoice of the contractor."""
    _ledger(ctx, overdue_days=(1, 2))
    plan = reminders.plan(ctx, dry_run=True)
    (first,) = [r for r in plan if r.contractor == "Firma 1" and r.step == "First reminder" and r.channel == "email"]
    message = planned_message(ctx, first, plan)
    assert "FV/1/1/2026" in message.text and "FV/1/2/2026" in message.text
