"""The invoice register: six filters, search, sorting, paging and totals, against a small known ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers.ledger import VALID_NIPS, contractor, expect_error, invoice, pay

from collector_app.db.queries import (
    SORT_FIELDS,
    CurrencyTotals,
    InvoiceRow,
    RegisterQuery,
    invoice_page,
    invoice_rows_by_id,
    register_count,
    register_totals,
)
from collector_app.domain.status import Filter, Status
from collector_app.services.context import Ctx

D = Decimal


def day(today: dt.date, n: int) -> dt.date:
    return today + dt.timedelta(days=n)


@pytest.fixture
def ledger_rows(ctx: Ctx, today: dt.date) -> dict[str, int]:
    """A ledger with every status and edge; returns document ids by number."""
    omega = contractor(ctx, "Omega Handel", tax_id=VALID_NIPS[0])
    beta = contractor(ctx, "Beta Serwis", tax_id=VALID_NIPS[1])
    gamma = contractor(ctx, "Gamma s.r.o.", tax_id="CZ25123891", country="CZ")
    docs = [
        invoice(ctx, omega, "FV/1/2026", "100.00", day(today, -30), day(today, -44)),  # overdue 30 days
        invoice(ctx, omega, "FV/2/2026", "200.00", today, day(today, -14)),  # due today: current
        invoice(ctx, omega, "FV/3/2026", "300.00", day(today, -1), day(today, -15)),  # paid on its due date
        invoice(ctx, beta, "FV/4/2026", "400.00", day(today, -5), day(today, -19)),  # partly paid, overdue
        invoice(ctx, beta, "FV/5/2026", "500.00", day(today, 10), day(today, -4)),  # overpaid
        invoice(ctx, beta, "FV/6/2026", "50.00", day(today, -2), day(today, -16)),  # settled by a credit note
        invoice(ctx, beta, "KOR/1/2026", "50.00", day(today, -2), day(today, -3), credit_note_for="FV/6/2026"),
    ]
    pay(ctx, "300.00", day(today, -1), "FV/3/2026")
    pay(ctx, "150.00", day(today, -3), "FV/4/2026")
    pay(ctx, "600.00", day(today, -3), "FV/5/2026")
    docs += [
        # FV/3 is settled already: this credit note finds nothing to offset and stays as credit
        invoice(ctx, omega, "KOR/3/2026", "30.00", day(today, 5), day(today, -1), credit_note_for="FV/3/2026"),
        invoice(ctx, gamma, "FV/7/2026", "1000.00", day(today, 1), day(today, -13), currency="EUR"),
        invoice(ctx, gamma, "FV/8/2026", "250.55", day(today, -100), day(today, -114), currency="EUR"),
    ]
    ctx.session.flush()
    return {d.number: d.id for d in docs}


def page(ctx: Ctx, today: dt.date, limit: int | None = None, offset: int = 0, **kw: object) -> list[InvoiceRow]:
    return invoice_page(ctx.session, RegisterQuery(**kw), today, limit=limit, offset=offset)  # type: ignore[arg-type]


def numbers(rows: list[InvoiceRow]) -> set[str]:
    return {r.number for r in rows}


EXPECTED = {
    Filter.ALL: {"FV/1/2026", "FV/2/2026", "FV/3/2026", "FV/4/2026", "FV/5/2026", "FV/6/2026", "KOR/1/2026",
                 "KOR/3/2026", "FV/7/2026", "FV/8/2026"},
    Filter.UNSETTLED: {"FV/1/2026", "FV/2/2026", "FV/4/2026", "FV/7/2026", "FV/8/2026"},
    Filter.UNSETTLED_CURRENT: {"FV/2/2026", "FV/7/2026"},
    Filter.OVERDUE: {"FV/1/2026", "FV/4/2026", "FV/8/2026"},
    Filter.SETTLED: {"FV/3/2026", "FV/6/2026", "KOR/1/2026"},
    Filter.OVERPAID: {"FV/5/2026", "KOR/3/2026"},
}


@pytest.mark.parametrize("flt", list(Filter))
def test_each_filter_selects_exactly_its_rows(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int],
                                              flt: Filter) -> None:
    rows = page(ctx, today, filter=flt)
    assert numbers(rows) == EXPECTED[flt]
    assert len(rows) == len(EXPECTED[flt])
    assert register_count(ctx.session, RegisterQuery(filter=flt), today) == len(EXPECTED[flt])


def test_row_values(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int]) -> None:
    rows = {r.number: r for r in page(ctx, today)}
    expect = {
        # number: (status, days overdue, balance, contractor)
        "FV/1/2026": (Status.OVERDUE, 30, D("100.00"), "Omega Handel"),
        "FV/2/2026": (Status.UNSETTLED_CURRENT, 0, D("200.00"), "Omega Handel"),
        "FV/3/2026": (Status.SETTLED, 0, D("0.00"), "Omega Handel"),
        "FV/4/2026": (Status.OVERDUE, 5, D("250.00"), "Beta Serwis"),
        "FV/5/2026": (Status.OVERPAID, 0, D("-100.00"), "Beta Serwis"),
        "FV/6/2026": (Status.SETTLED, 0, D("0.00"), "Beta Serwis"),
        "KOR/1/2026": (Status.SETTLED, 0, D("0.00"), "Beta Serwis"),
        "KOR/3/2026": (Status.OVERPAID, 0, D("-30.00"), "Omega Handel"),
        "FV/7/2026": (Status.UNSETTLED_CURRENT, 0, D("1000.00"), "Gamma s.r.o."),
        "FV/8/2026": (Status.OVERDUE, 100, D("250.55"), "Gamma s.r.o."),
    }
    got = {n: (r.status, r.days_overdue, r.balance, r.contractor) for n, r in rows.items()}
    assert got == expect
    assert rows["KOR/1/2026"].kind == "credit_note" and rows["KOR/1/2026"].gross == D("-50.00")
    assert rows["FV/8/2026"].currency == "EUR"
    assert rows["FV/1/2026"].id == ledger_rows["FV/1/2026"]


def test_due_today_turns_overdue_tomorrow(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int]) -> None:
    tomorrow = day(today, 1)
    assert "FV/2/2026" in numbers(page(ctx, today, filter=Filter.UNSETTLED_CURRENT))
    assert "FV/2/2026" not in numbers(page(ctx, today, filter=Filter.OVERDUE))
    assert "FV/2/2026" in numbers(page(ctx, tomorrow, filter=Filter.OVERDUE))
    row = next(r for r in page(ctx, tomorrow) if r.number == "FV/2/2026")
    assert (row.status, row.days_overdue) == (Status.OVERDUE, 1)


def test_contractor_filter(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int]) -> None:
    beta_id = next(r.contractor_id for r in page(ctx, today) if r.contractor == "Beta Serwis")
    assert numbers(page(ctx, today, contractor_id=beta_id)) == {
        "FV/4/2026", "FV/5/2026", "FV/6/2026", "KOR/1/2026"}
    assert numbers(page(ctx, today, contractor_id=beta_id, filter=Filter.OVERDUE)) == {"FV/4/2026"}


def test_date_ranges(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int]) -> None:
    assert numbers(page(ctx, today, due_from=day(today, -5), due_to=today)) == {
        "FV/2/2026", "FV/3/2026", "FV/4/2026", "FV/6/2026", "KOR/1/2026"}
    assert numbers(page(ctx, today, issued_from=day(today, -4))) == {"FV/5/2026", "KOR/1/2026", "KOR/3/2026"}
    assert numbers(page(ctx, today, issued_to=day(today, -100))) == {"FV/8/2026"}


# --- search ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FV/4", {"FV/4/2026"}),
        ("fv/4/2026", {"FV/4/2026"}),
        ("KOR", {"KOR/1/2026", "KOR/3/2026"}),
        ("/8/", {"FV/8/2026"}),
        ("Beta", {"FV/4/2026", "FV/5/2026", "FV/6/2026", "KOR/1/2026"}),
        ("serwis", {"FV/4/2026", "FV/5/2026", "FV/6/2026", "KOR/1/2026"}),
        ("s.r.o", {"FV/7/2026", "FV/8/2026"}),
        ("5260250274", {"FV/4/2026", "FV/5/2026", "FV/6/2026", "KOR/1/2026"}),  # tax id
        ("526-025-02", {"FV/4/2026", "FV/5/2026", "FV/6/2026", "KOR/1/2026"}),  # tax id as typed
        ("PL 5260250274", {"FV/4/2026", "FV/5/2026", "FV/6/2026", "KOR/1/2026"}),
        ("CZ25123891", {"FV/7/2026", "FV/8/2026"}),
        ("Om", {"FV/1/2026", "FV/2/2026", "FV/3/2026", "KOR/3/2026"}),  # short: by name
        ("/8", {"FV/8/2026"}),  # short: by number
        ("ZZZ", set()),
        ("%", set()),
        ("_", set()),
        ('a"b', set()),
        ("   ", None),  # blank: no search at all
    ],
)
def test_search(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int], text: str, expected: set[str] | None) -> None:
    got = numbers(page(ctx, today, search=text))
    assert got == (EXPECTED[Filter.ALL] if expected is None else expected)


def test_search_with_a_filter(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int]) -> None:
    assert numbers(page(ctx, today, search="Beta", filter=Filter.OVERPAID)) == {"FV/5/2026"}
    assert numbers(page(ctx, today, search="omega", filter=Filter.UNSETTLED)) == {"FV/1/2026", "FV/2/2026"}


def test_search_follows_renamed_contractors(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int]) -> None:
    from collector_app.services.contractors import ContractorData, find_contractor, update_contractor

    beta = find_contractor(ctx, VALID_NIPS[1])
    update_contractor(ctx, beta.id, ContractorData(name="Delta Usługi"))
    ctx.session.flush()
    assert numbers(page(ctx, today, search="Beta")) == set()
    assert numbers(page(ctx, today, search="usługi")) == {"FV/4/2026", "FV/5/2026", "FV/6/2026", "KOR/1/2026"}


# --- sorting and paging ----------------------------------------------------------------------

STATUS_RANK = {Status.SETTLED: 0, Status.OVERPAID: 1, Status.UNSETTLED_CURRENT: 2, Status.OVERDUE: 3}


def sort_key(field: str, today: dt.date):  # type: ignore[no-untyped-def]
    def key(r: InvoiceRow) -> object:
        if field == "status":
            return STATUS_RANK[r.status]
        if field == "days_overdue":
            return (today - r.due_date).days
        if field == "balance":
            return r.balance
        return getattr(r, field)
    return key


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("field", SORT_FIELDS)
def test_sorting_by_every_field(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int], field: str,
                                descending: bool) -> None:
    rows = page(ctx, today, sort=field, descending=descending)
    key = sort_key(field, today)
    expected = sorted(rows, key=lambda r: (key(r), r.id), reverse=descending)  # ties by id, same direction
    if field == "days_overdue":  # ties (same due date) by id, in the direction of the due date
        expected = sorted(rows, key=lambda r: (r.due_date, r.id), reverse=not descending)
    assert [r.number for r in rows] == [r.number for r in expected]
    assert len(rows) == len(EXPECTED[Filter.ALL])


def test_days_overdue_descending_is_oldest_due_first(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int]) -> None:
    rows = page(ctx, today, filter=Filter.OVERDUE, sort="days_overdue", descending=True)
    assert [(r.number, r.days_overdue) for r in rows] == [("FV/8/2026", 100), ("FV/1/2026", 30), ("FV/4/2026", 5)]


def test_unknown_sort_field_is_refused(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int]) -> None:
    with expect_error("sort") as info:
        page(ctx, today, sort="gross; DROP TABLE invoice")
    assert "days_overdue" in info.value.message


@pytest.mark.parametrize("sort", ["due_date", "number", "contractor", "status", "balance"])
@pytest.mark.parametrize("size", [1, 3, 4])
def test_pages_add_up_to_the_whole(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int], sort: str,
                                   size: int) -> None:
    whole = [r.id for r in page(ctx, today, sort=sort)]
    paged: list[int] = []
    offset = 0
    while True:
        chunk = page(ctx, today, limit=size, offset=offset, sort=sort)
        assert len(chunk) <= size
        if not chunk:
            break
        paged.extend(r.id for r in chunk)
        offset += size
    assert paged == whole
    assert len(set(paged)) == len(paged)


def test_default_page_size_and_past_the_end(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int]) -> None:
    assert len(invoice_page(ctx.session, RegisterQuery(), today)) == 10  # default limit 50 > rows
    assert page(ctx, today, limit=5, offset=100) == []
    assert len(page(ctx, today, limit=3, offset=9)) == 1


# --- totals and rows by id -------------------------------------------------------------------

def test_totals_per_currency(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int]) -> None:
    assert register_totals(ctx.session, RegisterQuery(), today) == [
        CurrencyTotals("EUR", 2, D("1250.55"), D("1250.55")),
        # gross 100+200+300+400+500+50−50−30 = 1470; balance 100+200+0+250−100+0+0−30 = 420
        CurrencyTotals("PLN", 8, D("1470.00"), D("420.00")),
    ]
    assert register_totals(ctx.session, RegisterQuery(filter=Filter.OVERDUE), today) == [
        CurrencyTotals("EUR", 1, D("250.55"), D("250.55")),
        CurrencyTotals("PLN", 2, D("500.00"), D("350.00")),
    ]
    assert register_totals(ctx.session, RegisterQuery(search="ZZZ"), today) == []


@pytest.mark.parametrize("flt", list(Filter))
def test_totals_match_the_rows(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int], flt: Filter) -> None:
    rows = page(ctx, today, filter=flt)
    by_currency: dict[str, tuple[int, Decimal, Decimal]] = {}
    for r in rows:
        n, g, b = by_currency.get(r.currency, (0, D(0), D(0)))
        by_currency[r.currency] = (n + 1, g + r.gross, b + r.balance)
    totals = register_totals(ctx.session, RegisterQuery(filter=flt), today)
    assert {t.currency: (t.count, t.gross, t.balance) for t in totals} == by_currency


def test_totals_of_many_cents_stay_exact(ctx: Ctx, today: dt.date) -> None:
    c = contractor(ctx, "Cents")
    for i in range(30):
        invoice(ctx, c, f"C/{i}", "0.10", today)
    for i in range(7):
        invoice(ctx, c, f"T/{i}", "0.20", today)
    [total] = register_totals(ctx.session, RegisterQuery(), today)
    assert (total.count, total.gross, total.balance) == (37, D("4.40"), D("4.40"))


def test_rows_by_id_keep_the_order_given(ctx: Ctx, today: dt.date, ledger_rows: dict[str, int]) -> None:
    ids = [ledger_rows["FV/8/2026"], 99999, ledger_rows["FV/1/2026"], ledger_rows["KOR/3/2026"]]
    rows = invoice_rows_by_id(ctx.session, ids, today)
    assert [r.number for r in rows] == ["FV/8/2026", "FV/1/2026", "KOR/3/2026"]
    assert rows[0].status is Status.OVERDUE


@pytest.mark.parametrize("text", ["ł", "Ł", "łó", "ŁÓ", "Łó", "łódź", "ŁÓDŹ", "śląs", "ŚL"])
def test_search_ignores_case_of_polish_letters_from_the_first_keystroke(ctx: Ctx, today: dt.date,
                                                                        text: str) -> None:
    lodz = contractor(ctx, "Łódź Śląsk Sp. z o.o.")
    other = contractor(ctx, "Other")
    invoice(ctx, lodz, "FV/1/2026", "10.00", today)
    invoice(ctx, other, "FV/2/2026", "10.00", today)
    ctx.session.flush()
    assert numbers(page(ctx, today, search=text)) == {"FV/1/2026"}
