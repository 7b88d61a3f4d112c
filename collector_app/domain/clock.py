"""Injectable "today" so every date rule can be tested on any day."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def today(self) -> dt.date: ...

    def now(self) -> dt.datetime:
        """Aware UTC timestamp for audit rows."""
        ...


class SystemClock:
    def today(self) -> dt.date:
        return dt.date.today()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock stopped at a given day; the time of day is the real one unless given."""

    def __init__(self, day: dt.date, time: dt.time | None = None) -> None:
        self._day = day
        self._time = time

    def today(self) -> dt.date:
        return self._day

    def now(self) -> dt.datetime:
        local_time = self._time or dt.datetime.now(dt.UTC).astimezone().time()
        local = dt.datetime.combine(self._day, local_time).astimezone()
        return local.astimezone(dt.UTC)
