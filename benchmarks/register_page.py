"""The register's first page at 100,000 and 1,000,000 invoices: the service query against raw sqlite3, same run.

Builds (or with --reuse, reuses) two demo ledgers over 20,000 contractors each, with `collector demo`, and
times the first page (50 rows) of (a) the overdue filter sorted by days overdue, oldest first, and (b) a
search by part of a contractor's name, through collector_app.db.queries.invoice_page and through hand-written
SQL on a plain sqlite3 connection returning the same columns in the same order. Prints medians of 20 runs after
a warm-up, the ratio service/raw and the growth from 100k to 1M. Prints; never asserts on wall-clock time.

    .venv/bin/python benchmarks/register_page.py [--dir DIR] [--reuse] [--runs 20]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event

from collector_app.cli import main as collector
from collector_app.db.engine import open_ledger
from collector_app.db.queries import RegisterQuery, invoice_page, paged_register
from collector_app.domain.status import Filter

TODAY = dt.date(2026, 3, 16)
SIZES = (100_000, 1_000_000)
CONTRACTORS = 20_000  # for both sizes: the same clients, ten times the history per client
PAGE = 50
LEGAL_FORMS = {"sp.", "z", "o.o.", "s.a.", "j.", "k.", "s.r.o.", "a.s.", "v.o.s.", "i", "a", "&"}

COLUMNS = ("i.id, i.number, i.kind, c.name, i.contractor_id, i.issue_date, i.due_date, i.gross, i.paid, "
           "i.currency, i.disputed, i.paused_until")
RAW_OVERDUE = f"""
    SELECT {COLUMNS} FROM invoice i JOIN contractor c ON c.id = i.contractor_id
    WHERE i.gross > i.paid AND i.due_date < :today
    ORDER BY i.due_date, i.id LIMIT {PAGE}"""
# Two hand-written ways to the same search page; the faster one, measured in the same run, is the baseline.
RAW_SEARCH_BY_MATCHES = f"""
    SELECT {COLUMNS} FROM invoice i JOIN contractor c ON c.id = i.contractor_id
    WHERE i.id IN (SELECT rowid FROM invoice_search WHERE invoice_search MATCH :q)
       OR i.contractor_id IN (SELECT rowid FROM contractor_search WHERE contractor_search MATCH :q)
    ORDER BY i.due_date, i.id LIMIT {PAGE}"""
RAW_SEARCH_BY_WALK = f"""
    SELECT {COLUMNS} FROM invoice i INDEXED BY ix_invoice_due_date JOIN contractor c ON c.id = i.contractor_id
    WHERE i.id + 0 IN (SELECT rowid FROM invoice_search WHERE invoice_search MATCH :q)
       OR i.contractor_id + 0 IN (SELECT rowid FROM contractor_search WHERE contractor_search MATCH :q)
    ORDER BY i.due_date, i.id LIMIT {PAGE}"""


@dataclass
class Timing:
    service_ms: float
    raw_ms: float
    sql_ms: float  # the SQL invoice_page sends, run on the raw connection: the rest of service_ms is Python
    page_ms: float = 0.0  # the query layer's page as the GUI reads it: rows typed only when shown
    detail: str = ""

    @property
    def ratio(self) -> float:
        return self.service_ms / self.raw_ms

    @property
    def page_ratio(self) -> float:
        return self.page_ms / self.raw_ms


def median_ms(fn: Callable[[], object], runs: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def build(path: Path, invoices: int, reuse: bool) -> float | None:
    """Seconds `collector demo` took, or None when an existing ledger was reused."""
    if reuse and path.exists():
        return None
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    args = ["--db", str(path), "--today", TODAY.isoformat(), "--json", "demo", "--invoices", str(invoices),
            "--contractors", str(CONTRACTORS)]
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = collector(args)
    if code != 0:
        sys.exit(f"collector demo failed with exit code {code}")
    return time.perf_counter() - start


def name_fragment(path: Path) -> str:
    """A word of a real client's name (the client with the most invoices), as a person would type it."""
    con = sqlite3.connect(path)
    try:
        (name,) = con.execute(
            "SELECT c.name FROM contractor c JOIN invoice i ON i.contractor_id = c.id "
            "GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1").fetchone()
    finally:
        con.close()
    words = [w for w in re.split(r"\s+", name) if w.lower() not in LEGAL_FORMS and len(w) >= 3]
    return max(words, key=len) if words else name[:5]


def same_page(service: Sequence[Any], raw: Sequence[tuple[Any, ...]]) -> bool:
    return [(r.id, r.number, r.contractor, r.due_date.isoformat()) for r in service] == [
        (r[0], r[1], r[3], r[6]) for r in raw]


def measure(path: Path, fragment: str, runs: int) -> dict[str, Timing]:
    out: dict[str, Timing] = {}
    params = {"today": TODAY.isoformat(), "q": '"' + fragment.replace('"', '""') + '"'}
    raw = sqlite3.connect(path)
    try:
        overdue = RegisterQuery(filter=Filter.OVERDUE, sort="days_overdue", descending=True)
        raw_ms = median_ms(lambda: raw.execute(RAW_OVERDUE, params).fetchall(), runs)
        out["overdue, oldest first"] = time_service(path, overdue, raw, runs, raw_ms, RAW_OVERDUE, params)
        raws = {label: median_ms(lambda sql=sql: raw.execute(sql, params).fetchall(), runs)  # type: ignore[misc]
                for label, sql in (("matches", RAW_SEARCH_BY_MATCHES), ("walk", RAW_SEARCH_BY_WALK))}
        (matches,) = raw.execute("SELECT count(*) FROM invoice WHERE contractor_id IN "
                                 "(SELECT rowid FROM contractor_search WHERE contractor_search MATCH :q)",
                                 params).fetchone()
        timing = time_service(path, RegisterQuery(search=fragment), raw, runs, min(raws.values()),
                              RAW_SEARCH_BY_WALK, params)
        assert same_page_raw(raw, RAW_SEARCH_BY_MATCHES, RAW_SEARCH_BY_WALK, params), "raw search pages differ"
        timing.detail = (f"{matches:,} matching invoices; raw by matches {raws['matches']:.2f} ms, "
                         f"by index walk {raws['walk']:.2f} ms")
        out[f'search "{fragment}"'] = timing
        for typed in (fragment[:3], "FV/"):  # the first letters typed select a large part of the ledger
            typed_params = {"q": '"' + typed.replace('"', '""') + '"'}
            raw_ms = min(median_ms(lambda sql=sql, p=typed_params: raw.execute(sql, p).fetchall(), runs)  # type: ignore[misc]
                         for sql in (RAW_SEARCH_BY_MATCHES, RAW_SEARCH_BY_WALK))
            out[f'search "{typed}" (typing)'] = time_service(path, RegisterQuery(search=typed), raw, runs, raw_ms,
                                                             RAW_SEARCH_BY_WALK, typed_params)
    finally:
        raw.close()
    return out


def same_page_raw(raw: sqlite3.Connection, a: str, b: str, params: Any) -> bool:
    return raw.execute(a, params).fetchall() == raw.execute(b, params).fetchall()


def time_service(path: Path, rq: RegisterQuery, raw: sqlite3.Connection, runs: int, raw_ms: float,
                 raw_sql: str, params: Any) -> Timing:
    """invoice_page's median, after checking it returns the raw query's page; and its own SQL, run raw."""
    ledger = open_ledger(path)
    try:
        with ledger.transaction() as session:
            rows = invoice_page(session, rq, TODAY, limit=PAGE)
            assert same_page(rows, raw.execute(raw_sql, params).fetchall()), f"pages differ for {rq}"
            service_ms = median_ms(lambda: invoice_page(session, rq, TODAY, limit=PAGE), runs)
            connection = session.connection()
            page_ms = median_ms(lambda: paged_register(session, rq, TODAY).page(connection, PAGE, 0), runs)
    finally:
        ledger.close()
    sql, sql_params = service_sql(path, rq)
    return Timing(service_ms, raw_ms, median_ms(lambda: raw.execute(sql, sql_params).fetchall(), runs), page_ms)


def service_sql(path: Path, rq: RegisterQuery) -> tuple[str, Any]:
    """The SQL (and parameters) invoice_page runs for a page, caught on its way to the driver."""
    ledger = open_ledger(path)
    caught: list[tuple[str, Any]] = []

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "ORDER BY" in statement:
            caught.append((statement, parameters))

    event.listen(ledger.engine, "before_cursor_execute", catch)
    try:
        with ledger.transaction() as session:
            invoice_page(session, rq, TODAY, limit=PAGE)
    finally:
        ledger.close()
    return caught[-1]


def vm_steps(con: sqlite3.Connection, sql: str, params: Any) -> int:
    """SQLite virtual-machine instructions a query runs, in thousands: the work it does, whatever the clock."""
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    con.set_progress_handler(tick, 1000)
    try:
        con.execute(sql, params).fetchall()
    finally:
        con.set_progress_handler(None, 0)
    return steps[0]


def check_search_plan(path: Path, fragment: str) -> None:
    sql, params = service_sql(path, RegisterQuery(search=fragment))
    con = sqlite3.connect(path)
    try:
        plan = [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql, params)]
        page = vm_steps(con, sql, params)
        full = vm_steps(con, "SELECT max(number) FROM invoice NOT INDEXED", ())
    finally:
        con.close()
    print("\nplan of the search page at 1M (service SQL):\n  " + "\n  ".join(plan))
    table_scans = [step for step in plan if re.fullmatch(r"SCAN invoice", step)]
    print(f"work: {page:,}k VM instructions for the page; one pass over the invoice table: {full:,}k")
    print("=> the search page scans the whole invoice table" if table_scans or page * 10 > full else
          "=> no full scan: the page is read through indexes and stops at its last row")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, help="where the ledgers are kept (default: a new temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="reuse ledgers already in --dir")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="collector-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"ledgers in {folder} ({CONTRACTORS:,} contractors each, today {TODAY})")
    results: dict[int, dict[str, Timing]] = {}
    for size in SIZES:
        path = folder / f"demo-{size}.db"
        took = build(path, size, args.reuse)
        print(f"collector demo --invoices {size:,} --contractors {CONTRACTORS:,}: "
              + ("reused" if took is None else f"{took:.1f} s"))
    fragment = name_fragment(folder / f"demo-{SIZES[0]}.db")
    for size in SIZES:
        path = folder / f"demo-{size}.db"
        results[size] = measure(path, fragment, args.runs)
        print(f"\n{size:>9,} invoices          typed page ms  GUI page ms  raw ms  typed/raw  GUI/raw"
              "  service SQL run raw, ms")
        for label, t in results[size].items():
            print(f"  {label:28} {t.service_ms:11.2f} {t.page_ms:12.2f} {t.raw_ms:7.2f} {t.ratio:8.2f}x"
                  f" {t.page_ratio:7.2f}x {t.sql_ms:12.2f}" + (f"   ({t.detail})" if t.detail else ""))
    print("typed page: invoice_page, 50 rows converted to InvoiceRow (Decimal, date) as the CLI prints them;"
          "\nGUI page: the same query layer's page as the register model fetches it (rows typed when painted)")
    small, big = (results[s] for s in SIZES)
    print(f"\ngrowth {SIZES[0]:,} -> {SIZES[1]:,} invoices (1.00x = flat)")
    for label in small:
        print(f"  {label:28} service {big[label].service_ms / small[label].service_ms:5.2f}x   "
              f"raw {big[label].raw_ms / small[label].raw_ms:5.2f}x")
    check_search_plan(folder / f"demo-{SIZES[1]}.db", fragment)


if __name__ == "__main__":
    main()
