"""A policy's escalating step takes effect when its message goes out, not when it is planned.

An invoice paid (or disputed) between planning and sending has its row cancelled and is then not
escalated, and a first plan of a large ledger does not file a task per invoice before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.sql.elements import TextClause

from collector_app.db.base import UTCDateTime
from collector_app.services.context import Ctx
from collector_app.services.users import current_user

TASK_SOURCE = "reminders"


def _statement(sql: str) -> TextClause:
    stmt = text(sql).bindparams(bindparam("ids", expanding=True))
    return stmt.bindparams(bindparam("now", type_=UTCDateTime())) if ":now" in sql else stmt


# The sent rows among :ids whose step escalates by :action.
_FROM = "FROM outbox o JOIN policy_step s ON s.id = o.step_id"
_WHERE = "WHERE o.id IN :ids AND s.action = :action AND o.state = 'sent'"

_ACTIONS = {
    "ready_for_demand": _statement(
        f"UPDATE invoice SET ready_for_demand_at = :now WHERE ready_for_demand_at IS NULL "
        f"AND id IN (SELECT o.invoice_id {_FROM} {_WHERE})"),
    "handed_over": _statement(
        f"UPDATE invoice SET handed_over = true WHERE id IN (SELECT o.invoice_id {_FROM} {_WHERE})"),
    "task": _statement(
        "INSERT INTO task (invoice_id, contractor_id, text, due_at, assignee_id, source, created_at) "
        "SELECT o.invoice_id, o.contractor_id, "
        "'Escalate invoice ' || i.number || ': the reminders ended with \"' || s.name || '\"', "
        f":now, COALESCE(c.collector_id, :me), :source, :now {_FROM} "
        f"JOIN invoice i ON i.id = o.invoice_id JOIN contractor c ON c.id = o.contractor_id {_WHERE}"),
}
_WHAT = {"task": "a task for the collector", "ready_for_demand": "ready for a payment demand",
         "handed_over": "handed over to the agency"}
_EVENTS = _statement(
    'INSERT INTO event (at, "user", action, entity, entity_id, invoice_id, contractor_id, summary) '
    "SELECT :now, :user, 'reminder.escalated', 'invoice', o.invoice_id, o.invoice_id, o.contractor_id, "
    f"'Reminder \"' || s.name || '\" sent: ' || :what {_FROM} {_WHERE}"
)


def escalate_sent(ctx: Ctx, outbox_ids: Sequence[int]) -> None:
    """Apply the escalation of every sent row among `outbox_ids` whose step has one (set-based)."""
    if not outbox_ids:
        return
    now, me = ctx.clock.now(), current_user(ctx).id
    for action, statement in _ACTIONS.items():
        params = {"ids": list(outbox_ids), "action": action, "now": now, "me": me, "source": TASK_SOURCE,
                  "user": ctx.user, "what": _WHAT[action]}
        ctx.session.execute(statement, params)
        ctx.session.execute(_EVENTS, params)
