"""The batch dialog: criteria and how many contractors they select, letters made on a worker with a progress bar,
Cancel, the files in the chosen folder and the summary; driven with keys and clicks."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from helpers.demand_ledger import seed_demand_ledger
from helpers.outbox_support import Recorder
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit
from pytestqt.qtbot import QtBot

from collector_app.services import demands
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.demand_batch import BatchOutcome, DemandBatchDialog
from collector_app.ui.taskrunner import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]
LEFT = Qt.MouseButton.LeftButton
ALL_THREE = "3 contractors with 4 overdue invoices: 3 letters"





@pytest.fixture
def dialog(qtbot: QtBot, app: AppContext, runner: TaskRunner, server: tuple[Recorder, int]) -> DemandBatchDialog:
    with app.transaction() as ctx:
        seed_demand_ledger(ctx, server[1])
    batch = DemandBatchDialog(app, runner)
    qtbot.addWidget(batch)
    batch.show()
    qtbot.waitUntil(lambda: batch.candidates.text() == ALL_THREE)
    return batch


def retype(qtbot: QtBot, editor: QLineEdit, text: str) -> None:
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, text)


def letters_in_register(app: AppContext) -> list[str]:
    with app.transaction() as ctx:
        return [row.number for row in demands.list_demands(ctx)]


def test_the_criteria_show_how_many_contractors_they_select(qtbot: QtBot, dialog: DemandBatchDialog) -> None:
    assert not dialog.run_button.isEnabled(), "no folder chosen yet"
    editor = dialog.min_days.lineEdit()
    assert editor is not None
    retype(qtbot, editor, "50")  # FV/4/2026 (Gamma) is 49 days overdue
    qtbot.waitUntil(lambda: dialog.candidates.text() == "2 contractors with 3 overdue invoices: 2 letters")
    retype(qtbot, dialog.min_amount, "2 000,00")  # Omega owes 1,845.00
    qtbot.waitUntil(lambda: dialog.candidates.text() == "1 contractor with 1 overdue invoice: 1 letter")
    assert [dialog.candidate_list.item(i).text() for i in range(dialog.candidate_list.count())] == [
        "Beta Bud S.A. — 7380.00 PLN, 1 invoice, up to 67 days overdue"]
    retype(qtbot, dialog.min_amount, "lots")
    qtbot.waitUntil(lambda: dialog.candidates.text() == '"lots" is not an amount')
    assert not dialog.run_button.isEnabled()
    retype(qtbot, dialog.min_amount, "1000000")
    qtbot.waitUntil(lambda: dialog.candidates.text() == "No contractor meets these criteria.")


def test_the_folder_can_be_browsed_for(qtbot: QtBot, dialog: DemandBatchDialog, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(tmp_path))
    qtbot.mouseClick(dialog.browse_button, LEFT)
    assert dialog.folder.text() == str(tmp_path) and dialog.run_button.isEnabled()


def test_a_batch_writes_one_pdf_per_letter_and_one_to_print(
        qtbot: QtBot, dialog: DemandBatchDialog, app: AppContext, runner: TaskRunner, tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    qtbot.keyClicks(dialog.folder, str(folder))
    dialog.kind.setCurrentIndex(dialog.kind.findData("final"))
    steps: list[tuple[int, int, str]] = []
    dialog.progress_signals.step.connect(lambda done, total, name: steps.append((done, total, name)))
    with qtbot.waitSignal(dialog.made, timeout=60_000) as made:
        qtbot.mouseClick(dialog.run_button, LEFT)
        assert dialog.progress.isVisible() and not dialog.run_button.isEnabled()
    outcome = made.args[0]
    assert isinstance(outcome, BatchOutcome) and not outcome.cancelled
    assert outcome.letters == ["WZ/2026/03/0001", "WZ/2026/03/0002", "WZ/2026/03/0003"]
    assert letters_in_register(app) == list(reversed(outcome.letters))
    assert [s[:2] for s in steps] == [(1, 3), (2, 3), (3, 3)]
    assert {s[2] for s in steps} == {"Omega Handel Sp. z o.o.", "Beta Bud S.A.", "Gamma Serwis Sp. j."}
    assert len(outcome.files) == 3 and all(f.parent == folder and f.is_file() for f in outcome.files)
    assert outcome.combined is not None and outcome.combined.parent == folder
    pages = sum(len(PdfReader(f).pages) for f in outcome.files)
    assert len(PdfReader(outcome.combined).pages) == pages, "the print file holds every letter"
    text = dialog.status.text()
    assert text.startswith(f"3 letters made, saved in {folder}") and outcome.combined.name in text
    assert not dialog.progress.isVisible() and dialog.cancel_button.text() == "Close"
    assert dialog.open_folder_button.isVisible()
    assert not dialog.run_button.isEnabled(), "the same batch is not issued twice by a second click"
    qtbot.waitUntil(runner.idle)


def test_cancel_keeps_the_letters_made_and_makes_no_more(
        qtbot: QtBot, dialog: DemandBatchDialog, app: AppContext, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker waits after its first letter until Cancel has been clicked: the click lands mid-batch."""
    first_done, clicked = threading.Event(), threading.Event()
    real = demands.make_batch

    def gated(ctx: Any, **kw: Any) -> demands.BatchResult:
        report = kw["progress"]

        def progress(done: int, total: int, contractor: str) -> bool:
            if done == 1:
                first_done.set()
                clicked.wait(30)
            return bool(report(done, total, contractor))

        return real(ctx, **{**kw, "progress": progress})

    monkeypatch.setattr(demands, "make_batch", gated)
    folder = tmp_path / "out"
    qtbot.keyClicks(dialog.folder, str(folder))
    with qtbot.waitSignal(dialog.made, timeout=60_000) as made:
        qtbot.mouseClick(dialog.run_button, LEFT)
        qtbot.waitUntil(first_done.is_set, timeout=30_000)
        qtbot.mouseClick(dialog.cancel_button, LEFT)
        assert not dialog.cancel_button.isEnabled() and dialog.isVisible(), "Cancel stops the batch, not the dialog"
        clicked.set()
    outcome = made.args[0]
    assert outcome.cancelled and outcome.letters == ["WZ/2026/03/0001"]
    assert letters_in_register(app) == ["WZ/2026/03/0001"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [outcome.files[0].name, outcome.combined.name])
    assert dialog.status.text().startswith("Cancelled")
    qtbot.mouseClick(dialog.cancel_button, LEFT)  # now it closes
    assert not dialog.isVisible()


def test_a_folder_that_cannot_be_written_issues_nothing(
        qtbot: QtBot, dialog: DemandBatchDialog, app: AppContext, tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    qtbot.keyClicks(dialog.folder, str(blocker / "letters"))
    qtbot.mouseClick(dialog.run_button, LEFT)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("The batch stopped, no letter was issued:"),
                    timeout=60_000)
    assert letters_in_register(app) == []
    assert dialog.run_button.isEnabled() and dialog.cancel_button.text() == "Cancel"


def test_an_unticked_contractor_gets_no_letter(
        qtbot: QtBot, dialog: DemandBatchDialog, app: AppContext, tmp_path: Path) -> None:
    listed = dialog.candidate_list
    names = [listed.item(i).text().split(" — ")[0] for i in range(listed.count())]
    assert names == ["Beta Bud S.A.", "Gamma Serwis Sp. j.", "Omega Handel Sp. z o.o."]
    qtbot.keyClicks(dialog.folder, str(tmp_path / "out"))
    for row in range(listed.count()):  # untick all: nothing to make
        rect = listed.visualItemRect(listed.item(row))
        qtbot.mouseClick(listed.viewport(), LEFT, pos=rect.center())
        qtbot.keyClick(listed, Qt.Key.Key_Space)
    assert not dialog.run_button.isEnabled()
    rect = listed.visualItemRect(listed.item(2))
    qtbot.mouseClick(listed.viewport(), LEFT, pos=rect.center())
    qtbot.keyClick(listed, Qt.Key.Key_Space)  # Omega again
    assert dialog.chosen_contractors() != [] and dialog.run_button.isEnabled()
    with qtbot.waitSignal(dialog.made, timeout=60_000) as made:
        qtbot.mouseClick(dialog.run_button, LEFT)
    assert made.args[0].letters == ["WZ/2026/03/0001"]
    with app.transaction() as ctx:
        (only,) = demands.list_demands(ctx)
    assert only.contractor == "Omega Handel Sp. z o.o." and dialog.status.text().startswith("1 letter made")
