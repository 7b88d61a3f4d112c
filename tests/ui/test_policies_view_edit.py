"""Editing on the policies page as a person does it: dialogs filled in, buttons clicked, refusals shown inline."""

from __future__ import annotations

import pytest
from helpers.ledger import contractor
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.services import policies
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.policy_step import PolicyDialog, StepDialog
from collector_app.ui.views.policies import PoliciesView
from collector_app.ui.views.templates import TemplateEditorDialog

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def app(ledger: Ledger, clock: FixedClock) -> AppContext:
    return AppContext(ledger, clock, "tester")


@pytest.fixture
def view(qtbot: QtBot, app: AppContext) -> PoliciesView:
    page = PoliciesView(app)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def select(page: PoliciesView, name: str) -> None:
    page.table.selectRow([page.table.item(r, 0).text() for r in range(page.table.rowCount())].index(name))


def step_names(page: PoliciesView) -> list[str]:
    return [page.steps.item(r, 1).text() for r in range(page.steps.rowCount())]


def stored(app: AppContext, name: str) -> list[tuple[int, str, int, str]]:
    return app.call(lambda ctx: [(s.position, s.name, s.offset_days, s.channel)
                                 for s in policies.get_policy(ctx, name).steps])


def ok(qtbot: QtBot, dialog: StepDialog | PolicyDialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def retype(qtbot: QtBot, widget: object, text: str) -> None:
    widget.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(widget, text)  # type: ignore[arg-type]


def answer(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_a: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return button
    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_a_new_policy_then_a_step_added_through_the_dialog(qtbot: QtBot, view: PoliciesView, app: AppContext) -> None:
    qtbot.mouseClick(view.new_button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, PolicyDialog)
    qtbot.keyClicks(dialog.name, "Quarterly")
    qtbot.mouseClick(dialog.grouped, Qt.MouseButton.LeftButton)
    ok(qtbot, dialog)
    assert not dialog.isVisible()
    assert view.selected() is not None and view.selected().name == "Quarterly"  # type: ignore[union-attr]
    assert view.group_check.isChecked() and view.steps.rowCount() == 0

    qtbot.mouseClick(view.add_step_button, Qt.MouseButton.LeftButton)
    step = view.dialog
    assert isinstance(step, StepDialog)
    qtbot.keyClicks(step.name, "Text before due")
    step.channel.setCurrentIndex(step.channel.findData("sms"))
    assert not step.attach.isEnabled()
    step.template.setCurrentIndex(step.template.findData("before_due"))
    retype(qtbot, step.offset, "-2")
    ok(qtbot, step)
    assert stored(app, "Quarterly") == [(1, "Text before due", -2, "sms")]
    assert step_names(view) == ["Text before due"]


def test_editing_a_step_refused_inline_then_saved(qtbot: QtBot, view: PoliciesView, app: AppContext) -> None:
    select(view, "Gentle")
    before = stored(app, "Gentle")
    row = step_names(view).index("Friendly reminder")
    view.steps.selectRow(row)
    qtbot.mouseClick(view.edit_step_button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, StepDialog)
    assert dialog.name.text() == "Friendly reminder" and dialog.offset.value() == 5
    retype(qtbot, dialog.name, "Final notice")  # another step's name
    ok(qtbot, dialog)
    assert dialog.isVisible() and "another step" in dialog.error_label.text()
    assert stored(app, "Gentle") == before
    retype(qtbot, dialog.name, "Friendly nudge")
    retype(qtbot, dialog.offset, "7")
    qtbot.mouseClick(dialog.repeat, Qt.MouseButton.LeftButton)
    ok(qtbot, dialog)
    assert not dialog.isVisible()
    assert (2, "Friendly nudge", 7, "email") in stored(app, "Gentle")
    assert view.steps.currentRow() == row  # the edited step stays selected
    assert "every 7 d" in view.steps.item(row, 7).text()


def test_move_and_delete_steps_keep_positions_unique(
        qtbot: QtBot, view: PoliciesView, app: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    select(view, "Gentle")
    names = step_names(view)
    view.steps.selectRow(1)
    qtbot.mouseClick(view.down_button, Qt.MouseButton.LeftButton)
    assert step_names(view) == [names[0], names[2], names[1], *names[3:]]
    assert view.steps.currentRow() == 2  # the moved step stays selected, so clicking again moves it on
    qtbot.mouseClick(view.up_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.up_button, Qt.MouseButton.LeftButton)
    assert step_names(view)[0] == names[1] and not view.up_button.isEnabled()
    asked = answer(monkeypatch, QMessageBox.StandardButton.No)
    qtbot.mouseClick(view.delete_step_button, Qt.MouseButton.LeftButton)
    assert asked and len(stored(app, "Gentle")) == len(names)
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(view.delete_step_button, Qt.MouseButton.LeftButton)
    assert [p for p, *_ in stored(app, "Gentle")] == list(range(1, len(names)))
    assert names[1] not in step_names(view)


def test_grouping_default_and_delete_with_reassignment(
        qtbot: QtBot, view: PoliciesView, app: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    select(view, "Firm")
    qtbot.mouseClick(view.group_check, Qt.MouseButton.LeftButton)
    assert app.call(lambda ctx: policies.get_policy(ctx, "Firm").group_by_contractor)
    qtbot.mouseClick(view.default_button, Qt.MouseButton.LeftButton)
    assert app.call(lambda ctx: policies.default_policy(ctx).name) == "Firm"  # type: ignore[union-attr]
    assert not view.delete_button.isEnabled()  # the default is never deleted

    app.call(lambda ctx: policies.assign_to_contractor(ctx, str(contractor(ctx).id), "Gentle"))
    select(view, "Gentle")
    offered: list[list[str]] = []

    def get_item(_p: object, _t: str, _text: str, items: list[str], *_a: object) -> tuple[str, bool]:
        offered.append(items)
        return "Standard", True
    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    assert offered == [["Firm", "Standard"]]
    assert [view.table.item(r, 0).text() for r in range(view.table.rowCount())] == ["Firm", "Standard"]
    assert app.call(lambda ctx: policies.usage(ctx, policies.get_policy(ctx, "Standard")))["contractors"] == 1


def test_a_refused_write_is_shown_on_the_page(qtbot: QtBot, view: PoliciesView, app: AppContext) -> None:
    select(view, "Gentle")
    qtbot.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, PolicyDialog)
    retype(qtbot, dialog.name, "standard")
    ok(qtbot, dialog)
    assert dialog.isVisible() and "exists already" in dialog.error_label.text()
    assert "Gentle" in [p.name for p in app.call(policies.list_policies)]


def test_the_templates_button_opens_the_editor(qtbot: QtBot, view: PoliciesView) -> None:
    qtbot.mouseClick(view.templates_button, Qt.MouseButton.LeftButton)
    editors = view.findChildren(TemplateEditorDialog)
    assert len(editors) == 1 and editors[0].isVisible()
    editors[0].close()
