"""The installed `collector` script: real process, real exit codes, real stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("collector")
pytestmark = pytest.mark.skipif(not EXE.exists(), reason="the collector script is not installed in this venv")


def collector(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLLECTOR_USER": "tester"}
    return subprocess.run([str(EXE), "--db", str(db), "--today", "2026-03-16", *args],
                          capture_output=True, text=True, timeout=120, env=env, check=False)


def test_a_session_through_the_entry_point(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    p = collector(db, "--json", "init")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["revision"]
    assert collector(db, "contractor", "add", "--name", "Omega", "--tax-id", "7010010191").returncode == 0
    p = collector(db, "invoice", "add", "--contractor", "7010010191", "--number", "A/1", "--issued", "2026-02-01",
                  "--due", "2026-02-15", "--gross", "99.90")
    assert p.returncode == 0, p.stderr
    p = collector(db, "--json", "invoices", "--filter", "overdue")
    assert p.returncode == 0 and p.stderr == ""
    [row] = json.loads(p.stdout)
    assert (row["number"], row["gross"], row["days_overdue"]) == ("A/1", "99.90", 29)


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    collector(db, "init")
    collector(db, "contractor", "add", "--name", "Omega")
    p = collector(db, "invoice", "add", "--contractor", "1", "--number", "A/1", "--issued", "2026-02-01",
                  "--gross", "12.345")
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr == 'collector: error: gross: "12.345" has more than 2 decimal places for PLN\n'


def test_unknown_command_exits_2_with_argparse_wording(tmp_path: Path) -> None:
    p = collector(tmp_path / "ledger.db", "frobnicate")
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1
    assert "invalid choice: 'frobnicate'" in p.stderr
    assert not (tmp_path / "ledger.db").exists()


def test_a_foreign_file_exits_2_untouched(tmp_path: Path) -> None:
    db = tmp_path / "report.csv"
    db.write_text("number;gross\nA/1;10,00\n")
    p = collector(db, "init")
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert "not a Collector ledger" in p.stderr
    assert db.read_text() == "number;gross\nA/1;10,00\n"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["report.csv"]


def test_help_exits_0(tmp_path: Path) -> None:
    p = collector(tmp_path / "ledger.db", "--help")
    assert p.returncode == 0
    assert "invoices" in p.stdout


def test_python_dash_m_runs_the_same_program(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "collector_app", "--db", str(tmp_path / "l.db"), "--json", "init"],
                       capture_output=True, text=True, timeout=120, check=False)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["revision"]
