"""The policies page: reminder policies and their steps edited in place, JSON export/import, segment assignment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QWidget,
)
from sqlalchemy import select

from collector_app.db.models import Policy, Segment
from collector_app.domain.errors import UserError
from collector_app.services import policies
from collector_app.services.context import Ctx
from collector_app.services.policies import STEP_CHANNELS, Change, StepData
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.policy_step import (
    ACTION_TEXT,
    ANCHOR_TEXT,
    CHANNEL_TEXT,
    PolicyDialog,
    StepDialog,
    attach_text,
    repeat_text,
)
from collector_app.ui.forms import child, load_form
from collector_app.ui.views.templates import open_template_editor
from collector_app.ui.widgets.detail import IdRole, InlineError, fill_table, open_child, selected_id, setup_table
from collector_app.ui.widgets.page import RefreshingPage

JSON_FILTER = "JSON (*.json)"


@dataclass(frozen=True)
class PolicyRow:
    id: int
    name: str
    is_default: bool
    grouped: bool
    steps: tuple[StepData, ...]
    step_ids: tuple[int, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class SegmentRow:
    name: str
    policy: str | None


def read_policies(ctx: Ctx) -> tuple[list[PolicyRow], list[SegmentRow]]:
    rows = [PolicyRow(p.id, p.name, p.is_default, p.group_by_contractor, policies.policy_data(p).steps,
                      tuple(s.id for s in p.steps), p.description)
            for p in policies.list_policies(ctx)]
    segments = [SegmentRow(name, policy) for name, policy in ctx.session.execute(
        select(Segment.name, Policy.name).outerjoin(Policy, Policy.id == Segment.policy_id).order_by(Segment.name))]
    return rows, segments


def _word(texts: dict[str, object], code: str) -> str:
    """A stored code ("ready_for_demand") in the words the step dialog uses ("mark ready for demand")."""
    return QCoreApplication.translate("PolicyStep", str(texts[code])) if code in texts else code


def step_cells(position: int, step: StepData) -> tuple[str, ...]:
    action = "—" if step.action == "none" else _word(ACTION_TEXT, step.action)
    return (str(position), step.name, _word(ANCHOR_TEXT, step.anchor), f"{step.offset_days:+d}",
            _word(CHANNEL_TEXT, step.channel), step.template, attach_text(step.attach_invoice),
            repeat_text(step.repeat_every_days, step.repeat_max), action, "yes" if step.active else "no")


def import_policy(ctx: Ctx, content: str, replace: bool, source: str, how: str) -> tuple[str, str | None]:
    """The same checks and default rule as `policy import`: (the policy's name, the note on its is_default)."""
    done = policies.import_json(ctx, content, replace=replace, source=source)
    return done.policy.name, done.note(how)


class PoliciesView(RefreshingPage):
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
        self.errors = InlineError(child(self.form, QLabel, "errorLabel"), {"policy": (self.table, self.tr("Policy"))})
        self.rows: list[PolicyRow] = []
        self.dialog: QDialog | None = None  # the step or policy dialog open over the page
        setup_table(self.table, [self.tr("Policy"), self.tr("Default"), self.tr("One message per contractor"),
                                 self.tr("Steps"), self.tr("Description")], stretch=4)
        setup_table(self.steps, [self.tr("#"), self.tr("Step"), self.tr("Counted from"), self.tr("Offset (days)"),
                                 self.tr("Channel"), self.tr("Template"), self.tr("Invoice attached"),
                                 self.tr("Repeat"),
                                 self.tr("Action at the end"), self.tr("Active")], stretch=1)
        self.table.currentCellChanged.connect(lambda *_a: self._show_steps())
        self.export_button.clicked.connect(self.export_selected)
        self.import_button.clicked.connect(self.import_file)
        self.assign_button.clicked.connect(self.assign)
        self._setup_editing()

    def _setup_editing(self) -> None:
        f = self.form
        self.new_button = child(f, QPushButton, "newButton")
        self.edit_button = child(f, QPushButton, "editButton")
        self.group_check = child(f, QCheckBox, "groupCheck")
        self.default_button = child(f, QPushButton, "defaultButton")
        self.delete_button = child(f, QPushButton, "deleteButton")
        self.templates_button = child(f, QPushButton, "templatesButton")
        self.add_step_button = child(f, QPushButton, "addStepButton")
        self.edit_step_button = child(f, QPushButton, "editStepButton")
        self.delete_step_button = child(f, QPushButton, "deleteStepButton")
        self.up_button = child(f, QPushButton, "upButton")
        self.down_button = child(f, QPushButton, "downButton")
        self.new_button.clicked.connect(self.new_policy)
        self.edit_button.clicked.connect(self.edit_policy)
        self.group_check.clicked.connect(self.toggle_grouping)
        self.default_button.clicked.connect(self.make_default)
        self.delete_button.clicked.connect(self.delete_policy)
        self.templates_button.clicked.connect(lambda: open_template_editor(self.app, self))
        self.add_step_button.clicked.connect(self.add_step)
        self.edit_step_button.clicked.connect(self.edit_step)
        self.steps.cellDoubleClicked.connect(lambda *_a: self.edit_step())
        self.delete_step_button.clicked.connect(self.delete_step)
        self.up_button.clicked.connect(lambda: self.move_step(-1))
        self.down_button.clicked.connect(lambda: self.move_step(+1))
        self.steps.currentCellChanged.connect(lambda *_a: self._enable_step_buttons())

    def refresh(self, select_name: str | None = None) -> None:
        keep = select_name or (p.name if (p := self.selected()) else None)
        self.rows, segments = self.app.call(read_policies)
        yes = self.tr("yes")
        fill_table(self.table, [(r.id, (r.name, yes if r.is_default else "", yes if r.grouped else "",
                                        str(len(r.steps)), r.description or "")) for r in self.rows],
                   right=frozenset({3}))
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

    def _show_steps(self, select_step: int | None = None) -> None:
        policy = self.selected()
        steps = policy.steps if policy else ()
        ids = policy.step_ids if policy else ()
        self.steps_title.setText(self.tr("Steps of {name}").format(name=policy.name) if policy else "")
        fill_table(self.steps, [(ids[i - 1] if i <= len(ids) else i, step_cells(i, s))
                                for i, s in enumerate(steps, start=1)], right=frozenset({0, 3}))
        if select_step in ids:
            self.steps.selectRow(ids.index(select_step))
        elif steps:
            self.steps.selectRow(0)
        for button in (self.export_button, self.edit_button, self.group_check, self.add_step_button):
            button.setEnabled(policy is not None)
        self.group_check.setChecked(bool(policy and policy.grouped))
        self.default_button.setEnabled(bool(policy and not policy.is_default))
        self.delete_button.setEnabled(bool(policy and not policy.is_default))
        self._enable_step_buttons()

    def _enable_step_buttons(self) -> None:
        row, count = self.steps.currentRow(), self.steps.rowCount()
        for button in (self.edit_step_button, self.delete_step_button):
            button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)

    def selected_step(self) -> tuple[int, StepData] | None:
        policy, step_id = self.selected(), selected_id(self.steps)
        if policy is None or step_id is None or step_id not in policy.step_ids:
            return None
        return step_id, policy.steps[policy.step_ids.index(step_id)]

    # --- editing -------------------------------------------------------------------------------
    def _write(self, write: Callable[[Ctx], Change]) -> Change | None:
        """One service call; a refusal is shown on the page and nothing is kept."""
        self.errors.clear()
        try:
            change = self.app.call(write)
        except UserError as exc:
            self.errors.show(exc)
            return None
        self._after(change)
        return change

    def _after(self, change: Change) -> None:
        self.refresh(select_name=change.policy)
        self._show_steps(change.step_id)

    def new_policy(self) -> None:
        def write(name: str, description: str, grouped: bool) -> None:
            self._after(self.app.call(lambda ctx: policies.new_policy(ctx, name, description,
                                                                      group_by_contractor=grouped)))
        self.dialog = open_child(PolicyDialog(write, parent=self))

    def edit_policy(self) -> None:
        policy = self.selected()
        if policy is None:
            return

        def write(name: str, description: str, grouped: bool) -> None:
            self._after(self.app.call(lambda ctx: policies.set_details(
                ctx, policy.name, new_name=name, description=description, group_by_contractor=grouped)))
        self.dialog = open_child(PolicyDialog(write, name=policy.name, description=policy.description or "",
                                              grouped=policy.grouped, parent=self))

    def toggle_grouping(self, on: bool) -> None:
        policy = self.selected()
        if policy is None:
            return
        self._write(lambda ctx: policies.set_details(ctx, policy.name, new_name=policy.name,
                                                     description=policy.description, group_by_contractor=on))

    def make_default(self) -> None:
        policy = self.selected()
        if policy is not None:
            self._write(lambda ctx: policies.set_default(ctx, policy.name))

    def delete_policy(self) -> None:
        """A policy that cannot be deleted (its outbox history) is refused at once; otherwise confirm, and a
        policy segments or contractors follow is deleted only after choosing where they go."""
        policy = self.selected()
        if policy is None:
            return
        self.errors.clear()
        try:
            used = self.app.call(lambda ctx: policies.usage(ctx, policies.check_deletable(ctx, policy.name)))
        except UserError as exc:
            self.errors.show(exc)
            return
        target: str | None = None
        if used["segments"] or used["contractors"]:
            others = [r.name for r in self.rows if r.id != policy.id]
            text = self.tr("{segments} segment(s) and {contractors} contractor(s) follow \"{name}\". "
                           "Which policy should they follow instead?").format(name=policy.name, **used)
            choice, ok = QInputDialog.getItem(self, self.tr("Delete policy"), text, others, 0, False)
            if not ok:
                return
            target = choice
        else:
            answer = QMessageBox.question(self, self.tr("Delete policy"),
                                          self.tr("Delete the policy \"{name}\" and its steps?").format(
                                              name=policy.name))
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.errors.clear()
        try:
            self.app.call(lambda ctx: policies.delete_policy(ctx, policy.name, reassign_to=target))
        except UserError as exc:
            self.errors.show(exc)
            return
        self.refresh(select_name=target)

    def _templates(self) -> dict[str, list[str]]:
        return self.app.call(lambda ctx: {ch: policies.available_templates(ctx, ch) for ch in STEP_CHANNELS})

    def add_step(self) -> None:
        policy = self.selected()
        if policy is None:
            return
        after = self.steps.currentRow() + 2 if self.steps.currentRow() >= 0 else None

        def write(data: StepData) -> None:
            self._after(self.app.call(lambda ctx: policies.add_step(ctx, policy.name, data, position=after)))
        self.dialog = open_child(StepDialog(self._templates(), write, parent=self))

    def edit_step(self) -> None:
        found = self.selected_step()
        if found is None:
            return
        step_id, step = found

        def write(data: StepData) -> None:
            self._after(self.app.call(lambda ctx: policies.edit_step(ctx, step_id, data)))
        self.dialog = open_child(StepDialog(self._templates(), write, step, parent=self))

    def delete_step(self) -> None:
        found = self.selected_step()
        if found is None:
            return
        step_id, step = found
        if self.app.call(lambda ctx: policies.step_has_history(ctx, step_id)):
            title = self.tr("Switch the step off")
            text = self.tr("The step \"{name}\" has already planned messages, which the outbox keeps as its "
                           "history, so it cannot be deleted. It will be kept, switched off (nothing more is "
                           "planned by it, and its messages not sent yet will not go out) and moved to the end "
                           "of the list. Switch it off?").format(name=step.name)
        else:
            title = self.tr("Delete step")
            text = self.tr("Delete the step \"{name}\"?").format(name=step.name)
        if QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes:
            self._write(lambda ctx: policies.delete_step(ctx, step_id))

    def move_step(self, by: int) -> None:
        found = self.selected_step()
        if found is not None:
            self._write(lambda ctx: policies.move_step(ctx, found[0], by))

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
        replace, how = self.replace.isChecked(), self.tr('press "Make default"')
        try:
            content = Path(name).read_text(encoding="utf-8")
            imported, note = self.app.call(lambda ctx: import_policy(ctx, content, replace, Path(name).name, how))
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
        if note:
            self.errors.show(UserError(None, note))

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
