"""Opening a ledger: SQLite pragmas on every connection, foreign keys enforced, foreign files refused."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from collector_app.db.engine import (
    PAGE_SIZE,
    Ledger,
    check_is_ledger_file,
    create_ledger_engine,
    open_ledger,
    sqlite_path,
    to_url,
)
from collector_app.db.migrate import current_revision, head_revision
from collector_app.db.models import Contractor, Invoice
from collector_app.domain.errors import UserError

NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)


def pragmas(conn: object) -> tuple[str, int, int, int]:
    execute = conn.exec_driver_sql  # type: ignore[attr-defined]
    return (
        execute("PRAGMA journal_mode").scalar(),
        execute("PRAGMA foreign_keys").scalar(),
        execute("PRAGMA synchronous").scalar(),
        execute("PRAGMA busy_timeout").scalar(),
    )


def test_every_pooled_connection_has_wal_and_foreign_keys(ledger: Ledger) -> None:
    with ExitStack() as stack:
        conns = [stack.enter_context(ledger.engine.connect()) for _ in range(4)]  # four at once: four connections
        ids = {id(c.connection.driver_connection) for c in conns}
        assert len(ids) == 4
        for conn in conns:
            assert pragmas(conn) == ("wal", 1, 1, 10000)
    ledger.engine.dispose()  # fresh connections after the pool is emptied get them too
    with ledger.engine.connect() as conn:
        assert pragmas(conn) == ("wal", 1, 1, 10000)


def test_sessions_get_the_pragmas(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_new_ledger_gets_large_pages_and_an_existing_one_keeps_its_own(tmp_path: Path) -> None:
    open_ledger(tmp_path / "new.db").close()
    old = sqlite3.connect(tmp_path / "old.db")  # as ledgers made before were: SQLite's default page size
    old.execute("CREATE TABLE t (x)")
    old.close()
    sizes = {}
    for name in ("new.db", "old.db"):
        engine = create_ledger_engine(to_url(tmp_path / name))
        with engine.connect() as conn:
            sizes[name] = conn.exec_driver_sql("PRAGMA page_size").scalar()
            conn.exec_driver_sql("SELECT * FROM sqlite_master").all()
        engine.dispose()
    assert sizes == {"new.db": PAGE_SIZE, "old.db": 4096}
    assert PAGE_SIZE != 4096


def test_a_raw_engine_without_the_listener_would_not_have_them(tmp_path: Path) -> None:
    """The pragmas come from create_ledger_engine, not from SQLite's defaults (this test guards the one above)."""
    con = sqlite3.connect(tmp_path / "plain.db")
    try:
        assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 0
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        con.close()
    engine = create_ledger_engine(to_url(tmp_path / "plain.db"))
    try:
        with engine.connect() as conn:
            assert pragmas(conn)[:2] == ("wal", 1)
    finally:
        engine.dispose()
    con = sqlite3.connect(tmp_path / "plain.db")
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # WAL is persistent in the file
    finally:
        con.close()


def test_a_foreign_key_violation_is_refused(ledger: Ledger) -> None:
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), ledger.transaction() as s:
        s.add(Invoice(kind="invoice", number="X/1", number_key="X1", contractor_id=999,
                      issue_date=dt.date(2026, 3, 1), due_date=dt.date(2026, 3, 15), gross=Decimal("10.00"),
                      paid=Decimal(0), currency="PLN", source="manual", created_at=NOW))
        s.flush()
    with ledger.transaction() as s:
        assert s.execute(text("SELECT count(*) FROM invoice")).scalar() == 0


def test_a_referenced_row_cannot_be_deleted(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        c = Contractor(name="Omega", country="PL", language="pl", preferred_channel="email", created_at=NOW)
        s.add(c)
        s.flush()
        s.add(Invoice(kind="invoice", number="X/1", number_key="X1", contractor_id=c.id,
                      issue_date=dt.date(2026, 3, 1), due_date=dt.date(2026, 3, 15), gross=Decimal("10.00"),
                      paid=Decimal(0), currency="PLN", source="manual", created_at=NOW))
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), ledger.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM contractor")
    with ledger.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM contractor").scalar() == 1


def test_a_transaction_is_all_or_nothing(ledger: Ledger) -> None:
    with pytest.raises(RuntimeError), ledger.transaction() as s:
        s.add(Contractor(name="Omega", country="PL", language="pl", preferred_channel="email", created_at=NOW))
        s.flush()
        raise RuntimeError("boom")
    with ledger.transaction() as s:
        assert s.execute(text("SELECT count(*) FROM contractor")).scalar() == 0


def test_open_ledger_creates_and_migrates_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "ledger.db"
    assert check_is_ledger_file(path) is True
    led = open_ledger(path)
    try:
        assert current_revision(led.engine) == head_revision()
        assert led.path == path
    finally:
        led.close()
    assert check_is_ledger_file(path) is False
    reopened = open_ledger(path)
    reopened.close()


def test_open_ledger_without_migrating(tmp_path: Path) -> None:
    led = open_ledger(tmp_path / "bare.db", migrate=False)
    try:
        assert current_revision(led.engine) is None
    finally:
        led.close()


def _foreign_sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO photos (name) VALUES ('morskie-oko.jpg')")
    con.commit()
    con.close()


@pytest.mark.parametrize("kind", ["text", "binary", "sqlite-of-another-program", "truncated-sqlite"])
def test_open_ledger_refuses_a_file_that_is_not_a_ledger_and_leaves_it_untouched(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "thing.db"
    if kind == "text":
        path.write_text("Lista płac\nJan;1000\n", encoding="utf-8")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    elif kind == "sqlite-of-another-program":
        _foreign_sqlite(path)
    else:
        _foreign_sqlite(path)
        path.write_bytes(path.read_bytes()[:100])  # the header survives, the pages do not
    before = path.read_bytes()
    with pytest.raises(UserError) as err:
        open_ledger(path)
    assert err.value.field == "db"
    assert str(path) in err.value.message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thing.db"]


def test_open_ledger_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="directory"):
        open_ledger(tmp_path)


def test_to_url_of_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert to_url(tmp_path / "l.db") == f"sqlite:///{tmp_path / 'l.db'}"
    assert to_url(str(tmp_path / "l.db")) == f"sqlite:///{tmp_path / 'l.db'}"
    monkeypatch.chdir(tmp_path)
    assert to_url("rel/l.db") == f"sqlite:///{tmp_path / 'rel' / 'l.db'}"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert to_url("~/books.db") == f"sqlite:///{tmp_path / 'home' / 'books.db'}"


@pytest.mark.parametrize("url", [
    "sqlite:////var/lib/collector/ledger.db",
    "sqlite:///:memory:",
    "postgresql+psycopg://collector:secret@db.example:5432/ledger",
    "postgresql://localhost/ledger?sslmode=require",
])
def test_to_url_keeps_urls(url: str) -> None:
    assert to_url(url) == url


@pytest.mark.parametrize("name", ["plain", "Firma #2", "100% pewne", "who?", "a?b=c&d", "zażółć gęślą"])
def test_to_url_and_sqlite_path_round_trip(tmp_path: Path, name: str) -> None:
    path = tmp_path / name / "ledger.db"
    assert sqlite_path(to_url(path)) == path


def test_sqlite_path_of_other_urls() -> None:
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("postgresql://localhost/ledger") is None
    assert sqlite_path("sqlite:////srv/ledger.db") == Path("/srv/ledger.db")


def test_a_path_with_a_question_mark_opens_that_very_file(tmp_path: Path) -> None:
    folder = tmp_path / "who?"
    folder.mkdir()
    led = open_ledger(folder / "ledger.db")
    try:
        assert led.path == folder / "ledger.db"
        with led.transaction() as s:
            s.add(Contractor(name="Omega", country="PL", language="pl", preferred_channel="email", created_at=NOW))
    finally:
        led.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["who?"]
    assert sorted(p.name for p in folder.iterdir()) == ["ledger.db"]
    con = sqlite3.connect(folder / "ledger.db")
    try:
        assert con.execute("SELECT name FROM contractor").fetchall() == [("Omega",)]
    finally:
        con.close()
