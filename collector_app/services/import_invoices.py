"""Writing imported invoices into the ledger: contractors matched or created, documents added once, one batch."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select

from collector_app.db.models import Contractor, Event, Firm, ImportBatch, Invoice
from collector_app.domain.contact import check_country, check_email, check_phone, default_language
from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount
from collector_app.domain.references import number_key
from collector_app.domain.taxid import (
    TaxIdCheck,
    check_imported_tax_id,
    compact_tax_id,
    normalize_tax_id,
    vat_prefix_country,
)
from collector_app.imports import invoice_csv, invoice_xlsx, isdoc, ksef, ubl
from collector_app.imports.common import (
    ImportProblem,
    ImportSummary,
    InvoiceRecord,
    PartyRecord,
    SkippedRow,
    problem,
)
from collector_app.imports.detect import INVOICE_FORMATS, detect_format
from collector_app.imports.einvoice import CollectiveCorrection, CorrectedInvoice
from collector_app.imports.invoice_csv import Mapping
from collector_app.services import audit, settings
from collector_app.services.context import Ctx
from collector_app.services.firm import get_firm
from collector_app.services.import_batches import batch_details, batch_label, finish_batch, open_batch
from collector_app.services.invoices import link_credit_note, link_waiting_credit_notes, offset_credit_note

CHUNK = 2000
E_INVOICES = frozenset({"ubl", "isdoc", "ksef"})
ROWS_PER_STATEMENT = 1000  # SQLite: rows of one multi-row INSERT (bounded by the driver's variable limit too)
DEFAULT_TERMS = 14
Progress = Callable[[int], None]


@dataclass(frozen=True)
class InvoiceImport:
    """One file to import; `label` is the name errors and the timeline show (default: the file's name)."""

    path: Path
    format: str | None = None
    mapping: Mapping | None = None
    label: str | None = None


@dataclass
class InvoiceImportResult:
    summary: ImportSummary
    batch_id: int


def read_records(request: InvoiceImport, default_currency: str) -> tuple[str, Iterator[InvoiceRecord | SkippedRow]]:
    """The file's format and its documents, read lazily (errors name the file and the place)."""
    label = request.label or request.path.name
    if not request.path.is_file():
        raise problem(label, "", "no such file")
    fmt = request.format or detect_format(request.path, label)
    if fmt not in INVOICE_FORMATS:
        raise UserError("format", f'"{fmt}" is not an invoice format ({", ".join(INVOICE_FORMATS)})')
    mapping = request.mapping or Mapping()
    if fmt == "csv":
        return fmt, invoice_csv.read(request.path, label, mapping, default_currency)
    if fmt == "xlsx":
        return fmt, invoice_xlsx.read(request.path, label, mapping, default_currency)
    reader = {"ubl": ubl.read, "isdoc": isdoc.read, "ksef": ksef.read}[fmt]
    return fmt, reader(request.path, label)


def import_invoices(ctx: Ctx, request: InvoiceImport, progress: Progress | None = None,
                    cancelled: Callable[[], bool] | None = None) -> InvoiceImportResult:
    """Import one file in the caller's transaction: everything or, on an error, nothing (the caller rolls back).

    `progress` hears the number of documents read every CHUNK documents; `cancelled` is asked as often and
    stops the import with a UserError (the caller's rollback then leaves the ledger as it was).
    """
    firm = get_firm(ctx)
    fmt, records = read_records(request, firm.currency if firm else "PLN")
    label = request.label or request.path.name
    batch = open_batch(ctx, "invoices", request.path, fmt, label)
    summary = ImportSummary(file=label, format=fmt)
    writer = _Writer(ctx, batch, summary, firm, label)
    for count, rec in enumerate(records, start=1):
        if isinstance(rec, SkippedRow):
            summary.skip(rec.place, rec.reason)
        else:
            writer.add(rec)
        if count % CHUNK == 0:
            if cancelled is not None and cancelled():
                raise UserError("import", "cancelled; nothing was imported")
            if progress is not None:
                progress(count)
    writer.finish()
    finish_batch(ctx, batch, summary)
    return InvoiceImportResult(summary, batch.id)


@dataclass(frozen=True)
class FilePreview:
    """The first rows of a file as the import wizard shows them, and the columns the import would use."""

    format: str
    header: list[str]
    rows: list[list[str]]
    columns: dict[str, str]  # field → the header it is read from (CSV/XLSX)
    missing: list[str]  # required fields without a column
    encoding: str | None = None
    delimiter: str | None = None


PREVIEW_FIELDS = ["Number", "Contractor", "Tax id", "Issue date", "Due date", "Amount", "Currency", "Kind"]


def preview_file(request: InvoiceImport, default_currency: str = "PLN", limit: int = 20) -> FilePreview:
    """Read just enough of a file to show it; CSV/XLSX raw cells, e-invoices the document they hold."""
    label = request.label or request.path.name
    if not request.path.is_file():
        raise problem(label, "", "no such file")
    fmt = request.format or detect_format(request.path, label)
    mapping = request.mapping or Mapping()
    encoding = delimiter = None
    if fmt in ("csv", "xlsx"):
        if fmt == "csv":
            raw, encoding, delimiter = invoice_csv.first_rows(request.path, label, mapping, limit, default_currency)
        else:
            raw = [[_cell_text(c) for c in row] for row in invoice_xlsx.first_rows(request.path, label, mapping,
                                                                                      limit)]
        raw = raw[invoice_csv.header_index(raw, mapping) or 0:]  # none found: the first row, whose error is shown
        header = [_cell_text(c) for c in raw[0]] if raw else []
        rows = [[_cell_text(c) for c in row] for row in raw[1:]]
        try:  # the rows too: a contractor column of short codes gives way to the full names beside it
            _index, names, missing = invoice_csv.match_columns(header, mapping, rows=rows)
        except ImportProblem as exc:
            raise exc.to_user_error(label) from exc
        return FilePreview(fmt, header, rows, names, missing, encoding, delimiter)
    _fmt, records = read_records(request, default_currency)
    rows = [[r.number, r.buyer.name or "", r.buyer.tax_id or "", r.issue_date.isoformat(),
             r.due_date.isoformat() if r.due_date else "", format_amount(r.gross), r.currency or "", r.kind]
            for r in records if isinstance(r, InvoiceRecord)]
    return FilePreview(fmt, PREVIEW_FIELDS, rows, {}, [])


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


MAPPING_KEY = "import.mapping."


def header_key(header: Sequence[str]) -> str:
    """What identifies a source program's export: its header, in lower case, whitespace normalised."""
    text = "\x1f".join(" ".join(h.split()).lower() for h in header)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def saved_mapping(ctx: Ctx, header: Sequence[str]) -> Mapping | None:
    """The mapping saved for files with this header (the wizard remembers one per source)."""
    stored = settings.get_value(ctx, MAPPING_KEY + header_key(header))
    if stored is None:
        return None
    try:
        return invoice_csv.mapping_from_dict(json.loads(stored))
    except (ValueError, ImportProblem):
        return None


def remembered_mapping(ctx: Ctx, request: InvoiceImport) -> Mapping | None:
    """For an import given no mapping: the one the import wizard saved for files with this file's header, so
    that the command line reads a layout the window has learned as the window does (None otherwise)."""
    if request.mapping is not None:
        return None
    firm = get_firm(ctx)
    try:
        preview = preview_file(request, firm.currency if firm else "PLN")
    except UserError:
        return None  # the import itself says what is wrong with the file
    return saved_mapping(ctx, preview.header) if preview.format in ("csv", "xlsx") else None


def save_mapping(ctx: Ctx, header: Sequence[str], mapping: Mapping) -> None:
    settings.set_value(ctx, MAPPING_KEY + header_key(header), json.dumps(mapping.as_dict(), ensure_ascii=False))


@dataclass
class _Known:
    """An existing document of the ledger, as far as re-import compares it."""

    id: int
    contractor_id: int
    gross: Decimal
    currency: str
    issue_date: dt.date
    due_date: dt.date
    kind: str = "invoice"
    corrects_number: str | None = None
    corrects_invoice_id: int | None = None


@dataclass
class _Contractors:
    by_key: dict[str, Contractor] = field(default_factory=dict)
    by_name: dict[str, Contractor] = field(default_factory=dict)
    names_loaded: set[str] = field(default_factory=set)
    filled: set[int] = field(default_factory=set)


class _Writer:
    """Buffers invoices in chunks written with executemany; credit notes go last, through the ledger service."""

    def __init__(self, ctx: Ctx, batch: ImportBatch, summary: ImportSummary, firm: Firm | None, label: str) -> None:
        self.ctx = ctx
        self.batch = batch
        self.summary = summary
        self.label = label
        self.source = batch.format
        self.firm_key = compact_tax_id(firm.tax_id) if firm and firm.tax_id else None
        self.firm_tax_id = firm.tax_id if firm else None
        self.firm_country = firm.country if firm else "PL"
        self.firm_terms = firm.payment_terms_days if firm else DEFAULT_TERMS
        self.now = ctx.clock.now()
        self.details = json.dumps(batch_details(batch), ensure_ascii=False)
        self.pending: list[InvoiceRecord] = []
        self.credit_notes: list[InvoiceRecord] = []
        self.replacements: list[InvoiceRecord] = []  # corrected invoices (384), booked against what they replace
        self.cache = _Contractors()
        self.tax_checked: dict[tuple[str, str], TaxIdCheck] = {}  # (tax key, country judged by) → its check
        self.tax_keys: dict[str, str] = {}  # tax id as written → compact_tax_id (one contractor, many rows)
        self.seller_noted = False
        self.fresh: list[Contractor] = []  # created in this chunk, their events written after the flush
        self.converters: dict[str, dict[str, _Memo]] = {}

    # -- reading side ------------------------------------------------------------------------------

    def add(self, rec: InvoiceRecord) -> None:
        self._check_seller(rec)
        if len(rec.number) > 64:
            raise problem(self.label, rec.place, f'number: "{rec.number[:20]}…" is longer than 64 characters')
        if self._firm_is_buyer(rec.buyer):
            shown = rec.buyer.tax_id or rec.buyer.registration_no
            self.summary.skip(rec.number, f"the buyer {rec.buyer.name or '?'} (tax id {shown}) is the firm itself "
                                          f"(tax id {self.firm_tax_id}): not a sale to a customer, nothing to collect")
            return
        for note in rec.notes:
            self.summary.warn(rec.number, note)
        if rec.kind == "credit_note":
            self.credit_notes.append(rec)
            return
        if isinstance(rec, CorrectedInvoice):
            self.replacements.append(rec)
            return
        self.pending.append(rec)
        if len(self.pending) >= CHUNK:
            self._flush()

    def finish(self) -> None:
        self._flush()
        if self.replacements:
            self._write_replacements(self.replacements)
            self._flush()
        if self.credit_notes:
            self._write_credit_notes(self.credit_notes)

    def _check_seller(self, rec: InvoiceRecord) -> None:
        seller = rec.seller
        if seller is None:
            return
        if self.firm_key is None:
            if not self.seller_noted:
                self.seller_noted = True
                self.summary.warn(rec.number, f"the firm's tax id is not set: seller {seller.name or '?'} "
                                              f"({seller.tax_id or 'no tax id'}) accepted without a check")
            return
        keys = {compact_tax_id(t) for t in (seller.tax_id, seller.registration_no) if t}
        if not keys:
            self.summary.warn(rec.number, f"the seller {seller.name or '?'} has no tax id in the file: accepted "
                                          "as the firm's document")
            return
        if self.firm_key not in keys:
            raise problem(self.label, rec.place,
                          f"the seller {seller.name or '?'} ({seller.tax_id or 'no tax id'}) is not the firm "
                          f"(tax id {self.firm_tax_id}): not a sales document of the firm")

    def _firm_is_buyer(self, buyer: PartyRecord) -> bool:
        """The buyer's tax id (or registration number, a Czech IČO) is the firm's own: the firm billing itself
        (an internal or self-billed document), never a customer's debt."""
        if self.firm_key is None:
            return False
        return any(_same_tax_id(self.firm_key, self._key(t)) for t in (buyer.tax_id, buyer.registration_no) if t)

    # -- invoices in bulk --------------------------------------------------------------------------

    def _flush(self) -> None:
        recs, self.pending = self.pending, []
        if not recs:
            return
        owners = self._contractors(recs)
        known = self._known("invoice", [r.number for r in recs])
        others = self._other_kind("invoice", recs, known)
        rows: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for rec, owner in zip(recs, owners, strict=True):
            old = known.get(rec.number)
            if old is not None:
                self._compare(rec, old, owner, _amounts(rec.gross, rec.currency, old))
                continue
            twin = others.get(rec.number)
            if twin is not None and self._same_correction(rec, twin, owner):
                self._compare_other_kind(rec, twin, owner)
                continue
            due = self._due(rec, owner)
            rows.append({
                "kind": "invoice", "number": rec.number, "number_key": number_key(rec.number),
                "variable_symbol": _symbol(rec.variable_symbol), "contractor_id": owner.id,
                "issue_date": rec.issue_date, "due_date": due, "net": rec.net, "vat": rec.vat, "gross": rec.gross,
                "paid": Decimal(0), "currency": rec.currency, "corrects_invoice_id": None, "disputed": False,
                "handed_over": False, "under_plan": False, "source": self.source,
                "import_batch_id": self.batch.id, "created_at": self.now,
            })
            events.append({
                "at": self.now, "user": self.ctx.user, "action": "invoice.imported", "entity": "invoice",
                "contractor_id": owner.id, "details": self.details,
                "summary": f"Invoice {rec.number} imported from {batch_label(self.batch)}: "
                           f"{format_amount(rec.gross)} {rec.currency}, due {due.isoformat()}",
            })
            if rec.gross == 0:
                self.summary.warn(rec.number, "nothing payable: imported as settled, for the record")
        if rows:
            for event, doc_id in zip(events, self._insert_invoices(rows), strict=True):
                event["entity_id"] = event["invoice_id"] = doc_id
            self._bulk_insert(Event, events)
            self.summary.created += len(rows)
            for link in link_waiting_credit_notes(self.ctx, [r["number"] for r in rows], batch_details(self.batch)):
                self.summary.warn(link.invoice, link.text)

    def _insert_invoices(self, rows: list[dict[str, Any]]) -> list[int]:
        """One executemany; SQLite gets its ids numbered here (the write lock is held), others return theirs."""
        conn = self.ctx.session.connection()
        if conn.dialect.name == "sqlite":
            first = int(conn.scalar(select(func.max(Invoice.id))) or 0) + 1
            ids = list(range(first, first + len(rows)))
            for row, doc_id in zip(rows, ids, strict=True):
                row["id"] = doc_id
            self._bulk_insert(Invoice, rows)
            return ids
        result = conn.execute(insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), rows)
        return [int(i) for i in result.scalars()]

    def _bulk_insert(self, model: type[Invoice] | type[Event], rows: list[dict[str, Any]]) -> None:
        """Insert rows; on SQLite straight to the driver with SQLAlchemy's own converters, many rows a statement.

        The driver call saves a third of the cost. Many rows a statement because the search index (FTS5, fed
        by the insert trigger) flushes its pending terms at every statement's savepoint: row-by-row
        executemany wrote one tiny index segment per invoice, 4.8 of the 8.2 s of 100k rows into a 1M ledger.
        """
        conn = self.ctx.session.connection()
        if conn.dialect.name != "sqlite":
            conn.execute(insert(model), rows)
            return
        columns = list(rows[0])
        converters = self.converters.setdefault(model.__tablename__, {})
        for col in columns:
            if col not in converters:
                sql_type = model.__table__.c[col].type
                converters[col] = _Memo(sql_type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
        pairs = [(converters[c] if converters[c].convert else None, c) for c in columns]  # None: sent as it is
        names = ", ".join(f'"{c}"' for c in columns)
        one = f'({", ".join("?" * len(columns))})'
        per = max(1, min(ROWS_PER_STATEMENT, _variable_limit(conn) // len(columns)))
        for start in range(0, len(rows), per):
            part = rows[start:start + per]
            values = [row[c] if conv is None else conv[row[c]] for row in part for conv, c in pairs]
            conn.exec_driver_sql(f'INSERT INTO "{model.__tablename__}" ({names}) VALUES {", ".join([one] * len(part))}',
                                 tuple(values))

    def _known(self, kind: str, numbers: Sequence[str]) -> dict[str, _Known]:
        out: dict[str, _Known] = {}
        unique = sorted(set(numbers))
        for i in range(0, len(unique), 500):
            query = select(Invoice.number, Invoice.id, Invoice.contractor_id, Invoice.gross, Invoice.currency,
                           Invoice.issue_date, Invoice.due_date, Invoice.corrects_number, Invoice.corrects_invoice_id
                           ).where(Invoice.kind == kind, Invoice.number.in_(unique[i:i + 500]))
            for row in self.ctx.session.execute(query):
                out[row.number] = _Known(row.id, row.contractor_id, row.gross, row.currency, row.issue_date,
                                         row.due_date, kind, row.corrects_number, row.corrects_invoice_id)
        return out

    def _other_kind(self, kind: str, recs: Sequence[InvoiceRecord], known: dict[str, _Known]) -> dict[str, _Known]:
        """Documents of the other kind under the numbers of corrections not found as `kind`: the same correction
        stored with the other sign (a KSeF KOR booked as a credit note of 0.00, now 1.00 to pay)."""
        other = "credit_note" if kind == "invoice" else "invoice"
        return self._known(other, [r.number for r in recs if r.corrects and r.number not in known])

    def _same_correction(self, rec: InvoiceRecord, old: _Known | None, owner: Contractor) -> bool:
        """Whether a document of the other kind is this correction: same number and contractor, and it corrects
        the same invoice. An unrelated document sharing the number (another series) is not."""
        if old is None or not rec.corrects or old.contractor_id != owner.id:
            return False
        corrected = old.corrects_number
        if corrected is None and old.corrects_invoice_id is not None:
            corrected = self.ctx.session.scalar(select(Invoice.number).where(Invoice.id == old.corrects_invoice_id))
        return corrected is not None and corrected == rec.corrects.strip()[:64]

    def _compare_other_kind(self, rec: InvoiceRecord, old: _Known, owner: Contractor) -> None:
        """The correction is in the ledger with the other sign: said, never booked a second time."""
        self._compare(rec, old, owner, f"{_kind_amount(rec.kind, rec.gross)} {rec.currency} in the file, "
                                       f"{_kind_amount(old.kind, old.gross)} {old.currency} in the ledger")

    def _compare(self, rec: InvoiceRecord, old: _Known, owner: Contractor, amounts: str | None) -> None:
        """A document already in the ledger stays as it is; differences are reported, not written. `amounts` says
        what the file says and what the ledger holds when they differ (see _amounts)."""
        what = "credit note" if rec.kind == "credit_note" else "invoice"
        if old.contractor_id != owner.id:
            other = self.ctx.session.get(Contractor, old.contractor_id)
            raise problem(self.label, rec.place,
                          f'number: "{rec.number}" is already {"a" if what == "credit note" else "an"} {what} of '
                          f"{other.name if other else old.contractor_id} in the ledger, not of {owner.name}")
        self.summary.unchanged += 1
        diffs = []
        if amounts is not None:
            diffs.append(amounts)
        if old.issue_date != rec.issue_date:
            diffs.append(f"issue date {rec.issue_date} in the file, {old.issue_date} in the ledger")
        if rec.due_date is not None and old.due_date != rec.due_date:
            diffs.append(f"due date {rec.due_date} in the file, {old.due_date} in the ledger")
        if diffs:
            self.summary.warn(rec.number, f"already in the ledger and differs ({'; '.join(diffs)}): not overwritten")

    def _due(self, rec: InvoiceRecord, owner: Contractor) -> dt.date:
        if rec.due_date is not None:
            if rec.due_date < rec.issue_date:
                self.summary.warn(rec.number, f"due date {rec.due_date} is before the issue date {rec.issue_date}: "
                                              "kept as the file says")
            return rec.due_date
        terms = rec.terms_days
        if terms is None:
            terms = owner.payment_terms_days if owner.payment_terms_days is not None else self.firm_terms
            if self.source in E_INVOICES and rec.kind == "invoice" and rec.gross > 0:  # CSV says it once per file
                whose = "the contractor's" if owner.payment_terms_days is not None else "the firm's"
                self.summary.warn(rec.number, f"no due date or payment terms in the file: due in {terms} days "
                                              f"({whose} payment terms)")
        return rec.issue_date + dt.timedelta(days=terms)

    # -- credit notes, one by one through the ledger's offset ---------------------------------------

    def _write_credit_notes(self, recs: list[InvoiceRecord]) -> None:
        owners = self._contractors(recs)
        known = self._known("credit_note", [r.number for r in recs])
        others = self._other_kind("credit_note", recs, known)
        s = self.ctx.session
        for rec, owner in zip(recs, owners, strict=True):
            gross = -abs(rec.gross)
            old = known.get(rec.number)
            if old is not None:
                self._compare(rec, old, owner, _amounts(gross, rec.currency, old))
                self._link_late(rec, old, owner)
                continue
            twin = others.get(rec.number)
            if twin is not None and self._same_correction(rec, twin, owner):
                self._compare_other_kind(rec, twin, owner)
                continue
            doc = Invoice(
                kind="credit_note", number=rec.number, number_key=number_key(rec.number),
                variable_symbol=_symbol(rec.variable_symbol), contractor_id=owner.id, issue_date=rec.issue_date,
                due_date=self._due(rec, owner), net=-abs(rec.net) if rec.net is not None else None,
                vat=-abs(rec.vat) if rec.vat is not None else None, gross=gross, paid=Decimal(0),
                currency=rec.currency, source=self.source, import_batch_id=self.batch.id, created_at=self.now,
            )
            corrected = self._corrected(rec, owner)
            doc.corrects_invoice_id = corrected.id if corrected else None
            doc.corrects_number = _corrects(rec)  # kept unlinked too: the invoice, imported later, links it then
            s.add(doc)
            s.flush()
            known[rec.number] = _Known(doc.id, owner.id, gross, doc.currency, doc.issue_date, doc.due_date,
                                       "credit_note", doc.corrects_number, doc.corrects_invoice_id)
            audit.record(self.ctx, "credit_note.imported", "invoice", doc.id,
                         f"Credit note {doc.number} imported from {batch_label(self.batch)}: "
                         f"{format_amount(gross)} {doc.currency}"
                         + (f", corrects {corrected.number}" if corrected else ""),
                         invoice_id=doc.id, contractor_id=owner.id, details=batch_details(self.batch))
            self.summary.created += 1
            if gross == 0:
                self.summary.warn(rec.number, "nothing to credit: imported as settled, for the record")
            elif corrected is not None:
                offset_credit_note(self.ctx, doc, corrected)

    # -- corrected invoices (UNTDID 1001 code 384): the difference booked against the invoice replaced ------

    def _write_replacements(self, recs: list[InvoiceRecord]) -> None:
        """A corrected invoice replaces an earlier one in full. With the original in the ledger, only the difference
        is booked, linked to it: a lower amount as a credit note offset against it, a higher one (or the same) as
        an invoice of the difference, so the contractor owes the corrected amount once. Without it, the corrected
        invoice is imported for its full amount and the summary says what to do."""
        owners = self._contractors(recs)
        for rec, owner in zip(recs, owners, strict=True):
            original = self._replaced(rec, owner)
            if original is None:
                self.pending.append(rec)
                continue
            booked = self._booked_difference(rec, original, owner)
            if booked:
                self._compare_replacement(rec, original, booked, owner)
                continue
            diff = rec.gross - original.gross
            cur = rec.currency or original.currency
            done = (f"a corrected invoice (type 384) replacing {original.number} ({format_amount(original.gross)} "
                    f"{cur}) for {format_amount(rec.gross)} {cur}: ")
            if diff < 0:
                if self._known("credit_note", [rec.number]).get(rec.number) is None:
                    self.summary.warn(rec.number, done + f"booked as a credit note of {format_amount(-diff)} {cur} "
                                                         f"offset against {original.number}, which stays the "
                                                         "invoice to collect")
                self.credit_notes.append(_difference(rec, original, "credit_note", -diff))
            else:
                self._write_difference(_difference(rec, original, "invoice", diff), original, owner, done)

    def _replaced(self, rec: InvoiceRecord, owner: Contractor) -> Invoice | None:
        """The invoice a corrected invoice replaces, when the difference can be booked against it; else None, said."""
        number = (rec.corrects or "").strip()
        s = self.ctx.session
        inv = s.scalar(select(Invoice).where(Invoice.kind == "invoice", Invoice.number == number))
        why = None
        if inv is None:
            why = (f"replaces invoice {number}, which is not in the ledger: imported for its full amount; if "
                   f"{number} is added later, cancel or credit it, or both are owed")
        elif inv.contractor_id != owner.id:
            why = f"replaces invoice {number} of another contractor: imported for its full amount, not linked"
        elif inv.currency != rec.currency:
            why = f"replaces invoice {number} in {inv.currency}, not {rec.currency}: imported for its full amount"
        elif s.scalar(select(Invoice.id).where(Invoice.kind == "invoice", Invoice.number == rec.number,
                                               Invoice.contractor_id == owner.id,
                                               Invoice.corrects_invoice_id.is_(None))) is not None:
            why = (f"replaces invoice {number}, which came into the ledger after it: both are owed in full; "
                   f"cancel or credit {number}")
        if why is None:
            return inv
        self.summary.warn(rec.number, f"a corrected invoice (type 384) {why}")
        return None

    def _booked_difference(self, rec: InvoiceRecord, original: Invoice, owner: Contractor) -> list[Invoice]:
        """The difference this corrected invoice booked on an earlier import, an invoice or a credit note
        whatever the sign it came with: its number, its contractor, linked to the invoice it replaces."""
        return list(self.ctx.session.scalars(select(Invoice).where(
            Invoice.number == rec.number, Invoice.contractor_id == owner.id,
            or_(Invoice.corrects_invoice_id == original.id, Invoice.corrects_number == original.number),
        ).order_by(Invoice.id)))

    def _compare_replacement(self, rec: InvoiceRecord, original: Invoice, booked: list[Invoice],
                             owner: Contractor) -> None:
        """A corrected invoice imported before: the file's full amount is compared with what the ledger holds
        for it (the original's amount and the difference booked), as a bookkeeper reads the two documents."""
        first = booked[0]
        difference = sum((d.gross for d in booked), Decimal(0))
        held = original.gross + difference
        amounts = None
        if held != rec.gross or original.currency != rec.currency:
            change = f"{'plus' if difference >= 0 else 'less'} {format_amount(abs(difference))}"
            amounts = (f"amount {format_amount(rec.gross)} {rec.currency} in the file, {format_amount(held)} "
                       f"{original.currency} in the ledger ({original.number} {format_amount(original.gross)} "
                       f"{change} booked for this correction)")
        old = _Known(first.id, first.contractor_id, first.gross, first.currency, first.issue_date, first.due_date,
                     first.kind, first.corrects_number, first.corrects_invoice_id)
        self._compare(rec, old, owner, amounts)

    def _write_difference(self, rec: InvoiceRecord, original: Invoice, owner: Contractor, done: str) -> None:
        """An invoice of the difference a corrected invoice adds (none: settled at 0.00), linked to the original."""
        old = self._known("invoice", [rec.number]).get(rec.number)
        if old is not None:
            self._compare(rec, old, owner, _amounts(rec.gross, rec.currency, old))
            return
        cur = rec.currency
        self.summary.warn(rec.number, done + (
            f"the same amount, recorded as settled (0.00); {original.number} stays the invoice to collect"
            if rec.gross == 0 else
            f"booked as an invoice of the difference, {format_amount(rec.gross)} {cur}; {original.number} stays "
            "owed for its own amount"))
        doc = Invoice(
            kind="invoice", number=rec.number, number_key=number_key(rec.number),
            variable_symbol=_symbol(rec.variable_symbol), contractor_id=owner.id, issue_date=rec.issue_date,
            due_date=self._due(rec, owner), net=rec.net, vat=rec.vat, gross=rec.gross, paid=Decimal(0),
            currency=cur, corrects_invoice_id=original.id, corrects_number=original.number, source=self.source,
            import_batch_id=self.batch.id, created_at=self.now,
        )
        self.ctx.session.add(doc)
        self.ctx.session.flush()
        audit.record(self.ctx, "invoice.imported", "invoice", doc.id,
                     f"Invoice {doc.number} imported from {batch_label(self.batch)}: corrects {original.number}, "
                     f"{format_amount(doc.gross)} {cur} (the difference), due {doc.due_date.isoformat()}",
                     invoice_id=doc.id, contractor_id=owner.id, details=batch_details(self.batch))
        self.summary.created += 1
        for link in link_waiting_credit_notes(self.ctx, [doc.number], batch_details(self.batch)):
            self.summary.warn(link.invoice, link.text)

    def _link_late(self, rec: InvoiceRecord, old: _Known, owner: Contractor) -> None:
        """A credit note already in the ledger, still unlinked: linked now if its invoice has come since."""
        doc = self.ctx.session.get(Invoice, old.id)
        if doc is None or doc.corrects_invoice_id is not None or not rec.corrects:
            return
        if doc.import_batch_id == self.batch.id:  # twice in this file: the first time said what there is to say
            return
        doc.corrects_number = doc.corrects_number or _corrects(rec)  # imported before the ledger kept it
        corrected = self._corrected(rec, owner)
        if corrected is None:
            return
        amount = link_credit_note(self.ctx, doc, corrected, batch_details(self.batch))
        self.summary.unchanged -= 1
        self.summary.updated += 1
        self.summary.warn(rec.number, f"already in the ledger, unlinked: now linked to invoice {corrected.number}, "
                                      f"{format_amount(amount)} {corrected.currency} offset")

    def _corrected(self, rec: InvoiceRecord, owner: Contractor) -> Invoice | None:
        if not rec.corrects:
            # e-invoices name the corrected invoice (CSV rows cannot); a collective one's note named them all
            if rec.seller is not None and not isinstance(rec, CollectiveCorrection):
                self.summary.warn(rec.number, "names no corrected invoice: kept as the contractor's credit")
            return None
        number = rec.corrects.strip()
        inv = self.ctx.session.scalar(select(Invoice).where(Invoice.kind == "invoice", Invoice.number == number))
        why = None
        if inv is None:
            why = f'corrects invoice "{number}", which is not in the ledger (yet: imported or added later, it links)'
        elif inv.contractor_id != owner.id:
            why = f'corrects invoice "{number}" of another contractor'
        elif inv.currency != rec.currency:
            why = f'corrects invoice "{number}" in {inv.currency}, not {rec.currency}'
        if why is not None:
            self.summary.warn(rec.number, f"{why}: kept as the contractor's credit")
            return None
        return inv

    # -- contractors -------------------------------------------------------------------------------

    def _contractors(self, recs: list[InvoiceRecord]) -> list[Contractor]:
        """The contractor of each record: by tax id, else exact name, else a new one (filling empty fields)."""
        s = self.ctx.session
        cache = self.cache
        keys = {self._key(r.buyer.tax_id) for r in recs if r.buyer.tax_id} - set(cache.by_key) - {""}
        for chunk in _slices(sorted(keys)):
            for c in s.scalars(select(Contractor).where(Contractor.tax_key.in_(chunk)).order_by(Contractor.id)):
                cache.by_key.setdefault(c.tax_key or "", c)
        names = {_name(r.buyer) for r in recs} - cache.names_loaded
        for chunk in _slices(sorted(names)):
            for c in s.scalars(select(Contractor).where(Contractor.name.in_(chunk)).order_by(Contractor.id)):
                cache.by_name.setdefault(c.name, c)
        cache.names_loaded |= names
        out: list[Contractor] = []
        for rec in recs:
            party = rec.buyer
            key = self._key(party.tax_id) if party.tax_id else ""
            found = cache.by_key.get(key) if key else None
            if found is None:
                named = cache.by_name.get(_name(party))
                if named is not None and (not key or not named.tax_key or named.tax_key == key):
                    found = named
            country = found.country if found is not None else self._party_country(rec, party)
            judged_by = self._judged_by(party, found, country)
            if key and (key, judged_by) not in self.tax_checked:
                self._check_tax_id(rec, party, judged_by)
            if found is None:
                found = self._new_contractor(rec, party, key, country)
            elif found.id is not None and found.id not in cache.filled:
                self._fill(found, party, key)
            out.append(found)
        if self.fresh:
            s.flush()
            for c in self.fresh:
                cache.filled.add(c.id)
                audit.record(self.ctx, "contractor.added", "contractor", c.id,
                             f"Contractor added by {batch_label(self.batch)}: {c.name}",
                             contractor_id=c.id, details=batch_details(self.batch))
            self.fresh = []
        return out

    def _key(self, tax_id: str) -> str:
        key = self.tax_keys.get(tax_id)
        if key is None:
            key = self.tax_keys[tax_id] = compact_tax_id(tax_id)
        return key

    def _party_country(self, rec: InvoiceRecord, party: PartyRecord) -> str:
        """A new contractor's country: the file's, else its tax id's VAT prefix (CZ25596641), else the firm's —
        unless a bare tax id fails the firm country's checksum and passes the other's (a Polish firm's Czech
        client listed by IČO): that country then, said in the summary."""
        country = _country(party.country) or vat_prefix_country(party.tax_id or "")
        if country is not None:
            return country
        other = _BARE_ID_COUNTRIES.get(self.firm_country)
        if party.tax_id and other and not _passes(party.tax_id, self.firm_country) and _passes(party.tax_id, other):
            self.summary.warn(rec.number, f'{party.name}: country {other} taken from its tax id "{party.tax_id}" '
                              f"(not a valid {self.firm_country} one; the file names no country)")
            return other
        return self.firm_country

    @staticmethod
    def _judged_by(party: PartyRecord, found: Contractor | None, country: str) -> str:
        """The country whose rules a tax id is checked by: a known contractor's own, else the id's VAT prefix."""
        if found is not None:
            return found.country
        return vat_prefix_country(party.tax_id or "") or country

    def _check_tax_id(self, rec: InvoiceRecord, party: PartyRecord, country: str) -> None:
        """Warn about a tax id failing its country's check digits; one of a scheme Collector cannot check (a
        Singapore GST number) is said to be unchecked, not called wrong."""
        assert party.tax_id is not None
        check = self.tax_checked[compact_tax_id(party.tax_id), country] = check_imported_tax_id(party.tax_id, country)
        if check.verdict == "valid":
            return
        prefix = vat_prefix_country(party.tax_id)
        if prefix is not None and prefix != country and _passes(party.tax_id, prefix):
            why = f"is a tax id of {prefix}, while the contractor's country is {country}"
        elif check.verdict == "unchecked":
            why = f"is not checked (no check is known for {country} tax ids of this form)"
        else:
            why = "fails its checksum"
        self.summary.warn(rec.number, f'tax id "{party.tax_id}" of {party.name} {why}: kept as the file says')

    def _tax_id(self, party: PartyRecord, country: str) -> str | None:
        """The tax id as the ledger keeps it: the compact form of a valid EU/PL/CZ id, else as the file writes it."""
        if not party.tax_id:
            return None
        check = self.tax_checked.get((compact_tax_id(party.tax_id), country))
        return (check.stored if check and check.stored else party.tax_id.strip())[:32]

    def _new_contractor(self, rec: InvoiceRecord, party: PartyRecord, key: str, country: str) -> Contractor:
        name = _name(party)
        if not name:
            raise problem(self.label, rec.place, "contractor: the buyer has no name")
        c = Contractor(
            name=name[:300], tax_id=self._tax_id(party, self._judged_by(party, None, country)), tax_key=key or None,
            registration_no=_cut(party.registration_no, 32), country=country, address=_cut(party.address, 300),
            postal_code=_cut(party.postal_code, 16), city=_cut(party.city, 100),
            email=self._email(rec, party), phone=self._phone(rec, party, country),
            language=default_language(country), preferred_channel="email", created_at=self.now,
        )
        self.fresh.append(c)
        self.ctx.session.add(c)
        if key:
            self.cache.by_key[key] = c
        self.cache.by_name.setdefault(c.name, c)
        return c

    def _fill(self, c: Contractor, party: PartyRecord, key: str) -> None:
        """Fill what is empty; never overwrite what a person typed. Once per contractor and import."""
        self.cache.filled.add(c.id)
        filled: dict[str, str] = {}  # field → the value written: undoing the batch empties what still holds it
        if key and not c.tax_key and key not in self.cache.by_key:
            c.tax_id, c.tax_key = self._tax_id(party, c.country), key
            self.cache.by_key[key] = c
            filled["tax_id"] = c.tax_id or ""
        for attr, value, size in (("registration_no", party.registration_no, 32), ("address", party.address, 300),
                                  ("postal_code", party.postal_code, 16), ("city", party.city, 100)):
            if value and not getattr(c, attr):
                setattr(c, attr, value[:size])
                filled[attr] = value[:size]
        if party.email and not c.email:
            email = self._email(None, party)
            if email:
                c.email = filled["email"] = email
        if party.phone and not c.phone:
            phone = self._phone(None, party, c.country)
            if phone:
                c.phone = filled["phone"] = phone
        if filled:
            self.summary.updated += 1
            audit.record(self.ctx, "contractor.updated", "contractor", c.id,
                         f"Contractor {c.name}: {', '.join(filled)} filled from {batch_label(self.batch)}",
                         contractor_id=c.id, details={**batch_details(self.batch), "filled": filled})

    def _email(self, rec: InvoiceRecord | None, party: PartyRecord) -> str | None:
        if not party.email:
            return None
        try:
            return check_email(party.email)
        except UserError:
            self.summary.warn(rec.number if rec else party.name or "", f'e-mail "{party.email}" of {party.name} is '
                                                                       "not valid: left out")
            return None

    def _phone(self, rec: InvoiceRecord | None, party: PartyRecord, country: str) -> str | None:
        if not party.phone:
            return None
        try:
            return check_phone(party.phone, country)
        except UserError:
            self.summary.warn(rec.number if rec else party.name or "", f'phone "{party.phone}" of {party.name} is '
                                                                       "not valid: left out")
            return None


class _Memo(dict[Any, Any]):
    """A column's bind processor with a memory: dates and stamps repeat, each is converted once."""

    def __init__(self, convert: Callable[[Any], Any] | None) -> None:
        super().__init__({None: None})
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        if self.convert is None:
            return value
        out = self.convert(value)
        if isinstance(value, dt.date) and len(self) < 100_000:
            self[value] = out
        return out


def _variable_limit(conn: Connection) -> int:
    """The most `?` one SQLite statement may hold (999 on old builds; Python < 3.11 cannot ask)."""
    driver: Any = conn.connection.driver_connection
    getlimit = getattr(driver, "getlimit", None)
    return int(getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)) if getlimit else 999


def _slices(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _name(party: PartyRecord) -> str:
    return " ".join((party.name or "").split())[:300]


def _cut(value: str | None, size: int) -> str | None:
    return value.strip()[:size] or None if value else None


def _corrects(rec: InvoiceRecord) -> str | None:
    return rec.corrects.strip()[:64] or None if rec.corrects else None


def _difference(rec: InvoiceRecord, original: Invoice, kind: str, amount: Decimal) -> InvoiceRecord:
    """What a corrected invoice changes on the invoice it replaces: a document of the difference, linked to it
    (a credit note's amounts are what it credits)."""
    sign = 1 if kind == "invoice" else -1

    def delta(new: Decimal | None, old: Decimal | None) -> Decimal | None:
        return sign * (new - old) if new is not None and old is not None else None

    return InvoiceRecord(
        place=rec.place, kind=kind, number=rec.number, issue_date=rec.issue_date, gross=amount,
        currency=rec.currency, buyer=rec.buyer, due_date=rec.due_date, terms_days=rec.terms_days,
        net=delta(rec.net, original.net), vat=delta(rec.vat, original.vat), variable_symbol=rec.variable_symbol,
        corrects=original.number, seller=rec.seller,
    )


def _amounts(gross: Decimal, currency: str | None, old: _Known) -> str | None:
    """The file's amount and the ledger's, said when they differ (a credit note's as the ledger keeps it)."""
    if old.gross == gross and old.currency == currency:
        return None
    return (f"amount {format_amount(gross)} {currency} in the file, {format_amount(old.gross)} {old.currency} "
            "in the ledger")


def _kind_amount(kind: str, gross: Decimal) -> str:
    """A document's amount named with its kind ("a credit note of 5.00"): credited amounts read positive."""
    return f"{'a credit note' if kind == 'credit_note' else 'an invoice'} of {format_amount(abs(gross))}"


def _symbol(value: str | None) -> str | None:
    return value.strip()[:20] or None if value else None


def _same_tax_id(one: str, other: str) -> bool:
    """Two compact tax ids of one party: equal, or one is the other with its country prefix (DE136695976)."""
    if not one or not other:
        return False
    if one == other:
        return True
    longer, shorter = (one, other) if len(one) > len(other) else (other, one)
    return longer[:2].isalpha() and longer[2:] == shorter


# the countries whose bare tax ids (no VAT prefix) are told apart by their checksums: NIP ↔ IČO/DIČ
_BARE_ID_COUNTRIES = {"PL": "CZ", "CZ": "PL"}


def _passes(tax_id: str, country: str) -> bool:
    try:
        normalize_tax_id(tax_id, country)
    except UserError:
        return False
    return True


def _country(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return check_country(code)
    except UserError:
        return None
