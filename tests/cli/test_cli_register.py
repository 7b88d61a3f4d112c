"""`collector invoices`: the contract fields and formats, every filter, search, sort, paging, date ranges."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from helpers.cli_support import BETA_NIP, Cli

AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
CONTRACT_FIELDS = ("number", "kind", "contractor", "contractor_id", "issue_date", "due_date", "gross", "paid",
                   "balance", "currency", "status", "days_overdue")


def numbers(rows: list[dict[str, object]]) -> list[object]:
    return [r["number"] for r in rows]


def test_every_row_carries_the_contract_fields_in_their_formats(seeded: Cli) -> None:
    rows = seeded.ok("invoices")
    assert len(rows) == 6
    for r in rows:
        assert set(CONTRACT_FIELDS) <= r.keys()
        for key in ("gross", "paid", "balance"):
            assert isinstance(r[key], str) and AMOUNT.match(r[key]), (key, r[key])
        for key in ("issue_date", "due_date"):
            assert dt.date.fromisoformat(r[key]).isoformat() == r[key]
        assert type(r["days_overdue"]) is int
        assert type(r["contractor_id"]) is int
        assert r["status"] in {"settled", "overpaid", "unsettled-current", "overdue"}
    by_number = {r["number"]: r for r in rows}
    fv1 = by_number["FV/1/2026"]
    assert (fv1["gross"], fv1["paid"], fv1["balance"]) == ("1000.00", "0.00", "1000.00")
    assert (fv1["status"], fv1["days_overdue"]) == ("overdue", 60)
    assert (fv1["contractor"], fv1["contractor_id"], fv1["kind"]) == ("Omega Handel Sp. z o.o.", 1, "invoice")
    assert by_number["FV/2/2026"]["gross"] == "250.50"
    assert (by_number["FV/4/2026"]["status"], by_number["FV/4/2026"]["balance"]) == ("settled", "0.00")
    fv5 = by_number["FV/5/2026"]
    assert (fv5["status"], fv5["paid"], fv5["balance"], fv5["days_overdue"]) == ("overpaid", "70.00", "-20.00", 0)
    assert (by_number["EU/1/2026"]["currency"], by_number["EU/1/2026"]["status"]) == ("EUR", "unsettled-current")


@pytest.mark.parametrize(("flt", "expected"), [
    ("all", {"FV/1/2026", "FV/2/2026", "FV/3/2026", "FV/4/2026", "FV/5/2026", "EU/1/2026"}),
    ("unsettled", {"FV/1/2026", "FV/2/2026", "FV/3/2026", "EU/1/2026"}),
    ("unsettled-current", {"FV/3/2026", "EU/1/2026"}),
    ("overdue", {"FV/1/2026", "FV/2/2026"}),
    ("settled", {"FV/4/2026"}),
    ("overpaid", {"FV/5/2026"}),
])
def test_filters(seeded: Cli, flt: str, expected: set[str]) -> None:
    rows = seeded.ok("invoices", "--filter", flt)
    assert set(numbers(rows)) == expected
    assert len(rows) == len(expected)


def test_filter_defaults_to_all(seeded: Cli) -> None:
    assert len(seeded.ok("invoices")) == 6


def test_the_due_date_is_not_overdue_on_the_day_itself(seeded: Cli) -> None:
    seeded.ok("invoice", "add", "--contractor", "1", "--number", "T/1", "--issued", "2026-03-01",
              "--due", "2026-03-16", "--gross", "5")
    assert "T/1" in numbers(seeded.ok("invoices", "--filter", "unsettled-current"))
    rows = seeded.ok("invoices", "--filter", "overdue", today="2026-03-17")
    assert {r["number"]: r["days_overdue"] for r in rows}["T/1"] == 1


def test_filter_by_contractor_id_or_tax_id(seeded: Cli) -> None:
    assert set(numbers(seeded.ok("invoices", "--contractor", "1"))) == {"FV/1/2026", "FV/2/2026"}
    assert set(numbers(seeded.ok("invoices", "--contractor", BETA_NIP, "--filter", "unsettled"))) == {
        "FV/3/2026", "EU/1/2026"}


def test_search_by_number_and_by_contractor(seeded: Cli) -> None:
    assert numbers(seeded.ok("invoices", "--search", "FV/3")) == ["FV/3/2026"]  # trigram index
    assert numbers(seeded.ok("invoices", "--search", "EU")) == ["EU/1/2026"]  # short text
    assert set(numbers(seeded.ok("invoices", "--search", "omega"))) == {"FV/1/2026", "FV/2/2026"}
    assert set(numbers(seeded.ok("invoices", "--search", BETA_NIP[:6], "--filter", "overpaid"))) == {"FV/5/2026"}
    assert seeded.ok("invoices", "--search", "zzz-nothing") == []


def test_search_with_characters_that_mean_something_to_sql_or_fts(seeded: Cli) -> None:
    for text in ('"', "%", "_", "FV%", "a'b", "x OR y", "NEAR(", "*"):
        assert seeded.ok("invoices", "--search", text) == [], text


@pytest.mark.parametrize(("field", "expected"), [
    ("gross", ["FV/5/2026", "FV/4/2026", "EU/1/2026", "FV/2/2026", "FV/3/2026", "FV/1/2026"]),
    ("due_date", ["FV/1/2026", "FV/2/2026", "FV/4/2026", "FV/5/2026", "FV/3/2026", "EU/1/2026"]),
    ("issue_date", ["FV/1/2026", "FV/2/2026", "FV/4/2026", "FV/5/2026", "FV/3/2026", "EU/1/2026"]),  # tie: by id
    ("number", ["EU/1/2026", "FV/1/2026", "FV/2/2026", "FV/3/2026", "FV/4/2026", "FV/5/2026"]),
    ("balance", ["FV/5/2026", "FV/4/2026", "EU/1/2026", "FV/2/2026", "FV/3/2026", "FV/1/2026"]),
    ("paid", ["FV/1/2026", "FV/2/2026", "FV/3/2026", "EU/1/2026", "FV/5/2026", "FV/4/2026"]),
])
def test_sort_ascending_and_descending(seeded: Cli, field: str, expected: list[str]) -> None:
    assert numbers(seeded.ok("invoices", "--sort", field)) == expected
    assert numbers(seeded.ok("invoices", "--sort", field, "--desc")) == list(reversed(expected))


def test_sort_by_contractor_name(seeded: Cli) -> None:
    rows = seeded.ok("invoices", "--sort", "contractor")
    names = [r["contractor"] for r in rows]
    assert names == sorted(names)
    assert names[0] == "Beta Bud S.A." and names[-1] == "Omega Handel Sp. z o.o."


def test_sort_by_days_overdue_desc_is_oldest_due_first(seeded: Cli) -> None:
    rows = seeded.ok("invoices", "--filter", "unsettled", "--sort", "days_overdue", "--desc")
    assert numbers(rows) == ["FV/1/2026", "FV/2/2026", "FV/3/2026", "EU/1/2026"]
    assert [r["days_overdue"] for r in rows] == [60, 29, 0, 0]
    rows = seeded.ok("invoices", "--filter", "overdue", "--sort", "days_overdue")
    assert [r["days_overdue"] for r in rows] == [29, 60]


def test_sort_by_status(seeded: Cli) -> None:
    statuses = [r["status"] for r in seeded.ok("invoices", "--sort", "status")]
    assert statuses == ["settled", "overpaid", "unsettled-current", "unsettled-current", "overdue", "overdue"]


def test_limit_and_offset_page_through_the_same_order(seeded: Cli) -> None:
    everything = numbers(seeded.ok("invoices", "--sort", "due_date"))
    pages = [numbers(seeded.ok("invoices", "--sort", "due_date", "--limit", "4", "--offset", str(o)))
             for o in (0, 4, 8)]
    assert [len(p) for p in pages] == [4, 2, 0]
    assert pages[0] + pages[1] == everything
    assert seeded.ok("invoices", "--limit", "0") == []


@pytest.mark.parametrize(("args", "expected"), [
    (("--issued-from", "2026-02-10"), {"FV/3/2026", "FV/4/2026", "FV/5/2026", "EU/1/2026"}),
    (("--issued-to", "2026-02-10"), {"FV/1/2026", "FV/2/2026", "FV/4/2026"}),  # bounds are inclusive
    (("--issued-from", "2026-02-01", "--issued-to", "2026-02-12"), {"FV/2/2026", "FV/4/2026", "FV/5/2026"}),
    (("--due-from", "2026-03-16"), {"FV/3/2026", "FV/5/2026", "EU/1/2026"}),
    (("--due-to", "2026-02-15"), {"FV/1/2026", "FV/2/2026"}),
    (("--due-from", "2026-02-01", "--due-to", "2026-03-31", "--filter", "unsettled"), {"FV/2/2026", "FV/3/2026"}),
    (("--due-from", "2026-05-01"), set()),
])
def test_date_ranges(seeded: Cli, args: tuple[str, ...], expected: set[str]) -> None:
    assert set(numbers(seeded.ok("invoices", *args))) == expected


def test_the_table_output_for_people(seeded: Cli) -> None:
    out = seeded.ok("invoices", "--filter", "overdue", as_json=False)
    lines = out.splitlines()
    assert lines[0].split() == ["NUMBER", "CONTRACTOR", "ISSUE_DATE", "DUE_DATE", "GROSS", "BALANCE", "CURRENCY",
                                "STATUS", "DAYS_OVERDUE"]
    assert len(lines) == 3
    assert lines[1].startswith("FV/1/2026") and lines[1].endswith("60")
    assert seeded.ok("invoices", "--filter", "overdue", "--contractor", "2", as_json=False) == "(nothing)\n"
