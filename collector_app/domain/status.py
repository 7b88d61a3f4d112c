"""The single definition of an invoice's status, filters and days overdue."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal


class Status(enum.StrEnum):
    SETTLED = "settled"
    OVERPAID = "overpaid"
    UNSETTLED_CURRENT = "unsettled-current"
    OVERDUE = "overdue"


class Filter(enum.StrEnum):
    """The six register filters of the product brief, in their keyboard order (Ctrl+1…6)."""

    ALL = "all"
    UNSETTLED = "unsettled"
    UNSETTLED_CURRENT = "unsettled-current"
    OVERDUE = "overdue"
    SETTLED = "settled"
    OVERPAID = "overpaid"


def balance(gross: Decimal, paid: Decimal) -> Decimal:
    """Credit notes have a negative gross, so the same formula serves both kinds."""
    return gross - paid


def status_of(gross: Decimal, paid: Decimal, due_date: dt.date, today: dt.date) -> Status:
    bal = balance(gross, paid)
    if bal == 0:
        return Status.SETTLED
    if bal < 0:
        return Status.OVERPAID
    if due_date < today:  # paying on the due date is on time
        return Status.OVERDUE
    return Status.UNSETTLED_CURRENT


def days_overdue(gross: Decimal, paid: Decimal, due_date: dt.date, today: dt.date) -> int:
    if status_of(gross, paid, due_date, today) is Status.OVERDUE:
        return (today - due_date).days
    return 0


def pause_in_effect(until: dt.date | None, today: dt.date) -> bool:
    """Reminders are held through the pause's last day (a promise's date, a manual pause); the day after,
    it holds nothing. Planning writes the same rule in SQL (`paused_until < :today` plans again)."""
    return until is not None and today <= until


def matches(flt: Filter, status: Status) -> bool:
    """Whether a status belongs to a filter; mirrors the SQL in db/queries.py."""
    if flt is Filter.ALL:
        return True
    if flt is Filter.UNSETTLED:
        return status in (Status.UNSETTLED_CURRENT, Status.OVERDUE)
    return flt.value == status.value
