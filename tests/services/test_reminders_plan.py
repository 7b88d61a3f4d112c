"""Planning into the outbox: due steps, catch-up, stop rules, escalations, idempotence (also concurrent)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from helpers.ledger import at, contractor, fresh, invoice, pay
from sqlalchemy import func, select

from collector_app.db.engine import Ledger, open_ledger
from collector_app.db.models import Contractor, Event, Invoice, Outbox, Policy, PolicyStep, Task
from collector_app.domain.clock import FixedClock
from collector_app.services import policies
from collector_app.services.activity import CallData, log_call
from collector_app.services.context import Ctx
from collector_app.services.reminders import CATCH_UP, NO_ADDRESS, OVERTAKEN, PlannedRow, plan

DUE = dt.date(2026, 3, 2)
ISSUED = dt.date(2026, 2, 16)


def day(offset: int) -> dt.date:
    return DUE + dt.timedelta(days=offset)


def client(ctx: Ctx, name: str = "Omega Handel Sp. z o.o.", **kw: object) -> Contractor:
    kw.setdefault("email", "ksiegowosc@omega.example")
    kw.setdefault("phone", "+48 601 234 567")
    return contractor(ctx, name, **kw)


def inv(ctx: Ctx, c: Contractor, number: str = "FV/1/2026", gross: str = "1230.00") -> Invoice:
    return invoice(ctx, c, number, gross, DUE, issued=ISSUED)


def plan_on(ctx: Ctx, when: dt.date, **kw: object) -> list[PlannedRow]:
    return plan(at(ctx, when), **kw)  # type: ignore[arg-type]


def outbox(ctx: Ctx) -> list[Outbox]:
    ctx.session.flush()
    return list(ctx.session.scalars(select(Outbox).order_by(Outbox.planned_for, Outbox.id)))


def sent(ctx: Ctx) -> None:
    """What the day's dispatch does with the planned rows (a row left waiting is overtaken by a later step)."""
    for row in outbox(ctx):
        if row.state == "planned":
            row.state = "sent"


def steps(rows: list[PlannedRow], state: str) -> list[tuple[str, int]]:
    return [(r.step, r.occurrence) for r in rows if r.state == state]


def test_a_daily_run_plans_every_step_on_its_day_and_nothing_twice(ctx: Ctx) -> None:
    c = client(ctx)
    inv(ctx, c)
    planned: list[PlannedRow] = []
    for offset in range((ISSUED - DUE).days, 30):
        planned += plan_on(ctx, day(offset))
        sent(ctx)
    assert all(r.state == "planned" for r in planned)
    assert [(r.step, r.occurrence, r.planned_for) for r in planned] == [
        ("Invoice", 1, ISSUED), ("Before due (SMS)", 1, day(-2)), ("Due today", 1, DUE),
        ("First reminder", 1, day(2)), ("First reminder (SMS)", 1, day(2)),
        ("Weekly reminder", 1, day(9)), ("Weekly reminder", 2, day(16)), ("Final notice", 1, day(21)),
    ]
    by_channel = {r.channel: r.recipient for r in planned}
    assert by_channel == {"email": "ksiegowosc@omega.example", "sms": "+48601234567"}
    assert plan_on(ctx, day(30)) == []
    assert len(outbox(ctx)) == 8


def test_plan_twice_on_the_same_day_adds_nothing(ctx: Ctx) -> None:
    inv(ctx, client(ctx))
    first = plan_on(ctx, day(2))
    assert sorted(steps(first, "planned")) == [("First reminder", 1), ("First reminder (SMS)", 1)]
    assert plan_on(ctx, day(2)) == []
    assert len(outbox(ctx)) == len(first)


def test_an_invoice_planned_for_the_first_time_when_overdue_gets_only_the_latest_step(ctx: Ctx) -> None:
    i = inv(ctx, client(ctx))
    rows = plan_on(ctx, day(29))
    assert steps(rows, "planned") == [("Final notice", 1)]
    # one row records the seven overtaken steps, named by the latest of them
    [skipped] = [r for r in rows if r.state == "skipped"]
    assert (skipped.step, skipped.occurrence, skipped.planned_for, skipped.covers) == (
        "Weekly reminder", 2, day(16), 7)
    assert skipped.last_error == "catch-up: 7 steps due up to 2026-03-18 were overtaken by a later one"
    assert skipped.recipient is None
    # the final step escalates when it is sent, not when it is planned
    assert ctx.session.scalar(select(func.count()).select_from(Task).where(Task.invoice_id == i.id)) == 0


def test_after_a_two_week_gap_only_the_latest_due_step_is_planned(ctx: Ctx) -> None:
    inv(ctx, client(ctx))
    assert sorted(steps(plan_on(ctx, day(2)), "planned")) == [("First reminder", 1), ("First reminder (SMS)", 1)]
    sent(ctx)
    rows = plan_on(ctx, day(16))  # the PC was off from day +3 to day +15
    assert steps(rows, "planned") == [("Weekly reminder", 2)]
    assert steps(rows, "skipped") == [("Weekly reminder", 1)]
    assert [(r.last_error, r.covers) for r in rows if r.state == "skipped"] == [(CATCH_UP, 1)]


def test_a_row_still_waiting_when_a_later_step_comes_due_is_skipped_not_sent_late(ctx: Ctx) -> None:
    """'Due today' planned on the due day but not sent (after hours, then the PC off): when the run after
    the gap plans a later step, the waiting row is skipped with the reason, and the plan lists it."""
    inv(ctx, client(ctx))
    due_today = [r for r in plan_on(ctx, DUE) if r.state == "planned"]
    assert steps(due_today, "planned") == [("Due today", 1)]
    rows = plan_on(ctx, day(16))
    assert steps(rows, "planned") == [("Weekly reminder", 2)]
    waiting = [r for r in rows if r.id == due_today[0].id]
    assert [(r.state, r.last_error) for r in waiting] == [("skipped", OVERTAKEN)]
    states = {(o.step_id, o.occurrence): o.state for o in outbox(ctx)}
    assert sorted(states.values()) == ["planned", "skipped", "skipped", "skipped"]  # + the catch-up record


def test_a_waiting_row_is_not_overtaken_by_a_step_on_its_own_day_or_by_the_thank_you(ctx: Ctx) -> None:
    inv(ctx, client(ctx))
    plan_on(ctx, ISSUED)
    sent(ctx)
    plan_on(ctx, day(-2))  # the SMS before due waits (a 4xx retry, say)
    assert plan_on(ctx, day(-2)) == []
    assert [o.state for o in outbox(ctx)] == ["sent", "planned"]
    pay(ctx, "1230.00", day(-1), "FV/1/2026")
    plan_on(ctx, day(-1))
    assert [o.state for o in outbox(ctx) if o.last_error == OVERTAKEN] == []


def test_an_email_and_an_sms_due_on_the_latest_day_both_go(ctx: Ctx) -> None:
    inv(ctx, client(ctx))
    rows = plan_on(ctx, day(3))
    assert sorted(steps(rows, "planned")) == [("First reminder", 1), ("First reminder (SMS)", 1)]
    assert [(r.step, r.covers) for r in rows if r.state == "skipped"] == [("Due today", 3)]


@pytest.mark.parametrize("stop", ["paid", "overpaid", "disputed", "promised", "under_plan", "handed_over",
                                  "paused", "contractor_paused"])
def test_stopped_invoices_get_nothing(ctx: Ctx, stop: str) -> None:
    c = client(ctx)
    i = inv(ctx, c)
    if stop == "paid":
        pay(ctx, "1230.00", day(1), "FV/1/2026")
    elif stop == "overpaid":
        pay(ctx, "1500.00", day(1), "FV/1/2026")
    elif stop == "promised":
        log_call(at(ctx, day(1)), i, CallData("promised", 60, promise_date=day(10)))
    elif stop == "paused":
        i.paused_until = day(5)
    elif stop == "contractor_paused":
        c.paused_until = day(5)
    else:
        setattr(i, stop, True)
    assert plan_on(ctx, day(5)) == []
    assert outbox(ctx) == []


def test_a_pause_ends_with_catch_up_the_day_after(ctx: Ctx) -> None:
    i = inv(ctx, client(ctx))
    i.paused_until = day(5)
    assert plan_on(ctx, day(5)) == []
    rows = plan_on(ctx, day(6))
    assert steps(rows, "planned") == [("First reminder", 1), ("First reminder (SMS)", 1)]


def test_the_promise_anchor_follows_the_latest_calls_promise_date(ctx: Ctx) -> None:
    c = client(ctx)
    i = inv(ctx, c)
    std = policies.get_policy(ctx, "Standard")
    data = policies.policy_data(std)
    broken = policies.StepData("Broken promise", "promise", 1, "email", "overdue_first")
    policies.update_policy(ctx, "Standard", policies.PolicyData(
        data.name, data.description, data.group_by_contractor, data.is_default, (*data.steps, broken)))
    log_call(at(ctx, day(1)), i, CallData("promised", 60, promise_date=day(4)))
    log_call(at(ctx, day(3)), i, CallData("promised", 60, promise_date=day(6)))  # moved by a second call
    assert all(r.step != "Broken promise" for r in plan_on(ctx, day(6)))  # paused through the promise day
    rows = plan_on(ctx, day(7))
    assert [r.step for r in rows if r.state == "planned"] == ["Broken promise"]


def test_every_broken_promise_is_followed_up_not_only_the_first(ctx: Ctx) -> None:
    c = client(ctx)
    i = inv(ctx, c)
    data = policies.policy_data(policies.get_policy(ctx, "Standard"))
    broken = policies.StepData("Broken promise", "promise", 1, "email", "overdue_first")
    policies.update_policy(ctx, "Standard", policies.PolicyData(
        data.name, data.description, data.group_by_contractor, data.is_default, (*data.steps, broken)))
    log_call(at(ctx, day(1)), i, CallData("promised", 60, promise_date=day(4)))
    first = [r for r in plan_on(ctx, day(5)) if r.step == "Broken promise"]
    sent(ctx)
    log_call(at(ctx, day(6)), i, CallData("promised", 60, promise_date=day(10)))  # a second promise, broken too
    assert [r for r in plan_on(ctx, day(10)) if r.step == "Broken promise"] == []
    second = [r for r in plan_on(ctx, day(11)) if r.step == "Broken promise"]
    assert [(r.state, r.planned_for) for r in first + second] == [("planned", day(5)), ("planned", day(11))]
    assert first[0].occurrence != second[0].occurrence
    assert plan_on(ctx, day(11)) == []  # and once only


def test_a_changed_repeat_count_elsewhere_renumbers_no_promise_follow_up(ctx: Ctx) -> None:
    """The n-th promise's follow-up is numbered with a constant stride: switching off the only repeating step
    (which lowers the most occurrences any step has) neither repeats an old follow-up nor swallows a new one."""
    c = client(ctx)
    i = inv(ctx, c)
    data = policies.policy_data(policies.get_policy(ctx, "Standard"))
    broken = policies.StepData("Broken promise", "promise", 1, "email", "overdue_first")
    policies.update_policy(ctx, "Standard", replace(data, steps=(*data.steps, broken)))
    followed: list[PlannedRow] = []
    for n, (called, promised) in enumerate(((1, 4), (6, 10), (12, 16)), start=1):
        log_call(at(ctx, day(called)), i, CallData("promised", 60, promise_date=day(promised)))
        followed += [r for r in plan_on(ctx, day(promised + 1)) if r.step == "Broken promise"]
        sent(ctx)
        if n == 2:  # the weekly step was the only one that repeats
            data = policies.policy_data(policies.get_policy(ctx, "Standard"))
            policies.update_policy(ctx, "Standard", replace(data, steps=tuple(
                replace(st, active=False) if st.name == "Weekly reminder" else st for st in data.steps)))
    assert [(r.planned_for, r.state) for r in followed] == [(day(5), "planned"), (day(11), "planned"),
                                                            (day(17), "planned")]
    assert len({r.occurrence for r in followed}) == 3


def test_an_sms_to_a_contractor_without_a_phone_is_skipped_and_asks_for_one_once(ctx: Ctx) -> None:
    c = client(ctx, phone="")
    inv(ctx, c, "FV/1/2026")
    inv(ctx, c, "FV/2/2026")
    rows = plan_on(ctx, day(-2))
    sms = [r for r in rows if r.channel == "sms"]
    assert [(r.state, r.last_error) for r in sms] == [("skipped", NO_ADDRESS["sms"])] * 2
    assert plan_on(ctx, day(2))  # more SMS steps skipped…
    tasks = list(ctx.session.scalars(select(Task).where(Task.contractor_id == c.id)))
    assert len(tasks) == 1 and "phone number" in tasks[0].text  # …but one task only
    assert [r.state for r in outbox(ctx) if r.channel == "email" and r.planned_for == day(2)] == ["planned"] * 2


def test_a_contact_persons_address_is_used_when_the_contractor_has_none(ctx: Ctx) -> None:
    from collector_app.services.contractors import add_contact

    c = client(ctx, phone="")
    add_contact(ctx, c.id, "Anna Nowak", "księgowa", None, "+48 602 345 678")
    inv(ctx, c)
    rows = plan_on(ctx, day(-2))
    assert [(r.state, r.recipient) for r in rows if r.channel == "sms"] == [("planned", "+48602345678")]


def test_segment_policy_and_contractor_override(ctx: Ctx) -> None:
    loyal = client(ctx, "Loyal Sp. z o.o.", segment="VIP")
    late = client(ctx, "Late Sp. z o.o.", segment="VIP")
    plain = client(ctx, "Plain Sp. z o.o.")
    inv(ctx, loyal, "L/1")
    inv(ctx, late, "S/1")
    inv(ctx, plain, "P/1")
    policies.assign_to_segment(ctx, "VIP", "Gentle")
    policies.assign_to_contractor(ctx, str(late.id), "Firm")
    plan_on(ctx, ISSUED)
    rows = plan_on(ctx, day(-3))
    assert {(r.invoice, r.step) for r in rows if r.state == "planned"} == {
        ("S/1", "Before due (SMS)"), ("S/1", "Before due")}
    rows = plan_on(ctx, day(1))
    assert {(r.invoice, r.step) for r in rows if r.state == "planned"} == {
        ("S/1", "Overdue"), ("S/1", "Overdue (SMS)"), ("P/1", "Due today")}
    rows = plan_on(ctx, day(5))
    assert {(r.invoice, r.step) for r in rows if r.state == "planned"} == {
        ("L/1", "Friendly reminder"), ("P/1", "First reminder"), ("P/1", "First reminder (SMS)")}


def test_a_policy_edit_applies_to_invoices_already_open(ctx: Ctx) -> None:
    inv(ctx, client(ctx))
    plan_on(ctx, day(2))
    data = policies.policy_data(policies.get_policy(ctx, "Standard"))
    extra = policies.StepData("Day four call-back", "due", 4, "email", "overdue_first")
    policies.update_policy(ctx, "Standard", policies.PolicyData(
        data.name, data.description, data.group_by_contractor, data.is_default, (*data.steps, extra)))
    assert steps(plan_on(ctx, day(4)), "planned") == [("Day four call-back", 1)]


def test_a_step_added_with_a_date_before_the_last_planned_row_is_never_sent_late(ctx: Ctx) -> None:
    inv(ctx, client(ctx))
    plan_on(ctx, day(9))
    sent(ctx)
    data = policies.policy_data(policies.get_policy(ctx, "Standard"))
    early = policies.StepData("Day five", "due", 5, "email", "overdue_first")
    policies.update_policy(ctx, "Standard", policies.PolicyData(
        data.name, data.description, data.group_by_contractor, data.is_default, (*data.steps, early)))
    assert plan_on(ctx, day(10)) == []  # the invoice's history is past day five: nothing to catch up
    assert [r.step for r in plan_on(ctx, day(16))] == ["Weekly reminder"]


def test_the_thank_you_goes_once_after_payment_of_a_reminded_invoice(ctx: Ctx) -> None:
    inv(ctx, client(ctx))
    inv(ctx, client(ctx, "Never Reminded Sp. z o.o."), "FV/2/2026")
    plan_on(ctx, day(2))
    pay(ctx, "1230.00", day(3), "FV/1/2026")
    rows = plan_on(ctx, day(3))
    assert [(r.invoice, r.step, r.state, r.planned_for) for r in rows] == [
        ("FV/1/2026", "Thank you", "planned", day(3))]
    assert plan_on(ctx, day(4)) == []


def test_a_settled_invoice_that_only_got_the_invoice_email_gets_no_thank_you(ctx: Ctx) -> None:
    inv(ctx, client(ctx))
    plan_on(ctx, ISSUED)
    pay(ctx, "1230.00", day(-5), "FV/1/2026")
    assert plan_on(ctx, day(-4)) == []


def test_an_invoice_settled_by_a_credit_note_gets_no_thank_you_for_a_payment(ctx: Ctx) -> None:
    c = client(ctx)
    inv(ctx, c)
    plan_on(ctx, day(2))
    invoice(ctx, c, "KOR/1/2026", "1230.00", day(3), issued=day(3), credit_note_for="FV/1/2026")
    assert plan_on(ctx, day(3)) == []


def test_renaming_a_step_that_went_out_does_not_send_it_again(ctx: Ctx) -> None:
    inv(ctx, client(ctx))
    plan_on(ctx, day(2))
    sent(ctx)
    data = policies.policy_data(policies.get_policy(ctx, "Standard"))
    renamed = tuple(replace(st, name="Reminder 1") if st.name == "First reminder" else st for st in data.steps)
    policies.update_policy(ctx, "Standard", replace(data, steps=renamed))
    assert plan_on(ctx, day(3)) == []
    assert steps(plan_on(ctx, day(9)), "planned") == [("Weekly reminder", 1)]


def test_moving_a_contractor_to_a_copy_of_its_policy_repeats_nothing(ctx: Ctx) -> None:
    c = client(ctx)
    inv(ctx, c)
    plan_on(ctx, day(2))
    sent(ctx)
    data = policies.policy_data(policies.get_policy(ctx, "Standard"))
    policies.create_policy(ctx, replace(data, name="Standard copy", is_default=False))
    policies.assign_to_contractor(ctx, str(c.id), "Standard copy")
    assert plan_on(ctx, day(3)) == []
    assert [(r.step, r.state) for r in plan_on(ctx, day(9))] == [("Weekly reminder", "planned")]


def test_planning_the_firm_final_step_does_not_yet_mark_ready_for_demand(ctx: Ctx) -> None:
    c = client(ctx)
    i = inv(ctx, c)
    policies.assign_to_contractor(ctx, str(c.id), "Firm")
    assert steps(plan_on(ctx, day(14)), "planned") == [("Final notice", 1)]
    assert fresh(ctx, i).ready_for_demand_at is None  # services/escalation.py acts when it is sent
    assert ctx.session.scalar(select(func.count()).select_from(Event).where(
        Event.action == "reminder.escalated", Event.invoice_id == i.id)) == 0


def test_a_grouped_policy_marks_rows_of_one_contractor_step_and_day_with_one_group_key(ctx: Ctx) -> None:
    c = client(ctx)
    inv(ctx, c, "FV/1/2026")
    inv(ctx, c, "FV/2/2026")
    ctx.session.scalar(select(Policy).where(Policy.name == "Standard")).group_by_contractor = True  # type: ignore[union-attr]
    plan_on(ctx, day(2))
    keys = {r.group_key for r in outbox(ctx) if r.state == "planned" and r.channel == "email"}
    step_id = ctx.session.scalar(select(PolicyStep.id).where(PolicyStep.name == "First reminder",
                                                             PolicyStep.policy_id == 1))
    assert keys == {f"{c.id}:{step_id}:{day(2).isoformat()}"}


def test_dry_run_writes_nothing_and_previews_the_next_days(ctx: Ctx) -> None:
    inv(ctx, client(ctx))
    rows = plan_on(ctx, day(-3), dry_run=True, days=5)
    assert [(r.step, r.planned_for, r.state) for r in rows] == [
        ("Invoice", ISSUED, "planned"), ("Before due (SMS)", day(-2), "planned"), ("Due today", DUE, "planned"),
        ("First reminder", day(2), "planned"), ("First reminder (SMS)", day(2), "planned"),
    ]
    assert all(r.id is None for r in rows)
    assert outbox(ctx) == []
    assert plan_on(ctx, day(-3), dry_run=True) == rows[:1]


@pytest.mark.parametrize("paused", ["promise", "invoice", "contractor"])
def test_a_preview_shows_what_the_daily_runs_plan_after_a_pause_that_ends_inside_it(ctx: Ctx, paused: str) -> None:
    c = client(ctx)
    i = inv(ctx, c)
    plan_on(ctx, DUE)
    sent(ctx)
    if paused == "promise":
        log_call(at(ctx, day(1)), i, CallData("promised", 60, promise_date=day(6)))
    elif paused == "invoice":
        i.paused_until = day(6)
    else:
        c.paused_until = day(6)
    preview = plan_on(ctx, day(2), dry_run=True, days=14)
    daily: list[PlannedRow] = []
    for offset in range(2, 17):
        daily += plan_on(ctx, day(offset))
        sent(ctx)
    def shown(rows: list[PlannedRow]) -> list[tuple[str, int, str]]:
        return sorted((r.step, r.occurrence, r.state) for r in rows)
    assert shown(preview) == shown(daily)
    assert ("Weekly reminder", 1, "planned") in shown(preview)
    first = [r.planned_for for r in preview if r.step == "First reminder (SMS)"]
    assert first == [day(7)]  # the day after the pause, when it will go out


def test_days_only_widen_a_dry_run(ctx: Ctx) -> None:
    from helpers.ledger import expect_error

    with expect_error("days"):
        plan(ctx, days=3)
    with expect_error("days"):
        plan(ctx, dry_run=True, days=-1)


def test_each_run_that_adds_rows_leaves_one_summary_event(ctx: Ctx) -> None:
    inv(ctx, client(ctx))
    plan_on(ctx, day(2))
    plan_on(ctx, day(2))
    summaries = list(ctx.session.scalars(select(Event).where(Event.action == "reminders.planned")))
    assert len(summaries) == 1 and "planned: 2" in summaries[0].summary


# --- two processes at once -------------------------------------------------------------------

def _seed(ledger: Ledger, n: int) -> None:
    with ledger.transaction() as s:
        ctx = Ctx(s, FixedClock(ISSUED), "tester")
        c = client(ctx)
        for k in range(n):
            inv(ctx, c, f"FV/{k}/2026")


def test_two_ledgers_planning_at_the_same_moment_add_each_row_once(ledger_path: Path) -> None:
    first = open_ledger(ledger_path)
    second = open_ledger(ledger_path)
    try:
        _seed(first, 50)
        start = threading.Barrier(2)
        results: list[list[PlannedRow]] = []
        errors: list[BaseException] = []

        def run(ledger: Ledger) -> None:
            try:
                start.wait()
                with ledger.transaction() as s:
                    results.append(plan(Ctx(s, FixedClock(day(3)), "tester")))
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(led,)) for led in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with first.transaction() as s:
            total = s.scalar(select(func.count()).select_from(Outbox))
            states = Counter(s.scalars(select(Outbox.state)))
        assert total == 50 * 3  # issue, -2, 0 skipped in one row; +2 e-mail and SMS planned… and no duplicate
        assert states == {"planned": 100, "skipped": 50}
        assert sorted(len(r) for r in results) == [0, 150]
    finally:
        first.close()
        second.close()


def test_a_step_added_on_the_day_of_the_last_planned_rows_is_not_sent_late(ctx: Ctx) -> None:
    """Its day had already been planned for the invoice: sent the next day it would be late (and a renamed
    or copied step on that day would repeat what went out)."""
    inv(ctx, client(ctx))
    assert sorted(steps(plan_on(ctx, day(2)), "planned")) == [("First reminder", 1), ("First reminder (SMS)", 1)]
    data = policies.policy_data(policies.get_policy(ctx, "Standard"))
    same_day = policies.StepData("Day two letter", "due", 2, "email", "overdue_first")
    policies.update_policy(ctx, "Standard", policies.PolicyData(
        data.name, data.description, data.group_by_contractor, data.is_default, (*data.steps, same_day)))
    assert plan_on(ctx, day(3)) == []
