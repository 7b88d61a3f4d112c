"""The invoice register's "Reminders" and "Demands" columns: reminders sent and letters issued per invoice."""

from __future__ import annotations

import pytest
from helpers.demand_rows import stored_demand
from helpers.outbox_support import Recorder
from helpers.outbox_support import plan_overdue_in_app as plan_overdue
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.db.models import Invoice
from collector_app.services.outbox import dispatch
from collector_app.ui.context import AppContext
from collector_app.ui.models.invoice_table import COL_DEMANDS, COL_DUE, COL_NUMBER, COL_REMINDERS, COLUMNS
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.views.invoices import InvoiceRegisterView

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def register(qtbot: QtBot, app: AppContext, server: tuple[Recorder, int]) -> InvoiceRegisterView:
    """Three overdue invoices whose due reminders went out to the local SMTP server; FV/1 and FV/2 named in
    letters (FV/1 in two)."""
    plan_overdue(app, server[1])
    assert len(dispatch(app.ledger, app.clock).sent) == 3
    with app.transaction() as ctx:
        inv = {i.number: i for i in ctx.session.scalars(select(Invoice))}
        stored_demand(ctx, "WZ/2026/03/0001", inv["FV/1/2026"])
        stored_demand(ctx, "WZ/2026/03/0002", inv["FV/1/2026"])
        stored_demand(ctx, "WZ/2026/03/0003", inv["FV/2/2026"])
    runner = TaskRunner()
    view = InvoiceRegisterView(app, runner)
    qtbot.addWidget(view)
    view.resize(1100, 400)
    view.show()
    qtbot.waitUntil(runner.idle)
    return view


def shown(view: InvoiceRegisterView) -> dict[str, tuple[str, str]]:
    cell = view.model.index
    return {cell(r, COL_NUMBER).data(): (cell(r, COL_REMINDERS).data(), cell(r, COL_DEMANDS).data())
            for r in range(view.model.rowCount())}


def test_the_register_shows_reminders_sent_and_letters_per_invoice(register: InvoiceRegisterView) -> None:
    headers = [register.model.headerData(c, Qt.Orientation.Horizontal) for c, _h, _f in COLUMNS]
    assert headers[COL_REMINDERS] == "Reminders" and headers[COL_DEMANDS] == "Demands"
    # each invoice had one reminder sent (older steps were skipped as caught up: not counted)
    assert shown(register) == {"FV/1/2026": ("1", "2"), "FV/2/2026": ("1", "1"), "FV/3/2026": ("1", "")}


def test_counts_follow_the_ledger_on_refresh(register: InvoiceRegisterView, app: AppContext) -> None:
    with app.transaction() as ctx:
        third = ctx.session.scalars(select(Invoice).where(Invoice.number == "FV/3/2026")).one()
        stored_demand(ctx, "WZ/2026/03/0004", third, kind="final")
    register.refresh()
    assert shown(register)["FV/3/2026"] == ("1", "1")


def click_header(qtbot: QtBot, table: QTableView, column: int) -> None:
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


@pytest.mark.parametrize("column", [COL_REMINDERS, COL_DEMANDS])
def test_a_count_column_does_not_sort_and_the_arrow_stays(qtbot: QtBot, register: InvoiceRegisterView,
                                                           column: int) -> None:
    before = register.model.query
    fetched = register.model.pages_fetched
    click_header(qtbot, register.table, column)
    assert register.model.query == before and register.model.pages_fetched == fetched, "no new query"
    header = register.table.horizontalHeader()
    assert header.sortIndicatorSection() == COL_DUE
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
