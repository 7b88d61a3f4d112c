"""Payments: named invoices, automatic allocation from the title and the amount, credit, by hand, reversal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers.ledger import VALID_NIPS, contractor, events, expect_error, fresh, invoice, pay
from sqlalchemy import func, select

from collector_app.db.engine import Ledger
from collector_app.db.models import Allocation, Contractor, Invoice, Payment
from collector_app.domain.clock import FixedClock
from collector_app.domain.status import Status, status_of
from collector_app.services.context import Ctx
from collector_app.services.firm import FirmChanges, set_firm
from collector_app.services.invoices import InvoiceData, add_invoice
from collector_app.services.payments import (
    PaymentData,
    add_payment,
    allocate,
    contractor_credit,
    get_payment,
    list_payments,
    reverse_payment,
)

D = Decimal


@pytest.fixture
def omega(ctx: Ctx) -> Contractor:
    return contractor(ctx, "Omega", tax_id=VALID_NIPS[0])


@pytest.fixture
def beta(ctx: Ctx) -> Contractor:
    return contractor(ctx, "Beta", tax_id=VALID_NIPS[1])


def days(today: dt.date, n: int) -> dt.date:
    return today + dt.timedelta(days=n)


def state(ctx: Ctx, inv: Invoice, today: dt.date) -> tuple[Decimal, Status]:
    inv = fresh(ctx, inv)
    return inv.gross - inv.paid, status_of(inv.gross, inv.paid, inv.due_date, today)


def allocations_of(ctx: Ctx, payment: Payment) -> list[tuple[int, Decimal]]:
    ctx.session.flush()
    rows = ctx.session.execute(
        select(Allocation.invoice_id, Allocation.amount).where(Allocation.payment_id == payment.id)
        .order_by(Allocation.id)
    )
    return [(i, a) for i, a in rows]


def count_payments(ctx: Ctx) -> int:
    ctx.session.flush()
    return int(ctx.session.scalar(select(func.count()).select_from(Payment)) or 0)


# --- named invoices --------------------------------------------------------------------------

def test_partial_payment_leaves_the_rest_open(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    inv = invoice(ctx, omega, "FV/1/2026", "1000.00", days(today, -5))
    res = pay(ctx, "400.00", today, "FV/1/2026")
    assert state(ctx, inv, today) == (D("600.00"), Status.OVERDUE)
    assert res.unallocated == 0
    assert [(a.invoice_id, a.amount, a.reason) for a in res.applied] == [(inv.id, D("400.00"), "named")]
    assert fresh(ctx, res.payment).contractor_id == omega.id  # taken from the named invoice


def test_exact_payment_settles(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    inv = invoice(ctx, omega, "FV/1/2026", "1000.00", days(today, -5))
    pay(ctx, "400.00", today, "FV/1/2026")
    pay(ctx, "600.00", today, "FV/1/2026")
    assert state(ctx, inv, today) == (D("0.00"), Status.SETTLED)


def test_paid_on_the_due_date_is_on_time(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    inv = invoice(ctx, omega, "FV/1/2026", "1000.00", today)
    assert state(ctx, inv, today) == (D("1000.00"), Status.UNSETTLED_CURRENT)
    pay(ctx, "1000.00", today, "FV/1/2026")
    assert state(ctx, inv, today) == (0, Status.SETTLED)
    # and the next day it has never become overdue
    assert state(ctx, inv, days(today, 1)) == (0, Status.SETTLED)


def test_named_invoice_takes_the_whole_payment_even_beyond_its_balance(ctx: Ctx, omega: Contractor,
                                                                        today: dt.date) -> None:
    inv = invoice(ctx, omega, "FV/1/2026", "1000.00", days(today, -5))
    res = pay(ctx, "1200.00", today, "FV/1/2026")
    assert state(ctx, inv, today) == (D("-200.00"), Status.OVERPAID)
    assert res.unallocated == 0
    assert fresh(ctx, res.payment).allocated == D("1200.00")


def test_several_named_each_up_to_balance_and_the_last_takes_the_rest(ctx: Ctx, omega: Contractor,
                                                                       today: dt.date) -> None:
    a = invoice(ctx, omega, "FV/1/2026", "100.00", days(today, -10))
    b = invoice(ctx, omega, "FV/2/2026", "200.00", days(today, -5))
    c = invoice(ctx, omega, "FV/3/2026", "300.00", days(today, 5))
    pay(ctx, "30.00", today, "FV/2/2026")  # b owes 170 now
    res = pay(ctx, "600.00", today, "FV/2/2026", "FV/1/2026", "FV/3/2026")  # in the order given
    assert [(x.number, x.amount) for x in res.applied] == [
        ("FV/2/2026", D("170.00")), ("FV/1/2026", D("100.00")), ("FV/3/2026", D("330.00"))]
    assert state(ctx, a, today) == (0, Status.SETTLED)
    assert state(ctx, b, today) == (0, Status.SETTLED)
    assert state(ctx, c, today) == (D("-30.00"), Status.OVERPAID)


def test_payment_smaller_than_the_named_invoices(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    a = invoice(ctx, omega, "FV/1/2026", "100.00", days(today, -10))
    b = invoice(ctx, omega, "FV/2/2026", "200.00", days(today, -5))
    res = pay(ctx, "150.00", today, "FV/1/2026", "FV/2/2026")
    assert [(x.number, x.amount) for x in res.applied] == [("FV/1/2026", D("100.00")), ("FV/2/2026", D("50.00"))]
    assert state(ctx, a, today) == (0, Status.SETTLED)
    assert state(ctx, b, today) == (D("150.00"), Status.OVERDUE)


def test_named_settled_invoice_before_the_last_gets_nothing(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    a = invoice(ctx, omega, "FV/1/2026", "100.00", days(today, -10))
    b = invoice(ctx, omega, "FV/2/2026", "200.00", days(today, -5))
    pay(ctx, "100.00", today, "FV/1/2026")
    res = pay(ctx, "200.00", today, "FV/1/2026", "FV/2/2026")
    assert [x.number for x in res.applied] == ["FV/2/2026"]
    assert state(ctx, a, today) == (0, Status.SETTLED)
    assert state(ctx, b, today) == (0, Status.SETTLED)


def test_one_payment_split_over_several_invoices(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    invs = [invoice(ctx, omega, f"FV/{i}/2026", "100.00", days(today, -i)) for i in (1, 2, 3)]
    res = pay(ctx, "300.00", today, *(i.number for i in invs))
    assert allocations_of(ctx, res.payment) == [(i.id, D("100.00")) for i in invs]
    assert all(state(ctx, i, today) == (0, Status.SETTLED) for i in invs)
    assert len(events(ctx, "payment.allocated", entity_id=res.payment.id)) == 3


@pytest.mark.parametrize(
    ("amount", "numbers", "kw", "field"),
    [
        ("100.00", ("FV/404/2026",), {}, "invoice"),
        ("100.00", ("FV/1/2026", "FV/1/2026"), {}, "invoice"),  # named twice
        ("100.00", ("FV/1/2026", "FV/B/2026"), {}, "invoice"),  # two contractors
        ("100.00", ("FV/B/2026",), {"contractor": "omega"}, "invoice"),  # not the given contractor's
        ("100.00", ("FV/1/2026",), {"currency": "EUR"}, "currency"),
        ("100.00", ("FV/E/2026",), {}, "currency"),  # EUR invoice, PLN payment
        ("0", ("FV/1/2026",), {}, "amount"),
        ("-5.00", ("FV/1/2026",), {}, "amount"),
        ("10.005", ("FV/1/2026",), {}, "amount"),
        ("10.00", ("FV/1/2026",), {"currency": "EURO"}, "currency"),
        ("10.00", ("KOR/1/2026",), {}, "invoice"),  # a credit note is not paid
        ("10.00", (), {"contractor_id": 999}, "contractor"),
    ],
)
def test_refused_payments_name_the_field_and_write_nothing(
    ctx: Ctx, omega: Contractor, beta: Contractor, today: dt.date,
    amount: str, numbers: tuple[str, ...], kw: dict[str, object], field: str,
) -> None:
    invoice(ctx, omega, "FV/1/2026", "100.00", today)
    invoice(ctx, beta, "FV/B/2026", "100.00", today)
    invoice(ctx, omega, "FV/E/2026", "100.00", today, currency="EUR")
    invoice(ctx, omega, "FV/2/2026", "100.00", today)
    invoice(ctx, omega, "KOR/1/2026", "10.00", today, credit_note_for="FV/2/2026")
    contractor_id = omega.id if kw.get("contractor") == "omega" else kw.get("contractor_id")
    with expect_error(field, ctx):
        add_payment(ctx, PaymentData(date=today, amount=D(amount), invoice_numbers=numbers,
                                     contractor_id=contractor_id,  # type: ignore[arg-type]
                                     currency=str(kw.get("currency", "PLN"))))
    assert count_payments(ctx) == 0
    assert events(ctx, "payment.added") == []


def test_payment_currency_defaults_to_the_firms(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    set_firm(ctx, FirmChanges(name="Firma", currency="EUR"))
    invoice(ctx, omega, "FV/E/2026", "100.00", today, currency="EUR")
    res = add_payment(ctx, PaymentData(date=today, amount=D("100.00"), invoice_numbers=("FV/E/2026",)))
    assert res.payment.currency == "EUR"


def test_jpy_payment_in_whole_yen(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    invoice(ctx, omega, "FV/J/2026", "10000", today, currency="JPY")
    with expect_error("amount", ctx):
        pay(ctx, "9999.5", today, "FV/J/2026", currency="JPY")
    res = pay(ctx, "10000", today, "FV/J/2026", currency="JPY")
    assert res.payment.allocated == D("10000")


# --- automatic: numbers in the title ---------------------------------------------------------

@pytest.mark.parametrize(
    "title",
    [
        "FV/12/2026",
        "Zapłata za fakturę FV/12/2026",
        "zaplata fv 12/2026",
        "FV 12 2026",
        "FV12/2026",
        "FV-12-2026",
        "fv.12.2026 dziękujemy",
        "FV 12 / 2026",
    ],
)
def test_title_number_in_any_usual_spelling(ctx: Ctx, omega: Contractor, today: dt.date, title: str) -> None:
    invoice(ctx, omega, "FV/11/2026", "500.00", days(today, -40))  # older overdue: must not be chosen
    inv = invoice(ctx, omega, "FV/12/2026", "500.00", days(today, -3))
    res = pay(ctx, "500.00", today, title=title)
    assert [(a.invoice_id, a.reason) for a in res.applied] == [(inv.id, "title")]
    assert state(ctx, inv, today) == (0, Status.SETTLED)


def test_title_with_fv_prefix_finds_a_number_without_it(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    invoice(ctx, omega, "7/2026", "100.00", days(today, -40))
    inv = invoice(ctx, omega, "12/2026", "100.00", days(today, -3))
    res = pay(ctx, "100.00", today, title="Przelew za FV 12/2026")
    assert [(a.invoice_id, a.reason) for a in res.applied] == [(inv.id, "title")]


def test_longer_number_wins_over_a_number_inside_it(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    short = invoice(ctx, omega, "2026", "100.00", days(today, -40))
    long = invoice(ctx, omega, "FV/12/2026", "100.00", days(today, -3))
    res = pay(ctx, "100.00", today, title="FV/12/2026")
    assert [a.invoice_id for a in res.applied] == [long.id]
    assert state(ctx, short, today)[0] == D("100.00")


def test_several_numbers_paid_in_order_of_appearance_each_up_to_its_balance(
    ctx: Ctx, omega: Contractor, today: dt.date,
) -> None:
    a = invoice(ctx, omega, "FV/1/2026", "100.00", days(today, -30))
    b = invoice(ctx, omega, "FV/2/2026", "200.00", days(today, -20))
    c = invoice(ctx, omega, "FV/3/2026", "300.00", days(today, -10))
    res = pay(ctx, "250.00", today, title="FV/3/2026, FV/1/2026", contractor_id=omega.id)
    assert [(x.invoice_id, x.amount, x.reason) for x in res.applied] == [
        (c.id, D("250.00"), "title")]
    assert state(ctx, a, today)[0] == D("100.00")
    res = pay(ctx, "500.00", today, title="fv 2/2026 fv 1/2026 fv 3/2026")
    assert [(x.invoice_id, x.amount) for x in res.applied] == [
        (b.id, D("200.00")), (a.id, D("100.00")), (c.id, D("50.00"))]
    assert res.unallocated == D("150.00")  # never pushed beyond the balances: it stays as credit
    assert all(state(ctx, i, today) == (0, Status.SETTLED) for i in (a, b, c))
    assert contractor_credit(ctx, omega.id) == {"PLN": D("150.00")}


def test_title_ignores_settled_and_other_contractors_invoices(ctx: Ctx, omega: Contractor, beta: Contractor,
                                                              today: dt.date) -> None:
    invoice(ctx, beta, "FV/9/2026", "100.00", days(today, -3))
    own = invoice(ctx, omega, "FV/1/2026", "100.00", days(today, -3))
    invoice(ctx, omega, "FV/2/2026", "80.00", days(today, -30))
    pay(ctx, "80.00", today, "FV/2/2026")
    # FV/9 is beta's, FV/2 is settled: no title match, so the exact amount decides
    res = pay(ctx, "100.00", today, title="FV/9/2026 FV/2/2026", contractor_id=omega.id)
    assert [(a.invoice_id, a.reason) for a in res.applied] == [(own.id, "exact-amount")]


def test_title_sets_the_contractor_of_an_anonymous_payment(ctx: Ctx, omega: Contractor, beta: Contractor,
                                                           today: dt.date) -> None:
    inv = invoice(ctx, beta, "FV/9/2026", "100.00", days(today, 3))
    res = pay(ctx, "60.00", today, title="FV/9/2026")
    assert fresh(ctx, res.payment).contractor_id == beta.id
    assert state(ctx, inv, today) == (D("40.00"), Status.UNSETTLED_CURRENT)


def test_title_matches_the_variable_symbol(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    add_invoice(ctx, InvoiceData(contractor_id=omega.id, number="2026/0007", issue_date=days(today, -20),
                                 due_date=days(today, -6), gross=D("990.00"), variable_symbol="20260007"))
    res = pay(ctx, "990.00", today, title="VS 20260007")
    assert [a.number for a in res.applied] == ["2026/0007"]


def test_title_only_in_the_payments_currency(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    invoice(ctx, omega, "FV/1/2026", "100.00", days(today, -3), currency="EUR")
    res = pay(ctx, "100.00", today, title="FV/1/2026", contractor_id=omega.id)
    assert res.applied == []
    assert res.unallocated == D("100.00")


# --- automatic: exact amount, then oldest overdue ---------------------------------------------

def test_exact_amount_beats_oldest_overdue(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    invoice(ctx, omega, "FV/1/2026", "500.00", days(today, -40))
    exact = invoice(ctx, omega, "FV/2/2026", "123.45", days(today, 10))  # not even due yet
    res = pay(ctx, "123.45", today, contractor_id=omega.id, title="przelew")
    assert [(a.invoice_id, a.amount, a.reason) for a in res.applied] == [(exact.id, D("123.45"), "exact-amount")]


def test_exact_amount_is_on_the_balance_after_partial_payments(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    invoice(ctx, omega, "FV/1/2026", "500.00", days(today, -40))
    inv = invoice(ctx, omega, "FV/2/2026", "300.00", days(today, -2))
    pay(ctx, "100.00", today, "FV/2/2026")
    res = pay(ctx, "200.00", today, contractor_id=omega.id)
    assert [(a.invoice_id, a.reason) for a in res.applied] == [(inv.id, "exact-amount")]


def test_oldest_overdue_first_and_the_rest_stays_as_credit(ctx: Ctx, omega: Contractor, beta: Contractor,
                                                           today: dt.date) -> None:
    newer = invoice(ctx, omega, "FV/2/2026", "200.00", days(today, -5))
    oldest = invoice(ctx, omega, "FV/1/2026", "100.00", days(today, -30))
    due_today = invoice(ctx, omega, "FV/3/2026", "400.00", today)  # not overdue: untouched
    invoice(ctx, beta, "FV/B/2026", "50.00", days(today, -60))  # someone else's
    res = pay(ctx, "250.00", today, contractor_id=omega.id)
    assert [(a.invoice_id, a.amount, a.reason) for a in res.applied] == [
        (oldest.id, D("100.00"), "oldest-overdue"), (newer.id, D("150.00"), "oldest-overdue")]
    res = pay(ctx, "120.00", today, contractor_id=omega.id)
    assert [(a.invoice_id, a.amount) for a in res.applied] == [(newer.id, D("50.00"))]
    assert res.unallocated == D("70.00")
    assert state(ctx, due_today, today) == (D("400.00"), Status.UNSETTLED_CURRENT)
    assert contractor_credit(ctx, omega.id) == {"PLN": D("70.00")}
    rows = list_payments(ctx, unallocated_only=True)
    assert [(r.id, r.unallocated) for r in rows] == [(res.payment.id, D("70.00"))]


def test_payment_without_contractor_or_title_stays_unallocated(ctx: Ctx, omega: Contractor,
                                                               today: dt.date) -> None:
    invoice(ctx, omega, "FV/1/2026", "100.00", days(today, -30))
    res = pay(ctx, "100.00", today, title="wpłata")
    assert res.applied == []
    assert fresh(ctx, res.payment).contractor_id is None
    assert [r.unallocated for r in list_payments(ctx, unallocated_only=True)] == [D("100.00")]


def test_automatic_allocation_never_crosses_currencies(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    pln = invoice(ctx, omega, "FV/1/2026", "100.00", days(today, -30))
    res = pay(ctx, "100.00", today, contractor_id=omega.id, currency="EUR")
    assert res.applied == []
    assert state(ctx, pln, today)[0] == D("100.00")
    assert contractor_credit(ctx, omega.id) == {"EUR": D("100.00")}


# --- by hand ---------------------------------------------------------------------------------

def test_allocate_by_hand(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    a = invoice(ctx, omega, "FV/1/2026", "100.00", days(today, 5))
    b = invoice(ctx, omega, "FV/2/2026", "300.00", days(today, 5))
    res = pay(ctx, "250.00", today, title="?")  # unknown payer
    pid = res.payment.id
    got = allocate(ctx, pid, "FV/1/2026")  # no amount: up to the balance
    assert [(x.invoice_id, x.amount, x.reason) for x in got.applied] == [(a.id, D("100.00"), "by-hand")]
    assert fresh(ctx, get_payment(ctx, pid)).contractor_id == omega.id
    allocate(ctx, pid, "FV/2/2026", D("50.00"))
    assert state(ctx, b, today)[0] == D("250.00")
    allocate(ctx, pid, "FV/2/2026")  # the 100 left
    assert fresh(ctx, get_payment(ctx, pid)).allocated == D("250.00")
    assert state(ctx, b, today)[0] == D("150.00")
    with expect_error("payment", ctx):
        allocate(ctx, pid, "FV/2/2026")  # nothing left
    assert len(events(ctx, "payment.allocated", entity_id=pid)) == 3


def test_allocate_by_hand_may_overpay_only_with_an_amount(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    inv = invoice(ctx, omega, "FV/1/2026", "100.00", days(today, 5))
    pay(ctx, "100.00", today, "FV/1/2026")
    pid = pay(ctx, "50.00", today, title="?").payment.id
    with expect_error("invoice", ctx):
        allocate(ctx, pid, "FV/1/2026")
    allocate(ctx, pid, "FV/1/2026", D("20.00"))
    assert state(ctx, inv, today) == (D("-20.00"), Status.OVERPAID)


@pytest.mark.parametrize(
    ("number", "amount", "field"),
    [
        ("FV/404/2026", None, "invoice"),
        ("FV/E/2026", None, "currency"),
        ("FV/1/2026", "0", "amount"),
        ("FV/1/2026", "-1.00", "amount"),
        ("FV/1/2026", "50.01", "amount"),  # more than is left
        ("FV/1/2026", "1.001", "amount"),
    ],
)
def test_allocate_refusals(ctx: Ctx, omega: Contractor, today: dt.date, number: str, amount: str | None,
                           field: str) -> None:
    invoice(ctx, omega, "FV/1/2026", "100.00", days(today, 5))
    invoice(ctx, omega, "FV/E/2026", "100.00", days(today, 5), currency="EUR")
    pid = pay(ctx, "50.00", today, title="?").payment.id
    with expect_error(field, ctx):
        allocate(ctx, pid, number, None if amount is None else D(amount))
    assert fresh(ctx, get_payment(ctx, pid)).allocated == 0


def test_allocate_unknown_or_reversed_payment(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    invoice(ctx, omega, "FV/1/2026", "100.00", days(today, 5))
    with expect_error("payment", ctx):
        allocate(ctx, 999, "FV/1/2026")
    pid = pay(ctx, "50.00", today, title="?").payment.id
    reverse_payment(ctx, pid)
    with expect_error("payment", ctx):
        allocate(ctx, pid, "FV/1/2026")


# --- reversal --------------------------------------------------------------------------------

def test_reversal_restores_every_balance(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    a = invoice(ctx, omega, "FV/1/2026", "100.00", days(today, -10))
    b = invoice(ctx, omega, "FV/2/2026", "200.00", days(today, 10))
    pay(ctx, "50.00", today, "FV/2/2026")
    res = pay(ctx, "400.00", today, "FV/1/2026", "FV/2/2026")
    assert state(ctx, b, today) == (D("-150.00"), Status.OVERPAID)
    changes = reverse_payment(ctx, res.payment.id, "  bounced  ")
    assert changes.invoices == {a.id, b.id}
    assert state(ctx, a, today) == (D("100.00"), Status.OVERDUE)
    assert state(ctx, b, today) == (D("150.00"), Status.UNSETTLED_CURRENT)  # the other payment stays
    p = fresh(ctx, res.payment)
    assert p.allocated == 0 and p.reversed_at is not None and p.reversal_reason == "bounced"
    assert allocations_of(ctx, p) == []
    assert p.amount == D("400.00")  # the record stays
    assert [r.reversed for r in list_payments(ctx) if r.id == p.id] == [True]
    assert all(r.id != p.id for r in list_payments(ctx, unallocated_only=True))
    assert contractor_credit(ctx, omega.id) == {}
    assert len(events(ctx, "payment.unallocated", entity_id=p.id)) == 2
    assert len(events(ctx, "payment.reversed", entity_id=p.id)) == 1
    with expect_error("payment", ctx):
        reverse_payment(ctx, p.id)


def test_reversal_of_an_unallocated_payment_removes_the_credit(ctx: Ctx, omega: Contractor,
                                                               today: dt.date) -> None:
    pid = pay(ctx, "70.00", today, contractor_id=omega.id).payment.id
    assert contractor_credit(ctx, omega.id) == {"PLN": D("70.00")}
    reverse_payment(ctx, pid)
    assert contractor_credit(ctx, omega.id) == {}
    row = next(r for r in list_payments(ctx) if r.id == pid)
    assert row.unallocated == 0


def test_reverse_unknown_payment(ctx: Ctx) -> None:
    with expect_error("payment", ctx):
        reverse_payment(ctx, 12345)


# --- credit and listing ----------------------------------------------------------------------

def test_contractor_credit_counts_unallocated_money_overpayments_and_open_credit_notes(
    ctx: Ctx, omega: Contractor, beta: Contractor, today: dt.date,
) -> None:
    invoice(ctx, omega, "FV/1/2026", "100.00", days(today, 5))
    pay(ctx, "130.00", today, "FV/1/2026")  # 30 overpaid
    invoice(ctx, omega, "FV/2/2026", "50.00", days(today, 5))
    pay(ctx, "50.00", today, "FV/2/2026")
    invoice(ctx, omega, "KOR/2/2026", "20.00", days(today, 5), credit_note_for="FV/2/2026")  # nothing to offset
    pay(ctx, "5.00", today, contractor_id=omega.id)  # unallocated
    pay(ctx, "7.00", today, contractor_id=omega.id, currency="EUR")
    pay(ctx, "9.00", today, contractor_id=beta.id)
    assert contractor_credit(ctx, omega.id) == {"PLN": D("55.00"), "EUR": D("7.00")}
    assert contractor_credit(ctx, beta.id) == {"PLN": D("9.00")}


def test_list_payments_filters_and_pages(ctx: Ctx, omega: Contractor, beta: Contractor, today: dt.date) -> None:
    invoice(ctx, omega, "FV/1/2026", "100.00", days(today, 5))
    p1 = pay(ctx, "100.00", days(today, -3), "FV/1/2026").payment
    p2 = pay(ctx, "20.00", days(today, -2), contractor_id=omega.id).payment
    p3 = pay(ctx, "30.00", days(today, -1), contractor_id=beta.id).payment
    assert [r.id for r in list_payments(ctx)] == [p3.id, p2.id, p1.id]  # newest first
    assert [r.id for r in list_payments(ctx, unallocated_only=True)] == [p3.id, p2.id]
    assert [r.id for r in list_payments(ctx, contractor_id=omega.id)] == [p2.id, p1.id]
    assert [r.id for r in list_payments(ctx, limit=1, offset=1)] == [p2.id]
    row = next(r for r in list_payments(ctx) if r.id == p1.id)
    assert (row.amount, row.allocated, row.unallocated, row.contractor, row.currency) == (
        D("100.00"), D("100.00"), 0, "Omega", "PLN")


# --- events ----------------------------------------------------------------------------------

def test_payment_events(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    inv = invoice(ctx, omega, "FV/1/2026", "100.00", days(today, -1))
    res = pay(ctx, "40.00", today, "FV/1/2026", title="część")
    added = events(ctx, "payment.added", entity_id=res.payment.id)
    assert len(added) == 1 and added[0].contractor_id == omega.id and "40.00 PLN" in added[0].summary
    alloc = events(ctx, "payment.allocated", invoice_id=inv.id)
    assert len(alloc) == 1 and "60.00 left" in alloc[0].summary
    pay(ctx, "60.00", today, "FV/1/2026")
    assert "settled" in events(ctx, "payment.allocated", invoice_id=inv.id)[-1].summary


def test_title_naming_two_contractors_invoices_pays_only_the_first_contractors(
    ctx: Ctx, omega: Contractor, beta: Contractor, today: dt.date,
) -> None:
    """One payment belongs to one contractor, as add_payment insists for named invoices."""
    mine = invoice(ctx, omega, "FV/1/2026", "10.00", days(today, -3))
    theirs = invoice(ctx, beta, "FV/2/2026", "10.00", days(today, -3))
    res = pay(ctx, "20.00", today, title="FV/1/2026 FV/2/2026")
    assert [a.invoice_id for a in res.applied] == [mine.id]
    assert fresh(ctx, res.payment).contractor_id == omega.id
    assert state(ctx, theirs, today)[0] == D("10.00")
    assert contractor_credit(ctx, omega.id) == {"PLN": D("10.00")}
    assert contractor_credit(ctx, beta.id) == {}


def test_two_payments_entered_at_the_same_moment_both_count(ledger: Ledger, clock: FixedClock) -> None:
    """Two windows (or the window and a script) pay one invoice at once: the first read `paid` before the second
    committed. The invoice's `paid` is Σ allocations afterwards, and every `gross > paid` test sees it settled."""
    with ledger.transaction() as s:
        ctx = Ctx(s, clock, "tester")
        number = invoice(ctx, contractor(ctx, "Omega"), "FV/1/2026", "716.32", clock.today()).number
    first = ledger.sessions()
    try:
        stale = first.scalar(select(Invoice).where(Invoice.number == number))  # read, not yet written
        assert stale is not None and stale.paid == 0
        with ledger.transaction() as s:  # the other writer commits in between
            pay(Ctx(s, clock, "tester"), "0.32", clock.today(), number)
        pay(Ctx(first, clock, "tester"), "716.00", clock.today(), number)
        first.commit()
    finally:
        first.close()
    with ledger.transaction() as s:
        inv = s.scalar(select(Invoice).where(Invoice.number == number))
        allocated = s.scalar(select(func.sum(Allocation.amount)).where(Allocation.invoice_id == inv.id))
        still_open = s.scalar(select(func.count()).select_from(Invoice).where(Invoice.gross > Invoice.paid))
    assert inv is not None and (inv.paid, allocated) == (Decimal("716.32"), Decimal("716.32"))
    assert status_of(inv.gross, inv.paid, inv.due_date, clock.today()) == Status.SETTLED and still_open == 0
