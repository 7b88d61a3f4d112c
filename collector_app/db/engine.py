"""Opening a ledger: the engine (SQLite WAL + foreign keys, or PostgreSQL), migrations on open."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from collector_app.domain.errors import UserError

SQLITE_MAGIC = b"SQLite format 3\x00"


def to_url(path_or_url: str | Path) -> str:
    """A bare path means an SQLite file; anything with a scheme is taken as a database URL."""
    text = str(path_or_url)
    if "://" in text:
        return text
    path = Path(text).expanduser().absolute()
    if "?" in str(path):
        # "?" would start the URL's query: name the file by an SQLite URI, where it is %-escaped.
        return f"sqlite:///{path.as_uri()}?uri=true"
    return f"sqlite:///{path}"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if parsed.database.startswith("file:") and str(parsed.query.get("uri", "")).lower() in ("true", "1"):
        return Path(url2pathname(urlsplit(parsed.database).path))
    return Path(parsed.database)


def read_only_connection(path: Path) -> sqlite3.Connection:
    """Open an SQLite file for reading only, whatever characters its path holds.

    Without a -wal file the file is complete and is opened immutable: a plain read-only open of a
    WAL database would leave -wal and -shm files next to it (e.g. next to another program's database).
    """
    wal = path.with_name(path.name + "-wal")
    params = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    return sqlite3.connect(f"{path.absolute().as_uri()}?{params}", uri=True)


PAGE_SIZE = 16384
"""Pages of a new ledger file (SQLite's default is 4096). A ledger is written in bulk (a first plan of a
million invoices writes two million outbox rows): with larger pages B-tree inserts split less often.
Measured on 1M invoices, three runs each: first plan 9.5 s (16 KiB and 8 KiB) vs 10.2 s (4 KiB); a
statement of 10,000 entries matched against them ~0.2 s slower (3.1 s vs 2.9 s), its lookups reading
larger pages. It takes effect only on a file with no tables yet; an existing ledger keeps its size."""


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA page_size={PAGE_SIZE}")  # before WAL: a WAL file's page size is fixed
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


@contextmanager
def large_page_cache(session: Session, mib: int = 128) -> Iterator[None]:
    """SQLite's page cache raised for one bulk statement, then put back (memory stays bounded after it).

    With the default 2 MB, a statement that writes millions of index entries spills and re-reads
    pages all the time; a first plan of a large ledger runs about twice as fast with 128 MiB.
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    conn.exec_driver_sql(f"PRAGMA cache_size={-1024 * int(mib)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={before}")


def create_ledger_engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True)


def check_is_ledger_file(path: Path) -> bool:
    """True if the file is a new ledger to create (missing or empty); raises if it is not a ledger."""
    if not path.exists() or path.stat().st_size == 0:
        return True
    if path.is_dir():
        raise UserError("db", f"{path}: is a directory, not a ledger file")
    with path.open("rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise UserError("db", f"{path}: is not a Collector ledger (not an SQLite database)")
    try:
        con = read_only_connection(path)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise UserError("db", f"{path}: cannot be read as a ledger ({exc})") from exc
    if tables and "alembic_version" not in tables:
        raise UserError("db", f"{path}: is an SQLite database of another program, not a Collector ledger")
    return not tables


@dataclass
class Ledger:
    """An open ledger: the engine and a session factory bound to it."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back everything on any error."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_ledger(path_or_url: str | Path, *, migrate: bool = True) -> Ledger:
    """Open (creating if missing) and migrate to head; a file that is not a ledger is left untouched."""
    from collector_app.db.migrate import upgrade_to_head

    url = to_url(path_or_url)
    path = sqlite_path(url)
    if path is not None:
        check_is_ledger_file(path)
        if not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_ledger_engine(url)
    if migrate:
        upgrade_to_head(engine)
    return Ledger(url, engine, sessionmaker(engine, expire_on_commit=False))


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
