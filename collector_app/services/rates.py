"""Central-bank rates and NBP mid rates: shipped in resources/rates, loaded into the ledger, extended by the user."""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select

from collector_app.db.models import FxRate, Rate
from collector_app.domain.compensation import FxLookup, FxQuote
from collector_app.domain.errors import UserError
from collector_app.domain.interest import SERIES, Law, RateSeries
from collector_app.domain.money import check_currency
from collector_app.services import audit
from collector_app.services.context import Ctx
from collector_app.templates.render import resources_dir

# (country, kind) pairs the interest rules read; the CLI and the editor offer exactly these
KINDS: dict[str, str] = {country: kind for country, kind in SERIES.values()}
KIND_NAMES = {"reference": "NBP reference rate", "repo": "ČNB two-week repo rate", "mro": "ECB main refinancing rate"}
FX_FILE = "fx.csv"
MAX_PERCENT = Decimal(100)


@dataclass(frozen=True, slots=True)
class ShippedRate:
    country: str
    kind: str
    valid_from: dt.date
    percent: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class ShippedFx:
    base: str
    quote: str
    date: dt.date
    rate: Decimal
    source: str


def rates_dir() -> Path:
    return resources_dir() / "rates"


@functools.cache
def shipped_rates() -> tuple[ShippedRate, ...]:
    out: list[ShippedRate] = []
    for path in sorted(rates_dir().glob("*.csv")):
        if path.name == FX_FILE:
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            out.extend(ShippedRate(r["country"], r["kind"], dt.date.fromisoformat(r["valid_from"]),
                                   Decimal(r["percent"]), r["source"]) for r in csv.DictReader(fh))
    return tuple(out)


@functools.cache
def shipped_fx() -> tuple[ShippedFx, ...]:
    path = rates_dir() / FX_FILE
    if not path.exists():
        return ()
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(ShippedFx(r["base"], r["quote"], dt.date.fromisoformat(r["date"]), Decimal(r["rate"]),
                               r["source"]) for r in csv.DictReader(fh))


def ensure_loaded(ctx: Ctx) -> int:
    """Insert the shipped rows the ledger lacks (idempotent); two COUNT queries when nothing is missing."""
    s = ctx.session
    added = 0
    rates, fxs = shipped_rates(), shipped_fx()
    if (s.scalar(select(func.count()).select_from(Rate).where(Rate.origin == "shipped")) or 0) < len(rates):
        have = set(s.execute(select(Rate.country, Rate.kind, Rate.valid_from)).tuples())
        for r in rates:
            if (r.country, r.kind, r.valid_from) not in have:
                s.add(Rate(country=r.country, kind=r.kind, valid_from=r.valid_from, percent=r.percent,
                           source=r.source, origin="shipped", created_at=ctx.clock.now()))
                added += 1
    if (s.scalar(select(func.count()).select_from(FxRate).where(FxRate.origin == "shipped")) or 0) < len(fxs):
        have_fx = set(s.execute(select(FxRate.base, FxRate.quote, FxRate.date)).tuples())
        for f in fxs:
            if (f.base, f.quote, f.date) not in have_fx:
                s.add(FxRate(base=f.base, quote=f.quote, date=f.date, rate=f.rate, source=f.source,
                             origin="shipped", created_at=ctx.clock.now()))
                added += 1
    if added:
        s.flush()
    return added


# --- listing -----------------------------------------------------------------------------

def list_rates(ctx: Ctx, *, country: str | None = None, kind: str | None = None) -> list[Rate]:
    ensure_loaded(ctx)
    q = select(Rate).order_by(Rate.country, Rate.kind, Rate.valid_from)
    if country:
        q = q.where(Rate.country == country.strip().upper())
    if kind:
        q = q.where(Rate.kind == kind.strip().lower())
    return list(ctx.session.scalars(q))


def list_fx(ctx: Ctx, *, base: str | None = None, quote: str | None = None) -> list[FxRate]:
    ensure_loaded(ctx)
    q = select(FxRate).order_by(FxRate.base, FxRate.quote, FxRate.date)
    if base:
        q = q.where(FxRate.base == base.strip().upper())
    if quote:
        q = q.where(FxRate.quote == quote.strip().upper())
    return list(ctx.session.scalars(q))


# --- adding and deleting user rows -------------------------------------------------------

def check_series(country: str, kind: str) -> tuple[str, str]:
    c, k = country.strip().upper(), kind.strip().lower()
    if c not in KINDS:
        raise UserError("country", f'"{country}" has no rate table; one of {", ".join(KINDS)}')
    if KINDS[c] != k:
        raise UserError("kind", f'{c} keeps the "{KINDS[c]}" rate ({KIND_NAMES[KINDS[c]]}), not "{kind}"')
    return c, k


def parse_decimal(text: str, field: str, places: int, low: Decimal, high: Decimal) -> Decimal:
    """A typed rate: a plain number with at most `places` decimals in [low, high]."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise UserError(field, f'"{text}" is not a number (expected e.g. 5.75)') from exc
    if not value.is_finite():
        raise UserError(field, f'"{text}" is not a number (expected e.g. 5.75)')
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise UserError(field, f'"{text}" has more than {places} decimal places')
    if not low <= value <= high:
        raise UserError(field, f'"{text}" must be between {low} and {high}')
    return value


def add_rate(ctx: Ctx, country: str, kind: str, valid_from: dt.date, percent: Decimal,
             source: str | None = None) -> Rate:
    c, k = check_series(country, kind)
    if not -MAX_PERCENT < percent < MAX_PERCENT:
        raise UserError("percent", f"{percent} is not a plausible rate in percent")
    ensure_loaded(ctx)
    dup = ctx.session.scalar(select(Rate).where(Rate.country == c, Rate.kind == k, Rate.valid_from == valid_from))
    if dup is not None:
        raise UserError("from", f"{c} {k} already has a rate from {valid_from.isoformat()} ({dup.percent:f} %)")
    row = Rate(country=c, kind=k, valid_from=valid_from, percent=percent, source=(source or "").strip() or None,
               origin="user", created_at=ctx.clock.now())
    ctx.session.add(row)
    ctx.session.flush()
    audit.record(ctx, "rate.added", "rate", row.id, f"{KIND_NAMES[k]} {percent:f} % from {valid_from.isoformat()}")
    return row


def add_fx(ctx: Ctx, base: str, quote: str, date: dt.date, rate: Decimal, source: str | None = None) -> FxRate:
    b, q = check_currency(base, "base"), check_currency(quote, "quote")
    if b == q:
        raise UserError("quote", "must differ from the base currency")
    if rate <= 0:
        raise UserError("rate", "must be above zero")
    ensure_loaded(ctx)
    dup = ctx.session.scalar(select(FxRate).where(FxRate.base == b, FxRate.quote == q, FxRate.date == date))
    if dup is not None:
        raise UserError("date", f"{b}/{q} already has a rate on {date.isoformat()} ({dup.rate:f})")
    row = FxRate(base=b, quote=q, date=date, rate=rate, source=(source or "").strip() or None, origin="user",
                 created_at=ctx.clock.now())
    ctx.session.add(row)
    ctx.session.flush()
    audit.record(ctx, "fx_rate.added", "fx_rate", row.id, f"{b}/{q} {rate:f} on {date.isoformat()}")
    return row


def delete_rate(ctx: Ctx, rate_id: int) -> None:
    row = _own_row(ctx, Rate, rate_id, f"no rate row {rate_id}",
                   "shipped rates cannot be deleted; add a newer row instead")
    audit.record(ctx, "rate.deleted", "rate", row.id,
                 f"{KIND_NAMES.get(row.kind, row.kind)} {row.percent:f} % from {row.valid_from.isoformat()} deleted")
    ctx.session.delete(row)
    ctx.session.flush()


def delete_fx(ctx: Ctx, fx_id: int) -> None:
    row = _own_row(ctx, FxRate, fx_id, f"no exchange rate row {fx_id}", "shipped exchange rates cannot be deleted")
    audit.record(ctx, "fx_rate.deleted", "fx_rate", row.id,
                 f"{row.base}/{row.quote} {row.rate:f} on {row.date.isoformat()} deleted")
    ctx.session.delete(row)
    ctx.session.flush()


_Row = TypeVar("_Row", Rate, FxRate)


def _own_row(ctx: Ctx, model: type[_Row], row_id: int, missing: str, shipped: str) -> _Row:
    """A row the user added: shipped rows are the law's record and stay."""
    row = ctx.session.get(model, row_id)
    if row is None:
        raise UserError("rate", missing)
    if row.origin != "user":
        raise UserError("rate", shipped)
    return row


# --- what the interest engine reads ------------------------------------------------------

def series_for(ctx: Ctx, law: Law) -> RateSeries:
    country, kind = SERIES[law]
    rows: Sequence[tuple[dt.date, Decimal]] = ctx.session.execute(
        select(Rate.valid_from, Rate.percent).where(Rate.country == country, Rate.kind == kind)).tuples().all()
    return RateSeries.of(country, kind, ((d, Decimal(p)) for d, p in rows))


def month_before(day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month before `day`'s month."""
    last = day.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def last_weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def missing_fx_message(base: str, quote: str, due: dt.date) -> str:
    """Which month's rate an invoice due on `due` lacks, and how to get it (download it from NBP, or type it in)."""
    first, last = month_before(due)
    add = (f"`collector rates add --fx --base {base} --quote {quote} --date {last_weekday(last).isoformat()} "
           f"--rate R`")
    text = (f"no {base}/{quote} rate for {first:%Y-%m} (the mid rate of its last business day, needed for "
            f"an invoice due {due.isoformat()}): ")
    from collector_app.services.nbp_rates import fetch_hint

    if quote != "PLN":
        month = (first.year, first.month)
        return text + (f"add it with {add}, or have both {base}/PLN and {quote}/PLN of that day (their ratio is "
                       f"used): {fetch_hint(base, month)} and {fetch_hint(quote, month)}")

    return text + (f"download it from NBP with {fetch_hint(base, (first.year, first.month))} "
                   f"(or the Rates page), or add it with {add}")


CROSS_PLACES = Decimal("0.000001")  # a rate derived from two NBP rates, kept to the fx table's places


def fx_lookup(ctx: Ctx) -> FxLookup:
    """The rate of the last business day of the month before the due date: the latest row dated in that month."""

    def direct(base: str, quote: str, due: dt.date) -> tuple[dt.date, Decimal] | None:
        first, last = month_before(due)
        row = ctx.session.execute(
            select(FxRate.date, FxRate.rate)
            .where(FxRate.base == base, FxRate.quote == quote, FxRate.date >= first, FxRate.date <= last)
            .order_by(FxRate.date.desc()).limit(1)).first()
        return (row[0], Decimal(row[1]).normalize()) if row is not None else None

    def lookup(base: str, quote: str, due: dt.date) -> FxQuote:
        found = direct(base, quote, due)
        if found is not None:
            return FxQuote(base, quote, found[0], found[1])
        if "PLN" not in (base, quote):  # NBP quotes every currency in PLN: EUR→CZK = (EUR/PLN) / (CZK/PLN)
            over, under = direct(base, "PLN", due), direct(quote, "PLN", due)
            if over is not None and under is not None and over[0] == under[0]:
                return FxQuote(base, quote, over[0], (over[1] / under[1]).quantize(CROSS_PLACES, ROUND_HALF_UP))
        raise UserError("rates", missing_fx_message(base, quote, due))

    return lookup
