"""The tasks page: due today / overdue vs all open, red overdue rows, mark done, open the invoice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from helpers.ledger import contractor, invoice
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from collector_app.db.models import Task
from collector_app.services import activity
from collector_app.ui.context import AppContext
from collector_app.ui.main_window import MainWindow
from collector_app.ui.models.invoice_table import OVERDUE_BACKGROUND, OVERDUE_RED, OverdueRole
from collector_app.ui.models.task_table import COL_DUE, COL_INVOICE, COL_TEXT
from collector_app.ui.views.tasks import TaskListView

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def ids(app: AppContext) -> dict[str, int]:
    """Four open tasks around today 10:00, and one done; returns task ids by name, invoice id too."""
    today = app.clock.today()

    def moment(days: int, hour: int) -> dt.datetime:
        return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, 0))

    with app.transaction() as ctx:
        c = contractor(ctx)
        a = invoice(ctx, c, "FV/1", "100.00", today - dt.timedelta(days=20))
        b = invoice(ctx, c, "FV/2", "200.00", today + dt.timedelta(days=5))
        found = {
            "invoice": a.id,
            "invoice 2": b.id,
            "yesterday": activity.add_task(ctx, a, moment(-1, 9), "Call the bookkeeper").id,
            "this morning": activity.add_task(ctx, b, moment(0, 8), "Send the statement", "piotr").id,
            "this afternoon": activity.add_task(ctx, a, moment(0, 15), "Check the promised payment").id,
            "next week": activity.add_task(ctx, b, moment(7, 9), "Prepare the demand").id,
            "done": activity.add_task(ctx, a, moment(-3, 9), "Already done").id,
        }
        activity.complete_task(ctx, found["done"])
    return found


@pytest.fixture
def view(qtbot: QtBot, app: AppContext, ids: dict[str, int]) -> Iterator[TaskListView]:
    page = TaskListView(app)
    qtbot.addWidget(page)
    page.resize(1000, 400)
    page.show()
    qtbot.waitExposed(page)
    yield page


def texts(view: TaskListView, column: int = COL_TEXT) -> list[str]:
    model = view.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def click_row(qtbot: QtBot, view: TaskListView, row: int, double: bool = False) -> None:
    rect = view.table.visualRect(view.model.index(row, COL_TEXT))
    click = qtbot.mouseDClick if double else qtbot.mouseClick
    if double:
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    click(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_due_today_shows_overdue_and_later_today_oldest_first(view: TaskListView) -> None:
    assert texts(view) == ["Call the bookkeeper", "Send the statement", "Check the promised payment"]
    assert texts(view, COL_INVOICE) == ["FV/1", "FV/2", "FV/1"]
    assert view.summary.text() == "3 open tasks, 2 overdue"


def test_overdue_tasks_are_red_in_the_model_and_on_screen(view: TaskListView) -> None:
    model = view.model
    assert [model.data(model.index(r, 0), OverdueRole) for r in range(3)] == [True, True, False]
    assert model.data(model.index(0, COL_DUE), Qt.ItemDataRole.ForegroundRole) == OVERDUE_RED
    assert model.data(model.index(2, COL_DUE), Qt.ItemDataRole.ForegroundRole) is None
    image = view.table.viewport().grab().toImage()

    def colour_at(row: int) -> QColor:
        rect = view.table.visualRect(model.index(row, COL_TEXT))
        return image.pixelColor(QPoint(rect.right() - 3, rect.center().y()))

    assert colour_at(0) == OVERDUE_BACKGROUND
    assert colour_at(2) != OVERDUE_BACKGROUND


def test_all_open_adds_the_tasks_due_later(qtbot: QtBot, view: TaskListView) -> None:
    qtbot.mouseClick(view.all_open, Qt.MouseButton.LeftButton)
    assert texts(view)[-1] == "Prepare the demand"
    assert len(texts(view)) == 4
    qtbot.mouseClick(view.due_today, Qt.MouseButton.LeftButton)
    assert len(texts(view)) == 3


def test_mark_done_closes_the_selected_task(
    qtbot: QtBot, view: TaskListView, app: AppContext, ids: dict[str, int]
) -> None:
    assert not view.done_button.isEnabled()
    click_row(qtbot, view, 1)
    assert view.done_button.isEnabled()
    with qtbot.waitSignal(view.changed) as blocker:
        qtbot.mouseClick(view.done_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].tasks == frozenset({ids["this morning"]})
    assert texts(view) == ["Call the bookkeeper", "Check the promised payment"]
    with app.transaction() as ctx:
        task = ctx.session.get(Task, ids["this morning"])
        assert task is not None and task.done_at is not None
    assert view.table.currentIndex().row() == 1  # the next task is selected, ready for Ctrl+D
    qtbot.keyClick(view.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert texts(view) == ["Call the bookkeeper"]


def test_double_click_or_enter_opens_the_invoice_once(
    qtbot: QtBot, view: TaskListView, ids: dict[str, int]
) -> None:
    opened: list[int] = []
    view.open_invoice.connect(opened.append)
    click_row(qtbot, view, 0, double=True)
    assert opened == [ids["invoice"]]
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened == [ids["invoice"], ids["invoice 2"]]  # the second task is about FV/2


def test_in_the_main_window_a_task_opens_the_invoice_window(
    qtbot: QtBot, app: AppContext, ids: dict[str, int]
) -> None:
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    page = window.show_page("tasks")
    assert page is window.tasks
    click_row(qtbot, window.tasks, 0, double=True)
    assert ids["invoice"] in window.details.invoice_dialogs
    window.close()
