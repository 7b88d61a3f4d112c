"""The crash scenario shared by the crash test and the benchmark: kill -9 a sender mid-batch, restart, audit."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.services.outbox import dispatch
from helpers.ledger import contractor, invoice
from helpers.outbox_support import Recorder, queue, states

TODAY = dt.date(2026, 3, 16)
COLLECTOR = str(Path(sys.executable).with_name("collector"))


@dataclass
class Trial:
    rows: list[int]
    in_flight: set[int]  # rows in `sending` in the database right after the kill
    final: dict[int, str]  # states after a new sender ran
    received: dict[int, int]  # how many times the server got each row's message

    @property
    def uncertain(self) -> set[int]:
        return {i for i, s in self.final.items() if s == "uncertain"}

    @property
    def lost(self) -> set[int]:
        return {i for i, s in self.final.items() if s not in ("sent", "uncertain")}

    @property
    def duplicated(self) -> set[int]:
        return {i for i, n in self.received.items() if n > 1}

    @property
    def sent_not_received(self) -> set[int]:
        return {i for i, s in self.final.items() if s == "sent" and self.received.get(i, 0) != 1}

    @property
    def uncertain_received(self) -> int:
        return sum(1 for i in self.uncertain if self.received.get(i, 0))

    def problems(self) -> list[str]:
        out = []
        if self.lost:
            out.append(f"lost {sorted(self.lost)}")
        if self.duplicated:
            out.append(f"sent twice {sorted(self.duplicated)}")
        if self.uncertain != self.in_flight:
            out.append(f"uncertain {sorted(self.uncertain)} != in flight at the kill {sorted(self.in_flight)}")
        if self.sent_not_received:
            out.append(f"marked sent but received {[self.received.get(i, 0) for i in self.sent_not_received]}")
        return out


class CrashScenario:
    """One ledger and one slow aiosmtpd; each trial queues `batch` rows, each to its own address."""

    def __init__(self, ledger: Ledger, db: Path, recorder: Recorder, *, batch: int = 4, delay: float = 0.04,
                 seed: int = 7) -> None:
        self.ledger = ledger
        self.db = db
        self.recorder = recorder
        self.batch = batch
        self.delay = delay
        self.rng = random.Random(seed)
        self.clock = FixedClock(TODAY, dt.time(10, 0))
        self.address: dict[int, str] = {}
        self.count = 0

    def _queue_batch(self) -> list[int]:
        ids = []
        with self.ledger.transaction() as s:
            ctx = Ctx(s, self.clock, "tester")
            for _ in range(self.batch):
                self.count += 1
                email = f"debtor{self.count}@example.com"
                c = contractor(ctx, f"Debtor {self.count}", email=email, language="en")
                row = queue(ctx, invoice(ctx, c, f"C/{self.count}", "100.00", TODAY - dt.timedelta(days=2)))
                self.address[row.id] = email
                ids.append(row.id)
        return ids

    def trial(self) -> Trial:
        rows = self._queue_batch()
        self.recorder.delay = self.delay
        self.recorder.mail_seen.clear()
        env = {**os.environ, "COLLECTOR_USER": "tester"}
        proc = subprocess.Popen([COLLECTOR, "--db", str(self.db), "--today", TODAY.isoformat(), "outbox", "send"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 30
        while not self.recorder.mail_seen.wait(0.01) and proc.poll() is None and time.monotonic() < deadline:
            pass
        time.sleep(self.rng.uniform(0, self.batch * self.delay * 1.2))
        proc.kill()
        proc.wait()
        in_flight = {i for i, s in states(self.ledger, rows).items() if s == "sending"}
        self.recorder.delay = 0
        report = dispatch(self.ledger, self.clock, user="tester")  # a new sender, started right after the kill
        assert not report.busy, "a killed sender must not block the next one"
        time.sleep(0.02)  # the server may still be finishing the killed connection's DATA
        counts = self.recorder.by_recipient()
        received = {i: counts.get(self.address[i], 0) for i in rows}
        return Trial(rows, in_flight, states(self.ledger, rows), received)
