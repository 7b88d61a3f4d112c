"""`collector rates fetch`: month-end NBP rates from a local NBP look-alike, JSON and text, refusals write nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from helpers.cli_support import OMEGA_NIP, Cli
from helpers.nbp_server import NbpApi, nbp_server, ship_fx_through

from collector_app.services import rates

GAP = [f"2025-{m:02d}" for m in range(4, 13)] + ["2026-01", "2026-02"]  # today is 2026-03-16


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[NbpApi]:
    ship_fx_through(monkeypatch, dt.date(2025, 3, 31))
    with nbp_server(NbpApi.canned()) as server:
        yield server


def month_end(api: NbpApi, code: str, month: str) -> str:
    return max(d for d in api.tables[code] if d.isoformat().startswith(month)).isoformat()


def test_the_default_fetches_every_missing_month_of_both_currencies(cli: Cli, api: NbpApi) -> None:
    cli.ok("init")
    shipped = {(r["base"], r["date"][:7]) for r in cli.ok("rates", "list", "--fx")}
    months = [f"{y}-{m:02d}" for y in range(2016, 2026) for m in range(1, 13)][:-9]  # 2016-01 … 2025-03
    out = cli.ok("rates", "fetch", "--base-url", api.url)
    eur, czk = out["results"]
    assert (eur["code"], czk["code"], eur["quote"]) == ("EUR", "CZK", "PLN")
    for result in (eur, czk):
        got = [a["date"][:7] for a in result["added"]]
        assert got[-len(GAP):] == GAP and got == sorted(got)
        assert got[:-len(GAP)] == [m for m in months if (result["code"], m) not in shipped]  # the older gaps too
        assert result["skipped"] == result["conflicts"] == result["unpublished"] == []
        assert [a["date"] for a in result["added"]][-1] == month_end(api, result["code"], "2026-02")
    assert eur["added"][-1] == {"date": "2026-02-27", "rate": f"{api.tables['EUR'][dt.date(2026, 2, 27)]:f}",
                                "table": api.table_no("EUR", dt.date(2026, 2, 27))}
    listed = {(r["base"], r["date"]): r for r in cli.ok("rates", "list", "--fx")}
    row = listed[("EUR", "2026-02-27")]
    assert row["origin"] == "user" and row["source"].startswith("NBP table ") and api.url in row["source"]
    # nothing is missing any more: no request at all
    asked = len(api.requests)
    assert cli.ok("rates", "fetch", "--base-url", api.url) == {"results": []}
    assert len(api.requests) == asked
    text = cli.ok("rates", "fetch", "--base-url", api.url, as_json=False)
    assert text == "Every month-end rate is already in the ledger; nothing to download.\n"


def test_a_range_reports_what_the_ledger_already_has_in_text(cli: Cli, api: NbpApi) -> None:
    shipped = {f.date: f.rate for f in rates.shipped_fx() if f.base == "EUR"}
    api.tables["EUR"][dt.date(2018, 5, 30)] = shipped[dt.date(2018, 5, 30)]
    cli.ok("init")
    text = cli.ok("rates", "fetch", "--code", "eur", "--from", "2018-04", "--to", "2018-05", "--base-url",
                  api.url, as_json=False)
    nbp = api.tables["EUR"][dt.date(2018, 4, 30)]
    assert text == (f"EUR/PLN: 0 added; 1 already in the ledger; 1 differ from the ledger (kept: 2018-04-30 "
                    f"ledger {shipped[dt.date(2018, 4, 30)]:f} vs NBP {nbp:f})\n")
    out = cli.ok("rates", "fetch", "--code", "CZK", "--from", "2025-12", "--to", "2026-01", "--missing",
                 "--base-url", api.url)
    assert [a["date"] for a in out["results"][0]["added"]] == ["2025-12-31", "2026-01-30"]


def test_the_interest_letter_works_once_the_rate_is_fetched(cli: Cli, api: NbpApi) -> None:
    for args in (
        ("contractor", "add", "--name", "Omega Handel Sp. z o.o.", "--tax-id", OMEGA_NIP, "--country", "PL"),
        ("invoice", "add", "--contractor", OMEGA_NIP, "--number", "K/1/2026", "--issued", "2026-01-01",
         "--due", "2026-01-15", "--gross", "2460.00", "--currency", "PLN"),
    ):
        cli.ok(*args)
    before = cli.ok("interest", "--invoice", "K/1/2026")  # the interest is shown; the EUR 40 is not converted
    assert (before["interest"], before["compensation"], before["compensation_currency"]) == ("56.61", "40.00", "EUR")
    assert "compensation_converted" not in before and before["total"] == "2516.61"  # principal + interest
    [warning] = before["warnings"]
    assert "EUR/PLN rate for 2025-12" in warning and "collector rates fetch --code EUR --from 2025-12" in warning
    line = cli.fails("demand", "make", "--invoice", "K/1/2026", "--kind", "demand", "--out",
                     str(cli.db.parent / "letter.pdf"), field="rates", expect="collector rates fetch --code EUR")
    assert "collector rates add --fx" in line  # a letter needs every amount: it refuses
    cli.ok("rates", "fetch", "--code", "EUR", "--from", "2025-12", "--to", "2025-12", "--base-url", api.url)
    obj = cli.ok("interest", "--invoice", "K/1/2026")
    assert (obj["fx_date"], Decimal(obj["fx_rate"])) == ("2025-12-31", api.tables["EUR"][dt.date(2025, 12, 31)])
    assert "warnings" not in obj
    assert Decimal(obj["total"]) == Decimal("2516.61") + Decimal(obj["compensation_converted"])


def test_refusals_exit_2_and_write_nothing(cli: Cli, api: NbpApi) -> None:
    cli.ok("rates", "list", "--fx")  # the shipped tables are loaded once
    cli.fails("rates", "fetch", "--to", "2026-03", "--base-url", api.url, field="to", expect="not over yet")
    cli.fails("rates", "fetch", "--from", "2026-02", "--to", "2026-01", "--base-url", api.url, field="to")
    cli.fails("rates", "fetch", "--from", "2026-1x", "--base-url", api.url, field="from", expect="YYYY-MM")
    cli.fails("rates", "fetch", "--code", "PLN", "--base-url", api.url, field="code")
    cli.fails("rates", "fetch", "--base-url", "nbp.pl", field="base-url")
    assert api.requests == []
    api.replies = [None, (500, b"Internal Server Error")]
    cli.fails("rates", "fetch", "--base-url", api.url, field="nbp",
              expect=["HTTP 500", f"{api.url}/api/exchangerates/rates/a/"])
    assert len(api.requests) == 2


def test_the_server_kept_in_the_ledger_is_used(cli: Cli, api: NbpApi) -> None:
    assert cli.ok("rates", "nbp-url") == {"nbp_base_url": "https://api.nbp.pl"}
    assert cli.ok("rates", "nbp-url", api.url + "/") == {"nbp_base_url": api.url}
    out = cli.ok("rates", "fetch", "--code", "CZK", "--from", "2026-02", "--to", "2026-02")
    assert [a["date"] for a in out["results"][0]["added"]] == ["2026-02-27"] and len(api.requests) == 1
    cli.fails("rates", "nbp-url", "api.nbp.pl", field="base-url")
    assert cli.ok("rates", "nbp-url", "--reset") == {"nbp_base_url": "https://api.nbp.pl"}
