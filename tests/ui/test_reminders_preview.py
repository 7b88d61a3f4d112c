"""The reminder preview page: who gets what in the next N days, skipped rows greyed, nothing queued, message preview."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from helpers.ledger import contractor, invoice
from helpers.messages import firm
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from collector_app.db.engine import Ledger
from collector_app.db.models import Outbox
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.services.reminders import PlannedRow
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.message_preview import MessagePreviewDialog
from collector_app.ui.dialogs.settings import SettingsDialog
from collector_app.ui.main_window import MainWindow
from collector_app.ui.models.reminder_plan import COL_CONTRACTOR, COL_INVOICE, COL_STATE, COL_STEP, SkippedRole
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.views.policies import PoliciesView
from collector_app.ui.views.reminders_preview import RemindersPreviewView

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


def seed(ctx: Ctx, today: dt.date) -> None:
    firm(ctx)
    omega = contractor(ctx, "Omega Handel Sp. z o.o.", email="ksiegowosc@omega.example", phone="+48 601 234 567")
    invoice(ctx, omega, "FV/1/2026", "1230.00", today - dt.timedelta(days=2), issued=today - dt.timedelta(days=16))
    invoice(ctx, omega, "FV/2/2026", "500.00", today + dt.timedelta(days=5), issued=today - dt.timedelta(days=9))
    silent = contractor(ctx, "Bez Adresu s.c.")  # no e-mail, no phone: its rows are skipped with the reason
    invoice(ctx, silent, "FV/3/2026", "99.00", today + dt.timedelta(days=3), issued=today - dt.timedelta(days=4))


@pytest.fixture
def app(ledger: Ledger, clock: FixedClock) -> AppContext:
    context = AppContext(ledger, clock, "tester")
    context.call(lambda ctx: seed(ctx, clock.today()))
    return context


@pytest.fixture
def view(qtbot: QtBot, app: AppContext) -> Iterator[RemindersPreviewView]:
    runner = TaskRunner()
    page = RemindersPreviewView(app, runner)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    qtbot.waitUntil(lambda: not page.busy and page.model.rowCount() > 0, timeout=10000)
    yield page
    assert runner.wait()


def cells(page: RemindersPreviewView, column: int) -> list[str]:
    return [str(page.model.index(r, column).data()) for r in range(page.model.rowCount())]


def outbox_count(app: AppContext) -> int:
    return app.call(lambda ctx: ctx.session.scalar(select(func.count(Outbox.id)))) or 0


def test_lists_who_gets_what_and_writes_nothing(view: RemindersPreviewView, app: AppContext) -> None:
    assert view.days.value() == 14
    assert {"FV/1/2026", "FV/2/2026", "FV/3/2026"} <= set(cells(view, COL_INVOICE))
    assert "Omega Handel Sp. z o.o." in cells(view, COL_CONTRACTOR)
    assert "First reminder" in cells(view, COL_STEP)
    skipped = [r for r in range(view.model.rowCount()) if view.model.index(r, 0).data(SkippedRole)]
    assert skipped, "the contractor without an address has skipped rows"
    states = [view.model.index(r, COL_STATE).data() for r in skipped]
    assert all(s.startswith("skipped: ") for s in states) and any(s.startswith("skipped: no ") for s in states)
    for r in skipped:
        brush = view.model.index(r, COL_STATE).data(Qt.ItemDataRole.ForegroundRole)
        assert isinstance(brush, QBrush)
    assert "would be sent" in view.summary.text()
    assert outbox_count(app) == 0


def test_fewer_days_show_fewer_rows(qtbot: QtBot, view: RemindersPreviewView, app: AppContext) -> None:
    wide = view.model.rowCount()
    view.days.setFocus()
    view.days.selectAll()
    qtbot.keyClicks(view.days, "0")
    qtbot.keyClick(view.days, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.busy and view.model.rowCount() < wide, timeout=10000)
    assert all(day <= app.clock.today().isoformat() for day in cells(view, 0))
    assert outbox_count(app) == 0


def test_preview_message_shows_subject_text_and_html(qtbot: QtBot, view: RemindersPreviewView) -> None:
    assert not view.preview_button.isEnabled()
    row = next(r for r in range(view.model.rowCount())
               if view.model.index(r, COL_INVOICE).data() == "FV/1/2026"
               and view.model.index(r, COL_STEP).data() == "First reminder")
    view.table.selectRow(row)
    assert view.preview_button.isEnabled()
    qtbot.mouseClick(view.preview_button, Qt.MouseButton.LeftButton)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MessagePreviewDialog))
    qtbot.addWidget(dialog)
    assert "FV/1/2026" in dialog.subject.text() + dialog.text.toPlainText()
    assert "ksiegowosc@omega.example" in dialog.recipient.text()
    assert dialog.text.isReadOnly() and "FV/1/2026" in dialog.html.toPlainText()


def test_a_grouped_policy_previews_and_counts_one_message_per_contractor_and_day(
        qtbot: QtBot, app: AppContext, clock: FixedClock) -> None:
    """The debtor of a policy that sends one message per contractor gets one e-mail for both invoices due a
    reminder today, worded at the furthest step: the page shows that message and counts it once."""
    from dataclasses import replace

    from collector_app.services import policies

    def grouped(ctx: Ctx) -> None:
        standard = policies.policy_data(policies.get_policy(ctx, "Standard"))
        policies.create_policy(ctx, replace(standard, name="Grouped", group_by_contractor=True, is_default=False))
        c = contractor(ctx, "Zeta Sp. z o.o.", email="zeta@example.com", language="en")
        policies.assign_to_contractor(ctx, str(c.id), "Grouped")
        for number, days in (("Z/2", 2), ("Z/9", 9)):
            invoice(ctx, c, number, "100.00", clock.today() - dt.timedelta(days=days))

    app.call(grouped)
    page = RemindersPreviewView(app, TaskRunner())
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    qtbot.waitUntil(lambda: not page.busy and page.model.rowCount() > 0, timeout=10000)
    zeta = [r for r in range(page.model.rowCount()) if page.model.index(r, COL_CONTRACTOR).data() == "Zeta Sp. z o.o."
            and page.model.rows[r].channel == "email" and page.model.rows[r].state == "planned"
            and page.model.rows[r].planned_for == clock.today()]
    assert len(zeta) == 2
    planned = sum(1 for r in page.model.rows if r.state == "planned")
    assert int(page.summary.text().split()[0]) <= planned - 1  # Zeta's two e-mails today are one message
    page.table.selectRow(zeta[0])
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MessagePreviewDialog) and w.isVisible()
                  and "Z/" in w.subject.text())
    qtbot.addWidget(dialog)
    assert "Z/2" in dialog.subject.text() and "Z/9" in dialog.subject.text()


def test_the_window_has_the_reminders_and_policies_pages_and_tools_settings(qtbot: QtBot, app: AppContext) -> None:
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    assert isinstance(window.show_page("reminders"), RemindersPreviewView)
    qtbot.waitUntil(lambda: not window.reminders.busy and window.reminders.model.rowCount() > 0, timeout=10000)
    assert isinstance(window.show_page("policies"), PoliciesView)
    assert window.policies.table.rowCount() == 3 and not window.totals_label.isVisible()
    titles = [a.text() for a in window.tools_menu.actions()]
    assert titles[0] == "&Settings…"  # other tools follow it
    window.tools_menu.actions()[0].trigger()
    dialog = window.findChild(SettingsDialog)
    assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
    dialog.reject()
    window.close()
    assert window.runner.wait()


def test_a_catch_up_row_says_how_many_earlier_steps_it_stands_for(view: RemindersPreviewView) -> None:
    rows = [r for r in range(view.model.rowCount())
            if view.model.index(r, COL_INVOICE).data() == "FV/1/2026" and view.model.index(r, 0).data(SkippedRole)]
    assert [view.model.index(r, COL_STEP).data() for r in rows] == ["Due today and 2 earlier"]
    assert str(view.model.index(rows[0], COL_STATE).data()).startswith("skipped: catch-up: 3 steps due up to ")
    assert "steps skipped" in view.summary.text()


def test_channels_are_named_as_on_the_outbox_page(view: RemindersPreviewView) -> None:
    from collector_app.ui.models.reminder_plan import COL_CHANNEL

    assert set(cells(view, COL_CHANNEL)) <= {"E-mail", "SMS", "Letter"} and "E-mail" in cells(view, COL_CHANNEL)


def test_a_horizon_typed_while_the_first_plan_is_computed_is_computed_next(
        qtbot: QtBot, app: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a large ledger the first computation takes seconds: 0 + Enter typed meanwhile is not dropped."""
    import threading

    from collector_app.ui.views import reminders_preview

    release = threading.Event()
    asked: list[int] = []
    real = reminders_preview.preview_plan

    def held_until_released(context: AppContext, days: int) -> list[PlannedRow]:
        asked.append(days)
        assert release.wait(10), "the test never let the first computation finish"
        return real(context, days)

    monkeypatch.setattr(reminders_preview, "preview_plan", held_until_released)
    runner = TaskRunner()
    page = RemindersPreviewView(app, runner)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    qtbot.waitUntil(lambda: asked == [14], timeout=10000)
    page.days.setFocus()
    page.days.selectAll()
    qtbot.keyClicks(page.days, "0")
    qtbot.keyClick(page.days, Qt.Key.Key_Return)
    assert page.busy and page.days.value() == 0
    release.set()
    qtbot.waitUntil(lambda: asked == [14, 0] and not page.busy, timeout=10000)
    today = app.clock.today().isoformat()
    assert page.summary.text().endswith(f"up to {today}.") and page.shown_days == 0
    assert page.model.rowCount() > 0 and all(day <= today for day in cells(page, 0))
    assert runner.wait()
