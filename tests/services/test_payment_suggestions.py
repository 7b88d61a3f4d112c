"""Suggested allocations (oldest due first) and payments entered with per-invoice amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from helpers.ledger import contractor, expect_error, fresh, invoice, pay
from sqlalchemy import select

from collector_app.db.models import Allocation, Invoice
from collector_app.services.context import Ctx
from collector_app.services.contractors import get_contractor
from collector_app.services.payments import (
    PaymentData,
    add_payment,
    reverse_payment,
    suggest_allocation,
    unallocated_totals,
)

D = Decimal


def _three_open(ctx: Ctx, today: dt.date) -> int:
    c = contractor(ctx)
    invoice(ctx, c, "FV/3", "300.00", today + dt.timedelta(days=5))
    invoice(ctx, c, "FV/1", "100.00", today - dt.timedelta(days=30))
    invoice(ctx, c, "FV/2", "200.00", today - dt.timedelta(days=10))
    return c.id


def _allocations(ctx: Ctx, payment_id: int) -> dict[int, Decimal]:
    ctx.session.flush()
    rows = ctx.session.execute(select(Allocation.invoice_id, Allocation.amount)
                               .where(Allocation.payment_id == payment_id))
    return {inv: amount for inv, amount in rows}


def test_suggestion_fills_oldest_due_first_and_lists_the_rest_with_zero(ctx: Ctx, today: dt.date) -> None:
    cid = _three_open(ctx, today)
    got = suggest_allocation(ctx, cid, "PLN", D("250.00"))
    assert [(s.number, s.balance, s.amount) for s in got] == [
        ("FV/1", D("100.00"), D("100.00")),
        ("FV/2", D("200.00"), D("150.00")),
        ("FV/3", D("300.00"), D("0")),
    ]


def test_suggestion_follows_the_invoices_the_title_names_then_the_exact_amount(ctx: Ctx, today: dt.date) -> None:
    """As automatic allocation does (and `payment add` without --invoice): a window showing oldest first would
    pay FV/1 while the transfer says FV/3, and FV/3 would be reminded although paid."""
    cid = _three_open(ctx, today)
    shares = {s.number: s.amount for s in suggest_allocation(ctx, cid, "PLN", D("300.00"), "zapłata FV/3")}
    assert shares == {"FV/1": D(0), "FV/2": D(0), "FV/3": D("300.00")}
    shares = {s.number: s.amount for s in suggest_allocation(ctx, cid, "PLN", D("350.00"), "FV/3 i FV/2")}
    assert shares == {"FV/1": D(0), "FV/2": D("50.00"), "FV/3": D("300.00")}
    shares = {s.number: s.amount for s in suggest_allocation(ctx, cid, "PLN", D("200.00"), "przelew")}
    assert shares == {"FV/1": D(0), "FV/2": D("200.00"), "FV/3": D(0)}
    saved = add_payment(ctx, PaymentData(date=today, amount=D("300.00"), currency="PLN", contractor_id=cid,
                                         title="zapłata FV/3")).payment
    assert _allocations(ctx, saved.id) == {ctx.session.scalar(select(Invoice.id).where(Invoice.number == "FV/3")):
                                           D("300.00")}


def test_suggestion_uses_the_balance_not_the_gross(ctx: Ctx, today: dt.date) -> None:
    cid = _three_open(ctx, today)
    pay(ctx, "60.00", today, "FV/1")
    got = suggest_allocation(ctx, cid, "PLN", D("1000.00"))
    assert [(s.number, s.amount) for s in got] == [
        ("FV/1", D("40.00")), ("FV/2", D("200.00")), ("FV/3", D("300.00")),
    ]


def test_suggestion_skips_settled_other_currency_other_contractor_and_credit_notes(
    ctx: Ctx, today: dt.date
) -> None:
    cid = _three_open(ctx, today)
    mine = get_contractor(ctx, cid)
    invoice(ctx, contractor(ctx, "Other"), "X/1", "10.00", today - dt.timedelta(days=90))
    invoice(ctx, mine, "EUR/1", "10.00", today - dt.timedelta(days=90), currency="EUR")
    invoice(ctx, mine, "KOR/1", "-50.00", today - dt.timedelta(days=90), credit_note_for="FV/3")
    pay(ctx, "100.00", today, "FV/1")
    assert [s.number for s in suggest_allocation(ctx, cid, "pln", D("5"))] == ["FV/2", "FV/3"]
    assert [s.number for s in suggest_allocation(ctx, cid, "EUR", D("5"))] == ["EUR/1"]


def test_suggestion_checks_its_arguments(ctx: Ctx, today: dt.date) -> None:
    cid = _three_open(ctx, today)
    with expect_error("contractor"):
        suggest_allocation(ctx, cid + 99, "PLN", D(1))
    with expect_error("currency"):
        suggest_allocation(ctx, cid, "ZZZ", D(1))
    assert all(s.amount == 0 for s in suggest_allocation(ctx, cid, "PLN", D(0)))


def test_explicit_amounts_are_allocated_as_typed_and_the_rest_stays_credit(ctx: Ctx, today: dt.date) -> None:
    cid = _three_open(ctx, today)
    suggested = {s.number: s.invoice_id for s in suggest_allocation(ctx, cid, "PLN", D(0))}
    result = add_payment(ctx, PaymentData(
        date=today, amount=D("500.00"), currency="PLN", contractor_id=cid,
        allocations=(("FV/3", D("120.00")), ("FV/1", D("30.50"))),
    ))
    assert [(a.number, a.amount, a.reason) for a in result.applied] == [
        ("FV/3", D("120.00"), "by-hand"), ("FV/1", D("30.50"), "by-hand"),
    ]
    assert _allocations(ctx, result.payment.id) == {
        suggested["FV/3"]: D("120.00"), suggested["FV/1"]: D("30.50"),
    }
    assert result.unallocated == D("349.50")
    assert fresh(ctx, result.payment).allocated == D("150.50")
    assert unallocated_totals(ctx) == {"PLN": D("349.50")}
    assert unallocated_totals(ctx, cid) == {"PLN": D("349.50")}
    assert unallocated_totals(ctx, cid + 1) == {}


def test_explicit_amount_may_overpay_an_invoice(ctx: Ctx, today: dt.date) -> None:
    cid = _three_open(ctx, today)
    result = add_payment(ctx, PaymentData(
        date=today, amount=D("150.00"), contractor_id=cid, allocations=(("FV/1", D("150.00")),),
    ))
    inv = ctx.session.get(Invoice, result.applied[0].invoice_id)
    assert inv is not None and inv.paid == D("150.00")


def test_empty_explicit_allocations_leave_everything_unallocated(ctx: Ctx, today: dt.date) -> None:
    cid = _three_open(ctx, today)
    result = add_payment(ctx, PaymentData(
        date=today, amount=D("100.00"), contractor_id=cid, title="FV/1", allocations=(),
    ))
    assert result.applied == []
    assert result.unallocated == D("100.00")


def test_contractor_is_taken_from_the_explicit_invoices(ctx: Ctx, today: dt.date) -> None:
    cid = _three_open(ctx, today)
    result = add_payment(ctx, PaymentData(date=today, amount=D("10.00"), allocations=(("FV/2", D("10.00")),)))
    assert result.payment.contractor_id == cid


def test_explicit_allocations_are_validated(ctx: Ctx, today: dt.date) -> None:
    cid = _three_open(ctx, today)
    other = contractor(ctx, "Other")
    invoice(ctx, other, "O/1", "10.00", today)
    invoice(ctx, fresh(ctx, other), "E/1", "10.00", today, currency="EUR")

    def attempt(*pairs: tuple[str, str], amount: str = "100.00", **kw: object) -> None:
        add_payment(ctx, PaymentData(
            date=today, amount=D(amount), contractor_id=cid,
            allocations=tuple((n, D(a)) for n, a in pairs), **kw,  # type: ignore[arg-type]
        ))

    with expect_error("allocations"):
        attempt(("FV/1", "60.00"), ("FV/2", "40.01"))
    with expect_error("allocations"):
        attempt(("FV/1", "0"))
    with expect_error("allocations"):
        attempt(("FV/1", "-5.00"))
    with expect_error("allocations"):
        attempt(("FV/1", "1.001"))
    with expect_error("allocations"):
        attempt(("NOPE", "1.00"))
    with expect_error("invoice"):
        attempt(("FV/1", "1.00"), ("FV/1", "2.00"))
    with expect_error("invoice"):
        attempt(("O/1", "1.00"))
    with expect_error("currency"):
        attempt(("E/1", "1.00"))
    with expect_error("allocations"):
        attempt(("FV/1", "1.00"), invoice_numbers=("FV/2",))


def test_named_and_automatic_allocation_are_unchanged(ctx: Ctx, today: dt.date) -> None:
    cid = _three_open(ctx, today)
    named = pay(ctx, "150.00", today, "FV/2")
    assert [(a.number, a.amount, a.reason) for a in named.applied] == [("FV/2", D("150.00"), "named")]
    auto = pay(ctx, "120.00", today, contractor_id=cid)
    assert [(a.number, a.amount, a.reason) for a in auto.applied] == [
        ("FV/1", D("100.00"), "oldest-overdue"), ("FV/2", D("20.00"), "oldest-overdue"),
    ]


def test_reversed_payments_are_not_unallocated_credit(ctx: Ctx, today: dt.date) -> None:
    cid = _three_open(ctx, today)
    result = add_payment(ctx, PaymentData(date=today, amount=D("80.00"), contractor_id=cid, allocations=()))
    kept = add_payment(ctx, PaymentData(date=today, amount=D("5.00"), currency="EUR", contractor_id=cid,
                                        allocations=()))
    assert unallocated_totals(ctx) == {"EUR": D("5.00"), "PLN": D("80.00")}
    reverse_payment(ctx, result.payment.id, "bounced")
    assert unallocated_totals(ctx) == {"EUR": D("5.00")}
    assert kept.unallocated == D("5.00")


def test_open_invoices_are_found_by_number_contractor_or_tax_id_in_one_currency(ctx: Ctx, today: dt.date) -> None:
    """What the review list offers for a payment nothing was suggested for: any open invoice in its currency."""
    from collector_app.services.payments import find_open_invoices

    cid = _three_open(ctx, today)
    other = contractor(ctx, "Zeta Trade", tax_id="5260250274")
    invoice(ctx, other, "Z/7", "70.00", today - dt.timedelta(days=3))
    invoice(ctx, other, "Z/8", "80.00", today - dt.timedelta(days=3), currency="EUR")
    pay(ctx, "100.00", today, "FV/1")
    assert [i.number for i in find_open_invoices(ctx, "", "PLN")] == ["FV/2", "Z/7", "FV/3"]  # oldest due first
    assert [i.number for i in find_open_invoices(ctx, "z/7", "PLN")] == ["Z/7"]
    assert [i.number for i in find_open_invoices(ctx, "zeta", "PLN")] == ["Z/7"]
    assert [i.number for i in find_open_invoices(ctx, "5260250274", "PLN")] == ["Z/7"]
    assert [i.number for i in find_open_invoices(ctx, "zeta", "EUR")] == ["Z/8"]
    assert find_open_invoices(ctx, "FV/1", "PLN") == []  # paid
    assert get_contractor(ctx, cid).name != "Zeta Trade"
