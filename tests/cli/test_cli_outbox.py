"""`collector outbox list|send|resend|mark-sent|cancel` and `collector service run` against a local aiosmtpd."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from helpers.cli_support import Cli
from helpers.crash import COLLECTOR
from helpers.ledger import contractor, invoice
from helpers.outbox_support import Recorder, configure, queue, states

from collector_app.db.engine import Ledger, open_ledger
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.services.sender_lock import SenderLock

TODAY = dt.date(2026, 3, 16)
FIELDS = {"id", "invoice", "contractor", "step", "occurrence", "channel", "recipient", "subject", "state",
          "attempts", "last_error", "planned_for", "sent_at"}


def prepare(db: Path, port: int, rows: int = 2) -> list[int]:
    ledger = open_ledger(db)
    try:
        with ledger.transaction() as s:
            ctx = Ctx(s, FixedClock(TODAY, dt.time(10)), "tester")
            configure(ctx, port)
            ids = []
            for n in range(1, rows + 1):
                c = contractor(ctx, f"Debtor {n}", email=f"debtor{n}@example.com", phone="600 700 800",
                               language="en")
                ids.append(queue(ctx, invoice(ctx, c, f"FV/{n}/2026", "100.00", TODAY - dt.timedelta(days=2))).id)
            return ids
    finally:
        ledger.close()


def test_list_prints_the_contract_fields_with_bare_recipients(cli: Cli, server: tuple[Recorder, int]) -> None:
    ids = prepare(cli.db, server[1])
    rows = cli.ok("outbox", "list")
    assert [r["id"] for r in rows] == ids
    assert set(rows[0]) >= FIELDS
    first = rows[0]
    assert (first["invoice"], first["contractor"], first["step"], first["occurrence"]) == (
        "FV/1/2026", "Debtor 1", "First reminder", 1)
    assert (first["channel"], first["recipient"], first["state"], first["attempts"]) == (
        "email", "debtor1@example.com", "planned", 0)
    assert first["planned_for"] == "2026-03-16" and first["sent_at"] is None
    assert len(cli.ok("outbox", "list", "--limit", "1")) == 1
    assert cli.ok("outbox", "list", "--state", "sent") == []
    assert "planned" in cli.ok("outbox", "list", as_json=False)


def test_send_then_list_sent_and_nothing_goes_twice(cli: Cli, server: tuple[Recorder, int]) -> None:
    recorder, port = server
    ids = prepare(cli.db, port, rows=3)
    report = cli.ok("outbox", "send", "--limit", "2")
    assert report["messages"] == 2 and report["sent"] == ids[:2]
    assert cli.ok("outbox", "send")["sent"] == ids[2:]
    assert cli.ok("outbox", "send")["messages"] == 0
    assert len(recorder.received) == 3
    sent = cli.ok("outbox", "list", "--state", "sent")
    assert len(sent) == 3 and all(re.match(r"^\d{4}-\d{2}-\d{2}T", r["sent_at"]) for r in sent)
    text = cli.ok("outbox", "send", as_json=False)
    assert text.startswith("0 message(s) sent")


def test_resend_mark_sent_and_cancel(cli: Cli, server: tuple[Recorder, int]) -> None:
    recorder, port = server
    a, b, c = prepare(cli.db, port, rows=3)
    ledger = open_ledger(cli.db)
    try:
        with ledger.transaction() as s:
            from collector_app.db.models import Outbox

            for row_id in (a, b):
                row = s.get(Outbox, row_id)
                assert row is not None
                row.state = "sending"
    finally:
        ledger.close()
    report = cli.ok("outbox", "send")
    assert report["uncertain"] == [a, b] and report["sent"] == [c]
    assert cli.ok("outbox", "resend", "--id", str(a))["state"] == "planned"
    marked = cli.ok("outbox", "mark-sent", "--id", str(b))
    assert marked["state"] == "sent" and marked["sent_at"]
    assert cli.ok("outbox", "send")["sent"] == [a]
    cli.fails("outbox", "cancel", "--id", str(a), field="id", expect="sent")
    cli.fails("outbox", "resend", "--id", "999", field="id", expect="no outbox row")
    assert [m.recipients[0] for m in recorder.received] == ["debtor3@example.com", "debtor1@example.com"]


def test_cancel_a_planned_row(cli: Cli, server: tuple[Recorder, int]) -> None:
    (row_id,) = prepare(cli.db, server[1], rows=1)
    assert cli.ok("outbox", "cancel", "--id", str(row_id))["state"] == "cancelled"
    assert cli.ok("outbox", "send")["messages"] == 0 and not server[0].received
    [row] = cli.ok("outbox", "list")
    assert row["note"] is None and row["last_error"]  # JSON: the note is about waiting rows only
    table = cli.ok("outbox", "list", as_json=False)  # the table's note column says why it stopped
    assert row["last_error"][:30] in table


def test_a_second_sender_exits_cleanly_with_a_message(cli: Cli, server: tuple[Recorder, int]) -> None:
    prepare(cli.db, server[1], rows=1)
    ledger = open_ledger(cli.db)
    lock = SenderLock(ledger)
    assert lock.acquire()
    try:
        r = cli.run("outbox", "send")
        assert r.rc == 0 and r.data["busy"] is True and r.data["messages"] == 0
        assert "another sender is already sending" in r.err
    finally:
        lock.release()
        ledger.close()
    assert cli.ok("outbox", "send")["messages"] == 1


def test_bad_state_and_limit_are_refused(cli: Cli, server: tuple[Recorder, int]) -> None:
    prepare(cli.db, server[1], rows=1)
    cli.fails("outbox", "list", "--limit", "-1", field="limit")
    r = cli.run("outbox", "list", "--state", "bogus")
    assert r.rc == 2 and "state" in r.err


def _wait(predicate: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)


def test_service_run_sends_then_finishes_the_current_message_on_sigterm(
        tmp_path: Path, server: tuple[Recorder, int]) -> None:
    recorder, port = server
    db = tmp_path / "ledger.db"
    ids = prepare(db, port, rows=3)
    recorder.delay = 1.0  # the first message is still in DATA when SIGTERM arrives
    proc = subprocess.Popen([COLLECTOR, "--db", str(db), "--today", TODAY.isoformat(), "service", "run",
                             "--interval", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLLECTOR_USER": "tester"})
    try:
        _wait(lambda: bool(recorder.received))
        assert recorder.received, "the service sent nothing"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped on request" in out
    ledger: Ledger = open_ledger(db)
    try:
        got = states(ledger, ids)
    finally:
        ledger.close()
    assert got[ids[0]] == "sent", "the message in hand was finished, not abandoned"
    assert "sending" not in got.values() and "uncertain" not in got.values()
    assert list(got.values()).count("sent") == len(recorder.received)
    assert len(recorder.received) == 1 and got[ids[1]] == got[ids[2]] == "planned", "none started after SIGTERM"


def test_send_reports_refused_messages_as_failed_or_retrying_not_as_sent(
        cli: Cli, server: tuple[Recorder, int]) -> None:
    recorder, port = server
    ids = prepare(cli.db, port, rows=3)
    recorder.replies += ["550 5.1.1 User unknown", "451 4.3.0 Mailbox busy, try later"]
    lines = cli.ok("outbox", "send", "--limit", "2", as_json=False).splitlines()
    assert lines[:3] == ["0 message(s) sent covering 0 row(s); 2 not accepted by the server",
                         f"1 row(s) failed: {ids[0]}", f"1 row(s) will be retried: {ids[1]}"]
    recorder.replies += ["554 5.7.1 Rejected"]
    report = cli.ok("outbox", "send")
    assert (report["messages"], report["tried"], report["sent"], report["failed"]) == (0, 1, [], [ids[2]])
    assert not recorder.received
