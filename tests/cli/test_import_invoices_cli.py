"""`collector import invoices|batches|undo`: JSON summary, dry run, exit code 2 with nothing written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers.cli_support import Cli, ledger_dump, table_counts
from helpers.invoice_imports import DATA, SAMPLES
from helpers.samples import needs_samples


def test_import_with_mapping_json_summary_and_batches(cli: Cli) -> None:
    cli.ok("init")
    data = cli.ok("import", "invoices", str(DATA / "cp1250_semicolon_comma.csv"),
                  "--mapping", str(DATA / "mapping_cp1250.json"))
    assert {k: data[k] for k in ("format", "created", "updated", "unchanged", "payments", "matched", "unmatched",
                                 "dry_run")} == {"format": "csv", "created": 4, "updated": 0, "unchanged": 0,
                                                 "payments": 0, "matched": 0, "unmatched": 0, "dry_run": False}
    assert data["file"].endswith("cp1250_semicolon_comma.csv") and data["skipped"] == []
    batches = cli.ok("import", "batches")
    assert [(b["id"], b["documents"], b["format"]) for b in batches] == [(data["batch"], 4, "csv")]
    invoices = cli.ok("invoices")
    assert len(invoices) == 4


def test_dry_run_writes_nothing(cli: Cli) -> None:
    cli.ok("init")
    before = ledger_dump(cli.db)
    data = cli.ok("import", "invoices", str(DATA / "ksef_fa3_invoice.xml"), "--dry-run")
    assert (data["created"], data["dry_run"], data["batch"]) == (1, True, None)
    assert ledger_dump(cli.db) == before


@needs_samples
def test_a_broken_file_exits_2_naming_the_place(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init")
    bad = tmp_path / "bad.csv"
    bad.write_text("number;contractor;date;gross\nA/1;Eta;2026-03-01;10,00\nA/2;Eta;2026-03-01;12,3x\n")
    line = cli.fails("import", "invoices", str(bad), field="bad.csv", expect='line 3: gross: "12,3x" is not an amount')
    assert line == f'collector: error: {bad}: line 3: gross: "12,3x" is not an amount'
    cli.fails("import", "invoices", str(DATA / "xxe.xml"), field="xxe.xml", expect="refused")
    cli.fails("import", "invoices", str(SAMPLES / "camt053" / "oca_camt053.001.02_NL77ABNA0574908765.xml"),
              field="/Document", expect="import it with \"collector import statement\"")
    cli.fails("import", "invoices", str(tmp_path / "none.csv"), field="none.csv", expect="no such file")


@needs_samples
def test_explicit_format_and_reimport(cli: Cli) -> None:
    cli.ok("init")
    path = str(SAMPLES / "ubl" / "peppol_bis3_base-example_invoice.xml")
    assert cli.ok("import", "invoices", path, "--format", "ubl")["created"] == 1
    again = cli.ok("import", "invoices", path)
    assert (again["created"], again["unchanged"]) == (0, 1)
    cli.fails("import", "invoices", path, "--format", "csv", field="line 1", expect="no column for")


def test_undo_from_the_command_line(cli: Cli) -> None:
    cli.ok("init")
    counts = table_counts(cli.db)
    batch = cli.ok("import", "invoices", str(DATA / "isdoc_invoice.isdoc"))["batch"]
    undone = cli.ok("import", "undo", "--batch", str(batch))
    assert (undone["documents"], undone["contractors"]) == (1, 1)
    assert (undone["fields_reverted"], undone["fields_kept"], undone["kept"], undone["accounts_forgotten"]) == (
        0, 0, [], 0)
    after = table_counts(cli.db)
    assert after["invoice"] == counts["invoice"] and after["contractor"] == counts["contractor"]
    cli.fails("import", "undo", "--batch", str(batch), field="batch", expect="already undone")
    text = cli.ok("import", "batches", as_json=False)
    assert "isdoc" in text and "invoices" in text


def test_a_layout_the_import_wizard_learned_is_read_the_same_way_without_mapping(cli: Cli, tmp_path: Path) -> None:
    """The window saved a mapping for files with these headers: `import invoices` uses it too (and says so)."""
    from collector_app.db.engine import open_ledger
    from collector_app.domain.clock import FixedClock
    from collector_app.imports.invoice_csv import Mapping
    from collector_app.services.context import Ctx
    from collector_app.services.import_invoices import save_mapping

    cli.ok("init")
    path = tmp_path / "symfonia.csv"
    path.write_text("Nr dok;Klient;Wystawiono;Do zaplaty\nA/1;Eta;05.03.2026;1 234,50\n", encoding="utf-8")
    cli.fails("import", "invoices", str(path), field="symfonia.csv", expect="no column for")
    ledger = open_ledger(cli.db)
    try:
        with ledger.transaction() as s:
            columns = {"number": "Nr dok", "contractor": "Klient", "issue_date": "Wystawiono", "gross": "Do zaplaty"}
            save_mapping(Ctx(s, FixedClock(dt.date(2026, 3, 16)), "tester"), list(columns.values()),
                         Mapping(columns=dict(columns)))
    finally:
        ledger.close()
    data = cli.ok("import", "invoices", str(path))
    assert data["created"] == 1
    assert any("mapping the import wizard saved" in w["text"] for w in data["warnings"])
