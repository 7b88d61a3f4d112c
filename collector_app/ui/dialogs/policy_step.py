"""Dialogs of the Policies page: one step of a policy, and a policy's name, description and grouping."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from collector_app.db.models import POLICY_ACTIONS, POLICY_ANCHORS
from collector_app.domain.errors import UserError
from collector_app.services.policies import MAX_OFFSET, MAX_REPEATS, STEP_CHANNELS, StepData
from collector_app.ui.widgets.detail import InlineError, no_default_button


def _tr(text: object) -> str:
    return QCoreApplication.translate("PolicyStep", str(text))


_N = QT_TRANSLATE_NOOP  # marked for Qt Linguist, translated by _tr when shown
ANCHOR_TEXT = {"issue": _N("PolicyStep", "issue date"), "due": _N("PolicyStep", "due date"),
               "promise": _N("PolicyStep", "promised date"), "paid": _N("PolicyStep", "payment (thank-you)")}
CHANNEL_TEXT = {"email": _N("PolicyStep", "e-mail"), "sms": _N("PolicyStep", "SMS"),
                "letter": _N("PolicyStep", "letter")}
ACTION_TEXT = {"none": _N("PolicyStep", "nothing"), "task": _N("PolicyStep", "a task for the collector"),
               "ready_for_demand": _N("PolicyStep", "mark ready for demand"),
               "handed_over": _N("PolicyStep", "mark handed to the agency")}


def days_text(n: int) -> str:
    return _tr("{n} day").format(n=n) if n == 1 else _tr("{n} days").format(n=n)


def more_times_text(n: int) -> str:
    return _tr("up to {n} more time").format(n=n) if n == 1 else _tr("up to {n} more times").format(n=n)


def repeat_text(every_days: int | None, repeat_max: int | None) -> str:
    """A step's repeat in the dialog's words: "every 7 days, up to 2 more times" ("—": it does not repeat)."""
    if not every_days:
        return "—"
    every = _tr("every {days}").format(days=days_text(every_days))
    return f"{every}, {more_times_text(repeat_max)}" if repeat_max else every


def attach_text(attach_invoice: bool) -> str:
    return _tr("yes") if attach_invoice else "—"


class StepDialog(QDialog):
    """Every field of a step; OK hands the StepData to `write`, which may refuse (shown beside the field)."""

    def __init__(self, templates: dict[str, list[str]], write: Callable[[StepData], object],
                 step: StepData | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.templates = templates
        self.write = write
        self.setWindowTitle(self.tr("Edit step") if step else self.tr("New step"))
        self._build()
        self._fill(step or StepData("", "due", 0, "email", ""))
        no_default_button(self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setDefault(True)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.name = QLineEdit()
        self.anchor = QComboBox()
        for code in POLICY_ANCHORS:
            self.anchor.addItem(_tr(ANCHOR_TEXT[code]), code)
        self.offset = QSpinBox()
        self.offset.setRange(-MAX_OFFSET, MAX_OFFSET)
        self.offset.setSuffix(self.tr(" days"))
        self.offset.setToolTip(self.tr("Days after the anchor date; negative: before it"))
        self.channel = QComboBox()
        for code in STEP_CHANNELS:
            self.channel.addItem(_tr(CHANNEL_TEXT[code]), code)
        self.template = QComboBox()
        self.attach = QCheckBox(self.tr("Attach a copy of the invoice (PDF)"))
        self.repeat = QCheckBox(self.tr("Repeat every"))
        self.every = QSpinBox()
        self.every.setRange(1, MAX_OFFSET)
        self.times = QSpinBox()
        self.times.setRange(1, MAX_REPEATS)
        self.times.setToolTip(self.tr("After the first message; the step sends at most this many plus one"))
        repeat_row = QHBoxLayout()
        for w in (self.repeat, self.every, self.times):
            repeat_row.addWidget(w)
        repeat_row.addStretch(1)
        self.action = QComboBox()
        for code in POLICY_ACTIONS:
            self.action.addItem(_tr(ACTION_TEXT[code]), code)
        self.active = QCheckBox(self.tr("Active (planned for invoices)"))
        form.addRow(self.tr("&Name:"), self.name)
        form.addRow(self.tr("&Anchor:"), self.anchor)
        form.addRow(self.tr("&Offset:"), self.offset)
        form.addRow(self.tr("&Channel:"), self.channel)
        form.addRow(self.tr("&Template:"), self.template)
        form.addRow("", self.attach)
        form.addRow(self.tr("Repeat:"), repeat_row)
        form.addRow(self.tr("Action at the end:"), self.action)
        form.addRow("", self.active)
        self.error_label = QLabel()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        layout.addWidget(self.buttons)
        self.errors = InlineError(self.error_label, {
            f"step.{key}": (widget, label) for key, widget, label in (
                ("name", self.name, self.tr("Name")), ("anchor", self.anchor, self.tr("Anchor")),
                ("offset_days", self.offset, self.tr("Offset")), ("channel", self.channel, self.tr("Channel")),
                ("template", self.template, self.tr("Template")),
                ("attach_invoice", self.attach, self.tr("Attach")),
                ("repeat_every_days", self.every, self.tr("Repeat every")),
                ("repeat_max", self.times, self.tr("Repeat at most")),
                ("action", self.action, self.tr("Action")), ("active", self.active, self.tr("Active")))
        })
        self.channel.currentIndexChanged.connect(lambda _i: self._channel_changed())
        self.repeat.toggled.connect(lambda _on: self._repeat_changed())
        self.every.valueChanged.connect(lambda _n: self._repeat_words())
        self.times.valueChanged.connect(lambda _n: self._repeat_words())
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def _fill(self, step: StepData) -> None:
        self.name.setText(step.name)
        self.anchor.setCurrentIndex(max(0, self.anchor.findData(step.anchor)))
        self.offset.setValue(step.offset_days)
        self.channel.setCurrentIndex(max(0, self.channel.findData(step.channel)))
        self._channel_changed()
        found = self.template.findData(step.template)
        if found < 0 and step.template:  # kept visible, so saving names the problem instead of changing it
            self.template.addItem(self.tr("{name} (not available)").format(name=step.template), step.template)
            found = self.template.count() - 1
        self.template.setCurrentIndex(max(0, found))
        self.attach.setChecked(step.attach_invoice)
        self.repeat.setChecked(step.repeat_every_days is not None)
        self.every.setValue(step.repeat_every_days or 7)
        self.times.setValue(step.repeat_max or 1)
        self._repeat_changed()
        self.action.setCurrentIndex(max(0, self.action.findData(step.action)))
        self.active.setChecked(step.active)

    def _channel_changed(self) -> None:
        channel = str(self.channel.currentData())
        keep = self.template.currentData()
        self.template.clear()
        for name in self.templates.get(channel, []):
            self.template.addItem(name, name)
        self.template.setCurrentIndex(max(0, self.template.findData(keep)))
        self.attach.setEnabled(channel == "email")
        if channel != "email":
            self.attach.setChecked(False)

    def _repeat_changed(self) -> None:
        self.every.setEnabled(self.repeat.isChecked())
        self.times.setEnabled(self.repeat.isChecked())
        self._repeat_words()

    def _repeat_words(self) -> None:
        """The spin boxes read as the steps table says it: "every [7 days] [up to 2 more times]"."""
        every, times = self.every.value(), self.times.value()
        self.every.setSuffix(days_text(every).removeprefix(str(every)))
        more = more_times_text(times)
        at = more.index(str(times))
        self.times.setPrefix(more[:at])
        self.times.setSuffix(more[at + len(str(times)):])

    def step_data(self) -> StepData:
        repeat = self.repeat.isChecked()
        return StepData(
            name=self.name.text(), anchor=str(self.anchor.currentData()), offset_days=self.offset.value(),
            channel=str(self.channel.currentData()), template=str(self.template.currentData() or ""),
            attach_invoice=self.attach.isChecked(), repeat_every_days=self.every.value() if repeat else None,
            repeat_max=self.times.value() if repeat else None, action=str(self.action.currentData()),
            active=self.active.isChecked(),
        )

    def save(self) -> None:
        self.errors.clear()
        try:
            self.write(self.step_data())
        except UserError as exc:
            self.errors.show(exc)
            return
        self.accept()


class PolicyDialog(QDialog):
    """A new policy, or the name, description and grouping of one; OK hands them to `write`."""

    def __init__(self, write: Callable[[str, str, bool], object], *, name: str = "", description: str = "",
                 grouped: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.write = write
        self.setWindowTitle(self.tr("Policy") if name else self.tr("New policy"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.name = QLineEdit(name)
        self.description = QPlainTextEdit(description)
        self.description.setFixedHeight(80)
        self.grouped = QCheckBox(self.tr("One message per contractor listing all its due invoices"))
        self.grouped.setChecked(grouped)
        form.addRow(self.tr("&Name:"), self.name)
        form.addRow(self.tr("&Description:"), self.description)
        form.addRow("", self.grouped)
        self.error_label = QLabel()
        layout.addWidget(self.error_label)
        self.errors = InlineError(self.error_label, {"name": (self.name, self.tr("Name"))})
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        layout.addWidget(self.buttons)
        no_default_button(self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def save(self) -> None:
        self.errors.clear()
        try:
            self.write(self.name.text(), self.description.toPlainText(), self.grouped.isChecked())
        except UserError as exc:
            self.errors.show(exc)
            return
        self.accept()
