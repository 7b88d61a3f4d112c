"""`collector demo`: a realistic ledger to try the program on, from a seed, up to millions of invoices.

Both writers replay one plan (demo_plan), so a seed and a day give the same ledger either way. Small ledgers
go through the real services, so every document has its events and timeline. Large ones are written in bulk,
in batches within one transaction, with `paid` and `allocated` computed in Python so the invariants hold and
a handful of events (calls, notes, tasks). On SQLite the rows go to the DB-API executemany as SQLAlchemy's own
bind processors would send them, and the invoice, payment and allocation indexes and the two search-index
insert triggers are set aside during the load and rebuilt at its end, in the same transaction. Measured at
1,000,000 invoices on 2 cores: the triggers cost ~27 s row by row against ~2 s for one FTS 'rebuild'; the
indexes ~10 s row by row against ~5.5 s built afterwards; the whole demo takes ~40 s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import importlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Boolean, Connection, Date, Numeric, Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from collector_app.db.base import Base, UTCDateTime
from collector_app.db.engine import Ledger
from collector_app.db.models import (
    Allocation,
    Call,
    ContactPerson,
    Contractor,
    Event,
    Invoice,
    Note,
    Payment,
    Segment,
    Task,
    User,
)
from collector_app.domain.clock import Clock
from collector_app.domain.errors import UserError
from collector_app.domain.taxid import compact_tax_id
from collector_app.services import activity, audit, contractors, firm, invoices, payments
from collector_app.services.context import Ctx
from collector_app.services.demo_plan import (
    COLLECTORS,
    FIRM,
    SEGMENTS,
    CallOp,
    ContractorOp,
    DemoPlan,
    DocOp,
    NoteOp,
    Op,
    PaymentOp,
    TaskDoneOp,
    TaskOp,
    at,
)
from collector_app.services.users import user_by_login

Progress = Callable[[str, int, int], None]
Rows = dict[str, list[tuple[Any, ...]]]
Method = Literal["auto", "services", "bulk"]

SERVICE_LIMIT = 2_000  # invoices; above this the bulk writer is used
BATCH = 25_000  # invoices per executemany batch (with their payments, allocations, calls ...)
CACHE_KIB = 256 * 1024  # SQLite page cache while loading (the connection's own setting is restored after)
MAX_INVOICES = 10_000_000
MAX_CONTRACTORS = 1_000_000
_SEARCH_MIGRATION = "collector_app.db.migrations.versions.2026_11_24_0002_search_index"
_SEARCH_TRIGGERS = ("invoice_search_ai", "contractor_search_ai")
_UNINDEXED_DURING_LOAD = ("invoice", "payment", "allocation")


@dataclass(frozen=True)
class DemoSpec:
    """How big a demo to build; contractors None means one per 50 invoices, at least 12."""

    contractors: int | None = None
    invoices: int = 400
    seed: int = 1

    def contractor_count(self) -> int:
        return self.contractors if self.contractors is not None else max(12, self.invoices // 50)

    def check(self) -> None:
        if not 0 <= self.invoices <= MAX_INVOICES:
            raise UserError("invoices", f"{self.invoices} is not between 0 and {MAX_INVOICES:,}")
        if not 1 <= self.contractor_count() <= MAX_CONTRACTORS:
            raise UserError("contractors", f"{self.contractor_count()} is not between 1 and {MAX_CONTRACTORS:,}")


@dataclass(frozen=True)
class DemoSummary:
    contractors: int
    invoices: int
    credit_notes: int
    payments: int
    notes: int
    tasks: int
    calls: int
    seconds: float

    def as_dict(self) -> dict[str, int | float]:
        return asdict(self)


def build_demo(
    ledger: Ledger, clock: Clock, spec: DemoSpec, *, user: str, progress: Progress | None = None,
    method: Method = "auto",
) -> DemoSummary:
    """Fill an empty ledger with a demo dated around clock.today(); one transaction, so an error leaves nothing."""
    spec.check()
    started = time.perf_counter()
    today = clock.today()
    plan = DemoPlan(invoices=spec.invoices, contractors=spec.contractor_count(), seed=spec.seed, today=today)
    replay = ReplayClock(today, at(today, 6))
    bulk = method == "bulk" or (method == "auto" and spec.invoices > SERVICE_LIMIT)
    with ledger.transaction() as session:
        ctx = Ctx(session, replay, user)
        _refuse_non_empty(session)
        _prepare(ctx, spec, plan)
        if bulk:
            _BulkWriter(session, plan, progress).run()
        else:
            _ServiceWriter(session, replay, user, plan, progress).run()
    c = plan.counts
    return DemoSummary(c.contractors, c.invoices, c.credit_notes, c.payments, c.notes, c.tasks, c.calls,
                       round(time.perf_counter() - started, 2))


class ReplayClock:
    """The services' clock while the demo replays history: each operation happens on its own day."""

    def __init__(self, day: dt.date, moment: dt.datetime) -> None:
        self._day = day
        self._moment = moment

    def set(self, day: dt.date, moment: dt.datetime) -> None:
        self._day = day
        self._moment = moment

    def today(self) -> dt.date:
        return self._day

    def now(self) -> dt.datetime:
        return self._moment


def _refuse_non_empty(session: Session) -> None:
    found = [
        what for what, model in (("invoices", Invoice), ("contractors", Contractor), ("payments", Payment))
        if session.scalar(select(model.id).limit(1)) is not None
    ]
    if found:
        raise UserError(None, f"the demo fills an empty ledger, but this one already has {' and '.join(found)}; "
                              "give a new file with --db (nothing was changed)")


def _prepare(ctx: Ctx, spec: DemoSpec, plan: DemoPlan) -> None:
    """The firm (unless already set), the collectors and the segments, through the services."""
    if firm.get_firm(ctx) is None:
        firm.set_firm(ctx, firm.FirmChanges(
            name=FIRM.name, tax_id=FIRM.tax_id, country="PL", currency="PLN", iban=FIRM.iban,
            address=FIRM.address, postal_code=FIRM.postal_code, city=FIRM.city,
            contact_person=FIRM.contact_person, email=FIRM.email, phone=FIRM.phone, payment_terms_days=14,
        ))
    domain = FIRM.email.split("@", 1)[1]
    for col in COLLECTORS:
        u = user_by_login(ctx, col.login, field="user")
        u.name = u.name or col.name
        u.email = u.email or f"{col.login}@{domain}"
    for name, description in SEGMENTS:
        seg = contractors.segment_by_name(ctx, name)
        seg.description = seg.description or description
    audit.record(ctx, "demo.created", "ledger", None,
                 f"Demo ledger: {spec.invoices:,} invoices for {plan.counts.contractors:,} contractors "
                 f"(seed {spec.seed}, dated around {plan.today})")
    ctx.session.flush()


class _OpWriter(ABC):
    """What both writers share: one method per kind of operation, and the dispatch to them."""

    def add(self, op: Op) -> None:
        if isinstance(op, DocOp):
            self.document(op)
        elif isinstance(op, PaymentOp):
            self.payment(op)
        elif isinstance(op, ContractorOp):
            self.contractor(op)
        elif isinstance(op, CallOp):
            self.call(op)
        elif isinstance(op, NoteOp):
            self.note(op)
        elif isinstance(op, TaskOp):
            self.task(op)
        else:
            self.task_done(op)

    @abstractmethod
    def contractor(self, op: ContractorOp) -> None: ...

    @abstractmethod
    def document(self, op: DocOp) -> None: ...

    @abstractmethod
    def payment(self, op: PaymentOp) -> None: ...

    @abstractmethod
    def call(self, op: CallOp) -> None: ...

    @abstractmethod
    def note(self, op: NoteOp) -> None: ...

    @abstractmethod
    def task(self, op: TaskOp) -> None: ...

    @abstractmethod
    def task_done(self, op: TaskDoneOp) -> None: ...


# --- through the services ------------------------------------------------------------------

class _ServiceWriter(_OpWriter):
    """Replays the plan through the ledger services, with the clock set to each operation's moment."""

    def __init__(self, session: Session, clock: ReplayClock, user: str, plan: DemoPlan,
                 progress: Progress | None) -> None:
        self.session = session
        self.clock = clock
        self.user = user
        self.plan = plan
        self.progress = progress
        self.contractors: dict[int, int] = {}
        self.contacts: dict[int, int] = {}
        self.docs: dict[int, Invoice] = {}
        self.tasks: dict[int, int] = {}

    def ctx(self, user: str | None = None) -> Ctx:
        return Ctx(self.session, self.clock, user or self.user)

    def run(self) -> None:
        total = self.plan.total_invoices
        for op in self.plan.stream():
            self.clock.set(op.date, op.at)
            self.add(op)
            if (self.progress and isinstance(op, DocOp) and op.kind == "invoice"
                    and self.plan.counts.invoices % 200 == 0):
                self.progress("invoices", self.plan.counts.invoices, total)
        self.session.flush()
        if self.progress:
            self.progress("invoices", self.plan.counts.invoices, total)

    def contractor(self, op: ContractorOp) -> None:
        ctx = self.ctx()
        c = contractors.add_contractor(ctx, contractors.ContractorData(
            name=op.name, tax_id=op.tax_id, registration_no=op.registration_no, country=op.country,
            address=op.address, postal_code=op.postal_code, city=op.city, email=op.email, phone=op.phone,
            language=op.language, preferred_channel=op.channel, payment_terms_days=op.terms,
            credit_limit=op.credit_limit, segment=op.segment, collector=op.collector, notes=op.notes,
        ))
        self.contractors[op.key] = c.id
        for person in op.contacts:
            self.contacts[person.key] = contractors.add_contact(
                ctx, c.id, person.name, person.role, person.email, person.phone).id

    def document(self, op: DocOp) -> None:
        self.docs[op.key] = invoices.add_invoice(self.ctx(), invoices.InvoiceData(
            contractor_id=self.contractors[op.contractor_key], number=op.number, issue_date=op.issue,
            due_date=op.due, gross=abs(op.gross), currency=op.currency, net=op.net, vat=op.vat,
            variable_symbol=op.variable_symbol, credit_note_for=op.corrects_number,
        ))

    def payment(self, op: PaymentOp) -> None:
        payments.add_payment(self.ctx(), payments.PaymentData(
            date=op.date, amount=op.amount, currency=op.currency,
            contractor_id=self.contractors[op.contractor_key] if op.contractor_key else None,
            invoice_numbers=op.numbers, title=op.title, payer_name=op.payer_name, payer_account=op.payer_account,
            reference=op.reference, source=op.source, bank_txn_id=op.bank_txn_id,
        ))

    def call(self, op: CallOp) -> None:
        activity.log_call(self.ctx(op.user), self.docs[op.invoice_key], activity.CallData(
            outcome=op.outcome, duration_s=op.duration_s, started_at=op.at,
            contact_person_id=self.contacts[op.contact_key] if op.contact_key else None, notes=op.notes,
            promise_date=op.promise_date, promise_amount=op.promise_amount,
        ))

    def note(self, op: NoteOp) -> None:
        if op.invoice_key is None:
            activity.add_contractor_note(self.ctx(op.author), self.contractors[op.contractor_key], op.text)
        else:
            activity.add_note(self.ctx(op.author), self.docs[op.invoice_key], op.text)

    def task(self, op: TaskOp) -> None:
        doc = self.docs[op.invoice_key] if op.invoice_key is not None else None
        task = activity.add_task(self.ctx(op.assignee), doc, op.due_local, op.text, op.assignee,
                                 contractor_id=self.contractors[op.contractor_key])
        self.tasks[op.key] = task.id

    def task_done(self, op: TaskDoneOp) -> None:
        activity.complete_task(self.ctx(), self.tasks[op.task_key])


# --- in bulk ---------------------------------------------------------------------------------

class _Converted(dict[Any, Any]):
    """A memo of a bind processor: dates and timestamps repeat a lot, so each is converted once."""

    def __init__(self, convert: Callable[[Any], Any] | None) -> None:
        super().__init__({None: None})
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        out = self[value] = self.convert(value) if self.convert else value
        return out


def _same(value: Any) -> Any:
    return value


class _Values:
    """Python values as the driver receives them, converted by SQLAlchemy's own bind processors.

    Written this way (rather than through Core's per-row parameter processing) the rows cost a third as much
    to prepare, and stay exactly what the ORM would have stored.
    """

    def __init__(self, dialect: Dialect) -> None:
        self.dates = _Converted(Date().dialect_impl(dialect).bind_processor(dialect))
        self.moments = _Converted(UTCDateTime().dialect_impl(dialect).bind_processor(dialect))
        self.money: Callable[[Decimal | None], Any] = Numeric(18, 2).dialect_impl(dialect).bind_processor(
            dialect) or _same
        self.false = (Boolean().dialect_impl(dialect).bind_processor(dialect) or _same)(False)


# Columns written per table, in foreign-key order (a batch is written table by table).
_COLUMNS: dict[str, tuple[str, ...]] = {
    "contractor": ("id", "name", "tax_id", "tax_key", "registration_no", "country", "address", "postal_code", "city",
                   "email", "phone", "language", "preferred_channel", "payment_terms_days", "credit_limit",
                   "segment_id", "collector_id", "notes", "created_at"),
    "contact_person": ("id", "contractor_id", "name", "role", "email", "phone"),
    "invoice": ("id", "kind", "number", "number_key", "variable_symbol", "contractor_id", "issue_date", "due_date",
                "net", "vat", "gross", "paid", "currency", "corrects_invoice_id", "corrects_number", "disputed",
                "handed_over", "source", "created_at"),
    "payment": ("id", "contractor_id", "date", "amount", "currency", "allocated", "payer_name", "payer_account",
                "title", "reference", "source", "bank_txn_id", "created_at"),
    "allocation": ("payment_id", "credit_note_id", "invoice_id", "amount", "created_at"),
    "call": ("id", "invoice_id", "contractor_id", "contact_person_id", "user_id", "started_at", "duration_s",
             "outcome", "promise_date", "promise_amount", "promise_currency", "promise_checked", "notes"),
    "note": ("id", "invoice_id", "contractor_id", "text", "author_id", "created_at"),
    "task": ("id", "invoice_id", "contractor_id", "text", "due_at", "assignee_id", "done_at", "source",
             "created_at"),
    "event": ("at", "user", "action", "entity", "entity_id", "invoice_id", "contractor_id", "summary"),
}
_MODELS: dict[str, type[Base]] = {
    "contractor": Contractor, "contact_person": ContactPerson, "invoice": Invoice, "payment": Payment,
    "allocation": Allocation, "call": Call, "note": Note, "task": Task, "event": Event,
}


def _search_statements() -> list[str]:
    """The search-index SQL of its migration (triggers, rebuild), reused rather than copied."""
    module = importlib.import_module(_SEARCH_MIGRATION)
    return [str(sql) for sql in module.SQLITE_UP]


class _BulkWriter(_OpWriter):
    """Turns the plan into rows and writes them with executemany, a batch at a time, in one transaction.

    Rows are tuples of driver values (converted by SQLAlchemy's bind processors, see _Values): on SQLite they go
    straight to the DB-API executemany, elsewhere through Core insert().
    """

    def __init__(self, session: Session, plan: DemoPlan, progress: Progress | None) -> None:
        self.conn: Connection = session.connection()
        self.plan = plan
        self.progress = progress
        self.sqlite = self.conn.dialect.name == "sqlite"
        self.v = _Values(self.conn.dialect)
        moments = self.v.moments
        # documents and payments are stamped at a fixed time of their day: one conversion per day
        self.doc_stamps = _Converted(lambda day: moments[DocOp.stamp(day)])
        self.payment_stamps = _Converted(lambda day: moments[PaymentOp.stamp(day)])
        self.rows: Rows = {name: [] for name in _COLUMNS}
        self.base = {name: self._max_id(name) for name in ("contractor", "contact_person", "invoice", "payment",
                                                            "call", "note", "task")}
        self.user_ids = {login: uid for login, uid in session.execute(select(User.login, User.id))}
        self.segment_ids = {name: sid for name, sid in session.execute(select(Segment.name, Segment.id))}
        self.paused: list[dict[str, Any]] = []
        self.disputed: list[dict[str, Any]] = []

    def _max_id(self, name: str) -> int:
        return int(self.conn.scalar(select(func.max(_table(_MODELS[name]).c.id))) or 0)

    def run(self) -> None:
        with _no_cyclic_gc(), self._fast_load():
            for done, batch in self._batches():
                self.write(batch)
                if self.progress:
                    self.progress("invoices", done, self.plan.total_invoices)
            self._apply_call_effects()
        if self.conn.dialect.name == "postgresql":
            self._advance_sequences()

    def _batches(self) -> Iterator[tuple[int, Rows]]:
        """Batches of rows, each with the number of invoices planned so far.

        (Planning in a helper thread while this one writes was measured slower: sqlite3 gives the GIL up and
        takes it back for every row, and each take waits behind the planning thread.)
        """
        invoices = self.rows["invoice"]
        for op in self.plan.stream():
            self.add(op)
            if len(invoices) >= BATCH:
                yield self._take()
                invoices = self.rows["invoice"]
        yield self._take()

    def _take(self) -> tuple[int, Rows]:
        batch, self.rows = self.rows, {name: [] for name in _COLUMNS}
        return self.plan.counts.invoices, batch

    def write(self, batch: Rows) -> None:
        for name, rows in batch.items():
            if not rows:
                continue
            columns = _COLUMNS[name]
            if self.sqlite:
                names = ", ".join(f'"{c}"' for c in columns)
                self.conn.exec_driver_sql(
                    f'INSERT INTO "{name}" ({names}) VALUES ({", ".join("?" * len(columns))})', rows)
            else:
                self.conn.execute(insert(_table(_MODELS[name])), [dict(zip(columns, r, strict=True)) for r in rows])

    @contextlib.contextmanager
    def _fast_load(self) -> Iterator[None]:
        """SQLite: indexes and search triggers off during the load, rebuilt at its end (same transaction)."""
        if not self.sqlite:
            yield
            return
        driver: Any = self.conn.connection.driver_connection
        if not driver.in_transaction:  # DDL must not run outside the transaction: it would survive a rollback
            self.conn.exec_driver_sql("BEGIN")
        cache = int(self.conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
        self.conn.exec_driver_sql(f"PRAGMA cache_size={-CACHE_KIB}")
        try:
            names = ", ".join(f"'{t}'" for t in _UNINDEXED_DURING_LOAD)
            indexes = list(self.conn.exec_driver_sql(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({names}) ORDER BY name"))
            triggers = [name for (name,) in self.conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name") if name in _SEARCH_TRIGGERS]
            for name, _ in indexes:
                self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
            for name in triggers:
                self.conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            yield
            if self.progress:
                self.progress("indexes", 0, 1)
            for _, sql in indexes:
                self.conn.exec_driver_sql(sql)
            if triggers:
                self._rebuild_search(triggers)
            if self.progress:
                self.progress("indexes", 1, 1)
        finally:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={cache}")

    def _rebuild_search(self, triggers: list[str]) -> None:
        for sql in _search_statements():
            if "('rebuild')" in sql or any(sql.startswith(f"CREATE TRIGGER {name} ") for name in triggers):
                self.conn.exec_driver_sql(sql)

    def _advance_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's sequences behind; move them past the rows written."""
        for name in self.base:
            self.conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT coalesce(max(id), 1) FROM {name}))")

    def _apply_call_effects(self) -> None:
        """What log_call does to the invoice: a promise pauses it, a dispute marks it."""
        t = _table(Invoice)
        if self.paused:
            self.conn.execute(update(t).where(t.c.id == bindparam("b_id")).values(
                paused_until=bindparam("b_until"), pause_reason=bindparam("b_reason")), self.paused)
        if self.disputed:
            self.conn.execute(update(t).where(t.c.id == bindparam("b_id")).values(disputed=True), self.disputed)

    # --- rows ---------------------------------------------------------------------------------

    def task_done(self, op: TaskDoneOp) -> None:
        """No row: TaskOp.done_at already holds it."""

    def contractor(self, op: ContractorOp) -> None:
        cid = self.base["contractor"] + op.key
        self.rows["contractor"].append((
            cid, op.name, op.tax_id, compact_tax_id(op.tax_id), op.registration_no, op.country, op.address,
            op.postal_code, op.city, op.email, op.phone, op.language, op.channel, op.terms,
            self.v.money(op.credit_limit), self.segment_ids[op.segment], self.user_ids[op.collector], op.notes,
            self.v.moments[op.at],
        ))
        for person in op.contacts:
            self.rows["contact_person"].append((
                self.base["contact_person"] + person.key, cid, person.name, person.role, person.email, person.phone))

    def document(self, op: DocOp) -> None:
        v = self.v
        doc_id = self.base["invoice"] + op.key
        created = self.doc_stamps[op.issue]
        corrects = self.base["invoice"] + op.corrects_key if op.corrects_key is not None else None
        self.rows["invoice"].append((
            doc_id, op.kind, op.number, op.number_key, op.variable_symbol, self.base["contractor"] + op.contractor_key,
            v.dates[op.issue], v.dates[op.due], v.money(op.net), v.money(op.vat), v.money(op.gross), v.money(op.paid),
            op.currency, corrects, op.corrects_number, v.false, v.false, "manual", created,
        ))
        if op.offset:
            self.rows["allocation"].append((None, doc_id, corrects, v.money(op.offset), created))

    def payment(self, op: PaymentOp) -> None:
        v = self.v
        pid = self.base["payment"] + op.key
        created = self.payment_stamps[op.date]
        allocated = Decimal(0)
        allocation_rows = self.rows["allocation"]
        invoice_base = self.base["invoice"]
        for key, amount in op.allocations:
            allocated += amount
            allocation_rows.append((pid, None, invoice_base + key, v.money(amount), created))
        self.rows["payment"].append((
            pid, self.base["contractor"] + op.contractor_key if op.contractor_key else None, v.dates[op.date],
            v.money(op.amount), op.currency, v.money(allocated), op.payer_name, op.payer_account, op.title,
            op.reference, op.source, op.bank_txn_id, created,
        ))

    def call(self, op: CallOp) -> None:
        v = self.v
        call_id = self.base["call"] + op.key
        invoice_id = self.base["invoice"] + op.invoice_key
        contractor_id = self.base["contractor"] + op.contractor_key
        self.rows["call"].append((
            call_id, invoice_id, contractor_id,
            self.base["contact_person"] + op.contact_key if op.contact_key else None, self.user_ids[op.user],
            v.moments[op.at], op.duration_s, op.outcome, v.dates[op.promise_date], v.money(op.promise_amount),
            op.currency if op.promise_amount is not None else None, v.false, op.notes,
        ))
        summary = f"Call ({op.outcome}, {op.duration_s // 60}:{op.duration_s % 60:02d})"
        if op.promise_date is not None:
            self.paused.append({"b_id": invoice_id, "b_until": op.promise_date,
                                "b_reason": activity.PROMISE_PAUSE.format(id=call_id)})
            summary += f": promised to pay by {op.promise_date}; reminders paused until then"
        if op.outcome == "disputed":
            self.disputed.append({"b_id": invoice_id})
            summary += ": invoice marked disputed"
        self._event(op.at, op.user, "call.logged", "call", call_id, invoice_id, contractor_id,
                    f"{summary} — {op.notes}" if op.notes else summary)

    def note(self, op: NoteOp) -> None:
        note_id = self.base["note"] + op.key
        invoice_id = self.base["invoice"] + op.invoice_key if op.invoice_key is not None else None
        contractor_id = self.base["contractor"] + op.contractor_key
        self.rows["note"].append((note_id, invoice_id, contractor_id, op.text, self.user_ids[op.author],
                                  self.v.moments[op.at]))
        where = f" on {op.invoice_number}" if op.invoice_number else ""
        self._event(op.at, op.author, "note.added", "note", note_id, invoice_id, contractor_id,
                    f"Note{where}: {op.text}")

    def task(self, op: TaskOp) -> None:
        task_id = self.base["task"] + op.key
        invoice_id = self.base["invoice"] + op.invoice_key if op.invoice_key is not None else None
        contractor_id = self.base["contractor"] + op.contractor_key
        self.rows["task"].append((
            task_id, invoice_id, contractor_id, op.text, self.v.moments[activity.local_to_utc(op.due_local)],
            self.user_ids[op.assignee], self.v.moments[op.done_at], "manual", self.v.moments[op.at],
        ))
        where = f" on {op.invoice_number}" if op.invoice_number else ""
        self._event(op.at, op.assignee, "task.added", "task", task_id, invoice_id, contractor_id,
                    f"Task{where} for {op.assignee}, due {op.due_local:%Y-%m-%d %H:%M}: {op.text}")

    def _event(self, moment: dt.datetime, user: str, action: str, entity: str, entity_id: int,
               invoice_id: int | None, contractor_id: int, summary: str) -> None:
        self.rows["event"].append((self.v.moments[moment], user, action, entity, entity_id, invoice_id, contractor_id,
                                   summary))


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The plan allocates millions of small objects and frees them by reference counting; the cyclic collector
    would rescan everything alive at each threshold for nothing (measured: a third of the planning time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table
