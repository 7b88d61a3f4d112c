"""A command commits first and prints after: a reader that goes away (`| head -3`) cannot undo its work."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from helpers.cli_support import Cli
from helpers.crash import COLLECTOR

from collector_app.cli import main


class ClosedPipe(io.StringIO):
    """stdout whose reader has gone away: every write fails as it does on a closed pipe."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


class CommittedWhenPrinted(io.StringIO):
    """stdout that, on each write, looks at the ledger from another connection for the contractor named."""

    def __init__(self, db: Path, name: str) -> None:
        super().__init__()
        self.db, self.name = db, name
        self.seen: list[bool] = []

    def write(self, text: str) -> int:
        con = sqlite3.connect(f"{self.db.absolute().as_uri()}?mode=ro", uri=True)
        try:
            self.seen.append(con.execute("SELECT count(*) FROM contractor WHERE name = ?",
                                         (self.name,)).fetchone()[0] == 1)
        finally:
            con.close()
        return super().write(text)


def _add_contractor(db: Path, name: str) -> int | None:
    try:
        return main(["--db", str(db), "--json", "contractor", "add", "--name", name])
    except BrokenPipeError:  # how the command failed before: the error rolled its transaction back
        return None


def test_a_closed_pipe_while_printing_does_not_roll_the_command_back(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("init")
    monkeypatch.setattr("sys.stdout", ClosedPipe())
    rc = _add_contractor(cli.db, "Alfa Sp. z o.o.")
    monkeypatch.undo()
    assert rc == 0, "the work is done and committed: the command ends normally"
    assert [c["name"] for c in cli.ok("contractor", "list")] == ["Alfa Sp. z o.o."]


def test_the_output_is_written_after_the_commit_and_reads_as_before(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("init")
    out = CommittedWhenPrinted(cli.db, "Alfa Sp. z o.o.")
    monkeypatch.setattr("sys.stdout", out)
    assert _add_contractor(cli.db, "Alfa Sp. z o.o.") == 0
    monkeypatch.undo()
    assert out.seen and all(out.seen), "printed while the transaction was still open"
    assert out.getvalue().startswith('{\n  "id": 1,\n  "name": "Alfa Sp. z o.o.",\n') and out.getvalue().endswith("}\n")


def test_policy_import_piped_into_a_reader_that_quit_keeps_the_policy(cli: Cli, tmp_path: Path) -> None:
    """The finding: `collector policy import FILE | head -3`; unbuffered, as a long output reaches the pipe."""
    cli.ok("init")
    source = tmp_path / "copy.json"
    cli.ok("policy", "export", "Standard", "--out", str(source))
    policy = json.loads(source.read_text(encoding="utf-8"))
    policy["name"], policy["is_default"] = "Obietnica", False
    source.write_text(json.dumps(policy), encoding="utf-8")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has already gone
    try:
        proc = subprocess.run([COLLECTOR, "--db", str(cli.db), "policy", "import", str(source)],
                              stdout=write_end, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1", "COLLECTOR_USER": "tester"})
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr and proc.returncode == 0, proc.stderr
    assert "Obietnica" in [p["name"] for p in cli.ok("policy", "list")]
