"""The policies page: the reminder policies and their steps, JSON export/import, and which segment follows which."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QWidget,
)
from sqlalchemy import select

from collector_app.db.models import Policy, Segment
from collector_app.domain.errors import UserError
from collector_app.services import policies
from collector_app.services.context import Ctx
from collector_app.services.policies import StepData
from collector_app.ui.context import AppContext
from collector_app.ui.forms import child, load_form
from collector_app.ui.widgets.detail import IdRole, InlineError, fill_table, setup_table

JSON_FILTER = "JSON (*.json)"


@dataclass(frozen=True)
class PolicyRow:
    id: int
    name: str
    is_default: bool
    grouped: bool
    steps: tuple[StepData, ...]


@dataclass(frozen=True)
class SegmentRow:
    name: str
    policy: str | None


def read_policies(ctx: Ctx) -> tuple[list[PolicyRow], list[SegmentRow]]:
    rows = [PolicyRow(p.id, p.name, p.is_default, p.group_by_contractor, policies.policy_data(p).steps)
            for p in policies.list_policies(ctx)]
    segments = [SegmentRow(name, policy) for name, policy in ctx.session.execute(
        select(Segment.name, Policy.name).outerjoin(Policy, Policy.id == Segment.policy_id).order_by(Segment.name))]
    return rows, segments


def _repeat(step: StepData) -> str:
    if not step.repeat_every_days:
        return "—"
    limit = f", max {step.repeat_max}" if step.repeat_max else ""
    return f"every {step.repeat_every_days} d{limit}"


def step_cells(position: int, step: StepData) -> tuple[str, ...]:
    return (str(position), step.name, step.anchor, f"{step.offset_days:+d}", step.channel, step.template,
            _repeat(step), step.action, "yes" if step.active else "no")


class PoliciesView(QWidget):
    """Reads the policies when shown; every write goes through services.policies in one transaction."""

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.form = load_form("policies", self)
        self.table = child(self.form, QTableWidget, "policies")
        self.steps = child(self.form, QTableWidget, "steps")
        self.steps_title = child(self.form, QLabel, "stepsTitle")
        self.export_button = child(self.form, QPushButton, "exportButton")
        self.import_button = child(self.form, QPushButton, "importButton")
        self.replace = child(self.form, QCheckBox, "replaceCheck")
        self.segment = child(self.form, QComboBox, "segment")
        self.assign_button = child(self.form, QPushButton, "assignButton")
        self.errors = InlineError(child(self.form, QLabel, "errorLabel"))
        self.rows: list[PolicyRow] = []
        setup_table(self.table, [self.tr("Policy"), self.tr("Default"), self.tr("One message per contractor"),
                                 self.tr("Steps")], stretch=0)
        setup_table(self.steps, [self.tr("#"), self.tr("Step"), self.tr("Anchor"), self.tr("Offset (days)"),
                                 self.tr("Channel"), self.tr("Template"), self.tr("Repeat"),
                                 self.tr("Action at the end"), self.tr("Active")], stretch=1)
        self.table.currentCellChanged.connect(lambda *_a: self._show_steps())
        self.export_button.clicked.connect(self.export_selected)
        self.import_button.clicked.connect(self.import_file)
        self.assign_button.clicked.connect(self.assign)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.refresh()

    def refresh(self, select_name: str | None = None) -> None:
        keep = select_name or (p.name if (p := self.selected()) else None)
        self.rows, segments = self.app.call(read_policies)
        yes = self.tr("yes")
        fill_table(self.table, [(r.id, (r.name, yes if r.is_default else "", yes if r.grouped else "",
                                        str(len(r.steps)))) for r in self.rows], right=frozenset({3}))
        names = [r.name for r in self.rows]
        self.table.selectRow(names.index(keep) if keep in names else 0)
        self._fill_segments(segments)
        self._show_steps()

    def _fill_segments(self, segments: list[SegmentRow]) -> None:
        current = self.segment.currentData()
        self.segment.clear()
        for s in segments:
            follows = s.policy or self.tr("default policy")
            self.segment.addItem(f"{s.name} — {follows}", s.name)
        if not segments:
            self.segment.addItem(self.tr("(no segments yet)"), None)
        self.segment.setCurrentIndex(max(0, self.segment.findData(current)))
        self.assign_button.setEnabled(bool(segments))

    def selected(self) -> PolicyRow | None:
        item = self.table.item(self.table.currentRow(), 0)
        if item is None:
            return None
        policy_id = item.data(IdRole)
        return next((r for r in self.rows if r.id == policy_id), None)

    def _show_steps(self) -> None:
        policy = self.selected()
        steps = policy.steps if policy else ()
        self.steps_title.setText(self.tr("Steps of {name}").format(name=policy.name) if policy else "")
        fill_table(self.steps, [(i, step_cells(i, s)) for i, s in enumerate(steps, start=1)],
                   right=frozenset({0, 3}))
        self.export_button.setEnabled(policy is not None)

    # --- JSON --------------------------------------------------------------------------------
    def export_selected(self) -> None:
        policy = self.selected()
        if policy is None:
            return
        suggested = str(Path.home() / f"{policy.name.lower().replace(' ', '-')}.policy.json")
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Export policy"), suggested, JSON_FILTER)
        if not name:
            return
        self.errors.clear()
        try:
            content = self.app.call(lambda ctx: policies.export_json(ctx, policy.name))
            Path(name).write_text(content, encoding="utf-8")
        except UserError as exc:
            self.errors.show(exc)
        except OSError as exc:
            self.errors.show(UserError(None, f"{name}: {exc.strerror or exc}"))

    def import_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Import policy"), str(Path.home()), JSON_FILTER)
        if not name:
            return
        self.errors.clear()
        replace = self.replace.isChecked()
        try:
            content = Path(name).read_text(encoding="utf-8")
            imported = self.app.call(lambda ctx: policies.import_json(ctx, content, replace=replace,
                                                                      source=Path(name).name).name)
        except UserError as exc:
            if "--replace" in exc.message:
                exc = UserError(exc.field, exc.message.replace("use --replace", self.tr(
                    'tick "Replace a policy of the same name"')))
            self.errors.show(exc)
            return
        except (OSError, UnicodeDecodeError) as exc:
            self.errors.show(UserError(None, f"{name}: {exc}"))
            return
        self.refresh(select_name=imported)

    # --- segments ------------------------------------------------------------------------------
    def assign(self) -> None:
        policy, segment = self.selected(), self.segment.currentData()
        if policy is None or not isinstance(segment, str):
            return
        self.errors.clear()
        try:
            self.app.call(lambda ctx: policies.assign_to_segment(ctx, segment, policy.name))
        except UserError as exc:
            self.errors.show(exc)
            return
        self.refresh()
