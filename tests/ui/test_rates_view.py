"""The Rates page: both tables listed, user rows marked, the add forms validate, only user rows are deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from helpers.nbp_server import NbpApi, nbp_server, ship_fx_through
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from collector_app.services import nbp_rates, rates
from collector_app.ui.context import AppContext
from collector_app.ui.views.rates import USER_ROW, RatesView

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def page(qtbot: QtBot, app: AppContext) -> RatesView:
    view = RatesView(app)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    return view


def type_into(qtbot: QtBot, edit: object, text: str) -> None:
    edit.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(edit, text)


def test_lists_the_shipped_tables(page: RatesView) -> None:
    assert page.rate_table.rowCount() == len(rates.shipped_rates())
    assert page.fx_table.rowCount() == len(rates.shipped_fx())
    assert {row.cells[0] for row in page.rate_table.rows} == {"PL", "CZ", "EU"}
    assert not any(row.user for row in page.rate_table.rows)
    page.rate_table.selectRow(0)
    assert not page.delete_button.isEnabled()  # shipped rows cannot be deleted


def test_add_a_rate_with_validation_then_delete_it(qtbot: QtBot, page: RatesView, app: AppContext,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    page.country.setCurrentIndex(page.country.findData("PL"))
    page.valid_from.setDate(QDate(2027, 1, 8))
    type_into(qtbot, page.percent, "3,2x")
    qtbot.mouseClick(page.add_rate_button, Qt.MouseButton.LeftButton)
    assert "percent" in page.rate_error.text() and "not a number" in page.rate_error.text()
    type_into(qtbot, page.percent, "3.25")
    type_into(qtbot, page.rate_source, "https://nbp.pl/komunikat")
    qtbot.mouseClick(page.add_rate_button, Qt.MouseButton.LeftButton)
    assert page.rate_error.text() == ""
    added = page.rate_table.selected()
    assert added is not None and added.user and added.cells[:4] == ("PL", "reference", "2027-01-08", "3.25")
    row = page.rate_table.currentRow()
    assert page.rate_table.item(row, 0).background().color() == USER_ROW  # type: ignore[union-attr]

    # the same day again is refused with a message naming the field
    type_into(qtbot, page.percent, "3.00")
    qtbot.mouseClick(page.add_rate_button, Qt.MouseButton.LeftButton)
    assert page.rate_error.text().startswith("from:")

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *_a: asked.append(text)
                        or QMessageBox.StandardButton.No)
    page.rate_table.select_id(added.id)
    assert page.delete_button.isEnabled()
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert asked and any(r.id == added.id for r in page.rate_table.rows)  # "No" keeps it
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
    page.rate_table.select_id(added.id)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert all(r.id != added.id for r in page.rate_table.rows)
    assert app.call(lambda ctx: [r.id for r in rates.list_rates(ctx) if r.origin == "user"]) == []


def test_add_an_exchange_rate(qtbot: QtBot, page: RatesView) -> None:
    page.tabs.setCurrentIndex(1)
    page.fx_date.setDate(QDate(2030, 1, 31))
    type_into(qtbot, page.fx_rate, "-1")
    qtbot.mouseClick(page.add_fx_button, Qt.MouseButton.LeftButton)
    assert page.fx_error.text().startswith("rate:")
    type_into(qtbot, page.fx_rate, "4.3012")
    qtbot.mouseClick(page.add_fx_button, Qt.MouseButton.LeftButton)
    added = page.fx_table.selected()
    assert added is not None and added.user and added.cells[:4] == ("EUR", "PLN", "2030-01-31", "4.3012")
    assert page.delete_button.isEnabled()


@pytest.fixture
def nbp(app: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[NbpApi]:
    """A local NBP look-alike the ledger's setting points at; the program shipped rates through March 2025."""
    ship_fx_through(monkeypatch, dt.date(2025, 3, 31))
    with nbp_server(NbpApi.canned()) as api:
        app.call(lambda ctx: nbp_rates.set_base_url(ctx, api.url))
        yield api


def answer_questions(monkeypatch: pytest.MonkeyPatch, answer: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *_a: asked.append(text) or answer)
    return asked


def test_download_month_end_rates_from_nbp(qtbot: QtBot, nbp: NbpApi, app: AppContext,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    view = RatesView(app)
    qtbot.addWidget(view)
    view.show()
    view.tabs.setCurrentIndex(1)
    before = view.fx_table.rowCount()
    plan = app.call(nbp_rates.missing_plan)
    assert plan["EUR"][-11:] == plan["CZK"][-11:] == [(2025, m) for m in range(4, 13)] + [(2026, 1), (2026, 2)]
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.No)
    qtbot.mouseClick(view.fetch_button, Qt.MouseButton.LeftButton)
    assert asked and "EUR: " in asked[0] and "2026-02)" in asked[0] and nbp.url in asked[0]
    assert nbp.requests == [] and view.fx_table.rowCount() == before  # "No" downloads nothing

    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(view.fetch_button, Qt.MouseButton.LeftButton)
    assert not view.fetch_button.isEnabled() and view.fetch_status.text() == "Downloading from NBP…"
    qtbot.waitUntil(lambda: view.fetch_button.isEnabled() and view.runner.idle())
    lines = view.fetch_status.text().split("\n")
    assert [line.split(":")[0] for line in lines] == ["EUR/PLN", "CZK/PLN"] and "0 already" in lines[0]
    added = view.fx_table.rowCount() - before
    assert added == sum(len(months) for months in plan.values()) and nbp.requests
    selected = view.fx_table.selected()  # the newest downloaded row is shown
    assert selected is not None and selected.user and selected.cells[:4] == (
        "EUR", "PLN", "2026-02-27", f"{nbp.tables['EUR'][dt.date(2026, 2, 27)]:f}")
    assert selected.cells[5].startswith("NBP table ")

    # nothing is missing now: no question, no request
    asked.clear()
    requests = len(nbp.requests)
    qtbot.mouseClick(view.fetch_button, Qt.MouseButton.LeftButton)
    assert asked == [] and len(nbp.requests) == requests
    assert view.fetch_status.text() == "Every month-end rate since 2016 is already in the table."


def test_a_failed_download_shows_the_error_and_adds_nothing(qtbot: QtBot, nbp: NbpApi, app: AppContext,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    view = RatesView(app)
    qtbot.addWidget(view)
    view.show()
    before = view.fx_table.rowCount()
    answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *_a: warnings.append(text))
    nbp.replies = [None, (503, b"Service Unavailable")]
    qtbot.mouseClick(view.fetch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(warnings))
    assert "HTTP 503" in warnings[0] and nbp.url in warnings[0]
    qtbot.waitUntil(view.fetch_button.isEnabled)
    assert view.fetch_status.text() == "Nothing was downloaded."
    view.refresh()
    assert view.fx_table.rowCount() == before
