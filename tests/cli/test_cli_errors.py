"""Bad input: exit code 2, one line on stderr naming the field and what was expected, and nothing written.

Every refusal goes through Cli.fails, which compares a full dump of the ledger (all tables, the event
trail and the search index included) taken before and after the command.
"""

from __future__ import annotations

import pytest
from helpers.cli_support import BETA_NIP, OMEGA_NIP, Cli, ledger_dump

INVOICE = ("invoice", "add", "--contractor", "1", "--number", "FV/9/2026", "--issued", "2026-03-01",
           "--due", "2026-03-15")
PAY = ("payment", "add", "--date", "2026-03-10")
CALL = ("call", "log", "--invoice", "FV/1/2026")

CASES: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = [
    # invoices
    ((*INVOICE, "--gross", "abc"), "gross", ("not an amount", "1234.50")),
    ((*INVOICE, "--gross", "12.345"), "gross", ("more than 2 decimal places",)),
    ((*INVOICE, "--gross", "1.5", "--currency", "JPY"), "gross", ("more than 0 decimal places",)),
    ((*INVOICE, "--gross", "1e3"), "gross", ("not an amount",)),
    ((*INVOICE, "--gross", "0"), "gross", ("not above zero",)),
    ((*INVOICE, "--gross", "-5"), "gross", ("not above zero",)),
    ((*INVOICE, "--gross", "99999999999999999"), "gross", ("too large",)),
    ((*INVOICE, "--gross", "10", "--currency", "ZZZ"), "currency", ("ISO 4217",)),
    (("invoice", "add", "--contractor", "1", "--number", "FV/9/2026", "--issued", "2026-02-30", "--due", "2026-03-15",
      "--gross", "10"), "issued", ("not a date", "YYYY-MM-DD")),
    (("invoice", "add", "--contractor", "1", "--number", "FV/9/2026", "--issued", "2026-03-01", "--due", "15.03.2026",
      "--gross", "10"), "due", ("not a date", "YYYY-MM-DD")),
    (("invoice", "add", "--contractor", "1", "--number", "FV/9/2026", "--issued", "2026-03-10", "--due", "2026-03-09",
      "--gross", "10"), "due", ("before the issue date",)),
    (("invoice", "add", "--contractor", "99", "--number", "FV/9/2026", "--issued", "2026-03-01", "--due", "2026-03-15",
      "--gross", "10"), "contractor", ('"99"',)),
    (("invoice", "add", "--contractor", "9542751368", "--number", "FV/9/2026", "--issued", "2026-03-01",
      "--gross", "10"), "contractor", ("9542751368",)),
    (("invoice", "add", "--contractor", "2", "--number", "FV/1/2026", "--issued", "2026-03-01", "--due", "2026-03-15",
      "--gross", "10"), "number", ('"FV/1/2026" is already an invoice',)),
    (("invoice", "add", "--contractor", "1", "--number", "X" * 65, "--issued", "2026-03-01", "--gross", "10"),
     "number", ("1–64",)),
    ((*INVOICE, "--gross", "10", "--credit-note-for", "NOPE/1"), "credit-note-for", ('"NOPE/1"',)),
    ((*INVOICE, "--gross", "10", "--credit-note-for", "FV/3/2026"), "credit-note-for", ("another contractor",)),
    ((*INVOICE, "--gross", "10", "--currency", "EUR", "--credit-note-for", "FV/1/2026"), "currency", ("PLN",)),
    (("invoice", "add", "--contractor", "1", "--number", "FV/9/2026", "--issued", "2026-03-01"),
     "--gross", ("required",)),
    (("invoice", "show", "NOPE/1"), "invoice", ('no invoice numbered "NOPE/1"',)),
    # contractors and contact persons
    (("contractor", "add", "--name", "Zeta", "--tax-id", "1234567890"), "tax-id", ("not a valid NIP",)),
    (("contractor", "add", "--name", "Zeta", "--tax-id", "CZ 1234"), "tax-id", ("not a valid",)),
    (("contractor", "add", "--name", "Zeta", "--tax-id", f"PL{OMEGA_NIP}"), "tax-id",
     ("already belongs to contractor 1",)),
    (("contractor", "add", "--name", "Zeta", "--email", "zeta@"), "email", ("not an e-mail address",)),
    (("contractor", "add", "--name", "Zeta", "--email", "zeta.example"), "email", ("not an e-mail address",)),
    (("contractor", "add", "--name", "Zeta", "--phone", "12"), "phone", ("phone number",)),
    (("contractor", "add", "--name", "Zeta", "--phone", "call me"), "phone", ("not a phone number",)),
    (("contractor", "add", "--name", "Zeta", "--country", "XX"), "country", ("ISO 3166",)),
    (("contractor", "add", "--name", "Zeta", "--language", "de"), "language", ("pl, cs, en",)),
    (("contractor", "add", "--name", "Zeta", "--channel", "pigeon"), "channel", ("email, sms, letter, phone",)),
    (("contractor", "add", "--name", "Zeta", "--payment-terms", "400"), "payment-terms", ("0–365",)),
    (("contractor", "add", "--name", "Zeta", "--payment-terms", "30d"), "--payment-terms", ("invalid int",)),
    (("contractor", "add", "--name", "   "), "name", ("is required",)),
    (("contractor", "add", "--tax-id", BETA_NIP), "--name", ("required",)),
    (("contractor", "edit", "99", "--name", "X"), "contractor", ('"99"',)),
    (("contractor", "edit", "1", "--tax-id", BETA_NIP), "tax-id", ("already belongs to contractor 2",)),
    (("contractor", "edit", "1", "--email", "bad"), "email", ("not an e-mail address",)),
    (("contractor", "list", "--limit", "-1"), "limit", ("negative",)),
    (("contractor", "list", "--offset", "-3"), "offset", ("negative",)),
    (("contact", "add", "--contractor", "99", "--name", "Anna"), "contractor", ('"99"',)),
    (("contact", "add", "--contractor", "1", "--name", "Anna", "--email", "anna"), "email", ("not an e-mail",)),
    (("contact", "add", "--contractor", "1", "--name", " "), "name", ("required",)),
    # the register
    (("invoices", "--limit", "-1"), "limit", ("negative",)),
    (("invoices", "--offset", "-1"), "offset", ("negative",)),
    (("invoices", "--limit", "ten"), "--limit", ("invalid int",)),
    (("invoices", "--filter", "late"), "--filter", ("invalid choice", "overdue")),
    (("invoices", "--sort", "amount"), "--sort", ("invalid choice", "days_overdue")),
    (("invoices", "--contractor", "99"), "contractor", ('"99"',)),
    (("invoices", "--due-from", "March"), "due-from", ("not a date",)),
    (("invoices", "--issued-to", "2026-13-01"), "issued-to", ("not a date",)),
    # payments
    ((*PAY, "--amount", "abc", "--invoice", "FV/1/2026"), "amount", ("not an amount",)),
    ((*PAY, "--amount", "10.001", "--invoice", "FV/1/2026"), "amount", ("more than 2 decimal places",)),
    ((*PAY, "--amount", "-10", "--contractor", "1"), "amount", ("not above zero",)),
    ((*PAY, "--amount", "0", "--contractor", "1"), "amount", ("not above zero",)),
    (("payment", "add", "--date", "yesterday", "--amount", "10", "--contractor", "1"), "date", ("YYYY-MM-DD",)),
    ((*PAY, "--amount", "10", "--invoice", "NOPE/1"), "invoice", ('"NOPE/1"',)),
    ((*PAY, "--amount", "10", "--contractor", "99"), "contractor", ('"99"',)),
    ((*PAY, "--amount", "10", "--currency", "EUR", "--invoice", "FV/1/2026"), "currency", ("EUR", "PLN")),
    ((*PAY, "--amount", "10", "--invoice", "EU/1/2026"), "currency", ("EUR",)),
    ((*PAY, "--amount", "10", "--currency", "EURO", "--contractor", "1"), "currency", ("ISO 4217",)),
    ((*PAY, "--amount", "10", "--invoice", "FV/1/2026", "FV/3/2026"), "invoice", ("different contractors",)),
    ((*PAY, "--amount", "10", "--contractor", "2", "--invoice", "FV/1/2026"), "invoice", ("another contractor",)),
    ((*PAY, "--amount", "10", "--invoice", "FV/1/2026", "FV/1/2026"), "invoice", ("named twice",)),
    (("payment", "reverse", "--id", "99"), "payment", ("no payment with id 99",)),
    (("payment", "reverse", "--id", "one"), "--id", ("invalid int",)),
    (("payments", "--limit", "-1"), "limit", ("negative",)),
    (("payments", "--offset", "-1"), "offset", ("negative",)),
    (("payments", "--contractor", "99"), "contractor", ('"99"',)),
    (("allocate", "--payment", "99", "--invoice", "FV/1/2026"), "payment", ("no payment with id 99",)),
    (("allocate", "--payment", "1", "--invoice", "FV/1/2026"), "payment", ("nothing left",)),
    # notes, tasks, calls, timeline
    (("note", "add", "--invoice", "NOPE/1", "--text", "x"), "invoice", ('"NOPE/1"',)),
    (("note", "add", "--invoice", "FV/1/2026", "--text", "  "), "text", ("empty",)),
    (("task", "add", "--invoice", "NOPE/1", "--due", "2026-03-20", "--text", "x"), "invoice", ('"NOPE/1"',)),
    (("task", "add", "--invoice", "FV/1/2026", "--due", "2026-03-20T25:00", "--text", "x"), "due",
     ("YYYY-MM-DDTHH:MM",)),
    (("task", "add", "--invoice", "FV/1/2026", "--due", "soon", "--text", "x"), "due", ("YYYY-MM-DD",)),
    (("task", "add", "--invoice", "FV/1/2026", "--due", "2026-03-20", "--text", ""), "text", ("empty",)),
    (("task", "done", "--id", "99"), "task", ("no task with id 99",)),
    (("tasks", "--due-by", "friday"), "due-by", ("YYYY-MM-DD",)),
    (("call", "log", "--invoice", "NOPE/1", "--outcome", "reached", "--duration", "60"), "invoice", ('"NOPE/1"',)),
    ((*CALL, "--outcome", "angry", "--duration", "60"), "--outcome", ("invalid choice", "reached")),
    ((*CALL, "--outcome", "reached", "--duration", "1m"), "duration", ("whole number",)),
    ((*CALL, "--outcome", "reached", "--duration", "-1"), "duration", ("seconds",)),
    ((*CALL, "--outcome", "reached", "--duration", "90000"), "duration", ("seconds",)),
    ((*CALL, "--outcome", "promised", "--duration", "60"), "promise-date", ("required",)),
    ((*CALL, "--outcome", "promised", "--duration", "60", "--promise-date", "2026-03-15"), "promise-date",
     ("in the past",)),
    ((*CALL, "--outcome", "promised", "--duration", "60", "--promise-date", "31.03.2026"), "promise-date",
     ("YYYY-MM-DD",)),
    ((*CALL, "--outcome", "promised", "--duration", "60", "--promise-date", "2026-03-31", "--promise-amount", "1,001"),
     "promise-amount", ("more than 2 decimal places",)),
    ((*CALL, "--outcome", "promised", "--duration", "60", "--promise-date", "2026-03-31", "--promise-amount", "lots"),
     "promise-amount", ("not an amount",)),
    ((*CALL, "--outcome", "promised", "--duration", "60", "--promise-date", "2026-03-31", "--promise-amount", "0"),
     "promise-amount", ("above zero",)),
    ((*CALL, "--outcome", "reached", "--duration", "60", "--contact", "99"), "contact", ("99",)),
    (("timeline",), "invoice", ("--invoice",)),
    (("timeline", "--invoice", "NOPE/1"), "invoice", ('"NOPE/1"',)),
    (("timeline", "--contractor", "99"), "contractor", ('"99"',)),
    # the firm (not set in the seeded ledger)
    (("firm", "show"), "firm", ("not set",)),
    (("firm", "set", "--city", "Łódź"), "name", ("required",)),
]


@pytest.mark.parametrize(("args", "field", "expect"), CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_bad_input_is_refused_and_nothing_is_written(
    seeded: Cli, args: tuple[str, ...], field: str, expect: tuple[str, ...]
) -> None:
    seeded.fails(*args, field=field, expect=expect)


@pytest.mark.parametrize("as_json", [True, False])
def test_the_same_refusal_with_and_without_json(seeded: Cli, as_json: bool) -> None:
    line = seeded.fails(*INVOICE, "--gross", "12.345", field="gross", as_json=as_json)
    assert line == 'collector: error: gross: "12.345" has more than 2 decimal places for PLN'


def test_the_dump_sees_every_write(seeded: Cli) -> None:
    """The guard of all the tests above: a command that does write changes the dump."""
    before = ledger_dump(seeded.db)
    seeded.ok("note", "add", "--invoice", "FV/1/2026", "--text", "x")
    after = ledger_dump(seeded.db)
    assert after != before
    assert "INSERT INTO \"note\"" in after and "INSERT INTO \"note\"" not in before
    assert after.count("INSERT INTO \"event\"") == before.count("INSERT INTO \"event\"") + 1


def test_allocating_more_than_is_free_is_refused(seeded: Cli) -> None:
    pid = seeded.ok(*PAY, "--amount", "100", "--contractor", "2")["id"]  # nothing overdue: all of it is free
    seeded.fails("allocate", "--payment", str(pid), "--invoice", "FV/3/2026", "--amount", "100.01",
                 field="amount", expect=("100.00 left",))
    seeded.fails("allocate", "--payment", str(pid), "--invoice", "FV/3/2026", "--amount", "0", field="amount")
    seeded.fails("allocate", "--payment", str(pid), "--invoice", "FV/3/2026", "--amount", "1.001",
                 field="amount", expect=("decimal places",))
    seeded.fails("allocate", "--payment", str(pid), "--invoice", "NOPE/1", field="invoice")
    seeded.fails("allocate", "--payment", str(pid), "--invoice", "EU/1/2026", field="currency", expect=("EUR",))
    seeded.fails("allocate", "--payment", str(pid), "--invoice", "FV/4/2026", field="invoice",
                 expect=("already settled",))
    seeded.ok("payment", "reverse", "--id", str(pid))
    seeded.fails("allocate", "--payment", str(pid), "--invoice", "FV/3/2026", field="payment", expect=("reversed",))
    seeded.fails("payment", "reverse", "--id", str(pid), field="payment", expect=("already reversed",))


def test_a_contact_person_of_another_contractor_is_refused(seeded: Cli) -> None:
    other = seeded.ok("contact", "add", "--contractor", "2", "--name", "Piotr")["id"]
    seeded.fails(*CALL, "--outcome", "reached", "--duration", "5", "--contact", str(other), field="contact")


def test_firm_fields_are_checked(seeded: Cli) -> None:
    seeded.ok("firm", "set", "--name", "Nasza Firma")
    seeded.fails("firm", "set", "--iban", "PL00 1234", field="iban", expect=("not a valid IBAN",))
    seeded.fails("firm", "set", "--currency", "zł", field="currency", expect=("ISO 4217",))
    seeded.fails("firm", "set", "--tax-id", "123", field="tax-id", expect=("NIP",))
    seeded.fails("firm", "set", "--email", "kasa", field="email")
    seeded.fails("firm", "set", "--country", "Poland", field="country")
    seeded.fails("firm", "set", "--payment-terms", "-1", field="payment-terms")
    seeded.fails("firm", "set", "--name", "  ", field="name")
    # a refused change leaves the other fields given with it unwritten too
    seeded.fails("firm", "set", "--city", "Łódź", "--iban", "PL00", field="iban")
    assert seeded.ok("firm", "show")["city"] is None


def test_a_bad_today_is_refused_before_anything_is_opened(cli: Cli) -> None:
    cli.fails("init", today="2026-02-30", field="today", expect=("YYYY-MM-DD",))
    assert not cli.db.exists()


def test_unknown_command(seeded: Cli) -> None:
    line = seeded.fails("frobnicate", field="command", expect=("invalid choice: 'frobnicate'",))
    assert "(choose from" in line


def test_unknown_subcommand_and_missing_subcommand(seeded: Cli) -> None:
    seeded.fails("invoice", "delete", field="invalid choice", expect=("'delete'",))
    seeded.fails("payment", field="required")


def test_unknown_option(seeded: Cli) -> None:
    seeded.fails("invoices", "--colour", "red", field="unrecognized arguments", expect=("--colour",))


def test_backup_into_a_missing_folder_is_refused(seeded: Cli) -> None:
    target = seeded.db.parent / "missing" / "copy.db"
    seeded.fails("backup", str(target), field="file", expect=("no such directory",))
    assert not target.parent.exists()


def test_restore_of_a_missing_or_foreign_file_is_refused(seeded: Cli) -> None:
    listing = sorted(p.name for p in seeded.db.parent.iterdir())
    seeded.fails("restore", str(seeded.db.parent / "nothing.db"), field="file", expect=("no such file",))
    text = seeded.db.parent / "notes.txt"
    text.write_text("not a ledger\n")
    seeded.fails("restore", str(text), field="file", expect=("not a Collector ledger",))
    assert sorted(p.name for p in seeded.db.parent.iterdir()) == sorted([*listing, "notes.txt"])  # no safety copy
