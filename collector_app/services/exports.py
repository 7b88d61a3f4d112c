"""Writing register rows to CSV or XLSX for a spreadsheet, safely (no formula injection)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy.orm import Session

from collector_app.db.queries import InvoiceRow, RegisterQuery, invoice_page
from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount

HEADER = ("number", "kind", "contractor", "issue_date", "due_date", "gross", "paid", "balance", "currency",
          "status", "days_overdue")
BATCH = 5000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _cells(r: InvoiceRow) -> list[str | int | Decimal]:
    return [
        safe_text(r.number), r.kind, safe_text(r.contractor), r.issue_date.isoformat(), r.due_date.isoformat(),
        format_amount(r.gross), format_amount(r.paid), format_amount(r.balance), r.currency, r.status.value,
        r.days_overdue,
    ]


def _rows(session: Session, rq: RegisterQuery, today: dt.date) -> Iterator[InvoiceRow]:
    offset = 0
    while True:
        page = invoice_page(session, rq, today, limit=BATCH, offset=offset)
        yield from page
        if len(page) < BATCH:
            return
        offset += BATCH


def export_register(
    session: Session, rq: RegisterQuery, today: dt.date, target: Path,
    progress: Callable[[int], bool] | None = None,
) -> int:
    """Write every row the query selects; returns the count. `progress` returning False cancels."""
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UserError("file", f"{target.name}: expected a .csv or .xlsx file name")
    partial = target.with_name(target.name + ".part")
    count = 0
    if suffix == ".csv":
        with partial.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(HEADER)
            for r in _rows(session, rq, today):
                writer.writerow(_cells(r))
                count += 1
                if progress and count % BATCH == 0 and not progress(count):
                    partial.unlink(missing_ok=True)
                    return -1
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Invoices")
        sheet.append(list(HEADER))
        for r in _rows(session, rq, today):
            cells = _cells(r)
            cells[5:8] = [r.gross, r.paid, r.balance]  # numbers in XLSX, so sums work
            sheet.append(cells)
            count += 1
            if progress and count % BATCH == 0 and not progress(count):
                return -1
        book.save(partial)
    partial.replace(target)
    return count
