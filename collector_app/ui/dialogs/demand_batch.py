"""Demand letters in a batch: every contractor overdue more than N days and above an amount, on a worker thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount
from collector_app.services import demands
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.demand_make import DEFAULT_DEADLINE_DAYS, counted, kind_combo
from collector_app.ui.taskrunner import TaskRunner

DEFAULT_MIN_DAYS = 30
CRITERIA_DEBOUNCE_MS = 300
BATCH_KINDS = ("reminder", "demand", "final")  # an interest note is about invoices already paid


class _Progress(QObject):
    """Made on the GUI thread; the worker emits, the GUI thread receives (a queued connection)."""

    step = Signal(int, int, str)  # letters done, letters in all, the contractor just done


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch left: the letters' numbers, the files written, who got none and why."""

    folder: Path
    letters: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    combined: Path | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False


def outcome_of(result: demands.BatchResult, folder: Path) -> BatchOutcome:
    """The batch's result as plain values, read inside its transaction (the letters are ORM rows)."""
    return BatchOutcome(folder, [d.number for d in result.demands], list(result.files), result.combined,
                        list(result.skipped), result.cancelled)


class DemandBatchDialog(QDialog):
    """Criteria → how many contractors that selects → letters made on a worker with a progress bar and
    Cancel → a summary with the folder to open. The GUI thread only paints."""

    made = Signal(object)  # the batch's result, once it has finished or was cancelled

    def __init__(self, app: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner
        self.running = False
        self.cancel_requested = threading.Event()
        self.outcome: BatchOutcome | None = None
        self.candidate_count: int | None = None
        self._generation = 0
        self.progress_signals = _Progress(self)
        self.progress_signals.step.connect(self._progress)
        self.setWindowTitle(self.tr("Demand letters in a batch"))
        self.setMinimumWidth(520)
        self._build()
        self.count_timer = QTimer(self)
        self.count_timer.setSingleShot(True)
        self.count_timer.setInterval(CRITERIA_DEBOUNCE_MS)
        self.count_timer.timeout.connect(self.count_candidates)
        for signal in (self.min_days.valueChanged, self.min_amount.textChanged):
            signal.connect(lambda *_a: self._criteria_changed())
        self.folder.textChanged.connect(lambda _t: self._update_buttons())
        self.count_candidates()

    # --- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.min_days = QSpinBox()
        self.min_days.setRange(1, 3650)
        self.min_days.setValue(DEFAULT_MIN_DAYS)
        self.min_days.setSuffix(self.tr(" days"))
        form.addRow(self.tr("Overdue &more than:"), self.min_days)
        self.min_amount = QLineEdit()
        self.min_amount.setPlaceholderText(self.tr("any amount"))
        self.min_amount.setToolTip(self.tr("Only contractors owing at least this much overdue (in the invoices' "
                                           "currency)"))
        form.addRow(self.tr("Owing at &least:"), self.min_amount)
        self.kind = QComboBox()
        kind_combo(self.kind, kinds=BATCH_KINDS)
        form.addRow(self.tr("&Kind:"), self.kind)
        self.deadline = QSpinBox()
        self.deadline.setRange(1, 90)
        self.deadline.setValue(DEFAULT_DEADLINE_DAYS)
        self.deadline.setSuffix(self.tr(" days"))
        form.addRow(self.tr("&Deadline to pay:"), self.deadline)
        folder_row = QHBoxLayout()
        self.folder = QLineEdit()
        self.folder.setPlaceholderText(self.tr("where the PDF files go"))
        self.browse_button = QPushButton(self.tr("&Browse…"))
        self.browse_button.clicked.connect(self.browse)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse_button)
        folder_label = QLabel(self.tr("&Folder:"))
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, folder_row)
        layout.addLayout(form)
        self.candidates = QLabel("")
        layout.addWidget(self.candidates)
        self.candidate_list = QListWidget()
        self.candidate_list.setToolTip(self.tr("Untick a contractor to leave it out of this batch"))
        self.candidate_list.itemChanged.connect(lambda _item: self._update_buttons())
        layout.addWidget(self.candidate_list, 1)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox()
        self.run_button = self.buttons.addButton(self.tr("&Make letters"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_folder_button = self.buttons.addButton(self.tr("&Open folder"),
                                                         QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_folder_button.setVisible(False)
        self.run_button.clicked.connect(self.start)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        layout.addWidget(self.buttons)

    def browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Folder for the letters"), self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    # --- criteria ------------------------------------------------------------------------------------
    def min_amount_value(self) -> Decimal | None:
        text = self.min_amount.text().strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise UserError("min-amount", f'"{self.min_amount.text()}" is not an amount') from exc
        if value < 0:
            raise UserError("min-amount", "the amount cannot be negative")
        return value

    def _criteria_changed(self) -> None:
        self.candidate_count = None
        self._update_buttons()
        self.count_timer.start()

    def count_candidates(self) -> None:
        """How many contractors (and invoices) the criteria select, counted on a worker."""
        self.count_timer.stop()
        try:
            min_amount = self.min_amount_value()
        except UserError as exc:
            self.candidates.setText(exc.message)
            return
        self._generation += 1
        generation, min_days, app = self._generation, self.min_days.value(), self.app

        def done(found: object) -> None:
            if generation != self._generation or not isinstance(found, list):
                return
            self.candidate_count = len(found)
            contractors = len({c.contractor_id for c in found})
            invoices = sum(len(c.invoices) for c in found)
            self.candidates.setText(self.tr("{0} with {1}: {2}").format(
                counted(contractors, self.tr("{0} contractor"), self.tr("{0} contractors")),
                counted(invoices, self.tr("{0} overdue invoice"), self.tr("{0} overdue invoices")),
                counted(len(found), self.tr("{0} letter"), self.tr("{0} letters")),
            ) if found else self.tr("No contractor meets these criteria."))
            self._list_candidates(found)
            self._update_buttons()

        def failed(exc: Exception) -> None:
            if generation == self._generation:
                self.candidates.setText(exc.message if isinstance(exc, UserError) else str(exc))

        self.candidates.setText(self.tr("Counting…"))
        self.runner.run(lambda: app.call(lambda ctx: demands.batch_candidates(ctx, min_days=min_days,
                                                                               min_amount=min_amount)), done, failed)

    def _list_candidates(self, found: list[demands.BatchCandidate]) -> None:
        """One ticked line per contractor: what it owes per currency, how many invoices, the oldest delay."""
        by_contractor: dict[int, list[demands.BatchCandidate]] = {}
        for candidate in found:
            by_contractor.setdefault(candidate.contractor_id, []).append(candidate)
        self.candidate_list.blockSignals(True)
        self.candidate_list.clear()
        for contractor_id, owed in by_contractor.items():
            amounts = ", ".join(f"{format_amount(c.outstanding)} {c.currency}" for c in owed)
            invoices = counted(sum(len(c.invoices) for c in owed), self.tr("{0} invoice"), self.tr("{0} invoices"))
            item = QListWidgetItem(self.tr("{name} — {amounts}, {invoices}, up to {days} days overdue").format(
                name=owed[0].contractor, amounts=amounts, invoices=invoices, days=max(c.max_days for c in owed)))
            item.setData(Qt.ItemDataRole.UserRole, contractor_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.candidate_list.addItem(item)
        self.candidate_list.blockSignals(False)

    def chosen_contractors(self) -> list[int]:
        items = (self.candidate_list.item(i) for i in range(self.candidate_list.count()))
        return [int(item.data(Qt.ItemDataRole.UserRole)) for item in items
                if item is not None and item.checkState() == Qt.CheckState.Checked]

    def _update_buttons(self) -> None:
        ready = bool(self.candidate_count) and bool(self.chosen_contractors()) and bool(self.folder.text().strip())
        self.run_button.setEnabled(ready and not self.running)
        for widget in (self.min_days, self.min_amount, self.kind, self.deadline, self.folder, self.browse_button,
                       self.candidate_list):
            widget.setEnabled(not self.running)

    # --- the run ---------------------------------------------------------------------------------------
    def start(self) -> None:
        try:
            min_amount = self.min_amount_value()
        except UserError as exc:
            self.status.setText(exc.message)
            return
        folder = Path(self.folder.text().strip()).expanduser()
        min_days, kind, deadline, app = self.min_days.value(), self.kind.currentData(), self.deadline.value(), self.app
        chosen = self.chosen_contractors()
        signals, cancel = self.progress_signals, self.cancel_requested
        cancel.clear()

        def progress(done: int, total: int, contractor: str) -> bool:
            signals.step.emit(done, total, contractor)
            return not cancel.is_set()  # False: the letters made so far stay, the rest is not made

        def work() -> BatchOutcome:
            with app.transaction() as ctx:  # the files are written before the letters are committed
                result = demands.make_batch(ctx, min_days=min_days, min_amount=min_amount, kind=kind,
                                            deadline_days=deadline, contractor_ids=chosen, out_dir=folder,
                                            progress=progress)
                return outcome_of(result, folder)

        self.running = True
        self.progress.setRange(0, 0)  # busy until the first letter reports the total
        self.progress.setVisible(True)
        self.status.setText(self.tr("Making the letters…"))
        self._update_buttons()
        self.runner.run(work, self._finished, self._failed)

    def _progress(self, done: int, total: int, contractor: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if not self.cancel_requested.is_set():
            self.status.setText(self.tr("{0} of {1}: {2}").format(done, total, contractor))

    def cancel_or_close(self) -> None:
        if self.running:
            self.cancel_requested.set()
            self.status.setText(self.tr("Stopping after the letter in hand…"))
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    def _finished(self, outcome: object) -> None:
        assert isinstance(outcome, BatchOutcome)
        self.running = False
        self.outcome = outcome
        self.progress.setVisible(False)
        self.status.setText(self.summary_text(outcome))
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Close"))
        self.open_folder_button.setVisible(bool(outcome.files))
        self.candidate_count = None  # the same criteria again would issue the letters twice: change them first
        self._update_buttons()
        self.made.emit(outcome)

    def _failed(self, exc: Exception) -> None:
        self.running = False
        self.progress.setVisible(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(self.tr("The batch stopped, no letter was issued: {0}").format(
            exc.message if isinstance(exc, UserError) else str(exc)))
        self._update_buttons()

    def summary_text(self, outcome: BatchOutcome) -> str:
        lines = [self.tr("{0} made, saved in {1}").format(
            counted(len(outcome.letters), self.tr("{0} letter"), self.tr("{0} letters")), outcome.folder)]
        if outcome.cancelled:
            lines.insert(0, self.tr("Cancelled: the letters made before stay issued, the rest were not made."))
        if outcome.letters:
            lines.append(self.tr("Numbers {0} to {1}").format(outcome.letters[0], outcome.letters[-1]))
        if outcome.combined is not None:
            lines.append(self.tr("All letters in one file for printing: {0}").format(outcome.combined.name))
        for contractor, reason in outcome.skipped:
            lines.append(self.tr("No letter for {0}: {1}").format(contractor, reason))
        return "\n".join(lines)

    def open_folder(self) -> None:
        if self.outcome is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.outcome.folder)))

    def reject(self) -> None:
        if self.running:  # Esc or the window's close button while letters are being made: cancel first
            self.cancel_or_close()
            return
        super().reject()
