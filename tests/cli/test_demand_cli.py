"""`collector demand make/batch/reprint/email` and `collector demands`: files written, JSON shape, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli_support import Cli
from helpers.pdf_text import decode_qr, pdf_text

IBAN = "PL61109010140000071219812874"
FIELDS = {"id", "number", "date", "kind", "contractor", "invoices", "principal", "interest", "compensation",
          "total", "currency"}


@pytest.fixture
def ledger(seeded: Cli) -> Cli:
    seeded.ok("firm", "set", "--name", "Nasza Firma", "--tax-id", "5260250274", "--country", "PL",
              "--currency", "PLN", "--iban", IBAN, "--city", "Warszawa")
    return seeded


def test_demand_make_writes_the_letter_and_prints_its_register_row(ledger: Cli, tmp_path: Path) -> None:
    out = tmp_path / "letter.pdf"
    made = ledger.ok("demand", "make", "--invoice", "FV/1/2026", "--kind", "demand", "--out", str(out))
    assert set(made) >= FIELDS
    assert (made["number"], made["date"], made["kind"], made["invoices"], made["currency"]) == (
        "WZ/2026/03/0001", "2026-03-16", "demand", ["FV/1/2026"], "PLN")
    assert made["principal"] == "1000.00" and made["file"] == str(out)
    assert made["deadline"] == "2026-03-23"
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "WZ/2026/03/0001" in text and "1 000,00 zł" in text and "23 marca 2026" in text
    assert decode_qr(data)[0].split("|")[:4] == ["5260250274", "PL", IBAN[2:], f"{int(float(made['total']) * 100):06d}"]

    again = tmp_path / "again.pdf"
    ledger.ok("demand", "reprint", "--id", str(made["id"]), "--out", str(again))
    assert again.read_bytes() == data


def test_demands_lists_the_register_with_filters(ledger: Cli, tmp_path: Path) -> None:
    ledger.ok("demand", "make", "--contractor", "1", "--kind", "reminder", "--out", str(tmp_path / "a.pdf"),
              "--deadline-days", "14")
    ledger.ok("demand", "make", "--invoice", "FV/1/2026", "--kind", "final", "--out", str(tmp_path / "b.pdf"))
    rows = ledger.ok("demands")
    assert [r["number"] for r in rows] == ["WZ/2026/03/0002", "WZ/2026/03/0001"]
    assert all(set(r) >= FIELDS for r in rows)
    assert rows[1]["invoices"] == ["FV/1/2026", "FV/2/2026"] and rows[1]["total"] == "1250.50"
    assert rows[1]["interest"] == "0.00" and rows[1]["contractor"] == "Omega Handel Sp. z o.o."
    assert [r["kind"] for r in ledger.ok("demands", "--kind", "final")] == ["final"]
    assert ledger.ok("demands", "--contractor", "2") == []
    assert ledger.ok("demands", "--from", "2026-03-17") == []
    assert len(ledger.ok("demands", "--to", "2026-03-16", "--contractor", "1")) == 2
    text = ledger.ok("demands", as_json=False)
    assert "WZ/2026/03/0001" in text


def test_demand_batch_writes_one_file_per_contractor_and_a_print_file(ledger: Cli, tmp_path: Path) -> None:
    found = ledger.ok("demand", "candidates", "--min-days", "20")
    assert [(c["contractor"], c["invoices"], c["outstanding"]) for c in found] == [
        ("Omega Handel Sp. z o.o.", ["FV/1/2026", "FV/2/2026"], "1250.50")]
    out = tmp_path / "letters"
    result = ledger.ok("demand", "batch", "--min-days", "20", "--kind", "reminder", "--out", str(out))
    assert [r["number"] for r in result["letters"]] == ["WZ/2026/03/0001"]
    assert sorted(p.name for p in out.iterdir()) == [
        "WZ-2026-03-0001_Omega-Handel-Sp-z-o-o.pdf", "print-WZ-2026-03-0001-0001.pdf"]
    assert result["combined"] == str(out / "print-WZ-2026-03-0001-0001.pdf")
    assert ledger.ok("demand", "batch", "--min-days", "20", "--min-amount", "5000", "--out", str(out))["letters"] == []


def test_demand_email_queues_the_letter(ledger: Cli, tmp_path: Path) -> None:
    made = ledger.ok("demand", "make", "--invoice", "FV/1/2026", "--kind", "demand", "--out", str(tmp_path / "l.pdf"))
    queued = ledger.ok("demand", "email", "--id", str(made["id"]))
    assert (queued["demand"], queued["recipient"], queued["state"]) == (made["number"], "biuro@omega.example",
                                                                        "planned")


@pytest.mark.parametrize(("args", "field"), [
    (("--invoice", "NOPE", "--kind", "demand"), "invoice"),
    (("--invoice", "FV/3/2026", "--kind", "demand"), "invoice"),  # not overdue
    (("--invoice", "FV/1/2026", "--kind", "interest-note"), "invoice"),  # not paid
    (("--invoice", "FV/1/2026", "--kind", "demand", "--deadline-days", "0"), "deadline-days"),
    (("--contractor", "2", "--kind", "demand"), "contractor"),  # nothing overdue
    (("--invoice", "FV/1/2026", "--kind", "summons"), "kind"),
])
def test_bad_requests_write_nothing(ledger: Cli, tmp_path: Path, args: tuple[str, ...], field: str) -> None:
    out = tmp_path / "x.pdf"
    ledger.fails("demand", "make", *args, "--out", str(out), field=field)
    assert not out.exists()


def test_an_unwritable_file_issues_no_letter(ledger: Cli, tmp_path: Path) -> None:
    ledger.fails("demand", "make", "--invoice", "FV/1/2026", "--kind", "demand", "--out",
                 str(tmp_path / "missing" / "x.pdf"), field="out")
    ledger.fails("demand", "make", "--invoice", "FV/1/2026", "--kind", "demand", "--out", str(tmp_path), field="out")
    ledger.fails("demand", "reprint", "--id", "7", "--out", str(tmp_path / "r.pdf"), field="id")
    assert ledger.ok("demands") == []


def test_without_a_firm_account_no_letter_is_made(seeded: Cli, tmp_path: Path) -> None:
    seeded.fails("demand", "make", "--invoice", "FV/1/2026", "--kind", "demand", "--out", str(tmp_path / "x.pdf"),
                 field="firm")


def test_people_read_the_letter_and_the_batch_as_text(ledger: Cli, tmp_path: Path) -> None:
    made = ledger.ok("demand", "make", "--contractor", "1", "--kind", "reminder", "--out", str(tmp_path / "a.pdf"),
                     as_json=False)
    assert "WZ/2026/03/0001" in made and "FV/1/2026, FV/2/2026" in made
    batch = ledger.ok("demand", "batch", "--min-days", "20", "--kind", "reminder", "--out", str(tmp_path / "d"),
                      as_json=False)
    assert "invoices: FV/1/2026, FV/2/2026" in batch and "print-WZ-2026-03-0002-0002.pdf" in batch
