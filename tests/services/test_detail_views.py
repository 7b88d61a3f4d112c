"""The read-only snapshots behind the invoice and contractor windows (invoice_view, contractor_view)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from helpers.ledger import VALID_NIPS, contractor, expect_error, invoice, pay

from collector_app.domain.status import Status
from collector_app.services.activity import CallData, add_note, log_call
from collector_app.services.context import Ctx
from collector_app.services.contractor_view import (
    Exposure,
    contractor_detail,
    contractor_page,
    oldest_overdue_invoice,
)
from collector_app.services.contractors import add_contact
from collector_app.services.invoice_view import allocations_to, calls_of, invoice_detail


def test_invoice_detail_reads_header_payments_and_credit_notes(ctx: Ctx, today: dt.date) -> None:
    c = contractor(ctx, "Omega", VALID_NIPS[0], email="a@omega.example.com")
    add_contact(ctx, c.id, "Anna", "AP", phone="602111222")
    inv = invoice(ctx, c, "FV/1", "1000.00", today - dt.timedelta(days=5))
    pay(ctx, "300.00", today - dt.timedelta(days=1), "FV/1", title="part")
    invoice(ctx, c, "KOR/1", "100.00", today, credit_note_for="FV/1")
    add_note(ctx, inv, "called")

    d = invoice_detail(ctx, inv.id)
    h = d.header
    assert (h.number, h.contractor, h.email, h.balance, h.status, h.days_overdue) == (
        "FV/1", "Omega", "a@omega.example.com", Decimal("600.00"), Status.OVERDUE, 5)
    assert [(p.name, p.role, p.phone) for p in h.contacts] == [("Anna", "AP", "+48602111222")]
    assert [(a.source, a.amount, a.title) for a in d.allocations] == [
        ("payment", Decimal("300.00"), "part"), ("credit_note", Decimal("100.00"), None)]
    assert d.allocations[0].reference.isdigit()  # the payment's id
    assert d.allocations[1].reference == "KOR/1"
    assert [n.text for n in d.notes] == ["called"]
    assert d.notes[0].author == "tester"
    assert d.timeline[0].summary.startswith("Note on FV/1")
    assert "tester" in d.logins


def test_missing_invoice_is_a_user_error(ctx: Ctx) -> None:
    with expect_error("invoice"):
        invoice_detail(ctx, 404)


def test_calls_read_for_an_invoice_and_a_contractor(ctx: Ctx, today: dt.date) -> None:
    c = contractor(ctx)
    person = add_contact(ctx, c.id, "Anna")
    first = invoice(ctx, c, "FV/1", "10.00", today - dt.timedelta(days=3))
    second = invoice(ctx, c, "FV/2", "10.00", today)
    log_call(ctx, first, CallData("reached", 60, contact_person_id=person.id))
    log_call(ctx, second, CallData("promised", 30, promise_date=today, promise_amount=Decimal("5.00")))
    assert [(r.invoice, r.contact) for r in calls_of(ctx, invoice_id=first.id)] == [("FV/1", "Anna")]
    assert {r.invoice for r in calls_of(ctx, contractor_id=c.id)} == {"FV/1", "FV/2"}
    assert allocations_to(ctx, first.id) == []


def test_contractor_page_pages_in_name_order_with_exposure(ctx: Ctx, today: dt.date) -> None:
    omega = contractor(ctx, "Omega", VALID_NIPS[0])
    beta = contractor(ctx, "Beta", VALID_NIPS[1])
    contractor(ctx, "Alfa")
    invoice(ctx, omega, "FV/1", "100.00", today - dt.timedelta(days=1))
    invoice(ctx, omega, "FV/2", "50.00", today)
    invoice(ctx, omega, "FV/3", "20.00", today, currency="EUR")
    invoice(ctx, beta, "FV/4", "70.00", today - dt.timedelta(days=9))
    pay(ctx, "70.00", today, "FV/4")

    assert [r.name for r in contractor_page(ctx, None, 2, 0)] == ["Alfa", "Beta"]
    [last] = contractor_page(ctx, None, 2, 2)
    assert last.exposure == (
        Exposure("EUR", 1, Decimal("20.00"), Decimal("0.00")),
        Exposure("PLN", 2, Decimal("150.00"), Decimal("100.00")),
    )
    assert last.has_overdue
    [beta_row] = contractor_page(ctx, "Beta", 10, 0)
    assert beta_row.exposure == () and not beta_row.has_overdue


def test_contractor_detail_credit_and_the_invoice_to_call_about(ctx: Ctx, today: dt.date) -> None:
    c = contractor(ctx, "Omega", VALID_NIPS[0])
    assert oldest_overdue_invoice(ctx, c.id) is None
    old = invoice(ctx, c, "FV/1", "100.00", today - dt.timedelta(days=30))
    invoice(ctx, c, "FV/2", "100.00", today - dt.timedelta(days=3))
    assert oldest_overdue_invoice(ctx, c.id) == old.id
    pay(ctx, "130.00", today, contractor_id=c.id)  # 100 to FV/1, 30 to FV/2: nothing left
    pay(ctx, "500.00", today, contractor_id=c.id)  # 70 to FV/2, 430 left as credit
    d = contractor_detail(ctx, c.id)
    assert d.credit == (("PLN", Decimal("430.00")),)
    assert d.oldest_overdue_invoice_id is None
    assert d.exposure == ()
    assert d.timeline[0].summary.startswith("Payment of")


def test_missing_contractor_is_a_user_error(ctx: Ctx) -> None:
    with expect_error("contractor"):
        contractor_detail(ctx, 404)


def test_payments_on_the_invoice_come_by_their_date_not_by_when_they_were_typed(ctx: Ctx, today: dt.date) -> None:
    c = contractor(ctx, "Omega")
    inv = invoice(ctx, c, "FV/1/2026", "300.00", today)
    for days_ago in (2, 9, 5):  # typed in from last week's statements, out of order
        pay(ctx, "10.00", today - dt.timedelta(days=days_ago), "FV/1/2026")
    assert [r.date for r in allocations_to(ctx, inv.id)] == [today - dt.timedelta(days=d) for d in (9, 5, 2)]
