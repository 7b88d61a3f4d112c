"""`collector backup FILE` and `collector restore FILE`."""

from __future__ import annotations

from pathlib import Path

from helpers.cli_support import Cli, table_counts

from collector_app.db.engine import check_is_ledger_file


def test_backup_then_restore(seeded: Cli, tmp_path: Path) -> None:
    target = tmp_path / "copies" / "monday.db"
    target.parent.mkdir()
    out = seeded.ok("backup", str(target))
    assert out == {"backup": str(target)}
    assert check_is_ledger_file(target) is False  # an existing ledger, not a new one
    assert table_counts(target)["invoice"] == 6
    assert not Path(f"{target}.part").exists()

    seeded.ok("invoice", "add", "--contractor", "1", "--number", "LATE/1", "--issued", "2026-03-10", "--gross", "9")
    assert len(seeded.ok("invoices")) == 7

    out = seeded.ok("restore", str(target))
    assert out["restored"] == str(target)
    safety = Path(out["previous_ledger_saved_as"])
    assert safety.parent == seeded.db.parent and safety.is_file()
    assert "LATE/1" not in [r["number"] for r in seeded.ok("invoices")]
    assert len(seeded.ok("invoices")) == 6
    # the ledger as it was before the restore is kept, and can itself be opened and restored
    assert "LATE/1" in [r["number"] for r in seeded.ok("invoices", db=safety)]
    seeded.ok("restore", str(safety))
    assert "LATE/1" in [r["number"] for r in seeded.ok("invoices")]


def test_backup_as_text(seeded: Cli, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    out = seeded.ok("backup", str(target), as_json=False)
    assert out == f"backup  {target}\n"
