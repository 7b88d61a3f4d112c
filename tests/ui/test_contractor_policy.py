"""A contractor's own reminder policy in the window: shown in the contractor window, set in the edit dialog
through the same service as `collector policy assign --contractor`, and what it follows without one."""

from __future__ import annotations

import pytest
from helpers.detail_ledger import DetailIds, seed_details
from helpers.qt_input import click, shown
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Contractor, Event
from collector_app.domain.clock import FixedClock
from collector_app.services import policies
from collector_app.services.context import Ctx
from collector_app.services.contractors import segment_by_name
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.contractor_detail import ContractorDetailDialog
from collector_app.ui.dialogs.contractor_edit import ContractorEditDialog

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]
SEGMENT = "Stali klienci"


@pytest.fixture
def ids(ledger: Ledger, clock: FixedClock) -> DetailIds:
    seeded = seed_details(ledger, clock)
    with ledger.transaction() as session:
        ctx = Ctx(session, clock, "tester")
        segment_by_name(ctx, SEGMENT)
        policies.assign_to_segment(ctx, SEGMENT, "Gentle")
    return seeded


@pytest.fixture
def detail(qtbot: QtBot, app: AppContext, ids: DetailIds) -> ContractorDetailDialog:
    return shown(qtbot, ContractorDetailDialog(app, ids.omega))


def open_edit(qtbot: QtBot, detail: ContractorDetailDialog) -> ContractorEditDialog:
    click(qtbot, detail.edit_button)
    dialog = detail.sub_dialog
    assert isinstance(dialog, ContractorEditDialog)
    qtbot.waitExposed(dialog)
    return dialog


def save(qtbot: QtBot, detail: ContractorDetailDialog, dialog: ContractorEditDialog) -> None:
    with qtbot.waitSignal(detail.changed):
        click(qtbot, dialog.button_box.button(QDialogButtonBox.StandardButton.Save))
    assert not dialog.isVisible()


def followed(app: AppContext, contractor_id: int) -> tuple[str | None, str | None]:
    """(its own policy, the policy planning uses for it), read as `collector policy assign` leaves them."""
    def read(ctx: Ctx) -> tuple[str | None, str | None]:
        c = ctx.session.get(Contractor, contractor_id)
        assert c is not None
        by_id = {p.id: p.name for p in policies.list_policies(ctx)}
        used = policies.followed_policy_id(ctx, c)
        return (by_id[c.policy_id] if c.policy_id else None), (by_id[used] if used else None)
    return app.call(read)


def test_a_contractors_own_policy_is_shown_and_set_in_the_window(
        qtbot: QtBot, detail: ContractorDetailDialog, app: AppContext, ids: DetailIds) -> None:
    assert "reminder policy Standard (the default)" in detail.labels["termsLabel"].text()
    dialog = open_edit(qtbot, detail)
    assert dialog.policy.currentText() == "follows the default policy (Standard)"
    assert [dialog.policy.itemText(i) for i in range(1, dialog.policy.count())] == ["Firm", "Gentle", "Standard"]
    segment = dialog.segment.lineEdit()
    assert segment is not None
    qtbot.keyClicks(segment, SEGMENT)
    assert dialog.policy.currentText() == "follows its segment's policy (Gentle)"
    qtbot.keyClick(dialog.policy, Qt.Key.Key_Down)  # the first policy by name: Firm
    assert dialog.policy.currentText() == "Firm"
    save(qtbot, detail, dialog)
    assert followed(app, ids.omega) == ("Firm", "Firm")
    terms = detail.labels["termsLabel"].text()
    assert f"segment {SEGMENT}" in terms and "reminder policy Firm (its own)" in terms
    assert app.call(lambda ctx: ctx.session.scalar(
        select(Event.summary).where(Event.action == "policy.assigned", Event.contractor_id == ids.omega)
    )) == 'Reminders follow policy "Firm"'

    dialog = open_edit(qtbot, detail)
    assert dialog.policy.currentText() == "Firm"
    qtbot.keyClick(dialog.policy, Qt.Key.Key_Home)  # back to its segment's
    assert dialog.policy.currentText() == "follows its segment's policy (Gentle)"
    save(qtbot, detail, dialog)
    assert followed(app, ids.omega) == (None, "Gentle")
    assert "reminder policy Gentle (its segment's)" in detail.labels["termsLabel"].text()


def test_an_edit_that_leaves_the_policy_alone_records_no_assignment(
        qtbot: QtBot, detail: ContractorDetailDialog, app: AppContext, ids: DetailIds) -> None:
    app.call(lambda ctx: policies.assign_to_contractor(ctx, str(ids.omega), "Firm"))
    detail.reload()
    dialog = open_edit(qtbot, detail)
    assert dialog.policy.currentText() == "Firm"
    qtbot.keyClicks(dialog.lines["city"], " Nowa Huta")
    save(qtbot, detail, dialog)
    assert followed(app, ids.omega) == ("Firm", "Firm")
    assert app.call(lambda ctx: len(ctx.session.scalars(
        select(Event.id).where(Event.action == "policy.assigned", Event.contractor_id == ids.omega)).all())) == 1
