"""Statement import throughput: a generated camt.053 with 10,000 entries matched against a 1M-invoice ledger.

Prints entries/s, peak memory (max RSS of a child process doing only the import, at a tenth of the
entries and at all of them) and the ratio against a raw iterparse + `executemany` load of the same
entries into the payment table. It never asserts. Goals (issue 6): ≤ 10 s, memory flat, ≤ 3× raw.
The `phases` line splits the import: reading the file alone (timed apart, before the import, in the
same child) and the rest (matching and writing: the import's time less the reading).

    .venv/bin/python benchmarks/imports_statement.py --dir benchmarks/out [--entries 10000] [--invoices 1000000]

benchmarks/imports.py runs it as its `statement` part.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import iterparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector_app.db.engine import open_ledger  # noqa: E402
from collector_app.domain.clock import FixedClock  # noqa: E402
from collector_app.imports.camt053 import read_camt053  # noqa: E402
from collector_app.services.context import Ctx  # noqa: E402
from collector_app.services.import_statement import import_statement  # noqa: E402

TODAY = dt.date(2026, 3, 16)
CONTRACTORS = 20_000
NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def _gross(i: int) -> float:
    return round(100 + (i * 7919) % 4_990_000 / 100, 2)


def _paid(i: int) -> float:
    """Most invoices settled, some partly paid, the rest open (so ~40% are open, as in a real ledger)."""
    bucket = i % 20
    if bucket < 11:
        return _gross(i)
    if bucket == 11:
        return round(_gross(i) / 2, 2)
    return 0.0


def _iban(c: int) -> str:
    return f"PL{10 + c % 89:02d}1140200400003002{c:08d}"


def build_ledger(db: Path, invoices: int) -> None:
    """A migrated ledger filled by executemany: contractors, invoices (FV/i/2026), known payer accounts."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    open_ledger(db).close()
    con = sqlite3.connect(db)
    now = "2026-03-01 10:00:00.000000"
    con.executemany(
        "INSERT INTO contractor (id, name, country, language, preferred_channel, created_at) "
        "VALUES (?, ?, 'PL', 'pl', 'email', ?)",
        ((c, f"Kontrahent {c:05d} sp. z o.o.", now) for c in range(1, CONTRACTORS + 1)))
    con.executemany(
        "INSERT INTO contractor_account (contractor_id, account, source, created_at) VALUES (?, ?, 'typed', ?)",
        ((c, _iban(c), now) for c in range(1, CONTRACTORS + 1, 10)))

    def rows() -> Iterator[tuple[object, ...]]:
        for i in range(1, invoices + 1):
            due = TODAY - dt.timedelta(days=(i * 37) % 400 - 60)
            yield ("invoice", f"FV/{i}/2026", f"FV{i}2026", 1 + i % CONTRACTORS, (due - dt.timedelta(days=14))
                   .isoformat(), due.isoformat(), _gross(i), _paid(i), "PLN", "csv", now)

    con.executemany(
        "INSERT INTO invoice (kind, number, number_key, contractor_id, issue_date, due_date, gross, paid, currency, "
        "source, created_at, disputed, handed_over, under_plan) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
        rows())
    con.commit()
    con.close()


def write_camt(path: Path, entries: int, invoices: int, seed: int = 53) -> None:
    """Half the entries name an open invoice (in several spellings), a fifth come from known accounts,
    the rest are transfers nobody can tell (they go to the review list)."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt>'
                 "<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-03-16T18:00:00</CreDtTm></GrpHdr><Stmt><Id>BENCH</Id>"
                 "<Acct><Id><IBAN>PL61109010140000071219812874</IBAN></Id></Acct>\n")
        for n in range(1, entries + 1):
            kind = rnd.random()
            i = rnd.randrange(1, invoices + 1)
            while _paid(i) >= _gross(i):
                i = rnd.randrange(1, invoices + 1)
            amount = round(_gross(i) - _paid(i), 2)
            account = _iban(rnd.randrange(1, CONTRACTORS + 1))
            if kind < 0.5:
                title = rnd.choice([f"FV/{i}/2026", f"Zapłata za fv {i} 2026", f"{i}/2026", f"FAKTURA NR FV/{i}/2026"])
            elif kind < 0.7:
                c = 1 + rnd.randrange(0, CONTRACTORS, 10)
                account, title = _iban(c), "przelew"
            else:
                amount, title = round(rnd.uniform(10, 5000), 2), f"wpłata {rnd.randrange(10**6)}"
            fh.write(f'<Ntry><Amt Ccy="PLN">{amount:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
                     f"<BookgDt><Dt>2026-03-16</Dt></BookgDt><AcctSvcrRef>BENCH-{n}</AcctSvcrRef><NtryDtls><TxDtls>"
                     f"<RltdPties><Dbtr><Nm>Kontrahent</Nm></Dbtr><DbtrAcct><Id><IBAN>{account}</IBAN></Id></DbtrAcct>"
                     f"</RltdPties><RmtInf><Ustrd>{title}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n")
        fh.write("</Stmt></BkToCstmrStmt></Document>\n")


def raw_load(xml: Path, db: Path) -> tuple[float, float]:
    """The floor: iterparse + executemany of the same entries into the payment table, no checks, no matching."""
    con = sqlite3.connect(db)
    start, cpu = time.perf_counter(), time.process_time()
    rows: list[tuple[object, ...]] = []
    q = "{" + NS + "}"
    for _, elem in iterparse(str(xml)):
        if elem.tag == q + "Ntry":
            amt = elem.find(q + "Amt")
            ref = elem.findtext(q + "AcctSvcrRef")
            title = elem.findtext(f"{q}NtryDtls/{q}TxDtls/{q}RmtInf/{q}Ustrd")
            rows.append(("2026-03-16", float(amt.text or 0) if amt is not None else 0.0, "PLN", 0, title, "bank",
                         f"raw-{ref}", "2026-03-16 18:00:00"))
            elem.clear()
    con.executemany("INSERT INTO payment (date, amount, currency, allocated, title, source, bank_txn_id, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    con.close()
    return seconds, cpu


def child_import(xml: Path, db: Path) -> None:
    """Runs in a child process: the import alone, so its max RSS is the import's peak memory."""
    read_start, read_cpu = time.perf_counter(), time.process_time()
    for _ in read_camt053(xml, lambda _where, _text: None):
        pass
    read_seconds, read_cpu = time.perf_counter() - read_start, time.process_time() - read_cpu
    ledger = open_ledger(db)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    session = ledger.sessions()
    result = import_statement(Ctx(session, FixedClock(TODAY), "bench"), xml)
    session.commit()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    session.close()
    ledger.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "read_seconds": read_seconds, "read_cpu": read_cpu,
                      "payments": result.summary.payments,
                      "matched": result.summary.matched, "matched_by": result.matched_by, "rss_kib": peak,
                      "rss_growth_kib": peak - base}))


def _run_child(xml: Path, db: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--child", str(xml), str(db)],
                         check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def statement_part(workdir: Path, entries: int = 10_000, invoices: int = 1_000_000) -> None:
    template = workdir / f"statement-ledger-{invoices}.db"
    if not template.exists():
        started = time.perf_counter()
        build_ledger(template, invoices)
        print(f"(built a {invoices:,}-invoice ledger in {time.perf_counter() - started:.0f} s)")
    small, big = workdir / f"camt-{entries // 10}.xml", workdir / f"camt-{entries}.xml"
    write_camt(small, entries // 10, invoices)
    write_camt(big, entries, invoices)
    copies = {}
    for name in ("raw", "small", "full"):
        copies[name] = workdir / f"statement-{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copies[name]}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, copies[name])
    raw, raw_cpu = raw_load(big, copies["raw"])
    tenth = _run_child(small, copies["small"])
    full = _run_child(big, copies["full"])
    seconds = float(full["seconds"])  # type: ignore[arg-type]
    print(f"camt.053, {entries} entries against {invoices:,} invoices:")
    print(f"  import      {seconds:.2f} s wall, {full['cpu_seconds']:.2f} s CPU  ({entries / seconds:,.0f} entries/s), "
          f"{full['payments']} payments, "
          f"{full['matched']} matched {full['matched_by']}")
    print(f"  raw load    {raw:.2f} s wall, {raw_cpu:.2f} s CPU  ({entries / raw:,.0f} entries/s)   "
          f"ratio {seconds / raw:.1f}× wall, {float(full['cpu_seconds']) / raw_cpu:.1f}× CPU (goal ≤ 3×)")  # type: ignore[arg-type]
    read, read_cpu = float(full["read_seconds"]), float(full["read_cpu"])  # type: ignore[arg-type]
    print(f"  phases      reading the file {read:.2f} s wall, {read_cpu:.2f} s CPU; matching and writing "
          f"{seconds - read:.2f} s wall, {float(full['cpu_seconds']) - read_cpu:.2f} s CPU")  # type: ignore[arg-type]
    print(f"  memory      max RSS {float(full['rss_kib']) / 1024:.0f} MiB at {entries} entries, "  # type: ignore[arg-type]
          f"{float(tenth['rss_kib']) / 1024:.0f} MiB at {entries // 10}")  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=str(ROOT / "benchmarks" / "out"))
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, metavar=("XML", "DB"), help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child:
        child_import(Path(a.child[0]), Path(a.child[1]))
        return
    workdir = Path(a.dir)
    workdir.mkdir(parents=True, exist_ok=True)
    statement_part(workdir, a.entries, a.invoices)


if __name__ == "__main__":
    main()
