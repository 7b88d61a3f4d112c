"""What a CSV export decides once for the whole file: its decimal mark, its day/month order, its encoding."""

from __future__ import annotations

import codecs
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.invoice_imports import DATA

from collector_app.domain.errors import UserError
from collector_app.imports import invoice_csv
from collector_app.imports.common import DecimalMark, InvoiceRecord, SkippedRow, ValueProblem, shown_decimal
from collector_app.imports.invoice_csv import NO_DUE_COLUMN, Mapping, load_mapping

D = Decimal


def read(path: Path, mapping: Mapping | None = None) -> list[InvoiceRecord]:
    recs = list(invoice_csv.read(path, path.name, mapping or Mapping(), "PLN"))
    assert not any(isinstance(r, SkippedRow) for r in recs)
    return [r for r in recs if isinstance(r, InvoiceRecord)]


def refused(path: Path) -> str:
    with pytest.raises(UserError) as info:
        read(path)
    return info.value.message


# -- the decimal mark ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "mark"), [
    ("1 234,56", ","), ("99,5", ","), ("1.234,56", ","), ("1.234.567", ","), ("0,500", ","), ("1234,567", ","),
    ("1 234,567", ","), ("1,020.00", "."), ("15.75", "."), ("1,234,567", "."),
    ("1234", None), ("1,234", None), ("12.345", None), ("-123,456", None), ("12,3x", None), ("", None),
])
def test_what_an_amount_shows_of_its_decimal_mark(text: str, mark: str | None) -> None:
    assert shown_decimal(text) == mark


def test_a_decimal_comma_file_refuses_three_decimals_instead_of_reading_thousands() -> None:
    """The finding: "45,125" in a file of "2 450,00" and "87,10" was read as 45125.00."""
    message = refused(DATA / "decimal_comma_then_three_decimals.csv")
    assert message == ('decimal_comma_then_three_decimals.csv: line 4: Brutto: "45,125" has more than 2 decimal '
                       'places for PLN (the file\'s amounts have a decimal comma, as on line 2: "2 450,00")')


def test_a_decimal_point_file_refuses_three_decimals_instead_of_reading_thousands() -> None:
    message = refused(DATA / "decimal_point_then_three_decimals.csv")
    assert message.startswith('decimal_point_then_three_decimals.csv: line 4: Total: "7.125" has more than 2 '
                              "decimal places for PLN (the file's amounts have a decimal point, as on line 2")


def test_the_mark_is_told_by_a_row_after_the_one_it_decides() -> None:
    """The first rows are looked at before they are read: "12,345" above "99,50" has three decimals."""
    message = refused(DATA / "three_decimals_before_the_decimal_comma_shows.csv")
    assert 'line 2: Brutto: "12,345" has more than 2 decimal places for PLN' in message
    assert 'as on line 3: "99,50"' in message


def test_an_amount_writing_the_other_mark_is_refused() -> None:
    message = refused(DATA / "decimal_comma_then_decimal_point.csv")
    assert message == ('decimal_comma_then_decimal_point.csv: line 3: Brutto: "99.50" is not an amount (the '
                       'file\'s amounts have a decimal comma, as on line 2: "1 234,56")')


def test_a_file_whose_amounts_never_show_the_mark_groups_thousands_and_says_so() -> None:
    one, two = read(DATA / "whole_amounts_grouped.csv")
    assert (one.gross, two.gross) == (D(1500), D(12345))
    assert one.notes == ['line 2: "1,500" does not show the decimal mark: "," was taken to group thousands in this '
                         'file (if it is a decimal comma, name the decimal mark in a mapping: "decimal": ",")',
                         NO_DUE_COLUMN]
    assert two.notes == []


def test_a_mark_shown_after_the_rows_looked_at_must_agree_with_what_was_taken(
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = DATA / "whole_amounts_grouped_then_decimal_comma.csv"
    assert 'line 3: Total: "12,345" has more than 2 decimal places' in refused(path)
    monkeypatch.setattr(invoice_csv, "LOOK_AHEAD", 0)
    assert refused(path) == ('whole_amounts_grouped_then_decimal_comma.csv: line 4: Total: "99,50" writes a decimal '
                             'comma, but the PLN amounts before it were read with a decimal point (taken from line 2: '
                             '"1,500"); name the file\'s mark in a mapping ("decimal")')


def test_a_mapping_names_the_mark_and_nothing_is_guessed() -> None:
    marks = DecimalMark(",")
    assert marks.parse(2, "1.234", "PLN") == D(1234)
    with pytest.raises(ValueProblem, match=r'^"12,345" has more than 2 decimal places for PLN$'):
        marks.parse(3, "12,345", "PLN")
    assert DecimalMark(thousands=".").parse(2, "1.234,5", "PLN") == D("1234.5")


def test_each_currency_written_in_the_cells_keeps_its_own_mark_and_the_others_borrow_the_files() -> None:
    marks = DecimalMark()
    assert marks.parse(2, "1 234,56", "PLN") == D("1234.56")
    assert marks.parse(3, "1,020.00", "USD") == D("1020.00")
    with pytest.raises(ValueProblem, match=r'"45,125" has more than 2 decimal places for EUR \(the file\'s amounts '
                                           r'were taken to have a decimal comma, from line 2: "1 234,56"\)'):
        marks.parse(4, "45,125", "EUR")


# -- the day/month order ---------------------------------------------------------------------------


def test_a_date_that_tells_the_order_decides_it_for_the_dates_after_it() -> None:
    one, two = read(DATA / "dates_day_first_told_by_first_row.csv")
    assert (one.issue_date, two.issue_date, two.due_date) == (
        dt.date(2026, 2, 13), dt.date(2026, 2, 1), dt.date(2026, 3, 2))


def test_a_date_that_tells_the_order_in_the_first_rows_decides_it_for_those_above() -> None:
    one, two = read(DATA / "dates_month_first_told_by_later_row.csv")
    assert (one.issue_date, two.issue_date) == (dt.date(2026, 3, 4), dt.date(2026, 3, 15))


def test_a_file_writing_dates_in_both_orders_is_refused_naming_both_lines() -> None:
    assert refused(DATA / "dates_in_both_orders.csv") == (
        'dates_in_both_orders.csv: line 3: Date: "13/02/2026" writes the day first, but line 2 ("02/13/2026") the '
        'month: a file keeps one order (set "date_format")')


# -- encodings and the mapping file ----------------------------------------------------------------


@pytest.mark.parametrize("order", ["le", "be"])
def test_a_utf16_export_with_its_bom_is_read(tmp_path: Path, order: str) -> None:
    path = DATA / "utf16_le_bom.csv"
    if order == "be":
        text = path.read_bytes()[2:].decode("utf-16-le")
        path = tmp_path / "be.csv"
        path.write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    [rec] = read(path)
    assert (rec.number, rec.buyer.name, rec.gross) == ("U/1/2026", "Żabka Polska", D("1230.50"))


def test_text_cp1250_cannot_read_names_cp1250_and_its_line() -> None:
    assert refused(DATA / "undefined_cp1250_byte.csv") == (
        "undefined_cp1250_byte.csv: line 3: the text is not cp1250 (name the file's encoding in the mapping)")


def test_a_mapping_file_without_the_required_columns_is_refused_naming_them() -> None:
    with pytest.raises(UserError) as info:
        load_mapping(DATA / "mapping_without_amount_and_date.json")
    assert info.value.message.startswith("mapping_without_amount_and_date.json: columns.gross, columns.issue_date: "
                                         "missing")


def test_filled_cells_right_of_the_header_are_said_once(tmp_path: Path) -> None:
    csv_path = tmp_path / "extra.csv"
    csv_path.write_text("Numer;Kontrahent;Data wystawienia;Brutto\n"
                        "FV/1;Alfa;2026-03-01;100,00;uwagi\n"
                        "FV/2;Beta;2026-03-01;200,00;;\n"
                        "FV/3;Gamma;2026-03-01;300,00;x;y\n", encoding="utf-8")
    recs = read(csv_path)
    assert [r.gross for r in recs] == [D("100.00"), D("200.00"), D("300.00")]
    assert [n for r in recs for n in r.notes if "cells where the header has" in n] == [
        'line 2: 5 cells where the header has 4; "uwagi" not read (a delimiter inside an unquoted value? '
        "check the row)"]
