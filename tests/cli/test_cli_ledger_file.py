"""`--db`: a missing path gets a new ledger; a file that is not a ledger is refused and left untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers.cli_support import Cli, table_counts

from collector_app.db.migrate import head_revision


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the folder with its bytes: shows changed content and any file left behind."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def other_programs_db(path: Path, *, wal: bool) -> None:
    con = sqlite3.connect(path)
    if wal:
        con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE songs (id INTEGER PRIMARY KEY, title TEXT)")
    con.execute("INSERT INTO songs (title) VALUES ('Kolorowe jarmarki')")
    con.commit()
    con.close()


def test_a_missing_path_gets_a_new_ledger(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "sub" / "books.db"
    assert cli.ok("contractor", "list", db=target) == []
    assert table_counts(target)["contractor"] == 0
    con = sqlite3.connect(target)
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
    finally:
        con.close()


def test_an_empty_file_is_made_a_ledger(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "touched.db"
    target.touch()
    cli.ok("init", db=target)
    assert "invoice" in table_counts(target)


def test_a_ledger_url_works_like_its_path(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "by-url.db"
    cli.ok("contractor", "add", "--name", "Omega", db=f"sqlite:///{target}")
    assert [c["name"] for c in cli.ok("contractor", "list", db=target)] == ["Omega"]


@pytest.mark.parametrize("content", [b"Faktury 2026\nFV/1;100,00\n", b"hi", b"SQLite format 2\x00" + b"\x00" * 100])
@pytest.mark.parametrize("command", [("init",), ("invoices",), ("contractor", "add", "--name", "X")])
def test_a_file_that_is_not_sqlite_is_refused_untouched(
    cli: Cli, tmp_path: Path, content: bytes, command: tuple[str, ...]
) -> None:
    target = tmp_path / "notes.txt"
    target.write_bytes(content)
    before = snapshot(tmp_path)
    line = cli.fails(*command, db=target, field="db", expect=(str(target), "not a Collector ledger"))
    assert "not an SQLite database" in line
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_an_sqlite_database_of_another_program_is_refused_untouched(cli: Cli, tmp_path: Path, wal: bool) -> None:
    target = tmp_path / "music.db"
    other_programs_db(target, wal=wal)
    before = snapshot(tmp_path)
    cli.fails("init", db=target, field="db", expect=("another program",))
    cli.fails("invoices", db=target, field="db", expect=("another program",))
    assert snapshot(tmp_path) == before, "the file changed or files were left next to it"
    con = sqlite3.connect(target)
    try:
        assert [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["songs"]
    finally:
        con.close()


def test_a_folder_is_refused(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    cli.fails("init", db=folder, field="db", expect=("directory",))
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("name", ["Firma #2", "100% pewne", "50%20off", "who?", "spaces and ąę"])
def test_a_ledger_in_a_folder_with_unusual_characters(cli: Cli, tmp_path: Path, name: str) -> None:
    folder = tmp_path / name
    folder.mkdir()
    target = folder / "ledger.db"
    cli.ok("contractor", "add", "--name", "Omega", db=target)
    assert [c["name"] for c in cli.ok("contractor", "list", db=target)] == ["Omega"]
    assert sorted(p.name for p in folder.iterdir()) == ["ledger.db"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [name], "nothing is created outside the folder"
    assert table_counts(target)["contractor"] == 1


@pytest.mark.parametrize("name", ["Firma #2", "100% pewne", "who?"])
def test_a_foreign_database_in_a_folder_with_unusual_characters_is_refused(
    cli: Cli, tmp_path: Path, name: str
) -> None:
    folder = tmp_path / name
    folder.mkdir()
    target = folder / "music.db"
    other_programs_db(target, wal=False)
    before = snapshot(folder)
    cli.fails("init", db=target, field="db", expect=("another program",))
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
