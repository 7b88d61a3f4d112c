"""Import batches as a paged Qt model: newest first, what each import did, undone batches greyed out."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from collector_app.services.context import Ctx
from collector_app.services.import_batches import BatchDetail, batch_page
from collector_app.ui.context import AppContext
from collector_app.ui.models.paged import PAGE_SIZE, RIGHT, PagedTableModel
from collector_app.ui.widgets.detail import local_time
from collector_app.ui.widgets.import_run import format_name

(COL_ID, COL_AT, COL_BY, COL_KIND, COL_FILE, COL_FORMAT, COL_RESULT, COL_SKIPPED, COL_WARNINGS,
 COL_UNDONE) = range(10)
UNDONE_COLOR = QColor(128, 128, 128)
NUMERIC = (COL_ID, COL_SKIPPED, COL_WARNINGS)


class ImportTableModel(PagedTableModel[BatchDetail]):
    """One row per imported file, as `collector import batches` lists them, with the counts its summary kept."""

    def __init__(self, app: AppContext, page_size: int = PAGE_SIZE) -> None:
        headers = (self.tr("Batch"), self.tr("Imported"), self.tr("By"), self.tr("Kind"), self.tr("File"),
                   self.tr("Format"), self.tr("Result"), self.tr("Skipped"), self.tr("Warnings"),
                   self.tr("Undone"))
        super().__init__(app, headers, page_size)

    def fetch(self, ctx: Ctx, limit: int, offset: int) -> list[BatchDetail]:
        return batch_page(ctx, limit, offset)

    def cell(self, row: BatchDetail, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and row.row.undone_at is not None:
            return UNDONE_COLOR
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:  # a cell cut at a narrow width is whole on hover
            if column == COL_UNDONE and row.row.undone_at is not None:
                return local_time(row.row.undone_at)
            return row.row.file if column == COL_FILE else self.text(row, column) or None
        return None

    def kind_text(self, kind: str) -> str:
        return self.tr("Bank statement") if kind == "statement" else self.tr("Invoices")

    def result_text(self, detail: BatchDetail) -> str:
        s = detail.summary
        if s is None:
            return self.tr("did not finish")
        if detail.row.kind == "statement":
            return self.tr("{0} payments, {1} matched, {2} to review").format(s.payments, s.matched, s.unmatched)
        return self.tr("{0} created, {1} unchanged").format(s.created, s.unchanged)

    def text(self, detail: BatchDetail, column: int) -> str:
        r, s = detail.row, detail.summary
        if column == COL_ID:
            return str(r.id)
        if column == COL_AT:
            return local_time(r.created_at)
        if column == COL_BY:
            return r.created_by or ""
        if column == COL_KIND:
            return self.kind_text(r.kind)
        if column == COL_FILE:  # the name; the path it was imported from is in the tooltip
            return r.file.replace("\\", "/").rsplit("/", 1)[-1]
        if column == COL_FORMAT:
            return format_name(r.format)
        if column == COL_RESULT:
            return self.result_text(detail)
        if column == COL_SKIPPED:
            return str(len(s.skipped)) if s is not None else ""
        if column == COL_WARNINGS:
            return str(len(s.warnings)) if s is not None else ""
        return local_time(r.undone_at)[:10] if r.undone_at is not None else ""  # the day; the time on hover
