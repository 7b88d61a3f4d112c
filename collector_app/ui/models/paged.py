"""A table model that pages its rows in from a service as the user scrolls (invoices, contractors, payments…)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx
from collector_app.ui.context import AppContext
from collector_app.ui.models.list_table import HeaderedTableModel

log = logging.getLogger(__name__)

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)
Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200
OverdueRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class RowStore(Protocol[R_co]):
    """The rows fetched so far: a plain list, or one that makes each row when it is first read."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> R_co: ...
    def __iter__(self) -> Iterator[R_co]: ...
    def extend(self, page: list[Any], /) -> None: ...


class PagedTableModel(HeaderedTableModel, Generic[R]):
    """Holds the pages fetched so far; a failed query becomes one error row, never an exception in Qt."""

    def __init__(self, app: AppContext, headers: tuple[str, ...], page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self.app = app
        self.headers = headers
        self.page_size = page_size
        self.rows: RowStore[R] = self.empty_rows()
        self.exhausted = False
        self.pages_fetched = 0
        self.error: str | None = None  # the query failed: one error row after the rows
        self.row_errors: dict[int, str] = {}  # rows whose values could not be read

    # --- subclasses say how to read a page and show a cell ------------------------------------
    def fetch(self, ctx: Ctx, limit: int, offset: int) -> list[R]:
        raise NotImplementedError

    def cell(self, row: R, column: int, role: int) -> Any:
        raise NotImplementedError

    def read_page(self, offset: int) -> list[Any]:
        """One page as `rows.extend` takes it; by default `fetch` in one service transaction."""
        with self.app.transaction() as ctx:
            return self.fetch(ctx, self.page_size, offset)

    def empty_rows(self) -> RowStore[R]:
        rows: list[R] = []
        return rows

    # --- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        self.beginResetModel()
        self.rows = self.empty_rows()
        self.exhausted = False
        self.pages_fetched = 0
        self.error = None
        self.row_errors = {}
        self.rows.extend(self._query_page(0))
        self.endResetModel()

    def _query_page(self, offset: int) -> list[Any]:
        try:
            page = self.read_page(offset)
        except UserError as exc:
            self.error, self.exhausted = exc.message, True
            return []
        except Exception as exc:
            log.exception("page query failed")
            self.error, self.exhausted = str(exc), True
            return []
        self.pages_fetched += 1
        self.exhausted = len(page) < self.page_size
        return page

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self.exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self.exhausted:
            return
        start = len(self.rows)
        page = self._query_page(start)
        if not page:
            if self.error:  # show the error row
                self.beginInsertRows(QModelIndex(), start, start)
                self.endInsertRows()
            return
        self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
        self.rows.extend(page)
        self.endInsertRows()

    # --- Qt model API ------------------------------------------------------------------------
    def row_at(self, row: int) -> R | None:
        if not 0 <= row < len(self.rows):
            return None
        try:
            return self.rows[row]
        except Exception as exc:  # a value that cannot be converted: an error row, not a crash in paint
            log.exception("row %d cannot be read", row)
            self.row_errors[row] = str(exc)
            return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self.rows) + (1 if self.error else 0)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
                return self.tr("Error: {0}").format(self.row_errors.get(index.row(), self.error))
            return None
        if role == RowRole:
            return row
        return self.cell(row, index.column(), role)
