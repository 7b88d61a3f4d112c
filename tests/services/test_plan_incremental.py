"""Incremental planning adds exactly what a full plan would: day after day, whatever happened between."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.ledger import contractor, invoice, pay
from sqlalchemy import select, text

from collector_app.db.engine import Ledger, open_ledger
from collector_app.db.models import Contractor, Invoice, Outbox, PolicyStep
from collector_app.domain.clock import FixedClock
from collector_app.services import policies
from collector_app.services.activity import CallData, log_call
from collector_app.services.context import Ctx
from collector_app.services.reminders import plan_rows

START = dt.date(2026, 1, 5)
Row = tuple[str, str, int, str, str, str | None]


def outbox_rows(ledger: Ledger, after: int) -> list[Row]:
    with ledger.transaction() as s:
        query = (select(Invoice.number, PolicyStep.name, Outbox.occurrence, Outbox.state, Outbox.planned_for,
                        Outbox.last_error)
                 .join(Invoice, Invoice.id == Outbox.invoice_id).join(PolicyStep, PolicyStep.id == Outbox.step_id)
                 .where(Outbox.id > after))
        return sorted((n, st, o, state, str(day), err) for n, st, o, state, day, err in s.execute(query))


def copy_of(ledger_path: Path, target: Path) -> Path:
    src, dst = sqlite3.connect(ledger_path), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def plan_both(ledger: Ledger, path: Path, tmp: Path, today: dt.date, n: int) -> tuple[bool, int]:
    """Plan a copy from scratch (full) and the ledger itself (incremental); the rows added must agree."""
    full_path = copy_of(path, tmp / f"full-{n}.db")
    full_ledger = open_ledger(full_path)
    clock = FixedClock(today, dt.time(9, 0))
    try:
        with full_ledger.transaction() as s:
            full = plan_rows(Ctx(s, clock, "tester"), full=True)
        expected = outbox_rows(full_ledger, full.after)
    finally:
        full_ledger.close()
    with ledger.transaction() as s:
        inc = plan_rows(Ctx(s, clock, "tester"))
    got = outbox_rows(ledger, inc.after)
    assert got == expected, f"day {today}: incremental {len(got)} rows, full {len(expected)}"
    return inc.incremental, len(got)


def happen(ctx: Ctx, rng: random.Random, today: dt.date, clients: list[Contractor], serial: list[int]) -> None:
    """A day in the office: new invoices (some already overdue), payments, promises, disputes, pauses,
    policy assignments."""
    for _ in range(rng.randrange(0, 4)):
        serial[0] += 1
        issued = today - dt.timedelta(days=rng.randrange(0, 40))
        c = rng.choice(clients)
        invoice(ctx, c, f"FV/{serial[0]}/2026", f"{rng.randrange(100, 5000)}.00",
                issued + dt.timedelta(days=rng.choice((7, 14, 30))), issued=issued)
    open_ones = list(ctx.session.scalars(select(Invoice).where(Invoice.gross > Invoice.paid).order_by(Invoice.id)))
    for inv in rng.sample(open_ones, min(len(open_ones), rng.randrange(0, 3))):
        what = rng.random()
        if what < 0.35:
            share = inv.gross if rng.random() < 0.6 else (inv.gross / 2).quantize(Decimal("0.01"))
            pay(ctx, str(share), today, inv.number)
        elif what < 0.6:
            log_call(ctx, inv, CallData("promised", 60, promise_date=today + dt.timedelta(days=rng.randrange(1, 6)),
                                        promise_amount=inv.gross - inv.paid))
        elif what < 0.7:
            log_call(ctx, inv, CallData("disputed", 90))
        elif what < 0.85:
            c = ctx.session.get(Contractor, inv.contractor_id)
            assert c is not None
            policies.assign_to_contractor(ctx, str(c.id), rng.choice(("Gentle", "Firm", None)))
        else:
            c = ctx.session.get(Contractor, inv.contractor_id)
            assert c is not None
            c.paused_until = today + dt.timedelta(days=rng.randrange(0, 4))  # ends on its own: no event then
    ctx.session.flush()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_runs_add_what_a_full_plan_would(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / "ledger.db"
    ledger = open_ledger(path)
    try:
        with ledger.transaction() as s:
            ctx = Ctx(s, FixedClock(START), "tester")
            clients = [contractor(ctx, f"Klient {i}", email=f"k{i}@firma.example",
                                  phone="+48 601 234 567" if i % 3 else None) for i in range(6)]
            client_ids = [c.id for c in clients]
        serial = [0]
        today, incremental_runs, rows = START, 0, 0
        for n in range(24):
            with ledger.transaction() as s:
                ctx = Ctx(s, FixedClock(today), "tester")
                happen(ctx, rng, today, [c for c in (s.get(Contractor, i) for i in client_ids) if c], serial)
            was_incremental, added = plan_both(ledger, path, tmp_path, today, n)
            incremental_runs += was_incremental
            rows += added
            today += dt.timedelta(days=rng.choice((0, 1, 1, 1, 2, 3, 9)))
        assert incremental_runs == 23  # all but the first run
        assert rows > 50
    finally:
        ledger.close()


def test_a_policy_edit_makes_the_next_run_look_at_every_invoice(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger = open_ledger(path)
    try:
        with ledger.transaction() as s:
            ctx = Ctx(s, FixedClock(START), "tester")
            c = contractor(ctx, "Klient", email="k@firma.example")
            invoice(ctx, c, "FV/1/2026", "100.00", START - dt.timedelta(days=20), issued=START - dt.timedelta(days=34))
        assert plan_both(ledger, path, tmp_path, START, 0)[0] is False
        assert plan_both(ledger, path, tmp_path, START, 1) == (True, 0)
        with ledger.transaction() as s:  # the final notice moves to today
            s.execute(text("UPDATE policy_step SET offset_days = offset_days - 1 WHERE name = 'Final notice'"))
        assert plan_both(ledger, path, tmp_path, START, 2) == (False, 1)
    finally:
        ledger.close()
