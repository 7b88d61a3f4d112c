"""One contractor in full: data with mailto/tel links, contact persons, all invoices, credit and history."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTableWidget,
    QTabWidget,
    QWidget,
)

from collector_app.db.queries import RegisterQuery
from collector_app.domain.status import pause_in_effect
from collector_app.services import contractors, payer_accounts, reminder_holds
from collector_app.services.context import Ctx
from collector_app.services.contractor_view import ContractorDetail, contractor_detail
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.contractor_edit import ContractorEditDialog, PolicyChoices, policy_choices
from collector_app.ui.dialogs.demand_make import DemandMakeDialog
from collector_app.ui.dialogs.log_call import LogCallDialog
from collector_app.ui.dialogs.reminder_hold import HoldChange, ReminderHoldDialog
from collector_app.ui.forms import child, load_form
from collector_app.ui.models.invoice_table import COL_CONTRACTOR, COL_DAYS, COL_DUE, COL_NUMBER, InvoiceTableModel
from collector_app.ui.views.invoices import COLUMN_WIDTHS
from collector_app.ui.widgets.detail import (
    IdRole,
    InlineError,
    contact_links,
    duration_text,
    fill_table,
    fill_timeline,
    local_time,
    make_link_label,
    money,
    no_default_button,
    open_child,
    open_url,
    outcome_label,
    read_or_show,
    setup_table,
    setup_timeline,
    write_or_show,
)
from collector_app.ui.widgets.register import setup_register_table
from collector_app.ui.widgets.row_open import on_record_open

INVOICE_COLUMN_WIDTHS = {**COLUMN_WIDTHS, COL_DAYS: 100}
TAB_INVOICES, TAB_CONTACTS, TAB_ACCOUNTS, TAB_CALLS, TAB_TIMELINE = range(5)
CONTACT_EMAIL, CONTACT_PHONE = 2, 3


class ContractorDetailDialog(QDialog):
    """Reads a snapshot through the services; the invoice list is the paged register model, filtered."""

    changed = Signal()  # the ledger changed: registers should refresh
    open_invoice = Signal(int)

    def __init__(self, app: AppContext, contractor_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.contractor_id = contractor_id
        self.detail: ContractorDetail | None = None
        self.sub_dialog: QDialog | None = None
        self.resize(980, 680)
        self.form = load_form("contractor_detail", self)
        self._find_widgets()
        self._setup()
        no_default_button(self)
        self.invoices.set_query(RegisterQuery(contractor_id=contractor_id, sort="due_date"))
        self.reload()

    def _find_widgets(self) -> None:
        f = self.form
        self.labels = {name: child(f, QLabel, name) for name in (
            "titleLabel", "idsLabel", "addressLabel", "contactLabel", "termsLabel", "notesLabel",
            "balanceValue", "overdueValue", "creditValue")}
        self.tabs = child(f, QTabWidget, "tabs")
        self.invoices_table = child(f, QTableView, "invoicesTable")
        self.contacts_table = child(f, QTableWidget, "contactsTable")
        self.contact_fields = {name: child(f, QLineEdit, name) for name in (
            "contactName", "contactRole", "contactEmail", "contactPhone")}
        self.add_contact_button = child(f, QPushButton, "addContactButton")
        self.accounts_table = child(f, QTableWidget, "accountsTable")
        self.account_input = child(f, QLineEdit, "accountInput")
        self.add_account_button = child(f, QPushButton, "addAccountButton")
        self.remove_account_button = child(f, QPushButton, "removeAccountButton")
        self.calls_table = child(f, QTableWidget, "callsTable")
        self.timeline_table = child(f, QTableWidget, "timelineTable")
        self.log_call_button = child(f, QPushButton, "logCallButton")
        self.demand_button = child(f, QPushButton, "demandButton")
        self.edit_button = child(f, QPushButton, "editButton")
        self.pause_button = child(f, QPushButton, "pauseButton")
        self.button_box = child(f, QDialogButtonBox, "buttonBox")
        self.errors = InlineError(child(f, QLabel, "errorLabel"), {
            "name": (self.contact_fields["contactName"], self.tr("Name")),
            "email": (self.contact_fields["contactEmail"], self.tr("E-mail")),
            "phone": (self.contact_fields["contactPhone"], self.tr("Phone")),
            "account": (self.account_input, self.tr("Account")),
        })

    def _setup(self) -> None:
        make_link_label(self.labels["contactLabel"])
        self.labels["contactLabel"].linkActivated.connect(open_url)
        self.invoices = InvoiceTableModel(self.app)
        header = setup_register_table(self.invoices_table, self.invoices, INVOICE_COLUMN_WIDTHS, stretch=COL_NUMBER)
        self.invoices_table.setColumnHidden(COL_CONTRACTOR, True)
        header.setSortIndicator(COL_DUE, Qt.SortOrder.AscendingOrder)
        on_record_open(self.invoices_table, self.invoices, lambda r: r.id, self.open_invoice.emit)
        setup_table(self.contacts_table, [self.tr("Name"), self.tr("Role"), self.tr("E-mail"), self.tr("Phone")],
                    stretch=1)
        self.contacts_table.cellDoubleClicked.connect(self._contact_cell_activated)
        for field in self.contact_fields.values():
            field.returnPressed.connect(self.add_contact)
        self.add_contact_button.clicked.connect(self.add_contact)
        setup_table(self.accounts_table, [self.tr("Account"), self.tr("Known from"), self.tr("Since")], stretch=0)
        self.accounts_table.itemSelectionChanged.connect(self._account_selected)
        self.account_input.returnPressed.connect(self.add_account)
        self.add_account_button.clicked.connect(self.add_account)
        self.remove_account_button.clicked.connect(self.forget_account)
        setup_table(self.calls_table, [
            self.tr("When"), self.tr("Invoice"), self.tr("By"), self.tr("Spoke with"), self.tr("Length"),
            self.tr("Outcome"), self.tr("Notes")], stretch=6)
        setup_timeline(self.timeline_table)
        self.edit_button.clicked.connect(self.edit)
        self.pause_button.clicked.connect(self.pause_or_resume)
        self.log_call_button.clicked.connect(self.log_call)
        self.demand_button.clicked.connect(self.open_demand_dialog)
        self.button_box.rejected.connect(self.reject)

    # --- showing -----------------------------------------------------------------------------
    def reload(self) -> None:
        read = read_or_show(self.app, self.errors, lambda ctx: (
            contractor_detail(ctx, self.contractor_id), policy_choices(ctx, self.contractor_id)))
        if read is None:
            self.tabs.setEnabled(False)
            self.pause_button.setEnabled(False)
            return
        d, followed = read
        self.detail = d
        self._show_header(d, followed)
        self._show_money(d)
        self._show_contacts(d)
        self._show_accounts(d)
        self._show_calls(d)
        fill_timeline(self.timeline_table, d.timeline)
        self._show_log_call_button(d)

    def _show_header(self, d: ContractorDetail, followed: PolicyChoices) -> None:
        self.setWindowTitle(self.tr("Contractor — {name}").format(name=d.name))
        self.labels["titleLabel"].setText(d.name)
        ids = [self.tr("Tax id {tax_id}").format(tax_id=d.tax_id) if d.tax_id else self.tr("no tax id")]
        if d.registration_no:
            ids.append(d.registration_no)
        ids.append(d.country)
        self.labels["idsLabel"].setText(" · ".join(ids))
        place = " ".join(p for p in (d.postal_code, d.city) if p)
        address = ", ".join(p for p in (d.address, place) if p)
        self.labels["addressLabel"].setText(address)
        self.labels["addressLabel"].setVisible(bool(address))
        self.labels["contactLabel"].setText(contact_links(d.email, d.phone) or self.tr("no e-mail or phone on file"))
        terms = [
            self.tr("language {code}").format(code=d.language),
            self.tr("prefers {channel}").format(channel=d.preferred_channel),
            self.tr("terms {days} days").format(days=d.payment_terms_days) if d.payment_terms_days is not None
            else self.tr("firm's payment terms"),
        ]
        if d.credit_limit is not None:
            terms.append(self.tr("credit limit {amount}").format(amount=money(d.credit_limit)))
        if d.segment:
            terms.append(self.tr("segment {name}").format(name=d.segment))
        if d.collector:
            terms.append(self.tr("collector {login}").format(login=d.collector))
        terms.append(followed.describe(d.segment))
        paused = pause_in_effect(d.paused_until, self.app.clock.today())
        if d.paused_until is not None and paused:
            text = self.tr("reminders paused until {day}").format(day=d.paused_until.isoformat())
            terms.append(f"{text} ({d.pause_reason})" if d.pause_reason else text)
        self.pause_button.setText(self.tr("&Resume reminders") if paused else self.tr("&Pause reminders…"))
        self.pause_button.setToolTip(
            self.tr("Lift the pause: reminders go on from the next planning") if paused
            else self.tr("No reminders for any of this contractor's invoices until a day you choose"))
        self.labels["termsLabel"].setText(" · ".join(terms))
        self.labels["notesLabel"].setText(d.notes or "")
        self.labels["notesLabel"].setVisible(bool(d.notes))

    def _show_money(self, d: ContractorDetail) -> None:
        none = self.tr("none")
        self.labels["balanceValue"].setText(
            "\n".join(money(e.balance, e.currency) for e in d.exposure) or none)
        overdue = [money(e.overdue, e.currency) for e in d.exposure if e.overdue > 0]
        self.labels["overdueValue"].setText("\n".join(overdue) or none)
        self.labels["overdueValue"].setStyleSheet("color: #b71c1c; font-weight: bold;" if overdue else "")
        self.labels["creditValue"].setText("\n".join(money(amount, cur) for cur, amount in d.credit) or none)

    def _show_contacts(self, d: ContractorDetail) -> None:
        fill_table(self.contacts_table, [
            (p.id, (p.name, p.role or "", p.email or "", p.phone or "")) for p in d.contacts
        ])
        for row in range(self.contacts_table.rowCount()):
            for column, verb in ((CONTACT_EMAIL, self.tr("write")), (CONTACT_PHONE, self.tr("call"))):
                item = self.contacts_table.item(row, column)
                if item is not None and item.text():
                    item.setToolTip(self.tr("Double-click to {verb}").format(verb=verb))
                    item.setForeground(self.palette().link())
        self.tabs.setTabText(TAB_CONTACTS, self.tr("Contact persons ({n})").format(n=len(d.contacts)))

    def _show_accounts(self, d: ContractorDetail) -> None:
        sources = {"typed": self.tr("typed in"), "learned": self.tr("a payment allocated to it")}
        fill_table(self.accounts_table, [
            (a.id, (a.account, sources.get(a.source, a.source), local_time(a.created_at))) for a in d.accounts])
        self.tabs.setTabText(TAB_ACCOUNTS, self.tr("Bank accounts ({n})").format(n=len(d.accounts)))
        self._account_selected()

    def _account_selected(self) -> None:
        self.remove_account_button.setEnabled(self._selected_account() is not None)

    def _selected_account(self) -> tuple[int, str] | None:
        row = self.accounts_table.currentRow()
        item = self.accounts_table.item(row, 0) if row >= 0 and self.accounts_table.selectedItems() else None
        if item is None:
            return None
        return int(item.data(IdRole)), item.text()

    def _show_calls(self, d: ContractorDetail) -> None:
        calls = d.calls
        fill_table(self.calls_table, [
            (c.id, (local_time(c.started_at), c.invoice or "", c.user or "", c.contact or "",
                    duration_text(c.duration_s), outcome_label(c.outcome), c.notes or ""))
            for c in calls
        ], right=frozenset({4}))
        self.tabs.setTabText(TAB_CALLS, self.tr("Calls ({n})").format(n=len(calls)))

    def _show_log_call_button(self, d: ContractorDetail) -> None:
        has_overdue = d.oldest_overdue_invoice_id is not None
        self.log_call_button.setEnabled(has_overdue)
        self.demand_button.setEnabled(has_overdue)
        self.log_call_button.setToolTip(
            self.tr("Record a call about the oldest overdue invoice") if has_overdue
            else self.tr("Nothing is overdue: log a call from an invoice instead"))

    # --- actions -----------------------------------------------------------------------------
    def _contact_cell_activated(self, row: int, column: int) -> None:
        item = self.contacts_table.item(row, column)
        if item is None or not item.text():
            return
        if column == CONTACT_EMAIL:
            open_url(f"mailto:{item.text()}")
        elif column == CONTACT_PHONE:
            open_url(f"tel:{item.text()}")

    def _write(self, action: Callable[[Ctx], object]) -> bool:
        if not write_or_show(self.app, self.errors, action):
            return False
        self._changed()
        return True

    def _changed(self) -> None:
        self.reload()
        self.invoices.refresh()
        self.changed.emit()

    def add_contact(self) -> None:
        f = {name: w.text().strip() for name, w in self.contact_fields.items()}
        if self._write(lambda ctx: contractors.add_contact(
                ctx, self.contractor_id, f["contactName"], f["contactRole"] or None,
                f["contactEmail"] or None, f["contactPhone"] or None)):
            for w in self.contact_fields.values():
                w.clear()
            self.contact_fields["contactName"].setFocus()

    def add_account(self) -> None:
        text = self.account_input.text().strip()
        if self._write(lambda ctx: payer_accounts.type_account(ctx, self.contractor_id, text)):
            self.account_input.clear()
            self.account_input.setFocus()

    def forget_account(self) -> None:
        chosen = self._selected_account()
        if chosen is None:
            return
        account_id, account = chosen
        answer = QMessageBox.question(
            self, self.tr("Forget account"),
            self.tr("Forget {account}? Payments from it will no longer be taken as this contractor's "
                    "(payments already allocated stay as they are).").format(account=account))
        if answer == QMessageBox.StandardButton.Yes:
            self._write(lambda ctx: payer_accounts.forget_account(ctx, self.contractor_id, account_id))

    def edit(self) -> None:
        dialog = ContractorEditDialog(self.app, self.contractor_id, self)
        dialog.saved.connect(lambda _id: self._changed())
        self.sub_dialog = open_child(dialog)

    def log_call(self) -> None:
        if self.detail is None or self.detail.oldest_overdue_invoice_id is None:
            return
        dialog = LogCallDialog(self.app, self.detail.oldest_overdue_invoice_id, self)
        dialog.saved.connect(lambda _id: self._after_call())
        self.sub_dialog = open_child(dialog)

    def open_demand_dialog(self) -> DemandMakeDialog:
        dialog = DemandMakeDialog(self.app, contractor_ids=[self.contractor_id], parent=self)
        dialog.made.connect(lambda _ids: self._changed())
        self.sub_dialog = open_child(dialog)
        return dialog

    def pause_or_resume(self) -> ReminderHoldDialog | None:
        """Resume at once (nothing to ask); a pause asks for the day and the reason first."""
        if self.detail is None:
            return None
        if pause_in_effect(self.detail.paused_until, self.app.clock.today()):
            if not self._write(lambda ctx: reminder_holds.resume_contractor(
                    ctx, contractors.get_contractor(ctx, self.contractor_id))):
                self.reload()  # someone lifted it meanwhile: the button says what holds now
            return None
        dialog = ReminderHoldDialog(self.app, HoldChange(
            self.tr("Pause reminders — {name}").format(name=self.detail.name),
            self.tr("No reminder goes out for any of {name}'s invoices up to and including the day below; the "
                    "day after, they go on from where the policy is.").format(name=self.detail.name),
            self.tr("Pause"),
            lambda ctx, until, reason: reminder_holds.pause_contractor(
                ctx, contractors.get_contractor(ctx, self.contractor_id), until, reason),
            reason_required=True, reason_hint=self.tr("e.g. the customer asked for time until the end of the month"),
            asks_until=True), self)
        dialog.saved.connect(self._changed)
        self.sub_dialog = open_child(dialog)
        return dialog

    def _after_call(self) -> None:
        self._changed()
        self.tabs.setCurrentIndex(TAB_CALLS)
