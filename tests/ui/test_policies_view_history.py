"""The policies page says what a step does and what deleting it does: the attached invoice, the repeat in the
dialog's words, a step kept as history, a policy with history refused before anything is asked."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.ledger import contractor, invoice
from helpers.outbox_support import queue
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.services import policies
from collector_app.services.context import Ctx
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.policy_step import StepDialog
from collector_app.ui.views.policies import PoliciesView

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


def seed(ctx: Ctx) -> None:
    """One overdue invoice whose contractor follows Gentle; Standard's and Gentle's first reminders planned it."""
    omega = contractor(ctx, "Omega Handel Sp. z o.o.", email="ksiegowosc@omega.example")
    inv = invoice(ctx, omega, "FV/1/2026", "1230.00", ctx.clock.today() - dt.timedelta(days=3))
    queue(ctx, inv, "First reminder")
    policies.assign_to_contractor(ctx, str(omega.id), "Gentle")
    queue(ctx, inv, policies.get_policy(ctx, "Gentle").steps[0].name, policy="Gentle")


@pytest.fixture
def app(ledger: Ledger, clock: FixedClock) -> AppContext:
    context = AppContext(ledger, clock, "tester")
    context.call(seed)
    return context


@pytest.fixture
def view(qtbot: QtBot, app: AppContext) -> PoliciesView:
    page = PoliciesView(app)
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def click_policy(qtbot: QtBot, page: PoliciesView, name: str) -> None:
    row = [page.table.item(r, 0).text() for r in range(page.table.rowCount())].index(name)
    rect = page.table.visualItemRect(page.table.item(row, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.selected() is not None and page.selected().name == name  # type: ignore[union-attr]


def step_row(page: PoliciesView, name: str) -> int:
    return [page.steps.item(r, 1).text() for r in range(page.steps.rowCount())].index(name)


def click_step(qtbot: QtBot, page: PoliciesView, name: str, *, double: bool = False) -> None:
    rect = page.steps.visualItemRect(page.steps.item(step_row(page, name), 1))
    qtbot.mouseClick(page.steps.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    if double:
        qtbot.mouseDClick(page.steps.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def column(page: PoliciesView, title: str) -> int:
    titles = [page.steps.horizontalHeaderItem(c).text() for c in range(page.steps.columnCount())]
    return titles.index(title)


def cell(page: PoliciesView, step: str, title: str) -> str:
    return page.steps.item(step_row(page, step), column(page, title)).text()


def questions(monkeypatch: pytest.MonkeyPatch, answer: QMessageBox.StandardButton) -> list[tuple[str, str]]:
    asked: list[tuple[str, str]] = []

    def question(_parent: object, title: str, text: str, *_a: object) -> QMessageBox.StandardButton:
        asked.append((title, text))
        return answer
    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_the_steps_table_says_which_step_attaches_the_invoice_and_repeats_in_the_dialogs_words(
        qtbot: QtBot, view: PoliciesView, app: AppContext) -> None:
    click_policy(qtbot, view, "Standard")
    standard = app.call(lambda ctx: policies.policy_data(policies.get_policy(ctx, "Standard")))
    attached = {s.name for s in standard.steps if s.attach_invoice}
    assert attached == {"Invoice"}
    for s in standard.steps:
        assert cell(view, s.name, "Invoice attached") == ("yes" if s.name in attached else "—")
    assert cell(view, "Weekly reminder", "Repeat") == "every 7 days, up to 1 more time"
    assert cell(view, "Due today", "Repeat") == "—"

    click_step(qtbot, view, "Weekly reminder", double=True)
    dialog = view.dialog
    assert isinstance(dialog, StepDialog)
    assert (dialog.repeat.text(), dialog.every.text(), dialog.times.text()) == (
        "Repeat every", "7 days", "up to 1 more time")
    dialog.times.setFocus()
    dialog.times.selectAll()
    qtbot.keyClicks(dialog.times, "2")
    assert dialog.times.text() == "up to 2 more times"
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert cell(view, "Weekly reminder", "Repeat") == "every 7 days, up to 2 more times"


def test_deleting_a_step_with_outbox_history_says_it_is_switched_off_and_moved_to_the_end(
        qtbot: QtBot, view: PoliciesView, app: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    click_policy(qtbot, view, "Standard")
    count = view.steps.rowCount()
    asked = questions(monkeypatch, QMessageBox.StandardButton.No)
    click_step(qtbot, view, "First reminder")
    qtbot.mouseClick(view.delete_step_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1
    title, text = asked[0]
    assert title == "Switch the step off" and '"First reminder"' in text
    assert "cannot be deleted" in text and "switched off" in text and "moved to the end" in text
    assert cell(view, "First reminder", "Active") == "yes"  # No: nothing changed

    asked = questions(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(view.delete_step_button, Qt.MouseButton.LeftButton)
    assert step_row(view, "First reminder") == count - 1 and cell(view, "First reminder", "Active") == "no"
    kept = app.call(lambda ctx: [(s.name, s.active) for s in policies.get_policy(ctx, "Standard").steps])
    assert kept[-1] == ("First reminder", False) and len(kept) == count

    click_step(qtbot, view, "Due today")  # never planned anything: deleted, and the question says so
    qtbot.mouseClick(view.delete_step_button, Qt.MouseButton.LeftButton)
    assert asked[-1] == ("Delete step", 'Delete the step "Due today"?')
    assert view.steps.rowCount() == count - 1 and "Due today" not in [n for n, _ in app.call(
        lambda ctx: [(s.name, s.active) for s in policies.get_policy(ctx, "Standard").steps])]


def test_deleting_a_policy_with_history_is_refused_before_asking_where_its_contractors_go(
        qtbot: QtBot, view: PoliciesView, app: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    offered: list[list[str]] = []

    def get_item(_p: object, _t: str, _text: str, items: list[str], *_a: object) -> tuple[str, bool]:
        offered.append(items)
        return "Standard", True
    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    asked = questions(monkeypatch, QMessageBox.StandardButton.Yes)
    click_policy(qtbot, view, "Gentle")
    assert view.delete_button.isEnabled()
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    assert offered == [] and asked == []
    assert "has 1 outbox rows (its history)" in view.errors.text()
    assert "Gentle" in [p.name for p in app.call(policies.list_policies)]
    assert app.call(lambda ctx: policies.usage(ctx, policies.get_policy(ctx, "Gentle")))["contractors"] == 1
