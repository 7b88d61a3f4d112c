"""The plan preview's messages as the outbox will send them: a grouped policy's rows of one day go as one message.

`reminders plan --dry-run` lists rows (one per invoice and step); for a policy that sends one message per
contractor the outbox joins the rows of a contractor, channel and kind of message into one message worded at
the furthest step, and an e-mail reminder after the due date also lists the contractor's other overdue
invoices. The preview page shows and counts messages the same way, so what it promises is what goes out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from collector_app.db.models import Invoice, Outbox, PolicyStep
from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx
from collector_app.services.messages import Message, compose
from collector_app.services.outbox import grouped_extras, message_kind
from collector_app.services.reminders import PlannedRow

MessageKey = tuple[int, str, dt.date, str]  # contractor, channel, day, kind of message


def planned_message(ctx: Ctx, row: PlannedRow, plan: Sequence[PlannedRow]) -> Message:
    """The message `row` of `plan` stands for, composed now as the outbox would compose it on its day."""
    if row.invoice_id is None or row.step_id is None or ctx.session.get(Invoice, row.invoice_id) is None:
        raise UserError("invoice", f"invoice {row.invoice} is no longer in the ledger")
    steps = _steps(ctx, [row, *plan])
    if row.step_id not in steps:
        raise UserError("step", f'the step "{row.step}" is no longer in the policy')
    together = [row]
    if row.group_key is not None:
        today = ctx.clock.today()
        key = _key(row, steps, today)
        together = [r for r in plan if r.group_key is not None and r.state == "planned"
                    and _key(r, steps, today) == key] or [row]
    rows = [_transient(r) for r in together]
    ids = {r.invoice_id for r in together if r.invoice_id is not None}
    listed, before = grouped_extras(ctx, _transient(row), steps[row.step_id], ids)
    return compose(ctx, rows, listed=listed, sent_before=before)


def message_count(ctx: Ctx, plan: Sequence[PlannedRow]) -> int:
    """How many messages the planned rows of `plan` make: one per row, one per group for grouped policies."""
    steps = _steps(ctx, plan)
    today = ctx.clock.today()
    groups: set[MessageKey] = set()
    single = 0
    for r in plan:
        if r.state != "planned":
            continue
        if r.group_key is None or r.step_id not in steps:
            single += 1
        else:
            groups.add(_key(r, steps, today))
    return single + len(groups)


def _steps(ctx: Ctx, rows: Sequence[PlannedRow]) -> dict[int, PolicyStep]:
    ids = {r.step_id for r in rows if r.step_id is not None}
    return {i: step for i in ids if (step := ctx.session.get(PolicyStep, i)) is not None}


def _key(row: PlannedRow, steps: dict[int, PolicyStep], today: dt.date) -> MessageKey:
    """A row planned for a day gone by (a catch-up) goes out with today's rows."""
    assert row.step_id is not None
    return row.contractor_id, row.channel, max(row.planned_for, today), message_kind(steps[row.step_id])


def _transient(row: PlannedRow) -> Outbox:
    """An outbox row as planning would insert it, never added to the session (the preview writes nothing)."""
    assert row.invoice_id is not None and row.step_id is not None
    return Outbox(invoice_id=row.invoice_id, contractor_id=row.contractor_id, step_id=row.step_id,
                  occurrence=row.occurrence, channel=row.channel, group_key=row.group_key,
                  planned_for=row.planned_for)
