"""Work around an invoice: notes, follow-up tasks, phone calls, promises and the timeline."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select

from collector_app.db.models import CALL_OUTCOMES, Call, ContactPerson, Event, Invoice, Note, Task, User
from collector_app.domain.errors import UserError
from collector_app.domain.money import check_places, format_amount
from collector_app.domain.status import balance
from collector_app.services import audit
from collector_app.services.context import Changes, Ctx
from collector_app.services.users import current_user, user_by_login

MAX_CALL_SECONDS = 24 * 3600


def _check_text(text: str, field: str) -> str:
    clean = text.strip()
    if not clean:
        raise UserError(field, "must not be empty")
    return clean


def local_midnight_after(day: dt.date) -> dt.datetime:
    """End of a local calendar day, as an aware UTC instant."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).astimezone().astimezone(dt.UTC)


def local_to_utc(moment: dt.datetime) -> dt.datetime:
    """A time typed by a person is local time unless it says otherwise."""
    aware = moment if moment.tzinfo else moment.astimezone()
    return aware.astimezone(dt.UTC)


# --- notes -------------------------------------------------------------------------------

def add_note(ctx: Ctx, invoice: Invoice, text: str) -> Note:
    note = Note(
        invoice_id=invoice.id, contractor_id=invoice.contractor_id, text=_check_text(text, "text"),
        author_id=current_user(ctx).id, created_at=ctx.clock.now(),
    )
    ctx.session.add(note)
    ctx.session.flush()
    audit.record(ctx, "note.added", "note", note.id, f"Note on {invoice.number}: {note.text}",
                 invoice_id=invoice.id, contractor_id=invoice.contractor_id)
    return note


def add_contractor_note(ctx: Ctx, contractor_id: int, text: str) -> Note:
    note = Note(contractor_id=contractor_id, text=_check_text(text, "text"),
                author_id=current_user(ctx).id, created_at=ctx.clock.now())
    ctx.session.add(note)
    ctx.session.flush()
    audit.record(ctx, "note.added", "note", note.id, f"Note: {note.text}", contractor_id=contractor_id)
    return note


def edit_note(ctx: Ctx, note_id: int, text: str) -> Changes:
    note = ctx.session.get(Note, note_id)
    if note is None:
        raise UserError("note", f"no note with id {note_id}")
    old = note.text
    note.text = _check_text(text, "text")
    note.updated_at = ctx.clock.now()
    audit.record(ctx, "note.edited", "note", note.id, f"Note edited: {note.text}",
                 invoice_id=note.invoice_id, contractor_id=note.contractor_id, details={"before": old})
    return Changes(notes=frozenset({note.id}))


def notes_for(ctx: Ctx, *, invoice_id: int | None = None, contractor_id: int | None = None) -> list[Note]:
    query = select(Note).order_by(Note.created_at.desc(), Note.id.desc())
    if invoice_id is not None:
        query = query.where(Note.invoice_id == invoice_id)
    if contractor_id is not None:
        query = query.where(Note.contractor_id == contractor_id)
    return list(ctx.session.scalars(query))


# --- tasks -------------------------------------------------------------------------------

def add_task(
    ctx: Ctx, invoice: Invoice | None, due_at: dt.datetime, text: str, assignee: str | None = None,
    *, contractor_id: int | None = None, source: str = "manual", call_id: int | None = None,
) -> Task:
    who = user_by_login(ctx, assignee) if assignee else current_user(ctx)
    task = Task(
        invoice_id=invoice.id if invoice else None,
        contractor_id=invoice.contractor_id if invoice else contractor_id,
        text=_check_text(text, "text"), due_at=local_to_utc(due_at), assignee_id=who.id,
        source=source, call_id=call_id, created_at=ctx.clock.now(),
    )
    ctx.session.add(task)
    ctx.session.flush()
    where = f" on {invoice.number}" if invoice else ""
    audit.record(
        ctx, "task.added", "task", task.id,
        f"Task{where} for {who.login}, due {task.due_at.astimezone():%Y-%m-%d %H:%M}: {task.text}",
        invoice_id=task.invoice_id, contractor_id=task.contractor_id,
    )
    return task


def complete_task(ctx: Ctx, task_id: int, done: bool = True, why: str | None = None) -> Changes:
    """Mark a task done (or open again); `why` says so in the timeline when the program does it."""
    task = ctx.session.get(Task, task_id)
    if task is None:
        raise UserError("task", f"no task with id {task_id}")
    task.done_at = ctx.clock.now() if done else None
    because = f" ({why})" if why else ""
    audit.record(ctx, "task.done" if done else "task.reopened", "task", task.id,
                 f"Task {'done' if done else 'reopened'}{because}: {task.text}",
                 invoice_id=task.invoice_id, contractor_id=task.contractor_id)
    return Changes(tasks=frozenset({task.id}))


@dataclass(frozen=True)
class TaskRow:
    id: int
    due_at: dt.datetime
    text: str
    assignee: str | None
    invoice: str | None
    invoice_id: int | None
    contractor_id: int | None
    source: str
    done_at: dt.datetime | None


def open_tasks(ctx: Ctx, *, due_by: dt.date | None = None, assignee: str | None = None,
               invoice_id: int | None = None, include_done: bool = False) -> list[TaskRow]:
    """Open tasks due on or before the end of a (local) day, oldest first."""
    query = (
        select(Task, User.login, Invoice.number)
        .outerjoin(User, User.id == Task.assignee_id)
        .outerjoin(Invoice, Invoice.id == Task.invoice_id)
        .order_by(Task.due_at, Task.id)
    )
    if not include_done:
        query = query.where(Task.done_at.is_(None))
    if due_by is not None:
        query = query.where(Task.due_at < local_midnight_after(due_by))
    if assignee is not None:
        query = query.where(User.login == assignee)
    if invoice_id is not None:
        query = query.where(Task.invoice_id == invoice_id)
    return [
        TaskRow(t.id, t.due_at, t.text, login, number, t.invoice_id, t.contractor_id, t.source, t.done_at)
        for t, login, number in ctx.session.execute(query)
    ]


# --- calls -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CallData:
    outcome: str
    duration_s: int
    started_at: dt.datetime | None = None
    contact_person_id: int | None = None
    notes: str | None = None
    promise_date: dt.date | None = None
    promise_amount: Decimal | None = None


PROMISE_PAUSE = "promise from call {id}"  # the pause reason a promise leaves on its invoice
_PROMISE_PAUSE = re.compile(r"promise from call (\d+)")


def promise_call_id(pause_reason: str | None) -> int | None:
    """The call whose promise paused the invoice, when the pause is a promise's."""
    found = _PROMISE_PAUSE.fullmatch(pause_reason or "")
    return int(found.group(1)) if found else None


def log_call(ctx: Ctx, invoice: Invoice, data: CallData) -> Call:
    """Log a call; a promise to pay pauses the invoice's reminders until the promised date."""
    if data.outcome not in CALL_OUTCOMES:
        raise UserError("outcome", f'"{data.outcome}" is not an outcome (expected {", ".join(CALL_OUTCOMES)})')
    if not 0 <= data.duration_s <= MAX_CALL_SECONDS:
        raise UserError("duration", f"{data.duration_s} is not a duration in seconds (0–{MAX_CALL_SECONDS})")
    today = ctx.clock.today()
    if data.outcome == "promised" and data.promise_date is None:
        raise UserError("promise-date", "is required when the outcome is 'promised'")
    if data.outcome == "no-answer" and (data.promise_date is not None or data.promise_amount is not None):
        raise UserError("promise-date", "nobody answered: a call without an answer carries no promise")
    if data.promise_date is not None and data.promise_date < today:
        raise UserError("promise-date", f"{data.promise_date} is in the past (today is {today})")
    if data.promise_amount is not None:
        check_places(data.promise_amount, invoice.currency, "promise-amount")
        if data.promise_amount <= 0:
            raise UserError("promise-amount", "must be above zero")
    if data.promise_amount is not None and data.promise_date is None:
        raise UserError("promise-date", "is required with a promised amount")
    if data.contact_person_id is not None:
        person = ctx.session.get(ContactPerson, data.contact_person_id)
        if person is None or person.contractor_id != invoice.contractor_id:
            raise UserError("contact", f"no contact person {data.contact_person_id} at this contractor")
    call = Call(
        invoice_id=invoice.id, contractor_id=invoice.contractor_id,
        contact_person_id=data.contact_person_id, user_id=current_user(ctx).id,
        started_at=local_to_utc(data.started_at) if data.started_at else ctx.clock.now(),
        duration_s=data.duration_s, outcome=data.outcome, promise_date=data.promise_date,
        promise_amount=data.promise_amount,
        promise_currency=invoice.currency if data.promise_amount is not None else None,
        notes=(data.notes or "").strip() or None,
    )
    ctx.session.add(call)
    ctx.session.flush()
    summary = f"Call ({data.outcome}, {data.duration_s // 60}:{data.duration_s % 60:02d})"
    if data.promise_date is not None:
        invoice.paused_until = data.promise_date
        invoice.pause_reason = PROMISE_PAUSE.format(id=call.id)
        amount = f" {format_amount(data.promise_amount)} {invoice.currency}" if data.promise_amount else ""
        summary += f": promised to pay{amount} by {data.promise_date}; reminders paused until then"
    if data.outcome == "disputed":
        invoice.disputed = True
        summary += ": invoice marked disputed"
    if call.notes:
        summary += f" — {call.notes}"
    audit.record(ctx, "call.logged", "call", call.id, summary,
                 invoice_id=invoice.id, contractor_id=invoice.contractor_id)
    return call


PROMISE_BATCH = 200  # lapsed promises looked at per transaction by follow_up_in_batches


def follow_up_in_batches(transaction: Callable[[], AbstractContextManager[Ctx]]) -> int:
    """follow_up_broken_promises in transactions of PROMISE_BATCH promises: after a week away a large ledger
    has thousands of lapsed promises (~2 ms each), and one transaction held the write lock for seconds while
    the window's own writes waited for it. Returns how many tasks were created."""
    created = 0
    while True:
        with transaction() as ctx:
            looked, tasks = _follow_up(ctx, PROMISE_BATCH)
        created += len(tasks)
        if looked < PROMISE_BATCH:
            return created


def follow_up_broken_promises(ctx: Ctx) -> list[Task]:
    """For every promise whose date has passed with the invoice still unpaid, create one task.

    Runs from the database state, so it catches up on promises that broke while the program was off.
    """
    return _follow_up(ctx, None)[1]


def _follow_up(ctx: Ctx, limit: int | None) -> tuple[int, list[Task]]:
    """The lapsed promises not yet looked at (at most `limit`, oldest first): how many, and the tasks made."""
    today = ctx.clock.today()
    due = ctx.session.execute(
        select(Call, Invoice)
        .join(Invoice, Invoice.id == Call.invoice_id)
        .where(Call.promise_date < today, Call.promise_checked.is_(False))
        .order_by(Call.id).limit(limit)
    ).all()
    created: list[Task] = []
    for call, invoice in due:
        call.promise_checked = True
        if balance(invoice.gross, invoice.paid) <= 0 or _replaced(ctx, call):
            continue
        if call.promise_amount is not None and _paid_since(ctx, invoice, call) >= call.promise_amount:
            continue
        owner = ctx.session.get(User, call.user_id) if call.user_id else None
        task = add_task(
            ctx, invoice, dt.datetime.combine(today, dt.time(9, 0)),
            f"Broken promise: {invoice.number} was to be paid by {call.promise_date}; call again",
            owner.login if owner else None, source="broken-promise", call_id=call.id,
        )
        audit.record(ctx, "promise.broken", "call", call.id,
                     f"Promise of {call.promise_date} not kept; follow-up task created",
                     invoice_id=invoice.id, contractor_id=invoice.contractor_id)
        created.append(task)
    return len(due), created


def _replaced(ctx: Ctx, call: Call) -> bool:
    """A later call on the invoice made a new promise: the debtor moved the date, this one did not break."""
    return ctx.session.scalar(select(Call.id).where(
        Call.invoice_id == call.invoice_id, Call.promise_date.is_not(None),
        (Call.started_at > call.started_at) | ((Call.started_at == call.started_at) & (Call.id > call.id)),
    ).limit(1)) is not None


def _paid_since(ctx: Ctx, invoice: Invoice, call: Call) -> Decimal:
    from collector_app.db.models import Allocation

    rows = ctx.session.scalars(select(Allocation.amount).where(
        Allocation.invoice_id == invoice.id, Allocation.created_at >= call.started_at
    ))
    return sum(rows, Decimal(0))


def timeline(ctx: Ctx, *, invoice_id: int | None = None, contractor_id: int | None = None,
             limit: int | None = None) -> list[Event]:
    """Everything that happened to an invoice or a contractor, newest first."""
    if invoice_id is None and contractor_id is None:
        raise UserError(None, "a timeline needs an invoice or a contractor")
    conds = []
    if invoice_id is not None:
        conds.append(Event.invoice_id == invoice_id)
    if contractor_id is not None:
        conds.append(Event.contractor_id == contractor_id)
    query = select(Event).where(or_(*conds)).order_by(Event.at.desc(), Event.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(ctx.session.scalars(query))
