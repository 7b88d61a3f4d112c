"""When reminder steps fall due and when messages may go out: offsets, repeats, business days, holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays

Hours = tuple[tuple[int, int], tuple[int, int]]
DEFAULT_HOURS: Hours = ((8, 0), (17, 0))
WEEKEND = (5, 6)  # Saturday, Sunday


def occurrences(repeat_every_days: int | None, repeat_max: int | None) -> int:
    """How many times a step goes out: once, plus `repeat_max` repeats when it repeats."""
    if not repeat_every_days or not repeat_max or repeat_every_days <= 0 or repeat_max <= 0:
        return 1
    return 1 + repeat_max


def step_dates(anchor: dt.date, offset_days: int, repeat_every_days: int | None = None,
               repeat_max: int | None = None) -> list[tuple[int, dt.date]]:
    """(occurrence, due date) of a step for one anchor date; occurrences are numbered from 1."""
    first = anchor + dt.timedelta(days=offset_days)
    every = repeat_every_days or 0
    return [(n, first + dt.timedelta(days=every * (n - 1)))
            for n in range(1, occurrences(repeat_every_days, repeat_max) + 1)]


def due_by(anchor: dt.date, offset_days: int, repeat_every_days: int | None, repeat_max: int | None,
           day: dt.date) -> list[tuple[int, dt.date]]:
    """The occurrences of a step due on or before `day`."""
    return [(n, d) for n, d in step_dates(anchor, offset_days, repeat_every_days, repeat_max) if d <= day]


def latest(dates: Iterable[dt.date]) -> dt.date | None:
    """Catch-up: of the dates come due since the last planning, only those on the latest one go out."""
    return max(dates, default=None)


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[dt.date]:
    try:
        return frozenset(holidays.country_holidays(country.upper(), years=year).keys())
    except NotImplementedError:  # a country the library does not know: weekends only
        return frozenset()


def is_holiday(day: dt.date, country: str) -> bool:
    return day in _holidays(country, day.year)


def is_business_day(day: dt.date, country: str) -> bool:
    """Monday to Friday and not a public holiday of the country."""
    return day.weekday() not in WEEKEND and not is_holiday(day, country)


def next_business_day(day: dt.date, country: str) -> dt.date:
    """The day itself when it is a business day, else the next one."""
    while not is_business_day(day, country):
        day += dt.timedelta(days=1)
    return day


def _local(moment: dt.datetime) -> dt.datetime:
    """Business hours are the computer's local time: an aware moment is read in it."""
    return moment.astimezone() if moment.tzinfo is not None else moment


def is_business_time(moment: dt.datetime, country: str, hours: Hours = DEFAULT_HOURS) -> bool:
    """Inside business hours [start, end) on a business day."""
    local = _local(moment)
    start, end = dt.time(*hours[0]), dt.time(*hours[1])
    return is_business_day(local.date(), country) and start <= local.time() < end


def next_business_time(moment: dt.datetime, country: str, hours: Hours = DEFAULT_HOURS) -> dt.datetime:
    """The moment itself when inside business hours, else the next opening (same time-zone kind)."""
    local = _local(moment)
    if is_business_time(local, country, hours):
        return moment
    start = dt.time(*hours[0])
    day = local.date()
    if local.time() >= start:  # after opening today (so after closing, or a closed day): not today
        day += dt.timedelta(days=1)
    opening = dt.datetime.combine(next_business_day(day, country), start)
    if moment.tzinfo is None:
        return opening
    return opening.astimezone()  # naive local → aware local
