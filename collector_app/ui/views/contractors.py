"""The contractor register page: search as you type, what each contractor owes, add a contractor."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLineEdit, QPushButton, QTableView, QWidget

from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.contractor_edit import ContractorEditDialog
from collector_app.ui.forms import child, load_form
from collector_app.ui.models.contractor_table import (
    COL_BALANCE,
    COL_CITY,
    COL_EMAIL,
    COL_NAME,
    COL_OPEN,
    COL_OVERDUE,
    COL_PHONE,
    COL_TAX_ID,
    ContractorTableModel,
)
from collector_app.ui.widgets.detail import open_child
from collector_app.ui.widgets.register import SEARCH_DEBOUNCE_MS as SEARCH_DEBOUNCE_MS  # tests wait on it
from collector_app.ui.widgets.register import debounced_search, search_text, setup_register_table
from collector_app.ui.widgets.row_open import on_record_open

COLUMN_WIDTHS = {
    COL_NAME: 260, COL_TAX_ID: 115, COL_CITY: 110, COL_EMAIL: 180, COL_PHONE: 120, COL_OPEN: 70,
    COL_BALANCE: 120, COL_OVERDUE: 100,
}


class ContractorRegisterView(QWidget):
    """Enter or double-click opens a contractor; the window decides how (a detail dialog)."""

    open_contractor = Signal(int)
    contractors_changed = Signal()  # a contractor was added: lists of contractors elsewhere reload

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.form = load_form("contractor_register", self)
        self.table = child(self.form, QTableView, "table")
        self.search = child(self.form, QLineEdit, "search")
        self.open_button = child(self.form, QPushButton, "openButton")
        self.add_button = child(self.form, QPushButton, "addButton")
        self.edit_dialog: ContractorEditDialog | None = None
        self.model = ContractorTableModel(app)
        self._setup_table()
        self.debounce = debounced_search(self.search, self.apply_search, self)
        self.search.returnPressed.connect(self._search_entered)
        self.open_button.clicked.connect(self._open_selected)
        self.add_button.clicked.connect(self.add_contractor)
        self.loaded = False  # the first page is read when the page is first shown, not at start-up

    def showEvent(self, event: QShowEvent) -> None:
        if not self.loaded:
            self.loaded = True
            self.model.set_search(search_text(self.search))
        super().showEvent(event)

    def _setup_table(self) -> None:
        setup_register_table(self.table, self.model, COLUMN_WIDTHS)
        on_record_open(self.table, self.model, lambda r: r.id, self.open_contractor.emit)
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(lambda cur, _prev: self.open_button.setEnabled(cur.isValid()))
        self.model.modelReset.connect(lambda: self.open_button.setEnabled(False))

    # --- actions -----------------------------------------------------------------------------
    def apply_search(self) -> None:
        self.debounce.stop()
        text = search_text(self.search)
        if text != self.model.search or not self.loaded:
            self.loaded = True
            self.model.set_search(text)

    def _search_entered(self) -> None:
        """Enter in the search box: search now, then move to the first row so a second Enter opens it."""
        self.apply_search()
        if self.model.row_at(0) is not None:
            self.table.setFocus()
            self.table.setCurrentIndex(self.model.index(0, COL_NAME))

    def refresh(self) -> None:
        if self.loaded:
            self.model.refresh()

    def selected_contractor_id(self) -> int | None:
        row = self.model.row_at(self.table.currentIndex().row())
        return row.id if row else None

    def _open_selected(self) -> None:
        cid = self.selected_contractor_id()
        if cid is not None:
            self.open_contractor.emit(cid)

    def add_contractor(self) -> ContractorEditDialog:
        dialog = ContractorEditDialog(self.app, None, self)
        dialog.saved.connect(self._added)
        self.edit_dialog = open_child(dialog)
        return dialog

    def _added(self, contractor_id: int) -> None:
        self.refresh()
        self.contractors_changed.emit()
        for row, r in enumerate(self.model.rows):
            if r.id == contractor_id:
                self.table.setCurrentIndex(self.model.index(row, COL_NAME))
                break
