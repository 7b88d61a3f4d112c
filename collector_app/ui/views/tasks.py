"""The tasks page: what a collector has to do today (or all open tasks), overdue ones in red."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QToolButton,
    QWidget,
)

from collector_app.domain.errors import UserError
from collector_app.services.activity import TaskRow, complete_task
from collector_app.services.tasks_view import task_counts
from collector_app.ui.context import AppContext
from collector_app.ui.forms import child, load_form
from collector_app.ui.models.task_table import COL_ASSIGNEE, COL_DUE, COL_INVOICE, TaskTableModel
from collector_app.ui.widgets.page import RefreshingPage
from collector_app.ui.widgets.register import setup_register_table
from collector_app.ui.widgets.row_open import on_record_open

COLUMN_WIDTHS = {COL_DUE: 130, COL_ASSIGNEE: 120, COL_INVOICE: 170}


class TaskListView(RefreshingPage):
    """Reads the open tasks from the database each time it is shown or told something changed."""

    open_invoice = Signal(int)
    changed = Signal(object)  # Changes: a task was marked done

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.form = load_form("tasks", self)
        self.table = child(self.form, QTableView, "table")
        self.due_today = child(self.form, QToolButton, "dueToday")
        self.all_open = child(self.form, QToolButton, "allOpen")
        self.done_button = child(self.form, QPushButton, "doneButton")
        self.summary = child(self.form, QLabel, "summary")
        self.model = TaskTableModel(app)
        self._setup()  # the rows are read each time the page is shown

    def _setup(self) -> None:
        setup_register_table(self.table, self.model, COLUMN_WIDTHS)
        on_record_open(self.table, self.model, lambda r: r.invoice_id, self.open_invoice.emit)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        group = QButtonGroup(self)
        group.setExclusive(True)
        group.addButton(self.due_today)
        group.addButton(self.all_open)
        group.buttonClicked.connect(lambda _b: self.refresh())
        self.done_button.clicked.connect(self.mark_done)
        shortcut = QShortcut(QKeySequence(self.tr("Ctrl+D")), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.mark_done)

    def refresh(self) -> None:
        keep = self.selected()
        due_by = None if self.all_open.isChecked() else self.app.clock.today()
        self.model.set_due_by(due_by)
        if keep is not None:
            for i, r in enumerate(self.model.rows):
                if r.id == keep.id:
                    self.table.selectRow(i)
        self._update_buttons()
        now = self.model.now
        try:
            total, overdue = self.app.call(lambda ctx: task_counts(ctx, now, due_by))
        except UserError as exc:
            self.summary.setText(exc.message)
            return
        self.summary.setText(self.tr("{0} open tasks, {1} overdue").format(total, overdue))

    def selected(self) -> TaskRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        self.done_button.setEnabled(self.selected() is not None)

    def mark_done(self) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            changes = self.app.call(lambda ctx: complete_task(ctx, row.id))
        except UserError as exc:
            QMessageBox.warning(self, self.tr("Task"), exc.message)
            return
        position = self.table.currentIndex().row()
        self.refresh()
        if self.model.rowCount():  # the next task, so a person can go down the list with Ctrl+D
            self.table.selectRow(min(position, self.model.rowCount() - 1))
        self._update_buttons()
        self.changed.emit(changes)
