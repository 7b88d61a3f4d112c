"""Payments through the command line: named and automatic allocation, reversal, the register, allocate."""

from __future__ import annotations

import re
from typing import Any

from helpers.cli_support import Cli

AMOUNT = re.compile(r"^-?\d+\.\d{2}$")


def invoice(cli: Cli, number: str) -> dict[str, Any]:
    found: dict[str, Any] = cli.ok("invoice", "show", number)
    return found


def test_payment_for_named_invoices_pays_them_in_order_and_the_last_takes_the_rest(seeded: Cli) -> None:
    r = seeded.ok("payment", "add", "--amount", "1300.00", "--date", "2026-03-10",
                  "--invoice", "FV/2/2026", "FV/1/2026", "--title", "zaległości")
    assert isinstance(r["id"], int)
    assert (r["amount"], r["allocated"], r["unallocated"], r["currency"]) == ("1300.00", "1300.00", "0.00", "PLN")
    assert r["date"] == "2026-03-10"
    assert r["contractor_id"] == 1  # taken from the invoices
    assert r["allocations"] == [
        {"invoice": "FV/2/2026", "amount": "250.50", "reason": "named"},
        {"invoice": "FV/1/2026", "amount": "1049.50", "reason": "named"},
    ]
    assert invoice(seeded, "FV/2/2026")["status"] == "settled"
    fv1 = invoice(seeded, "FV/1/2026")
    assert (fv1["status"], fv1["paid"], fv1["balance"]) == ("overpaid", "1049.50", "-49.50")


def test_payment_for_a_named_invoice_below_its_balance_leaves_it_open(seeded: Cli) -> None:
    seeded.ok("payment", "add", "--amount", "100", "--date", "2026-03-10", "--invoice", "FV/1/2026")
    fv1 = invoice(seeded, "FV/1/2026")
    assert (fv1["paid"], fv1["balance"], fv1["status"], fv1["days_overdue"]) == ("100.00", "900.00", "overdue", 60)


def test_payment_without_invoices_is_allocated_by_the_numbers_in_its_title(seeded: Cli) -> None:
    r = seeded.ok("payment", "add", "--amount", "250.50", "--date", "2026-03-10",
                  "--title", "Zapłata za fakturę FV/2/2026, dziękujemy")
    assert r["allocations"] == [{"invoice": "FV/2/2026", "amount": "250.50", "reason": "title"}]
    assert r["contractor_id"] == 1
    assert invoice(seeded, "FV/2/2026")["status"] == "settled"
    assert invoice(seeded, "FV/1/2026")["paid"] == "0.00"


def test_payment_of_a_contractor_goes_to_the_oldest_overdue_first(seeded: Cli) -> None:
    r = seeded.ok("payment", "add", "--amount", "1100.00", "--date", "2026-03-10", "--contractor", "1")
    assert [(a["invoice"], a["amount"], a["reason"]) for a in r["allocations"]] == [
        ("FV/1/2026", "1000.00", "oldest-overdue"), ("FV/2/2026", "100.00", "oldest-overdue")]
    assert r["unallocated"] == "0.00"
    assert invoice(seeded, "FV/2/2026")["balance"] == "150.50"


def test_payment_of_exactly_an_invoice_amount_goes_to_that_invoice(seeded: Cli) -> None:
    r = seeded.ok("payment", "add", "--amount", "250.50", "--date", "2026-03-10", "--contractor", "1")
    assert r["allocations"] == [{"invoice": "FV/2/2026", "amount": "250.50", "reason": "exact-amount"}]


def test_what_cannot_be_allocated_stays_as_unallocated_credit(seeded: Cli) -> None:
    r = seeded.ok("payment", "add", "--amount", "500.00", "--date", "2026-03-10", "--contractor", "2",
                  "--payer", "Beta Bud", "--payer-account", "PL61109010140000071219812874")
    assert r["allocations"] == []  # Beta has nothing overdue
    assert (r["allocated"], r["unallocated"]) == ("0.00", "500.00")
    rows = seeded.ok("payments", "--unallocated")
    assert [(p["id"], p["unallocated"]) for p in rows] == [(r["id"], "500.00")]
    assert rows[0]["payer"] == "Beta Bud"
    assert rows[0]["payer_account"] == "PL61109010140000071219812874"


def test_payments_register_fields_and_formats(seeded: Cli) -> None:
    rows = seeded.ok("payments")
    assert len(rows) == 2
    for p in rows:
        assert {"id", "date", "amount", "currency", "payer", "payer_account", "title", "source", "allocated",
                "unallocated"} <= p.keys()
        assert type(p["id"]) is int
        assert all(AMOUNT.match(p[k]) for k in ("amount", "allocated", "unallocated"))
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p["date"])
        assert p["source"] == "manual"
    assert [p["date"] for p in rows] == ["2026-03-02", "2026-03-01"]  # newest first
    assert [p["amount"] for p in rows] == ["70.00", "80.00"]


def test_payments_filters_and_paging(seeded: Cli) -> None:
    seeded.ok("payment", "add", "--amount", "10", "--date", "2026-03-12", "--contractor", "1")  # to FV/1
    assert [p["amount"] for p in seeded.ok("payments", "--contractor", "1")] == ["10.00"]
    assert len(seeded.ok("payments", "--contractor", "2")) == 2
    assert seeded.ok("payments", "--unallocated") == []
    assert [p["amount"] for p in seeded.ok("payments", "--limit", "1", "--offset", "1")] == ["70.00"]


def test_payment_reverse_undoes_its_allocations(seeded: Cli) -> None:
    pid = seeded.ok("payment", "add", "--amount", "1100", "--date", "2026-03-10", "--contractor", "1")["id"]
    row = seeded.ok("payment", "reverse", "--id", str(pid), "--reason", "zwrot przelewu")
    assert row["id"] == pid
    assert row["reversed"] is True
    assert (row["allocated"], row["unallocated"]) == ("0.00", "0.00")
    for number, balance in (("FV/1/2026", "1000.00"), ("FV/2/2026", "250.50")):
        inv = invoice(seeded, number)
        assert (inv["paid"], inv["balance"], inv["status"]) == ("0.00", balance, "overdue")
    assert any("reversed: zwrot przelewu" in e["summary"] for e in seeded.ok("timeline", "--contractor", "1"))


def test_allocate_free_money_by_hand(seeded: Cli) -> None:
    pid = seeded.ok("payment", "add", "--amount", "500", "--date", "2026-03-10", "--contractor", "2")["id"]
    r = seeded.ok("allocate", "--payment", str(pid), "--invoice", "FV/3/2026", "--amount", "120.25")
    assert r["allocations"] == [{"invoice": "FV/3/2026", "amount": "120.25", "reason": "by-hand"}]
    assert (r["allocated"], r["unallocated"]) == ("120.25", "379.75")
    r = seeded.ok("allocate", "--payment", str(pid), "--invoice", "FV/3/2026")  # the rest of its balance
    assert r["allocations"] == [{"invoice": "FV/3/2026", "amount": "179.75", "reason": "by-hand"}]
    assert r["unallocated"] == "200.00"
    assert invoice(seeded, "FV/3/2026")["status"] == "settled"
    assert [p["unallocated"] for p in seeded.ok("payments", "--unallocated")] == ["200.00"]


def test_payment_in_another_currency(seeded: Cli) -> None:
    r = seeded.ok("payment", "add", "--amount", "100", "--currency", "eur", "--date", "2026-03-10",
                  "--invoice", "EU/1/2026")
    assert (r["currency"], r["allocated"]) == ("EUR", "100.00")
    assert invoice(seeded, "EU/1/2026")["status"] == "settled"
