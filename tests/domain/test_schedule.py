"""Step dates, repeats, business days and public holidays: the calendar rules planning and sending share."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.ledger import local_timezone

from collector_app.domain.schedule import (
    due_by,
    is_business_day,
    is_business_time,
    latest,
    next_business_day,
    next_business_time,
    occurrences,
    step_dates,
)

D = dt.date


def test_a_step_without_repeats_falls_once_on_anchor_plus_offset() -> None:
    assert step_dates(D(2026, 3, 15), -2) == [(1, D(2026, 3, 13))]
    assert step_dates(D(2026, 3, 15), 0) == [(1, D(2026, 3, 15))]


def test_a_repeating_step_is_numbered_from_one_up_to_repeat_max_plus_one() -> None:
    assert step_dates(D(2026, 3, 1), 9, 7, 1) == [(1, D(2026, 3, 10)), (2, D(2026, 3, 17))]
    assert [n for n, _ in step_dates(D(2026, 3, 1), 0, 7, 3)] == [1, 2, 3, 4]
    assert occurrences(None, 3) == occurrences(7, None) == occurrences(0, 2) == 1


def test_due_by_keeps_the_occurrences_on_or_before_the_day() -> None:
    assert due_by(D(2026, 3, 1), 9, 7, 2, D(2026, 3, 17)) == [(1, D(2026, 3, 10)), (2, D(2026, 3, 17))]
    assert due_by(D(2026, 3, 1), 9, 7, 2, D(2026, 3, 9)) == []


def test_catch_up_keeps_the_latest_date() -> None:
    assert latest([D(2026, 3, 1), D(2026, 3, 9), D(2026, 3, 3)]) == D(2026, 3, 9)
    assert latest([]) is None


@pytest.mark.parametrize(("day", "country", "business"), [
    (D(2026, 3, 16), "PL", True),     # Monday
    (D(2026, 3, 14), "PL", False),    # Saturday
    (D(2026, 5, 1), "PL", False),     # Labour Day (Friday)
    (D(2026, 5, 8), "CZ", False),     # Den vítězství (Friday), not a holiday in Poland
    (D(2026, 5, 8), "PL", True),
    (D(2026, 12, 24), "PL", False),   # Wigilia is a public holiday in Poland from 2025
    (D(2026, 3, 16), "XX", True),     # an unknown country: weekends only
])
def test_business_days_skip_weekends_and_the_countrys_holidays(day: dt.date, country: str, business: bool) -> None:
    assert is_business_day(day, country) is business


def test_the_next_business_day_jumps_over_a_long_weekend() -> None:
    assert next_business_day(D(2026, 5, 1), "PL") == D(2026, 5, 4)   # Fri holiday, Sat, Sun (3 May)
    assert next_business_day(D(2026, 3, 16), "PL") == D(2026, 3, 16)


def test_business_hours_are_start_inclusive_end_exclusive() -> None:
    monday = dt.datetime(2026, 3, 16, 8, 0)
    assert is_business_time(monday, "PL")
    assert not is_business_time(monday.replace(hour=7, minute=59), "PL")
    assert not is_business_time(monday.replace(hour=17), "PL")
    assert is_business_time(monday.replace(hour=9), "PL", ((9, 0), (10, 0)))


def test_next_business_time_waits_for_the_next_opening() -> None:
    friday_evening = dt.datetime(2026, 3, 13, 18, 30)
    assert next_business_time(friday_evening, "PL") == dt.datetime(2026, 3, 16, 8, 0)
    early = dt.datetime(2026, 3, 16, 6, 0)
    assert next_business_time(early, "PL") == dt.datetime(2026, 3, 16, 8, 0)
    inside = dt.datetime(2026, 3, 16, 12, 0)
    assert next_business_time(inside, "PL") == inside
    before_holiday = dt.datetime(2026, 4, 30, 17, 0)  # Thursday close; 1 May holiday; weekend
    assert next_business_time(before_holiday, "PL") == dt.datetime(2026, 5, 4, 8, 0)


def test_aware_moments_are_read_in_the_computers_local_time() -> None:
    with local_timezone("Europe/Warsaw"):
        moment = dt.datetime(2026, 3, 16, 6, 30, tzinfo=dt.UTC)  # 07:30 in Warsaw: before opening
        assert not is_business_time(moment, "PL")
        opening = next_business_time(moment, "PL")
        assert opening.tzinfo is not None
        assert opening.astimezone(dt.UTC) == dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
