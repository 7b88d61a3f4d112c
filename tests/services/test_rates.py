"""Rate tables: the shipped CSVs are sane and load once; user rows are validated, marked and deletable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from helpers.ledger import events, expect_error
from sqlalchemy import func, select

from collector_app.db.models import FxRate, Rate
from collector_app.domain.interest import SERIES
from collector_app.services import rates
from collector_app.services.context import Ctx

D = dt.date


def test_shipped_tables_are_sorted_unique_sourced_and_cover_every_law() -> None:
    rows = rates.shipped_rates()
    keys = [(r.country, r.kind, r.valid_from) for r in rows]
    assert len(keys) == len(set(keys))
    assert {(r.country, r.kind) for r in rows} == set(SERIES.values())
    for r in rows:
        assert r.source.startswith("http"), r
        assert Decimal(-1) < r.percent < Decimal(20), r
    pl = [r for r in rows if r.country == "PL"]
    assert [r.valid_from for r in pl] == sorted(r.valid_from for r in pl)
    # the NBP reference rate in force on 1 January 2016 was 1.50 (from 2015-03-05)
    assert min(pl, key=lambda r: r.valid_from).percent == Decimal("1.50")
    fxs = rates.shipped_fx()
    assert len({(f.base, f.quote, f.date) for f in fxs}) == len(fxs)
    bounds = {("EUR", "PLN"): (Decimal(3), Decimal(6)), ("CZK", "PLN"): (Decimal("0.1"), Decimal("0.3"))}
    for f in fxs:
        low, high = bounds[(f.base, f.quote)]
        assert f.source.startswith("http") and f.date.weekday() < 5 and low < f.rate < high, f


def test_loading_is_idempotent(ctx: Ctx) -> None:
    first = rates.ensure_loaded(ctx)
    assert first == len(rates.shipped_rates()) + len(rates.shipped_fx())
    assert rates.ensure_loaded(ctx) == 0
    assert ctx.session.scalar(select(func.count()).select_from(Rate)) == len(rates.shipped_rates())
    assert ctx.session.scalar(select(func.count()).select_from(FxRate)) == len(rates.shipped_fx())


def test_a_row_typed_in_before_a_newer_version_shipped_it_is_kept(ctx: Ctx) -> None:
    # a ledger where the user typed the rate in before the program's tables carried it
    shipped = rates.shipped_rates()[-1]
    ctx.session.add(Rate(country=shipped.country, kind=shipped.kind, valid_from=shipped.valid_from,
                         percent=shipped.percent, source="typed in", origin="user", created_at=ctx.clock.now()))
    ctx.session.flush()
    assert rates.ensure_loaded(ctx) == len(rates.shipped_rates()) - 1 + len(rates.shipped_fx())
    row = ctx.session.scalars(select(Rate).where(Rate.valid_from == shipped.valid_from,
                                                 Rate.country == shipped.country)).one()
    assert row.origin == "user"
    assert rates.ensure_loaded(ctx) == 0


def test_add_user_rate_and_list(ctx: Ctx) -> None:
    row = rates.add_rate(ctx, "pl", "Reference", D(2027, 1, 8), Decimal("3.25"), " https://nbp.pl/x ")
    assert (row.country, row.kind, row.origin, row.source) == ("PL", "reference", "user", "https://nbp.pl/x")
    listed = rates.list_rates(ctx, country="PL")
    assert listed[-1].id == row.id and all(r.country == "PL" for r in listed)
    assert events(ctx, "rate.added")


def test_add_refuses_duplicates_and_wrong_series(ctx: Ctx) -> None:
    first = rates.shipped_rates()[0]
    with expect_error("from", ctx):
        rates.add_rate(ctx, first.country, first.kind, first.valid_from, Decimal("1.00"))
    with expect_error("country", ctx):
        rates.add_rate(ctx, "DE", "reference", D(2027, 1, 1), Decimal("1.00"))
    with expect_error("kind", ctx):
        rates.add_rate(ctx, "CZ", "reference", D(2027, 1, 1), Decimal("1.00"))


def test_parse_decimal_validates_places_and_range() -> None:
    assert rates.parse_decimal(" 3,75 ", "percent", 4, Decimal(-99), Decimal(99)) == Decimal("3.75")
    for text in ("abc", "1.23456", "150", "nan", ""):
        with expect_error("percent"):
            rates.parse_decimal(text, "percent", 4, Decimal(-99), Decimal(99))


def test_fx_add_duplicate_and_lookup_of_the_month_before_due(ctx: Ctx) -> None:
    rates.add_fx(ctx, "EUR", "PLN", D(2030, 1, 31), Decimal("4.3000"), "test value")
    rates.add_fx(ctx, "EUR", "PLN", D(2030, 1, 15), Decimal("4.1000"), "test value")
    with expect_error("date", ctx):
        rates.add_fx(ctx, "eur", "pln", D(2030, 1, 31), Decimal("4.2"))
    with expect_error("quote", ctx):
        rates.add_fx(ctx, "EUR", "EUR", D(2030, 1, 30), Decimal("1"))
    quote = rates.fx_lookup(ctx)("EUR", "PLN", D(2030, 2, 15))
    assert (quote.date, quote.rate) == (D(2030, 1, 31), Decimal("4.3"))  # the latest row of January
    with expect_error("rates") as info:
        rates.fx_lookup(ctx)("EUR", "PLN", D(2030, 4, 1))
    assert "--date 2030-03-29" in info.value.message  # last weekday of March 2030


def test_only_user_rows_can_be_deleted(ctx: Ctx) -> None:
    rates.ensure_loaded(ctx)
    shipped = ctx.session.scalars(select(Rate).limit(1)).one()
    with expect_error("rate", ctx):
        rates.delete_rate(ctx, shipped.id)
    mine = rates.add_rate(ctx, "EU", "mro", D(2027, 2, 3), Decimal("2.00"))
    rates.delete_rate(ctx, mine.id)
    assert ctx.session.get(Rate, mine.id) is None
    fx = rates.add_fx(ctx, "EUR", "PLN", D(2030, 5, 31), Decimal("4.25"))
    rates.delete_fx(ctx, fx.id)
    assert ctx.session.get(FxRate, fx.id) is None
    assert events(ctx, "rate.deleted") and events(ctx, "fx_rate.deleted")
