"""Notes, follow-up tasks, calls and promises, broken-promise follow-up and the timelines."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from helpers.ledger import VALID_NIPS, at, contractor, events, expect_error, fresh, invoice, local_timezone, pay
from sqlalchemy import func, select

from collector_app.db.engine import Ledger
from collector_app.db.models import Call, Contractor, Invoice, Task, User
from collector_app.domain.clock import FixedClock
from collector_app.services.activity import (
    CallData,
    add_contractor_note,
    add_note,
    add_task,
    complete_task,
    edit_note,
    follow_up_broken_promises,
    log_call,
    notes_for,
    open_tasks,
    timeline,
)
from collector_app.services.context import Ctx
from collector_app.services.contractors import add_contact

D = Decimal
UTC = dt.UTC


@pytest.fixture
def warsaw() -> Iterator[None]:
    """Local time is Warsaw (UTC+1 in winter, UTC+2 in summer) so local ≠ UTC is visible."""
    with local_timezone("Europe/Warsaw"):
        yield


@pytest.fixture
def omega(ctx: Ctx) -> Contractor:
    return contractor(ctx, "Omega", tax_id=VALID_NIPS[0])


@pytest.fixture
def inv(ctx: Ctx, omega: Contractor, today: dt.date) -> Invoice:
    return invoice(ctx, omega, "FV/1/2026", "1000.00", today - dt.timedelta(days=10))


def count(ctx: Ctx, model: type) -> int:
    ctx.session.flush()
    return int(ctx.session.scalar(select(func.count()).select_from(model)) or 0)


# --- notes -----------------------------------------------------------------------------------

def test_add_note(ctx: Ctx, inv: Invoice) -> None:
    note = add_note(ctx, inv, "  Klient prosi o duplikat faktury  ")
    assert note.text == "Klient prosi o duplikat faktury"
    assert (note.invoice_id, note.contractor_id) == (inv.id, inv.contractor_id)
    author = ctx.session.get(User, note.author_id)
    assert author is not None and author.login == "tester"
    ev = events(ctx, "note.added")
    assert [(e.entity_id, e.invoice_id, e.contractor_id) for e in ev] == [(note.id, inv.id, inv.contractor_id)]
    assert "duplikat" in ev[0].summary


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_note_is_refused(ctx: Ctx, inv: Invoice, text: str) -> None:
    with expect_error("text", ctx):
        add_note(ctx, inv, text)
    assert notes_for(ctx, invoice_id=inv.id) == []


def test_edit_note(ctx: Ctx, inv: Invoice, today: dt.date) -> None:
    note = add_note(ctx, inv, "first version")
    later = at(ctx, today + dt.timedelta(days=1))
    changes = edit_note(later, note.id, "second version")
    assert changes.notes == {note.id}
    note = fresh(ctx, note)
    assert note.text == "second version"
    assert note.updated_at is not None and note.updated_at > note.created_at
    ev = events(ctx, "note.edited")
    assert len(ev) == 1 and ev[0].invoice_id == inv.id
    assert json.loads(ev[0].details or "{}") == {"before": "first version"}
    with expect_error("text", ctx):
        edit_note(ctx, note.id, " ")
    with expect_error("note", ctx):
        edit_note(ctx, 999, "x")
    assert fresh(ctx, note).text == "second version"


def test_notes_for_invoice_and_contractor(ctx: Ctx, inv: Invoice, omega: Contractor, today: dt.date) -> None:
    n1 = add_note(ctx, inv, "one")
    n2 = add_contractor_note(at(ctx, today + dt.timedelta(days=1)), omega.id, "two")
    n3 = add_note(at(ctx, today + dt.timedelta(days=2)), inv, "three")
    assert [n.id for n in notes_for(ctx, invoice_id=inv.id)] == [n3.id, n1.id]  # newest first
    assert [n.id for n in notes_for(ctx, contractor_id=omega.id)] == [n3.id, n2.id, n1.id]
    assert events(ctx, "note.added", entity_id=n2.id)[0].invoice_id is None


# --- tasks -----------------------------------------------------------------------------------

def test_task_due_is_typed_local_and_stored_utc(warsaw: None, ctx: Ctx, inv: Invoice) -> None:
    winter = add_task(ctx, inv, dt.datetime(2026, 3, 20, 10, 0), "call back")
    summer = add_task(ctx, inv, dt.datetime(2026, 7, 1, 10, 0), "call back in summer")
    explicit = add_task(ctx, inv, dt.datetime(2026, 3, 20, 10, 0, tzinfo=UTC), "given in UTC")
    ctx.session.expire_all()
    assert ctx.session.get(Task, winter.id).due_at == dt.datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # type: ignore[union-attr]
    assert ctx.session.get(Task, summer.id).due_at == dt.datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # type: ignore[union-attr]
    assert ctx.session.get(Task, explicit.id).due_at == dt.datetime(2026, 3, 20, 10, 0, tzinfo=UTC)  # type: ignore[union-attr]
    raw = ctx.session.execute(select(func.min(Task.due_at))).scalar_one()
    assert raw == dt.datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def test_task_assignee_is_created_on_first_mention(ctx: Ctx, inv: Invoice) -> None:
    mine = add_task(ctx, inv, dt.datetime(2026, 3, 20, 10, 0), "mine")
    anna = add_task(ctx, inv, dt.datetime(2026, 3, 20, 10, 0), "hers", " anna ")
    again = add_task(ctx, inv, dt.datetime(2026, 3, 21, 10, 0), "hers too", "anna")
    assert mine.assignee is not None and mine.assignee.login == "tester"
    assert anna.assignee_id == again.assignee_id
    assert ctx.session.scalars(select(User.login).order_by(User.login)).all() == ["anna", "tester"]
    assert (anna.invoice_id, anna.contractor_id) == (inv.id, inv.contractor_id)
    assert "anna" in events(ctx, "task.added", entity_id=anna.id)[0].summary


@pytest.mark.parametrize(("text", "assignee", "field"), [(" ", None, "text"), ("x", "   ", "assignee"),
                                                         ("x", "a" * 65, "assignee")])
def test_bad_tasks_are_refused(ctx: Ctx, inv: Invoice, text: str, assignee: str | None, field: str) -> None:
    with expect_error(field, ctx):
        add_task(ctx, inv, dt.datetime(2026, 3, 20, 10, 0), text, assignee)
    assert count(ctx, Task) == 0


def test_contractor_task_without_invoice(ctx: Ctx, omega: Contractor) -> None:
    task = add_task(ctx, None, dt.datetime(2026, 3, 20, 10, 0), "visit", contractor_id=omega.id)
    assert (task.invoice_id, task.contractor_id) == (None, omega.id)
    assert [r.invoice for r in open_tasks(ctx)] == [None]


def test_done_and_reopen(ctx: Ctx, inv: Invoice, today: dt.date) -> None:
    task = add_task(ctx, inv, dt.datetime(2026, 3, 16, 12, 0), "call")
    complete_task(at(ctx, today), task.id)
    assert fresh(ctx, task).done_at is not None
    assert open_tasks(ctx) == []
    assert [r.id for r in open_tasks(ctx, include_done=True)] == [task.id]
    complete_task(ctx, task.id, done=False)
    assert fresh(ctx, task).done_at is None
    assert [r.id for r in open_tasks(ctx)] == [task.id]
    assert [e.action for e in events(ctx, entity="task")] == ["task.added", "task.done", "task.reopened"]
    with expect_error("task", ctx):
        complete_task(ctx, 404)


def test_open_tasks_due_by_the_end_of_the_local_day(warsaw: None, ctx: Ctx, inv: Invoice) -> None:
    day = dt.date(2026, 3, 16)
    overdue = add_task(ctx, inv, dt.datetime(2026, 3, 14, 8, 0), "from Saturday")
    late = add_task(ctx, inv, dt.datetime(2026, 3, 16, 23, 59), "late tonight")
    add_task(ctx, inv, dt.datetime(2026, 3, 17, 0, 0), "tomorrow at midnight")
    add_task(ctx, inv, dt.datetime(2026, 3, 17, 0, 30), "tomorrow, but still the 16th in UTC")
    morning = add_task(ctx, inv, dt.datetime(2026, 3, 16, 0, 30), "early today, still the 15th in UTC")
    rows = open_tasks(ctx, due_by=day)
    assert [r.id for r in rows] == [overdue.id, morning.id, late.id]  # oldest first
    assert len(open_tasks(ctx)) == 5
    assert [r.invoice for r in rows] == ["FV/1/2026"] * 3
    assert all(r.assignee == "tester" for r in rows)


def test_open_tasks_by_assignee_and_invoice(ctx: Ctx, inv: Invoice, omega: Contractor, today: dt.date) -> None:
    other = invoice(ctx, omega, "FV/2/2026", "10.00", today)
    a = add_task(ctx, inv, dt.datetime(2026, 3, 16, 9, 0), "a", "anna")
    b = add_task(ctx, other, dt.datetime(2026, 3, 16, 9, 0), "b", "bob")
    assert [r.id for r in open_tasks(ctx, assignee="anna")] == [a.id]
    assert [r.id for r in open_tasks(ctx, invoice_id=other.id)] == [b.id]
    assert open_tasks(ctx, assignee="nobody") == []


# --- calls -----------------------------------------------------------------------------------

def test_promise_pauses_reminders_until_the_promised_date(ctx: Ctx, inv: Invoice, today: dt.date) -> None:
    promised = today + dt.timedelta(days=7)
    call = log_call(ctx, inv, CallData("promised", 185, promise_date=promised, promise_amount=D("500.00"),
                                       notes=" will pay half "))
    call = fresh(ctx, call)
    assert (call.outcome, call.duration_s, call.promise_date, call.promise_amount, call.promise_currency) == (
        "promised", 185, promised, D("500.00"), "PLN")
    assert call.notes == "will pay half"
    inv = fresh(ctx, inv)
    assert inv.paused_until == promised
    assert inv.pause_reason is not None and str(call.id) in inv.pause_reason
    assert not inv.disputed
    ev = events(ctx, "call.logged")
    assert len(ev) == 1 and ev[0].invoice_id == inv.id
    assert "3:05" in ev[0].summary and "500.00 PLN" in ev[0].summary and str(promised) in ev[0].summary


def test_promise_for_today_is_accepted(ctx: Ctx, inv: Invoice, today: dt.date) -> None:
    log_call(ctx, inv, CallData("promised", 60, promise_date=today))
    assert fresh(ctx, inv).paused_until == today


def test_disputed_call_marks_the_invoice(ctx: Ctx, inv: Invoice) -> None:
    log_call(ctx, inv, CallData("disputed", 240, notes="goods damaged"))
    inv = fresh(ctx, inv)
    assert inv.disputed
    assert inv.paused_until is None
    assert "disputed" in events(ctx, "call.logged")[0].summary


@pytest.mark.parametrize("outcome", ["reached", "no-answer", "plan-requested"])
def test_other_outcomes_change_nothing_on_the_invoice(ctx: Ctx, inv: Invoice, outcome: str) -> None:
    log_call(ctx, inv, CallData(outcome, 0))
    inv = fresh(ctx, inv)
    assert (inv.disputed, inv.paused_until) == (False, None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (CallData("angry", 60), "outcome"),
        (CallData("Promised", 60, promise_date=dt.date(2026, 3, 20)), "outcome"),
        (CallData("reached", -1), "duration"),
        (CallData("reached", 24 * 3600 + 1), "duration"),
        (CallData("promised", 60), "promise-date"),
        (CallData("promised", 60, promise_date=dt.date(2026, 3, 15)), "promise-date"),  # yesterday
        (CallData("reached", 60, promise_amount=D("10.00")), "promise-date"),
        (CallData("promised", 60, promise_date=dt.date(2026, 3, 20), promise_amount=D("10.001")), "promise-amount"),
        (CallData("promised", 60, promise_date=dt.date(2026, 3, 20), promise_amount=D("0")), "promise-amount"),
        (CallData("reached", 60, contact_person_id=999), "contact"),
    ],
)
def test_bad_calls_are_refused_and_change_nothing(ctx: Ctx, inv: Invoice, data: CallData, field: str) -> None:
    with expect_error(field, ctx):
        log_call(ctx, inv, data)
    assert count(ctx, Call) == 0
    assert fresh(ctx, inv).paused_until is None
    assert events(ctx, "call.logged") == []


def test_contact_person_must_belong_to_the_invoices_contractor(ctx: Ctx, inv: Invoice, omega: Contractor) -> None:
    other = contractor(ctx, "Other", tax_id=VALID_NIPS[1])
    stranger = add_contact(ctx, other.id, "Stranger")
    ours = add_contact(ctx, omega.id, "Jan")
    with expect_error("contact", ctx):
        log_call(ctx, inv, CallData("reached", 30, contact_person_id=stranger.id))
    assert log_call(ctx, inv, CallData("reached", 30, contact_person_id=ours.id)).contact_person_id == ours.id


def test_call_start_typed_local_is_stored_utc(warsaw: None, ctx: Ctx, inv: Invoice) -> None:
    call = log_call(ctx, inv, CallData("reached", 30, started_at=dt.datetime(2026, 3, 16, 9, 15)))
    assert fresh(ctx, call).started_at == dt.datetime(2026, 3, 16, 8, 15, tzinfo=UTC)


# --- broken promises -------------------------------------------------------------------------

def promise(ctx: Ctx, inv: Invoice, day: dt.date, amount: str | None = None) -> Call:
    return log_call(ctx, inv, CallData("promised", 60, promise_date=day,
                                       promise_amount=None if amount is None else D(amount)))


def test_broken_promise_creates_one_task(ctx: Ctx, inv: Invoice, today: dt.date) -> None:
    collector = Ctx(ctx.session, ctx.clock, "anna")
    call = promise(collector, inv, today + dt.timedelta(days=2))
    # on the promised day the promise is not broken yet
    assert follow_up_broken_promises(at(ctx, today + dt.timedelta(days=2))) == []
    later = at(ctx, today + dt.timedelta(days=5))  # the program was off for a few days
    created = follow_up_broken_promises(later)
    assert len(created) == 1
    task = fresh(ctx, created[0])
    assert (task.invoice_id, task.source, task.call_id, task.done_at) == (inv.id, "broken-promise", call.id, None)
    assert task.assignee is not None and task.assignee.login == "anna"  # whoever took the promise
    assert "FV/1/2026" in task.text
    assert len(events(ctx, "promise.broken", invoice_id=inv.id)) == 1
    # idempotent: running again (today, tomorrow) adds nothing
    assert follow_up_broken_promises(later) == []
    assert follow_up_broken_promises(at(ctx, today + dt.timedelta(days=6))) == []
    assert count(ctx, Task) == 1
    assert [r.id for r in open_tasks(ctx, due_by=today + dt.timedelta(days=5))] == [task.id]


def test_kept_promise_creates_no_task(ctx: Ctx, inv: Invoice, today: dt.date) -> None:
    promise(ctx, inv, today + dt.timedelta(days=2))
    pay(at(ctx, today + dt.timedelta(days=1)), "1000.00", today + dt.timedelta(days=1), "FV/1/2026")
    assert follow_up_broken_promises(at(ctx, today + dt.timedelta(days=3))) == []
    assert count(ctx, Task) == 0


def test_promised_amount_paid_counts_as_kept(ctx: Ctx, inv: Invoice, today: dt.date) -> None:
    promise(at(ctx, today), inv, today + dt.timedelta(days=2), "400.00")
    pay(at(ctx, today + dt.timedelta(days=1)), "400.00", today + dt.timedelta(days=1), "FV/1/2026")
    assert follow_up_broken_promises(at(ctx, today + dt.timedelta(days=3))) == []


def test_promise_partly_kept_is_broken(ctx: Ctx, inv: Invoice, today: dt.date) -> None:
    promise(at(ctx, today), inv, today + dt.timedelta(days=2), "400.00")
    pay(at(ctx, today + dt.timedelta(days=1)), "399.99", today + dt.timedelta(days=1), "FV/1/2026")
    assert len(follow_up_broken_promises(at(ctx, today + dt.timedelta(days=3)))) == 1


def test_each_broken_promise_gets_its_own_task(ctx: Ctx, inv: Invoice, omega: Contractor, today: dt.date) -> None:
    second = invoice(ctx, omega, "FV/2/2026", "50.00", today)
    promise(ctx, inv, today + dt.timedelta(days=1))
    promise(ctx, second, today + dt.timedelta(days=3))
    first_run = follow_up_broken_promises(at(ctx, today + dt.timedelta(days=2)))
    assert [t.invoice_id for t in first_run] == [inv.id]
    second_run = follow_up_broken_promises(at(ctx, today + dt.timedelta(days=4)))
    assert [t.invoice_id for t in second_run] == [second.id]
    assert count(ctx, Task) == 2


# --- timeline --------------------------------------------------------------------------------

def test_timeline_of_an_invoice_and_of_a_contractor(ctx: Ctx, inv: Invoice, omega: Contractor,
                                                    today: dt.date) -> None:
    other_c = contractor(ctx, "Other", tax_id=VALID_NIPS[1])
    other_inv = invoice(ctx, other_c, "FV/9/2026", "10.00", today)
    add_note(ctx, other_inv, "not ours")
    d = [at(ctx, today + dt.timedelta(days=i)) for i in range(1, 6)]
    add_note(d[0], inv, "note")
    add_task(d[1], inv, dt.datetime(2026, 3, 25, 9, 0), "task")
    log_call(d[2], inv, CallData("reached", 30))
    pay(d[3], "100.00", today, "FV/1/2026")
    add_contractor_note(d[4], omega.id, "about the contractor")

    inv_actions = [e.action for e in timeline(ctx, invoice_id=inv.id)]
    assert inv_actions == ["payment.allocated", "call.logged", "task.added", "note.added", "invoice.added"]
    con_actions = [e.action for e in timeline(ctx, contractor_id=omega.id)]
    assert con_actions == ["note.added", "payment.allocated", "payment.added", "call.logged", "task.added",
                           "note.added", "invoice.added", "contractor.added"]
    assert all(e.contractor_id == omega.id for e in timeline(ctx, contractor_id=omega.id))
    assert len(timeline(ctx, contractor_id=omega.id, limit=2)) == 2
    assert all(e.user == "tester" for e in timeline(ctx, invoice_id=inv.id))
    with expect_error(None):
        timeline(ctx)


# --- every write leaves a trace --------------------------------------------------------------

def test_every_service_write_writes_an_event(ctx: Ctx, today: dt.date) -> None:
    from collector_app.services.contractors import ContractorData, update_contractor
    from collector_app.services.firm import FirmChanges, set_firm
    from collector_app.services.payments import allocate, reverse_payment

    last_id = 0

    def new_actions() -> list[str]:
        nonlocal last_id
        rows = [e for e in events(ctx) if e.id > last_id]
        if rows:
            last_id = rows[-1].id
        for e in rows:
            assert e.user == "tester" and e.at.tzinfo is not None and e.summary
        return [e.action for e in rows]

    set_firm(ctx, FirmChanges(name="Firma"))
    assert new_actions() == ["firm.updated"]
    c = contractor(ctx, "Omega", tax_id=VALID_NIPS[0])
    assert new_actions() == ["contractor.added"]
    update_contractor(ctx, c.id, ContractorData(city="Gdańsk"))
    assert new_actions() == ["contractor.updated"]
    add_contact(ctx, c.id, "Jan")
    assert new_actions() == ["contact.added"]
    inv = invoice(ctx, c, "FV/1/2026", "100.00", today)
    assert new_actions() == ["invoice.added"]
    invoice(ctx, c, "KOR/1/2026", "10.00", today, credit_note_for="FV/1/2026")
    assert new_actions() == ["credit_note.added", "credit_note.offset", "credit_note.offset"]
    p = pay(ctx, "50.00", today, "FV/1/2026").payment
    assert new_actions() == ["payment.added", "payment.allocated"]
    free = pay(ctx, "5.00", today, title="?").payment
    assert new_actions() == ["payment.added"]
    allocate(ctx, free.id, "FV/1/2026")
    assert new_actions() == ["payment.allocated"]
    reverse_payment(ctx, p.id)
    assert new_actions() == ["payment.unallocated", "payment.reversed"]
    note = add_note(ctx, inv, "n")
    edit_note(ctx, note.id, "n2")
    assert new_actions() == ["note.added", "note.edited"]
    task = add_task(ctx, inv, dt.datetime(2026, 3, 20, 9, 0), "t")
    complete_task(ctx, task.id)
    assert new_actions() == ["task.added", "task.done"]
    log_call(ctx, inv, CallData("promised", 10, promise_date=today))
    assert new_actions() == ["call.logged"]
    follow_up_broken_promises(at(ctx, today + dt.timedelta(days=1)))
    assert new_actions() == ["task.added", "promise.broken"]


def test_lapsed_promises_are_followed_up_in_short_transactions(
        ledger: Ledger, clock: FixedClock, today: dt.date, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a week away there can be thousands: each batch commits, so the write lock is let go between them
    (the window's own writes wait at most one batch), and all of them are followed up."""
    from collector_app.services import activity

    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "anna")
        c = contractor(ctx, "Omega")
        for n in range(5):
            promise(ctx, invoice(ctx, c, f"FV/{n}/2026", "100.00", today), today + dt.timedelta(days=1))
    monkeypatch.setattr(activity, "PROMISE_BATCH", 2)
    later = FixedClock(today + dt.timedelta(days=7))
    opened: list[int] = []

    @contextmanager
    def transaction() -> Iterator[Ctx]:
        opened.append(len(opened))
        with ledger.transaction() as s:
            yield Ctx(s, later, "anna")

    assert activity.follow_up_in_batches(transaction) == 5
    assert len(opened) == 3  # 2 + 2 + 1
    assert activity.follow_up_in_batches(transaction) == 0
    with ledger.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Task).where(Task.source == "broken-promise")) == 5
