"""Ledger commands at their edges, as a bookkeeper meets them: repeated options, moved promises, edits."""

from __future__ import annotations

from helpers.cli_support import Cli


def invoice(cli: Cli, number: str) -> dict[str, str]:
    return next(i for i in cli.ok("invoices") if i["number"] == number)


def test_invoice_given_twice_pays_both_in_order(seeded: Cli) -> None:
    seeded.ok("payment", "add", "--amount", "1100.00", "--date", "2026-03-16",
              "--invoice", "FV/1/2026", "--invoice", "FV/2/2026")
    assert invoice(seeded, "FV/1/2026")["status"] == "settled"
    assert invoice(seeded, "FV/2/2026")["paid"] == "100.00"


def test_a_promise_moved_to_a_later_date_is_not_a_broken_promise(seeded: Cli) -> None:
    seeded.ok("call", "log", "--invoice", "FV/1/2026", "--outcome", "promised", "--duration", "60",
              "--promise-date", "2026-03-18")
    seeded.ok("call", "log", "--invoice", "FV/1/2026", "--outcome", "promised", "--duration", "60",
              "--promise-date", "2026-03-25", today="2026-03-17")
    assert [t["text"] for t in seeded.ok("tasks", "--due-by", "2026-03-20", today="2026-03-20")
            if "Broken promise" in t["text"]] == []
    broken = [t["text"] for t in seeded.ok("tasks", "--due-by", "2026-03-26", today="2026-03-26")
              if "Broken promise" in t["text"]]
    assert broken == ["Broken promise: FV/1/2026 was to be paid by 2026-03-25; call again"]


def test_a_call_nobody_answered_carries_no_promise(seeded: Cli) -> None:
    seeded.fails("call", "log", "--invoice", "FV/1/2026", "--outcome", "no-answer", "--duration", "0",
                 "--promise-date", "2026-03-20", field="promise-date", expect="nobody answered")


def test_moving_a_contractor_to_another_country_checks_its_tax_id_again(seeded: Cli) -> None:
    seeded.fails("contractor", "edit", "1", "--country", "CZ", field="tax-id")
    moved = seeded.ok("contractor", "edit", "1", "--country", "CZ", "--tax-id", "CZ25596641")
    assert (moved["country"], moved["tax_id"]) == ("CZ", "CZ25596641")


def test_a_payment_of_one_contractor_does_not_pay_another_ones_invoice_by_hand(seeded: Cli) -> None:
    paid = seeded.ok("payment", "add", "--amount", "5000.00", "--date", "2026-03-16", "--contractor", "1")
    assert paid["unallocated"] == "3749.50"  # its two overdue invoices paid, the rest is its credit
    seeded.fails("allocate", "--payment", str(paid["id"]), "--invoice", "FV/3/2026", field="invoice",
                 expect="another contractor")


def test_an_invoice_number_with_a_line_break_is_refused(seeded: Cli) -> None:
    seeded.fails("invoice", "add", "--contractor", "1", "--number", "X/1\r\nBcc: evil@example.com",
                 "--issued", "2026-03-01", "--gross", "10.00", field="number", expect="line break")
