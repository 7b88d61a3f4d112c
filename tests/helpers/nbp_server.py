"""A local NBP Web API look-alike on 127.0.0.1 serving table A series of made-up mid rates, recording requests.

The rates are invented for tests (plausible values, business days only: weekends and the listed Polish
holidays have no table); the URL layout, the 93-day limit and the error replies follow api.nbp.pl.
"""

from __future__ import annotations

import datetime as dt
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any

from helpers.local_http import serve

# a few public holidays of Poland on which NBP published no table
HOLIDAYS = frozenset(dt.date.fromisoformat(d) for d in (
    "2018-05-31",  # Corpus Christi: May 2018 ends on Wednesday the 30th for NBP
    "2025-04-21", "2025-05-01", "2025-06-19", "2025-08-15", "2025-11-11",
    "2025-12-24", "2025-12-25", "2025-12-26", "2026-01-01", "2026-01-06",
))
CURRENCY_NAMES = {"EUR": "euro", "CZK": "korona czeska"}
PATH = re.compile(r"^/api/exchangerates/rates/a/(?P<code>[a-z]{3})/(?P<start>[^/]+)/(?P<end>[^/]+)/?$")


def business_days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in HOLIDAYS:
            yield day
        day += dt.timedelta(days=1)


def made_up_mid(code: str, day: dt.date) -> Decimal:
    """A plausible, deterministic, four-decimal mid rate (not NBP's)."""
    n = day.toordinal()
    if code == "EUR":
        return Decimal("4.1000") + Decimal(n % 3001) / Decimal(10000)
    return Decimal("0.1600") + Decimal(n % 151) / Decimal(10000)


@dataclass
class NbpApi:
    """tables[code][day] = mid; `replies` (status, body) are answered first, once each, in order (None: the
    normal answer to that request)."""

    tables: dict[str, dict[dt.date, Decimal]] = field(default_factory=dict)
    replies: list[tuple[int, bytes] | None] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    @classmethod
    def canned(cls, start: dt.date = dt.date(2015, 12, 1), end: dt.date = dt.date(2026, 3, 16)) -> NbpApi:
        return cls({code: {d: made_up_mid(code, d) for d in business_days(start, end)} for code in CURRENCY_NAMES})

    def table_no(self, code: str, day: dt.date) -> str:
        n = sum(1 for d in self.tables[code] if d.year == day.year and d <= day)
        return f"{n:03d}/A/NBP/{day.year}"

    def answer(self, path: str) -> tuple[int, bytes]:
        if self.replies and (reply := self.replies.pop(0)) is not None:
            return reply
        path, _, query = path.partition("?")
        m = PATH.match(path)
        if m is None or query != "format=json" or m["code"].upper() not in self.tables:
            return 404, b"404 NotFound"
        try:
            start, end = dt.date.fromisoformat(m["start"]), dt.date.fromisoformat(m["end"])
        except ValueError:
            return 400, b"400 BadRequest - Blednie sformulowane zapytanie / Incorrect request"
        if end < start:
            return 400, b"400 BadRequest - Bledny zakres dat / Invalid date range"
        if (end - start).days + 1 > 93:
            return 400, b"400 BadRequest - Przekroczony limit 93 dni / Limit of 93 days has been exceeded"
        code = m["code"].upper()
        days = sorted(d for d in self.tables[code] if start <= d <= end)
        if not days:
            return 404, b"404 NotFound - Brak danych"
        items = ",".join(f'{{"no":"{self.table_no(code, d)}","effectiveDate":"{d.isoformat()}",'
                         f'"mid":{self.tables[code][d]}}}' for d in days)
        return 200, (f'{{"table":"A","currency":"{CURRENCY_NAMES[code]}","code":"{code}","rates":[{items}]}}'
                     .encode())


@contextmanager
def nbp_server(api: NbpApi) -> Iterator[NbpApi]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            api.requests.append(self.path)
            status, body = api.answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8" if status == 200 else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serve(Handler) as base:
        api.url = base + ""
        yield api


@contextmanager
def silent_server() -> Iterator[str]:
    """A port that accepts the connection and never answers (a read times out)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def closed_port_url() -> str:
    """The URL of a port nobody listens on (connection refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def ship_fx_through(monkeypatch: Any, last: dt.date) -> None:
    """Make the program ship exchange rates only through `last` (as a release made back then did)."""
    from collector_app.services import rates

    shipped = tuple(f for f in rates.shipped_fx() if f.date <= last)
    monkeypatch.setattr(rates, "shipped_fx", lambda: shipped)
