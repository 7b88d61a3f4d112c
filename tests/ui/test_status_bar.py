"""The main window's status bar and size: totals always readable beside a long path and the run's summary;
a window that fits a 1024-pixel-wide screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.invoice_imports import make_firm
from helpers.ledger import contractor, invoice
from helpers.register_ledger import DOCUMENTS, seed_register
from pytestqt.qtbot import QtBot

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.ui.context import AppContext
from collector_app.ui.main_window import MainWindow
from collector_app.ui.widgets.status_bar import MORE, SEPARATOR

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints", "does not support raise"),
]
RUN_SUMMARY = "Reminders 10:00: 2 failed · 1 uncertain · 75 sent · 14 waiting"
RUN_DETAILS = ("Reminders: last run 10:00\n75 messages sent, covering 80 outbox rows\n2 failed: see the Outbox page\n"
               "1 uncertain (in flight when sending stopped): resend or mark sent on the Outbox page\n"
               "14 wait for business hours (next opening 2026-03-17 08:00)")


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    """As deep as the tester's /tmp/pytest-of-root/…/demo.db, and deeper."""
    folder = tmp_path / "pytest-of-somebody" / "pytest-686" / "test_add_contractor0" / "ledgers" / "firma-demo-2026"
    folder.mkdir(parents=True)
    return folder / "ledger.db"


@pytest.fixture
def window(qtbot: QtBot, app: AppContext, ledger: Ledger, clock: FixedClock) -> Iterator[MainWindow]:
    make_firm(ledger, clock)  # a Polish firm: PLN is its own currency
    seed_register(ledger, clock)
    with app.transaction() as ctx:  # a third currency with big amounts: the line is longer than the bar
        kral = contractor(ctx, "Král a syn a.s.", None, country="CZ")
        invoice(ctx, kral, "2025-0008", "11252274.57", clock.today() - dt.timedelta(days=40), currency="CZK")
    win = MainWindow(app)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: "documents" in win.totals_label.text())
    yield win
    win.close()


def show_run_summary(qtbot: QtBot, window: MainWindow, width: int) -> None:
    """As with background sending on: the run's summary sits in the bar too."""
    window.dispatch_label.show()
    window.show_dispatch_status(RUN_SUMMARY, RUN_DETAILS)
    window.resize(width, 800)
    qtbot.wait(50)  # the bar re-fits after its layout has run


def entries(window: MainWindow) -> list[str]:
    return window.totals_label.full.split(SEPARATOR)


def test_the_totals_come_first_then_the_run_and_the_path_gives_way_in_its_middle(
    qtbot: QtBot, window: MainWindow, ledger_path: Path
) -> None:
    """The path is in the window's title too: it gives way to the run's counts, cut in its middle, or whole."""
    show_run_summary(qtbot, window, 1280)
    assert [e[:4] for e in entries(window)[1:]] == ["PLN:", "CZK:", "EUR:"]
    qtbot.waitUntil(lambda: window.totals_label.text() == window.totals_label.full)
    qtbot.waitUntil(lambda: window.dispatch_label.text() == RUN_SUMMARY)
    assert window.dispatch_label.toolTip() == RUN_DETAILS
    path = window.ledger_path_label
    assert path.toolTip() == str(ledger_path) and path.text() != str(ledger_path)
    window.resize(1600, 800)
    qtbot.waitUntil(lambda: path.text().endswith("ledger.db"))
    head, _, tail = path.text().partition("…")
    assert str(ledger_path).startswith(head) and str(ledger_path).endswith(tail) and tail.endswith("ledger.db")
    assert window.dispatch_label.text() == RUN_SUMMARY and window.totals_label.text() == window.totals_label.full


def test_a_narrow_window_leaves_out_whole_currencies_never_digits(qtbot: QtBot, window: MainWindow) -> None:
    show_run_summary(qtbot, window, window.minimumSizeHint().width())
    # the bar settles after its layout passes (on a busy machine one may show the count alone for a moment)
    qtbot.waitUntil(lambda: window.totals_label.text().endswith(MORE) and "PLN: gross" in window.totals_label.text())
    shown = window.totals_label.text().removesuffix(SEPARATOR + MORE).split(SEPARATOR)
    assert shown[0] == f"{DOCUMENTS + 2} documents"  # and the credit note, and the Czech invoice
    assert shown[1].startswith("PLN: gross "), "the firm's own currency is the last to give way"
    assert shown == entries(window)[:len(shown)], "every amount shown is shown whole"
    tip = window.totals_label.toolTip()
    assert tip.splitlines() == entries(window)
    assert any(line.startswith("CZK: gross 11252274.57, balance 11252274.57") for line in tip.splitlines())


def test_one_document_is_counted_in_the_singular(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.invoices.search, "2025-0008")
    qtbot.waitUntil(lambda: window.totals_label.text() == "1 document · CZK: gross 11252274.57, balance 11252274.57")


def test_the_window_fits_a_1024_pixel_wide_screen(qtbot: QtBot, window: MainWindow) -> None:
    show_run_summary(qtbot, window, 1280)
    for name in window.page_names:
        window.show_page(name)
        window.resize(800, 600)  # as small as the window lets itself be
        qtbot.wait(20)
        assert window.width() <= 1024, f"the {name} page holds the window at {window.width()} px"
    window.show_page("demands")
    assert window.demands.new_button.isVisible() and window.demands.batch_button.isVisible()
