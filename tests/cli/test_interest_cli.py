"""`collector interest` and `collector rates list|add|delete`: the contract's JSON, readable text, exit code 2."""

from __future__ import annotations

import re

from helpers.cli_support import OMEGA_NIP, Cli, ledger_dump

AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def prepare(cli: Cli) -> None:
    for args in (
        ("contractor", "add", "--name", "Omega Handel Sp. z o.o.", "--tax-id", OMEGA_NIP, "--country", "PL"),
        ("invoice", "add", "--contractor", OMEGA_NIP, "--number", "K/1/2026", "--issued", "2026-01-01",
         "--due", "2026-01-15", "--gross", "2460.00", "--currency", "PLN"),
        ("payment", "add", "--amount", "460.00", "--date", "2026-03-10", "--currency", "PLN",
         "--invoice", "K/1/2026"),
    ):
        assert cli.run(*args).rc == 0


def test_interest_json_follows_the_contract(cli: Cli) -> None:
    prepare(cli)
    r = cli.run("interest", "--invoice", "K/1/2026")
    assert r.rc == 0, r.err
    obj = r.data
    # see tests/services/test_interest_service.py for the hand computation of these numbers
    assert {k: obj[k] for k in ("invoice", "principal", "currency", "days", "interest", "compensation",
                                "compensation_currency", "total")} == {
        "invoice": "K/1/2026", "principal": "2000.00", "currency": "PLN", "days": 60, "interest": "55.56",
        "compensation": "40.00", "compensation_currency": "EUR", "total": "2224.63"}
    assert (obj["compensation_converted"], obj["converted_currency"], obj["fx_rate"], obj["fx_date"]) == (
        "169.07", "PLN", "4.2267", "2025-12-31")
    for p in obj["periods"]:
        assert set(p) >= {"from", "to", "rate", "days", "amount"}
        assert DATE.match(p["from"]) and DATE.match(p["to"]) and AMOUNT.match(p["amount"])
    assert [p["rate"] for p in obj["periods"]] == ["14.00", "14.00"]


def test_interest_today_option_and_text_output(cli: Cli) -> None:
    prepare(cli)
    r = cli.run("interest", "--invoice", "K/1/2026", "--today", "2026-02-01", as_json=False)
    assert r.rc == 0, r.err
    # Jan 16..Feb 1 = 17 days: 2460 × 0.14 × 17 / 365 = 16.0405… → 16.04
    assert "Interest      16.04 PLN (17 days late)" in r.out
    assert "Compensation  40.00 EUR = 169.07 PLN" in r.out


def test_bad_input_exits_2_and_writes_nothing(cli: Cli) -> None:
    prepare(cli)
    cli.run("rates", "list")  # the shipped tables are loaded once
    before = ledger_dump(cli.db)
    for args in (
        ("interest", "--invoice", "NOPE"),
        ("interest", "--invoice", "K/1/2026", "--today", "2026-13-01"),
        ("rates", "add", "--country", "PL", "--kind", "reference", "--from", "2026-07-01", "--percent", "abc"),
        ("rates", "add", "--country", "PL", "--kind", "repo", "--from", "2026-07-01", "--percent", "3.50"),
        ("rates", "add", "--country", "PL", "--kind", "reference", "--from", "2026-03-05", "--percent", "3.50"),
        ("rates", "add", "--country", "PL", "--kind", "reference", "--percent", "3.50"),
        ("rates", "add", "--fx", "--base", "EUR", "--quote", "PLN", "--date", "2026-01-30", "--rate", "-4"),
        ("rates", "delete", "--id", "1"),
    ):
        r = cli.run(*args)
        assert r.rc == 2, (args, r.err)
        assert r.err.count("\n") == 1 and "Traceback" not in r.err, r.err
    assert ledger_dump(cli.db) == before


def test_rates_add_list_and_delete(cli: Cli) -> None:
    r = cli.run("rates", "add", "--country", "PL", "--kind", "reference", "--from", "2027-01-08",
                "--percent", "3.25", "--source", "https://nbp.pl/komunikat")
    assert r.rc == 0, r.err
    added = r.data
    assert (added["percent"], added["origin"], added["valid_from"]) == ("3.25", "user", "2027-01-08")
    rows = cli.run("rates", "list", "--country", "PL").data
    assert rows[-1]["id"] == added["id"] and {row["country"] for row in rows} == {"PL"}
    assert {"shipped", "user"} <= {row["origin"] for row in rows}
    fx = cli.run("rates", "add", "--fx", "--base", "EUR", "--quote", "PLN", "--date", "2030-01-31",
                 "--rate", "4.3000").data
    assert fx["rate"] == "4.3" and fx["origin"] == "user"
    assert any(row["id"] == fx["id"] for row in cli.run("rates", "list", "--fx").data)
    assert cli.run("rates", "delete", "--id", str(added["id"])).rc == 0
    assert cli.run("rates", "delete", "--fx", "--id", str(fx["id"])).rc == 0
    assert all(row["id"] != added["id"] for row in cli.run("rates", "list").data)
