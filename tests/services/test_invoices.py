"""Sales documents typed in by a person: numbers, dates, amounts, credit notes and their offset."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers.ledger import VALID_NIPS, contractor, events, expect_error, fresh, pay
from sqlalchemy import func, select

from collector_app.db.models import Allocation, Contractor, Invoice
from collector_app.domain.errors import UserError
from collector_app.domain.status import Status, status_of
from collector_app.services.context import Ctx
from collector_app.services.firm import FirmChanges, set_firm
from collector_app.services.invoices import InvoiceData, add_invoice, find_invoice

DUE = dt.date(2026, 3, 31)
ISSUED = dt.date(2026, 3, 1)


@pytest.fixture
def omega(ctx: Ctx) -> Contractor:
    return contractor(ctx, "Omega", tax_id=VALID_NIPS[0])


@pytest.fixture
def beta(ctx: Ctx) -> Contractor:
    return contractor(ctx, "Beta", tax_id=VALID_NIPS[1])


def data(c: Contractor, number: str = "FV/1/2026", gross: str = "1230.00", **kw: object) -> InvoiceData:
    fields: dict[str, object] = {"issue_date": ISSUED, "due_date": DUE, "currency": "PLN"}
    fields.update(kw)
    return InvoiceData(contractor_id=c.id, number=number, gross=Decimal(gross), **fields)  # type: ignore[arg-type]


def count_docs(ctx: Ctx) -> int:
    ctx.session.flush()
    return int(ctx.session.scalar(select(func.count()).select_from(Invoice)) or 0)


def test_add_invoice(ctx: Ctx, omega: Contractor) -> None:
    inv = fresh(ctx, add_invoice(ctx, data(omega, " FV/1/2026 ", net=Decimal("1000.00"), vat=Decimal("230.00"),
                                           variable_symbol=" 12026 ")))
    assert (inv.kind, inv.number, inv.number_key) == ("invoice", "FV/1/2026", "FV12026")
    assert (inv.gross, inv.paid, inv.net, inv.vat) == (Decimal("1230.00"), 0, Decimal("1000.00"), Decimal("230.00"))
    assert (inv.issue_date, inv.due_date, inv.currency, inv.variable_symbol) == (ISSUED, DUE, "PLN", "12026")
    assert inv.contractor_id == omega.id
    assert not inv.disputed and inv.paused_until is None
    added = events(ctx, "invoice.added")
    assert [(e.entity_id, e.invoice_id, e.contractor_id) for e in added] == [(inv.id, inv.id, omega.id)]
    assert "FV/1/2026" in added[0].summary and "1230.00 PLN" in added[0].summary


def test_number_is_unique_per_kind(ctx: Ctx, omega: Contractor, beta: Contractor) -> None:
    add_invoice(ctx, data(omega, "FV/1/2026"))
    with expect_error("number", ctx) as info:
        add_invoice(ctx, data(beta, "FV/1/2026"))  # even for another contractor
    assert "already an invoice" in info.value.message
    assert count_docs(ctx) == 1


def test_invoice_and_credit_note_may_share_a_number(ctx: Ctx, omega: Contractor) -> None:
    inv = add_invoice(ctx, data(omega, "1/2026", "500.00"))
    add_invoice(ctx, data(omega, "2/2026", "300.00"))
    cn = add_invoice(ctx, data(omega, "1/2026", "100.00", credit_note_for="2/2026"))
    assert cn.kind == "credit_note"
    assert find_invoice(ctx, "1/2026").id == inv.id  # the invoice wins a shared number
    assert find_invoice(ctx, "1/2026", kind="credit_note").id == cn.id
    with expect_error("number", ctx) as info:
        add_invoice(ctx, data(omega, "1/2026", "50.00", credit_note_for="2/2026"))
    assert "credit note" in info.value.message


def test_due_before_issue_is_refused(ctx: Ctx, omega: Contractor) -> None:
    with expect_error("due", ctx) as info:
        add_invoice(ctx, data(omega, issue_date=dt.date(2026, 3, 10), due_date=dt.date(2026, 3, 9)))
    assert "2026-03-09" in info.value.message and "2026-03-10" in info.value.message
    same_day = add_invoice(ctx, data(omega, issue_date=dt.date(2026, 3, 10), due_date=dt.date(2026, 3, 10)))
    assert same_day.due_date == same_day.issue_date


@pytest.mark.parametrize("gross", ["0", "0.00", "-0.01", "-100.00"])
def test_invoice_gross_must_be_above_zero(ctx: Ctx, omega: Contractor, gross: str) -> None:
    with expect_error("gross", ctx):
        add_invoice(ctx, data(omega, gross=gross))
    assert count_docs(ctx) == 0


@pytest.mark.parametrize(("gross", "currency", "field"), [("12.345", "PLN", "gross"), ("100.5", "JPY", "gross")])
def test_more_decimals_than_the_currency_has_is_refused(ctx: Ctx, omega: Contractor, gross: str, currency: str,
                                                        field: str) -> None:
    with expect_error(field, ctx):
        add_invoice(ctx, data(omega, gross=gross, currency=currency))
    assert count_docs(ctx) == 0


def test_jpy_invoice_in_whole_yen(ctx: Ctx, omega: Contractor) -> None:
    inv = fresh(ctx, add_invoice(ctx, data(omega, gross="125000", currency="jpy")))
    assert (inv.gross, inv.currency) == (Decimal("125000"), "JPY")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"number": ""}, "number"),
        ({"number": "   "}, "number"),
        ({"number": "X" * 65}, "number"),
        ({"currency": "ZZZ"}, "currency"),
        ({"net": Decimal("1.001")}, "net"),
        ({"vat": Decimal("0.125")}, "vat"),
    ],
)
def test_bad_fields_are_named(ctx: Ctx, omega: Contractor, kw: dict[str, object], field: str) -> None:
    number = str(kw.pop("number", "FV/9/2026"))
    with expect_error(field, ctx):
        add_invoice(ctx, data(omega, number, **kw))


def test_unknown_contractor(ctx: Ctx) -> None:
    with expect_error("contractor", ctx):
        add_invoice(ctx, InvoiceData(contractor_id=77, number="A", issue_date=ISSUED, due_date=DUE,
                                     gross=Decimal("1")))


def test_due_date_defaults_to_contractor_then_firm_terms(ctx: Ctx, omega: Contractor) -> None:
    no_terms = add_invoice(ctx, data(omega, "A/1", due_date=None))
    assert no_terms.due_date == ISSUED + dt.timedelta(days=14)  # no firm yet: 14 days
    set_firm(ctx, FirmChanges(name="Nasza Firma", payment_terms_days=21))
    firm_terms = add_invoice(ctx, data(omega, "A/2", due_date=None))
    assert firm_terms.due_date == ISSUED + dt.timedelta(days=21)
    own = contractor(ctx, "Own terms", tax_id=VALID_NIPS[2], payment_terms_days=7)
    own_terms = add_invoice(ctx, data(own, "A/3", due_date=None))
    assert own_terms.due_date == ISSUED + dt.timedelta(days=7)


def test_currency_defaults_to_the_firms(ctx: Ctx, omega: Contractor) -> None:
    assert add_invoice(ctx, data(omega, "A/1", currency=None)).currency == "PLN"
    set_firm(ctx, FirmChanges(name="Firma", currency="EUR"))
    assert add_invoice(ctx, data(omega, "A/2", currency=None)).currency == "EUR"


# --- credit notes ----------------------------------------------------------------------------

def test_credit_note_is_a_negative_document_offset_against_its_invoice(ctx: Ctx, omega: Contractor,
                                                                          today: dt.date) -> None:
    inv = add_invoice(ctx, data(omega, "FV/1/2026", "1000.00"))
    cn = add_invoice(ctx, data(omega, "KOR/1/2026", "200.00", credit_note_for="FV/1/2026"))
    inv, cn = fresh(ctx, inv), fresh(ctx, cn)
    assert (cn.kind, cn.gross, cn.corrects_invoice_id) == ("credit_note", Decimal("-200.00"), inv.id)
    assert inv.paid == Decimal("200.00")
    assert inv.gross - inv.paid == Decimal("800.00")
    assert cn.paid == Decimal("-200.00")
    assert status_of(cn.gross, cn.paid, cn.due_date, today) is Status.SETTLED
    allocs = list(ctx.session.scalars(select(Allocation)))
    assert [(a.payment_id, a.credit_note_id, a.invoice_id, a.amount) for a in allocs] == [
        (None, cn.id, inv.id, Decimal("200.00"))]
    offsets = events(ctx, "credit_note.offset")
    assert sorted(e.invoice_id for e in offsets) == sorted([inv.id, cn.id])


def test_credit_note_typed_negative_is_still_a_negative_document(ctx: Ctx, omega: Contractor) -> None:
    add_invoice(ctx, data(omega, "FV/1/2026", "1000.00"))
    cn = add_invoice(ctx, data(omega, "KOR/1/2026", "-150.00", credit_note_for="FV/1/2026"))
    assert fresh(ctx, cn).gross == Decimal("-150.00")


def test_credit_note_beyond_the_balance_leaves_credit(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    inv = add_invoice(ctx, data(omega, "FV/1/2026", "100.00"))
    pay(ctx, "80.00", today, "FV/1/2026")
    cn = add_invoice(ctx, data(omega, "KOR/1/2026", "50.00", credit_note_for="FV/1/2026"))
    inv, cn = fresh(ctx, inv), fresh(ctx, cn)
    assert inv.paid == Decimal("100.00")  # 80 paid + 20 of the credit note
    assert status_of(inv.gross, inv.paid, inv.due_date, today) is Status.SETTLED
    assert cn.gross - cn.paid == Decimal("-30.00")
    assert status_of(cn.gross, cn.paid, cn.due_date, today) is Status.OVERPAID


def test_credit_note_for_a_settled_invoice_stays_whole(ctx: Ctx, omega: Contractor, today: dt.date) -> None:
    add_invoice(ctx, data(omega, "FV/1/2026", "100.00"))
    pay(ctx, "100.00", today, "FV/1/2026")
    cn = fresh(ctx, add_invoice(ctx, data(omega, "KOR/1/2026", "40.00", credit_note_for="FV/1/2026")))
    assert cn.paid == 0
    assert status_of(cn.gross, cn.paid, cn.due_date, today) is Status.OVERPAID
    assert events(ctx, "credit_note.offset") == []


def test_credit_note_for_another_contractors_invoice_is_refused(ctx: Ctx, omega: Contractor,
                                                                   beta: Contractor) -> None:
    add_invoice(ctx, data(beta, "FV/1/2026", "100.00"))
    with expect_error("credit-note-for", ctx) as info:
        add_invoice(ctx, data(omega, "KOR/1/2026", "10.00", credit_note_for="FV/1/2026"))
    assert "another contractor" in info.value.message
    assert count_docs(ctx) == 1


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"credit_note_for": "FV/404/2026"}, "credit-note-for"),
        ({"credit_note_for": "FV/1/2026", "currency": "EUR"}, "currency"),
        ({"credit_note_for": "FV/1/2026", "gross": "0"}, "gross"),
        ({"credit_note_for": "FV/1/2026", "gross": "0.001"}, "gross"),
    ],
)
def test_bad_credit_notes(ctx: Ctx, omega: Contractor, kw: dict[str, object], field: str) -> None:
    add_invoice(ctx, data(omega, "FV/1/2026", "100.00"))
    gross = str(kw.pop("gross", "10.00"))
    with expect_error(field, ctx):
        add_invoice(ctx, data(omega, "KOR/1/2026", gross, **kw))
    assert count_docs(ctx) == 1


def test_credit_note_cannot_correct_a_credit_note(ctx: Ctx, omega: Contractor) -> None:
    add_invoice(ctx, data(omega, "FV/1/2026", "100.00"))
    add_invoice(ctx, data(omega, "KOR/1/2026", "10.00", credit_note_for="FV/1/2026"))
    with expect_error("credit-note-for", ctx):
        add_invoice(ctx, data(omega, "KOR/2/2026", "5.00", credit_note_for="KOR/1/2026"))


def test_find_invoice(ctx: Ctx, omega: Contractor) -> None:
    inv = add_invoice(ctx, data(omega, "FV/1/2026"))
    assert find_invoice(ctx, " FV/1/2026 ").id == inv.id
    with expect_error("invoice"):
        find_invoice(ctx, "FV/2/2026")
    with expect_error("credit-note-for"):
        find_invoice(ctx, "FV/1/2026", kind="credit_note", field="credit-note-for")


# --- money survives the ledger exactly -------------------------------------------------------

@pytest.mark.parametrize(("gross", "currency"), [("1.234", "BHD"), ("0.005", "KWD"), ("1.23", "BHD"), ("7", "JPY")])
def test_an_accepted_currency_keeps_all_its_places(ctx: Ctx, omega: Contractor, gross: str, currency: str) -> None:
    try:
        with ctx.session.begin_nested():
            inv = add_invoice(ctx, data(omega, "X/1", gross, currency=currency))
    except UserError as exc:  # refusing the currency is fine; rounding the amount is not
        assert exc.field == "currency", exc
        return
    ctx.session.expire_all()
    stored = ctx.session.get(Invoice, inv.id)
    assert stored is not None and stored.gross == Decimal(gross)


@pytest.mark.parametrize(
    "gross",
    ["0.01", "0.10", "1234567.89", "99999999999.99", "999999999999.99", "9999999999999.99",
     "99999999999999.99", "999999999999999.99", "9999999999999999.99", "1234567890123456.78"],
)
def test_an_accepted_amount_is_stored_exactly_or_refused(ctx: Ctx, omega: Contractor, gross: str) -> None:
    """Money is exact: an amount the ledger takes must come back to the cent, never via a float."""
    try:
        with ctx.session.begin_nested():
            inv = add_invoice(ctx, data(omega, "BIG/1", gross))
    except UserError as exc:  # refusing is fine, as long as it is the user-facing refusal of the field
        assert exc.field == "gross", exc
        return
    ctx.session.expire_all()
    stored = ctx.session.get(Invoice, inv.id)
    assert stored is not None
    assert isinstance(stored.gross, Decimal)  # never a float on the way out either
    assert stored.gross == Decimal(gross)
    pay(ctx, gross, ISSUED, "BIG/1")
    ctx.session.expire_all()
    stored = ctx.session.get(Invoice, inv.id)
    assert stored is not None
    assert stored.paid == Decimal(gross)
    assert stored.gross - stored.paid == 0
