"""The invoice register as a Qt model: pages of SQL rows fetched as the user scrolls, never all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, overload

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from collector_app.db.queries import (
    InvoiceRow,
    LetterCounts,
    PagedRegister,
    RegisterQuery,
    letter_counts,
    paged_register,
)
from collector_app.domain.money import format_amount
from collector_app.domain.status import Status, pause_in_effect
from collector_app.ui.context import AppContext
from collector_app.ui.models.paged import PAGE_SIZE, RIGHT, OverdueRole, PagedTableModel
from collector_app.ui.models.paged import RowRole as RowRole  # re-exported: views and tests read rows by it

OVERDUE_RED = QColor(183, 28, 28)
OVERDUE_BACKGROUND = QColor(255, 235, 238)

COL_NUMBER, COL_CONTRACTOR, COL_ISSUED, COL_DUE, COL_GROSS, COL_PAID, COL_BALANCE, COL_CURRENCY, \
    COL_STATUS, COL_DAYS, COL_REMINDERS, COL_DEMANDS = range(12)
COLUMNS = (
    (COL_NUMBER, "Number", "number"),
    (COL_CONTRACTOR, "Contractor", "contractor"),
    (COL_ISSUED, "Issued", "issue_date"),
    (COL_DUE, "Due", "due_date"),
    (COL_GROSS, "Gross", "gross"),
    (COL_PAID, "Paid", "paid"),
    (COL_BALANCE, "Balance", "balance"),
    (COL_CURRENCY, "Cur.", "currency"),
    (COL_STATUS, "Status", "status"),
    (COL_DAYS, "Days overdue", "days_overdue"),
    (COL_REMINDERS, "Reminders", None),  # counted per page (db.queries.letter_counts): not a sort
    (COL_DEMANDS, "Demands", None),
)
STATUS_LABELS = {
    Status.SETTLED: "settled",
    Status.OVERPAID: "overpaid",
    Status.UNSETTLED_CURRENT: "not yet due",
    Status.OVERDUE: "overdue",
}
NUMERIC_COLUMNS = {COL_GROSS, COL_PAID, COL_BALANCE, COL_DAYS, COL_REMINDERS, COL_DEMANDS}
SORTABLE_COLUMNS = frozenset(column for column, _header, field in COLUMNS if field is not None)
NO_LETTERS = LetterCounts(0, 0)



class LazyRows(Sequence[InvoiceRow]):
    """The page rows as SQLite gave them; each becomes an InvoiceRow the first time it is read
    (painted, clicked, exported), so a filter switch costs the SQL, not 200 conversions."""

    def __init__(self, source: PagedRegister | None = None) -> None:
        self.source = source
        self.raw: list[Any] = []
        self.made: list[InvoiceRow | None] = []

    def extend(self, raw: list[Any]) -> None:
        self.raw.extend(raw)
        self.made.extend([None] * len(raw))

    def __len__(self) -> int:
        return len(self.raw)

    @overload
    def __getitem__(self, index: int) -> InvoiceRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[InvoiceRow]: ...

    def __getitem__(self, index: int | slice) -> InvoiceRow | list[InvoiceRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        made = self.made[index]
        if made is None:
            assert self.source is not None
            made = self.made[index] = self.source.row(self.raw[index])
        return made


class InvoiceTableModel(PagedTableModel[InvoiceRow]):
    """Holds the rows fetched so far; sorting and filtering are new SQL queries, not Python sorts."""

    rows: LazyRows

    def __init__(self, app: AppContext, page_size: int = PAGE_SIZE) -> None:
        super().__init__(app, tuple(header for _column, header, _field in COLUMNS), page_size)
        self.query = RegisterQuery(sort="due_date")
        self._statement_key: tuple[RegisterQuery, dt.date] | None = None
        self._current: PagedRegister | None = None
        self.on_reset: Callable[[], None] | None = None
        self.letters: dict[int, LetterCounts] = {}  # reminders and demands of the rows fetched, by invoice id

    # --- loading ---------------------------------------------------------------------------
    def set_query(self, query: RegisterQuery) -> None:
        self.query = query
        self.reload()

    def refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.letters = {}
        super().reload()
        if self.on_reset:
            self.on_reset()

    def today(self) -> dt.date:
        return self.app.clock.today()

    def empty_rows(self) -> LazyRows:
        return LazyRows()

    def _statement(self) -> PagedRegister:
        """The current query's statement, kept for its pages; paged_register itself keeps the
        statements of filters switched back to."""
        key = (self.query, self.today())
        if self._current is None or key != self._statement_key:
            with self.app.ledger.transaction() as session:
                self._current = paged_register(session, self.query, self.today())
            self._statement_key = key
        return self._current

    def read_page(self, offset: int) -> list[Any]:
        """Raw SQLite rows, made into InvoiceRows by `rows` when they are read."""
        source = self._statement()
        with self.app.ledger.engine.connect() as connection:  # a read: no session, nothing to commit
            page = source.page(connection, self.page_size, offset)
            self.letters.update(letter_counts(connection, [raw[0] for raw in page]))
        self.rows.source = source
        return page

    # --- Qt model API ------------------------------------------------------------------------
    def cell(self, row: InvoiceRow, column: int, role: int) -> Any:
        overdue = row.status is Status.OVERDUE
        if role == Qt.ItemDataRole.DisplayRole:
            if column in (COL_REMINDERS, COL_DEMANDS):
                return self._count(row, column)
            return self._text(row, column)
        if role == OverdueRole:
            return overdue
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return QBrush(OVERDUE_RED)
        if role == Qt.ItemDataRole.BackgroundRole and overdue:
            return QBrush(OVERDUE_BACKGROUND)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        return None

    def _tooltip(self, row: InvoiceRow) -> str | None:
        """Disputed, and a pause of the reminders while it holds."""
        tips = []
        if row.disputed:
            tips.append(self.tr("Disputed"))
        if row.paused_until is not None and pause_in_effect(row.paused_until, self.app.clock.today()):
            tips.append(self.tr("Reminders paused until {0}").format(row.paused_until.isoformat()))
        return "; ".join(tips) or None

    def _count(self, row: InvoiceRow, column: int) -> str:
        letters = self.letters.get(row.id, NO_LETTERS)
        count = letters.reminders if column == COL_REMINDERS else letters.demands
        return str(count) if count else ""

    @staticmethod
    def _text(r: InvoiceRow, column: int) -> str:
        values: dict[int, Callable[[], str]] = {
            COL_NUMBER: lambda: r.number + (" (credit note)" if r.kind == "credit_note" else ""),
            COL_CONTRACTOR: lambda: r.contractor,
            COL_ISSUED: lambda: r.issue_date.isoformat(),
            COL_DUE: lambda: r.due_date.isoformat(),
            COL_GROSS: lambda: format_amount(r.gross),
            COL_PAID: lambda: format_amount(r.paid),
            COL_BALANCE: lambda: format_amount(r.balance),
            COL_CURRENCY: lambda: r.currency,
            COL_STATUS: lambda: STATUS_LABELS[r.status],
            COL_DAYS: lambda: str(r.days_overdue) if r.days_overdue else "",
        }
        return values[column]()

    def sort_indicator(self) -> tuple[int, Qt.SortOrder]:
        """The column and order the rows are sorted by, for the header to show."""
        column = next((c for c, _header, field in COLUMNS if field == self.query.sort), COL_DUE)
        return column, Qt.SortOrder.DescendingOrder if self.query.descending else Qt.SortOrder.AscendingOrder

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        field = COLUMNS[column][2]
        if field is None:
            return
        query = replace(self.query, sort=field, descending=order == Qt.SortOrder.DescendingOrder)
        if query != self.query or not self.pages_fetched:  # the header repeats the sort it shows
            self.set_query(query)
