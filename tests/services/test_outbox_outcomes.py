"""What a dispatch run reports and leaves behind: a stop request mid-run, refused messages, tasks of retried rows."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from helpers.ledger import contractor, invoice
from helpers.outbox_support import Recorder, at_time, configure, queue, states
from sqlalchemy import select

from collector_app.channels.base import MessageLike, SendResult
from collector_app.db.engine import Ledger
from collector_app.db.models import Event, Invoice, Outbox, Task
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.services import activity, outbox
from collector_app.services.context import Ctx
from collector_app.services.outbox import dispatch, mark_sent, resend

TODAY = dt.date(2026, 3, 16)  # a Monday
NOON = at_time(TODAY, 12)
BUSY = "451 4.3.0 Mailbox busy, try later"


@pytest.fixture
def setup(ledger: Ledger, clock: FixedClock, server: tuple[Recorder, int]) -> Ledger:
    with ledger.transaction() as s:
        configure(Ctx(s, clock, "tester"), server[1])
    return ledger


def overdue_rows(ledger: Ledger, clock: FixedClock, count: int, channel_step: str = "First reminder") -> list[int]:
    """One due reminder each for invoices FV/0 … FV/count-1, each of its own contractor."""
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        ids = []
        for n in range(count):
            c = contractor(ctx, f"Firma {n}", email=f"f{n}@example.com", phone=f"600 700 80{n}", language="en",
                           collector="jan")
            ids.append(queue(ctx, invoice(ctx, c, f"FV/{n}", "100.00", TODAY - dt.timedelta(days=2)),
                             channel_step).id)
    return ids


class StopWhileOnWire:
    """An SMS gateway stand-in on which SIGTERM arrives while the first message is on the wire, just after
    the run has asked whether to stop before composing the next one (and was told no)."""

    channel = "sms"

    def __init__(self, ledger: Ledger, first: int) -> None:
        self.ledger, self.first = ledger, first
        self.stopped = False
        self.asked_past_first = threading.Event()
        self.sent: list[MessageLike] = []

    def __enter__(self) -> StopWhileOnWire:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def stop(self) -> bool:
        answer = self.stopped  # read first: the wire thread may set it as soon as the event below is set
        if not answer and states(self.ledger, [self.first])[self.first] != "planned":
            self.asked_past_first.set()
        return answer

    def send(self, message: MessageLike) -> SendResult:
        if not self.sent:
            self.asked_past_first.wait(60)  # only a guard against a hang: the assertions decide
            self.stopped = True  # SIGTERM
        self.sent.append(message)
        return SendResult(f"sms-{len(self.sent)}", "OK")


def test_a_stop_request_while_a_message_is_on_the_wire_lets_it_finish_and_starts_no_other(
        setup: Ledger, clock: FixedClock) -> None:
    ids = overdue_rows(setup, clock, 4, "First reminder (SMS)")
    sms = StopWhileOnWire(setup, ids[0])
    report = dispatch(setup, clock, now=NOON, transports={"sms": sms}, stop=sms.stop)
    assert sms.asked_past_first.is_set()
    assert len(sms.sent) == 1 and report.sent == [ids[0]] and report.stopped
    assert states(setup, ids) == {ids[0]: "sent", ids[1]: "planned", ids[2]: "planned", ids[3]: "planned"}
    assert report.messages == report.tried == 1
    assert "stopped on request after the current message" in report.lines()
    again = dispatch(setup, clock, now=NOON, transports={"sms": sms})  # the next run goes on where it stopped
    assert again.sent == ids[1:] and not again.stopped


def test_refused_messages_are_not_counted_as_sent(setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    ids = overdue_rows(setup, clock, 3)
    recorder.replies += ["550 5.1.1 User unknown", BUSY]
    report = dispatch(setup, clock, now=NOON)
    assert report.failed == [ids[0]] and report.retrying == [ids[1]] and report.sent == [ids[2]]
    assert (report.messages, report.tried) == (1, 3)
    assert report.lines()[0] == "1 message(s) sent covering 1 row(s); 2 not accepted by the server"
    assert report.as_dict()["messages"] == 1 and report.as_dict()["tried"] == 3
    recorder.replies += ["550 5.1.1 User unknown"]
    retry = dispatch(setup, clock, now=NOON + dt.timedelta(hours=1))
    assert (retry.messages, retry.tried, retry.sent, retry.failed) == (0, 1, [], [ids[1]])
    assert retry.lines()[0] == "0 message(s) sent covering 0 row(s); 1 not accepted by the server"


def test_limit_counts_the_messages_tried(setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    ids = overdue_rows(setup, clock, 3)
    recorder.replies += ["550 5.1.1 User unknown"]
    report = dispatch(setup, clock, now=NOON, limit=2)
    assert report.failed == [ids[0]] and report.sent == [ids[1]] and report.tried == 2
    assert states(setup, ids)[ids[2]] == "planned"


def _tasks(ledger: Ledger) -> dict[str, Task]:
    with ledger.transaction() as s:
        tasks = {t.source if t.source != "manual" else t.text: t for t in s.scalars(select(Task))}
        for t in tasks.values():
            s.expunge(t)
        return tasks


def _task_events(ledger: Ledger) -> list[Event]:
    with ledger.transaction() as s:
        events = list(s.scalars(select(Event).where(Event.action == "task.done").order_by(Event.id)))
        for e in events:
            s.expunge(e)
        return events


def test_the_task_of_a_4xx_is_done_once_the_retry_is_sent_and_no_other_task_is_touched(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    ids = overdue_rows(setup, clock, 1)
    with setup.transaction() as s:  # a second reminder of the same invoice that fails for good, and a task by hand
        ctx = Ctx(s, clock, "tester")
        first = s.get(Outbox, ids[0])
        assert first is not None
        inv = first.invoice_id
        the_invoice = s.get(Invoice, inv)
        assert the_invoice is not None
        other = queue(ctx, the_invoice, "Weekly reminder").id
        activity.add_task(ctx, the_invoice, clock.now(), "Call Firma 0 about FV/0")
    recorder.replies += [BUSY, "550 5.1.1 User unknown"]
    report = dispatch(setup, clock, now=NOON)
    assert report.retrying == [ids[0]] and report.failed == [other]
    tasks = _tasks(setup)
    assert tasks[f"outbox:{ids[0]}"].done_at is None and "451" in tasks[f"outbox:{ids[0]}"].text
    assert dispatch(setup, clock, now=NOON + dt.timedelta(hours=1)).sent == [ids[0]]
    tasks = _tasks(setup)
    assert tasks[f"outbox:{ids[0]}"].done_at is not None, "the message went out: nothing left to chase"
    assert tasks[f"outbox:{other}"].done_at is None, "the other row did not go out"
    assert tasks["Call Firma 0 about FV/0"].done_at is None
    [done] = _task_events(setup)
    assert done.invoice_id == inv and done.entity_id == tasks[f"outbox:{ids[0]}"].id
    assert "sent on a later attempt" in done.summary and "451" in done.summary
    with setup.transaction() as s:
        timeline = [e.summary for e in activity.timeline(Ctx(s, clock, "tester"), invoice_id=inv)]
    assert done.summary in timeline, "the invoice's timeline says why the task was closed"


def test_the_task_of_an_uncertain_or_failed_row_is_done_when_it_is_resent_or_marked_sent(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    ids = overdue_rows(setup, clock, 2)
    with setup.transaction() as s:
        row = s.get(Outbox, ids[0])
        assert row is not None
        row.state, row.attempts = "sending", 1  # in flight at a crash
    recorder.replies += ["550 5.1.1 User unknown"]
    report = dispatch(setup, clock, now=NOON)
    assert report.uncertain == [ids[0]] and report.failed == [ids[1]]
    assert all(t.done_at is None for t in _tasks(setup).values())
    with setup.transaction() as s:
        with pytest.raises(UserError, match="uncertain"):  # the server refused it: it did not arrive
            mark_sent(Ctx(s, clock, "tester"), ids[1])
        mark_sent(Ctx(s, clock, "tester"), ids[0])
        resend(Ctx(s, clock, "tester"), ids[1])
    assert dispatch(setup, clock, now=NOON).sent == [ids[1]]
    assert all(t.done_at is not None for t in _tasks(setup).values())
    summaries = [e.summary for e in _task_events(setup)]
    assert len(summaries) == 2
    assert "marked sent by tester" in summaries[0] and "may not have been sent" in summaries[0]
    assert "sent on a later attempt" in summaries[1] and "550" in summaries[1]


def test_a_grouped_message_closes_the_tasks_of_its_rows(setup: Ledger, clock: FixedClock,
                                                        recorder: Recorder) -> None:
    with setup.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        c = contractor(ctx, "Gamma", email="gamma@example.com", language="en")
        key = f"{c.id}:grouped"
        ids = [queue(ctx, invoice(ctx, c, f"G/{n}", "100.00", TODAY - dt.timedelta(days=2)), group_key=key).id
               for n in (1, 2)]
    recorder.replies.append(BUSY)
    assert dispatch(setup, clock, now=NOON).retrying == ids
    assert dispatch(setup, clock, now=NOON + dt.timedelta(hours=1)).sent == ids
    tasks = _tasks(setup)
    assert sorted(tasks) == [f"outbox:{i}" for i in ids] and all(t.done_at is not None for t in tasks.values())


def test_tasks_are_closed_across_pages_of_due_rows(setup: Ledger, clock: FixedClock, recorder: Recorder,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The run reads due rows a page at a time and records a page's last message while reading the next."""
    monkeypatch.setattr(outbox, "FETCH", 2)
    ids = overdue_rows(setup, clock, 5)
    recorder.replies += [BUSY] * 5
    assert dispatch(setup, clock, now=NOON).retrying == ids
    assert dispatch(setup, clock, now=NOON + dt.timedelta(hours=1)).sent == ids
    tasks = _tasks(setup)
    assert sorted(tasks) == sorted(f"outbox:{i}" for i in ids) and all(t.done_at is not None for t in tasks.values())


def test_the_list_says_why_a_due_row_will_not_go_with_the_next_send(ctx: Ctx) -> None:
    """`outbox list` promised "goes out with the next send" for rows that cannot go (the firm's contact person
    missing, SMS not set up) or that will be cancelled when their turn comes (the invoice paid meanwhile)."""
    from collector_app.services.firm import FirmChanges, set_firm
    from collector_app.services.payments import PaymentData, add_payment

    configure(ctx, 2525)
    c = contractor(ctx, "Alfa", email="alfa@example.com", phone="+48601234567")
    due = ctx.clock.today() - dt.timedelta(days=3)
    paid, open_ = invoice(ctx, c, "FV/1", "100.00", due), invoice(ctx, c, "FV/2", "200.00", due)
    rows = {"paid": queue(ctx, paid), "email": queue(ctx, open_),
            "sms": queue(ctx, open_, "First reminder (SMS)")}
    add_payment(ctx, PaymentData(date=ctx.clock.today(), amount=paid.gross, currency="PLN", contractor_id=c.id,
                                 invoice_numbers=("FV/1",)))
    notes = {r["id"]: r["note"] for r in outbox.list_rows(ctx)}
    assert notes[rows["paid"].id] == "cancelled at its turn: the invoice is settled"
    assert notes[rows["email"].id] == "due: goes out with the next send inside business hours"
    assert notes[rows["sms"].id] == "waits: no SMS gateway set up"
    set_firm(ctx, FirmChanges(contact_person=""))
    notes = {r["id"]: r["note"] for r in outbox.list_rows(ctx)}
    assert notes[rows["email"].id] == "waits: the firm's contact person is not set"
