"""kill -9 of `collector outbox send` at random moments against a slow SMTP server loses and doubles nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.crash import TODAY, CrashScenario
from helpers.outbox_support import configure, smtp_server

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.services.outbox import dispatch, resend

TRIALS = 30  # each restarts `collector` (~0.8 s): about 30 s in all
# The server counts messages per recipient: every row goes to its own address (the SMTP transport
# adds no per-row header), so "received twice" and "received while not marked sent" are exact.


@pytest.fixture
def scenario(ledger: Ledger, ledger_path: Path) -> Iterator[CrashScenario]:
    with smtp_server() as (recorder, port):
        with ledger.transaction() as s:
            configure(Ctx(s, FixedClock(TODAY), "tester"), port)
        yield CrashScenario(ledger, ledger_path, recorder, batch=4, delay=0.04)


def test_kill_9_at_random_moments_loses_nothing_and_sends_nothing_twice(scenario: CrashScenario) -> None:
    trials = [scenario.trial() for _ in range(TRIALS)]
    problems = [f"trial {n}: {p}" for n, t in enumerate(trials) for p in t.problems()]
    assert not problems, "\n".join(problems)
    assert sum(1 for t in trials if t.in_flight) >= TRIALS // 4, "a fair share of the kills must land mid-send"
    assert sum(len(t.rows) for t in trials) == TRIALS * scenario.batch
    # the user resends the uncertain rows: only those may now reach the server a second time
    uncertain = sorted(i for t in trials for i in t.uncertain)
    with scenario.ledger.transaction() as s:
        for row_id in uncertain:
            resend(Ctx(s, scenario.clock, "tester"), row_id)
    assert sorted(dispatch(scenario.ledger, scenario.clock).sent) == uncertain
    counts = scenario.recorder.by_recipient()
    twice = {i for i, a in scenario.address.items() if counts[a] > 1}
    assert twice <= set(uncertain)
    assert all(counts[a] >= 1 for a in scenario.address.values())


