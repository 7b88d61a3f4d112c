"""The Rates page: central-bank rates and EUR/PLN mid rates behind the interest; add a new one, delete your own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QDate
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.errors import UserError
from collector_app.services import nbp_rates, rates
from collector_app.services.context import Ctx
from collector_app.services.interest import pct
from collector_app.ui.context import AppContext
from collector_app.ui.taskrunner import TaskRunner
from collector_app.ui.widgets.page import RefreshingPage
from collector_app.ui.widgets.register import ROW_HEIGHT

USER_ROW = QColor("#fff4d6")  # rows the user added stand out from the shipped ones
ERROR_STYLE = "color: #b00020;"


@dataclass(frozen=True)
class RateRow:
    id: int
    cells: tuple[str, ...]
    user: bool


def _rate_rows(ctx: Ctx) -> list[RateRow]:
    return [RateRow(r.id, (r.country, r.kind, r.valid_from.isoformat(), f"{pct(Decimal(r.percent)):f}",
                           r.origin, r.source or ""), r.origin == "user") for r in rates.list_rates(ctx)]


def _fx_rows(ctx: Ctx) -> list[RateRow]:
    return [RateRow(r.id, (r.base, r.quote, r.date.isoformat(), f"{Decimal(r.rate).normalize():f}", r.origin,
                           r.source or ""), r.origin == "user") for r in rates.list_fx(ctx)]


class RateTable(QTableWidget):
    """A small read-only table (the rate tables hold hundreds of rows, not millions)."""

    def __init__(self, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(list(headers))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.horizontalHeader().setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.setWordWrap(False)
        self.rows: list[RateRow] = []

    def fill(self, rows: list[RateRow]) -> None:
        self.rows = rows
        self.setRowCount(len(rows))
        bold = QFont()
        bold.setBold(True)
        for i, row in enumerate(rows):
            for j, text in enumerate(row.cells):
                item = QTableWidgetItem(text)
                if row.user:
                    item.setBackground(QBrush(USER_ROW))
                    item.setFont(bold)
                self.setItem(i, j, item)
        self.resizeColumnsToContents()

    def selected(self) -> RateRow | None:
        row = self.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) and self.selectionModel().hasSelection() else None

    def select_id(self, row_id: int) -> None:
        for i, row in enumerate(self.rows):
            if row.id == row_id:
                self.selectRow(i)
                self.scrollTo(self.model().index(i, 0))


def _date_edit(parent: QWidget) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _to_date(edit: QDateEdit) -> dt.date:
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


class RatesView(RefreshingPage):
    """Two tabs (central-bank rates, exchange rates), each with its add form; reads the ledger when shown."""

    def __init__(self, app: AppContext, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner or TaskRunner(self)
        self.tabs = QTabWidget(self)
        self.rate_table = RateTable([self.tr("Country"), self.tr("Kind"), self.tr("Valid from"),
                                     self.tr("Percent"), self.tr("Origin"), self.tr("Source")])
        self.fx_table = RateTable([self.tr("Base"), self.tr("Quote"), self.tr("Date"), self.tr("Rate"),
                                   self.tr("Origin"), self.tr("Source")])
        self.tabs.addTab(self._rate_tab(), self.tr("Central-bank rates"))
        self.tabs.addTab(self._fx_tab(), self.tr("EUR/PLN mid rates"))
        self.delete_button = QPushButton(self.tr("Delete my row…"), self)
        self.delete_button.setObjectName("deleteButton")
        self.delete_button.clicked.connect(self.delete_selected)
        note = QLabel(self.tr("Rows you added are highlighted; shipped rows cannot be deleted."), self)
        bottom = QHBoxLayout()
        bottom.addWidget(note, 1)
        bottom.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        for table in (self.rate_table, self.fx_table):
            table.itemSelectionChanged.connect(self._update_buttons)
        self.tabs.currentChanged.connect(lambda _i: self._update_buttons())
        today = app.clock.today()
        for edit in (self.valid_from, self.fx_date):
            edit.setDate(QDate(today.year, today.month, today.day))
        self._update_buttons()

    # --- building ------------------------------------------------------------------------
    def _rate_tab(self) -> QWidget:
        tab = QWidget(self)
        self.country = QComboBox(tab)
        for country, kind in rates.KINDS.items():
            self.country.addItem(f"{country} — {self.tr(rates.KIND_NAMES[kind])}", country)
        self.valid_from = _date_edit(tab)
        self.percent = QLineEdit(tab)
        self.percent.setPlaceholderText("3.75")
        self.rate_source = QLineEdit(tab)
        self.rate_source.setPlaceholderText(self.tr("where it was announced (URL)"))
        self.add_rate_button = QPushButton(self.tr("Add rate"), tab)
        self.add_rate_button.clicked.connect(self.add_rate)
        self.rate_error = QLabel(tab)
        self.rate_error.setStyleSheet(ERROR_STYLE)
        form = QFormLayout()
        form.addRow(self.tr("Series"), self.country)
        form.addRow(self.tr("Valid from"), self.valid_from)
        form.addRow(self.tr("Percent"), self.percent)
        form.addRow(self.tr("Source"), self.rate_source)
        form.addRow("", self.add_rate_button)
        form.addRow("", self.rate_error)
        return self._tab(tab, self.rate_table, form)

    def _fx_tab(self) -> QWidget:
        tab = QWidget(self)
        self.fx_base = QLineEdit("EUR", tab)
        self.fx_quote = QLineEdit("PLN", tab)
        self.fx_date = _date_edit(tab)
        self.fx_rate = QLineEdit(tab)
        self.fx_rate.setPlaceholderText("4.2233")
        self.fx_source = QLineEdit(tab)
        self.fx_source.setPlaceholderText(self.tr("NBP table A of that day (URL)"))
        self.add_fx_button = QPushButton(self.tr("Add exchange rate"), tab)
        self.add_fx_button.clicked.connect(self.add_fx)
        self.fx_error = QLabel(tab)
        self.fx_error.setStyleSheet(ERROR_STYLE)
        self.fetch_button = QPushButton(self.tr("Download month-end rates from NBP…"), tab)
        self.fetch_button.setObjectName("fetchButton")
        self.fetch_button.setToolTip(self.tr("NBP table A mid rate of each month's last business day, for every "
                                             "month since 2016 the table lacks (EUR and CZK in PLN)"))
        self.fetch_button.clicked.connect(self.fetch_from_nbp)
        self.fetch_status = QLabel(tab)
        self.fetch_status.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Base"), self.fx_base)
        form.addRow(self.tr("Quote"), self.fx_quote)
        form.addRow(self.tr("Date (last business day of a month)"), self.fx_date)
        form.addRow(self.tr("Mid rate"), self.fx_rate)
        form.addRow(self.tr("Source"), self.fx_source)
        form.addRow("", self.add_fx_button)
        form.addRow("", self.fx_error)
        form.addRow("", self.fetch_button)
        form.addRow("", self.fetch_status)
        return self._tab(tab, self.fx_table, form)

    @staticmethod
    def _tab(tab: QWidget, table: RateTable, form: QFormLayout) -> QWidget:
        table.setParent(tab)
        layout = QHBoxLayout(tab)
        layout.addWidget(table, 3)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addStretch(1)
        layout.addLayout(side, 2)
        return tab

    # --- reading -------------------------------------------------------------------------
    def refresh(self) -> None:
        rate_rows, fx_rows = self.app.call(lambda ctx: (_rate_rows(ctx), _fx_rows(ctx)))
        self.rate_table.fill(rate_rows)
        self.fx_table.fill(fx_rows)
        self._update_buttons()

    def current_table(self) -> RateTable:
        return self.rate_table if self.tabs.currentIndex() == 0 else self.fx_table

    def _update_buttons(self) -> None:
        row = self.current_table().selected()
        self.delete_button.setEnabled(row is not None and row.user)

    # --- the person's changes ------------------------------------------------------------
    def add_rate(self) -> None:
        country = str(self.country.currentData())
        day, text, source = _to_date(self.valid_from), self.percent.text(), self.rate_source.text()

        def action(ctx: Ctx) -> int:
            percent = rates.parse_decimal(text, "percent", 4, Decimal(-99), Decimal(99))
            return rates.add_rate(ctx, country, rates.KINDS[country], day, percent, source).id

        if self._write(action, self.rate_error, self.rate_table):
            self.percent.clear()
            self.rate_source.clear()

    def add_fx(self) -> None:
        base, quote, day = self.fx_base.text(), self.fx_quote.text(), _to_date(self.fx_date)
        text, source = self.fx_rate.text(), self.fx_source.text()

        def action(ctx: Ctx) -> int:
            rate = rates.parse_decimal(text, "rate", 6, Decimal("0.000001"), Decimal(100000))
            return rates.add_fx(ctx, base, quote, day, rate, source).id

        if self._write(action, self.fx_error, self.fx_table):
            self.fx_rate.clear()
            self.fx_source.clear()

    def _write(self, action: Callable[[Ctx], int], error: QLabel, table: RateTable) -> bool:
        try:
            new_id = self.app.call(action)
        except UserError as exc:
            error.setText(str(exc))
            return False
        error.clear()
        self.refresh()
        table.select_id(new_id)
        return True

    def delete_selected(self) -> None:
        table = self.current_table()
        row = table.selected()
        if row is None or not row.user:
            return
        what = " ".join(row.cells[:4])
        answer = QMessageBox.question(self, self.tr("Delete rate"),
                                      self.tr("Delete the row you added: {0}?").format(what))
        if answer != QMessageBox.StandardButton.Yes:
            return
        remove = rates.delete_rate if table is self.rate_table else rates.delete_fx
        try:
            self.app.call(lambda ctx: remove(ctx, row.id))
        except UserError as exc:
            QMessageBox.warning(self, self.tr("Rates"), exc.message)
        self.refresh()

    # --- downloading from NBP ------------------------------------------------------------
    def fetch_from_nbp(self) -> None:
        """Asks, then downloads every missing month-end rate on the worker; the table refreshes when done."""
        try:
            plan = self.app.call(nbp_rates.missing_plan)
        except UserError as exc:
            QMessageBox.warning(self, self.tr("Download from NBP"), str(exc))
            return
        if not plan:
            self.fetch_status.setText(self.tr("Every month-end rate since 2016 is already in the table."))
            return
        months = "; ".join(f"{code}: {len(m)} ({nbp_rates.month_str(m[0])} – {nbp_rates.month_str(m[-1])})"
                           for code, m in plan.items())
        answer = QMessageBox.question(
            self, self.tr("Download from NBP"),
            self.tr("Download the NBP table A mid rates of the last business day of these months?\n{0}\n\n"
                    "Server: {1}").format(months, self.app.call(nbp_rates.get_base_url)))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.fetch_button.setEnabled(False)
        self.fetch_status.setText(self.tr("Downloading from NBP…"))
        self.runner.run(lambda: self.app.call(lambda ctx: nbp_rates.fetch(ctx, plan)), self._fetched,
                        self._fetch_failed)

    def _fetched(self, results: list[nbp_rates.FetchResult]) -> None:
        self.fetch_button.setEnabled(True)
        self.fetch_status.setText("\n".join(nbp_rates.summary(results)))
        self.refresh()
        added = [r for result in results for r in result.added]
        if added:
            last = max(added, key=lambda r: r.date)
            for row in self.fx_table.rows:
                if row.cells[:3] == (last.code, nbp_rates.QUOTE, last.date.isoformat()):
                    self.fx_table.select_id(row.id)

    def _fetch_failed(self, exc: Exception) -> None:
        self.fetch_button.setEnabled(True)
        self.fetch_status.setText(self.tr("Nothing was downloaded."))
        text = exc.message if isinstance(exc, UserError) else self.tr("Unexpected error: {0}").format(exc)
        QMessageBox.warning(self, self.tr("Download from NBP"), text)
