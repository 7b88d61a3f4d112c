"""The policies page: policies and their steps, JSON export/import round trip, refusals shown, segment assignment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.services import policies
from collector_app.services.contractors import segment_by_name
from collector_app.services.policies import StepData
from collector_app.ui.context import AppContext
from collector_app.ui.views.policies import PoliciesView

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def app(ledger: Ledger, clock: FixedClock) -> AppContext:
    context = AppContext(ledger, clock, "tester")
    context.call(lambda ctx: segment_by_name(ctx, "Stali klienci"))
    return context


@pytest.fixture
def view(qtbot: QtBot, app: AppContext) -> PoliciesView:
    page = PoliciesView(app)
    qtbot.addWidget(page)
    page.resize(1100, 650)
    page.show()
    qtbot.waitExposed(page)
    return page


def names(page: PoliciesView) -> list[str]:
    return [page.table.item(r, 0).text() for r in range(page.table.rowCount())]


def select(page: PoliciesView, name: str) -> None:
    page.table.selectRow(names(page).index(name))


def dialog_answers(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(path), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))


def test_lists_policies_and_the_steps_of_the_selected_one(view: PoliciesView, app: AppContext) -> None:
    assert names(view) == ["Firm", "Gentle", "Standard"]
    select(view, "Standard")
    standard = app.call(lambda ctx: policies.policy_data(policies.get_policy(ctx, "Standard")))
    assert view.table.item(view.table.currentRow(), 1).text() == "yes"
    assert view.table.item(view.table.currentRow(), 3).text() == str(len(standard.steps))
    assert view.steps.rowCount() == len(standard.steps)
    assert [view.steps.item(r, 1).text() for r in range(view.steps.rowCount())] == [s.name for s in standard.steps]
    assert view.steps_title.text() == "Steps of Standard"


def test_export_import_round_trip(
    qtbot: QtBot, view: PoliciesView, app: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "firm.json"
    dialog_answers(monkeypatch, target)
    select(view, "Firm")
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["name"] == "Firm" and not view.errors.text()

    exported["name"] = "Firm copy"
    target.write_text(json.dumps(exported), encoding="utf-8")
    qtbot.mouseClick(view.import_button, Qt.MouseButton.LeftButton)
    assert not view.errors.text() and "Firm copy" in names(view)
    assert view.selected() is not None and view.selected().name == "Firm copy"  # type: ignore[union-attr]
    firm, copy = app.call(lambda ctx: (policies.policy_data(policies.get_policy(ctx, "Firm")),
                                       policies.policy_data(policies.get_policy(ctx, "Firm copy"))))
    assert copy.steps == firm.steps and copy.group_by_contractor == firm.group_by_contractor


def test_import_refusals_are_shown_and_replace_works(
    qtbot: QtBot, view: PoliciesView, app: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "gentle.json"
    dialog_answers(monkeypatch, target)
    obj = app.call(lambda ctx: policies.export_policy(ctx, "Gentle"))
    obj["steps"] = obj["steps"][:1]
    target.write_text(json.dumps(obj), encoding="utf-8")
    qtbot.mouseClick(view.import_button, Qt.MouseButton.LeftButton)
    assert "exists already" in view.errors.text() and "Replace a policy" in view.errors.text()

    qtbot.mouseClick(view.replace, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.import_button, Qt.MouseButton.LeftButton)
    assert not view.errors.text() and view.steps.rowCount() == 1

    target.write_text("{ not json", encoding="utf-8")
    qtbot.mouseClick(view.import_button, Qt.MouseButton.LeftButton)
    assert "gentle.json" in view.errors.text() and "not JSON" in view.errors.text()


def test_assign_the_selected_policy_to_a_segment(qtbot: QtBot, view: PoliciesView, app: AppContext) -> None:
    assert view.segment.currentText() == "Stali klienci — default policy"
    select(view, "Gentle")
    qtbot.mouseClick(view.assign_button, Qt.MouseButton.LeftButton)
    assert view.segment.currentText() == "Stali klienci — Gentle"
    assert app.call(lambda ctx: policies.usage(ctx, policies.get_policy(ctx, "Gentle")))["segments"] == 1


def test_steps_are_described_in_words_not_stored_codes(view: PoliciesView) -> None:
    from collector_app.ui.views.policies import step_cells

    step = StepData("Final notice", "due", 14, "email", "overdue_final", action="ready_for_demand")
    cells = step_cells(8, step)
    assert cells[2] == "due date" and cells[4] == "e-mail" and cells[8] == "mark ready for demand"
    sms = step_cells(1, StepData("Invoice", "issue", 0, "sms", "invoice_issued"))
    assert (sms[2], sms[4], sms[7]) == ("issue date", "SMS", "—")
    shown = {view.steps.item(r, 2).text() for r in range(view.steps.rowCount())}
    assert shown and not shown & {"issue", "due", "promise", "paid"}
