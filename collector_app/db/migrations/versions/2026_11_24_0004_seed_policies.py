"""seed the Standard, Gentle and Firm reminder policies

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:00:00

The policies are data the user may edit afterwards, so they are inserted here once, frozen as they
were on this date (a later change of the defaults is a later migration, never an edit of this one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (name, anchor, offset_days, channel, template, attach_invoice, repeat_every_days, repeat_max, action)
Step = tuple[str, str, int, str, str, bool, int | None, int | None, str]

POLICIES: list[tuple[str, str, bool, list[Step]]] = [
    ("Standard", "The default sequence: invoice on issue, a nudge before the due date, weekly "
     "reminders after it, escalation to the collector after three weeks.", True, [
        ("Invoice", "issue", 0, "email", "invoice_issued", True, None, None, "none"),
        ("Before due (SMS)", "due", -2, "sms", "before_due", False, None, None, "none"),
        ("Due today", "due", 0, "email", "due_today", False, None, None, "none"),
        ("First reminder", "due", 2, "email", "overdue_first", False, None, None, "none"),
        ("First reminder (SMS)", "due", 2, "sms", "overdue_first", False, None, None, "none"),
        ("Weekly reminder", "due", 9, "email", "overdue_weekly", False, 7, 1, "none"),  # +9, +16
        ("Final notice", "due", 21, "email", "overdue_final", False, None, None, "task"),
        ("Thank you", "paid", 0, "email", "thank_you", False, None, None, "none"),
    ]),
    ("Gentle", "For loyal clients: later, fewer and softer reminders; a person takes over after "
     "a month.", False, [
        ("Invoice", "issue", 0, "email", "invoice_issued", True, None, None, "none"),
        ("Friendly reminder", "due", 5, "email", "overdue_gentle", False, None, None, "none"),
        ("Second friendly reminder", "due", 14, "email", "overdue_gentle", False, None, None, "none"),
        ("Final notice", "due", 30, "email", "overdue_final", False, None, None, "task"),
        ("Thank you", "paid", 0, "email", "thank_you", False, None, None, "none"),
    ]),
    ("Firm", "For chronic late payers: earlier and firmer reminders; ready for a payment demand "
     "two weeks after the due date.", False, [
        ("Invoice", "issue", 0, "email", "invoice_issued", True, None, None, "none"),
        ("Before due (SMS)", "due", -3, "sms", "before_due", False, None, None, "none"),
        ("Before due", "due", -3, "email", "before_due", False, None, None, "none"),
        ("Due today", "due", 0, "email", "due_today", False, None, None, "none"),
        ("Overdue", "due", 1, "email", "overdue_firm", False, None, None, "none"),
        ("Overdue (SMS)", "due", 1, "sms", "overdue_firm", False, None, None, "none"),
        ("Second overdue", "due", 7, "email", "overdue_firm", False, None, None, "none"),
        ("Final notice", "due", 14, "email", "overdue_final", False, None, None, "ready_for_demand"),
        ("Thank you", "paid", 0, "email", "thank_you", False, None, None, "none"),
    ]),
]

policy = sa.table(
    "policy", sa.column("id", sa.Integer()), sa.column("name", sa.String()), sa.column("description", sa.Text()),
    sa.column("group_by_contractor", sa.Boolean()), sa.column("is_default", sa.Boolean()),
    sa.column("created_at", sa.DateTime()),
)
policy_step = sa.table(
    "policy_step", *(sa.column(n) for n in (
        "policy_id", "position", "name", "anchor", "offset_days", "channel", "template", "attach_invoice",
        "repeat_every_days", "repeat_max", "action", "active")),
)


def upgrade() -> None:
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # UTCDateTime stores naive UTC
    for name, description, is_default, steps in POLICIES:
        if bind.execute(sa.select(policy.c.id).where(policy.c.name == name)).first() is not None:
            continue  # a ledger that already has a policy of that name keeps its own
        policy_id = bind.execute(policy.insert().values(
            name=name, description=description, group_by_contractor=False, is_default=is_default,
            created_at=now,
        ).returning(policy.c.id)).scalar_one()
        rows: list[dict[str, Any]] = [
            {"policy_id": policy_id, "position": i, "name": s[0], "anchor": s[1], "offset_days": s[2],
             "channel": s[3], "template": s[4], "attach_invoice": s[5], "repeat_every_days": s[6],
             "repeat_max": s[7], "action": s[8], "active": True}
            for i, s in enumerate(steps, start=1)
        ]
        bind.execute(policy_step.insert(), rows)


def downgrade() -> None:
    names = [p[0] for p in POLICIES]
    ids = sa.select(policy.c.id).where(policy.c.name.in_(names)).scalar_subquery()
    for table in ("segment", "contractor"):
        t = sa.table(table, sa.column("policy_id", sa.Integer()))
        op.execute(t.update().where(t.c.policy_id.in_(ids)).values(policy_id=None))
    op.execute(sa.text("DELETE FROM outbox WHERE step_id IN (SELECT s.id FROM policy_step s JOIN policy p "
                       "ON p.id = s.policy_id WHERE p.name IN ('Standard', 'Gentle', 'Firm'))"))
    op.execute(policy_step.delete().where(policy_step.c.policy_id.in_(ids)))
    op.execute(policy.delete().where(policy.c.name.in_(names)))
