"""init, contractors, contact persons, invoices and the firm through the command line."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from helpers.cli_support import BETA_NIP, OMEGA_NIP, Cli, table_counts

from collector_app.db.migrate import head_revision

AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_init_creates_a_migrated_ledger(cli: Cli) -> None:
    assert not cli.db.exists()
    out = cli.ok("init")
    assert out["revision"] == head_revision()
    assert out["db"].endswith(str(cli.db))
    counts = table_counts(cli.db)
    assert {"invoice", "contractor", "payment", "allocation", "event", "alembic_version"} <= counts.keys()
    assert counts["invoice"] == 0


def test_init_twice_keeps_the_data(seeded: Cli) -> None:
    before = table_counts(seeded.db)
    assert seeded.ok("init")["revision"] == head_revision()
    assert table_counts(seeded.db) == before


def test_init_in_a_missing_folder_creates_it(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "ledger.db"
    r = cli.run("init", db=target)
    assert r.rc == 0, r.err
    assert target.is_file()
    con = sqlite3.connect(target)
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
    finally:
        con.close()


def test_any_command_on_a_missing_path_makes_a_new_ledger(cli: Cli) -> None:
    assert cli.ok("contractor", "list") == []
    assert cli.db.is_file()
    assert "alembic_version" in table_counts(cli.db)


def test_contractor_add_returns_the_normalised_contractor(cli: Cli) -> None:
    c = cli.ok("contractor", "add", "--name", "  Omega   Handel  ", "--tax-id", "PL 701-001-01-91",
               "--email", "Biuro@Omega.example", "--phone", "601 234 567", "--segment", "retail",
               "--language", "en", "--country", "PL", "--channel", "SMS", "--payment-terms", "30",
               "--city", "Kraków")
    assert isinstance(c["id"], int)
    assert c["name"] == "Omega Handel"
    assert c["tax_id"] == "PL" + OMEGA_NIP  # a prefixed number is kept as the EU VAT id it is
    assert c["email"] == "Biuro@omega.example"
    assert c["phone"] == "+48601234567"
    assert c["segment"] == "retail"
    assert c["language"] == "en"
    assert c["preferred_channel"] == "sms"
    assert c["payment_terms_days"] == 30
    assert c["city"] == "Kraków"
    # found by any common spelling of the tax id
    assert cli.ok("contractor", "edit", OMEGA_NIP, "--city", "Tarnów")["id"] == c["id"]


def test_contractor_list_is_sorted_by_name_and_searchable(seeded: Cli) -> None:
    rows = seeded.ok("contractor", "list")
    assert [r["name"] for r in rows] == ["Beta Bud S.A.", "Omega Handel Sp. z o.o."]
    assert all(isinstance(r["id"], int) for r in rows)
    assert [r["name"] for r in seeded.ok("contractor", "list", "--search", "mega")] == ["Omega Handel Sp. z o.o."]
    assert [r["tax_id"] for r in seeded.ok("contractor", "list", "--search", BETA_NIP)] == [BETA_NIP]
    assert seeded.ok("contractor", "list", "--search", "nobody") == []
    assert [r["name"] for r in seeded.ok("contractor", "list", "--limit", "1", "--offset", "1")] == [
        "Omega Handel Sp. z o.o."]


def test_contractor_list_as_a_table(seeded: Cli) -> None:
    out = seeded.ok("contractor", "list", as_json=False)
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "NAME", "TAX_ID"]
    assert "Beta Bud S.A." in lines[1] and "Omega Handel" in lines[2]


def test_contractor_edit_by_id_and_by_tax_id(seeded: Cli) -> None:
    c = seeded.ok("contractor", "edit", "1", "--email", "kasa@omega.example", "--payment-terms", "21")
    assert (c["id"], c["email"], c["payment_terms_days"]) == (1, "kasa@omega.example", 21)
    c = seeded.ok("contractor", "edit", f"PL{BETA_NIP}", "--name", "Beta Budownictwo S.A.")
    assert (c["id"], c["name"], c["tax_id"]) == (2, "Beta Budownictwo S.A.", BETA_NIP)
    names = {r["id"]: r["name"] for r in seeded.ok("contractor", "list")}
    assert names[2] == "Beta Budownictwo S.A."
    # the edit is on the contractor's timeline
    summaries = [e["summary"] for e in seeded.ok("timeline", "--contractor", "2")]
    assert any("edited" in s for s in summaries)


def test_contact_add(seeded: Cli) -> None:
    p = seeded.ok("contact", "add", "--contractor", OMEGA_NIP, "--name", "Anna Nowak", "--role", "księgowa",
                  "--email", "anna@omega.example", "--phone", "+48 601 000 111")
    assert p["contractor_id"] == 1
    assert (p["name"], p["role"], p["email"], p["phone"]) == (
        "Anna Nowak", "księgowa", "anna@omega.example", "+48601000111")
    assert isinstance(p["id"], int)
    assert table_counts(seeded.db)["contact_person"] == 1


def test_invoice_add_prints_the_contract_object(seeded: Cli) -> None:
    inv = seeded.ok("invoice", "add", "--contractor", f"PL {OMEGA_NIP}", "--number", "FV/9/2026",
                    "--issued", "2026-03-02", "--due", "2026-03-10", "--gross", "1234,5")
    assert inv["number"] == "FV/9/2026"
    assert inv["kind"] == "invoice"
    assert inv["contractor"] == "Omega Handel Sp. z o.o."
    assert inv["contractor_id"] == 1
    assert (inv["issue_date"], inv["due_date"]) == ("2026-03-02", "2026-03-10")
    assert (inv["gross"], inv["paid"], inv["balance"]) == ("1234.50", "0.00", "1234.50")
    assert inv["currency"] == "PLN"
    assert inv["status"] == "overdue"
    assert inv["days_overdue"] == 6


def test_invoice_add_without_due_date_uses_the_payment_terms(seeded: Cli) -> None:
    seeded.ok("contractor", "edit", "1", "--payment-terms", "30")
    inv = seeded.ok("invoice", "add", "--contractor", "1", "--number", "FV/10/2026", "--issued", "2026-03-01",
                    "--gross", "10")
    assert inv["due_date"] == "2026-03-31"
    assert inv["status"] == "unsettled-current"
    assert inv["days_overdue"] == 0


def test_invoice_add_takes_the_firm_currency_by_default(cli: Cli) -> None:
    cli.ok("firm", "set", "--name", "Nasza Firma", "--country", "CZ", "--currency", "CZK")
    cli.ok("contractor", "add", "--name", "Alfa s.r.o.", "--country", "CZ")
    inv = cli.ok("invoice", "add", "--contractor", "1", "--number", "2026001", "--issued", "2026-03-01",
                 "--due", "2026-03-15", "--gross", "1500")
    assert (inv["currency"], inv["gross"]) == ("CZK", "1500.00")


def test_credit_note_is_a_negative_document_offset_against_its_invoice(seeded: Cli) -> None:
    cn = seeded.ok("invoice", "add", "--contractor", "1", "--number", "FV/2/2026", "--issued", "2026-03-05",
                   "--due", "2026-03-05", "--gross", "50.50", "--credit-note-for", "FV/2/2026")
    assert cn["kind"] == "credit_note"
    assert cn["gross"] == "-50.50"
    assert cn["balance"] == "0.00"
    corrected = next(r for r in seeded.ok("invoices", "--search", "FV/2/2026") if r["kind"] == "invoice")
    assert (corrected["paid"], corrected["balance"]) == ("50.50", "200.00")


def test_invoice_show_has_the_timeline(seeded: Cli) -> None:
    seeded.ok("note", "add", "--invoice", "FV/1/2026", "--text", "Klient prosi o duplikat")
    inv = seeded.ok("invoice", "show", "FV/1/2026")
    assert inv["number"] == "FV/1/2026"
    assert (inv["gross"], inv["balance"], inv["status"], inv["days_overdue"]) == ("1000.00", "1000.00", "overdue", 60)
    summaries = [e["summary"] for e in inv["timeline"]]
    assert summaries[0] == "Note on FV/1/2026: Klient prosi o duplikat"  # newest first
    assert any(s.startswith("Invoice FV/1/2026 added") for s in summaries)


def test_invoice_show_as_text(seeded: Cli) -> None:
    out = seeded.ok("invoice", "show", "FV/4/2026", as_json=False)
    assert re.search(r"^status\s+settled$", out, re.M)
    assert re.search(r"^gross\s+80\.00$", out, re.M)


def test_firm_set_and_show(cli: Cli) -> None:
    f = cli.ok("firm", "set", "--name", "Nasza Firma", "--tax-id", "526-025-02-74", "--country", "PL",
               "--currency", "pln", "--iban", "PL61 1090 1014 0000 0712 1981 2874", "--email", "kasa@nasza.example",
               "--payment-terms", "21")
    assert (f["name"], f["tax_id"], f["currency"], f["iban"]) == (
        "Nasza Firma", BETA_NIP, "PLN", "PL61109010140000071219812874")
    assert f["payment_terms_days"] == 21
    cli.ok("firm", "set", "--city", "Gdańsk")
    shown = cli.ok("firm", "show")
    assert shown["city"] == "Gdańsk"
    assert shown["name"] == "Nasza Firma"  # fields not given stay as they were
    assert table_counts(cli.db)["firm"] == 1
