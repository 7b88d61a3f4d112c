"""`collector outbox …` and `collector service run`: the outbox from a terminal, and headless sending."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from collector_app.db.models import OUTBOX_STATES, Outbox
from collector_app.domain.errors import UserError
from collector_app.services import outbox, settings
from collector_app.services.context import Ctx

if TYPE_CHECKING:
    from collector_app.cli import Run

log = logging.getLogger("collector")
LIST_COLUMNS = ["id", "planned_for", "state", "channel", "invoice", "contractor", "step", "recipient", "note"]
Adder = Callable[..., argparse.ArgumentParser]


def cmd_outbox_list(run: Run) -> None:
    a = run.args
    if a.limit is not None and a.limit < 0:
        raise UserError("limit", "must not be negative")
    with run.ledger.transaction() as s:
        rows = outbox.list_rows(run.ctx(s), state=a.state, limit=a.limit)
    if not run.json:  # the table has one note column: why a row waits, else why it failed, stopped or was skipped
        rows = [{**r, "note": r["note"] or r["last_error"]} for r in rows]
    run.emit(rows, LIST_COLUMNS)


def cmd_outbox_send(run: Run) -> None:
    if run.args.limit is not None and run.args.limit < 0:
        raise UserError("limit", "must not be negative")
    report = outbox.dispatch(run.ledger, run.clock, limit=run.args.limit, user=run.user)
    if report.busy:
        sys.stderr.write("collector: " + report.lines()[0] + "\n")
    _print_report(run, report)


def _print_report(run: Run, report: outbox.DispatchReport) -> None:
    if run.json:
        run.emit(report.as_dict())
    else:
        run.write("\n".join(report.lines()) + "\n")


def _decide(action: Callable[[Ctx, int], Outbox]) -> Callable[[Run], None]:
    def handler(run: Run) -> None:
        with run.ledger.transaction() as s:
            ctx = run.ctx(s)
            row = action(ctx, run.args.id)
            s.flush()
            rows = outbox.list_rows(ctx, outbox_id=row.id)
        run.emit(rows[0])

    return handler


class _StopFlag:
    """Set by SIGTERM/SIGINT; the sender finishes the message in hand, then the loop ends."""

    def __init__(self) -> None:
        self.stopped = False

    def __call__(self) -> bool:
        return self.stopped

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.stopped = True


def cmd_service_run(run: Run) -> None:
    """Plan + dispatch every interval until SIGTERM/SIGINT; the database is the only state."""
    from collector_app.services import reminders

    flag = _StopFlag()
    signal.signal(signal.SIGTERM, flag.handle)
    signal.signal(signal.SIGINT, flag.handle)
    interval = run.args.interval
    if interval is not None and interval <= 0:
        raise UserError("interval", "must be above zero seconds")
    seconds = interval or 300.0
    while not flag():
        try:
            with run.ledger.transaction() as s:
                ctx = run.ctx(s)
                reminders.plan_rows(ctx)
                seconds = interval or settings.get_outbox(ctx).interval_minutes * 60
            report = outbox.dispatch(run.ledger, run.clock, stop=flag, user=run.user)
        except (OSError, SQLAlchemyError):  # a network or database hiccup: try again next round
            log.exception("this round stopped; the next one starts over (a row in flight becomes uncertain)")
        else:
            _log(run, report)
        deadline = time.monotonic() + seconds
        while not flag() and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))


def _log(run: Run, report: outbox.DispatchReport) -> None:
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    if run.json:
        import json

        run.write(json.dumps({"at": stamp, **report.as_dict()}) + "\n")
    else:
        run.write("".join(f"{stamp} {line}\n" for line in report.lines()))


def register(add: Adder, parser_class: type[argparse.ArgumentParser]) -> None:
    """Adds `outbox` and `service` to the main parser (called from cli.build_parser)."""
    osub = add("outbox", _need_sub, "the queue of reminders to send").add_subparsers(
        dest="subcommand", required=True, parser_class=parser_class)
    p = add("list", cmd_outbox_list, "outbox rows (letters wait for the demand register)", osub)
    p.add_argument("--state", choices=OUTBOX_STATES)
    p.add_argument("--limit", type=int)
    p = add("send", cmd_outbox_send, "send what is due now (inside business hours)", osub)
    p.add_argument("--limit", type=int, help="at most N messages")
    for name, action, help_ in (
        ("resend", outbox.resend, "queue an uncertain, failed or cancelled row again"),
        ("mark-sent", outbox.mark_sent, "record an uncertain row as sent (you checked it arrived)"),
        ("cancel", outbox.cancel, "cancel a row that has not gone out"),
    ):
        p = add(name, _decide(action), help_, osub)
        p.add_argument("--id", type=int, required=True)
    ssub = add("service", _need_sub, "headless background sending").add_subparsers(
        dest="subcommand", required=True, parser_class=parser_class)
    p = add("run", cmd_service_run, "plan and send in a loop until stopped (SIGTERM: finish, then exit)", ssub)
    p.add_argument("--interval", type=float, help="seconds between runs (default: the outbox setting)")


def _need_sub(run: Run) -> None:  # pragma: no cover - argparse requires the subcommand
    raise UserError(None, "a subcommand is required")
