"""Statutory late interest for commercial transactions (PL, CZ, EU rule), to the day, in exact Decimal."""

from __future__ import annotations

import bisect
import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from collector_app.domain.errors import UserError

CENT = Decimal("0.01")
DAYS_IN_YEAR = 365  # also in leap years: the acts count a year as 365 days
PL_AMENDMENT = dt.date(2020, 1, 1)  # +10 pp for transactions from this day, +8 pp before


class Law(enum.StrEnum):
    PL = "PL"
    CZ = "CZ"
    EU = "EU"


@dataclass(frozen=True, slots=True)
class RateSeries:
    """One central-bank rate over time (country + kind), sorted by valid_from."""

    country: str
    kind: str
    points: tuple[tuple[dt.date, Decimal], ...]

    @classmethod
    def of(cls, country: str, kind: str, rows: Iterable[tuple[dt.date, Decimal]]) -> RateSeries:
        return cls(country, kind, tuple(sorted(rows)))

    def in_force(self, day: dt.date) -> Decimal:
        """The rate whose valid_from is the latest on or before `day`."""
        i = bisect.bisect_right([p[0] for p in self.points], day)
        if i == 0:
            raise UserError(
                "rates",
                f"no {self.country} {self.kind} rate in force on {day.isoformat()}: add it with "
                f"`collector rates add --country {self.country} --kind {self.kind} --from YYYY-MM-DD --percent P`",
            )
        return self.points[i - 1][1]


# the rate series each law reads: (country, kind) of the Rate rows
SERIES = {Law.PL: ("PL", "reference"), Law.CZ: ("CZ", "repo"), Law.EU: ("EU", "mro")}
MARGIN = {Law.CZ: Decimal(8), Law.EU: Decimal(8)}


def law_for(currency: str, firm_country: str) -> Law:
    """EUR invoices follow the EU rule; otherwise the firm's country (PL, CZ), else the EU rule."""
    if currency.upper() == "EUR":
        return Law.EU
    country = firm_country.upper()
    return Law(country) if country in (Law.PL, Law.CZ) else Law.EU


def half_year_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year(day: dt.date) -> dt.date:
    start = half_year_start(day)
    return dt.date(start.year, 7, 1) if start.month == 1 else dt.date(start.year + 1, 1, 1)


@dataclass(frozen=True, slots=True)
class Debt:
    """What interest is computed on: the amount due on due_date, and what reduced it and when."""

    issue_date: dt.date
    due_date: dt.date
    amount: Decimal
    payments: tuple[tuple[dt.date, Decimal], ...] = ()  # (date paid, amount); stops interest from the day after


@dataclass(frozen=True, slots=True)
class Period:
    """A stretch of days with one outstanding amount and one statutory rate (percent a year)."""

    start: dt.date
    end: dt.date
    rate: Decimal
    days: int
    base: Decimal
    exact: Decimal  # base × rate × days / 36500, not rounded

    @property
    def amount(self) -> Decimal:
        return self.exact.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class InterestResult:
    periods: tuple[Period, ...]
    days: int  # days of delay on which something was outstanding

    @property
    def exact(self) -> Decimal:
        return sum((p.exact for p in self.periods), Decimal(0))

    @property
    def interest(self) -> Decimal:
        """Summed exactly, rounded half-up to 0.01 once, at the end."""
        numerator = sum((p.base * p.rate * p.days for p in self.periods), Decimal(0))
        return (numerator / (100 * DAYS_IN_YEAR)).quantize(CENT, rounding=ROUND_HALF_UP)


class RateRule:
    """The statutory rate (percent a year) for each day of one debt's delay, by its law."""

    def __init__(self, law: Law, debt: Debt, series: RateSeries) -> None:
        self.law = law
        self.series = series
        self.margin = MARGIN.get(law) or (Decimal(10) if debt.issue_date >= PL_AMENDMENT else Decimal(8))
        first_late = debt.due_date + dt.timedelta(days=1)
        # CZ: the repo rate set for the last day of the half-year before the one in which the delay began
        self.fixed = (series.in_force(half_year_start(first_late) - dt.timedelta(days=1)) + self.margin
                      if law is Law.CZ else None)

    def rate_for_half_year(self, start: dt.date) -> Decimal:
        if self.fixed is not None:
            return self.fixed
        return self.series.in_force(start) + self.margin


def _outstanding(debt: Debt, day: dt.date) -> Decimal:
    """Still owed on `day`: payments count from the day after their date."""
    paid = sum((amt for when, amt in debt.payments if when < day), Decimal(0))
    return max(debt.amount - paid, Decimal(0))


def _breaks(debt: Debt, first: dt.date, last: dt.date) -> list[dt.date]:
    """Days on which the rate or the outstanding amount may change, within [first, last]."""
    days = {first}
    boundary = next_half_year(first)
    while boundary <= last:
        days.add(boundary)
        boundary = next_half_year(boundary)
    days.update(when + dt.timedelta(days=1) for when, _ in debt.payments
                if first < when + dt.timedelta(days=1) <= last)
    return sorted(days)


def statutory_interest(law: Law, debt: Debt, until: dt.date, series: RateSeries) -> InterestResult:
    """Interest from the day after the due date through `until` inclusive (payment dates stop it)."""
    first = debt.due_date + dt.timedelta(days=1)
    if until < first or _outstanding(debt, first) <= 0:
        return InterestResult((), 0)
    rule = RateRule(law, debt, series)
    starts = _breaks(debt, first, until)
    periods: list[Period] = []
    for start, nxt in zip(starts, [*starts[1:], until + dt.timedelta(days=1)], strict=True):
        base = _outstanding(debt, start)
        if base <= 0:
            break
        days = (nxt - start).days
        rate = rule.rate_for_half_year(half_year_start(start))
        periods.append(Period(start, nxt - dt.timedelta(days=1), rate, days, base,
                              base * rate * days / (100 * DAYS_IN_YEAR)))
    return InterestResult(tuple(_merge(periods)), sum(p.days for p in periods))


def _merge(periods: Sequence[Period]) -> list[Period]:
    """Adjacent periods with the same rate and base read as one line."""
    out: list[Period] = []
    for p in periods:
        prev = out[-1] if out else None
        if prev and prev.rate == p.rate and prev.base == p.base and prev.end + dt.timedelta(days=1) == p.start:
            days = prev.days + p.days
            out[-1] = Period(prev.start, p.end, p.rate, days, p.base, p.base * p.rate * days / (100 * DAYS_IN_YEAR))
        else:
            out.append(p)
    return out
