"""The Outbox page: rows planned by services.reminders, filtered by state; resend, mark sent, cancel, open."""

from __future__ import annotations

import pytest
from helpers.outbox_support import Recorder, states
from helpers.outbox_support import plan_overdue_in_app as plan_overdue
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from collector_app.db.engine import Ledger
from collector_app.db.models import Outbox
from collector_app.services.outbox import dispatch
from collector_app.ui.context import AppContext
from collector_app.ui.models.outbox_table import ATTENTION_COLORS, COL_STATE, StateRole
from collector_app.ui.views.outbox import OutboxView

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def planned(app: AppContext, server: tuple[Recorder, int]) -> list[int]:
    return plan_overdue(app, server[1])


@pytest.fixture
def page(qtbot: QtBot, app: AppContext, planned: list[int]) -> OutboxView:
    view = OutboxView(app)
    qtbot.addWidget(view)
    view.resize(1200, 500)
    view.show()
    return view


def set_state(ledger: Ledger, outbox_id: int, state: str, error: str | None = None) -> None:
    with ledger.transaction() as s:
        s.execute(update(Outbox).where(Outbox.id == outbox_id).values(state=state, last_error=error))


def show_state(page: OutboxView, state: str | None) -> None:
    page.state_filter.setCurrentIndex(page.state_filter.findData(state))


def click_row(qtbot: QtBot, page: OutboxView, outbox_id: int) -> None:
    row = next(i for i, r in enumerate(page.model.rows) if r["id"] == outbox_id)
    rect = page.table.visualRect(page.model.index(row, COL_STATE))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.selected() is not None and page.selected()["id"] == outbox_id  # type: ignore[index]


def shown_states(page: OutboxView) -> list[str]:
    return [page.model.index(i, COL_STATE).data(StateRole) for i in range(page.model.rowCount())]


def test_the_page_shows_every_row_and_filters_by_state(page: OutboxView, planned: list[int]) -> None:
    assert len(planned) == 3
    assert page.model.rowCount() > 3 and {"planned", "skipped"} <= set(shown_states(page))
    show_state(page, "planned")
    assert sorted(r["id"] for r in page.model.rows) == planned and set(shown_states(page)) == {"planned"}
    assert page.model.index(0, 3).data().endswith("@example.com")  # the recipient column
    assert page.summary.text() == "3 messages"
    show_state(page, "sent")
    assert page.model.rowCount() == 0
    assert [page.state_filter.itemText(i) for i in range(page.state_filter.count())] == [
        "all", "planned", "sending", "sent", "failed", "cancelled", "uncertain", "skipped"]


def test_failed_and_uncertain_rows_are_highlighted(page: OutboxView, app: AppContext, planned: list[int]) -> None:
    set_state(app.ledger, planned[0], "failed", "550 5.1.1 no such user")
    set_state(app.ledger, planned[1], "uncertain", "was being sent when the sender stopped")
    page.refresh()
    by_id = {r["id"]: i for i, r in enumerate(page.model.rows)}
    for outbox_id, state in ((planned[0], "failed"), (planned[1], "uncertain")):
        index = page.model.index(by_id[outbox_id], COL_STATE)
        assert index.data() == state
        assert index.data(Qt.ItemDataRole.BackgroundRole) == ATTENTION_COLORS[state][1]
    assert page.model.index(by_id[planned[2]], COL_STATE).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "550" in page.model.index(by_id[planned[0]], 8).data()


def test_buttons_follow_the_state_and_change_the_database(
        qtbot: QtBot, page: OutboxView, app: AppContext, planned: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def yes(*args: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    show_state(page, None)
    click_row(qtbot, page, planned[0])
    assert page.cancel_button.isEnabled() and not page.resend_button.isEnabled()
    assert not page.mark_sent_button.isEnabled() and page.open_button.isEnabled()
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "FV/" in asked[0]
    assert states(app.ledger, [planned[0]]) == {planned[0]: "cancelled"}
    assert page.resend_button.isEnabled() and not page.cancel_button.isEnabled()  # the same row, now cancelled
    qtbot.mouseClick(page.resend_button, Qt.MouseButton.LeftButton)
    assert states(app.ledger, [planned[0]]) == {planned[0]: "planned"}
    set_state(app.ledger, planned[1], "uncertain", "was being sent when the sender stopped")
    page.refresh()
    click_row(qtbot, page, planned[1])
    assert page.mark_sent_button.isEnabled() and page.resend_button.isEnabled() and page.cancel_button.isEnabled()
    qtbot.mouseClick(page.mark_sent_button, Qt.MouseButton.LeftButton)
    assert states(app.ledger, [planned[1]]) == {planned[1]: "sent"}
    assert not page.cancel_button.isEnabled() and not page.mark_sent_button.isEnabled()


def test_cancel_asks_first_and_no_keeps_the_row(
        qtbot: QtBot, page: OutboxView, app: AppContext, planned: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.No)
    click_row(qtbot, page, planned[0])
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    assert states(app.ledger, [planned[0]]) == {planned[0]: "planned"}


def test_open_message_previews_a_planned_row_and_shows_a_sent_one(
        qtbot: QtBot, page: OutboxView, app: AppContext, planned: list[int], server: tuple[Recorder, int]) -> None:
    click_row(qtbot, page, planned[0])
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    assert "composed at send time" in dialog.note.text()
    assert "FV/" in dialog.subject.text() + dialog.body.toPlainText() and dialog.body.isReadOnly()
    dialog.close()
    report = dispatch(app.ledger, app.clock)
    assert len(report.sent) == 3
    page.refresh()
    click_row(qtbot, page, planned[0])
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.reply.text().startswith("250") and dialog.recipient.text().endswith("@example.com")
    received = server[0].received
    assert any(dialog.subject.text() == m.message["Subject"] for m in received)
    dialog.close()


def test_a_catch_up_row_names_its_step_and_how_many_earlier_ones_it_stands_for(page: OutboxView) -> None:
    from collector_app.ui.models.outbox_table import COL_STEP

    show_state(page, "skipped")
    steps = {page.model.index(i, COL_STEP).data() for i in range(page.model.rowCount())}
    # FV/3/2026 is 23 days overdue: the final notice is planned, the weekly reminder's second
    # occurrence is the latest of the seven steps it overtook
    assert "Weekly reminder (#2) and 6 earlier" in steps
    tips = {page.model.index(i, COL_STEP).data(Qt.ItemDataRole.ToolTipRole) for i in range(page.model.rowCount())}
    assert tips == steps  # the whole label, where the column cuts it short


def test_names_cut_by_their_column_are_whole_in_the_tooltip_and_invoice_numbers_fit(
        page: OutboxView, app: AppContext) -> None:
    from collector_app.ui.models.outbox_table import COL_CONTRACTOR, COL_INVOICE, COL_RECIPIENT

    for column in (COL_RECIPIENT, COL_CONTRACTOR, COL_INVOICE):
        index = page.model.index(0, column)
        assert index.data(Qt.ItemDataRole.ToolTipRole) == index.data() != ""
    metrics = page.table.fontMetrics()
    assert page.table.columnWidth(COL_INVOICE) >= metrics.horizontalAdvance("FV/2025/08/0123") + 8


def test_a_row_without_a_recipient_shows_a_dash(page: OutboxView, app: AppContext, planned: list[int]) -> None:
    from collector_app.ui.models.outbox_table import COL_RECIPIENT

    with app.ledger.sessions() as session:
        session.execute(update(Outbox).where(Outbox.id == planned[0]).values(recipient=None))
        session.commit()
    page.refresh()
    row = next(i for i, r in enumerate(page.model.rows) if r["id"] == planned[0])
    assert page.model.index(row, COL_RECIPIENT).data() == "—"


def test_every_column_title_shows_whole(page: OutboxView) -> None:
    header = page.table.horizontalHeader()
    for column in range(header.count()):
        title = str(page.model.headerData(column, Qt.Orientation.Horizontal))
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(title) + 8, title


def test_the_note_column_says_why_each_row_waits_failed_or_was_skipped_as_outbox_list_does(
        qtbot: QtBot, page: OutboxView, app: AppContext, planned: list[int]) -> None:
    from collector_app.services.outbox import list_rows
    from collector_app.ui.models.outbox_table import COL_NOTE

    set_state(app.ledger, planned[1], "failed", "550 5.1.1 no such user")
    page.refresh()
    assert page.model.headerData(COL_NOTE, Qt.Orientation.Horizontal) == "Note"
    listed = {r["id"]: r for r in app.call(lambda ctx: list_rows(ctx))}
    notes = {r["id"]: page.model.index(i, COL_NOTE).data() for i, r in enumerate(page.model.rows)}
    assert notes == {i: " ".join((r["note"] or r["last_error"] or "").split()) for i, r in listed.items()}
    assert listed[planned[0]]["note"] and notes[planned[0]] == listed[planned[0]]["note"]  # why it waits
    assert notes[planned[1]] == "550 5.1.1 no such user"
    assert all(notes[i] for i, r in listed.items() if r["state"] == "skipped")

    click_row(qtbot, page, planned[1])
    assert page.note_line.isVisible() and page.note_line.text() == "failed — 550 5.1.1 no such user"
    click_row(qtbot, page, planned[0])  # the line under the table has the whole note, however narrow the column
    assert page.note_line.text() == f"planned — {listed[planned[0]]['note']}"
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog = page.dialog
    assert dialog is not None and dialog.waiting.isVisible()
    assert dialog.waiting.text() == listed[planned[0]]["note"]
    dialog.close()


def test_mark_sent_is_offered_for_an_uncertain_row_not_for_a_failed_one(
        qtbot: QtBot, page: OutboxView, app: AppContext, planned: list[int]) -> None:
    set_state(app.ledger, planned[0], "failed", "554 5.7.1 Message rejected")
    set_state(app.ledger, planned[1], "uncertain", "was being sent when the sender stopped")
    page.refresh()
    click_row(qtbot, page, planned[0])
    assert not page.mark_sent_button.isEnabled()
    assert page.resend_button.isEnabled() and page.cancel_button.isEnabled()
    qtbot.mouseClick(page.mark_sent_button, Qt.MouseButton.LeftButton)
    assert states(app.ledger, [planned[0]]) == {planned[0]: "failed"}
    click_row(qtbot, page, planned[1])
    assert page.mark_sent_button.isEnabled()
    qtbot.mouseClick(page.mark_sent_button, Qt.MouseButton.LeftButton)
    assert states(app.ledger, [planned[1]]) == {planned[1]: "sent"}
