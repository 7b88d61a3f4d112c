"""Parsing the dates and times people type (ISO on the command line)."""

from __future__ import annotations

import datetime as dt

from collector_app.domain.errors import UserError


def parse_date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UserError(field, f'"{text}" is not a date (expected YYYY-MM-DD)') from exc


def parse_datetime(text: str, field: str, default_time: dt.time = dt.time(9, 0)) -> dt.datetime:
    """YYYY-MM-DD or YYYY-MM-DDTHH:MM, local time; a bare date means `default_time` that day."""
    raw = text.strip()
    if len(raw) == 10:
        return dt.datetime.combine(parse_date(raw, field), default_time)
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise UserError(field, f'"{text}" is not a date and time (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM)') from exc
