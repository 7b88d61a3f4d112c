"""One invoice in full: who owes it, what was paid, and the notes, tasks, calls and history around it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, QDateTime, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTabWidget,
    QWidget,
)

from collector_app.db.models import Invoice
from collector_app.domain.status import Status, pause_in_effect
from collector_app.services import activity, reminder_holds
from collector_app.services.context import Ctx
from collector_app.services.invoice_view import (
    InvoiceDetail,
    InvoiceHeader,
    invoice_detail,
    load_invoice,
)
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.demand_make import DemandMakeDialog
from collector_app.ui.dialogs.log_call import LogCallDialog
from collector_app.ui.dialogs.reminder_hold import HoldChange, ReminderHoldDialog
from collector_app.ui.forms import child, load_form
from collector_app.ui.models.invoice_table import STATUS_LABELS
from collector_app.ui.widgets.detail import (
    IdRole,
    InlineError,
    contact_links,
    duration_text,
    fill_table,
    fill_timeline,
    link,
    local_time,
    make_link_label,
    money,
    no_default_button,
    open_child,
    open_url,
    outcome_label,
    read_or_show,
    selected_id,
    setup_table,
    setup_timeline,
    write_or_show,
)

TAB_PAYMENTS, TAB_NOTES, TAB_TASKS, TAB_CALLS, TAB_TIMELINE = range(5)


class InvoiceDetailDialog(QDialog):
    """Reads a snapshot through the services, writes through them, and re-reads after each change."""

    changed = Signal()  # the ledger changed: registers showing this invoice should refresh
    open_contractor = Signal(int)

    def __init__(self, app: AppContext, invoice_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.invoice_id = invoice_id
        self.detail: InvoiceDetail | None = None
        self.editing_note_id: int | None = None
        self.log_call_dialog: LogCallDialog | None = None
        self.demand_dialog: DemandMakeDialog | None = None
        self.hold_dialog: ReminderHoldDialog | None = None
        self.resize(920, 660)
        self.form = load_form("invoice_detail", self)
        self._find_widgets()
        self._setup()
        no_default_button(self)
        self.reload()

    def _find_widgets(self) -> None:
        f = self.form
        self.title_label = child(f, QLabel, "titleLabel")
        self.contractor_label = child(f, QLabel, "contractorLabel")
        self.contact_label = child(f, QLabel, "contactLabel")
        self.contacts_label = child(f, QLabel, "contactsLabel")
        self.flags_label = child(f, QLabel, "flagsLabel")
        self.values = {name: child(f, QLabel, name) for name in (
            "grossValue", "paidValue", "balanceValue", "issuedValue", "dueValue", "statusValue")}
        self.tabs = child(f, QTabWidget, "tabs")
        self.allocations_table = child(f, QTableWidget, "allocationsTable")
        self.notes_list = child(f, QListWidget, "notesList")
        self.note_edit = child(f, QPlainTextEdit, "noteEdit")
        self.add_note_button = child(f, QPushButton, "addNoteButton")
        self.edit_note_button = child(f, QPushButton, "editNoteButton")
        self.cancel_note_button = child(f, QPushButton, "cancelNoteButton")
        self.tasks_table = child(f, QTableWidget, "tasksTable")
        self.task_due = child(f, QDateTimeEdit, "taskDue")
        self.task_text = child(f, QLineEdit, "taskText")
        self.task_assignee = child(f, QComboBox, "taskAssignee")
        self.add_task_button = child(f, QPushButton, "addTaskButton")
        self.done_task_button = child(f, QPushButton, "doneTaskButton")
        self.calls_table = child(f, QTableWidget, "callsTable")
        self.log_call_button = child(f, QPushButton, "logCallButton")
        self.demand_button = child(f, QPushButton, "demandButton")
        self.reminders_button = child(f, QPushButton, "remindersButton")
        self.timeline_table = child(f, QTableWidget, "timelineTable")
        self.errors = InlineError(child(f, QLabel, "errorLabel"), {
            "text": (self.note_edit, self.tr("Text")),
            "assignee": (self.task_assignee, self.tr("Assignee")),
        })
        self.button_box = child(f, QDialogButtonBox, "buttonBox")

    def _setup(self) -> None:
        for label in (self.contractor_label, self.contact_label, self.contacts_label):
            make_link_label(label)
            label.linkActivated.connect(self._link_activated)
        setup_table(self.allocations_table, [
            self.tr("Date"), self.tr("From"), self.tr("Payer"), self.tr("Title"), self.tr("Amount"),
            self.tr("Cur.")], stretch=3)
        setup_table(self.tasks_table, [
            self.tr("Due"), self.tr("Task"), self.tr("For"), self.tr("Done")], stretch=1)
        setup_table(self.calls_table, [
            self.tr("When"), self.tr("By"), self.tr("Spoke with"), self.tr("Length"), self.tr("Outcome"),
            self.tr("Promise"), self.tr("Notes")], stretch=6)
        setup_timeline(self.timeline_table)
        self.add_note_button.clicked.connect(self.save_note)
        self.edit_note_button.clicked.connect(self.start_note_edit)
        self.cancel_note_button.clicked.connect(self.cancel_note_edit)
        self.notes_list.currentRowChanged.connect(lambda _r: self._note_selection_changed())
        self.notes_list.itemDoubleClicked.connect(lambda _i: self.start_note_edit())
        tomorrow = self.app.clock.today() + dt.timedelta(days=1)
        self.task_due.setDateTime(QDateTime(QDate(tomorrow.year, tomorrow.month, tomorrow.day), QTime(9, 0)))
        self.task_text.returnPressed.connect(self.add_task)
        self.add_task_button.clicked.connect(self.add_task)
        self.done_task_button.clicked.connect(self.toggle_task_done)
        self.tasks_table.itemSelectionChanged.connect(self._task_selection_changed)
        self.log_call_button.clicked.connect(self.log_call)
        self.demand_button.clicked.connect(self.open_demand_dialog)
        self._setup_reminders_menu()
        self.button_box.rejected.connect(self.reject)

    def _setup_reminders_menu(self) -> None:
        """One entry per hold; each names what it would do now (pause or resume, dispute or resolve...)."""
        self.reminders_menu = QMenu(self)
        self.pause_action = self.reminders_menu.addAction(self.tr("Pause reminders…"))
        self.pause_action.triggered.connect(self.pause_or_resume)
        self.reminders_menu.addSeparator()
        self.dispute_action = self.reminders_menu.addAction(self.tr("Mark disputed…"))
        self.dispute_action.triggered.connect(self.toggle_disputed)
        self.plan_action = self.reminders_menu.addAction(self.tr("Payment plan agreed…"))
        self.plan_action.triggered.connect(self.toggle_plan)
        self.hand_over_action = self.reminders_menu.addAction(self.tr("Hand over to an agency…"))
        self.hand_over_action.triggered.connect(self.toggle_handed_over)
        self.reminders_button.setMenu(self.reminders_menu)

    # --- showing -----------------------------------------------------------------------------
    def reload(self) -> None:
        d = read_or_show(self.app, self.errors, lambda ctx: invoice_detail(ctx, self.invoice_id))
        if d is None:
            self._set_enabled(False)
            return
        self.detail = d
        self._show_header(d.header)
        self._show_holds(d.header)
        self._show_allocations(d)
        self._show_notes(d)
        self._show_tasks(d)
        self._show_calls(d)
        fill_timeline(self.timeline_table, d.timeline)

    def _set_enabled(self, on: bool) -> None:
        for w in (self.tabs, self.log_call_button, self.demand_button, self.reminders_button):
            w.setEnabled(on)

    def _show_header(self, h: InvoiceHeader) -> None:
        kind = self.tr("Credit note") if h.kind == "credit_note" else self.tr("Invoice")
        self.setWindowTitle(self.tr("{kind} {number} — {contractor}").format(
            kind=kind, number=h.number, contractor=h.contractor))
        self.title_label.setText(f"{kind} {h.number}")
        self.contractor_label.setText(link(f"contractor:{h.contractor_id}", h.contractor))
        self.contractor_label.setToolTip(self.tr("Open the contractor"))
        self.contact_label.setText(contact_links(h.email, h.phone) or self.tr("no e-mail or phone on file"))
        people = [f"{p.name}{f' ({p.role})' if p.role else ''} {contact_links(p.email, p.phone)}".strip()
                  for p in h.contacts]
        self.contacts_label.setText("<br>".join(people))
        self.contacts_label.setVisible(bool(people))
        self.values["grossValue"].setText(money(h.gross, h.currency))
        self.values["paidValue"].setText(money(h.paid, h.currency))
        self.values["balanceValue"].setText(money(h.balance, h.currency))
        self.values["issuedValue"].setText(h.issue_date.isoformat())
        self.values["dueValue"].setText(h.due_date.isoformat())
        status = self.tr(STATUS_LABELS[h.status])
        if h.status is Status.OVERDUE:
            status = self.tr("{status}, {days} days").format(status=status, days=h.days_overdue)
        self.values["statusValue"].setText(status)
        red = "color: #b71c1c;" if h.status is Status.OVERDUE else ""
        self.values["statusValue"].setStyleSheet(red)
        self.values["balanceValue"].setStyleSheet(f"font-weight: bold; {red}")
        self.flags_label.setText(self._flags_text(h))
        self.flags_label.setVisible(bool(self.flags_label.text()))
        self.log_call_button.setEnabled(h.kind == "invoice")
        self.demand_button.setEnabled(h.kind == "invoice")

    def _flags_text(self, h: InvoiceHeader) -> str:
        """What stops the reminders: a dispute, a payment plan, a hand-over, and a pause (the invoice's or
        the contractor's) while it holds (a promise whose day has passed holds nothing)."""
        flags = []
        if h.disputed:
            flags.append(self.tr("Disputed"))
        if h.under_plan:
            flags.append(self.tr("Under a payment plan"))
        if h.handed_over:
            flags.append(self.tr("Handed over to an agency"))
        today = self.app.clock.today()
        if h.paused_until is not None and pause_in_effect(h.paused_until, today):
            text = self.tr("Reminders paused until {day}").format(day=h.paused_until.isoformat())
            reason = self._pause_reason(h)
            flags.append(f"{text} ({reason})" if reason else text)
        if h.contractor_paused_until is not None and pause_in_effect(h.contractor_paused_until, today):
            text = self.tr("All of the contractor's reminders paused until {day}").format(
                day=h.contractor_paused_until.isoformat())
            reason = h.contractor_pause_reason
            flags.append(f"{text} ({reason})" if reason else text)
        return " · ".join(flags)

    def _show_holds(self, h: InvoiceHeader) -> None:
        """The Reminders menu offers what can be done now: lift what holds, set what does not."""
        paused = pause_in_effect(h.paused_until, self.app.clock.today())
        self.pause_action.setText(self.tr("Resume reminders") if paused else self.tr("Pause reminders…"))
        self.dispute_action.setText(self.tr("Dispute resolved…") if h.disputed else self.tr("Mark disputed…"))
        self.plan_action.setText(self.tr("End payment plan…") if h.under_plan
                                 else self.tr("Payment plan agreed…"))
        self.hand_over_action.setText(self.tr("Take back from the agency…") if h.handed_over
                                      else self.tr("Hand over to an agency…"))
        self.reminders_button.setEnabled(h.kind == "invoice")

    def _pause_reason(self, h: InvoiceHeader) -> str | None:
        """A promise names the call by its day, as the Calls tab shows it, not by its id."""
        if h.promised_on is not None:
            return self.tr("promised on the call of {day}").format(day=h.promised_on.isoformat())
        return self.tr("promised on a call") if activity.promise_call_id(h.pause_reason) is not None else h.pause_reason

    def _show_allocations(self, d: InvoiceDetail) -> None:
        fill_table(self.allocations_table, [
            (a.id, (a.date.isoformat(),
                    self.tr("payment #{ref}").format(ref=a.reference) if a.source == "payment"
                    else self.tr("credit note {ref}").format(ref=a.reference),
                    a.payer or "", a.title or "", money(a.amount), a.currency))
            for a in d.allocations
        ], right=frozenset({4}))
        self.tabs.setTabText(TAB_PAYMENTS, self.tr("Payments ({n})").format(n=len(d.allocations)))

    def _show_notes(self, d: InvoiceDetail) -> None:
        current = self.editing_note_id
        self.notes_list.clear()
        for n in d.notes:
            edited = self.tr(" (edited {when})").format(when=local_time(n.updated_at)) if n.updated_at else ""
            item = QListWidgetItem(f"{local_time(n.created_at)} · {n.author or '?'}{edited}\n{n.text}")
            item.setData(IdRole, n.id)
            self.notes_list.addItem(item)
            if n.id == current:
                self.notes_list.setCurrentItem(item)
        self.tabs.setTabText(TAB_NOTES, self.tr("Notes ({n})").format(n=len(d.notes)))
        self._note_selection_changed()

    def _show_tasks(self, d: InvoiceDetail) -> None:
        now = self.app.clock.now()
        late = frozenset(t.id for t in d.tasks if t.done_at is None and t.due_at <= now)
        fill_table(self.tasks_table, [
            (t.id, (local_time(t.due_at), t.text, t.assignee or "", local_time(t.done_at) if t.done_at else ""))
            for t in d.tasks
        ], red=late)
        open_count = sum(1 for t in d.tasks if t.done_at is None)
        self.tabs.setTabText(TAB_TASKS, self.tr("Tasks ({n} open)").format(n=open_count))
        typed = self.task_assignee.currentText().strip() or self.app.user
        self.task_assignee.clear()
        self.task_assignee.addItems(sorted(set(d.logins) | {self.app.user}))
        self.task_assignee.setCurrentText(typed)
        self._task_selection_changed()

    def _show_calls(self, d: InvoiceDetail) -> None:
        fill_table(self.calls_table, [
            (c.id, (local_time(c.started_at), c.user or "", c.contact or "", duration_text(c.duration_s),
                    outcome_label(c.outcome), self._promise_text(c.promise_date, c.promise_amount, c.promise_currency),
                    c.notes or ""))
            for c in d.calls
        ], right=frozenset({3}))
        self.tabs.setTabText(TAB_CALLS, self.tr("Calls ({n})").format(n=len(d.calls)))

    def _promise_text(self, day: dt.date | None, amount: object, currency: str | None) -> str:
        if day is None:
            return ""
        if amount is None:
            return self.tr("by {day}").format(day=day.isoformat())
        return self.tr("{amount} {currency} by {day}").format(amount=amount, currency=currency or "",
                                                               day=day.isoformat())

    # --- links -------------------------------------------------------------------------------
    def _link_activated(self, url: str) -> None:
        if url.startswith("contractor:"):
            self.open_contractor.emit(int(url.partition(":")[2]))
        else:
            open_url(url)

    # --- writing -----------------------------------------------------------------------------
    def _write(self, action: Callable[[Ctx], object]) -> bool:
        """Write through a service (a UserError stays on screen), then re-read and tell the registers."""
        if not write_or_show(self.app, self.errors, action):
            return False
        self.reload()
        self.changed.emit()
        return True

    # notes
    def _note_selection_changed(self) -> None:
        self.edit_note_button.setEnabled(self.notes_list.currentItem() is not None
                                         and self.editing_note_id is None)

    def start_note_edit(self) -> None:
        item = self.notes_list.currentItem()
        if item is None or self.detail is None:
            return
        note_id = int(item.data(IdRole))
        note = next(n for n in self.detail.notes if n.id == note_id)
        self.editing_note_id = note_id
        self.note_edit.setPlainText(note.text)
        self.note_edit.setFocus()
        self.add_note_button.setText(self.tr("Save note"))
        self.cancel_note_button.setVisible(True)
        self._note_selection_changed()

    def cancel_note_edit(self) -> None:
        self.editing_note_id = None
        self.note_edit.clear()
        self.add_note_button.setText(self.tr("Add note"))
        self.cancel_note_button.setVisible(False)
        self._note_selection_changed()

    def save_note(self) -> None:
        text = self.note_edit.toPlainText()
        note_id = self.editing_note_id
        if note_id is None:
            ok = self._write(lambda ctx: activity.add_note(ctx, load_invoice(ctx, self.invoice_id), text))
        else:
            ok = self._write(lambda ctx: activity.edit_note(ctx, note_id, text))
        if ok:
            self.cancel_note_edit()

    # tasks
    def _task_selection_changed(self) -> None:
        task = self._selected_task()
        self.done_task_button.setEnabled(task is not None)
        reopen = task is not None and task.done_at is not None
        self.done_task_button.setText(self.tr("Reopen") if reopen else self.tr("Mark done"))

    def _selected_task(self) -> activity.TaskRow | None:
        task_id = selected_id(self.tasks_table)
        if task_id is None or self.detail is None:
            return None
        return next((t for t in self.detail.tasks if t.id == task_id), None)

    def add_task(self) -> None:
        qdt = self.task_due.dateTime()
        d, t = qdt.date(), qdt.time()
        due = dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())  # local time, as typed
        text, assignee = self.task_text.text(), self.task_assignee.currentText().strip() or None
        if self._write(lambda ctx: activity.add_task(ctx, load_invoice(ctx, self.invoice_id), due, text,
                                                     assignee)):
            self.task_text.clear()

    def toggle_task_done(self) -> None:
        task = self._selected_task()
        if task is None:
            return
        row = self.tasks_table.currentRow()
        self._write(lambda ctx: activity.complete_task(ctx, task.id, done=task.done_at is None))
        if 0 <= row < self.tasks_table.rowCount():
            self.tasks_table.selectRow(row)

    # calls
    def log_call(self) -> None:
        dialog = LogCallDialog(self.app, self.invoice_id, self)
        dialog.saved.connect(lambda _id: self._call_logged())
        self.log_call_dialog = open_child(dialog)

    # demand letters
    def open_demand_dialog(self) -> DemandMakeDialog:
        dialog = DemandMakeDialog(self.app, invoice_id=self.invoice_id, parent=self)
        dialog.made.connect(lambda _ids: self._demand_made())
        self.demand_dialog = open_child(dialog)
        return dialog

    def _demand_made(self) -> None:
        self.reload()
        self.tabs.setCurrentIndex(TAB_TIMELINE)
        self.changed.emit()

    # reminders: pause, dispute, payment plan, hand-over
    def open_hold(self, change: HoldChange) -> ReminderHoldDialog:
        """Saved or not, the window re-reads when the dialog closes (someone else may have changed it)."""
        dialog = ReminderHoldDialog(self.app, change, self)
        dialog.saved.connect(self.changed.emit)
        dialog.finished.connect(lambda _r: self.reload())
        self.hold_dialog = open_child(dialog)
        return dialog

    def _on_invoice(self, change: Callable[[Ctx, Invoice, dt.date, str], object]
                    ) -> Callable[[Ctx, dt.date, str], object]:
        return lambda ctx, until, reason: change(ctx, load_invoice(ctx, self.invoice_id), until, reason)

    def pause_or_resume(self) -> None:
        if self.detail is None:
            return
        h = self.detail.header
        if pause_in_effect(h.paused_until, self.app.clock.today()):
            if not self._write(lambda ctx: reminder_holds.resume_invoice(ctx, load_invoice(ctx, self.invoice_id))):
                self.reload()  # the menu offers what the ledger says now; the error stays on screen
            return
        self.open_hold(HoldChange(
            self.tr("Pause reminders — {number}").format(number=h.number),
            self.tr("No reminder goes out for {number} up to and including the day below; the day after, "
                    "they go on from where the policy is.").format(number=h.number),
            self.tr("Pause"), self._on_invoice(reminder_holds.pause_invoice), reason_required=True,
            reason_hint=self.tr("e.g. the customer asked for time until the end of the month"), asks_until=True))

    def toggle_disputed(self) -> None:
        if self.detail is None:
            return
        h = self.detail.header
        on = not h.disputed
        apply = self._on_invoice(lambda ctx, inv, _u, why: reminder_holds.set_disputed(ctx, inv, on, why))
        if on:
            self.open_hold(HoldChange(
                self.tr("Mark disputed — {number}").format(number=h.number),
                self.tr("Reminders for {number} stop while it is disputed, and the contractor's collector gets "
                        "a task to settle the dispute.").format(number=h.number),
                self.tr("Mark disputed"), apply, reason_required=True,
                reason_hint=self.tr("what the customer disputes, e.g. goods damaged in transport")))
        else:
            self.open_hold(HoldChange(
                self.tr("Dispute resolved — {number}").format(number=h.number),
                self.tr("The dispute on {number} is settled: its reminders go on from where the policy is.").format(
                    number=h.number),
                self.tr("Dispute resolved"), apply, reason_required=False,
                reason_hint=self.tr("how it was settled")))

    def toggle_plan(self) -> None:
        if self.detail is None:
            return
        number = self.detail.header.number
        on = not self.detail.header.under_plan
        apply = self._on_invoice(lambda ctx, inv, _u, why: reminder_holds.set_under_plan(ctx, inv, on, why))
        if on:
            self.open_hold(HoldChange(
                self.tr("Payment plan agreed — {number}").format(number=number),
                self.tr("Instalments are agreed for {number}: the policy's reminders stop while the plan "
                        "runs.").format(number=number),
                self.tr("Plan agreed"), apply, reason_required=True,
                reason_hint=self.tr("the plan, e.g. 3 monthly instalments from the 10th")))
        else:
            self.open_hold(HoldChange(
                self.tr("End payment plan — {number}").format(number=number),
                self.tr("The payment plan for {number} has ended: its reminders go on from where the policy "
                        "is.").format(number=number),
                self.tr("End plan"), apply, reason_required=False,
                reason_hint=self.tr("e.g. paid off, or an instalment was missed")))

    def toggle_handed_over(self) -> None:
        if self.detail is None:
            return
        number = self.detail.header.number
        on = not self.detail.header.handed_over
        apply = self._on_invoice(lambda ctx, inv, _u, why: reminder_holds.set_handed_over(ctx, inv, on, why))
        if on:
            self.open_hold(HoldChange(
                self.tr("Hand over — {number}").format(number=number),
                self.tr("{number} goes to a collection agency or a lawyer: the firm sends no more reminders "
                        "itself.").format(number=number),
                self.tr("Hand over"), apply, reason_required=False,
                reason_hint=self.tr("to whom, e.g. the agency's name")))
        else:
            self.open_hold(HoldChange(
                self.tr("Take back — {number}").format(number=number),
                self.tr("{number} is back from the agency: its reminders go on from where the policy "
                        "is.").format(number=number),
                self.tr("Take back"), apply, reason_required=False, reason_hint=self.tr("why")))

    def _call_logged(self) -> None:
        self.reload()
        self.tabs.setCurrentIndex(TAB_CALLS)
        self.changed.emit()
