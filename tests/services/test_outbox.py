"""Dispatch through the real SMTP transport to a real aiosmtpd on 127.0.0.1: states, stop rules, retries, hours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import TracebackType
from typing import Self

import pytest
from helpers.ledger import contractor, invoice, pay
from helpers.outbox_support import Recorder, at_time, configure, outbox_row, queue, states, step
from sqlalchemy import select

from collector_app.channels.base import MessageLike, SendResult, TransientError
from collector_app.channels.smtp import SmtpTransport
from collector_app.db.engine import Ledger
from collector_app.db.models import Demand, Event, Firm, Invoice, Outbox, Policy, PolicyStep, Task
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.services import activity, settings
from collector_app.services.context import Ctx
from collector_app.services.outbox import dispatch, list_rows, mark_sent, resend
from collector_app.services.sender_lock import SenderLock

TODAY = dt.date(2026, 3, 16)  # a Monday
NOON = at_time(TODAY, 12)


@pytest.fixture
def setup(ledger: Ledger, clock: FixedClock, server: tuple[Recorder, int]) -> Ledger:
    with ledger.transaction() as s:
        configure(Ctx(s, clock, "tester"), server[1], always_open=False)
    return ledger


def ctx_of(ledger: Ledger, clock: FixedClock) -> Iterator[Ctx]:
    with ledger.transaction() as s:
        yield Ctx(s, clock, "tester")


class Tx:
    """`with Tx(ledger, clock) as ctx:` one committed unit of setup work."""

    def __init__(self, ledger: Ledger, clock: FixedClock) -> None:
        self._gen = ctx_of(ledger, clock)

    def __enter__(self) -> Ctx:
        return next(self._gen)

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if t is None:
            next(self._gen, None)
        else:
            self._gen.throw(e if e is not None else RuntimeError())


def overdue(ctx: Ctx, name: str, email: str, number: str, gross: str = "1230.00", **kw: object) -> Invoice:
    c = contractor(ctx, name, email=email, language="en", **kw)
    return invoice(ctx, c, number, gross, TODAY - dt.timedelta(days=2))


def test_due_messages_arrive_once_with_their_invoice_and_a_timeline_entry(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        a = queue(ctx, overdue(ctx, "Alfa Sp. z o.o.", "alfa@example.com", "FV/1/2026")).id
        b = queue(ctx, overdue(ctx, "Beta s.r.o.", "beta@example.com", "FV/2/2026")).id
    report = dispatch(setup, clock, now=NOON)
    assert report.messages == 2 and sorted(report.sent) == [a, b]
    assert [m.recipients for m in recorder.received] == [["alfa@example.com"], ["beta@example.com"]]
    assert "FV/1/2026" in recorder.received[0].message["Subject"] + recorder.received[0].text
    row = outbox_row(setup, a)
    assert row.state == "sent" and row.attempts == 1 and row.sent_at is not None
    assert row.message_id == recorder.received[0].message["Message-ID"]
    assert row.server_reply is not None and row.server_reply.startswith("250")
    with Tx(setup, clock) as ctx:
        inv_events = activity.timeline(ctx, invoice_id=ctx.session.get(Outbox, a).invoice_id)  # type: ignore[union-attr]
        sent = [e for e in inv_events if e.action == "reminder.sent"]
        assert len(sent) == 1 and "alfa@example.com" in sent[0].summary and sent[0].contractor_id is not None
        assert sent[0].summary.startswith("E-mail (First reminder) sent to")  # which step of the policy went
        assert '"channel": "email"' in (sent[0].details or "") and row.subject in sent[0].summary  # type: ignore[operator]
    again = dispatch(setup, clock, now=NOON)
    assert again.messages == 0 and len(recorder.received) == 2  # sending twice sends nothing twice


def test_paid_disputed_promised_and_paused_invoices_get_nothing(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        paid = overdue(ctx, "Paid", "paid@example.com", "P/1")
        pay(ctx, "1230.00", TODAY, "P/1")
        part = overdue(ctx, "Partly", "part@example.com", "P/2")
        pay(ctx, "1000.00", TODAY, "P/2")
        disputed = overdue(ctx, "Disputed", "disp@example.com", "P/3")
        disputed.disputed = True
        promised = overdue(ctx, "Promised", "prom@example.com", "P/4")
        activity.log_call(ctx, promised, activity.CallData("promised", 60, promise_date=TODAY + dt.timedelta(days=3)))
        plan = overdue(ctx, "Plan", "plan@example.com", "P/5")
        plan.under_plan = True
        handed = overdue(ctx, "Handed", "hand@example.com", "P/6")
        handed.handed_over = True
        ids = {inv.number: queue(ctx, inv).id for inv in (paid, part, disputed, promised, plan, handed)}
    report = dispatch(setup, clock, now=NOON)
    assert [m.recipients for m in recorder.received] == [["part@example.com"]]
    assert "230.00" in recorder.received[0].text.replace("\u00a0", "").replace(",", "")  # the balance of today
    got = states(setup)
    assert got[ids["P/2"]] == "sent"
    cancelled = [ids[n] for n in ("P/1", "P/3", "P/4", "P/5", "P/6")]
    assert sorted(report.cancelled) == sorted(cancelled) and all(got[i] == "cancelled" for i in cancelled)
    assert "settled" in (outbox_row(setup, ids["P/1"]).last_error or "")
    assert "paused until 2026-03-19" in (outbox_row(setup, ids["P/4"]).last_error or "")


def test_a_waiting_row_whose_step_no_longer_applies_is_cancelled_at_send_time(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    """Rows that waited over a weekend: since then the step was switched off, the contractor moved to another
    policy, the weekly step repeats fewer times. None of them goes; the one still wanted does."""
    from collector_app.services import policies

    with Tx(setup, clock) as ctx:
        still = queue(ctx, overdue(ctx, "Still", "still@example.com", "S/1"), "Weekly reminder")
        moved_inv = overdue(ctx, "Moved", "moved@example.com", "S/2")
        moved = queue(ctx, moved_inv, "First reminder")
        fewer = queue(ctx, overdue(ctx, "Fewer", "fewer@example.com", "S/3"), "Weekly reminder", occurrence=3)
        off = queue(ctx, overdue(ctx, "Off", "off@example.com", "S/4"), "Final notice")
        policies.assign_to_contractor(ctx, str(moved_inv.contractor_id), "Gentle")
        for st in step(ctx, "Final notice"), step(ctx, "Weekly reminder"):
            data = policies.StepData(st.name, st.anchor, st.offset_days, st.channel, st.template,
                                     attach_invoice=st.attach_invoice, repeat_every_days=st.repeat_every_days,
                                     repeat_max=1 if st.repeat_every_days else None, action=st.action,
                                     active=st.name != "Final notice")
            policies.edit_step(ctx, st.id, data)
        ids = {"still": still.id, "moved": moved.id, "fewer": fewer.id, "off": off.id}
    report = dispatch(setup, clock, now=NOON)
    assert [m.recipients for m in recorder.received] == [["still@example.com"]]
    assert report.sent == [ids["still"]]
    reasons = {name: outbox_row(setup, i).last_error for name, i in ids.items() if name != "still"}
    assert reasons == {"moved": "not sent: the contractor follows another reminder policy now",
                       "fewer": 'not sent: its step "Weekly reminder" now repeats 1 time(s)',
                       "off": 'not sent: its step "Final notice" was switched off'}


def test_outside_business_hours_and_on_holidays_rows_wait(setup: Ledger, clock: FixedClock,
                                                           recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        queue(ctx, overdue(ctx, "Alfa", "alfa@example.com", "FV/1"))
    evening = dispatch(setup, clock, now=at_time(TODAY, 17, 30))
    assert evening.messages == 0 and evening.outside_hours == 1
    assert evening.next_opening == at_time(TODAY + dt.timedelta(days=1), 8)
    assert any("outside business hours" in line for line in evening.lines())
    easter_monday = dt.date(2026, 4, 6)  # a public holiday in Poland
    holiday = dispatch(setup, FixedClock(easter_monday), now=at_time(easter_monday, 10))
    assert holiday.outside_hours == 1 and holiday.next_opening == at_time(dt.date(2026, 4, 7), 8)
    saturday = dispatch(setup, FixedClock(dt.date(2026, 3, 21)), now=at_time(dt.date(2026, 3, 21), 10))
    assert saturday.outside_hours == 1 and not recorder.received
    assert dispatch(setup, clock, now=at_time(TODAY, 8)).messages == 1


def test_a_czech_firm_waits_on_czech_holidays(setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        from collector_app.services.firm import FirmChanges, set_firm

        set_firm(ctx, FirmChanges(country="CZ"))
        queue(ctx, overdue(ctx, "Alfa", "alfa@example.com", "FV/1"), planned_for=dt.date(2026, 3, 1))
    day = dt.date(2026, 7, 6)  # Jan Hus day: a holiday in Czechia, a working Monday in Poland
    assert dispatch(setup, FixedClock(day), now=at_time(day, 10)).outside_hours == 1
    assert not recorder.received


def test_4xx_is_retried_with_backoff_then_succeeds(setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        row_id = queue(ctx, overdue(ctx, "Alfa", "alfa@example.com", "FV/1", collector="jan")).id
    recorder.replies.append("451 4.3.0 Mailbox busy, try later")
    first = dispatch(setup, clock, now=NOON)
    assert first.retrying == [row_id] and not first.sent
    row = outbox_row(setup, row_id)
    assert row.state == "planned" and row.attempts == 1 and "451" in (row.last_error or "")
    assert row.next_attempt_at == NOON + dt.timedelta(minutes=5)
    assert dispatch(setup, clock, now=NOON + dt.timedelta(minutes=1)).messages == 0  # not yet
    later = dispatch(setup, clock, now=NOON + dt.timedelta(minutes=6))
    assert later.sent == [row_id]
    row = outbox_row(setup, row_id)
    assert row.state == "sent" and row.attempts == 2 and row.last_error is None
    assert len(recorder.received) == 1
    with Tx(setup, clock) as ctx:
        tasks = list(ctx.session.scalars(select(Task).where(Task.source == f"outbox:{row_id}")))
        assert len(tasks) == 1 and tasks[0].assignee is not None and tasks[0].assignee.login == "jan"


def test_4xx_gives_up_after_the_configured_attempts(setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        settings.set_outbox(ctx, max_attempts=2)
        row_id = queue(ctx, overdue(ctx, "Alfa", "alfa@example.com", "FV/1")).id
    recorder.replies += ["452 4.2.2 Over quota", "452 4.2.2 Over quota"]
    dispatch(setup, clock, now=NOON)
    final = dispatch(setup, clock, now=NOON + dt.timedelta(hours=1))
    assert final.failed == [row_id]
    row = outbox_row(setup, row_id)
    assert row.state == "failed" and "gave up after 2 attempts" in (row.last_error or "")
    with Tx(setup, clock) as ctx:
        assert ctx.session.scalar(select(Task.id).where(Task.source == f"outbox:{row_id}")) is not None
        assert len(list(ctx.session.scalars(select(Task).where(Task.source == f"outbox:{row_id}")))) == 1


def test_5xx_fails_at_once_with_the_reply_and_a_task(setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        row_id = queue(ctx, overdue(ctx, "Alfa", "alfa@example.com", "FV/1", collector="jan")).id
    recorder.replies.append("550 5.1.1 User unknown")
    report = dispatch(setup, clock, now=NOON)
    assert report.failed == [row_id]
    row = outbox_row(setup, row_id)
    assert row.state == "failed" and row.attempts == 1 and "550 5.1.1 User unknown" in (row.last_error or "")
    assert dispatch(setup, clock, now=NOON + dt.timedelta(days=1)).messages == 0
    with Tx(setup, clock) as ctx:
        task = ctx.session.scalar(select(Task).where(Task.source == f"outbox:{row_id}"))
        assert task is not None and "550" in task.text and task.assignee is not None
        assert task.text.startswith("E-mail (First reminder) for FV/1 to alfa@example.com not sent: 550")
        assert task.assignee.login == "jan"
        failed = [e for e in ctx.session.scalars(select(Event).where(Event.action == "reminder.failed"))]
        assert len(failed) == 1 and "550" in failed[0].summary


def test_no_address_fails_the_row_without_touching_the_server(setup: Ledger, clock: FixedClock,
                                                               recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        inv = overdue(ctx, "Alfa", "alfa@example.com", "FV/1")
        row_id = queue(ctx, inv).id
        inv.contractor.email = None
    assert dispatch(setup, clock, now=NOON).failed == [row_id]
    assert "no e-mail address" in (outbox_row(setup, row_id).last_error or "") and not recorder.received


def test_a_grouped_message_lists_every_due_invoice_and_drops_the_paid_one(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        c = contractor(ctx, "Gamma Sp. z o.o.", email="gamma@example.com", language="en")
        invs = [invoice(ctx, c, f"G/{n}/2026", "100.00", TODAY - dt.timedelta(days=2)) for n in (1, 2, 3)]
        pay(ctx, "100.00", TODAY, "G/2/2026")
        key = f"{c.id}:grouped"
        ids = [queue(ctx, inv, group_key=key).id for inv in invs]
    report = dispatch(setup, clock, now=NOON)
    assert report.messages == 1 and len(recorder.received) == 1
    text = recorder.received[0].text
    assert "G/1/2026" in text and "G/3/2026" in text and "G/2/2026" not in text
    rows = [outbox_row(setup, i) for i in ids]
    assert [r.state for r in rows] == ["sent", "cancelled", "sent"]
    assert rows[0].message_id == rows[2].message_id is not None


def test_a_grouped_message_takes_in_the_contractors_due_rows_of_other_steps_and_days(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    """Issue 4: one message per contractor listing all its due invoices, worded at the furthest step; the
    invoice e-mail, a grouped thank-you and an ungrouped row each stay a message of their own."""
    with Tx(setup, clock) as ctx:
        c = contractor(ctx, "Delta Sp. z o.o.", email="delta@example.com", language="en")
        old = invoice(ctx, c, "D/1/2026", "100.00", TODAY - dt.timedelta(days=10))
        new = invoice(ctx, c, "D/2/2026", "200.00", TODAY - dt.timedelta(days=2))
        paid = invoice(ctx, c, "D/3/2026", "300.00", TODAY - dt.timedelta(days=5))
        pay(ctx, "300.00", TODAY, "D/3/2026")
        weekly = queue(ctx, old, "Weekly reminder", planned_for=TODAY - dt.timedelta(days=1), group_key="k1").id
        first = queue(ctx, new, "First reminder", group_key="k2").id
        thanks = queue(ctx, paid, "Thank you", group_key="k3").id
        alone = queue(ctx, invoice(ctx, c, "D/4/2026", "50.00", TODAY - dt.timedelta(days=2)), "First reminder").id
        issued = queue(ctx, invoice(ctx, c, "D/5/2026", "70.00", TODAY + dt.timedelta(days=14)), "Invoice",
                       group_key="k4").id  # the invoice e-mail is not a reminder: a message of its own
    report = dispatch(setup, clock, now=NOON)
    assert sorted(report.sent) == sorted([weekly, first, thanks, alone, issued])
    assert len(recorder.received) == 4
    grouped = [m for m in recorder.received if "D/1/2026" in m.text]
    assert len(grouped) == 1 and "D/2/2026" in grouped[0].text
    assert "D/5/2026" not in grouped[0].text and "D/3/2026" not in grouped[0].text  # not due yet; paid
    assert grouped[0].message["Subject"].startswith("Still unpaid: invoices")  # the weekly step's wording
    assert outbox_row(setup, weekly).message_id == outbox_row(setup, first).message_id
    assert outbox_row(setup, thanks).message_id != outbox_row(setup, first).message_id


def test_a_grouped_reminder_names_every_overdue_invoice_of_the_contractor_not_only_those_due_today(
        setup: Ledger, clock: FixedClock, server: tuple[Recorder, int], recorder: Recorder) -> None:
    """PRODUCT: one message per contractor at the highest step due, listing every overdue invoice. An invoice
    whose reminders are stopped (disputed, paused, under a plan, handed over) is left out, and so is one not
    yet due; the grouped SMS stays short. A listed invoice's timeline shows the message."""
    with Tx(setup, clock) as ctx:
        c = contractor(ctx, "Epsilon Sp. z o.o.", email="eps@example.com", phone="+48 601 234 567", language="en")
        older = invoice(ctx, c, "E/1/2026", "100.00", TODAY - dt.timedelta(days=12))  # no step due today
        partly = invoice(ctx, c, "E/2/2026", "400.00", TODAY - dt.timedelta(days=20))
        pay(ctx, "150.00", TODAY - dt.timedelta(days=3), "E/2/2026")
        today_row = invoice(ctx, c, "E/3/2026", "200.00", TODAY - dt.timedelta(days=2))
        stopped = {"E/4/2026": "disputed", "E/5/2026": "under_plan", "E/6/2026": "handed_over"}
        for number, flag in stopped.items():
            setattr(invoice(ctx, c, number, "50.00", TODAY - dt.timedelta(days=9)), flag, True)
        invoice(ctx, c, "E/7/2026", "60.00", TODAY - dt.timedelta(days=9)).paused_until = TODAY + dt.timedelta(days=3)
        invoice(ctx, c, "E/8/2026", "70.00", TODAY + dt.timedelta(days=3))  # not due yet
        invoice(ctx, contractor(ctx, "Other", email="other@example.com"), "O/1/2026", "80.00",
                TODAY - dt.timedelta(days=9))  # another contractor's
        mail = queue(ctx, today_row, "First reminder", group_key="k1").id
        sms_row = queue(ctx, today_row, "First reminder (SMS)", group_key="k2").id
        older_id, partly_id, c_id = older.id, partly.id, c.id
    sms = FakeSms()
    sms.fail_next = 0
    smtp = SmtpTransport(settings.SmtpSettings("127.0.0.1", server[1], "none", None, "Firm <firm@example.com>"))
    dispatch(setup, clock, now=NOON, transports={"email": smtp, "sms": sms})
    [email] = [m for m in recorder.received if m.recipients == ["eps@example.com"]]
    for number in ("E/1/2026", "E/2/2026", "E/3/2026"):
        assert number in email.text
    assert "250.00" in email.text  # E/2's balance as of today
    for number in ("E/4/2026", "E/5/2026", "E/6/2026", "E/7/2026", "E/8/2026", "O/1/2026"):
        assert number not in email.text
    assert outbox_row(setup, mail).state == "sent" and outbox_row(setup, sms_row).state == "sent"
    [short] = sms.sent
    assert "E/3/2026" in short.text and "E/1/2026" not in short.text
    with Tx(setup, clock) as ctx:
        for invoice_id in (older_id, partly_id):
            [listed] = [e for e in activity.timeline(ctx, invoice_id=invoice_id) if e.action == "reminder.listed"]
            assert "eps@example.com" in listed.summary
        on_contractor = [e for e in activity.timeline(ctx, contractor_id=c_id)
                         if e.action in ("reminder.sent", "reminder.listed") and e.details
                         and "eps@example.com" in e.summary and "SMS" not in e.summary]
        assert len(on_contractor) == 1  # one e-mail went: the contractor's timeline shows it once
        assert not ctx.session.scalars(select(Outbox).where(Outbox.invoice_id.in_([older_id, partly_id]))).all()


def test_a_grouped_reminder_is_never_softer_than_one_already_sent_for_an_invoice_it_lists(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    """After the final notice for E/1, a first reminder for the newer E/2 lists E/1 too: it keeps the final
    notice's wording rather than "perhaps it slipped your mind" about an invoice already near a demand."""
    with Tx(setup, clock) as ctx:
        c = contractor(ctx, "Zeta Sp. z o.o.", email="zeta@example.com", language="en")
        old = invoice(ctx, c, "E/1/2026", "100.00", TODAY - dt.timedelta(days=30))
        final = queue(ctx, old, "Final notice", planned_for=TODAY - dt.timedelta(days=9), group_key="k0")
        final.state, final.sent_at = "sent", NOON - dt.timedelta(days=9)
        sms = queue(ctx, old, "First reminder (SMS)", planned_for=TODAY - dt.timedelta(days=28), group_key="k9")
        sms.state = "sent"
        queue(ctx, invoice(ctx, c, "E/2/2026", "200.00", TODAY - dt.timedelta(days=2)), "First reminder",
              group_key="k1")
    dispatch(setup, clock, now=NOON)
    [message] = recorder.received
    assert message.message["Subject"] == "Final reminder before a formal demand: invoices E/1/2026, E/2/2026"
    with Tx(setup, clock) as ctx:  # a contractor whose earlier reminders were gentler: the day's step words it
        c = contractor(ctx, "Eta Sp. z o.o.", email="eta@example.com", language="en")
        old = invoice(ctx, c, "H/1/2026", "100.00", TODAY - dt.timedelta(days=9))
        queue(ctx, old, "First reminder", planned_for=TODAY - dt.timedelta(days=7), group_key="k2").state = "sent"
        queue(ctx, invoice(ctx, c, "H/2/2026", "200.00", TODAY - dt.timedelta(days=9)), "Weekly reminder",
              group_key="k3")
    dispatch(setup, clock, now=NOON)
    assert recorder.received[-1].message["Subject"].startswith("Still unpaid: invoices H/1/2026, H/2/2026")


def test_a_grouped_message_is_worded_by_how_far_its_steps_are_not_by_their_place_in_the_list(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    """The weekly step moved up the policy's list (a button on the Policies page) still words the message."""
    from collector_app.services import policies

    with Tx(setup, clock) as ctx:
        c = contractor(ctx, "Delta Sp. z o.o.", email="delta@example.com", language="en")
        weekly = step(ctx, "Weekly reminder")
        while step(ctx, "Weekly reminder").position > 1:
            policies.move_step(ctx, weekly.id, -1)
        queue(ctx, invoice(ctx, c, "D/1/2026", "100.00", TODAY - dt.timedelta(days=9)), "Weekly reminder",
              group_key="k1")
        queue(ctx, invoice(ctx, c, "D/2/2026", "200.00", TODAY - dt.timedelta(days=2)), "First reminder",
              group_key="k2")
    dispatch(setup, clock, now=NOON)
    [message] = recorder.received
    assert message.message["Subject"].startswith("Still unpaid: invoices")


def test_rows_in_flight_at_a_crash_become_uncertain_and_are_never_resent_by_themselves(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        row = queue(ctx, overdue(ctx, "Alfa", "alfa@example.com", "FV/1"))
        row.state, row.attempts = "sending", 1
        other = queue(ctx, overdue(ctx, "Beta", "beta@example.com", "FV/2")).id
        row_id = row.id
    report = dispatch(setup, clock, now=NOON)
    assert report.uncertain == [row_id] and report.sent == [other]
    assert outbox_row(setup, row_id).state == "uncertain"
    assert dispatch(setup, clock, now=NOON).messages == 0
    with Tx(setup, clock) as ctx:
        resend(ctx, row_id)
    assert dispatch(setup, clock, now=NOON).sent == [row_id]
    with Tx(setup, clock) as ctx, pytest.raises(UserError):
        mark_sent(ctx, other)  # a sent row is not uncertain


def test_mark_sent_records_an_uncertain_row_as_sent(setup: Ledger, clock: FixedClock) -> None:
    with Tx(setup, clock) as ctx:
        row = queue(ctx, overdue(ctx, "Alfa", "alfa@example.com", "FV/1"))
        row.state = "uncertain"
        row_id = row.id
    with Tx(setup, clock) as ctx:
        mark_sent(ctx, row_id)
    row = outbox_row(setup, row_id)
    assert row.state == "sent" and row.sent_at is not None and "tester" in (row.server_reply or "")


def test_a_second_sender_returns_at_once_while_the_lock_is_held(setup: Ledger, clock: FixedClock,
                                                                 recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        queue(ctx, overdue(ctx, "Alfa", "alfa@example.com", "FV/1"))
    lock = SenderLock(setup)
    assert lock.acquire()
    try:
        busy = dispatch(setup, clock, now=NOON)
        assert busy.busy and busy.messages == 0 and "another sender" in busy.lines()[0]
    finally:
        lock.release()
    assert dispatch(setup, clock, now=NOON).messages == 1


def test_a_due_letter_step_makes_a_letter_in_the_demand_register(setup: Ledger, clock: FixedClock,
                                                                  recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        policy = ctx.session.scalar(select(Policy).where(Policy.name == "Standard"))
        assert policy is not None
        ctx.session.add(PolicyStep(policy_id=policy.id, position=99, name="Letter", anchor="due", offset_days=30,
                                   channel="letter", template="demand"))
        inv = overdue(ctx, "Alfa", "alfa@example.com", "FV/1")
        letter = queue(ctx, inv, "Letter").id
        later = queue(ctx, inv, "Letter", planned_for=TODAY + dt.timedelta(days=3), occurrence=2).id
        future = queue(ctx, inv, "Final notice", planned_for=TODAY + dt.timedelta(days=3)).id
    with Tx(setup, clock) as ctx:
        assert {r["id"]: r["note"] for r in list_rows(ctx)}[letter].startswith("due: the next run")
    report = dispatch(setup, clock, now=NOON)
    assert report.messages == 0 and report.letters_issued == [letter] and report.letters == 1 and report.later == 1
    assert any("demand register" in line for line in report.lines())
    with Tx(setup, clock) as ctx:
        [demand] = ctx.session.scalars(select(Demand)).all()
        assert demand.kind == "demand" and [line.invoice_id for line in demand.lines] == [inv.id]
        row = ctx.session.get(Outbox, letter)
        assert row is not None and row.message_id == demand.number and "to print" in (row.server_reply or "")
        notes = {r["id"]: r["note"] for r in list_rows(ctx)}
    assert "planned for 2026-03-19" in notes[future] and "planned for 2026-03-19" in notes[later]
    assert states(setup) == {letter: "sent", later: "planned", future: "planned"}
    assert dispatch(setup, clock, now=NOON).letters_issued == []  # made once


def _sms_rows(ledger: Ledger, clock: FixedClock, count: int) -> list[int]:
    """One due SMS reminder each for invoices FV/0 … FV/count-1 of 100.00, each of its own contractor."""
    with Tx(ledger, clock) as ctx:
        ids = []
        for n in range(count):
            c = contractor(ctx, f"Firma {n}", email=f"f{n}@example.com", phone=f"600 700 80{n}", language="en")
            ids.append(queue(ctx, invoice(ctx, c, f"FV/{n}", "100.00", TODAY - dt.timedelta(days=2)),
                             "First reminder (SMS)").id)
    return ids


class StandInSms:
    """What the SMS stand-ins below share: the channel, and a `with` block that opens and closes nothing."""

    channel = "sms"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class FakeSms(StandInSms):
    """A gateway stand-in for the SMS path: the first send fails transiently, the rest succeed."""

    def __init__(self) -> None:
        self.sent: list[MessageLike] = []
        self.fail_next = 1

    def send(self, message: MessageLike) -> SendResult:
        if self.fail_next:
            self.fail_next -= 1
            raise TransientError("HTTP 503 gateway busy")
        self.sent.append(message)
        return SendResult(f"sms-{len(self.sent)}", "OK")


def test_sms_rows_go_through_their_transport_in_e164(setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        c = contractor(ctx, "Alfa", email="alfa@example.com", phone="600 700 800", language="en")
        row_id = queue(ctx, invoice(ctx, c, "FV/1", "100.00", TODAY - dt.timedelta(days=2)),
                       "First reminder (SMS)").id
    sms = FakeSms()
    assert dispatch(setup, clock, now=NOON, transports={"sms": sms}).retrying == [row_id]
    assert dispatch(setup, clock, now=NOON + dt.timedelta(hours=1), transports={"sms": sms}).sent == [row_id]
    assert [m.recipient for m in sms.sent] == ["+48600700800"]
    assert outbox_row(setup, row_id).message_id == "sms-1" and not recorder.received


class WatchingSms(StandInSms):
    """A gateway stand-in that looks at the ledger (on its own connection) each time it is asked to send."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.seen: list[tuple[tuple[int, ...], dict[int, str]]] = []

    def send(self, message: MessageLike) -> SendResult:
        ids = tuple(message.outbox_ids)  # type: ignore[attr-defined]  # a services.messages.Message
        self.seen.append((ids, {i: s for i, s in states(self.ledger).items() if s == "sending"}))
        return SendResult(f"sms-{ids[0]}", "OK")


def test_while_one_message_is_on_the_wire_the_next_is_composed_but_only_its_rows_are_sending(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    """The run composes ahead while the wire thread sends; yet each row's `sending` is committed before
    its send starts, and no other row is `sending` then: a crash leaves only the unit in flight uncertain."""
    ids = _sms_rows(setup, clock, 5)
    sms = WatchingSms(setup)
    report = dispatch(setup, clock, now=NOON, transports={"sms": sms})
    assert report.sent == ids
    assert sms.seen == [((i,), {i: "sending"}) for i in ids]
    assert set(states(setup).values()) == {"sent"}


class PayingSms(StandInSms):
    """A gateway stand-in that, while the first message is on the wire, books payments from another
    connection (as the GUI or a statement import would): the rest of the run must see them."""

    def __init__(self, ledger: Ledger, clock: FixedClock, payments: list[tuple[str, str]]) -> None:
        self.ledger, self.clock, self.payments = ledger, clock, payments
        self.sent: list[MessageLike] = []

    def send(self, message: MessageLike) -> SendResult:
        if not self.sent:
            with Tx(self.ledger, self.clock) as ctx:
                for number, amount in self.payments:
                    pay(ctx, amount, TODAY, number)
        self.sent.append(message)
        return SendResult(f"sms-{len(self.sent)}", "OK")


def test_a_payment_booked_during_the_run_stops_or_rewords_the_rows_after_it(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    """The run reads a page of due rows ahead; a payment committed meanwhile by another connection
    still counts for every message composed after it: a paid invoice gets nothing, a part-paid one
    is reminded of what is left."""
    ids = _sms_rows(setup, clock, 4)
    sms = PayingSms(setup, clock, [("FV/2", "100.00"), ("FV/3", "60.00")])
    report = dispatch(setup, clock, now=NOON, transports={"sms": sms})
    assert report.sent == [ids[0], ids[1], ids[3]] and report.cancelled == [ids[2]]
    assert "settled" in (outbox_row(setup, ids[2]).last_error or "")
    last = sms.sent[-1].text  # type: ignore[attr-defined]  # a services.messages.Message
    assert "FV/3" in last and "40.00" in last and "100.00" not in last


def test_an_unreachable_server_leaves_rows_planned(ledger: Ledger, clock: FixedClock) -> None:
    from helpers.outbox_support import free_port

    with Tx(ledger, clock) as ctx:
        configure(ctx, free_port())
        row_id = queue(ctx, overdue(ctx, "Alfa", "alfa@example.com", "FV/1")).id
    report = dispatch(ledger, clock, now=NOON)
    assert report.messages == 0 and "email" in report.unavailable and "cannot connect" in report.unavailable["email"]
    assert states(ledger) == {row_id: "planned"}


def test_a_message_that_cannot_be_composed_fails_and_the_queue_goes_on(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    with Tx(setup, clock) as ctx:
        policy = ctx.session.scalar(select(Policy).where(Policy.name == "Standard"))
        assert policy is not None
        broken = PolicyStep(policy_id=policy.id, position=98, name="Broken", anchor="due", offset_days=2,
                            channel="email", template="no_such_template")
        ctx.session.add(broken)
        bad = queue(ctx, overdue(ctx, "Alfa", "alfa@example.com", "FV/1"), "Broken").id
        good = queue(ctx, overdue(ctx, "Beta", "beta@example.com", "FV/2")).id
    report = dispatch(setup, clock, now=NOON)
    assert report.failed == [bad] and report.sent == [good]
    row = outbox_row(setup, bad)
    assert row.state == "failed" and row.last_error
    assert [m.recipients for m in recorder.received] == [["beta@example.com"]]


def test_a_letter_from_the_register_goes_out_by_e_mail_with_its_stored_pdf(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    from collector_app.services import demands, rates

    with Tx(setup, clock) as ctx:
        rates.ensure_loaded(ctx)
        inv = overdue(ctx, "Alfa Sp. z o.o.", "alfa@example.com", "FV/7/2026", address="Polna 1",
                      postal_code="00-001", city="Warszawa")
        letter = demands.make_demand(ctx, kind="demand", invoice=inv.number)
        number, pdf = letter.number, letter.pdf
        row_id = demands.email_demand(ctx, letter.id).id
    with Tx(setup, clock) as ctx:
        [listed] = [r for r in list_rows(ctx) if r["id"] == row_id]
        assert listed["step"] == f"Letter {number}" and listed["state"] == "planned"
    report = dispatch(setup, clock, now=NOON)
    assert report.sent == [row_id]
    [got] = recorder.received
    assert got.recipients == ["alfa@example.com"] and number in got.message["Subject"]
    [attachment] = list(got.message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_content() == pdf
    assert outbox_row(setup, row_id).state == "sent"


def test_a_due_day_reminder_that_waited_past_the_due_date_is_not_sent(
        setup: Ledger, clock: FixedClock, recorder: Recorder) -> None:
    """Planned on Friday, the due day, after hours; Monday it would say 'due today' untruly: cancelled with the
    reason. The first reminder after the due date goes out as usual."""
    friday = TODAY - dt.timedelta(days=3)
    with Tx(setup, clock) as ctx:
        c = contractor(ctx, "Late Friday", email="friday@example.com", language="en")
        inv = invoice(ctx, c, "F/1", "500.00", friday)
        due_today = queue(ctx, inv, "Due today", planned_for=friday).id
        first = queue(ctx, inv, "First reminder", planned_for=friday + dt.timedelta(days=2)).id
    report = dispatch(setup, clock, now=NOON)
    assert (report.sent, report.cancelled) == ([first], [due_today])
    assert outbox_row(setup, due_today).last_error == (
        "not sent: it was meant for the due date (2026-03-13) and the invoice is overdue now")
    assert len(recorder.received) == 1


def test_a_before_due_reminder_names_its_own_day_when_it_is_too_late() -> None:
    from collector_app.db.models import Contractor as C
    from collector_app.services.outbox import stop_reason

    inv = Invoice(gross=100, paid=0, due_date=dt.date(2026, 3, 13), disputed=False, under_plan=False,
                  handed_over=False)
    step = PolicyStep(anchor="due", offset_days=-2)
    assert stop_reason(inv, C(), step, dt.date(2026, 3, 13)) is None  # late, but not yet overdue: still true
    assert stop_reason(inv, C(), step, dt.date(2026, 3, 14)) == (
        "it was meant for 2 day(s) before the due date (2026-03-11) and the invoice is overdue now")


@pytest.mark.parametrize(("iban", "person", "said"), [
    (None, "Anna Nowak", "firm: the firm's bank account (IBAN) is not set"),
    ("PL61109010140000071219812874", " ", "firm: the firm's contact person is not set"),
])
def test_without_the_firms_bank_account_or_contact_person_messages_wait(
        setup: Ledger, clock: FixedClock, recorder: Recorder, iban: str | None, person: str, said: str) -> None:
    """Every reminder carries the account to pay to and the person to ask: without them nothing goes, and says so."""
    with Tx(setup, clock) as ctx:
        row_id = queue(ctx, overdue(ctx, "Alfa", "alfa@example.com", "FV/1")).id
        firm = ctx.session.scalars(select(Firm)).one()
        firm.iban, firm.contact_person = iban, person
    report = dispatch(setup, clock, now=NOON)
    assert report.messages == 0 and not recorder.received
    assert report.unavailable["email"].startswith(said) and "collector firm set" in report.unavailable["email"]
    assert outbox_row(setup, row_id).state == "planned"
