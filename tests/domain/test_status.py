"""The status rules at every edge: balance, settled/overpaid/unsettled, overdue, days overdue, filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector_app.domain.status import Filter, Status, balance, days_overdue, matches, status_of

TODAY = dt.date(2026, 3, 16)
YESTERDAY = TODAY - dt.timedelta(days=1)
TOMORROW = TODAY + dt.timedelta(days=1)
D = Decimal


def test_balance_is_gross_minus_paid() -> None:
    assert balance(D("100.00"), D("30.50")) == D("69.50")
    assert balance(D("-40.00"), D("0")) == D("-40.00")  # a credit note is a negative document
    assert balance(D("-40.00"), D("-40.00")) == 0


@pytest.mark.parametrize(
    ("gross", "paid", "due", "expected"),
    [
        # nothing paid
        ("100.00", "0", TOMORROW, Status.UNSETTLED_CURRENT),
        ("100.00", "0", TODAY, Status.UNSETTLED_CURRENT),  # due today is not overdue
        ("100.00", "0", YESTERDAY, Status.OVERDUE),
        # partial payment keeps it unsettled
        ("100.00", "99.99", TODAY, Status.UNSETTLED_CURRENT),
        ("100.00", "99.99", YESTERDAY, Status.OVERDUE),
        ("100.00", "0.01", YESTERDAY, Status.OVERDUE),
        # exact payment settles, whatever the due date
        ("100.00", "100.00", YESTERDAY, Status.SETTLED),
        ("100.00", "100.00", TODAY, Status.SETTLED),
        ("100.00", "100.00", TOMORROW, Status.SETTLED),
        # overpayment, whatever the due date
        ("100.00", "100.01", YESTERDAY, Status.OVERPAID),
        ("100.00", "250.00", TOMORROW, Status.OVERPAID),
        # credit notes: negative documents
        ("-50.00", "0", YESTERDAY, Status.OVERPAID),  # not offset: money owed to the client
        ("-50.00", "-50.00", YESTERDAY, Status.SETTLED),  # fully offset against its invoice
        ("-50.00", "-20.00", TOMORROW, Status.OVERPAID),  # partly offset
    ],
)
def test_status_of(gross: str, paid: str, due: dt.date, expected: Status) -> None:
    assert status_of(D(gross), D(paid), due, TODAY) is expected


def test_paying_on_the_due_date_is_on_time() -> None:
    due = TODAY
    # the day it is due and still open: current, no days overdue
    assert status_of(D("10"), D("0"), due, due) is Status.UNSETTLED_CURRENT
    assert days_overdue(D("10"), D("0"), due, due) == 0
    # the next day it is overdue by one day
    assert status_of(D("10"), D("0"), due, due + dt.timedelta(days=1)) is Status.OVERDUE
    assert days_overdue(D("10"), D("0"), due, due + dt.timedelta(days=1)) == 1


@pytest.mark.parametrize(
    ("gross", "paid", "due", "expected"),
    [
        ("100", "0", TODAY - dt.timedelta(days=45), 45),
        ("100", "60", TODAY - dt.timedelta(days=1), 1),
        ("100", "0", dt.date(2025, 3, 16), 365),
        ("100", "0", TODAY, 0),
        ("100", "0", TOMORROW, 0),
        ("100", "100", TODAY - dt.timedelta(days=45), 0),  # settled late: no longer overdue
        ("100", "120", TODAY - dt.timedelta(days=45), 0),  # overpaid
        ("-100", "0", TODAY - dt.timedelta(days=45), 0),  # a credit note is never overdue
    ],
)
def test_days_overdue(gross: str, paid: str, due: dt.date, expected: int) -> None:
    assert days_overdue(D(gross), D(paid), due, TODAY) == expected


EXPECTED_MEMBERS = {
    Filter.ALL: set(Status),
    Filter.UNSETTLED: {Status.UNSETTLED_CURRENT, Status.OVERDUE},
    Filter.UNSETTLED_CURRENT: {Status.UNSETTLED_CURRENT},
    Filter.OVERDUE: {Status.OVERDUE},
    Filter.SETTLED: {Status.SETTLED},
    Filter.OVERPAID: {Status.OVERPAID},
}


@pytest.mark.parametrize("flt", list(Filter))
def test_filter_membership(flt: Filter) -> None:
    assert {s for s in Status if matches(flt, s)} == EXPECTED_MEMBERS[flt]


def test_six_filters_in_keyboard_order() -> None:
    assert [f.value for f in Filter] == ["all", "unsettled", "unsettled-current", "overdue", "settled", "overpaid"]
    assert {s.value for s in Status} == {"settled", "overpaid", "unsettled-current", "overdue"}


amounts = st.decimals(min_value=D("-1000"), max_value=D("1000"), places=2)
days = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31))


@given(amounts, amounts, days, days)
def test_every_document_has_exactly_one_status(gross: Decimal, paid: Decimal, due: dt.date, today: dt.date) -> None:
    status = status_of(gross, paid, due, today)
    exclusive = [f for f in (Filter.SETTLED, Filter.OVERPAID, Filter.UNSETTLED_CURRENT, Filter.OVERDUE)
                 if matches(f, status)]
    assert len(exclusive) == 1
    assert matches(Filter.ALL, status)
    assert matches(Filter.UNSETTLED, status) == (balance(gross, paid) > 0)
    assert matches(Filter.OVERDUE, status) == (balance(gross, paid) > 0 and due < today)
    overdue_days = days_overdue(gross, paid, due, today)
    assert overdue_days >= 0
    assert (overdue_days > 0) == (status is Status.OVERDUE)
    if status is Status.OVERDUE:
        assert overdue_days == (today - due).days


def test_a_pause_holds_through_its_last_day_and_not_after() -> None:
    from collector_app.domain.status import pause_in_effect

    last = dt.date(2026, 3, 20)
    assert pause_in_effect(last, dt.date(2026, 3, 19)) and pause_in_effect(last, last)
    assert not pause_in_effect(last, dt.date(2026, 3, 21))
    assert not pause_in_effect(None, last)
