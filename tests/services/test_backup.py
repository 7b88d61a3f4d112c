"""Backup and restore through SQLite's online backup API: consistent copies, a safety copy before restoring."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from collector_app.db.engine import Ledger, check_is_ledger_file, open_ledger
from collector_app.db.migrate import current_revision, downgrade, head_revision
from collector_app.db.queries import RegisterQuery, invoice_page
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.services import backup
from collector_app.services.context import Ctx
from collector_app.services.contractors import ContractorData, add_contractor
from collector_app.services.invoices import InvoiceData, add_invoice

TODAY = dt.date(2026, 3, 16)


@pytest.fixture
def led(tmp_path: Path) -> Iterator[Ledger]:
    ledger = open_ledger(tmp_path / "books" / "ledger.db")
    yield ledger
    ledger.close()


def add(ledger: Ledger, *numbers: str) -> None:
    with ledger.transaction() as s:
        ctx = Ctx(s, FixedClock(TODAY, dt.time(10, 0)), "tester")
        c = add_contractor(ctx, ContractorData(name=f"Kontrahent {numbers[0]}"))
        for number in numbers:
            add_invoice(ctx, InvoiceData(contractor_id=c.id, number=number, issue_date=dt.date(2026, 3, 1),
                                         due_date=dt.date(2026, 3, 15), gross=Decimal("10.00"), currency="PLN"))


def invoice_numbers(ledger: Ledger) -> list[str]:
    with ledger.transaction() as s:
        return sorted(r.number for r in invoice_page(s, RegisterQuery(), TODAY, limit=None))


def copied_numbers(path: Path) -> list[str]:
    """Invoice numbers in a plain file copy, which may lack even the tables (they can be in the WAL too)."""
    try:
        return file_numbers(path)
    except sqlite3.OperationalError:
        return []


def file_numbers(path: Path) -> list[str]:
    con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return sorted(r[0] for r in con.execute("SELECT number FROM invoice"))
    finally:
        con.close()


def test_round_trip(led: Ledger, tmp_path: Path) -> None:
    add(led, "BEFORE/1", "BEFORE/2")
    copy = backup.backup(led, tmp_path / "monday.db")
    assert copy == tmp_path / "monday.db"
    assert check_is_ledger_file(copy) is False
    add(led, "AFTER/1")
    assert invoice_numbers(led) == ["AFTER/1", "BEFORE/1", "BEFORE/2"]

    safety = backup.restore(led, copy)

    assert invoice_numbers(led) == ["BEFORE/1", "BEFORE/2"]
    with led.transaction() as s:  # the search index came back with the rows
        assert [r.number for r in invoice_page(s, RegisterQuery(search="FORE/2"), TODAY)] == ["BEFORE/2"]
        assert invoice_page(s, RegisterQuery(search="AFTER"), TODAY) == []
    assert led.path is not None and safety.parent == led.path.parent
    assert safety.name.startswith("ledger.before-restore-") and safety.suffix == ".db"
    assert check_is_ledger_file(safety) is False
    safe = open_ledger(safety)
    try:
        assert invoice_numbers(safe) == ["AFTER/1", "BEFORE/1", "BEFORE/2"]
        assert current_revision(safe.engine) == head_revision()
    finally:
        safe.close()
    add(led, "LATER/1")  # the restored ledger is writable through the same Ledger
    assert "LATER/1" in invoice_numbers(led)


def test_the_safety_copy_can_be_restored_and_is_never_overwritten(led: Ledger, tmp_path: Path) -> None:
    add(led, "A/1")
    copy = backup.backup(led, tmp_path / "a.db")
    add(led, "B/1")
    first = backup.restore(led, copy)
    second = backup.restore(led, first)  # "undo the restore", likely within the same second
    assert first != second
    assert invoice_numbers(led) == ["A/1", "B/1"]
    assert file_numbers(first) == ["A/1", "B/1"]
    assert file_numbers(second) == ["A/1"]


def test_restore_into_a_chosen_safety_folder(led: Ledger, tmp_path: Path) -> None:
    add(led, "A/1")
    copy = backup.backup(led, tmp_path / "a.db")
    folder = tmp_path / "safety"
    folder.mkdir()
    safety = backup.restore(led, copy, safety_dir=folder)
    assert safety.parent == folder


def test_backup_is_consistent_while_another_connection_holds_a_write_transaction(led: Ledger, tmp_path: Path) -> None:
    add(led, "COMMITTED/1")
    assert led.path is not None
    writer = sqlite3.connect(led.path, timeout=0.1, isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO invoice (kind, number, number_key, contractor_id, issue_date, due_date, gross, "
                       "paid, currency, disputed, handed_over, source, created_at) VALUES ('invoice', 'COMMITTED/2', "
                       "'COMMITTED2', 1, '2026-03-01', '2026-03-15', 5, 0, 'PLN', 0, 0, 'manual', "
                       "'2026-03-16 09:00:00')")
        writer.execute("COMMIT")
        # committed, but only in the -wal file: a plain copy of the ledger file would not have it
        naive = tmp_path / "naive-copy.db"
        shutil.copyfile(led.path, naive)
        assert "COMMITTED/2" not in copied_numbers(naive), "precondition: the last commit is still in the WAL"

        writer.execute("BEGIN IMMEDIATE")  # an open write transaction with uncommitted rows
        writer.execute("UPDATE invoice SET number = 'UNCOMMITTED/9' WHERE number = 'COMMITTED/1'")
        copy = backup.backup(led, tmp_path / "during-write.db")
        assert writer.in_transaction
    finally:
        if writer.in_transaction:
            writer.execute("ROLLBACK")
        writer.close()

    assert not Path(f"{copy}.part").exists()
    assert not Path(f"{copy}-wal").exists()
    assert file_numbers(copy) == ["COMMITTED/1", "COMMITTED/2"]
    con = sqlite3.connect(copy)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    finally:
        con.close()
    opened = open_ledger(copy)
    try:
        assert invoice_numbers(opened) == ["COMMITTED/1", "COMMITTED/2"]
    finally:
        opened.close()


@pytest.mark.parametrize("kind", ["text", "sqlite-of-another-program", "empty", "missing", "folder"])
def test_restoring_something_that_is_not_a_ledger_is_refused(led: Ledger, tmp_path: Path, kind: str) -> None:
    add(led, "KEEP/1")
    source = tmp_path / "backup.db"
    if kind == "text":
        source.write_text("to nie jest kopia\n")
    elif kind == "sqlite-of-another-program":
        con = sqlite3.connect(source)
        con.execute("CREATE TABLE invoice (number TEXT)")  # even with a table named like ours
        con.execute("INSERT INTO invoice VALUES ('EVIL/1')")
        con.commit()
        con.close()
    elif kind == "empty":
        source.touch()
    elif kind == "folder":
        source.mkdir()
    assert led.path is not None
    books = led.path.parent
    led.close()
    before_ledger = led.path.read_bytes()
    before_folder = sorted(p.name for p in books.iterdir())
    before_source = source.read_bytes() if source.is_file() else None

    with pytest.raises(UserError) as err:
        backup.restore(led, source)

    assert err.value.field == "file"
    assert str(source) in err.value.message
    led.close()
    assert led.path.read_bytes() == before_ledger
    assert sorted(p.name for p in books.iterdir()) == before_folder  # no safety copy was made either
    if before_source is not None:
        assert source.read_bytes() == before_source
    assert invoice_numbers(led) == ["KEEP/1"]


def test_restoring_an_older_backup_brings_it_to_the_current_schema(led: Ledger, tmp_path: Path) -> None:
    add(led, "OLD/1")
    copy = backup.backup(led, tmp_path / "old.db")
    old = open_ledger(copy, migrate=False)
    try:
        downgrade(old.engine, "0001")
    finally:
        old.close()
    backup.restore(led, copy)
    assert current_revision(led.engine) == head_revision()
    with led.transaction() as s:
        assert [r.number for r in invoice_page(s, RegisterQuery(search="OLD/1"), TODAY)] == ["OLD/1"]


def test_backup_to_a_missing_folder_is_refused(led: Ledger, tmp_path: Path) -> None:
    with pytest.raises(UserError) as err:
        backup.backup(led, tmp_path / "nowhere" / "copy.db")
    assert err.value.field == "file"
    assert "no such directory" in err.value.message
    assert not (tmp_path / "nowhere").exists()


def test_backup_onto_a_folder_is_refused(led: Ledger, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is a directory"):
        backup.backup(led, tmp_path)


def test_backup_replaces_an_older_copy_only_when_complete(led: Ledger, tmp_path: Path) -> None:
    add(led, "A/1")
    target = backup.backup(led, tmp_path / "copy.db")
    add(led, "B/1")
    assert backup.backup(led, target) == target
    assert file_numbers(target) == ["A/1", "B/1"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == ["copy.db"]


def test_backup_and_restore_need_sqlite() -> None:
    from sqlalchemy.orm import sessionmaker

    fake = Ledger("postgresql://localhost/ledger", None, sessionmaker())  # type: ignore[arg-type]
    with pytest.raises(UserError, match="pg_dump"):
        backup.backup(fake, Path("x.db"))
    with pytest.raises(UserError, match="pg_dump"):
        backup.restore(fake, Path("x.db"))
