"""Typed dates and times, and the injectable clock."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.ledger import expect_error, local_timezone

from collector_app.domain.clock import FixedClock, SystemClock
from collector_app.domain.dates import parse_date, parse_datetime


def test_parse_date() -> None:
    assert parse_date("2026-03-16", "due") == dt.date(2026, 3, 16)
    assert parse_date(" 2026-02-28 ", "due") == dt.date(2026, 2, 28)


@pytest.mark.parametrize("bad", ["", "2026-02-30", "16.03.2026", "2026/03/16", "tomorrow", "2026-3-16x"])
def test_parse_date_refuses_naming_the_field(bad: str) -> None:
    with expect_error("issued") as info:
        parse_date(bad, "issued")
    assert "YYYY-MM-DD" in info.value.message


def test_parse_datetime_bare_date_means_default_time() -> None:
    assert parse_datetime("2026-03-16", "due") == dt.datetime(2026, 3, 16, 9, 0)
    assert parse_datetime("2026-03-16", "due", dt.time(17, 30)) == dt.datetime(2026, 3, 16, 17, 30)


def test_parse_datetime_with_time_is_local_naive() -> None:
    got = parse_datetime("2026-03-16T14:05", "due")
    assert got == dt.datetime(2026, 3, 16, 14, 5)
    assert got.tzinfo is None  # local time: the service converts it to UTC


@pytest.mark.parametrize("bad", ["2026-03-16T25:00", "2026-03-16 at noon", "2026-13-01", "2026-03-1x"])
def test_parse_datetime_refuses_naming_the_field(bad: str) -> None:
    with expect_error("due"):
        parse_datetime(bad, "due")


def test_fixed_clock_today_and_now() -> None:
    clock = FixedClock(dt.date(2026, 3, 16), dt.time(10, 0))
    assert clock.today() == dt.date(2026, 3, 16)
    now = clock.now()
    assert now.tzinfo is not None
    assert now.utcoffset() == dt.timedelta(0)


def test_fixed_clock_now_is_the_local_time_in_utc() -> None:
    with local_timezone("Europe/Warsaw"):
        winter = FixedClock(dt.date(2026, 3, 16), dt.time(10, 0)).now()
        summer = FixedClock(dt.date(2026, 7, 16), dt.time(10, 0)).now()
    assert winter == dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
    assert summer == dt.datetime(2026, 7, 16, 8, 0, tzinfo=dt.UTC)


def test_fixed_clock_near_midnight_keeps_its_local_day() -> None:
    with local_timezone("Europe/Warsaw"):
        now = FixedClock(dt.date(2026, 3, 16), dt.time(0, 30)).now()
        assert now.astimezone().date() == dt.date(2026, 3, 16)
    assert now == dt.datetime(2026, 3, 15, 23, 30, tzinfo=dt.UTC)


def test_system_clock_is_aware() -> None:
    clock = SystemClock()
    assert clock.now().tzinfo is not None
    assert abs((clock.now() - dt.datetime.now(dt.UTC)).total_seconds()) < 5
    assert clock.today() == dt.date.today()
