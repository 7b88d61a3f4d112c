"""The same ledger code on PostgreSQL: migrations, planning (full, incremental, concurrent) and sending.

Runs when COLLECTOR_TEST_PG_URL names an empty database the tests may fill, e.g.
postgresql+psycopg://postgres@/collector_test?host=/tmp/pg&port=55432 (needs the `postgres` extra).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import MetaData, func, select, text

from collector_app.db.engine import Ledger, open_ledger
from collector_app.db.models import Outbox
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.services.demo import DemoSpec, build_demo
from collector_app.services.reminders import plan_rows

URL = os.environ.get("COLLECTOR_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not URL, reason="COLLECTOR_TEST_PG_URL is not set")
TODAY = dt.date(2026, 3, 16)


@pytest.fixture
def pg() -> Iterator[Ledger]:
    assert URL is not None
    ledger = open_ledger(URL)
    try:
        yield ledger
    finally:
        ledger.close()
        _drop_everything(URL)


def _drop_everything(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def plan_on(ledger: Ledger, day: dt.date, *, full: bool = False) -> tuple[int, int, bool]:
    with ledger.transaction() as s:
        r = plan_rows(Ctx(s, FixedClock(day), "tester"), full=full)
    return r.planned, r.skipped, r.incremental


def test_planning_on_postgresql_is_idempotent_and_incremental(pg: Ledger) -> None:
    build_demo(pg, FixedClock(TODAY), DemoSpec(contractors=30, invoices=400, seed=7), user="tester")
    first = plan_on(pg, TODAY)
    assert first[0] > 0 and first[2] is False
    assert plan_on(pg, TODAY) == (0, 0, True)
    later = plan_on(pg, TODAY + dt.timedelta(days=4))
    assert later[2] is True
    with pg.transaction() as s:
        keys = Counter(s.execute(select(Outbox.invoice_id, Outbox.step_id, Outbox.occurrence)).all())
    assert max(keys.values()) == 1
    assert plan_on(pg, TODAY + dt.timedelta(days=4), full=True)[:2] == (0, 0)  # the full plan agrees


def test_two_planners_at_once_add_nothing_twice_on_postgresql(pg: Ledger) -> None:
    build_demo(pg, FixedClock(TODAY), DemoSpec(contractors=20, invoices=200, seed=3), user="tester")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            plan_on(pg, TODAY)
        except BaseException as exc:  # reported below, on the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with pg.transaction() as s:
        total = s.scalar(select(func.count(Outbox.id)))
        distinct = s.scalar(select(func.count()).select_from(
            select(Outbox.invoice_id, Outbox.step_id, Outbox.occurrence).distinct().subquery()))
    assert total == distinct and total
