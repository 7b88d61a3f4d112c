"""A policy's escalating step acts when its message is sent, once, and not for an invoice paid meanwhile."""

from __future__ import annotations

import datetime as dt

from helpers.ledger import contractor, fresh, invoice, pay
from helpers.outbox_support import Recorder, configure
from sqlalchemy import func, select

from collector_app.db.engine import Ledger
from collector_app.db.models import Event, Invoice, Outbox, Task
from collector_app.domain.clock import FixedClock
from collector_app.services import policies
from collector_app.services.context import Ctx
from collector_app.services.outbox import dispatch, mark_sent
from collector_app.services.reminders import plan

TODAY = dt.date(2026, 3, 16)  # a Monday
NOON = FixedClock(TODAY, dt.time(12, 0))


def setup_invoice(ledger: Ledger, port: int, *, policy: str, overdue: int) -> int:
    with ledger.transaction() as s:
        ctx = Ctx(s, NOON, "tester")
        configure(ctx, port)
        c = contractor(ctx, "Omega Handel Sp. z o.o.", email="ksiegowosc@omega.example")
        if policy != "Standard":
            policies.assign_to_contractor(ctx, str(c.id), policy)
        due = TODAY - dt.timedelta(days=overdue)
        return invoice(ctx, c, "FV/7/2026", "1230.00", due, issued=due - dt.timedelta(days=14)).id


def plan_today(ledger: Ledger) -> list[str]:
    with ledger.transaction() as s:
        return [r.step for r in plan(Ctx(s, NOON, "tester")) if r.state == "planned"]


def escalations(ledger: Ledger, invoice_id: int) -> tuple[int, int]:
    with ledger.transaction() as s:
        tasks = s.scalar(select(func.count()).select_from(Task).where(
            Task.invoice_id == invoice_id, Task.text.like("Escalate invoice FV/7/2026%")))
        events = s.scalar(select(func.count()).select_from(Event).where(
            Event.action == "reminder.escalated", Event.invoice_id == invoice_id))
        return int(tasks or 0), int(events or 0)


def test_the_standard_final_notice_files_a_task_for_the_collector_when_it_is_sent(
        ledger: Ledger, server: tuple[Recorder, int]) -> None:
    recorder, port = server
    i = setup_invoice(ledger, port, policy="Standard", overdue=21)
    assert plan_today(ledger) == ["Final notice"]
    assert escalations(ledger, i) == (0, 0)  # planned is not yet sent
    dispatch(ledger, NOON, user="tester")
    assert [r.recipients for r in recorder.received] == [["ksiegowosc@omega.example"]]
    assert escalations(ledger, i) == (1, 1)
    dispatch(ledger, NOON, user="tester")  # nothing left to send: no second task
    assert escalations(ledger, i) == (1, 1)


def test_the_firm_final_step_marks_the_invoice_ready_for_a_demand_when_it_is_sent(
        ledger: Ledger, server: tuple[Recorder, int]) -> None:
    i = setup_invoice(ledger, server[1], policy="Firm", overdue=14)
    assert plan_today(ledger) == ["Final notice"]
    with ledger.transaction() as s:
        assert fresh(Ctx(s, NOON, "tester"), s.get_one(Invoice, i)).ready_for_demand_at is None
    dispatch(ledger, NOON, user="tester")
    with ledger.transaction() as s:
        assert s.get_one(Invoice, i).ready_for_demand_at is not None
    assert escalations(ledger, i)[1] == 1


def test_an_invoice_paid_between_planning_and_sending_is_not_escalated(
        ledger: Ledger, server: tuple[Recorder, int]) -> None:
    recorder, port = server
    i = setup_invoice(ledger, port, policy="Standard", overdue=21)
    plan_today(ledger)
    with ledger.transaction() as s:
        pay(Ctx(s, NOON, "tester"), "1230.00", TODAY, "FV/7/2026")
    dispatch(ledger, NOON, user="tester")
    assert recorder.received == []
    with ledger.transaction() as s:
        assert s.scalar(select(Outbox.state).where(Outbox.invoice_id == i, Outbox.state != "skipped")) == "cancelled"
    assert escalations(ledger, i) == (0, 0)


def test_an_uncertain_final_notice_marked_sent_by_hand_escalates_then(
        ledger: Ledger, server: tuple[Recorder, int]) -> None:
    i = setup_invoice(ledger, server[1], policy="Standard", overdue=21)
    plan_today(ledger)
    with ledger.transaction() as s:
        row = s.scalars(select(Outbox).where(Outbox.invoice_id == i, Outbox.state == "planned")).one()
        row.state = "uncertain"  # a sender was killed while it was on the wire
        row_id = row.id
    assert escalations(ledger, i) == (0, 0)
    with ledger.transaction() as s:
        mark_sent(Ctx(s, NOON, "tester"), row_id)
    assert escalations(ledger, i) == (1, 1)


def test_an_escalating_letter_step_acts_when_its_letter_is_made(ledger: Ledger, server: tuple[Recorder, int]) -> None:
    from helpers.outbox_support import queue

    from collector_app.db.models import Policy, PolicyStep

    i = setup_invoice(ledger, server[1], policy="Standard", overdue=40)
    with ledger.transaction() as s:
        ctx = Ctx(s, NOON, "tester")
        policy = s.scalars(select(Policy).where(Policy.name == "Standard")).one()
        s.add(PolicyStep(policy_id=policy.id, position=99, name="Demand letter", anchor="due", offset_days=40,
                         channel="letter", template="demand", action="ready_for_demand"))
        s.flush()
        queue(ctx, s.get_one(Invoice, i), "Demand letter")
    report = dispatch(ledger, NOON, user="tester")
    assert len(report.letters_issued) == 1
    with ledger.transaction() as s:
        assert s.get_one(Invoice, i).ready_for_demand_at is not None
    assert escalations(ledger, i)[1] == 1
