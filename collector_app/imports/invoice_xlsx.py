"""Invoices from XLSX workbooks, read row by row with openpyxl in read-only mode (formulas stay text)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from collector_app.imports.common import InvoiceRecord, SkippedRow, problem
from collector_app.imports.invoice_csv import HEADER_SEARCH, Mapping, header_index, records


def read(path: Path, label: str, mapping: Mapping, default_currency: str) -> Iterator[InvoiceRecord | SkippedRow]:
    book, sheet = _open(path, label, mapping)
    try:
        yield from records(_rows(sheet, label), mapping, default_currency, label)
    finally:
        book.close()


def first_rows(path: Path, label: str, mapping: Mapping, limit: int) -> list[list[object]]:
    """The header and up to `limit` rows under it (for a preview)."""
    book, sheet = _open(path, label, mapping)
    try:
        rows: list[list[object]] = []
        for _line, row in _rows(sheet, label):
            rows.append(list(row))
            if len(rows) > mapping.skip_rows + limit:
                break
        return rows[mapping.skip_rows:]
    finally:
        book.close()


def _open(path: Path, label: str, mapping: Mapping) -> tuple[Any, Any]:
    try:
        # data_only=False: a formula is read as its text ("=SUM(A1:A3)"), never evaluated
        book = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise problem(label, "", f"is not a readable XLSX workbook ({exc})") from exc
    if not book.worksheets:
        book.close()
        raise problem(label, "", "the workbook has no sheet")
    return book, _invoice_sheet(book, label, mapping)


def _invoice_sheet(book: Any, label: str, mapping: Mapping) -> Any:
    """The sheet that holds the invoices: the active one, else the first other sheet with a header row
    among its first rows (a workbook may open on a summary or a cover sheet); the active one when none has."""
    active = book.active if book.active in book.worksheets else book.worksheets[0]
    for sheet in [active, *(s for s in book.worksheets if s is not active)]:
        head = [list(row) for _line, row in islice(_rows(sheet, label), HEADER_SEARCH + mapping.skip_rows)]
        if header_index(head[mapping.skip_rows:], mapping) is not None:
            return sheet
    return active


def _rows(sheet: Any, label: str) -> Iterator[tuple[int, Sequence[object]]]:
    try:
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise problem(label, "", f"the workbook is damaged ({exc})") from exc
