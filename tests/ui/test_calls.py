"""The calls page and its read function: newest call first, filters, paging, open the invoice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from helpers.ledger import contractor, expect_error, invoice
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from collector_app.domain.clock import FixedClock
from collector_app.services import activity
from collector_app.services.calls_view import CallQuery, list_calls
from collector_app.services.context import Ctx
from collector_app.services.contractors import add_contact
from collector_app.ui.context import AppContext
from collector_app.ui.models.call_table import (
    COL_CONTRACTOR,
    COL_DURATION,
    COL_INVOICE,
    COL_NOTES,
    COL_OUTCOME,
    COL_PROMISE_AMOUNT,
    COL_PROMISE_DATE,
    CallTableModel,
)
from collector_app.ui.views.calls import CallRegisterView

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    # offscreen cannot raise the completer's popup or grab the keyboard for it; a desktop can
    pytest.mark.qt_log_ignore("does not support (raise|grabbing the keyboard|propagateSizeHints)"),
]


@pytest.fixture
def seeded(app: AppContext) -> dict[str, int]:
    """Four calls on three days about two contractors' invoices."""
    today = app.clock.today()
    with app.transaction() as ctx:
        omega, beta = contractor(ctx, "Omega Handel"), contractor(ctx, "Beta Bud")
        a = invoice(ctx, omega, "FV/1", "1500.00", today - dt.timedelta(days=30))
        b = invoice(ctx, beta, "FV/2", "800.00", today - dt.timedelta(days=10))
        person = add_contact(ctx, omega.id, "Ewa Nowak", "CFO")

        def on(days_ago: int, hour: int) -> Ctx:
            return Ctx(ctx.session, FixedClock(today - dt.timedelta(days=days_ago), dt.time(hour, 0)), "tester")

        activity.log_call(on(3, 9), a, activity.CallData("no-answer", 20))
        activity.log_call(on(2, 11), a, activity.CallData(
            "promised", 312, contact_person_id=person.id, notes="Pays after\ntheir client pays them.",
            promise_date=today + dt.timedelta(days=4), promise_amount=Decimal("1500.00")))
        activity.log_call(on(1, 14), b, activity.CallData("disputed", 3725, notes="Goods damaged."))
        activity.log_call(on(0, 9), b, activity.CallData("reached", 65))
        return {"omega": omega.id, "beta": beta.id, "FV/1": a.id, "FV/2": b.id}


@pytest.fixture
def view(qtbot: QtBot, app: AppContext, seeded: dict[str, int]) -> Iterator[CallRegisterView]:
    page = CallRegisterView(app)
    qtbot.addWidget(page)
    page.resize(1200, 400)
    page.show()
    qtbot.waitExposed(page)
    yield page


def column(view: CallRegisterView, col: int) -> list[str]:
    model = view.model
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


# --- the read function ---------------------------------------------------------------------

def test_list_calls_newest_first_with_names_and_promises(app: AppContext, seeded: dict[str, int]) -> None:
    rows = app.call(lambda ctx: list_calls(ctx))
    assert [(r.invoice, r.outcome) for r in rows] == [
        ("FV/2", "reached"), ("FV/2", "disputed"), ("FV/1", "promised"), ("FV/1", "no-answer"),
    ]
    promised = rows[2]
    assert (promised.contractor, promised.contact, promised.user) == ("Omega Handel", "Ewa Nowak", "tester")
    assert (promised.promise_amount, promised.promise_currency) == (Decimal("1500.00"), "PLN")


def test_list_calls_pages_and_filters(app: AppContext, seeded: dict[str, int]) -> None:
    def numbers(query: CallQuery = CallQuery(), **kw: int) -> list[str]:  # noqa: B008
        return [f"{r.invoice}:{r.outcome}" for r in app.call(lambda ctx: list_calls(ctx, query, **kw))]

    assert numbers(limit=2) == ["FV/2:reached", "FV/2:disputed"]
    assert numbers(limit=2, offset=2) == ["FV/1:promised", "FV/1:no-answer"]
    assert numbers(CallQuery(contractor_id=seeded["omega"])) == ["FV/1:promised", "FV/1:no-answer"]
    assert numbers(CallQuery(outcome="disputed")) == ["FV/2:disputed"]
    assert numbers(CallQuery(promises_only=True)) == ["FV/1:promised"]
    with expect_error("outcome"):
        app.call(lambda ctx: list_calls(ctx, CallQuery(outcome="shouted")))


def test_the_model_fetches_one_page_at_a_time(app: AppContext, seeded: dict[str, int]) -> None:
    model = CallTableModel(app, page_size=3)
    model.reload()
    assert (model.rowCount(), model.pages_fetched, model.canFetchMore()) == (3, 1, True)
    model.fetchMore()
    assert (model.rowCount(), model.pages_fetched, model.canFetchMore()) == (4, 2, False)


# --- the page ------------------------------------------------------------------------------

def test_the_page_shows_every_call_readably(view: CallRegisterView) -> None:
    assert column(view, COL_INVOICE) == ["FV/2", "FV/2", "FV/1", "FV/1"]
    assert column(view, COL_CONTRACTOR)[2] == "Omega Handel"
    assert column(view, COL_DURATION) == ["01:05", "1:02:05", "05:12", "00:20"]
    assert column(view, COL_OUTCOME)[2] == "Promised to pay"
    assert column(view, COL_PROMISE_DATE)[2] == "2026-03-20"
    assert column(view, COL_PROMISE_AMOUNT)[2] == "1500.00 PLN"
    assert column(view, COL_NOTES)[2] == "Pays after their client pays them."
    assert view.summary.text() == "4 calls"


def test_filters_are_one_click_away(qtbot: QtBot, view: CallRegisterView) -> None:
    qtbot.mouseClick(view.promises_only, Qt.MouseButton.LeftButton)
    assert column(view, COL_OUTCOME) == ["Promised to pay"]
    qtbot.mouseClick(view.promises_only, Qt.MouseButton.LeftButton)
    view.outcome.setFocus()
    qtbot.keyClicks(view.outcome, "Disp")  # a non-editable combo jumps to the typed item
    assert column(view, COL_OUTCOME) == ["Disputes the invoice"]
    view.outcome.setCurrentIndex(0)
    editor = view.contractor.lineEdit()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "mega")  # any part of the name
    popup = view.contractor.completer().popup()
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert column(view, COL_INVOICE) == ["FV/1", "FV/1"]
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "beta bud")  # the whole name, in any case, and Enter
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert column(view, COL_INVOICE) == ["FV/2", "FV/2"]


def test_double_click_opens_the_invoice(qtbot: QtBot, view: CallRegisterView, seeded: dict[str, int]) -> None:
    rect = view.table.visualRect(view.model.index(2, COL_INVOICE))
    with qtbot.waitSignal(view.open_invoice, timeout=1000) as blocker:
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [seeded["FV/1"]]
