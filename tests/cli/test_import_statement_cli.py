"""`collector import statement`, `collector review`, `collector account add` against the seeded ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.cli_support import Cli, ledger_dump
from helpers.samples import needs_samples
from helpers.statements import DATA, OMEGA_IBAN, SAMPLES

PL_MT940 = str(DATA / "pl_two_statements_iso-8859-2.sta")
SUMMARY_KEYS = {"file", "format", "created", "updated", "unchanged", "skipped", "warnings", "payments", "matched",
                "unmatched", "matched_by", "batch", "dry_run"}
PAYMENT_KEYS = {"id", "date", "amount", "currency", "payer", "payer_account", "title", "source", "allocated",
                "unallocated"}


def invoice(cli: Cli, number: str) -> dict[str, Any]:
    result: dict[str, Any] = cli.ok("invoice", "show", number)
    return result


def test_import_matches_and_a_second_import_changes_nothing(seeded: Cli) -> None:
    out = seeded.ok("import", "statement", PL_MT940)
    assert set(out) >= SUMMARY_KEYS
    assert (out["format"], out["payments"], out["matched"], out["unmatched"]) == ("mt940", 6, 2, 4)
    assert out["matched_by"] == {"title": 2}
    assert out["dry_run"] is False and isinstance(out["batch"], int)
    assert invoice(seeded, "FV/1/2026")["status"] == "settled"
    assert invoice(seeded, "FV/3/2026")["status"] == "settled"
    before = ledger_dump(seeded.db)
    again = seeded.ok("import", "statement", PL_MT940)
    assert (again["payments"], again["batch"]) == (0, None)
    assert [s["reason"] for s in again["skipped"]].count("already imported") == 6
    assert ledger_dump(seeded.db) == before


def test_dry_run_shows_the_summary_and_writes_nothing(seeded: Cli) -> None:
    before = ledger_dump(seeded.db)
    out = seeded.ok("import", "statement", PL_MT940, "--dry-run")
    assert (out["payments"], out["matched"], out["dry_run"]) == (6, 2, True)
    assert ledger_dump(seeded.db) == before


@needs_samples
def test_format_is_told_from_the_content_or_given(seeded: Cli) -> None:
    out = seeded.ok("import", "statement", str(SAMPLES / "camt053/oca_camt053.001.02_NL77ABNA0574908765.xml"),
                    "--format", "camt053")
    assert (out["format"], out["payments"]) == ("camt053", 1)
    seeded.fails("import", "statement", PL_MT940, "--format", "camt053", field="pl_two_statements",
                 expect="not well-formed XML")


def test_broken_file_exits_2_naming_file_and_line_and_writes_nothing(seeded: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.sta"
    bad.write_bytes(Path(PL_MT940).read_bytes().replace(b"CN300,00", b"CN300,0,0"))
    line = seeded.fails("import", "statement", str(bad), field=str(bad), expect="line 11: 61:")
    assert line.startswith("collector: error: ")


def test_entity_expansion_is_refused(seeded: Cli) -> None:
    seeded.fails("import", "statement", str(DATA / "entity_bomb.xml"), field="entity_bomb.xml", expect="refused")
    seeded.fails("import", "statement", str(DATA / "xxe.xml"), field="xxe.xml", expect="refused")


def test_missing_file(seeded: Cli, tmp_path: Path) -> None:
    seeded.fails("import", "statement", str(tmp_path / "none.sta"), field="file", expect="no such file")


def test_review_lists_unmatched_payments_with_suggestions_until_allocated(seeded: Cli) -> None:
    seeded.ok("invoice", "add", "--contractor", "2", "--number", "FV/6/2026", "--issued", "2026-03-01",
              "--due", "2026-03-20", "--gross", "99.99")
    seeded.ok("invoice", "add", "--contractor", "1", "--number", "FV/11/2026", "--issued", "2026-03-01",
              "--due", "2026-03-20", "--gross", "99.99")
    seeded.ok("import", "statement", PL_MT940)
    items = seeded.ok("review")
    assert len(items) == 4
    assert all(set(i) >= PAYMENT_KEYS | {"suggestions"} for i in items)
    services = next(i for i in items if i["title"] == "ZA USŁUGI")
    assert services["amount"] == "99.99" and services["source"] == "bank"
    assert {(s["invoice"], s["score"]) for s in services["suggestions"]} == {("FV/6/2026", 0.3), ("FV/11/2026", 0.3)}
    assert all(set(s) >= {"invoice", "score", "reason"} for s in services["suggestions"])
    seeded.ok("allocate", "--payment", str(services["id"]), "--invoice", "FV/6/2026")
    assert [i["title"] for i in seeded.ok("review")].count("ZA USŁUGI") == 0
    text = seeded.ok("review", as_json=False)
    assert "SUGGESTION" in text and "DAROWIZNA" in text


def test_a_typed_in_account_matches_the_payer(seeded: Cli) -> None:
    added = seeded.ok("account", "add", "--contractor", "1", "--account", "pl27 1140 2004 0000 3002 0135 5387")
    assert (added["account"], added["added"]) == (OMEGA_IBAN, True)
    out = seeded.ok("import", "statement", str(DATA / "camt053_v08_duplicates.xml"))
    assert out["matched_by"] == {"payer-account": 1}
    assert invoice(seeded, "FV/2/2026")["status"] == "settled"
    seeded.fails("account", "add", "--contractor", "1", "--account", "12", field="account")


def test_accounts_are_listed_and_removed_and_a_wrong_iban_is_refused(seeded: Cli) -> None:
    seeded.ok("account", "add", "--contractor", "1", "--account", OMEGA_IBAN)
    seeded.ok("account", "add", "--contractor", "1", "--account", "19-2000145399/0800")
    listed = seeded.ok("account", "list", "--contractor", "1")
    assert [(a["account"], a["source"]) for a in listed] == [
        (OMEGA_IBAN, "typed"), ("CZ6508000000192000145399", "typed")]
    removed = seeded.ok("account", "remove", "--contractor", "1", "--account", "CZ65 0800 0000 1920 0014 5399")
    assert removed["removed"] is True
    assert [a["account"] for a in seeded.ok("account", "list", "--contractor", "1")] == [OMEGA_IBAN]
    seeded.fails("account", "remove", "--contractor", "1", "--account", "CZ6508000000192000145399", field="account")
    wrong_check_digits = OMEGA_IBAN[:2] + "28" + OMEGA_IBAN[4:]
    seeded.fails("account", "add", "--contractor", "1", "--account", wrong_check_digits, field="account")
    for typo in ("19-2000145398/0800", "2000145399/9999"):  # a check digit, a bank code that does not exist
        seeded.fails("account", "add", "--contractor", "1", "--account", typo, field="account",
                     expect="not a valid Czech account number")
    assert len(seeded.ok("account", "list", "--contractor", "1")) == 1


def test_text_output_says_how_many_matched(seeded: Cli) -> None:
    text = seeded.ok("import", "statement", PL_MT940, as_json=False)
    assert "matched" in text and "title" in text
