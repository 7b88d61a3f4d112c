"""The paged table model every register shares: a failed query is one error row, never an exception in Qt."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from collector_app.db.queries import RegisterQuery
from collector_app.services.context import Ctx
from collector_app.ui.context import AppContext
from collector_app.ui.models.invoice_table import InvoiceTableModel
from collector_app.ui.models.paged import PagedTableModel

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


class FailsAfterFirstPage(PagedTableModel[int]):
    def fetch(self, ctx: Ctx, limit: int, offset: int) -> list[int]:
        if offset:
            raise RuntimeError("the disk went away")
        return list(range(limit))

    def cell(self, row: int, column: int, role: int) -> Any:
        return str(row) if role == Qt.ItemDataRole.DisplayRole else None


def test_a_refused_query_is_one_error_row_with_the_message(app: AppContext) -> None:
    model = InvoiceTableModel(app)
    model.set_query(RegisterQuery(sort="colour"))
    assert (model.rowCount(), model.canFetchMore(), model.row_at(0)) == (1, False, None)
    text = model.index(0, 0).data()
    assert text.startswith('Error: "colour" is not a field to sort by')
    assert model.index(0, 1).data() is None


def test_a_later_page_that_fails_is_announced_as_one_more_row(app: AppContext, qtbot: QtBot) -> None:
    model = FailsAfterFirstPage(app, ("n",), page_size=3)
    model.reload()
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["0", "1", "2"]
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        model.fetchMore()
    assert inserted.args[1:] == [3, 3]
    assert model.rowCount() == 4 and not model.canFetchMore()
    assert model.index(3, 0).data() == "Error: the disk went away"
