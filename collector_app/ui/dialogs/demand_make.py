"""Making a demand letter for one invoice or for contractors' overdue invoices: kind, deadline, then open or print."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from collector_app.db.models import Contractor, Invoice
from collector_app.domain.errors import UserError
from collector_app.services import demands
from collector_app.services.context import Ctx
from collector_app.ui.context import AppContext
from collector_app.ui.models.demand_table import KIND_LABELS
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.pdf_print import open_pdf, preview_dialog

DEFAULT_DEADLINE_DAYS = 7


def counted(n: int, one: str, many: str, more: str = "") -> str:
    """ "1 letter", "3 letters", "200+ letters" (`one` and `many` are already translated, with {0} and {1})."""
    return (one if n == 1 and not more else many).format(n, more)


def kind_combo(combo: QComboBox, default: str = "demand", kinds: Sequence[str] = tuple(KIND_LABELS)) -> None:
    for kind in kinds:
        combo.addItem(combo.tr(KIND_LABELS[kind]), kind)
    combo.setCurrentIndex(combo.findData(default))


@dataclass
class Outcome:
    made: list[tuple[int, str]] = field(default_factory=list)  # (id, number) of each letter made
    refused: list[str] = field(default_factory=list)  # why a contractor got no letter


class DemandMakeDialog(QDialog):
    """For an invoice: that invoice alone or all its contractor's overdue invoices; for contractors: one
    letter each. The letters are made on a worker; then the first can be opened or previewed."""

    made = Signal(object)  # list[int]: the new letters' ids

    def __init__(self, app: AppContext, runner: TaskRunner | None = None, *, invoice_id: int | None = None,
                 contractor_ids: Sequence[int] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if invoice_id is None and not contractor_ids:
            raise ValueError("a letter needs an invoice or a contractor")
        self.app = app
        self.runner = runner or TaskRunner(self)  # detail windows have no runner of their own
        self.invoice_id = invoice_id
        self.contractor_ids = list(dict.fromkeys(contractor_ids))
        self.made_ids: list[int] = []
        self.made_letters: list[tuple[int, str]] = []
        self.preview: QDialog | None = None
        self.setWindowTitle(self.tr("Demand letter"))
        self._build()

    # --- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.target = QLabel(self._target_text())
        self.target.setWordWrap(True)
        form.addRow(self.tr("For:"), self.target)
        self.only_invoice = QRadioButton(self.tr("This invoice only"))
        self.all_overdue = QRadioButton(self.tr("All overdue invoices of the contractor"))
        if self.invoice_id is not None:
            self.only_invoice.setChecked(True)
            form.addRow(self.tr("Invoices:"), self.only_invoice)
            form.addRow("", self.all_overdue)
        self.kind = QComboBox()
        kind_combo(self.kind)
        form.addRow(self.tr("&Kind:"), self.kind)
        self.deadline = QSpinBox()
        self.deadline.setRange(1, 90)
        self.deadline.setValue(DEFAULT_DEADLINE_DAYS)
        self.deadline.setSuffix(self.tr(" days"))
        self.deadline.setToolTip(self.tr("The debtor is asked to pay within this many days of the letter's date"))
        form.addRow(self.tr("&Deadline to pay:"), self.deadline)
        layout.addLayout(form)
        layout.addWidget(self._status_area(), 1)
        self.buttons = QDialogButtonBox()
        self.make_button = self.buttons.addButton(self.tr("&Make letter"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button = self.buttons.addButton(self.tr("&Open PDF"), QDialogButtonBox.ButtonRole.ActionRole)
        self.preview_button = self.buttons.addButton(self.tr("&Print preview…"),
                                                     QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        for button in (self.open_button, self.preview_button):
            button.setEnabled(False)
        self.make_button.setDefault(True)
        self.buttons.rejected.connect(self.reject)
        self.make_button.clicked.connect(self.make)
        self.open_button.clicked.connect(self.open_letter)
        self.preview_button.clicked.connect(self.preview_letter)
        layout.addWidget(self.buttons)

    def _status_area(self) -> QScrollArea:
        """The outcome, wrapped: a long refusal grows the dialog (up to the screen), then scrolls; the
        fields above keep their size."""
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # commands to copy
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        area = QScrollArea()
        area.setWidget(self.status)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)  # `say` sizes it
        area.setMinimumHeight(self.status.fontMetrics().lineSpacing() + 4)  # one line is always there
        self.status_area = area
        return area

    def say(self, text: str) -> None:
        """Show `text` under the fields, the dialog taller if it needs more lines than there is room for."""
        self.status.setText(text)
        viewport = self.status_area.viewport()
        missing = self.status.heightForWidth(viewport.width()) - viewport.height()
        screen = self.screen().availableGeometry().height() if self.screen() is not None else self.height()
        if missing > 0 and self.isVisible():
            self.resize(self.width(), min(self.height() + missing, max(screen * 9 // 10, self.height())))

    def _target_text(self) -> str:
        invoice_id, contractor_ids = self.invoice_id, self.contractor_ids

        def describe(ctx: Ctx) -> str:
            if invoice_id is not None:
                inv = ctx.session.get(Invoice, invoice_id)
                if inv is None:
                    raise UserError("invoice", f"invoice {invoice_id} no longer exists")
                return f"{inv.number} — {inv.contractor.name}"
            names = [c.name for cid in contractor_ids if (c := ctx.session.get(Contractor, cid)) is not None]
            if len(names) == 1:
                return self.tr("All overdue invoices of {0}").format(names[0])
            return self.tr("{0} contractors, one letter each: {1}").format(len(names), ", ".join(names))

        return self.app.call(describe)

    # --- making ----------------------------------------------------------------------------------
    def requests(self) -> list[tuple[str | None, int | None]]:
        """(invoice number, contractor id) for each letter to make."""
        if self.invoice_id is not None:
            invoice_id = self.invoice_id
            number, contractor_id = self.app.call(lambda ctx: _number_and_contractor(ctx, invoice_id))
            return [(None, contractor_id)] if self.all_overdue.isChecked() else [(number, None)]
        return [(None, cid) for cid in self.contractor_ids]

    def make(self) -> None:
        kind: str = self.kind.currentData()
        days = self.deadline.value()
        requests = self.requests()
        app = self.app

        def work() -> Outcome:
            outcome = Outcome()
            for number, contractor_id in requests:
                try:
                    with app.transaction() as ctx:  # one contractor = one transaction: a refusal keeps the others
                        letters = demands.make_demands(ctx, kind=kind, invoice=number, contractor_id=contractor_id,
                                                       deadline_days=days)
                        outcome.made += [(letter.id, letter.number) for letter in letters]
                except UserError as exc:
                    if len(requests) == 1:
                        raise
                    outcome.refused.append(exc.message)
            return outcome

        self.make_button.setEnabled(False)
        self.say(self.tr("Making the letter…"))
        self.runner.run(work, self._made, self._failed)

    def _made(self, outcome: object) -> None:
        assert isinstance(outcome, Outcome)
        self.made_letters = outcome.made
        self.made_ids = [letter_id for letter_id, _number in outcome.made]
        text = self.tr("Made: {0}").format(", ".join(number for _id, number in outcome.made)) if outcome.made \
            else self.tr("No letter made.")
        if outcome.refused:
            text += "\n" + self.tr("Not made: {0}").format("; ".join(outcome.refused))
        self.say(text)
        self.open_button.setEnabled(bool(self.made_ids))
        self.preview_button.setEnabled(bool(self.made_ids))
        self.make_button.setEnabled(False)
        self.close_button.setDefault(True)
        self.made.emit(self.made_ids)

    def _failed(self, exc: Exception) -> None:
        self.make_button.setEnabled(True)
        message = exc.message if isinstance(exc, UserError) else str(exc)
        self.say(self.tr("No letter made: {0}").format(message))

    # --- the letter made ---------------------------------------------------------------------------
    def _first_pdf(self) -> tuple[str, bytes]:
        first, number = self.made_letters[0]
        return number, self.app.call(lambda ctx: demands.demand_pdf(ctx, first))

    def open_letter(self) -> None:
        if self.made_ids:
            number, pdf = self._first_pdf()
            open_pdf(pdf, number)

    def preview_letter(self) -> None:
        if self.made_ids:
            number, pdf = self._first_pdf()
            self.preview = preview_dialog(pdf, number, self)
            self.preview.open()


def _number_and_contractor(ctx: Ctx, invoice_id: int) -> tuple[str, int]:
    inv = ctx.session.get(Invoice, invoice_id)
    if inv is None:
        raise UserError("invoice", f"invoice {invoice_id} no longer exists")
    return inv.number, inv.contractor_id
