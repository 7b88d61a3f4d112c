"""Cancelling a long import in the window: nothing written, and the dialog says so once, in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.invoice_imports import documents
from helpers.qt_input import click, shown
from pytestqt.qtbot import QtBot

from collector_app.db.engine import Ledger
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.import_invoices import InvoiceImportDialog
from collector_app.ui.taskrunner import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


def test_a_cancelled_import_says_so_once_and_writes_nothing(qtbot: QtBot, app: AppContext, ledger: Ledger,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("Number;Customer;Date;Total\n" + "".join(
        f"A/{n};Customer {n % 300};2026-03-05;{n}.00\n" for n in range(1, 40001)), encoding="utf-8")
    dlg = shown(qtbot, InvoiceImportDialog(app, TaskRunner()))
    dlg.path_edit.setFocus()
    qtbot.keyClicks(dlg.path_edit, str(path))
    click(qtbot, dlg.next_button)
    qtbot.waitUntil(lambda: dlg.pages.currentIndex() == 1, timeout=10000)
    click(qtbot, dlg.import_button)
    qtbot.waitUntil(lambda: dlg.running and dlg.progress.isVisible(), timeout=10000)
    click(qtbot, dlg.cancel_button)
    qtbot.waitUntil(lambda: not dlg.running, timeout=30000)
    assert dlg.result_label.text() == "Cancelled: nothing was imported."
    assert documents(ledger) == {}
