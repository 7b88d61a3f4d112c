"""Cold start to the first painted register page (1M invoices vs empty) and filter switch vs raw SQL.

Prints numbers and ratios against baselines measured in the same run; it never asserts.
Goals (issue 3): start ≤ 1.5 s and ≤ 1.3× the empty-ledger start; a filter switch ≤ 2× the raw
sqlite3 page query.

    .venv/bin/python benchmarks/gui_start.py --dir benchmarks/out [--invoices 1000000] [--runs 5]

The 1M ledger is built once with the demo generator (`collector demo`) and kept in --dir.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-03-16"
PAGE = 200
SCREEN_ROWS = 30  # rows of a 1280×800 window's register
RAW_COLUMNS = (
    "invoice.id, invoice.number, invoice.kind, contractor.name, invoice.contractor_id, invoice.issue_date, "
    "invoice.due_date, invoice.gross, invoice.paid, invoice.currency, invoice.disputed, invoice.paused_until"
)
RAW_WHERE = {
    "all": "",
    "unsettled": "WHERE invoice.gross > invoice.paid",
    "unsettled-current": "WHERE invoice.gross > invoice.paid AND invoice.due_date >= :today",
    "overdue": "WHERE invoice.gross > invoice.paid AND invoice.due_date < :today",
    "settled": "WHERE invoice.gross = invoice.paid",
    "overpaid": "WHERE invoice.gross < invoice.paid",
}


def child_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen" if not env.get("DISPLAY") else env.get("QT_QPA_PLATFORM", ""))
    env["XDG_CONFIG_HOME"] = str(workdir / "config")  # the child remembers the ledger: not in the real settings
    env["XDG_DATA_HOME"] = str(workdir / "data")
    env["COLLECTOR_USER"] = "bench"
    return env


# --- ledgers ------------------------------------------------------------------------------------

def ensure_ledgers(workdir: Path, invoices: int) -> tuple[Path, Path]:
    workdir.mkdir(parents=True, exist_ok=True)
    empty = workdir / "empty.db"
    if not empty.exists():
        run_cli(workdir, empty, "init")
    big = workdir / f"demo-{invoices}.db"
    if not big.exists():
        partial = workdir / f"demo-{invoices}.db.part"
        for leftover in workdir.glob(partial.name + "*"):
            leftover.unlink()
        print(f"building the {invoices:,}-invoice demo ledger in {big} (once; kept for later runs)…", flush=True)
        started = time.perf_counter()
        run_cli(workdir, partial, "demo", "--invoices", str(invoices), "--seed", "1")
        partial.replace(big)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return empty, big


def run_cli(workdir: Path, db: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "collector_app", "--db", str(db), "--today", TODAY, "--json", *args],
                   check=True, stdout=subprocess.DEVNULL, env=child_env(workdir), cwd=ROOT)


# --- cold start ------------------------------------------------------------------------------------

def child(db: str) -> None:
    """Started as a fresh process: the app's own start path, then print the moment of the first paint."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QTableView, QWidget

    from collector_app.domain.clock import FixedClock
    from collector_app.ui.app import GuiOptions, WindowHost, qt_app

    app = qt_app()
    options = GuiOptions(db=db, clock=FixedClock(dt.date.fromisoformat(TODAY)), user="bench")
    host = WindowHost(options)

    class FirstPaint(QObject):
        """Application-wide: the first paint of the register table's viewport (the rows themselves)."""

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget):
                table = watched.parent()
                if isinstance(table, QTableView) and table.objectName() == "table":
                    app.removeEventFilter(self)
                    QTimer.singleShot(0, report)  # after this paint has been done
            return False

    def report() -> None:
        window = host.window
        rows = window.invoices.model.rowCount() if window is not None else -1
        print(f"painted {time.time():.6f} rows {rows}", flush=True)
        os._exit(0)  # the measurement is over: skip the teardown

    watcher = FirstPaint()
    app.installEventFilter(watcher)
    host.start()
    app.exec()


def cold_start(workdir: Path, db: Path) -> float:
    """Seconds from just before the process is spawned to its first painted register page."""
    started = time.time()
    proc = subprocess.Popen([sys.executable, __file__, "--child", str(db)], stdout=subprocess.PIPE, text=True,
                            env=child_env(workdir), cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    proc.wait(timeout=60)
    if not line or line[0] != "painted":
        raise SystemExit(f"the child did not report a paint for {db}")
    return float(line[1]) - started


def screenshot_wall(workdir: Path, db: Path) -> float:
    """The whole `collector gui --screenshot` command: start, page, totals in the status bar, PNG, exit."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "collector_app", "--db", str(db), "--today", TODAY, "gui",
                    "--screenshot", str(workdir / f"{db.stem}.png")], check=True, env=child_env(workdir), cwd=ROOT)
    return time.perf_counter() - started


def measure_starts(workdir: Path, empty: Path, big: Path, runs: int) -> tuple[list[float], list[float]]:
    cold_start(workdir, empty)  # warm-up: the OS file cache, .pyc files
    cold_start(workdir, big)
    empties, bigs = [], []
    for _ in range(runs):  # interleaved, so a busy moment of the machine hits both sides
        empties.append(cold_start(workdir, empty))
        bigs.append(cold_start(workdir, big))
    return empties, bigs


# --- filter switch -------------------------------------------------------------------------------

def measure_filters(big: Path, repeat: int) -> list[tuple[str, float, float]]:
    from collector_app.db.engine import open_ledger
    from collector_app.db.queries import RegisterQuery
    from collector_app.domain.clock import FixedClock
    from collector_app.domain.status import Filter
    from collector_app.ui.app import qt_app
    from collector_app.ui.context import AppContext
    from collector_app.ui.models.invoice_table import InvoiceTableModel

    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    qt_app()
    ledger = open_ledger(big)
    model = InvoiceTableModel(AppContext(ledger, FixedClock(dt.date.fromisoformat(TODAY)), "bench"), page_size=PAGE)
    raw = sqlite3.connect(f"file:{big}?mode=ro", uri=True)
    results = []
    try:
        def raw_sql(flt: Filter) -> str:
            return (f"SELECT {RAW_COLUMNS} FROM invoice JOIN contractor ON contractor.id = invoice.contractor_id "
                    f"{RAW_WHERE[flt.value]} ORDER BY invoice.due_date ASC, invoice.id ASC LIMIT {PAGE} OFFSET 0")

        for flt in Filter:
            query = RegisterQuery(filter=flt)
            before = Filter.OVERDUE if flt is Filter.ALL else Filter.ALL  # a switch comes from another filter

            def raw_page(flt: Filter = flt, before: Filter = before) -> float:
                raw.execute(raw_sql(before), {"today": TODAY}).fetchall()
                started = time.perf_counter()
                raw.execute(raw_sql(flt), {"today": TODAY}).fetchall()
                return time.perf_counter() - started

            def switch(query: RegisterQuery = query, before: Filter = before) -> float:
                model.set_query(RegisterQuery(filter=before))
                started = time.perf_counter()  # only the switch itself is timed, as a click does it
                model.set_query(query)
                for row in range(min(SCREEN_ROWS, model.rowCount())):  # and the rows the first paint reads
                    model.row_at(row)
                return time.perf_counter() - started

            raw_t = min(raw_page() for _ in range(repeat))
            model_t = min(switch() for _ in range(repeat))
            results.append((flt.value, model_t, raw_t))
    finally:
        raw.close()
        ledger.close()
    return results


# --- report --------------------------------------------------------------------------------------

def ms(times: list[float]) -> str:
    return ", ".join(f"{t * 1000:.0f}" for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "benchmarks" / "out", help="where the ledgers are kept")
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--filters-only", action="store_true", help="measure only the filter switch")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    workdir = args.dir.resolve()
    empty, big = ensure_ledgers(workdir, args.invoices)
    if not args.filters_only:
        report_starts(workdir, empty, big, args)
    report_filters(big)


def report_starts(workdir: Path, empty: Path, big: Path, args: argparse.Namespace) -> None:
    empties, bigs = measure_starts(workdir, empty, big, args.runs)
    e, b = statistics.median(empties), statistics.median(bigs)
    print(f"\ncold start to the first painted register page (median of {args.runs}, platform "
          f"{child_env(workdir)['QT_QPA_PLATFORM'] or 'default'}):")
    print(f"  empty ledger           {e * 1000:7.0f} ms   (runs: {ms(empties)})")
    print(f"  {args.invoices:>9,} invoices     {b * 1000:7.0f} ms   (runs: {ms(bigs)})")
    print(f"  ratio big / empty      {b / e:7.2f}      goal ≤ 1.30;  big start goal ≤ 1500 ms")
    print("\nwhole `collector gui --screenshot` command (start, page, status-bar totals, PNG, exit):")
    print(f"  empty ledger           {screenshot_wall(workdir, empty) * 1000:7.0f} ms")
    print(f"  {args.invoices:>9,} invoices     {screenshot_wall(workdir, big) * 1000:7.0f} ms")


def report_filters(big: Path) -> None:
    print(f"\nfilter switch: model.set_query + the {SCREEN_ROWS} rows a paint reads, vs the raw sqlite3 query of "
          f"the {PAGE}-row page (best of 7):")
    print(f"  {'filter':<18} {'model':>9} {'raw SQL':>9} {'ratio':>7}")
    for name, model_t, raw_t in measure_filters(big, 7):
        print(f"  {name:<18} {model_t * 1000:7.2f}ms {raw_t * 1000:7.2f}ms {model_t / raw_t:7.2f}")
    print("  goal: ratio ≤ 2.00")


if __name__ == "__main__":
    main()
