"""`collector import invoices|batches|undo`: invoice files and import batches from a terminal."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from collector_app.domain.errors import UserError
from collector_app.imports.detect import INVOICE_FORMATS
from collector_app.imports.invoice_csv import load_mapping
from collector_app.services import import_batches
from collector_app.services.import_invoices import InvoiceImport, import_invoices, remembered_mapping

if TYPE_CHECKING:
    from collector_app.cli import Run

Adder = Callable[..., argparse.ArgumentParser]
BATCH_COLUMNS = ["id", "kind", "format", "file", "created_at", "created_by", "documents", "payments", "undone_at"]


def cmd_import_invoices(run: Run) -> None:
    """The whole file in one transaction; with --dry-run everything runs and is rolled back."""
    a = run.args
    mapping = load_mapping(Path(a.mapping)) if a.mapping else None
    request = InvoiceImport(Path(a.file), a.format, mapping, label=a.file)
    session = run.ledger.sessions()
    try:
        remembered = remembered_mapping(run.ctx(session), request)
        if remembered is not None:
            request = replace(request, mapping=remembered)
        result = import_invoices(run.ctx(session), request)
        if remembered is not None:
            result.summary.warn("", "read with the column mapping the import wizard saved for files with these "
                                    "headers (give --mapping to read it otherwise)")
        if a.dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    batch = None if a.dry_run else result.batch_id
    run.emit({**result.summary.as_dict(), "batch": batch, "dry_run": bool(a.dry_run)})


def cmd_import_batches(run: Run) -> None:
    if run.args.limit is not None and run.args.limit < 0:
        raise UserError("limit", "must not be negative")
    with run.ledger.transaction() as s:
        rows = import_batches.list_batches(run.ctx(s), run.args.limit)
    run.emit([_batch_row(r) for r in rows], BATCH_COLUMNS)


def _batch_row(row: import_batches.BatchRow) -> dict[str, object]:
    def moment(value: dt.datetime | None) -> str | None:
        return value.astimezone().isoformat(timespec="minutes") if value else None

    return {"id": row.id, "kind": row.kind, "format": row.format, "file": row.file,
            "created_at": moment(row.created_at), "created_by": row.created_by, "documents": row.documents,
            "payments": row.payments, "undone_at": moment(row.undone_at)}


def cmd_import_undo(run: Run) -> None:
    with run.ledger.transaction() as s:
        result = import_batches.undo_batch(run.ctx(s), run.args.batch)
    run.emit(result.as_dict())


def register(add: Adder, parser_class: type[argparse.ArgumentParser]) -> None:
    """Adds `import` with `invoices`, `batches`, `undo` (and `statement`) to the main parser."""
    isub = add("import", _need_sub, "import invoices and bank statements; list and undo import batches").add_subparsers(
        dest="subcommand", required=True, parser_class=parser_class)
    p = add("invoices", cmd_import_invoices, "import invoices (CSV, XLSX, UBL/Peppol, ISDOC, KSeF) from a file",
            isub)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=INVOICE_FORMATS, help="default: told from the file's content")
    p.add_argument("--mapping", metavar="MAP.json", help="CSV/XLSX columns and formats (see README)")
    p.add_argument("--dry-run", action="store_true", help="show what would be imported, write nothing")
    p = add("batches", cmd_import_batches, "the import batches, newest first", isub)
    p.add_argument("--limit", type=int)
    p = add("undo", cmd_import_undo, "remove an import batch as a whole (if nothing touched it since)", isub)
    p.add_argument("--batch", type=int, required=True, metavar="ID")

    from collector_app import cli_statements  # import statement

    cli_statements.register_import(isub, add)


def _need_sub(run: Run) -> None:  # pragma: no cover - argparse requires the subcommand
    raise UserError(None, "a subcommand is required")
