"""Planning agrees with a plain Python reading of the catch-up rule, run after run, over random ledgers.

The SQL works steps out once per (policy, issue day, due day, history) key and joins them back to the
invoices; this model walks each invoice on its own, as DUNNING.md states the rule: of the steps due
after the invoice's last row's day, those on the latest day are planned, the rest
are recorded as one skipped row that covers them, named by the latest of them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers.ledger import contractor, invoice
from sqlalchemy import select

from collector_app.db.engine import Ledger, open_ledger
from collector_app.db.models import Invoice, Outbox, PolicyStep
from collector_app.domain.clock import FixedClock
from collector_app.services import policies
from collector_app.services.context import Ctx
from collector_app.services.reminders import CATCH_UP, plan_rows, row_reason

START = dt.date(2026, 2, 2)
Key = tuple[int, int]  # step id, occurrence
Row = tuple[str, str, int, str, dt.date, int, str | None]  # invoice, step, occurrence, state, day, covers, error


@dataclass(frozen=True)
class Step:
    id: int
    name: str
    anchor: str
    shift: int
    occurrence: int


@dataclass
class Model:
    """One invoice as the rule sees it: its steps and the rows it has."""

    number: str
    issued: dt.date
    due: dt.date
    policy: str
    steps: list[Step] = field(default_factory=list)
    rows: dict[Key, dt.date] = field(default_factory=dict)

    def day_of(self, step: Step) -> dt.date:
        return (self.issued if step.anchor == "issue" else self.due) + dt.timedelta(days=step.shift)

    def plan(self, today: dt.date, names: dict[int, str]) -> list[Row]:
        last = max(self.rows.values(), default=None)
        fresh = sorted((self.day_of(s), s.id, s.occurrence) for s in self.steps
                       if self.day_of(s) <= today and (last is None or self.day_of(s) > last)
                       and (s.id, s.occurrence) not in self.rows)
        if not fresh:
            return []
        latest = fresh[-1][0]
        added: list[Row] = [(self.number, names[sid], occ, "planned", day, 1, None)
                            for day, sid, occ in fresh if day == latest]
        overtaken = [f for f in fresh if f[0] < latest]
        if overtaken:
            day, sid, occ = overtaken[-1]
            covers = len(overtaken)
            error = CATCH_UP if covers == 1 else (
                f"catch-up: {covers} steps due up to {day.isoformat()} were overtaken by a later one")
            added.append((self.number, names[sid], occ, "skipped", day, covers, error))
        for day, sid, occ in fresh:
            if day == latest:
                self.rows[(sid, occ)] = day
        if overtaken:
            self.rows[(overtaken[-1][1], overtaken[-1][2])] = overtaken[-1][0]
        return added


def policy_steps(ctx: Ctx, name: str) -> list[Step]:
    out = []
    for s in policies.get_policy(ctx, name).steps:
        if not s.active or s.anchor not in ("issue", "due"):
            continue
        repeats = 1 + (s.repeat_max or 0) if (s.repeat_every_days or 0) > 0 and (s.repeat_max or 0) > 0 else 1
        for k in range(1, repeats + 1):
            out.append(Step(s.id, s.name, s.anchor, s.offset_days + (k - 1) * (s.repeat_every_days or 0), k))
    return out


def edit_policy(ctx: Ctx, name: str, rng: random.Random) -> None:
    data = policies.policy_data(policies.get_policy(ctx, name))
    extra = policies.StepData(f"Extra {len(data.steps)}", rng.choice(("issue", "due")), rng.randrange(-3, 25),
                              rng.choice(("email", "sms")), "overdue_first")
    policies.update_policy(ctx, name, policies.PolicyData(
        data.name, data.description, data.group_by_contractor, data.is_default, (*data.steps, extra)))


def added_rows(ledger: Ledger, after: int) -> list[Row]:
    with ledger.transaction() as s:
        query = (select(Invoice.number, PolicyStep.name, Outbox.occurrence, Outbox.state, Outbox.planned_for,
                        Outbox.covers, Outbox.last_error)
                 .join(Invoice, Invoice.id == Outbox.invoice_id).join(PolicyStep, PolicyStep.id == Outbox.step_id)
                 .where(Outbox.id > after))
        # the reason as `outbox list` gives it (a catch-up record stores none: row_reason words it)
        return sorted((n, step, occ, state, day, covers, row_reason(state, error, covers, day))
                      for n, step, occ, state, day, covers, error in s.execute(query))


@pytest.mark.parametrize("seed", range(12))
def test_planning_matches_the_rule_run_after_run(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    ledger = open_ledger(tmp_path / "ledger.db")
    models: list[Model] = []
    names: dict[int, str] = {}
    try:
        with ledger.transaction() as s:
            ctx = Ctx(s, FixedClock(START), "tester")
            clients = []
            for n, policy in enumerate(("Standard", "Gentle", "Firm", None)):
                c = contractor(ctx, f"Klient {n} Sp. z o.o.", email=f"k{n}@example.com", phone="+48 601 234 567")
                if policy:
                    policies.assign_to_contractor(ctx, str(c.id), policy)
                clients.append((c, policy or "Standard"))
        today, serial = START, 0
        for _run in range(rng.randrange(4, 8)):
            with ledger.transaction() as s:
                ctx = Ctx(s, FixedClock(today), "tester")
                for _ in range(rng.randrange(1, 6)):  # invoices typed in since the last run, some long overdue
                    serial += 1
                    c, policy = rng.choice(clients)
                    issued = today - dt.timedelta(days=rng.randrange(0, 60))
                    due = issued + dt.timedelta(days=rng.choice((0, 7, 14, 30)))
                    invoice(ctx, c, f"FV/{serial}/2026", "1000.00", due, issued=issued)
                    models.append(Model(f"FV/{serial}/2026", issued, due, policy))
                if rng.random() < 0.25:  # a step added to a policy applies to the invoices already open
                    edit_policy(ctx, rng.choice(("Standard", "Firm")), rng)
                steps = {name: policy_steps(ctx, name) for name in ("Standard", "Gentle", "Firm")}
                names = {row.id: row.name for row in s.scalars(select(PolicyStep))}
                for m in models:
                    m.steps = steps[m.policy]
            with ledger.transaction() as s:
                summary = plan_rows(Ctx(s, FixedClock(today), "tester"), full=rng.random() < 0.3)
            expected = sorted(row for m in models for row in m.plan(today, names))
            assert added_rows(ledger, summary.after) == expected, f"seed {seed}, {today}"
            assert summary.planned == sum(1 for r in expected if r[3] == "planned")
            assert summary.skipped == sum(r[5] for r in expected if r[3] == "skipped")
            today += dt.timedelta(days=rng.randrange(1, 16))
    finally:
        ledger.close()
