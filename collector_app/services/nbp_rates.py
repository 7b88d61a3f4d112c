"""Month-end NBP table A mid rates downloaded from the NBP Web API into the ledger's exchange-rate table."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from collector_app.db.models import FxRate
from collector_app.domain.errors import UserError
from collector_app.domain.money import check_currency
from collector_app.services import audit, rates, settings
from collector_app.services.context import Ctx

DEFAULT_BASE_URL = "https://api.nbp.pl"
BASE_URL_SETTING = "nbp.base_url"
CODES = ("EUR", "CZK")  # the currencies the compensation converts from (PL: EUR, CZ: CZK)
QUOTE = "PLN"
FIRST_MONTH = (2016, 1)  # the shipped table starts here; the interest rules reach no further back
TAIL_DAYS = 10  # the last business day of a month always falls in its last ten days
MAX_WINDOW_DAYS = 93  # the API's limit for one range query
TIMEOUT = 20.0
MAX_PLACES = 6  # fx_rate.rate is Numeric(12, 6)

Month = tuple[int, int]
# what reads a URL: returns the body, raises urllib.error.HTTPError / URLError / OSError like urlopen
Opener = Callable[[str, float], bytes]


@dataclass(frozen=True, slots=True)
class NbpRate:
    """One table A mid rate as published: units of PLN for one `code` on `date`."""

    code: str
    date: dt.date
    mid: Decimal
    table: str
    url: str

    @property
    def source(self) -> str:
        return f"NBP table {self.table}, {self.url}"


@dataclass(frozen=True, slots=True)
class Conflict:
    """The ledger already has a different rate for that day; it is kept, NBP's is reported."""

    nbp: NbpRate
    ledger: Decimal


@dataclass
class FetchResult:
    code: str
    added: list[NbpRate] = field(default_factory=list)
    skipped: list[NbpRate] = field(default_factory=list)  # the ledger already holds exactly this rate
    conflicts: list[Conflict] = field(default_factory=list)
    unpublished: list[Month] = field(default_factory=list)  # no table in the month's last days
    requests: int = 0


# --- months --------------------------------------------------------------------------------------

def month_str(month: Month) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def parse_month(text: str, field_name: str) -> Month:
    try:
        day = dt.date.fromisoformat(text.strip() + "-01")
    except ValueError:
        raise UserError(field_name, f'"{text}" is not a month YYYY-MM') from None
    return day.year, day.month


def last_day(month: Month) -> dt.date:
    year, mon = month
    first_next = dt.date(year + mon // 12, mon % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def months_between(first: Month, last: Month) -> list[Month]:
    out: list[Month] = []
    year, mon = first
    while (year, mon) <= last:
        out.append((year, mon))
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return out


def last_complete_month(today: dt.date) -> Month:
    """The month before today's (today's own month is not over, so its last table may still come)."""
    prev = today.replace(day=1) - dt.timedelta(days=1)
    return prev.year, prev.month


def check_code(code: str) -> str:
    cur = check_currency(code, "code")
    if cur == QUOTE:
        raise UserError("code", "NBP publishes rates of other currencies in PLN; PLN itself has none")
    return cur


def missing_months(ctx: Ctx, code: str, since: Month, until: Month | None = None) -> list[Month]:
    """Months from `since` through `until` (default: the last complete month) without a CODE/PLN row."""
    cur = check_code(code)
    end = until or last_complete_month(ctx.clock.today())
    rates.ensure_loaded(ctx)
    first = dt.date(since[0], since[1], 1)
    have = {(d.year, d.month) for d in ctx.session.scalars(
        select(FxRate.date).where(FxRate.base == cur, FxRate.quote == QUOTE, FxRate.date >= first))}
    return [m for m in months_between(since, end) if m not in have]


def fetch_hint(code: str, month: Month) -> str:
    """What the missing-rate error suggests: the command that downloads exactly that month."""
    return f"`collector rates fetch --code {code} --from {month_str(month)} --to {month_str(month)}`"


# --- the base URL --------------------------------------------------------------------------------

def check_base_url(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UserError("base-url", f'"{text}" is not an http(s) URL such as {DEFAULT_BASE_URL}')
    return text.strip().rstrip("/")


def get_base_url(ctx: Ctx) -> str:
    return settings.get_value(ctx, BASE_URL_SETTING) or DEFAULT_BASE_URL


def set_base_url(ctx: Ctx, url: str | None) -> str:
    """Point the download at another server (a mirror or a test server); None returns to api.nbp.pl."""
    value = DEFAULT_BASE_URL if url is None else check_base_url(url)
    settings.set_value(ctx, BASE_URL_SETTING, None if url is None else value)
    audit.record(ctx, "settings.nbp", "setting", None, f"NBP rates are downloaded from {value}")
    return value


# --- downloading ---------------------------------------------------------------------------------

def windows(months: Iterable[Month]) -> list[tuple[dt.date, dt.date, list[Month]]]:
    """Months grouped into range queries of at most 93 days, each covering the last days of its months."""
    out: list[tuple[dt.date, dt.date, list[Month]]] = []
    for month in sorted(set(months)):
        end = last_day(month)
        start = end - dt.timedelta(days=TAIL_DAYS - 1)
        if out and (end - out[-1][0]).days < MAX_WINDOW_DAYS:
            out[-1] = (out[-1][0], end, [*out[-1][2], month])
        else:
            out.append((start, end, [month]))
    return out


def urlopen_bytes(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "Collector"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body: bytes = response.read()
    return body


def range_url(base_url: str, code: str, start: dt.date, end: dt.date) -> str:
    return (f"{base_url.rstrip('/')}/api/exchangerates/rates/a/{code.lower()}/"
            f"{start.isoformat()}/{end.isoformat()}/?format=json")


def _get(opener: Opener, url: str, timeout: float) -> bytes | None:
    """The body, or None for NBP's 404 "Brak danych" (no table in the range); anything else is an error."""
    try:
        return opener(url, timeout)
    except urllib.error.HTTPError as exc:
        detail = _error_text(exc)
        if exc.code == 404:
            return None
        raise UserError("nbp", f"{url} answered HTTP {exc.code} {exc.reason}{detail}") from None
    except urllib.error.URLError as exc:
        raise UserError("nbp", f"{url} could not be reached: {exc.reason}") from None
    except TimeoutError:
        raise UserError("nbp", f"{url} did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise UserError("nbp", f"{url} could not be read: {exc}") from None


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""
    finally:
        exc.close()
    return f" ({text[:200]})" if text else ""


def parse_rates(body: bytes, code: str, url: str) -> list[NbpRate]:
    """The `rates` of a table A series answer, mids exact as written in the JSON (never through float)."""
    try:
        data: Any = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError):
        raise UserError("nbp", f"{url} did not answer with JSON: {body[:80]!r}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rates"), list):
        raise UserError("nbp", f"{url} answered JSON without a list of rates")
    if str(data.get("code", "")).upper() != code:
        raise UserError("nbp", f'{url} answered rates of "{data.get("code")}", not {code}')
    return [_rate(item, code, url) for item in data["rates"]]


def _rate(item: Any, code: str, url: str) -> NbpRate:
    try:
        day = dt.date.fromisoformat(item["effectiveDate"])
        mid = item["mid"]
        table = str(item["no"])
    except (TypeError, KeyError, ValueError):
        raise UserError("nbp", f"{url} answered a rate without effectiveDate, mid and no: {item!r}") from None
    if isinstance(mid, bool) or not isinstance(mid, (Decimal, int)):
        raise UserError("nbp", f"{url} answered a mid rate that is not a number: {mid!r}")
    value = Decimal(mid)
    exponent = value.as_tuple().exponent
    if not value.is_finite() or value <= 0 or (isinstance(exponent, int) and -exponent > MAX_PLACES):
        raise UserError("nbp", f"{url} answered an implausible mid rate {mid} on {day.isoformat()}")
    return NbpRate(code, day, value, table, url)


def download(code: str, months: Sequence[Month], base_url: str, *, opener: Opener | None = None,
             timeout: float = TIMEOUT) -> tuple[dict[Month, NbpRate], list[Month], int]:
    """The month-end rate of each month (the latest table dated in it), the months without one, the request count."""
    read = opener or urlopen_bytes
    found: dict[Month, NbpRate] = {}
    none: list[Month] = []
    requests = 0
    for start, end, group in windows(months):
        url = range_url(base_url, code, start, end)
        body = _get(read, url, timeout)
        requests += 1
        published = parse_rates(body, code, url) if body is not None else []
        for month in group:
            tail_start = last_day(month) - dt.timedelta(days=TAIL_DAYS - 1)
            in_month = [r for r in published if tail_start <= r.date <= last_day(month)]
            if in_month:
                found[month] = max(in_month, key=lambda r: r.date)
            else:
                none.append(month)
    return found, none, requests


# --- storing -------------------------------------------------------------------------------------

def store(ctx: Ctx, code: str, found: dict[Month, NbpRate]) -> FetchResult:
    """Adds the rates the ledger lacks; a day it already has is skipped (same rate) or a conflict (another)."""
    result = FetchResult(code)
    if not found:
        return result
    rates.ensure_loaded(ctx)
    days = [r.date for r in found.values()]
    have = {d: Decimal(v) for d, v in ctx.session.execute(
        select(FxRate.date, FxRate.rate).where(FxRate.base == code, FxRate.quote == QUOTE,
                                               FxRate.date.in_(days))).tuples()}
    for month in sorted(found):
        nbp = found[month]
        if nbp.date not in have:
            ctx.session.add(FxRate(base=code, quote=QUOTE, date=nbp.date, rate=nbp.mid, source=nbp.source,
                                   origin="user", created_at=ctx.clock.now()))
            result.added.append(nbp)
        elif have[nbp.date] == nbp.mid:
            result.skipped.append(nbp)
        else:
            result.conflicts.append(Conflict(nbp, have[nbp.date].normalize()))
    if result.added:
        ctx.session.flush()
        audit.record(ctx, "fx_rate.downloaded", "fx_rate", None,
                     f"{len(result.added)} {code}/{QUOTE} month-end rates downloaded from NBP "
                     f"({result.added[0].date.isoformat()} – {result.added[-1].date.isoformat()})",
                     details={"dates": [r.date.isoformat() for r in result.added]})
    return result


def check_months(ctx: Ctx, months: Sequence[Month]) -> None:
    """Only months that are over: the last table of a month still running is not its month-end rate."""
    current = last_complete_month(ctx.clock.today())
    late = [m for m in months if m > current]
    if late:
        raise UserError("to", f"{month_str(late[0])} is not over yet (the last complete month is "
                              f"{month_str(current)})")
    early = [m for m in months if m < (2002, 1)]
    if early:
        raise UserError("from", f"{month_str(early[0])} is before NBP's Web API series (2002-01)")


def fetch(ctx: Ctx, plan: Mapping[str, Sequence[Month]], *, base_url: str | None = None,
          opener: Opener | None = None, timeout: float = TIMEOUT) -> list[FetchResult]:
    """Download the month-end mid rates of each code's months, then store them: one failed request writes nothing."""
    codes = {check_code(code): months for code, months in plan.items()}
    for months in codes.values():
        check_months(ctx, months)
    url = check_base_url(base_url) if base_url else get_base_url(ctx)
    downloaded = {code: download(code, months, url, opener=opener, timeout=timeout) for code, months in codes.items()}
    results: list[FetchResult] = []
    for code, (found, none, requests) in downloaded.items():
        result = store(ctx, code, found)
        result.unpublished, result.requests = none, requests
        results.append(result)
    return results


def fetch_month_ends(ctx: Ctx, code: str, months: Sequence[Month], *, base_url: str | None = None,
                     opener: Opener | None = None, timeout: float = TIMEOUT) -> FetchResult:
    """Download and store one currency's month-end mid rates of `months` (see `fetch`)."""
    return fetch(ctx, {code: months}, base_url=base_url, opener=opener, timeout=timeout)[0]


def summary(results: Sequence[FetchResult]) -> list[str]:
    """One line per currency: what was added, already there, conflicting, not published."""
    lines = []
    for r in results:
        parts = [f"{len(r.added)} added", f"{len(r.skipped)} already in the ledger"]
        if r.conflicts:
            parts.append(f"{len(r.conflicts)} differ from the ledger (kept: "
                         + ", ".join(f"{c.nbp.date.isoformat()} ledger {c.ledger:f} vs NBP {c.nbp.mid:f}"
                                     for c in r.conflicts) + ")")
        if r.unpublished:
            parts.append("no NBP table for " + ", ".join(month_str(m) for m in r.unpublished))
        lines.append(f"{r.code}/{QUOTE}: " + "; ".join(parts))
    return lines


def missing_plan(ctx: Ctx, codes: Sequence[str] = CODES) -> dict[str, list[Month]]:
    """Every month since 2016-01 through the last complete one that lacks a month-end rate, per currency."""
    return {code: months for code in codes if (months := missing_months(ctx, code, FIRST_MONTH))}
