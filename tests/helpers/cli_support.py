"""Running `collector` in-process against a ledger in tmp_path, and proving that errors write nothing."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from collector_app.cli import main

TODAY = "2026-03-16"
OMEGA_NIP = "7010010191"
BETA_NIP = "5260250274"


@dataclass
class Result:
    rc: int
    out: str
    err: str

    @property
    def data(self) -> Any:
        return json.loads(self.out)


def read_only(path: Path) -> sqlite3.Connection:
    """A connection that can neither write nor leave -wal/-shm files behind (the CLI has closed the ledger)."""
    wal = path.with_name(path.name + "-wal")
    mode = "ro" if wal.exists() else "ro&immutable=1"
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode={mode}", uri=True)


def ledger_dump(path: Path) -> str:
    """Every row of every table (event, FTS shadow tables and alembic_version included), as SQL."""
    con = read_only(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def table_counts(path: Path) -> dict[str, int]:
    con = read_only(path)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


class Capture(Protocol):
    def readouterr(self) -> tuple[str, str]: ...


class Cli:
    """`collector --db DB --today TODAY [--json] ARGS...` run through collector_app.cli.main."""

    def __init__(self, db: Path, capsys: Capture) -> None:
        self.db = db
        self._capsys = capsys

    def run(self, *args: str, as_json: bool = True, today: str | None = TODAY, db: Path | str | None = None) -> Result:
        argv: list[str] = ["--db", str(db if db is not None else self.db)]
        if today is not None:
            argv += ["--today", today]
        if as_json:
            argv.append("--json")
        argv += list(args)
        self._capsys.readouterr()
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse reports usage errors by exiting
            rc = exc.code if isinstance(exc.code, int) else 1
        out, err = self._capsys.readouterr()
        return Result(rc, out, err)

    def ok(self, *args: str, **kw: Any) -> Any:
        """Run a command that must succeed; returns its JSON (or text output when as_json=False)."""
        r = self.run(*args, **kw)
        assert r.rc == 0, f"{args}: rc={r.rc} stderr={r.err!r}"
        assert r.err == "", r.err
        return r.data if kw.get("as_json", True) else r.out

    def fails(self, *args: str, field: str, expect: str | Sequence[str] = (), **kw: Any) -> str:
        """Run a command that must be refused: exit 2, one stderr line naming the field, nothing written."""
        before = ledger_dump(self.db) if self.db.exists() else None
        r = self.run(*args, **kw)
        assert r.rc == 2, f"{args}: rc={r.rc} out={r.out!r} err={r.err!r}"
        assert r.out == "", f"nothing is printed on stdout on an error: {r.out!r}"
        assert "Traceback" not in r.err
        assert r.err.endswith("\n") and r.err.count("\n") == 1, f"one line expected: {r.err!r}"
        line = r.err.rstrip("\n")
        assert line.startswith("collector"), line
        assert field.lower() in line.lower(), f"the message does not name {field!r}: {line}"
        for part in [expect] if isinstance(expect, str) else expect:
            assert part.lower() in line.lower(), f"{part!r} missing from: {line}"
        if before is not None:
            assert ledger_dump(self.db) == before, f"{args} changed the ledger although it was refused"
        return line


def seed(cli: Cli) -> None:
    """Two contractors, six documents covering every status, two payments (as the CLI writes them)."""
    cli.ok("init")
    cli.ok("contractor", "add", "--name", "Omega Handel Sp. z o.o.", "--tax-id", OMEGA_NIP,
           "--email", "biuro@omega.example", "--phone", "601 234 567")
    cli.ok("contractor", "add", "--name", "Beta Bud S.A.", "--tax-id", BETA_NIP)
    for contractor, number, issued, due, gross, currency in (
        ("1", "FV/1/2026", "2026-01-01", "2026-01-15", "1000.00", "PLN"),   # overdue 60 days
        ("1", "FV/2/2026", "2026-02-01", "2026-02-15", "250.50", "PLN"),    # overdue 29 days
        ("2", "FV/3/2026", "2026-03-01", "2026-03-31", "300.00", "PLN"),    # current
        ("2", "FV/4/2026", "2026-02-10", "2026-02-24", "80.00", "PLN"),     # settled below
        ("2", "FV/5/2026", "2026-02-12", "2026-03-16", "50.00", "PLN"),     # overpaid below
        ("2", "EU/1/2026", "2026-03-01", "2026-04-10", "100.00", "EUR"),    # current, in EUR
    ):
        cli.ok("invoice", "add", "--contractor", contractor, "--number", number, "--issued", issued,
               "--due", due, "--gross", gross, "--currency", currency)
    cli.ok("payment", "add", "--amount", "80.00", "--date", "2026-03-01", "--invoice", "FV/4/2026")
    cli.ok("payment", "add", "--amount", "70.00", "--date", "2026-03-02", "--invoice", "FV/5/2026")
