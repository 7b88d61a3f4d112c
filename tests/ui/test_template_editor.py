"""The template editor as a person uses it: typing updates the preview, faults show their line, save and revert."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.messages import firm, outbox_row, sample, step
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Invoice
from collector_app.domain.clock import FixedClock
from collector_app.services import templates_store
from collector_app.services.context import Ctx
from collector_app.services.messages import compose
from collector_app.ui.context import AppContext
from collector_app.ui.main_window import MainWindow
from collector_app.ui.views.templates import TemplateEditor, TemplateEditorDialog

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def app(ledger: Ledger, clock: FixedClock) -> AppContext:
    context = AppContext(ledger, clock, "tester")

    def seed(ctx: Ctx) -> None:
        firm(ctx)
        sample(ctx, "en")  # FV/2026/02/0007, 14 days overdue
        sample(ctx, "pl", number="FV/2026/03/0001", due=dt.date(2026, 3, 10))
    context.call(seed)
    return context


@pytest.fixture
def editor(qtbot: QtBot, app: AppContext) -> TemplateEditor:
    widget = TemplateEditor(app, language="en", name="overdue_first")
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def type_at_end_of_line(qtbot: QtBot, editor: TemplateEditor, line: int, text: str) -> None:
    cursor = editor.source.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    cursor.movePosition(QTextCursor.MoveOperation.Down, n=line - 1)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    editor.source.setTextCursor(cursor)
    editor.source.setFocus()
    qtbot.keyClicks(editor.source, text)


def subject_line(editor: TemplateEditor) -> int:
    lines = editor.source.toPlainText().split("\n")
    return next(i for i, line in enumerate(lines, start=1) if "{% block subject %}" in line)


def test_opens_on_an_overdue_invoice_with_every_part_rendered(editor: TemplateEditor) -> None:
    assert editor.invoice.currentText().startswith("FV/2026/02/0007")  # English contractor, most overdue
    assert editor.subject.text() == "Payment reminder: invoice FV/2026/02/0007"
    assert "FV/2026/02/0007" in editor.text.toPlainText()
    assert "FV/2026/02/0007" in editor.html.toPlainText()
    assert editor.sms.toPlainText().startswith("Alfa Serwis")
    assert editor.sms_info.text().endswith("1 SMS") and not editor.revert_button.isEnabled()


def test_typing_updates_the_preview_once_typing_pauses(qtbot: QtBot, editor: TemplateEditor) -> None:
    line = subject_line(editor)
    source = editor.source.toPlainText().split("\n")[line - 1]
    assert source.endswith("{% endblock %}")
    cursor = editor.source.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    cursor.movePosition(QTextCursor.MoveOperation.Down, n=line - 1)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    cursor.movePosition(QTextCursor.MoveOperation.Left, n=len("{% endblock %}"))
    editor.source.setTextCursor(cursor)
    editor.source.setFocus()
    qtbot.keyClicks(editor.source, " - {{ invoice.days_overdue|days }} late")
    assert editor.debounce.isActive()  # not rendered on every keystroke
    qtbot.waitUntil(lambda: editor.subject.text().endswith("14\u00a0days late"), timeout=3000)
    assert editor.source.document().isModified()


def test_a_fault_shows_inline_with_its_line_and_never_crashes(qtbot: QtBot, editor: TemplateEditor) -> None:
    line = subject_line(editor) + 4
    type_at_end_of_line(qtbot, editor, line, "{{ invoice.numbr }}")
    qtbot.waitUntil(lambda: editor.error.isVisible(), timeout=3000)
    assert f"line {line}" in editor.error.text() and "numbr" in editor.error.text()
    marks = editor.source.extraSelections()
    assert len(marks) == 1 and marks[0].cursor.blockNumber() == line - 1
    assert editor.subject.text().startswith("Payment reminder")  # the last good preview stays

    type_at_end_of_line(qtbot, editor, line, "{% if %}")
    qtbot.waitUntil(lambda: f"line {line}" in editor.error.text() and "numbr" not in editor.error.text(),
                    timeout=3000)
    assert not editor.save()
    assert not app_overrides(editor)


def test_a_fault_found_only_while_rendering_shows_inline_too(qtbot: QtBot, editor: TemplateEditor) -> None:
    """A number added to text raises while the preview renders: shown under the editor, not a crash dialog."""
    line = subject_line(editor) + 4
    type_at_end_of_line(qtbot, editor, line, "{{ invoice.number + 1 }}")
    qtbot.waitUntil(lambda: editor.error.isVisible(), timeout=3000)
    assert f"line {line}" in editor.error.text() and "TypeError" in editor.error.text()
    assert not editor.save()
    assert not app_overrides(editor)


def app_overrides(editor: TemplateEditor) -> list[str]:
    return [f"{t.language}/{t.name}" for t in editor.app.call(templates_store.list_templates) if t.overridden]


def test_header_injection_in_the_subject_is_refused(qtbot: QtBot, editor: TemplateEditor) -> None:
    editor.source.setPlainText("{% block subject %}Hi\nBcc: all@example.com{% endblock %}"
                               "{% block text %}x{% endblock %}")
    qtbot.waitUntil(lambda: "line break" in editor.error.text(), timeout=3000)
    assert not editor.save() and not app_overrides(editor)


def test_save_is_what_goes_out_and_revert_restores_the_shipped_text(
        qtbot: QtBot, editor: TemplateEditor, app: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = editor.source.toPlainText()
    line = subject_line(editor)
    editor.source.setFocus()
    cursor = editor.source.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    cursor.movePosition(QTextCursor.MoveOperation.Down, n=line - 1)
    cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
    editor.source.setTextCursor(cursor)
    qtbot.keyClicks(editor.source, "{% block subject %}Second notice {{ invoice.number }}{% endblock %}")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert not editor.error.isVisible() and app_overrides(editor) == ["en/overdue_first"]
    assert editor.names.currentItem().text() == "● overdue_first" and editor.revert_button.isEnabled()
    assert "Edited in this ledger" in editor.state.text()

    def send(ctx: Ctx) -> str:
        """A real outbox row of an overdue step, composed as the sender would compose it."""
        inv = ctx.session.scalars(select(Invoice).where(Invoice.number == "FV/2026/02/0007")).one()
        row = outbox_row(ctx, inv, step(ctx, "overdue_first"))
        return compose(ctx, [row]).subject
    assert app.call(send) == "Second notice FV/2026/02/0007"

    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(editor.revert_button, Qt.MouseButton.LeftButton)
    assert editor.source.toPlainText() == shipped and app_overrides(editor) == []
    assert editor.names.currentItem().text() == "   overdue_first"
    assert app.call(send).startswith("Payment reminder")


def test_another_invoice_is_found_by_number_and_previewed(qtbot: QtBot, editor: TemplateEditor) -> None:
    qtbot.keyClicks(editor.search, "03/0001")
    assert editor.search_timer.isActive()  # searched once typing pauses, on the worker thread
    qtbot.waitUntil(lambda: editor.invoice.currentText().startswith("FV/2026/03/0001"), timeout=3000)
    assert editor.invoice.count() == 1 and "FV/2026/03/0001" in editor.subject.text()
    editor.search.clear()
    qtbot.keyClicks(editor.search, "nothing-like-this")
    qtbot.waitUntil(lambda: editor.invoice.currentText() == "(no invoice matches)", timeout=3000)
    assert "no invoice" in editor.error.text()
    editor.search.clear()
    qtbot.waitUntil(lambda: editor.invoice.currentText().startswith("FV/2026/02/0007"), timeout=3000)
    editor.runner.wait(3000)


def test_switching_language_or_template_asks_before_dropping_an_edit(
        qtbot: QtBot, editor: TemplateEditor, monkeypatch: pytest.MonkeyPatch) -> None:
    qtbot.keyClicks(editor.source, "x")
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.No)
    editor.language.setCurrentIndex(editor.language.findData("pl"))
    assert editor.lang() == "en" and editor.current == ("en", "overdue_first")
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
    editor.language.setCurrentIndex(editor.language.findData("pl"))
    assert editor.current == ("pl", "overdue_first")
    assert editor.subject.text().startswith("Przypomnienie")
    assert editor.invoice.currentText().startswith("FV/2026/03/0001")  # a Polish client's invoice first


def test_the_tools_menu_opens_the_editor(qtbot: QtBot, app: AppContext) -> None:
    window = MainWindow(app)
    qtbot.addWidget(window)
    action = next(a for a in window.tools_menu.actions() if "templates" in a.text().lower())
    action.trigger()
    dialogs = window.findChildren(TemplateEditorDialog)
    assert len(dialogs) == 1 and dialogs[0].editor.current is not None
    dialogs[0].close()


def test_the_editor_window_has_a_close_button_that_asks_before_dropping_an_edit(
        qtbot: QtBot, app: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    dialog = TemplateEditorDialog(app, language="en", name="overdue_first")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    screen = dialog.screen().availableGeometry()
    assert dialog.width() <= screen.width() and dialog.height() <= screen.height()
    close = dialog.buttons.button(QDialogButtonBox.StandardButton.Close)
    assert close is not None and close.isVisible()
    qtbot.keyClicks(dialog.editor.source, "x")
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.No)
    close.click()
    assert dialog.isVisible()
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
    close.click()
    assert not dialog.isVisible()
