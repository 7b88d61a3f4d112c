"""`collector`: the command-line front over the same services as the desktop window."""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from collector_app import cli_render as render
from collector_app.config import default_ledger_path
from collector_app.db.engine import Ledger, open_ledger, sqlite_path
from collector_app.db.migrate import current_revision
from collector_app.db.queries import SORT_FIELDS, LetterCounts, RegisterQuery, invoice_page, letter_counts
from collector_app.domain.clock import Clock, FixedClock, SystemClock
from collector_app.domain.dates import parse_date, parse_datetime
from collector_app.domain.errors import UserError
from collector_app.domain.money import check_currency, parse_amount
from collector_app.domain.status import Filter
from collector_app.services import activity, backup, contractors, firm, invoices, payments
from collector_app.services.context import Ctx, default_user

log = logging.getLogger("collector")


class ArgParser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line on stderr with exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


class HeldOutput:
    """A command's output waits while a transaction of its ledger is open and is written when the last
    one ends: committed first, printed after, so a reader that went away (`| head -3`) or a full disk
    can no longer roll back the work the output reports. The text itself is unchanged."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.held: list[str] = []
        self.open: set[int] = set()  # the ledger's outermost transactions now open (ids)
        event.listen(sessions, "after_transaction_create", self._created)
        event.listen(sessions, "after_transaction_end", self._ended)

    def _created(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            self.open.add(id(transaction))

    def _ended(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            self.open.discard(id(transaction))
            if not self.open:
                self.flush()

    def write(self, text: str) -> None:
        self.held.append(text)
        if not self.open:
            self.flush()

    def flush(self) -> None:
        text, self.held = "".join(self.held), []
        if text:
            write_stdout(text)


def write_stdout(text: str) -> None:
    """Written and flushed; when the reader has gone away the rest of the output goes nowhere, as the
    Python docs advise (the command's work is done and committed, so it still ends normally)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        try:
            fd = sys.stdout.fileno()
        except (OSError, ValueError):  # not a file descriptor (output captured in-process): nothing to quiet
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


@dataclass
class Run:
    """What a command handler gets: parsed arguments, the open ledger, the clock and output mode."""

    args: argparse.Namespace
    ledger: Ledger
    clock: Clock
    json: bool
    user: str

    def __post_init__(self) -> None:
        self.output = HeldOutput(self.ledger.sessions)

    def ctx(self, session: Session) -> Ctx:
        return Ctx(session, self.clock, self.user)

    @contextmanager
    def transaction(self) -> Iterator[Ctx]:
        """One transaction as a service context (as the window's AppContext.transaction gives one)."""
        with self.ledger.transaction() as session:
            yield self.ctx(session)

    def emit(self, data: Any, columns: Sequence[str] | None = None) -> None:
        """JSON or a table on stdout, once the ledger's open transactions have ended (see HeldOutput)."""
        text = io.StringIO()
        render.emit(data, self.json, columns, text)
        self.output.write(text.getvalue())

    def write(self, text: str) -> None:
        """Plain text on stdout, held like emit()'s."""
        self.output.write(text)

    def check_paging(self) -> None:
        """--limit and --offset of a listing command: neither may be negative."""
        if self.args.limit is not None and self.args.limit < 0:
            raise UserError("limit", "must not be negative")
        if self.args.offset < 0:
            raise UserError("offset", "must not be negative")


Handler = Callable[[Run], None]
LETTER_CHUNK = 500  # invoice ids per reminders/demands count query of a listing


def _amount(run: Run, text: str, currency: str | None, field: str, session: Session) -> Decimal:
    cur = check_currency(currency) if currency else _firm_currency(run, session)
    return parse_amount(text, cur, field)


def _firm_currency(run: Run, session: Session) -> str:
    f = firm.get_firm(run.ctx(session))
    return f.currency if f else "PLN"


# --- handlers ----------------------------------------------------------------------------

def cmd_init(run: Run) -> None:
    run.emit({"db": run.ledger.url, "revision": current_revision(run.ledger.engine)})


def cmd_demo(run: Run) -> None:
    from collector_app.services.demo import DemoSpec, build_demo

    a = run.args
    spec = DemoSpec(contractors=a.contractors, invoices=a.invoices, seed=a.seed)
    summary = build_demo(run.ledger, run.clock, spec, user=run.user, progress=_stderr_progress(run))
    run.emit(render.generic(summary.as_dict()))


def _stderr_progress(run: Run) -> Callable[[str, int, int], None] | None:
    if run.json or not sys.stderr.isatty():
        return None

    def report(stage: str, done: int, total: int) -> None:
        sys.stderr.write(f"\r{stage}: {done:,}/{total:,}   ")
        if done >= total:
            sys.stderr.write("\n")

    return report


def _contractor_data(a: argparse.Namespace) -> contractors.ContractorData:
    return contractors.ContractorData(
        name=a.name, tax_id=a.tax_id, country=a.country, email=a.email, phone=a.phone,
        language=a.language, segment=a.segment, address=a.address, postal_code=a.postal_code,
        city=a.city, preferred_channel=a.channel, payment_terms_days=a.payment_terms,
        collector=a.collector,
    )


def cmd_contractor_add(run: Run) -> None:
    with run.ledger.transaction() as s:
        c = contractors.add_contractor(run.ctx(s), _contractor_data(run.args))
        run.emit(render.contractor_obj(c))


def cmd_contractor_edit(run: Run) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        c = contractors.find_contractor(ctx, run.args.id)
        contractors.update_contractor(ctx, c.id, _contractor_data(run.args))
        run.emit(render.contractor_obj(c))


def cmd_contractor_list(run: Run) -> None:
    run.check_paging()
    with run.ledger.transaction() as s:
        rows = contractors.list_contractors(run.ctx(s), run.args.search, run.args.limit, run.args.offset)
        run.emit([render.contractor_obj(c) for c in rows],
                 ["id", "name", "tax_id", "country", "email", "phone", "segment"])


def cmd_contact_add(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        c = contractors.find_contractor(ctx, a.contractor)
        p = contractors.add_contact(ctx, c.id, a.name, a.role, a.email, a.phone)
        run.emit(render.generic({"id": p.id, "contractor_id": c.id, "name": p.name, "role": p.role,
                                 "email": p.email, "phone": p.phone}))


def cmd_invoice_add(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        c = contractors.find_contractor(ctx, a.contractor)
        currency = check_currency(a.currency) if a.currency else _firm_currency(run, s)
        data = invoices.InvoiceData(
            contractor_id=c.id, number=a.number, issue_date=parse_date(a.issued, "issued"),
            due_date=parse_date(a.due, "due") if a.due else None,
            gross=parse_amount(a.gross, currency, "gross"), currency=currency,
            variable_symbol=a.variable_symbol, credit_note_for=a.credit_note_for,
        )
        inv = invoices.add_invoice(ctx, data)
        s.refresh(inv)
        run.emit(render.invoice_obj(inv, run.clock.today()))


def cmd_invoice_show(run: Run) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        inv = invoices.find_invoice(ctx, run.args.number)
        obj = render.invoice_obj(inv, run.clock.today())
        obj |= render.letter_fields(letter_counts(s.connection(), [inv.id]).get(inv.id, LetterCounts(0, 0)))
        obj["timeline"] = [render.event_obj(e) for e in activity.timeline(ctx, invoice_id=inv.id)]
        run.emit(obj)


def cmd_invoices(run: Run) -> None:
    a = run.args
    try:
        flt = Filter(a.filter)
    except ValueError as exc:
        raise UserError("filter", f'"{a.filter}" is not a filter') from exc
    rq = RegisterQuery(
        filter=flt, contractor_id=None, search=a.search, sort=a.sort, descending=a.desc,
        issued_from=parse_date(a.issued_from, "issued-from") if a.issued_from else None,
        issued_to=parse_date(a.issued_to, "issued-to") if a.issued_to else None,
        due_from=parse_date(a.due_from, "due-from") if a.due_from else None,
        due_to=parse_date(a.due_to, "due-to") if a.due_to else None,
    )
    run.check_paging()
    with run.ledger.transaction() as s:
        if a.contractor:
            rq = replace(rq, contractor_id=contractors.find_contractor(run.ctx(s), a.contractor).id)
        rows = invoice_page(s, rq, run.clock.today(), limit=a.limit, offset=a.offset)
        letters: dict[int, LetterCounts] = {}
        for start in range(0, len(rows), LETTER_CHUNK):
            letters |= letter_counts(s.connection(), [r.id for r in rows[start:start + LETTER_CHUNK]])
        run.emit([render.invoice_row(r, letters.get(r.id, LetterCounts(0, 0))) for r in rows],
                 ["number", "contractor", "issue_date", "due_date", "gross", "balance", "currency",
                  "status", "days_overdue"])


def cmd_payment_add(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        c = contractors.find_contractor(ctx, a.contractor) if a.contractor else None
        currency = check_currency(a.currency) if a.currency else _firm_currency(run, s)
        data = payments.PaymentData(
            date=parse_date(a.date, "date"), amount=parse_amount(a.amount, currency, "amount"),
            currency=currency, contractor_id=c.id if c else None, invoice_numbers=tuple(a.invoice or ()),
            title=a.title, payer_name=a.payer, payer_account=a.payer_account,
        )
        run.emit(render.payment_result(payments.add_payment(ctx, data)))


def cmd_payment_reverse(run: Run) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        payments.reverse_payment(ctx, run.args.id, run.args.reason)
        rows = [p for p in payments.list_payments(ctx) if p.id == run.args.id]
        run.emit(render.payment_row(rows[0]))


def cmd_payments(run: Run) -> None:
    a = run.args
    run.check_paging()
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        cid = contractors.find_contractor(ctx, a.contractor).id if a.contractor else None
        rows = payments.list_payments(ctx, unallocated_only=a.unallocated, contractor_id=cid,
                                      limit=a.limit, offset=a.offset)
        run.emit([render.payment_row(p) for p in rows],
                 ["id", "date", "amount", "currency", "contractor", "title", "allocated", "unallocated"])


def cmd_allocate(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        pay = payments.get_payment(ctx, a.payment)
        amount = parse_amount(a.amount, pay.currency, "amount") if a.amount else None
        run.emit(render.payment_result(payments.allocate(ctx, a.payment, a.invoice, amount)))


def cmd_note_add(run: Run) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        inv = invoices.find_invoice(ctx, run.args.invoice)
        run.emit(render.note_obj(activity.add_note(ctx, inv, run.args.text), inv.number))


def cmd_task_add(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        inv = invoices.find_invoice(ctx, a.invoice)
        task = activity.add_task(ctx, inv, parse_datetime(a.due, "due"), a.text, a.assignee)
        rows = activity.open_tasks(ctx, invoice_id=inv.id, include_done=True)
        run.emit(render.task_row(next(r for r in rows if r.id == task.id)))


def cmd_task_done(run: Run) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        activity.complete_task(ctx, run.args.id, not run.args.reopen)
        rows = activity.open_tasks(ctx, include_done=True)
        run.emit(render.task_row(next(r for r in rows if r.id == run.args.id)))


def cmd_tasks(run: Run) -> None:
    a = run.args
    activity.follow_up_in_batches(run.transaction)
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        due_by = parse_date(a.due_by, "due-by") if a.due_by else None
        rows = activity.open_tasks(ctx, due_by=due_by, assignee=a.assignee)
        run.emit([render.task_row(t) for t in rows], ["id", "due_at", "assignee", "invoice", "text"])


def cmd_call_log(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        inv = invoices.find_invoice(ctx, a.invoice)
        data = activity.CallData(
            outcome=a.outcome, duration_s=_int(a.duration, "duration"), notes=a.notes,
            promise_date=parse_date(a.promise_date, "promise-date") if a.promise_date else None,
            promise_amount=parse_amount(a.promise_amount, inv.currency, "promise-amount")
            if a.promise_amount else None,
            contact_person_id=a.contact,
        )
        call = activity.log_call(ctx, inv, data)
        run.emit(render.generic({
            "id": call.id, "invoice": inv.number, "outcome": call.outcome, "duration_s": call.duration_s,
            "promise_date": call.promise_date, "promise_amount": call.promise_amount,
            "paused_until": inv.paused_until, "started_at": call.started_at,
        }))


def _int(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise UserError(field, f'"{text}" is not a whole number') from exc


def cmd_timeline(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        if a.invoice:
            events = activity.timeline(ctx, invoice_id=invoices.find_invoice(ctx, a.invoice).id)
        elif a.contractor:
            events = activity.timeline(ctx, contractor_id=contractors.find_contractor(ctx, a.contractor).id)
        else:
            raise UserError("invoice", "give --invoice NO or --contractor ID")
        run.emit([render.event_obj(e) for e in events], ["at", "user", "summary"])


def cmd_firm_set(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        f = firm.set_firm(run.ctx(s), firm.FirmChanges(
            name=a.name, tax_id=a.tax_id, country=a.country, currency=a.currency, iban=a.iban,
            address=a.address, postal_code=a.postal_code, city=a.city, contact_person=a.contact_person,
            email=a.email, phone=a.phone, payment_terms_days=a.payment_terms,
        ))
        run.emit(_firm_obj(f))


def _firm_obj(f: Any) -> render.JsonObj:
    return render.generic({k: getattr(f, k) for k in (
        "name", "tax_id", "country", "currency", "iban", "address", "postal_code", "city",
        "contact_person", "email", "phone", "payment_terms_days")})


def cmd_firm_show(run: Run) -> None:
    with run.ledger.transaction() as s:
        f = firm.get_firm(run.ctx(s))
        if f is None:
            raise UserError("firm", "not set yet: use `collector firm set --name ...`")
        run.emit(_firm_obj(f))


def run_gui_command(args: argparse.Namespace, clock: Clock) -> int:
    """The window picks its own ledger (recent, default or first-start dialog), so none is opened here."""
    from collector_app.ui.app import GuiOptions, run_gui

    return run_gui(GuiOptions(
        db=args.db, clock=clock, user=args.user or default_user(), view=args.view, filter=args.filter,
        screenshot=Path(args.screenshot) if args.screenshot else None,
    ))


def cmd_backup(run: Run) -> None:
    target = backup.backup(run.ledger, Path(run.args.file))
    run.emit({"backup": str(target)})


def cmd_restore(run: Run) -> None:
    safety = backup.restore(run.ledger, Path(run.args.file))
    run.emit({"restored": str(Path(run.args.file).absolute()), "previous_ledger_saved_as": str(safety)})


# --- parser ------------------------------------------------------------------------------

def _contractor_options(p: argparse.ArgumentParser, *, required_name: bool) -> None:
    p.add_argument("--name", required=required_name)
    p.add_argument("--tax-id")
    p.add_argument("--country")
    p.add_argument("--email")
    p.add_argument("--phone")
    p.add_argument("--segment")
    p.add_argument("--language", help="pl, cs or en")
    p.add_argument("--address")
    p.add_argument("--postal-code")
    p.add_argument("--city")
    p.add_argument("--channel", help="preferred channel: email, sms, letter or phone")
    p.add_argument("--payment-terms", type=int, help="days")
    p.add_argument("--collector", help="login of the assigned collector")


def build_parser() -> ArgParser:
    parser = ArgParser(prog="collector", description="Collector: chase unpaid invoices.")
    parser.add_argument("--db", help="ledger file or database URL (default: the user data folder)")
    parser.add_argument("--today", help="act as if today were YYYY-MM-DD")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--user", help="who acts (default: COLLECTOR_USER or the system login)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ArgParser)

    def add(name: str, handler: Handler, help_: str, into: Any = sub) -> ArgParser:
        p: ArgParser = into.add_parser(name, help=help_)
        p.set_defaults(handler=handler)
        return p

    add("init", cmd_init, "create or migrate the ledger")
    p = add("demo", cmd_demo, "fill a new ledger with realistic demo data")
    p.add_argument("--contractors", type=int, default=None)
    p.add_argument("--invoices", type=int, default=400)
    p.add_argument("--seed", type=int, default=1)

    csub = add("contractor", _need_sub, "contractors").add_subparsers(dest="subcommand", required=True,
                                                                      parser_class=ArgParser)
    p = add("add", cmd_contractor_add, "add a contractor", csub)
    _contractor_options(p, required_name=True)
    p = add("edit", cmd_contractor_edit, "change a contractor", csub)
    p.add_argument("id", help="contractor id or tax id")
    _contractor_options(p, required_name=False)
    p = add("list", cmd_contractor_list, "list contractors", csub)
    p.add_argument("--search")
    p.add_argument("--limit", type=int)
    p.add_argument("--offset", type=int, default=0)

    p = add("contact", _need_sub, "contact persons")
    ksub = p.add_subparsers(dest="subcommand", required=True, parser_class=ArgParser)
    p = add("add", cmd_contact_add, "add a contact person to a contractor", ksub)
    p.add_argument("--contractor", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role")
    p.add_argument("--email")
    p.add_argument("--phone")

    isub = add("invoice", _need_sub, "invoices").add_subparsers(
        dest="subcommand", required=True, parser_class=ArgParser)
    p = add("add", cmd_invoice_add, "add an invoice or a credit note", isub)
    p.add_argument("--contractor", required=True, help="contractor id or tax id")
    p.add_argument("--number", required=True)
    p.add_argument("--issued", required=True)
    p.add_argument("--due")
    p.add_argument("--gross", required=True)
    p.add_argument("--currency")
    p.add_argument("--variable-symbol")
    p.add_argument("--credit-note-for", metavar="NO")
    p = add("show", cmd_invoice_show, "one invoice with its timeline", isub)
    p.add_argument("number")

    from collector_app import cli_holds  # invoice pause/resume/dispute/payment-plan/hand-over, contractor pause

    cli_holds.register(add, isub, csub)

    p = add("invoices", cmd_invoices, "the invoice register")
    p.add_argument("--filter", default="all", choices=[f.value for f in Filter])
    p.add_argument("--contractor")
    p.add_argument("--search")
    p.add_argument("--sort", default="due_date", choices=SORT_FIELDS)
    p.add_argument("--desc", action="store_true")
    p.add_argument("--limit", type=int)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--issued-from")
    p.add_argument("--issued-to")
    p.add_argument("--due-from")
    p.add_argument("--due-to")

    psub = add("payment", _need_sub, "payments").add_subparsers(
        dest="subcommand", required=True, parser_class=ArgParser)
    p = add("add", cmd_payment_add, "record a payment and allocate it", psub)
    p.add_argument("--amount", required=True)
    p.add_argument("--date", required=True)
    p.add_argument("--currency")
    p.add_argument("--contractor")
    p.add_argument("--invoice", nargs="+", action="extend", metavar="NO")
    p.add_argument("--title")
    p.add_argument("--payer")
    p.add_argument("--payer-account")
    p = add("reverse", cmd_payment_reverse, "reverse a payment (its allocations are undone)", psub)
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--reason")

    p = add("payments", cmd_payments, "the payments register")
    p.add_argument("--unallocated", action="store_true")
    p.add_argument("--contractor")
    p.add_argument("--limit", type=int)
    p.add_argument("--offset", type=int, default=0)

    p = add("allocate", cmd_allocate, "allocate a payment's free money to an invoice")
    p.add_argument("--payment", type=int, required=True)
    p.add_argument("--invoice", required=True)
    p.add_argument("--amount")

    nsub = add("note", _need_sub, "notes").add_subparsers(dest="subcommand", required=True, parser_class=ArgParser)
    p = add("add", cmd_note_add, "add a note to an invoice", nsub)
    p.add_argument("--invoice", required=True)
    p.add_argument("--text", required=True)

    tsub = add("task", _need_sub, "tasks").add_subparsers(dest="subcommand", required=True, parser_class=ArgParser)
    p = add("add", cmd_task_add, "add a follow-up task", tsub)
    p.add_argument("--invoice", required=True)
    p.add_argument("--due", required=True, help="YYYY-MM-DD[THH:MM], local time")
    p.add_argument("--text", required=True)
    p.add_argument("--assignee")
    p = add("done", cmd_task_done, "mark a task done", tsub)
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--reopen", action="store_true")

    p = add("tasks", cmd_tasks, "open tasks")
    p.add_argument("--due-by")
    p.add_argument("--assignee")

    lsub = add("call", _need_sub, "calls").add_subparsers(dest="subcommand", required=True, parser_class=ArgParser)
    p = add("log", cmd_call_log, "log a phone call", lsub)
    p.add_argument("--invoice", required=True)
    p.add_argument("--outcome", required=True,
                   choices=["reached", "no-answer", "promised", "disputed", "plan-requested"])
    p.add_argument("--duration", required=True, help="seconds")
    p.add_argument("--promise-date")
    p.add_argument("--promise-amount")
    p.add_argument("--notes")
    p.add_argument("--contact", type=int, help="contact person id")

    p = add("timeline", cmd_timeline, "what happened to an invoice or a contractor")
    p.add_argument("--invoice")
    p.add_argument("--contractor")

    fsub = add("firm", _need_sub, "the firm's own data").add_subparsers(dest="subcommand", required=True,
                                                                         parser_class=ArgParser)
    p = add("set", cmd_firm_set, "set the firm's data", fsub)
    for opt in ("--name", "--tax-id", "--country", "--currency", "--iban", "--address", "--postal-code",
                "--city", "--contact-person", "--email", "--phone"):
        p.add_argument(opt)
    p.add_argument("--payment-terms", type=int, help="default payment terms in days")
    add("show", cmd_firm_show, "show the firm's data", fsub)

    p = add("gui", _need_sub, "open the desktop window")
    # also accepted after `gui` (collector gui --db PATH --today D …); absent, the global ones stand
    p.add_argument("--db", default=argparse.SUPPRESS, help="ledger file or database URL")
    p.add_argument("--today", default=argparse.SUPPRESS, help="act as if today were YYYY-MM-DD")
    p.add_argument("--view", help="page to show: invoices, contractors, payments, tasks, calls, outbox, reminders, "
                   "policies, demands, rates, imports, invoice:NO")
    p.add_argument("--filter", choices=[f.value for f in Filter])
    p.add_argument("--screenshot", metavar="OUT.png", help="render the window at 1280x800, save it and exit")

    p = add("backup", cmd_backup, "copy the ledger into a file (safe while in use)")
    p.add_argument("file")
    p = add("restore", cmd_restore, "replace the ledger with a backup (the current one is kept aside)")
    p.add_argument("file")

    from collector_app import cli_outbox  # outbox list/send/resend/mark-sent/cancel, service run

    cli_outbox.register(add, ArgParser)

    from collector_app import cli_settings  # settings smtp/sms/hours/outbox/show, secrets, test-email

    cli_settings.register(add, ArgParser)

    from collector_app import cli_reminders  # reminders plan, policy list/show/export/import/assign

    cli_reminders.register(add, ArgParser)

    from collector_app import cli_templates  # template list/show/set/revert

    cli_templates.register(add, ArgParser)

    from collector_app import cli_statements  # review, account add (import statement hangs under `import`)

    cli_statements.register(add, ArgParser)

    from collector_app import cli_imports  # import invoices/statement/batches/undo

    cli_imports.register(add, ArgParser)

    from collector_app import cli_interest  # interest, rates list/add/delete

    cli_interest.register(add, ArgParser)

    from collector_app import cli_demands  # demand make/batch/candidates/reprint/email, demands

    cli_demands.register(add, ArgParser)
    return parser


def _need_sub(run: Run) -> None:  # pragma: no cover - argparse requires the subcommand
    raise UserError(None, "a subcommand is required")


def _open(args: argparse.Namespace) -> Ledger:
    target = args.db or str(default_ledger_path())
    return open_ledger(target)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        clock: Clock = FixedClock(parse_date(args.today, "today")) if args.today else SystemClock()
        if args.command == "gui":
            return run_gui_command(args, clock)
        ledger = _open(args)
    except UserError as exc:
        sys.stderr.write(f"collector: error: {exc}\n")
        return 2
    run = Run(args, ledger, clock, args.json, args.user or default_user())
    try:
        args.handler(run)
    except UserError as exc:
        sys.stderr.write(f"collector: error: {exc}\n")
        return 2
    finally:
        run.output.flush()  # anything still held (a session left open) is not lost
        ledger.close()
    return 0


def ledger_file(ledger: Ledger) -> Path | None:
    return sqlite_path(ledger.url)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
