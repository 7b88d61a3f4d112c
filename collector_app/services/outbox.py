"""Sending the outbox exactly once: one sender per ledger (an OS lock), each state committed around the send."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from collector_app.channels.base import PermanentError, SendResult, TransientError, Transport, transport_for
from collector_app.db.engine import Ledger
from collector_app.db.models import (
    DEMAND_KINDS,
    Contractor,
    Demand,
    Event,
    Firm,
    Invoice,
    Outbox,
    PolicyStep,
    Task,
    outbox_state,
)
from collector_app.domain.clock import Clock
from collector_app.domain.errors import UserError
from collector_app.domain.schedule import is_holiday
from collector_app.domain.status import pause_in_effect
from collector_app.services import audit, settings
from collector_app.services.activity import add_task, complete_task
from collector_app.services.context import Ctx, default_user
from collector_app.services.escalation import escalate_sent
from collector_app.services.firm import get_firm
from collector_app.services.messages import Message, compose
from collector_app.services.policies import default_policy, followed_policy_id
from collector_app.services.reminders import row_reason
from collector_app.services.sender_lock import SenderLock

log = logging.getLogger(__name__)
BACKOFF = dt.timedelta(minutes=5)  # first retry after 5 min, then 10, 20, 40…
FETCH = 200
SENT_CHANNELS = ("email", "sms")
UNCERTAIN_TEXT = ("was being sent when the sender stopped: the server may or may not have accepted it; "
                  "resend it or mark it sent")
TASK_SOURCE = "outbox:"
CHANNEL_NAMES = {"email": "E-mail", "sms": "SMS", "letter": "Letter"}


@dataclass
class DispatchReport:
    """What one run did and why rows still wait; `lines()` is what `collector outbox send` prints."""

    busy: bool = False
    messages: int = 0  # accepted by the server
    tried: int = 0  # handed to the server, accepted or not (what --limit counts)
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    uncertain: list[int] = field(default_factory=list)
    outside_hours: int = 0
    next_opening: dt.datetime | None = None
    letters: int = 0
    letters_issued: list[int] = field(default_factory=list)
    later: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)
    stopped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "busy": self.busy, "messages": self.messages, "tried": self.tried, "sent": self.sent, "failed": self.failed,
            "retrying": self.retrying, "cancelled": self.cancelled, "uncertain": self.uncertain,
            "outside_business_hours": self.outside_hours,
            "next_opening": self.next_opening.isoformat(timespec="minutes") if self.next_opening else None,
            "letters_waiting": self.letters, "letters_issued": self.letters_issued, "waiting_later": self.later,
            "channels_unavailable": self.unavailable, "stopped": self.stopped,
        }

    def lines(self) -> list[str]:
        if self.busy:
            return ["another sender is already sending this ledger's outbox; nothing sent"]
        refused = self.tried - self.messages
        out = [f"{self.messages} message(s) sent covering {len(self.sent)} row(s)"
               + (f"; {refused} not accepted by the server" if refused else "")]
        for label, ids in (("failed", self.failed), ("will be retried", self.retrying),
                           ("cancelled (stop rules)", self.cancelled),
                           ("uncertain (in flight at a crash: resend or mark sent)", self.uncertain)):
            if ids:
                out.append(f"{len(ids)} row(s) {label}: {', '.join(map(str, ids))}")
        if self.outside_hours:
            when = f"; next opening {self.next_opening.astimezone():%Y-%m-%d %H:%M}" if self.next_opening else ""
            out.append(f"{self.outside_hours} due row(s) wait: outside business hours{when}")
        if self.letters_issued:
            out.append(f"{len(self.letters_issued)} letter(s) made in the demand register, to print")
        if self.letters:
            out.append(f"{self.letters} letter row(s) planned for later")
        if self.later:
            out.append(f"{self.later} row(s) planned for later or waiting for a retry")
        out.extend(f"{ch}: not sent, {why}" for ch, why in self.unavailable.items())
        if self.stopped:
            out.append("stopped on request after the current message")
        return out


def dispatch(
    ledger: Ledger, clock: Clock, *, limit: int | None = None,
    transports: Mapping[str, Transport] | None = None, now: dt.datetime | None = None,
    stop: Callable[[], bool] | None = None, user: str | None = None,
) -> DispatchReport:
    """Send what is due, one message at a time; returns at once (busy) when another sender runs.

    `transports` replaces the configured channel transports (tests, benchmarks); `now` fixes the
    moment used for business hours and retries; `stop` is asked right before each message is claimed
    (after the reply to the one on the wire), so none starts once it says yes.
    """
    lock = SenderLock(ledger)
    if not lock.acquire():
        return DispatchReport(busy=True)
    try:
        return _Run(ledger, clock, transports, now, stop, user or default_user()).run(limit)
    finally:
        lock.release()


class _Run:
    def __init__(self, ledger: Ledger, clock: Clock, transports: Mapping[str, Transport] | None,
                 now: dt.datetime | None, stop: Callable[[], bool] | None, user: str) -> None:
        self.ledger = ledger
        self.clock = clock
        self.given = transports
        self.fixed_now = now
        self.stop = stop or (lambda: False)
        self.user = user
        self.report = DispatchReport()
        self.open: dict[str, Transport] = {}
        self.steps: dict[int, PolicyStep] = {}
        self.stack = ExitStack()
        # one session per run on one connection: steps, firm and settings stay cached, and the run's
        # hundreds of short transactions do not each take a connection from the pool and give it back
        self.connection = ledger.engine.connect()
        self.session = ledger.sessions(bind=self.connection)
        self.max_attempts = settings.OutboxSettings().max_attempts
        self.firm: Firm | None = None  # read once: the session would hand back the same object anyway
        self.ahead: _InFlight | None = None  # on the wire, or its reply not yet recorded
        self.read_ahead = _ReadAhead(self.connection)
        self.tasked: set[int] = set()  # due rows with an open task from an earlier failure (few)
        self.hours, self.country = settings.BusinessHours(), "PL"
        self.default_policy: int | None = None  # read once, at the start of the run

    def now(self) -> dt.datetime:
        return self.fixed_now or self.clock.now()

    def ctx(self, session: Session) -> Ctx:
        return Ctx(session, self.clock, self.user)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One committed unit of work on the run's session (objects stay loaded across commits)."""
        try:
            yield self.session
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise

    def run(self, limit: int | None) -> DispatchReport:
        try:
            return self._run(limit)
        finally:
            self.session.close()
            self.connection.close()

    def _run(self, limit: int | None) -> DispatchReport:
        with self._tx() as s:
            ctx = self.ctx(s)
            self.report.uncertain = recover_in_flight(ctx)
            self.max_attempts = settings.get_outbox(ctx).max_attempts
            self.hours, self.country = settings.get_business_hours(ctx), settings.firm_country(ctx)
            self.firm = get_firm(ctx)
            fallback = default_policy(ctx)
            self.default_policy = fallback.id if fallback is not None else None
        self._issue_letters()  # nothing leaves the building: business hours do not apply
        with self._tx() as s:
            self._count_waiting(s)
            if not self._open():
                return self.report
        with self.stack:
            self._send_all(limit)
        return self.report

    def _issue_letters(self) -> None:
        """Due letter rows become letters in the demand register, each in its own transaction; the row
        is then `sent` with the letter's number (printing and posting are the user's)."""
        with self._tx() as s:
            ids = list(s.scalars(select(Outbox.id).where(
                outbox_state("planned"), Outbox.channel == "letter", Outbox.planned_for <= self.clock.today())
                .order_by(Outbox.planned_for, Outbox.id)))
        for row_id in ids:
            if self.stop():
                return
            self._issue_letter(row_id)

    def _issue_letter(self, row_id: int) -> None:
        from collector_app.services.demands import make_demands

        with self._tx() as s:
            ctx = self.ctx(s)
            first = _planned_unit(s, row_id)
            if first is None:
                return
            row, inv, contractor = first
            if self._stopped(ctx, row, inv, contractor):
                return
            step = self.steps[row.step_id] if row.step_id is not None else None
            # a letter step's template names the letter's kind; anything else is a friendly reminder
            kind = step.template if step is not None and step.template in DEMAND_KINDS else "reminder"
            try:
                with s.begin_nested():
                    letters = make_demands(ctx, kind=kind, invoice=None if row.group_key else inv.number,
                                           contractor_id=contractor.id if row.group_key else None)
            except UserError as exc:
                row.attempts += 1
                self._fail_row(ctx, row, f"the letter could not be made: {exc.message}", transient=False)
                return
            numbers = ", ".join(d.number for d in letters)
            row.state, row.sent_at, row.attempts = "sent", self.now(), row.attempts + 1
            row.message_id, row.server_reply = numbers, f"letter {numbers} is in the demand register, to print"
            audit.record(ctx, "reminder.letter", "outbox", row.id,
                         f"Letter {numbers} made for printing ({step.name if step else kind})",
                         invoice_id=row.invoice_id, contractor_id=row.contractor_id)
            if step is not None and step.action != "none":  # a letter step that escalates acts when it is made
                s.flush()
                escalate_sent(ctx, [row.id])
            self.report.letters_issued.append(row.id)

    def _open(self) -> bool:
        """Still inside business hours; if not, the report says how many due rows wait and until when."""
        if inside_hours(self.hours, self.country, self.now()):
            return True
        with self._tx() as s:
            self.report.outside_hours = s.scalar(self._due_query(select(func.count(Outbox.id)))) or 0
            self.report.next_opening = next_opening(self.ctx(s), self.now())
        return False

    def _due_query(self, query: Any) -> Any:
        return query.where(
            outbox_state("planned"), Outbox.channel.in_(SENT_CHANNELS),
            Outbox.planned_for <= self.clock.today(),
            or_(Outbox.next_attempt_at.is_(None), Outbox.next_attempt_at <= self.now()),
        )

    def _count_waiting(self, s: Session) -> None:
        self.report.letters = s.scalar(select(func.count(Outbox.id)).where(
            outbox_state("planned"), Outbox.channel == "letter", Outbox.planned_for > self.clock.today())) or 0
        self.report.later = s.scalar(select(func.count(Outbox.id)).where(
            outbox_state("planned"), Outbox.channel.in_(SENT_CHANNELS),
            or_(Outbox.planned_for > self.clock.today(), Outbox.next_attempt_at > self.now()))) or 0

    def _batches(self) -> Iterator[list[tuple[int, str]]]:
        """Due rows, oldest first, a page at a time: keyset on (planned_for, id) walks the index
        (state, planned_for) without sorting, however many rows are planned."""
        after: tuple[dt.date, int] = (dt.date.min, 0)
        while True:
            past = tuple_(literal(after[0], Date()), literal(after[1], Integer()))
            with self._tx() as s:
                rows = s.execute(
                    self._due_query(select(Outbox.id, Outbox.channel, Outbox.planned_for, Outbox.invoice_id))
                    .where(tuple_(Outbox.planned_for, Outbox.id) > past,
                           Outbox.channel.not_in(list(self.report.unavailable)))
                    .order_by(Outbox.planned_for, Outbox.id).limit(FETCH)).all()
                if rows:  # kept for the run: the last unit of a page is recorded while the next page is read
                    self.tasked |= _with_open_tasks(s, [(r[0], r[3]) for r in rows])
            if not rows or set(SENT_CHANNELS) <= set(self.report.unavailable):
                return
            after = (rows[-1][2], rows[-1][0])
            self.read_ahead.load(self.session, [r[0] for r in rows])
            yield [(r[0], r[1]) for r in rows]

    def _send_all(self, limit: int | None) -> None:
        """Overlapped with the wire: a unit is read and composed while the one ahead of it is on the wire
        (in the wire thread); then one commit records the reply to the unit ahead and claims this one, and
        only then is it handed to the wire. So one unit at a time is `sending`, as without the overlap,
        and no write lock is held while a server is being waited for. A stop request that came while a
        unit was on the wire lets that unit finish, and no further unit is claimed."""
        with _Wire() as wire:
            for row_id, transport in self._due_units(limit):
                unit = self._claim(row_id)
                if self.report.stopped:
                    break
                if unit is not None:
                    self.report.tried += 1
                    self.ahead = _InFlight(wire.send(transport, unit[0]), *unit)
            with self._tx() as s:
                self._record(self.ctx(s))

    def _due_units(self, limit: int | None) -> Iterator[tuple[int, Transport]]:
        """Due rows with their open transport, for as long as the run may go on."""
        for batch in self._batches():
            for row_id, channel in batch:
                if limit is not None and self.report.tried >= limit:
                    return
                if self.stop():
                    self.report.stopped = True
                    return
                if not self._open():  # closing time came during the run
                    return
                transport = self._transport(channel)
                if transport is not None:
                    yield row_id, transport

    def _transport(self, channel: str) -> Transport | None:
        if channel in self.open:
            return self.open[channel]
        if channel in self.report.unavailable:
            return None
        try:
            if self.given is not None:
                if channel not in self.given:
                    raise UserError("channel", f"no transport given for {channel}")
                transport = self.given[channel]
            else:
                transport = self._configured(channel)
            missing = firm_gaps(self.firm)
            if missing:  # every message carries the bank account and the contact person: none goes without
                raise UserError("firm", f"the firm's {missing} not set: messages wait until they "
                                        "are (collector firm set --iban … --contact-person …)")
            self.open[channel] = self.stack.enter_context(transport)
        except UserError as exc:
            self.report.unavailable[channel] = str(exc)
            return None
        except TransientError as exc:
            self.report.unavailable[channel] = f"cannot connect ({exc.reply}); rows wait for the next run"
            return None
        return self.open[channel]

    def _configured(self, channel: str) -> Transport:
        from collector_app.secrets import SecretStore

        with self._tx() as s:
            return transport_for(self.ctx(s), channel, SecretStore.for_ledger(self.ledger.url))

    def _record(self, ctx: Ctx) -> None:
        """Waits for the server's reply to the unit ahead (if any), then writes it in ctx's transaction:
        sent, or failed / to retry."""
        flight, self.ahead = self.ahead, None
        if flight is None:
            return
        try:
            result = flight.reply.result()
        except TransientError as exc:
            self._failed(ctx, flight.rows, exc.reply, transient=True)
        except PermanentError as exc:
            self._failed(ctx, flight.rows, exc.reply, transient=False)
        else:
            self._sent(ctx, flight.rows, flight.message, result)

    def _claim(self, row_id: int) -> tuple[Message, list[Outbox]] | None:
        """Stop rules, then compose, then the reply to the unit ahead, then the stop request, then `sending`
        — committed before the transport is touched. When nothing is claimed the unit ahead may stay
        unrecorded, for later (not when the run stops: its reply is then in this commit)."""
        with self._tx() as s:
            ctx = self.ctx(s)
            first = self.read_ahead.unit(row_id) or _planned_unit(s, row_id)
            if first is None:
                return None
            units = [(r, inv) for r, inv, c in self._unit_rows(s, first) if not self._stopped(ctx, r, inv, c)]
            if not units:
                return None
            live = [r for r, _ in units]
            row = units[0][0]
            step = self._grouped_step(ctx, row)
            listed, before = grouped_extras(ctx, row, step, {inv.id for _, inv in units})
            try:  # the invoices were just read as the ledger has them now: compose does not read them again
                message = compose(ctx, live, invoices=[inv for _, inv in units], firm=self.firm, listed=listed,
                                  sent_before=before)
            except UserError as exc:
                self._cannot_compose(ctx, live, exc.message)
                return None
            except Exception as exc:  # a template bug must not block the queue behind it: fail, log, go on
                log.exception("outbox rows %s: the message could not be composed", [r.id for r in live])
                self._cannot_compose(ctx, live, f"the message could not be composed ({type(exc).__name__}: {exc})")
                return None
            self._record(ctx)
            if self.stop():  # asked while the unit ahead was on the wire: it finished, this one never starts
                self.report.stopped = True
                return None
            if not _claim_rows(s, live, message):  # someone cancelled or sent a row meanwhile: leave the unit
                return None
            for r in live:  # what the UPDATE wrote, without reading it back
                for name, value in (("state", "sending"), ("attempts", r.attempts + 1), ("next_attempt_at", None),
                                    ("recipient", message.recipient), ("subject", message.subject),
                                    ("body", message.text)):
                    set_committed_value(r, name, value)
        return message, live

    def _grouped_step(self, ctx: Ctx, row: Outbox) -> PolicyStep | None:
        """The step of a row of a grouped message (one per contractor), else None: only those list more."""
        if row.group_key is None or row.step_id is None:
            return None
        return self.steps.get(row.step_id) or ctx.session.get(PolicyStep, row.step_id)

    def _cannot_compose(self, ctx: Ctx, rows: list[Outbox], reason: str) -> None:
        for r in rows:
            r.attempts += 1
            self._fail_row(ctx, r, reason, transient=False)

    def _unit_rows(self, s: Session, first: Unit) -> list[Unit]:
        """The row, or every due grouped row of its contractor and channel whatever their steps and days, of
        the same kind of message (the invoice sent on issue, a reminder before or on the due date, one after
        it, a thank-you): one message listing all their invoices, worded at the furthest step among them."""
        row = first[0]
        if row.group_key is None:
            return [first]
        step = self.steps.get(row.step_id) if row.step_id is not None else None
        step = step or s.get(PolicyStep, row.step_id)
        assert step is not None  # a foreign key
        query = self._due_query(_with_parties()).join(PolicyStep, PolicyStep.id == Outbox.step_id).where(
            Outbox.group_key.is_not(None), Outbox.contractor_id == row.contractor_id, Outbox.channel == row.channel,
            _same_kind(step),
        ).order_by(Outbox.id)
        return list(s.execute(query).tuples())

    def _stopped(self, ctx: Ctx, row: Outbox, inv: Invoice, contractor: Contractor) -> bool:
        if row.step_id is None:  # a letter from the demand register: the user sent it on purpose
            return False
        step = self.steps.get(row.step_id) or ctx.session.get(PolicyStep, row.step_id)
        assert step is not None  # a foreign key
        self.steps[row.step_id] = step  # held here: the session only keeps objects someone references
        reason = stop_reason(inv, contractor, step, ctx.clock.today()) or step_reason(
            step, row.occurrence, followed_policy_id(ctx, contractor, self.default_policy))
        if reason is None:
            return False
        row.state, row.last_error = "cancelled", f"not sent: {reason}"
        self.report.cancelled.append(row.id)
        audit.record(ctx, "reminder.cancelled", "outbox", row.id,
                     f"Reminder not sent ({step.name}): {reason}",
                     invoice_id=row.invoice_id, contractor_id=row.contractor_id)
        return True

    def _sent(self, ctx: Ctx, rows: list[Outbox], message: Message, result: SendResult) -> None:
        """One UPDATE and one INSERT of the events, in Core: this is on every message's path."""
        sent = {"state": "sent", "sent_at": self.now(), "last_error": None, "message_id": result.message_id,
                "server_reply": result.reply}
        connection = ctx.session.connection()
        connection.execute(*_for_rows(_SENT, rows, sent))
        for row in rows:
            for name, value in sent.items():
                set_committed_value(row, name, value)
        events = [sent_event(ctx, row, message, self.steps[row.step_id].name if row.step_id is not None else None,
                             on_contractor=i == 0) for i, row in enumerate(rows)]
        events.extend(listed_event(ctx, rows[0], message, invoice_id) for invoice_id in message.listed_ids)
        connection.execute(_EVENT, events[0] if len(events) == 1 else events)  # one row: no executemany
        escalating = [r.id for r in rows if r.step_id is not None and self.steps[r.step_id].action != "none"]
        if escalating:  # an escalating step acts when it is sent, in the same commit
            escalate_sent(ctx, escalating)
            self.read_ahead.forget()  # it may have changed invoices read ahead (handed over, say)
        if len(rows) > 1 or rows[0].id in self.tasked:  # a group may reach past the page: it always looks
            close_row_tasks(ctx, rows, "the reminder was sent on a later attempt")
        self.report.messages += 1
        self.report.sent.extend(row.id for row in rows)

    def _failed(self, ctx: Ctx, rows: list[Outbox], reply: str, *, transient: bool) -> None:
        for row in rows:
            self._fail_row(ctx, row, reply, transient=transient)

    def _fail_row(self, ctx: Ctx, row: Outbox, reply: str, *, transient: bool) -> None:
        if transient and row.attempts < self.max_attempts:
            row.state, row.last_error = "planned", reply
            row.next_attempt_at = self.now() + BACKOFF * 2 ** (row.attempts - 1)
            self.report.retrying.append(row.id)
        else:
            tail = f" (gave up after {row.attempts} attempts)" if transient else ""
            row.state, row.last_error, row.next_attempt_at = "failed", reply + tail, None
            self.report.failed.append(row.id)
        audit.record(ctx, "reminder.failed", "outbox", row.id,
                     f"{CHANNEL_NAMES.get(row.channel, row.channel)} to {row.recipient or '?'} not sent "
                     f"(attempt {row.attempts}, {'will retry' if row.state == 'planned' else 'failed'}): {reply}",
                     invoice_id=row.invoice_id, contractor_id=row.contractor_id)
        task_once(ctx, row, f"{row_label(ctx, row)} not sent: {reply}")


Unit = tuple[Outbox, Invoice, Contractor]


class _ReadAhead:
    """The units of a page of due rows, read in one query instead of one query per message.

    A unit read ahead is used only while no other connection has committed since it was read:
    SQLite's `PRAGMA data_version` changes exactly then (this connection's own commits leave it
    alone, and they are applied to the objects as they are made). The version is read before the
    units, so a commit in between makes the units look stale, never fresh. Elsewhere (PostgreSQL)
    every unit is read when it is sent, as its row comes up.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.enabled = connection.dialect.name == "sqlite"
        self.units: dict[int, Unit] = {}
        self.version: int | None = None

    def _data_version(self) -> int:
        """Asked before every message: straight on the driver's connection (SQLAlchemy's statement
        machinery would cost ten times the pragma)."""
        cursor = self.connection.connection.cursor()
        try:
            return int(cursor.execute("PRAGMA data_version").fetchone()[0])
        finally:
            cursor.close()

    def load(self, session: Session, row_ids: list[int]) -> None:
        self.forget()
        if not self.enabled:
            return
        version = self._data_version()
        self.units = {unit[0].id: unit for unit in session.execute(_MANY_UNITS, {"ids": row_ids}).tuples()}
        self.version = version

    def unit(self, row_id: int) -> Unit | None:
        """The unit as read ahead, when that is still how the ledger has it and its row is still planned."""
        unit = self.units.pop(row_id, None)
        if unit is None or self.version is None or self._data_version() != self.version:
            self.forget()
            return None
        return unit if unit[0].state == "planned" else None

    def forget(self) -> None:
        self.units, self.version = {}, None


@dataclass(frozen=True)
class _InFlight:
    """A claimed unit handed to the wire: its `sending` is committed, its reply is still to come."""

    reply: Future[SendResult]
    message: Message
    rows: list[Outbox]


class _Wire:
    """The transports' send() on a thread of its own: while it waits on the server (which releases the GIL)
    the run reads and composes the next unit. Leaving the block waits for the message on the wire; when the
    run failed meanwhile, its rows stay `sending` and the next run makes them uncertain, as after a crash."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-wire")

    def __enter__(self) -> _Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def send(self, transport: Transport, message: Message) -> Future[SendResult]:
        return self._pool.submit(transport.send, message)


# The statements every message runs, built once (building and caching a statement cost more than running it).
# Core on the tables, run on the session's connection: the ORM's bulk paths cost more than the statements.
_OUTBOX_TABLE: Table = Outbox.__table__  # type: ignore[assignment]  # a declarative class maps one Table
_OUTBOX = _OUTBOX_TABLE.c
_ONE, _MANY = _OUTBOX.id == bindparam("row_id"), _OUTBOX.id.in_(bindparam("ids", expanding=True))
_CLAIM = tuple(update(_OUTBOX_TABLE).where(rows, _OUTBOX.state == "planned")
               .values(state="sending", attempts=_OUTBOX.attempts + 1, next_attempt_at=None,
                       recipient=bindparam("recipient"), subject=bindparam("subject"), body=bindparam("body"))
               for rows in (_ONE, _MANY))
_SENT = tuple(update(_OUTBOX_TABLE).where(rows)
              .values({c: bindparam(c) for c in ("state", "sent_at", "last_error", "message_id", "server_reply")})
              for rows in (_ONE, _MANY))
_EVENT = insert(Event.__table__)  # type: ignore[arg-type]  # as above
_TASK = Task.__table__.c
# the open tasks `task_once` filed for a row (by the invoice's index, then the row's source), or for a group's rows
_OPEN_TASKS = (
    select(_TASK.id).where(_TASK.invoice_id == bindparam("invoice_id"), _TASK.source == bindparam("source"),
                           _TASK.done_at.is_(None)),
    select(_TASK.id).where(_TASK.invoice_id.in_(bindparam("invoice_ids", expanding=True)),
                           _TASK.source.in_(bindparam("sources", expanding=True)), _TASK.done_at.is_(None)),
)
_PAGE_TASKS = _OPEN_TASKS[1].with_only_columns(_TASK.source)


def _claim_rows(s: Session, rows: list[Outbox], message: Message) -> bool:
    """`sending` for all the unit's rows or for none (one may have been cancelled or sent meanwhile)."""
    values = {"recipient": message.recipient, "subject": message.subject, "body": message.text}
    if len(rows) == 1:
        return s.connection().execute(*_for_rows(_CLAIM, rows, values)).rowcount == 1
    savepoint = s.begin_nested()  # a group: undo the rows claimed when one of them was not
    if s.connection().execute(*_for_rows(_CLAIM, rows, values)).rowcount == len(rows):
        savepoint.commit()
        return True
    savepoint.rollback()
    return False


def _for_rows(statements: tuple[Update, ...], rows: list[Outbox],
              values: dict[str, Any]) -> tuple[Update, dict[str, Any]]:
    """The statement for one row (`id = ?`) or for a group (`id IN (…)`, which costs more to prepare)."""
    if len(rows) == 1:
        return statements[0], {"row_id": rows[0].id, **values}
    return statements[1], {"ids": [r.id for r in rows], **values}


def grouped_extras(ctx: Ctx, row: Outbox, step: PolicyStep | None,
                   invoice_ids: set[int]) -> tuple[list[Invoice], list[Outbox]]:
    """For a grouped e-mail reminder after the due date (`row` of `step`, naming `invoice_ids`): the contractor's
    other overdue invoices it lists too, and the e-mails of that kind already sent for all it names (its wording
    never steps back behind one); nothing for any other message. Dispatch and the plan preview both ask it."""
    if row.group_key is None or row.channel != "email" or step is None or message_kind(step) != "after":
        return [], []
    listed = listed_besides(ctx, row.contractor_id, invoice_ids)
    return listed, sent_before(ctx, invoice_ids | {inv.id for inv in listed}, step)


def listed_besides(ctx: Ctx, contractor_id: int, known: set[int]) -> list[Invoice]:
    """A grouped e-mail reminder after the due date names every overdue invoice of the contractor whose
    reminders are not stopped, not only those with a step due today (PRODUCT: one message per contractor
    at the highest step due, listing every overdue invoice). An SMS stays short: its rows' invoices only."""
    today = ctx.clock.today()
    return [inv for inv in ctx.session.scalars(_OVERDUE_OF_CONTRACTOR, {"contractor_id": contractor_id,
                                                                       "today": today})
            if inv.id not in known and not pause_in_effect(inv.paused_until, today)]


def sent_before(ctx: Ctx, invoice_ids: set[int], step: PolicyStep) -> list[Outbox]:
    """For a grouped e-mail after the due date (`step`): the e-mails of that kind already sent for the
    invoices it names (read by the outbox's invoice key), so that its wording never steps back behind one."""
    return list(ctx.session.scalars(
        select(Outbox).join(PolicyStep, PolicyStep.id == Outbox.step_id)
        .where(Outbox.invoice_id.in_(sorted(invoice_ids)), Outbox.state == "sent", Outbox.channel == "email",
               _same_kind(step))))


def message_kind(step: PolicyStep) -> str:
    """What a step's message is about: the invoice on issue, a reminder before or after the due date, a
    thank-you; grouped rows of one kind go as one message."""
    if step.anchor in ("issue", "paid"):
        return step.anchor
    return "before" if step.anchor == "due" and step.offset_days <= 0 else "after"


def _same_kind(step: PolicyStep) -> ColumnElement[bool]:
    """Steps whose messages may go as one with this step's: the same message_kind."""
    kind = message_kind(step)
    if kind in ("issue", "paid"):
        return PolicyStep.anchor == kind
    before = and_(PolicyStep.anchor == "due", PolicyStep.offset_days <= 0)
    return before if kind == "before" else and_(PolicyStep.anchor.in_(("due", "promise")), not_(before))


def _with_parties() -> Select[tuple[Outbox, Invoice, Contractor]]:
    """Outbox rows with their invoice and contractor as the ledger has them now (not as last loaded)."""
    return (select(Outbox, Invoice, Contractor)
            .join(Invoice, Invoice.id == Outbox.invoice_id)
            .join(Contractor, Contractor.id == Outbox.contractor_id)
            .execution_options(populate_existing=True))


_ONE_UNIT = _with_parties().where(Outbox.id == bindparam("row_id"))
_MANY_UNITS = _with_parties().where(Outbox.id.in_(bindparam("ids", expanding=True)))


_OVERDUE_OF_CONTRACTOR = (
    select(Invoice).where(Invoice.contractor_id == bindparam("contractor_id"), Invoice.kind == "invoice",
                          Invoice.gross > Invoice.paid, Invoice.due_date < bindparam("today"),
                          Invoice.disputed.is_(False), Invoice.under_plan.is_(False), Invoice.handed_over.is_(False))
    .order_by(Invoice.due_date, Invoice.id).execution_options(populate_existing=True))


def firm_gaps(firm: Firm | None) -> str | None:
    """What a reminder must carry that the firm's details lack ("bank account (IBAN) is"), else None: the bank
    account to pay to and the person to ask."""
    if firm is None:
        return "details are"
    gaps = [] if firm.iban else ["bank account (IBAN)"]
    if not (firm.contact_person or "").strip():
        gaps.append("contact person")
    return f"{' and '.join(gaps)} {'is' if len(gaps) == 1 else 'are'}" if gaps else None


def _planned_unit(s: Session, row_id: int) -> Unit | None:
    """The row with its parties as they are now, or None when it is no longer planned (already sent with
    its group, or changed by someone else)."""
    first = s.execute(_ONE_UNIT, {"row_id": row_id}).tuples().one_or_none()
    return first if first is not None and first[0].state == "planned" else None


# --- the pieces the GUI and the CLI share ------------------------------------------------------------

def stop_reason(inv: Invoice, contractor: Contractor, step: PolicyStep, today: dt.date) -> str | None:
    """Why this reminder must not go today (DUNNING.md stop rules), or None."""
    balance = inv.gross - inv.paid
    if step.anchor == "paid":  # the thank-you goes only while the invoice stays paid
        return "the invoice is no longer paid" if balance > 0 else None
    if balance == 0:
        return "the invoice is settled"
    if balance < 0:
        return "the invoice is overpaid"
    if inv.disputed:
        return "the invoice is disputed"
    if pause_in_effect(inv.paused_until, today):
        why = f" ({inv.pause_reason})" if inv.pause_reason else ""
        return f"reminders are paused until {inv.paused_until}{why}"
    if pause_in_effect(contractor.paused_until, today):
        return f"the contractor's reminders are paused until {contractor.paused_until}"
    if inv.under_plan:
        return "the invoice is under a payment plan"
    if inv.handed_over:
        return "the invoice is handed over"
    if step.anchor == "due" and step.offset_days <= 0 and inv.due_date < today:  # sent late, it would be untrue
        meant = "the due date" if step.offset_days == 0 else f"{-step.offset_days} day(s) before the due date"
        day = inv.due_date + dt.timedelta(days=step.offset_days)
        return f"it was meant for {meant} ({day}) and the invoice is overdue now"
    return None


def step_reason(step: PolicyStep, occurrence: int, followed_policy: int | None) -> str | None:
    """Why a row that waited (outside business hours, over a weekend) no longer goes: its step was switched
    off, the contractor has moved to another policy, or the step now repeats fewer times."""
    if not step.active:
        return f'its step "{step.name}" was switched off'
    if step.policy_id != followed_policy:
        return "the contractor follows another reminder policy now"
    if step.anchor in ("issue", "due"):
        repeats = (step.repeat_max or 0) if (step.repeat_every_days or 0) > 0 else 0
        if occurrence > 1 + repeats:
            return f'its step "{step.name}" now repeats {repeats} time(s)'
    return None


def business_time(ctx: Ctx, moment: dt.datetime) -> bool:
    """Inside the firm's business hours, on a business day, not a public holiday of the firm's country."""
    return inside_hours(settings.get_business_hours(ctx), settings.firm_country(ctx), moment)


def inside_hours(hours: settings.BusinessHours, country: str, moment: dt.datetime) -> bool:
    """Business hours are the computer's local time."""
    local = moment.astimezone()
    return (local.weekday() in hours.days and not is_holiday(local.date(), country)
            and hours.start <= local.time() and hours.before_end(local.time()))


def next_opening(ctx: Ctx, moment: dt.datetime) -> dt.datetime | None:
    """The next moment sending may start (looked for over a year; None if the hours allow no day)."""
    hours = settings.get_business_hours(ctx)
    country = settings.firm_country(ctx)
    local = moment.astimezone()
    for days in range(366):
        day = local.date() + dt.timedelta(days=days)
        if day.weekday() not in hours.days or is_holiday(day, country):
            continue
        opening = dt.datetime.combine(day, hours.start).astimezone()
        if days == 0 and not hours.before_end(local.time()):
            continue
        return max(opening, local)
    return None


def recover_in_flight(ctx: Ctx) -> list[int]:
    """Rows left in `sending` by a sender that died: `uncertain`, never resent by themselves."""
    ids: list[int] = []
    for row in ctx.session.scalars(select(Outbox).where(outbox_state("sending")).order_by(Outbox.id)):
        row.state, row.last_error = "uncertain", UNCERTAIN_TEXT
        audit.record(ctx, "reminder.uncertain", "outbox", row.id,
                     f"{CHANNEL_NAMES.get(row.channel, row.channel)} to {row.recipient or '?'} may not have gone "
                     f"out ({row.subject or 'no subject'}): resend it or mark it sent",
                     invoice_id=row.invoice_id, contractor_id=row.contractor_id)
        task_once(ctx, row, f"{row_label(ctx, row)} may not have been sent: check, then resend or mark sent")
        ids.append(row.id)
    return ids


def sent_event(ctx: Ctx, row: Outbox, message: Message, step: str | None = None, *,
               on_contractor: bool = True) -> dict[str, Any]:
    """The timeline entry of a sent message, on its invoice and its contractor, naming the policy step. A
    message for several rows is one entry on the contractor's timeline (`on_contractor` for its first row)."""
    channel = CHANNEL_NAMES.get(message.channel, message.channel)
    return audit.values(
        ctx, "reminder.sent", "outbox", row.id,
        f"{channel}{f' ({step})' if step else ''} sent to {message.recipient}: {message.subject}",
        invoice_id=row.invoice_id, contractor_id=row.contractor_id if on_contractor else None,
        details={"channel": message.channel, "recipient": message.recipient, "subject": message.subject,
                 "step": step, "message_id": row.message_id, "server_reply": row.server_reply,
                 "outbox_ids": list(message.outbox_ids)},
    )


def listed_event(ctx: Ctx, row: Outbox, message: Message, invoice_id: int) -> dict[str, Any]:
    """An overdue invoice named in a grouped reminder sent for others: its timeline shows the message too."""
    return audit.values(
        ctx, "reminder.listed", "invoice", invoice_id,
        f"Listed in the {CHANNEL_NAMES.get(message.channel, message.channel).lower()} sent to {message.recipient} "
        f"with the contractor's other invoices: {message.subject}",
        invoice_id=invoice_id, contractor_id=None,  # the contractor's timeline has the message once, as sent
        details={"channel": message.channel, "recipient": message.recipient, "subject": message.subject,
                 "message_id": row.message_id, "outbox_ids": list(message.outbox_ids)},
    )


def row_label(ctx: Ctx, row: Outbox) -> str:
    """A row as a person knows it: "E-mail (First reminder) for FV/2026/03/001 to ap@client.example"."""
    step = ctx.session.get(PolicyStep, row.step_id) if row.step_id is not None else None
    inv = ctx.session.get(Invoice, row.invoice_id)
    what = CHANNEL_NAMES.get(row.channel, row.channel) + (f" ({step.name})" if step else "")
    return f"{what} for {inv.number if inv else '?'}" + (f" to {row.recipient}" if row.recipient else "")


def task_once(ctx: Ctx, row: Outbox, text: str) -> None:
    """One task per outbox row for the contractor's collector, however often the row fails."""
    source = f"{TASK_SOURCE}{row.id}"
    exists = ctx.session.scalar(select(Task.id).where(Task.invoice_id == row.invoice_id, Task.source == source))
    if exists is not None:
        return
    inv = ctx.session.get(Invoice, row.invoice_id)
    assert inv is not None
    collector = inv.contractor.collector
    add_task(ctx, inv, ctx.clock.now(), text, collector.login if collector else None, source=source)


def _with_open_tasks(s: Session, rows: list[tuple[int, int]]) -> set[int]:
    """Which of a page's (row id, invoice id) have an open task from `task_once`: one query a page instead of
    one a message. Only a sender files such tasks, and a row that fails in a run is not sent again in it,
    so the answer holds for the whole page."""
    params = {"invoice_ids": sorted({invoice_id for _, invoice_id in rows}),
              "sources": [f"{TASK_SOURCE}{row_id}" for row_id, _ in rows]}
    return {int(source.removeprefix(TASK_SOURCE)) for source in s.connection().execute(_PAGE_TASKS, params).scalars()}


def close_row_tasks(ctx: Ctx, rows: list[Outbox], why: str) -> None:
    """The open tasks `task_once` filed for these rows are done once their message went out after all
    (a retry after a 4xx, a resend, marked sent), each with a timeline entry; no other task is touched."""
    if len(rows) == 1:
        query, params = _OPEN_TASKS[0], {"invoice_id": rows[0].invoice_id, "source": f"{TASK_SOURCE}{rows[0].id}"}
    else:
        query, params = _OPEN_TASKS[1], {"invoice_ids": sorted({r.invoice_id for r in rows}),
                                         "sources": [f"{TASK_SOURCE}{r.id}" for r in rows]}
    # nearly always none: the message went out at the first attempt
    for task_id in sorted(ctx.session.connection().execute(query, params).scalars()):
        complete_task(ctx, task_id, why=why)


# --- the user's decisions --------------------------------------------------------------------------

def _row(ctx: Ctx, outbox_id: int) -> Outbox:
    row = ctx.session.get(Outbox, outbox_id)
    if row is None:
        raise UserError("id", f"no outbox row with id {outbox_id}")
    return row


def _expect(row: Outbox, states: tuple[str, ...], action: str) -> None:
    if row.state not in states:
        raise UserError("id", f"outbox row {row.id} is {row.state}: only {', '.join(states)} rows can be {action}")


def resend(ctx: Ctx, outbox_id: int) -> Outbox:
    """Queue an uncertain, failed or cancelled row again; the next run sends it (attempts start over)."""
    row = _row(ctx, outbox_id)
    _expect(row, ("uncertain", "failed", "cancelled"), "resent")
    before = row.state
    row.state, row.attempts, row.next_attempt_at, row.last_error = "planned", 0, None, None
    audit.record(ctx, "reminder.resend", "outbox", row.id, f"Reminder {row.id} ({before}) queued to be sent again",
                 invoice_id=row.invoice_id, contractor_id=row.contractor_id)
    return row


def mark_sent(ctx: Ctx, outbox_id: int) -> Outbox:
    """The user checked that an uncertain message (in flight when a sender stopped) did arrive: record it as
    sent. A failed one was refused or never delivered: it is resent, not marked."""
    row = _row(ctx, outbox_id)
    _expect(row, ("uncertain",), "marked sent")
    row.state, row.sent_at, row.last_error = "sent", ctx.clock.now(), None
    row.server_reply = f"marked sent by {ctx.user}"
    audit.record(ctx, "reminder.marked_sent", "outbox", row.id,
                 f"{CHANNEL_NAMES.get(row.channel, row.channel)} to {row.recipient or '?'} marked sent by hand: "
                 f"{row.subject or ''}".rstrip(": "),
                 invoice_id=row.invoice_id, contractor_id=row.contractor_id,
                 details={"channel": row.channel, "recipient": row.recipient, "subject": row.subject})
    ctx.session.flush()
    escalate_sent(ctx, [row.id])  # it went out: an escalating step acts now
    close_row_tasks(ctx, [row], f"the reminder was marked sent by {ctx.user}")
    return row


def cancel(ctx: Ctx, outbox_id: int) -> Outbox:
    """The user stops a row that has not gone out."""
    row = _row(ctx, outbox_id)
    _expect(row, ("planned", "failed", "uncertain"), "cancelled")
    row.state, row.next_attempt_at, row.last_error = "cancelled", None, f"cancelled by {ctx.user}"
    audit.record(ctx, "reminder.cancelled", "outbox", row.id, f"Reminder {row.id} cancelled by hand",
                 invoice_id=row.invoice_id, contractor_id=row.contractor_id)
    return row


# --- the list --------------------------------------------------------------------------------------

def list_rows(ctx: Ctx, *, state: str | None = None, limit: int | None = None,
              outbox_id: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    """`outbox list`: the contract's fields plus `note`, which says why a planned row is waiting.

    Rows of one state come by planned day (the state index's order). All rows, or the skipped ones (which
    that index leaves out), come in the order they were planned: a page is then a walk of the table's own
    order, where sorting a large ledger's million catch-up records by day would take seconds per page.
    """
    step = func.coalesce(PolicyStep.name, literal("Letter ").concat(Demand.number))  # a letter from the register
    query = (select(Outbox, Invoice.number, Contractor.name, step)
             .join(Invoice, Invoice.id == Outbox.invoice_id)
             .join(Contractor, Contractor.id == Outbox.contractor_id)
             .outerjoin(PolicyStep, PolicyStep.id == Outbox.step_id)
             .outerjoin(Demand, Demand.id == Outbox.demand_id))
    query = query.order_by(Outbox.id) if state in (None, "skipped") else query.order_by(Outbox.planned_for, Outbox.id)
    if state is not None:
        query = query.where(outbox_state(state))
    if outbox_id is not None:
        query = query.where(Outbox.id == outbox_id)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    today = ctx.clock.today()
    found = ctx.session.execute(query).all()
    held = _held(ctx, [row for row, *_ in found if row.state == "planned" and row.planned_for <= today])
    return [_list_obj(row, number, contractor, step, today, held.get(row.id))
            for row, number, contractor, step in found]


HELD_CHECKS = 5_000  # due rows whose invoices a list reads for stop rules (a million after a first plan: not)


def _held(ctx: Ctx, rows: list[Outbox]) -> dict[int, str]:
    """Why due planned rows will not go with the next send after all: their channel cannot send (the firm's
    details, a channel not set up), or their invoice's reminders have stopped (they are cancelled at send
    time, DUNNING.md); nothing for rows that will go."""
    if not rows:
        return {}
    today = ctx.clock.today()
    gaps = firm_gaps(get_firm(ctx))
    unset = {"email": settings.get_smtp(ctx) is None, "sms": settings.get_sms(ctx) is None}
    held: dict[int, str] = {}
    ids = sorted({r.invoice_id for r in rows}) if len(rows) <= HELD_CHECKS else []  # a page, not a first plan
    invoices = {inv.id: inv for i in range(0, len(ids), 500)
                for inv in ctx.session.scalars(select(Invoice).where(Invoice.id.in_(ids[i:i + 500])))}
    for row in rows:
        stop = _stop_of(ctx, row, invoices.get(row.invoice_id), today)
        if stop is not None:
            held[row.id] = f"cancelled at its turn: {stop}"
        elif row.channel != "letter" and gaps is not None:
            held[row.id] = f"waits: the firm's {gaps} not set"
        elif unset.get(row.channel):
            held[row.id] = f"waits: {'no SMTP server' if row.channel == 'email' else 'no SMS gateway'} set up"
    return held


def _stop_of(ctx: Ctx, row: Outbox, inv: Invoice | None, today: dt.date) -> str | None:
    """The stop rule that will cancel the row at its turn, for a row whose invoice was read."""
    step = ctx.session.get(PolicyStep, row.step_id) if inv is not None and row.step_id is not None else None
    contractor = ctx.session.get(Contractor, row.contractor_id) if step is not None else None
    return stop_reason(inv, contractor, step, today) if inv and step and contractor else None


def _list_obj(row: Outbox, number: str, contractor: str, step: str, today: dt.date,
              held: str | None = None) -> dict[str, Any]:
    return {
        "id": row.id, "invoice": number, "invoice_id": row.invoice_id, "contractor": contractor,
        "contractor_id": row.contractor_id, "step": step, "occurrence": row.occurrence,
        "channel": row.channel, "recipient": row.recipient, "subject": row.subject, "state": row.state,
        "attempts": row.attempts, "last_error": reason(row), "planned_for": row.planned_for.isoformat(),
        "sent_at": row.sent_at.astimezone().isoformat(timespec="seconds") if row.sent_at else None,
        "next_attempt_at": row.next_attempt_at.astimezone().isoformat(timespec="minutes")
        if row.next_attempt_at else None,
        "message_id": row.message_id, "group_key": row.group_key, "note": held or waiting_note(row, today),
        "covers": row.covers,
    }


@dataclass(frozen=True)
class StoredMessage:
    """What a row's message said (once sent or tried), or a preview worded as of today (not yet sent)."""

    state: str
    channel: str
    recipient: str | None
    subject: str | None
    body: str | None
    server_reply: str | None
    last_error: str | None
    preview: bool  # composed now for the reader; the real text is composed at send time
    preview_error: str | None = None  # why no preview could be made


def stored_message(ctx: Ctx, outbox_id: int) -> StoredMessage:
    """The text of a row; rows never tried get a preview made now (nothing is written)."""
    row = _row(ctx, outbox_id)
    if row.subject is not None or row.body is not None or row.state not in ("planned", "cancelled", "skipped"):
        return StoredMessage(row.state, row.channel, row.recipient, row.subject, row.body, row.server_reply,
                             reason(row), preview=False)
    try:
        message = compose(ctx, [row])
    except UserError as exc:
        return StoredMessage(row.state, row.channel, row.recipient, None, None, None, reason(row),
                             preview=True, preview_error=exc.message)
    return StoredMessage(row.state, row.channel, message.recipient, message.subject, message.text, None,
                         reason(row), preview=True)


def reason(row: Outbox) -> str | None:
    return row_reason(row.state, row.last_error, row.covers, row.planned_for)


def waiting_note(row: Outbox, today: dt.date) -> str | None:
    if row.state != "planned":
        return None
    if row.channel == "letter" and row.planned_for <= today:
        return "due: the next run makes the letter in the demand register, to print"
    if row.planned_for > today:
        return f"planned for {row.planned_for}"
    if row.next_attempt_at is not None:
        return f"retry after {row.next_attempt_at.astimezone():%Y-%m-%d %H:%M}"
    return "due: goes out with the next send inside business hours"
