"""The invoice register as a person uses it: filters, Ctrl+1…6, red overdue rows, sorting, search, export."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.ledger import VALID_NIPS
from helpers.register_ledger import DOCUMENTS, private_dirs, seed_register  # noqa: F401
from openpyxl import load_workbook
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog, QTableView
from pytestqt.qtbot import QtBot

from collector_app.db.engine import Ledger
from collector_app.db.queries import RegisterQuery, invoice_page
from collector_app.domain.clock import FixedClock
from collector_app.domain.status import Filter, Status
from collector_app.ui.context import AppContext
from collector_app.ui.main_window import MainWindow
from collector_app.ui.models.invoice_table import (
    COL_BALANCE,
    COL_CONTRACTOR,
    COL_DAYS,
    COL_GROSS,
    COL_NUMBER,
    OVERDUE_BACKGROUND,
    OVERDUE_RED,
    OverdueRole,
)
from collector_app.ui.views.invoices import FILTER_BUTTONS, SEARCH_DEBOUNCE_MS

BETA_NIP = VALID_NIPS[1]
pytestmark = [
    pytest.mark.usefixtures("private_dirs"),
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def window(qtbot: QtBot, ledger: Ledger, clock: FixedClock) -> Iterator[MainWindow]:
    seed_register(ledger, clock)
    win = MainWindow(AppContext(ledger, clock, "tester"))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.runner.wait()
    yield win
    win.runner.wait()


def shown(win: MainWindow) -> list[str]:
    """Invoice numbers in the rows of the view, every page fetched."""
    model = win.invoices.model
    while model.canFetchMore():
        model.fetchMore()
    return [row.number for row in model.rows]


def expected(ledger: Ledger, query: RegisterQuery, today: dt.date) -> list[str]:
    with ledger.transaction() as session:
        return [row.number for row in invoice_page(session, query, today, limit=None)]


@pytest.mark.parametrize("flt", list(Filter))
def test_each_filter_shows_exactly_the_rows_of_its_query(
    window: MainWindow, qtbot: QtBot, ledger: Ledger, today: dt.date, flt: Filter
) -> None:
    qtbot.mouseClick(window.invoices.filter_buttons[flt], Qt.MouseButton.LeftButton)
    rows = shown(window)
    assert rows == expected(ledger, RegisterQuery(filter=flt), today)
    assert rows, "the seeded ledger has documents in every filter"
    if flt is not Filter.ALL:
        assert len(rows) < DOCUMENTS


def test_ctrl_1_to_6_switch_the_filters(window: MainWindow, qtbot: QtBot) -> None:
    keys = [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_5, Qt.Key.Key_6]
    order = list(zip(keys, FILTER_BUTTONS, strict=True))
    for key, (flt, _name) in reversed(order):  # from Ctrl+6 down, so every key changes the filter
        qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.invoices.current_filter is flt
        assert window.invoices.filter_buttons[flt].isChecked()
        assert window.invoices.model.query.filter is flt


def pixel(image: QImage, point: QPoint) -> QColor:
    return image.pixelColor(point)


def reddish(color: QColor) -> bool:
    return color.red() > 120 and color.green() < 110 and color.blue() < 110 and color.red() - color.green() > 60


def text_colours(image: QImage, table: QTableView, index: QModelIndex) -> list[QColor]:
    rect = table.visualRect(index)
    return [image.pixelColor(x, y) for x in range(rect.left() + 2, rect.right() - 2)
            for y in range(rect.top() + 2, rect.bottom() - 2)]


def test_overdue_rows_carry_the_role_and_are_painted_red(window: MainWindow, qtbot: QtBot) -> None:
    model, table = window.invoices.model, window.invoices.table
    statuses = [row.status for row in model.rows]
    for i, status in enumerate(statuses):
        assert model.data(model.index(i, COL_NUMBER), OverdueRole) is (status is Status.OVERDUE)
    overdue = statuses.index(Status.OVERDUE)
    plain = statuses.index(Status.SETTLED)
    table.clearSelection()
    table.setCurrentIndex(QModelIndex())
    table.viewport().repaint()
    image = table.viewport().grab().toImage()

    def background(row: int) -> QColor:
        rect = table.visualRect(model.index(row, COL_GROSS))  # amounts are right-aligned: the left is empty
        return pixel(image, QPoint(rect.left() + 4, rect.center().y()))

    assert background(overdue) == OVERDUE_BACKGROUND
    base = table.palette().base().color()
    assert background(plain) == base != OVERDUE_BACKGROUND
    overdue_text = [c for c in text_colours(image, table, model.index(overdue, COL_NUMBER)) if c != OVERDUE_BACKGROUND]
    plain_text = [c for c in text_colours(image, table, model.index(plain, COL_NUMBER)) if c != base]
    assert overdue_text and plain_text
    assert any(abs(c.red() - OVERDUE_RED.red()) < 40 and reddish(c) for c in overdue_text)
    assert not any(reddish(c) for c in plain_text)


def click_header(qtbot: QtBot, table: QTableView, column: int) -> None:
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


@pytest.mark.parametrize(("column", "field"), [
    (COL_GROSS, "gross"), (COL_CONTRACTOR, "contractor"), (COL_BALANCE, "balance"), (COL_NUMBER, "number"),
    (COL_DAYS, "days_overdue"),
])
def test_clicking_a_header_sorts_in_sql(
    window: MainWindow, qtbot: QtBot, ledger: Ledger, today: dt.date, column: int, field: str
) -> None:
    table = window.invoices.table
    click_header(qtbot, table, column)
    first = window.invoices.model.query
    assert first.sort == field
    assert window.invoices.model.pages_fetched == 1, "a sort is a new query, not a sort of the rows held"
    assert shown(window) == expected(ledger, RegisterQuery(sort=field, descending=first.descending), today)
    click_header(qtbot, table, column)
    second = window.invoices.model.query
    assert second.sort == field and second.descending is not first.descending
    assert shown(window) == expected(ledger, RegisterQuery(sort=field, descending=second.descending), today)


@pytest.mark.parametrize(("typed", "contractor"), [
    ("Beta", "Beta Bud S.A."),
    (f"{BETA_NIP[:3]}-{BETA_NIP[3:6]}-{BETA_NIP[6:8]}-{BETA_NIP[8:]}", "Beta Bud S.A."),  # tax id with dashes
    ("gamma serwis", "Gamma Serwis Sp. j."),
])
def test_search_as_you_type_narrows_the_rows(
    window: MainWindow, qtbot: QtBot, ledger: Ledger, today: dt.date, typed: str, contractor: str
) -> None:
    view = window.invoices
    qtbot.keyClicks(view.search, typed)
    assert view.model.query.search is None, "nothing is queried while the user is still typing"
    qtbot.waitUntil(lambda: view.model.query.search == typed, timeout=SEARCH_DEBOUNCE_MS * 8)
    rows = shown(window)
    assert rows == expected(ledger, RegisterQuery(search=typed), today)
    assert 0 < len(rows) < DOCUMENTS
    assert {row.contractor for row in view.model.rows} == {contractor}


def test_search_by_invoice_number(window: MainWindow, qtbot: QtBot, ledger: Ledger, today: dt.date) -> None:
    view = window.invoices
    qtbot.keyClicks(view.search, "FV/12/")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)  # Enter searches at once, without the debounce
    assert shown(window) == expected(ledger, RegisterQuery(search="FV/12/"), today) == ["FV/12/2026"]
    view.search.clear()
    qtbot.waitUntil(lambda: view.model.query.search is None, timeout=SEARCH_DEBOUNCE_MS * 8)
    assert len(shown(window)) == DOCUMENTS + 1


def test_contractor_filter(window: MainWindow, qtbot: QtBot, ledger: Ledger, today: dt.date) -> None:
    view = window.invoices
    combo = view.contractor
    combo.setFocus()
    qtbot.waitUntil(lambda: combo.count() == 4)  # names arrive from a worker: All, Beta, Gamma, Omega
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == "Gamma Serwis Sp. j."
    gamma = combo.currentData()
    assert view.model.query.contractor_id == gamma
    qtbot.mouseClick(view.filter_buttons[Filter.OVERDUE], Qt.MouseButton.LeftButton)
    rows = shown(window)
    assert rows == expected(ledger, RegisterQuery(filter=Filter.OVERDUE, contractor_id=gamma), today)
    assert rows and {row.contractor for row in view.model.rows} == {"Gamma Serwis Sp. j."}


def read_numbers(path: Path) -> list[str]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [row["number"] for row in csv.DictReader(fh, delimiter=";")]
    book = load_workbook(path, read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    column = rows[0].index("number")
    return [str(row[column]) for row in rows[1:]]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_writes_the_rows_of_the_view(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, suffix: str
) -> None:
    view = window.invoices
    qtbot.mouseClick(view.filter_buttons[Filter.UNSETTLED], Qt.MouseButton.LeftButton)
    click_header(qtbot, view.table, COL_GROSS)
    target = tmp_path / f"unsettled{suffix}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: target.exists() and view.export_button.isEnabled(), timeout=10000)
    numbers = shown(window)
    assert read_numbers(target) == numbers
    assert 0 < len(numbers) < DOCUMENTS
