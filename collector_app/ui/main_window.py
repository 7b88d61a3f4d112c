"""The main window: navigation between pages, the File menu, filter shortcuts, the status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QStackedWidget,
    QWidget,
)

from collector_app.domain.status import Filter
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.opener import DetailOpener
from collector_app.ui.dialogs.settings import SettingsDialog
from collector_app.ui.dispatcher import Dispatcher
from collector_app.ui.file_menu import FileMenu
from collector_app.ui.forms import child, load_form
from collector_app.ui.notifier import TaskNotifier, nav_badge
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.views.calls import CallRegisterView
from collector_app.ui.views.contractors import ContractorRegisterView
from collector_app.ui.views.demands import DemandsView
from collector_app.ui.views.imports import ImportsView
from collector_app.ui.views.invoices import FILTER_BUTTONS, InvoiceRegisterView
from collector_app.ui.views.outbox import OutboxView
from collector_app.ui.views.payments import PaymentRegisterView
from collector_app.ui.views.policies import PoliciesView
from collector_app.ui.views.rates import RatesView
from collector_app.ui.views.reminders_preview import RemindersPreviewView
from collector_app.ui.views.tasks import TaskListView
from collector_app.ui.views.templates import open_template_editor
from collector_app.ui.widgets.status_bar import ElidedLabel, EntriesLabel, StatusBarFit, TotalsLabel

DISPATCH_LABEL_WIDTH = 640  # px at most: the background run's summary; the whole story is its tooltip


class MainWindow(QMainWindow):
    """Pages are added by name; each gets the AppContext injected, nothing reaches for this window."""

    ledger_requested = Signal(str)  # a path or URL the user wants to open instead

    def __init__(self, app: AppContext, parent: QWidget | None = None, *, dispatcher: bool = False) -> None:
        """`dispatcher`: send reminders in the background while open (off for tests and screenshots)."""
        super().__init__(parent)
        self.app = app
        self.runner = TaskRunner(self)
        self.setWindowTitle(f"Collector — {self.ledger_label()}")
        self.resize(1280, 800)
        host = QWidget(self)
        self.content = load_form("main_window", host)
        self.setCentralWidget(host)
        self.nav = child(self.content, QListWidget, "nav")
        self.pages = child(self.content, QStackedWidget, "pages")
        self.page_names: list[str] = []
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)

        self.invoices = InvoiceRegisterView(app, self.runner)
        self.add_page("invoices", self.tr("Invoices"), self.invoices)
        self.contractors = ContractorRegisterView(app)
        self.add_page("contractors", self.tr("Contractors"), self.contractors)
        self.payments = PaymentRegisterView(app, self.runner)
        self.add_page("payments", self.tr("Payments"), self.payments)
        self.tasks = TaskListView(app)
        self.add_page("tasks", self.tr("Tasks"), self.tasks)
        self.calls = CallRegisterView(app)
        self.add_page("calls", self.tr("Calls"), self.calls)
        self.outbox = OutboxView(app)
        self.add_page("outbox", self.tr("Outbox"), self.outbox)
        self.reminders = RemindersPreviewView(app, self.runner)
        self.add_page("reminders", self.tr("Reminders"), self.reminders)
        self.policies = PoliciesView(app)
        self.add_page("policies", self.tr("Policies"), self.policies)
        self.demands = DemandsView(app, self.runner)
        self.add_page("demands", self.tr("Demands"), self.demands)
        self.rates = RatesView(app, self.runner)
        self.add_page("rates", self.tr("Rates"), self.rates)
        self.imports = ImportsView(app, self.runner, on_changed=self.refresh)
        self.add_page("imports", self.tr("Imports"), self.imports)
        self._setup_status_bar()
        self._setup_menus()
        self._setup_activity()
        self._setup_details()
        self._follow_details()
        self._setup_demands()
        self._setup_dispatcher(dispatcher)
        self.show_page("invoices")

    def ledger_label(self) -> str:
        path = self.app.ledger.path
        return str(path) if path is not None else self.app.ledger.engine.url.render_as_string(hide_password=True)

    # --- pages -------------------------------------------------------------------------------
    def add_page(self, name: str, title: str, widget: QWidget) -> None:
        self.page_names.append(name)
        self.pages.addWidget(widget)
        QListWidgetItem(title, self.nav)

    def show_page(self, name: str) -> QWidget:
        index = self.page_names.index(name)
        self.nav.setCurrentRow(index)
        page = self.pages.widget(index)
        assert page is not None
        return page

    def current_page(self) -> str:
        return self.page_names[self.pages.currentIndex()]

    # --- chrome ------------------------------------------------------------------------------
    def _setup_status_bar(self) -> None:
        """The totals come first; the ledger's path gives way, cut in the middle (the whole path on hover)."""
        bar = self.statusBar()
        self.totals_label = TotalsLabel()
        self.ledger_path_label = ElidedLabel(Qt.TextElideMode.ElideMiddle)
        self.ledger_path_label.set_full_text(self.ledger_label())
        bar.addWidget(self.totals_label, 1)
        bar.addPermanentWidget(self.ledger_path_label)
        self.invoices.totals_changed.connect(self.totals_label.set_full_text)
        self.invoices.update_totals()

    def _setup_menus(self) -> None:
        self.file_menu = FileMenu(self)  # New / Open / Open recent / Backup / Restore / Quit
        view = self.menuBar().addMenu(self.tr("&View"))
        for i, (flt, _name) in enumerate(FILTER_BUTTONS):
            button_text = self.invoices.filter_buttons[flt].text()
            action = QAction(button_text, self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _c=False, f=flt: self.show_filter(f))
            view.addAction(action)
        view.addSeparator()
        find = QAction(self.tr("Search"), self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self._focus_search)
        view.addAction(find)
        refresh = QAction(self.tr("Refresh"), self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.refresh)
        view.addAction(refresh)
        self.tools_menu = self.menuBar().addMenu(self.tr("&Tools"))
        settings = QAction(self.tr("&Settings…"), self)
        settings.setShortcut(QKeySequence.StandardKey.Preferences)
        settings.triggered.connect(self.open_settings)
        self.tools_menu.addAction(settings)
        templates = QAction(self.tr("Message &templates…"), self)
        templates.triggered.connect(lambda: open_template_editor(self.app, self))
        self.tools_menu.addAction(templates)
        from collector_app.ui.dialogs.import_invoices import open_invoice_import  # file → preview → summary

        imports = QAction(self.tr("&Import invoices…"), self)
        imports.triggered.connect(lambda: open_invoice_import(self.app, self.runner, self, self.refresh))
        self.tools_menu.addAction(imports)
        from collector_app.ui.dialogs.import_statement import open_statement_import  # import, review list

        statements = QAction(self.tr("Import bank &statement…"), self)
        statements.triggered.connect(lambda: open_statement_import(self.app, self.runner, self, self.refresh))
        self.tools_menu.addAction(statements)

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.app, self.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if self.dispatcher is not None:  # a changed timer interval applies at once
            dialog.outbox_saved.connect(self.dispatcher.set_interval_minutes)
        dialog.open()

    def _setup_activity(self) -> None:
        """Payments, tasks and calls: refreshed when shown; the task notifier keeps the Tasks badge."""
        for page in (self.tasks, self.calls):  # whatever opens the register's invoices opens these too
            page.open_invoice.connect(self.invoices.open_invoice)
        self.payments.changed.connect(lambda _changes: self.invoices.refresh())
        self.nav.currentRowChanged.connect(self._page_shown)
        self.notifier = TaskNotifier(self.app, self, runner=self.runner)
        tasks_item = self.nav.item(self.page_names.index("tasks"))
        self.notifier.count_changed.connect(nav_badge(tasks_item, self.tr("Tasks")))
        self.notifier.tasks_due.connect(lambda _ids: self.tasks.refresh())
        self.notifier.activated.connect(self._show_tasks)
        self.tasks.changed.connect(lambda _changes: self.notifier.check())
        for view in (self.payments, self.calls):
            self.contractors.contractors_changed.connect(view.reload_contractors)
        self.notifier.start()

    def _follow_details(self) -> None:
        """A task added, done or a call logged in a detail window shows on the pages and the badge."""
        self.details.ledger_changed.connect(self.tasks.refresh)
        self.details.ledger_changed.connect(self.calls.refresh)
        self.details.ledger_changed.connect(self.notifier.check)

    def _setup_details(self) -> None:
        """Invoice and contractor detail windows: opened from any register, refresh the registers."""
        self.details = DetailOpener(self.app, self)
        self.invoices.open_invoice.connect(self.details.open_invoice)
        self.contractors.open_contractor.connect(self.details.open_contractor)
        self.contractors.contractors_changed.connect(self.invoices.reload_contractors)
        self.details.ledger_changed.connect(self.invoices.refresh)
        self.details.ledger_changed.connect(self.contractors.refresh)
        for page in (self.payments, self.tasks):  # their writes show in open detail windows too
            page.changed.connect(lambda _changes: self.details.refresh_open())

    def _setup_demands(self) -> None:
        """Letters made refresh the registers and open details; Tools menu entries for making them."""
        self.demands.changed.connect(self.invoices.refresh)
        self.demands.changed.connect(self.details.refresh_open)
        self.contractors.contractors_changed.connect(self.demands.reload_contractors)
        self.tools_menu.addSeparator()
        make = QAction(self.tr("Make &demand…"), self)
        make.triggered.connect(self.make_demand)
        self.tools_menu.addAction(make)
        batch = QAction(self.tr("Demand &batch…"), self)
        batch.triggered.connect(self.open_demand_batch)
        self.tools_menu.addAction(batch)

    def open_demand_batch(self) -> None:
        self.show_page("demands")
        self.demands.open_batch()

    def make_demand(self) -> None:
        """For the invoice selected in the register; elsewhere, for the Demands page's contractor."""
        invoice_id = self.invoices.selected_invoice_id() if self.current_page() == "invoices" else None
        if invoice_id is not None:
            self.details.open_invoice(invoice_id).open_demand_dialog()
            return
        self.show_page("demands")
        self.demands.new_letter()

    def _setup_dispatcher(self, enabled: bool) -> None:
        """Reminders planned and sent on a timer (started once the window shows); status in the bar."""
        self.dispatcher: Dispatcher | None = None
        self.dispatch_busy = QProgressBar()
        self.dispatch_busy.setRange(0, 0)  # a run has no count to show: it only moves while it works
        self.dispatch_busy.setMaximumSize(90, 14)
        self.dispatch_busy.setTextVisible(False)
        self.dispatch_busy.hide()
        self.dispatch_label = EntriesLabel(DISPATCH_LABEL_WIDTH)
        self.statusBar().addPermanentWidget(self.dispatch_busy)
        self.statusBar().addPermanentWidget(self.dispatch_label)
        self.status_fit = StatusBarFit(self.statusBar(), self.totals_label,  # the path is in the title too
                                       (self.dispatch_label, self.ledger_path_label), in_turn=True)
        self.outbox.changed.connect(self.details.refresh_open)
        if not enabled:
            self.dispatch_label.hide()
            return
        self.dispatcher = Dispatcher(self.app, self.runner, self)
        self.dispatcher.status_changed.connect(self.show_dispatch_status)
        self.dispatcher.busy_changed.connect(self.dispatch_busy.setVisible)
        self.dispatcher.failures.connect(self.notifier.notify)
        self.dispatcher.run_finished.connect(lambda _result: self._after_dispatch())

    def show_dispatch_status(self, text: str, whole: str | None = None) -> None:
        """The run's summary in the status bar before the ledger's path, whole entries left out when it does
        not fit (the first the last to go); `whole`, all it has to say, on hover."""
        self.dispatch_label.set_full_text(text, whole)

    def _after_dispatch(self) -> None:
        if self.outbox.isVisible():
            self.outbox.refresh()
        self.notifier.check()  # a failed message leaves a task
        self.details.refresh_open()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.dispatcher is not None and not self.dispatcher.timer.isActive():
            self.dispatcher.start()

    def _page_shown(self, index: int) -> None:
        """These pages read their rows when shown; the status-bar totals are the invoice register's."""
        shown = self.pages.widget(index)
        self.totals_label.setVisible(shown in (self.invoices, self.contractors))

    def _show_tasks(self) -> None:
        self.show_page("tasks")
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def show_filter(self, flt: Filter) -> None:
        self.show_page("invoices")
        self.invoices.set_filter(flt)

    def _focus_search(self) -> None:
        self.show_page("invoices")
        self.invoices.search.setFocus()
        self.invoices.search.selectAll()

    def refresh(self) -> None:
        self.invoices.refresh()
        self.contractors.refresh()
        for page in (self.payments, self.tasks, self.calls, self.outbox, self.imports):
            if page.isVisible():
                page.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.notifier.stop()
        if self.dispatcher is not None:
            self.dispatcher.stop()  # the worker finishes the message in hand
        self.runner.wait(5000)
        super().closeEvent(event)
