"""Month-end NBP rates downloaded from a local NBP look-alike: the date chosen, exact mids, idempotence, errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from helpers.nbp_server import NbpApi, closed_port_url, nbp_server, ship_fx_through, silent_server
from sqlalchemy import func, select

from collector_app.db.models import Event, FxRate
from collector_app.domain.errors import UserError
from collector_app.services import nbp_rates, rates
from collector_app.services.context import Ctx

D = dt.date
GAP = [(2025, m) for m in range(4, 13)] + [(2026, 1), (2026, 2)]  # today is 2026-03-16


@pytest.fixture
def api() -> Iterator[NbpApi]:
    with nbp_server(NbpApi.canned()) as server:
        yield server


@pytest.fixture
def gap(ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> Ctx:
    """A ledger of a version that shipped the exchange rates only through March 2025."""
    ship_fx_through(monkeypatch, D(2025, 3, 31))
    rates.ensure_loaded(ctx)
    return ctx


def counts(ctx: Ctx) -> tuple[int, int]:
    return (ctx.session.scalar(select(func.count()).select_from(FxRate)) or 0,
            ctx.session.scalar(select(func.count()).select_from(Event)) or 0)


def test_windows_cover_the_last_ten_days_of_each_month_in_at_most_93_days() -> None:
    got = nbp_rates.windows(GAP)
    assert [w[2] for w in got] == [GAP[0:3], GAP[3:6], GAP[6:9], GAP[9:11]]
    for start, end, months in got:
        assert (end - start).days + 1 <= 93
        assert start == nbp_rates.last_day(months[0]) - dt.timedelta(days=9)
        assert end == nbp_rates.last_day(months[-1])
    # months far apart are asked for separately, so no query spans the months in between
    assert [(s, e) for s, e, _m in nbp_rates.windows([(2016, 1), (2020, 2)])] == [
        (D(2016, 1, 22), D(2016, 1, 31)), (D(2020, 2, 20), D(2020, 2, 29))]


def test_the_latest_table_of_each_month_is_its_last_business_day(api: NbpApi) -> None:
    months = [(2018, 5), (2025, 5), (2025, 11), (2025, 12), (2026, 1), (2026, 2)]
    found, none, requests = nbp_rates.download("EUR", months, api.url)
    assert {m: r.date for m, r in found.items()} == {
        (2018, 5): D(2018, 5, 30),   # Thursday the 31st was Corpus Christi
        (2025, 5): D(2025, 5, 30),   # the 31st is a Saturday
        (2025, 11): D(2025, 11, 28),  # the 30th is a Sunday
        (2025, 12): D(2025, 12, 31),
        (2026, 1): D(2026, 1, 30),
        (2026, 2): D(2026, 2, 27),
    }
    assert none == [] and requests == len(api.requests) == 4
    assert api.requests[0] == "/api/exchangerates/rates/a/eur/2018-05-22/2018-05-31/?format=json"
    r = found[(2026, 1)]
    assert r.table == api.table_no("EUR", D(2026, 1, 30)) and r.table.endswith("/A/NBP/2026")
    assert r.source == f"NBP table {r.table}, {r.url}" and r.url.startswith(api.url)


def test_fetch_fills_the_gap_exactly_and_a_second_fetch_adds_nothing(api: NbpApi, gap: Ctx) -> None:
    api.tables["EUR"][D(2026, 1, 30)] = Decimal("4.2131")
    api.tables["CZK"][D(2025, 12, 31)] = Decimal("0.171234")
    plan = nbp_rates.missing_plan(gap)
    assert set(plan) == {"EUR", "CZK"} and plan["EUR"][-len(GAP):] == plan["CZK"][-len(GAP):] == GAP
    assert nbp_rates.missing_months(gap, "CZK", (2025, 1)) == GAP
    before = counts(gap)
    eur, czk = nbp_rates.fetch(gap, {"EUR": GAP, "CZK": GAP}, base_url=api.url)
    assert len(api.requests) == 8 and eur.requests == czk.requests == 4
    assert [r.date for r in eur.added] == [max(d for d in api.tables["EUR"] if (d.year, d.month) == m)
                                           for m in GAP]
    assert eur.skipped == eur.conflicts == eur.unpublished == [] and len(czk.added) == len(GAP)
    assert counts(gap) == (before[0] + 2 * len(GAP), before[1] + 2)  # one timeline event per currency
    row = gap.session.scalars(select(FxRate).where(FxRate.base == "EUR", FxRate.date == D(2026, 1, 30))).one()
    assert (row.quote, row.rate, row.origin) == ("PLN", Decimal("4.2131"), "user")
    assert row.source is not None and row.source.startswith("NBP table ") and api.url in row.source
    # the letter's lookup now finds them: invoices due in February use January's last table
    assert rates.fx_lookup(gap)("EUR", "PLN", D(2026, 2, 16)).rate == Decimal("4.2131")
    assert f"{rates.fx_lookup(gap)('CZK', 'PLN', D(2026, 1, 15)).rate:f}" == "0.171234"
    assert all(m < GAP[0] for months in nbp_rates.missing_plan(gap).values() for m in months)
    assert nbp_rates.missing_months(gap, "EUR", (2025, 1)) == []

    again = nbp_rates.fetch_month_ends(gap, "EUR", GAP, base_url=api.url)
    assert again.added == [] and [r.date for r in again.skipped] == [r.date for r in eur.added]
    assert counts(gap) == (before[0] + 2 * len(GAP), before[1] + 2)


def test_a_different_rate_in_the_ledger_is_kept_and_reported(api: NbpApi, ctx: Ctx) -> None:
    rates.ensure_loaded(ctx)
    shipped = {f.date: f.rate for f in rates.shipped_fx() if f.base == "EUR"}
    assert D(2018, 4, 30) in shipped and D(2018, 5, 30) in shipped
    api.tables["EUR"][D(2018, 5, 30)] = shipped[D(2018, 5, 30)]
    assert api.tables["EUR"][D(2018, 4, 30)] != shipped[D(2018, 4, 30)]
    before = counts(ctx)
    result = nbp_rates.fetch_month_ends(ctx, "EUR", [(2018, 4), (2018, 5)], base_url=api.url)
    assert result.added == [] and [r.date for r in result.skipped] == [D(2018, 5, 30)]
    [conflict] = result.conflicts
    assert (conflict.nbp.date, conflict.ledger, conflict.nbp.mid) == (
        D(2018, 4, 30), shipped[D(2018, 4, 30)], api.tables["EUR"][D(2018, 4, 30)])
    assert counts(ctx) == before
    row = ctx.session.scalars(select(FxRate).where(FxRate.base == "EUR", FxRate.date == D(2018, 4, 30))).one()
    assert (row.rate, row.origin) == (shipped[D(2018, 4, 30)], "shipped")
    assert "1 differ from the ledger" in nbp_rates.summary([result])[0]


def test_months_without_a_table_are_reported_not_guessed(gap: Ctx) -> None:
    api = NbpApi.canned(end=D(2026, 1, 15))
    with nbp_server(api):
        both = nbp_rates.fetch_month_ends(gap, "EUR", [(2025, 12), (2026, 1)], base_url=api.url)
        empty = nbp_rates.fetch_month_ends(gap, "CZK", [(2026, 2)], base_url=api.url)
    assert [r.date for r in both.added] == [D(2025, 12, 31)] and both.unpublished == [(2026, 1)]
    assert empty.added == [] and empty.unpublished == [(2026, 2)]  # NBP's 404 "Brak danych"
    assert "no NBP table for 2026-02" in nbp_rates.summary([empty])[0]


@pytest.mark.parametrize(("reply", "expect"), [
    ((500, b"Internal Server Error"), "HTTP 500"),
    ((400, b"400 BadRequest - Bledny zakres dat / Invalid date range"), "Invalid date range"),
    ((200, b"<html>maintenance</html>"), "did not answer with JSON"),
    ((200, b'{"table":"A","code":"EUR"}'), "without a list of rates"),
    ((200, b'{"table":"A","code":"USD","rates":[]}'), '"USD", not EUR'),
    ((200, b'{"code":"EUR","rates":[{"no":"1/A/NBP/2026","effectiveDate":"2026-01-30","mid":"4.2"}]}'),
     "not a number"),
    ((200, b'{"code":"EUR","rates":[{"no":"1/A/NBP/2026","mid":4.2}]}'), "without effectiveDate"),
    ((200, b'{"code":"EUR","rates":[{"no":"1/A/NBP/2026","effectiveDate":"2026-01-30","mid":-4.2}]}'),
     "implausible"),
])
def test_a_bad_answer_is_an_error_naming_the_url_and_nothing_is_written(
        api: NbpApi, gap: Ctx, reply: tuple[int, bytes], expect: str) -> None:
    before = counts(gap)
    api.replies = [None, reply]  # the first window is fine, the second is not
    with pytest.raises(UserError) as info:
        nbp_rates.fetch_month_ends(gap, "EUR", GAP, base_url=api.url)
    assert info.value.field == "nbp"
    assert expect in info.value.message
    assert f"{api.url}/api/exchangerates/rates/a/eur/2025-07-22/2025-09-30/?format=json" in info.value.message
    assert counts(gap) == before


def test_a_failure_for_the_second_currency_writes_nothing_for_the_first(api: NbpApi, gap: Ctx) -> None:
    before = counts(gap)
    api.replies = [None] * 4 + [(503, b"Service Unavailable")]
    with pytest.raises(UserError, match="HTTP 503") as info:
        nbp_rates.fetch(gap, {"EUR": GAP, "CZK": GAP}, base_url=api.url)
    assert "/a/czk/" in info.value.message
    assert counts(gap) == before


def test_unreachable_and_silent_servers(gap: Ctx) -> None:
    before = counts(gap)
    url = closed_port_url()
    with pytest.raises(UserError, match="could not be reached") as info:
        nbp_rates.fetch_month_ends(gap, "EUR", [(2026, 1)], base_url=url)
    assert f"{url}/api/exchangerates/rates/a/eur/2026-01-22/2026-01-31/" in info.value.message
    with silent_server() as silent, pytest.raises(UserError) as info:
        nbp_rates.fetch_month_ends(gap, "EUR", [(2026, 1)], base_url=silent, timeout=0.2)
    assert silent in info.value.message and ("0.2 s" in info.value.message or "timed out" in info.value.message)
    assert counts(gap) == before


def test_refused_requests(ctx: Ctx) -> None:
    with pytest.raises(UserError, match="not over yet") as info:
        nbp_rates.fetch_month_ends(ctx, "EUR", [(2026, 3)], base_url="http://127.0.0.1:9")
    assert info.value.field == "to"
    with pytest.raises(UserError, match="PLN itself") as info:
        nbp_rates.fetch_month_ends(ctx, "pln", [(2026, 1)])
    with pytest.raises(UserError, match="not an ISO 4217"):
        nbp_rates.fetch_month_ends(ctx, "EURO", [(2026, 1)])
    with pytest.raises(UserError) as info:
        nbp_rates.fetch_month_ends(ctx, "EUR", [(2026, 1)], base_url="ftp://nbp.example")
    assert info.value.field == "base-url"
    with pytest.raises(UserError) as info:
        nbp_rates.parse_month("2026-13", "from")
    assert info.value.field == "from"


def test_the_ledger_setting_points_the_download_at_another_server(api: NbpApi, gap: Ctx) -> None:
    assert nbp_rates.get_base_url(gap) == "https://api.nbp.pl"
    assert nbp_rates.set_base_url(gap, api.url + "/") == api.url
    result = nbp_rates.fetch_month_ends(gap, "CZK", [(2026, 2)])
    assert [r.date for r in result.added] == [D(2026, 2, 27)] and len(api.requests) == 1
    assert nbp_rates.set_base_url(gap, None) == nbp_rates.get_base_url(gap) == "https://api.nbp.pl"


def test_the_missing_rate_error_names_the_fetch_command(ctx: Ctx) -> None:
    with pytest.raises(UserError) as info:
        rates.fx_lookup(ctx)("EUR", "PLN", D(2031, 2, 15))
    assert "collector rates fetch --code EUR --from 2031-01 --to 2031-01" in info.value.message
    assert "collector rates add --fx --base EUR --quote PLN --date 2031-01-31" in info.value.message
    with pytest.raises(UserError) as info:
        rates.fx_lookup(ctx)("CZK", "EUR", D(2031, 2, 15))
    # NBP publishes rates in PLN only: a CZK/EUR rate is the ratio of the two it does publish
    assert "collector rates add --fx --base CZK --quote EUR --date 2031-01-31" in info.value.message
    assert ("`collector rates fetch --code CZK --from 2031-01 --to 2031-01` and "
            "`collector rates fetch --code EUR --from 2031-01 --to 2031-01`") in info.value.message
