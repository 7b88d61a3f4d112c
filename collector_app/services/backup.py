"""Backup and restore of an SQLite ledger through SQLite's online backup API (safe while open)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from collector_app.db.engine import Ledger, check_is_ledger_file, read_only_connection
from collector_app.db.migrate import upgrade_to_head
from collector_app.domain.errors import UserError


def _require_sqlite(ledger: Ledger) -> Path:
    path = ledger.path
    if path is None:
        raise UserError("db", "backup and restore work on SQLite ledgers; back up PostgreSQL with pg_dump")
    return path


def backup(ledger: Ledger, target: Path) -> Path:
    """Copy the live ledger page by page into `target`; the copy is consistent even during writes."""
    live = _require_sqlite(ledger)
    target = target.expanduser().absolute()
    if target.exists() and live.exists() and target.samefile(live):
        raise UserError("file", f"{target}: is the open ledger itself; choose another file for the backup")
    if target.exists() and target.is_dir():
        raise UserError("file", f"{target}: is a directory")
    if not target.parent.exists():
        raise UserError("file", f"{target.parent}: no such directory")
    partial = target.with_name(target.name + ".part")
    raw = ledger.engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
    finally:
        raw.close()
    partial.replace(target)  # nothing half-written under the final name
    return target


def restore(ledger: Ledger, source: Path, *, safety_dir: Path | None = None) -> Path:
    """Replace the ledger's content with a backup; the current content is saved first.

    Returns the path of that safety copy so the user can go back.
    """
    path = _require_sqlite(ledger)
    source = source.expanduser().absolute()
    if not source.is_file():
        raise UserError("file", f"{source}: no such file")
    try:
        empty = check_is_ledger_file(source)
    except UserError as exc:  # the file given is at fault, not the --db ledger
        raise UserError("file", exc.message) from exc
    if empty:
        raise UserError("file", f"{source}: is empty, not a ledger backup")
    stamp = dt.datetime.now(dt.UTC).astimezone().strftime("%Y%m%d-%H%M%S")
    folder = safety_dir or path.parent
    safety = folder / f"{path.stem}.before-restore-{stamp}{path.suffix}"
    n = 1
    while safety.exists():  # never overwrite an earlier safety copy (it may be the file being restored)
        n += 1
        safety = folder / f"{path.stem}.before-restore-{stamp}-{n}{path.suffix}"
    backup(ledger, safety)
    src = read_only_connection(source)
    raw = ledger.engine.raw_connection()
    try:
        dest = raw.driver_connection
        assert isinstance(dest, sqlite3.Connection)
        src.backup(dest)
    finally:
        raw.close()
        src.close()
    ledger.engine.dispose()
    upgrade_to_head(ledger.engine)  # an older backup is brought to the current schema
    return safety
