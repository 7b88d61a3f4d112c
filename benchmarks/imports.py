"""Import throughput: a generated 100,000-row invoice CSV against an empty (or demo) ledger vs a raw load.

Prints rows/s, peak memory (max RSS of a child process that does only the import, at a tenth of the
rows and at all of them: flat memory means the two stay close) and the ratio against a raw
`csv` + `executemany` load of the same rows into the same table, measured in the same run. It never asserts.
Goals (issue 6): ≤ 10 s, memory flat in file size, ≤ 3× raw.

    .venv/bin/python benchmarks/imports.py --dir benchmarks/out [--rows 100000] [--ledger demo-1000000.db]

One function per part (`invoice_part`, …); `--part` picks them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector_app.db.engine import open_ledger  # noqa: E402
from collector_app.domain.clock import FixedClock  # noqa: E402
from collector_app.services.context import Ctx  # noqa: E402
from collector_app.services.import_invoices import InvoiceImport, import_invoices  # noqa: E402

TODAY = dt.date(2026, 3, 16)
CONTRACTORS = 2000


def write_invoice_csv(path: Path, rows: int, seed: int = 6) -> None:
    """A bookkeeping export: semicolons, decimal comma, dd.mm.yyyy dates, a few line-item repeats."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(["Numer", "Kontrahent", "NIP", "Data wystawienia", "Termin", "Brutto", "Waluta"])
        for i in range(rows):
            c = rnd.randrange(CONTRACTORS)
            issued = TODAY - dt.timedelta(days=rnd.randrange(400))
            due = issued + dt.timedelta(days=rnd.choice((7, 14, 30)))
            gross = f"{rnd.randrange(100, 5_000_000) / 100:.2f}".replace(".", ",")
            out.writerow([f"FV/{i + 1}/2026", f"Kontrahent {c:04d} sp. z o.o.", f"{1000000000 + c}",
                          f"{issued:%d.%m.%Y}", f"{due:%d.%m.%Y}", gross, "PLN"])


def raw_load(csv_path: Path, db: Path) -> float:
    """The floor: csv.reader + executemany of the same rows into the invoice table, no checks."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA foreign_keys=ON")
    start = time.perf_counter()
    names: dict[str, int] = {}
    next_c = (con.execute("SELECT max(id) FROM contractor").fetchone()[0] or 0) + 1
    batch: list[tuple[object, ...]] = []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ")
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        next(reader)
        for number, name, _nip, issued, due, gross, currency in reader:
            cid = names.get(name)
            if cid is None:
                cid = names[name] = next_c
                next_c += 1
                con.execute("INSERT INTO contractor (id, name, country, language, preferred_channel, created_at) "
                            "VALUES (?, ?, 'PL', 'pl', 'email', ?)", (cid, name, now))
            d1 = dt.datetime.strptime(issued, "%d.%m.%Y").date().isoformat()  # noqa: DTZ007
            d2 = dt.datetime.strptime(due, "%d.%m.%Y").date().isoformat()  # noqa: DTZ007
            batch.append(("invoice", number, number, cid, d1, d2, float(gross.replace(",", ".")), 0, currency,
                          "csv", now))
        con.executemany(
            "INSERT INTO invoice (kind, number, number_key, contractor_id, issue_date, due_date, gross, paid, "
            "currency, source, created_at, disputed, handed_over, under_plan) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)", batch)
    con.commit()
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def child_import(csv_path: Path, db: Path) -> None:
    """Runs in a child process: the import alone, so its max RSS is the import's peak memory."""
    ledger = open_ledger(db)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    session = ledger.sessions()
    result = import_invoices(Ctx(session, FixedClock(TODAY), "bench"), InvoiceImport(csv_path))
    session.commit()
    seconds = time.perf_counter() - start
    session.close()
    ledger.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "created": result.summary.created, "rss_kib": peak,
                      "rss_growth_kib": peak - base_rss}))


def _fresh_ledger(workdir: Path, name: str, template: Path | None) -> Path:
    db = workdir / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if template is not None:
        shutil.copyfile(template, db)
    open_ledger(db).close()
    return db


def _run_child(csv_path: Path, db: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child-import", str(csv_path), str(db)],
                         check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def invoice_part(workdir: Path, rows: int, template: Path | None) -> None:
    small, big = workdir / f"invoices-{rows // 10}.csv", workdir / f"invoices-{rows}.csv"
    write_invoice_csv(small, rows // 10)
    write_invoice_csv(big, rows)
    against = template.name if template else "an empty ledger"
    raw = raw_load(big, _fresh_ledger(workdir, "raw.db", template))
    tenth = _run_child(small, _fresh_ledger(workdir, "import-small.db", template))
    full = _run_child(big, _fresh_ledger(workdir, "import.db", template))
    print(f"invoice CSV, {rows} rows against {against}:")
    print(f"  import      {full['seconds']:.2f} s  ({rows / full['seconds']:,.0f} rows/s), "
          f"created {full['created']:.0f}")
    print(f"  raw load    {raw:.2f} s  ({rows / raw:,.0f} rows/s)   ratio {full['seconds'] / raw:.2f}× (goal ≤ 3×)")
    print(f"  memory      max RSS {full['rss_kib'] / 1024:.0f} MiB at {rows} rows, "
          f"{tenth['rss_kib'] / 1024:.0f} MiB at {rows // 10} rows "
          f"(growth during the import {full['rss_growth_kib'] / 1024:.0f} vs {tenth['rss_growth_kib'] / 1024:.0f} MiB)")


def statement_part(workdir: Path) -> None:
    """camt.053 with 10,000 entries against a 1M-invoice ledger (benchmarks/imports_statement.py)."""
    from imports_statement import statement_part as run

    run(workdir)


PARTS: dict[str, Callable[[argparse.Namespace, Path, Path | None], None]] = {
    "invoices": lambda a, w, t: invoice_part(w, a.rows, t),
    "statement": lambda a, w, t: statement_part(w),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=str(ROOT / "benchmarks" / "out"))
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--ledger", help="a ledger to import into (copied first), e.g. one made by collector demo")
    parser.add_argument("--part", choices=sorted(PARTS), action="append")
    parser.add_argument("--child-import", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child_import:
        child_import(Path(a.child_import[0]), Path(a.child_import[1]))
        return
    workdir = Path(a.dir)
    workdir.mkdir(parents=True, exist_ok=True)
    template = Path(a.ledger) if a.ledger else None
    for name in a.part or sorted(PARTS):
        PARTS[name](a, workdir, template)


if __name__ == "__main__":
    main()
