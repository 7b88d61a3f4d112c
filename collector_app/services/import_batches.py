"""Import batches: one row per imported file, its summary, and undoing a whole batch while nothing touched it.

What an undo takes back, and where it finds it:
- documents and payments carry `import_batch_id`; the allocations the import made are those up to the
  `allocation_mark` kept in `import_batch.summary`;
- contractors the batch created: its `contractor.added` events (details start with `{"import_batch": ID,`);
- contractor fields an invoice import filled on an existing contractor: its `contractor.updated` event for
  that contractor, details `{"import_batch": ID, "file": …, "filled": {field: value written}}`; the undo
  empties each field that still holds that value and keeps (and reports) one a person changed since;
- payer accounts a statement learned: the `contractor_account` rows it inserted carry `import_batch_id`
  (an account known before stays as it was; accounts learned from hand allocations carry none); the undo
  deletes the batch's rows;
- credit notes of earlier imports that the batch linked to their invoice (it brought the invoice, or the credit
  note again): its `credit_note.linked` events; the undo takes the offset back and the credit note waits again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, not_, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from collector_app.db.models import (
    IMPORT_KINDS,
    Allocation,
    Call,
    ContactPerson,
    Contractor,
    ContractorAccount,
    Demand,
    DemandInvoice,
    Event,
    ImportBatch,
    Invoice,
    Note,
    Outbox,
    Payment,
    Task,
)
from collector_app.domain.errors import UserError
from collector_app.imports.common import ImportSummary
from collector_app.services import audit
from collector_app.services.context import Ctx
from collector_app.services.escalation import TASK_SOURCE
from collector_app.services.running_totals import bump

_CHUNK = 500  # ids per IN (…) list, well under SQLite's variable limit


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def open_batch(ctx: Ctx, kind: str, path: Path, fmt: str, label: str | None = None) -> ImportBatch:
    """Start a batch for one file (in the import's transaction): documents and payments carry its id."""
    if kind not in IMPORT_KINDS:
        raise ValueError(f"unknown import kind {kind}")
    batch = ImportBatch(
        kind=kind, file_name=(label or path.name)[:500], format=fmt, file_sha256=file_sha256(path),
        created_at=ctx.clock.now(), created_by=ctx.user,
    )
    ctx.session.add(batch)
    ctx.session.flush()
    return batch


def batch_details(batch: ImportBatch) -> dict[str, Any]:
    """Event details naming the batch: `import_batch` first (undo finds the contractors a batch created by it)."""
    return {"import_batch": batch.id, "file": batch.file_name}


def batch_label(batch: ImportBatch) -> str:
    return f"{batch.file_name} (import batch {batch.id})"


def finish_batch(ctx: Ctx, batch: ImportBatch, summary: ImportSummary) -> None:
    """Keep the summary; allocations up to now are the import's own, later ones block an undo."""
    mark = ctx.session.scalar(select(func.max(Allocation.id))) or 0
    batch.summary = json.dumps({**summary.as_dict(), "allocation_mark": mark}, ensure_ascii=False)
    what = (f"{summary.created} created, {summary.unchanged} unchanged" if batch.kind == "invoices"
            else f"{summary.payments} payments, {summary.matched} matched, {summary.unmatched} unmatched")
    audit.record(ctx, "import.finished", "import_batch", batch.id,
                 f"Imported {batch_label(batch)}: {what}", details=batch_details(batch))


@dataclass(frozen=True)
class BatchRow:
    id: int
    kind: str
    format: str
    file: str
    created_at: dt.datetime
    created_by: str | None
    documents: int
    payments: int
    undone_at: dt.datetime | None


def list_batches(ctx: Ctx, limit: int | None = None) -> list[BatchRow]:
    docs = (select(Invoice.import_batch_id, func.count().label("n"))
            .where(Invoice.import_batch_id.is_not(None)).group_by(Invoice.import_batch_id).subquery())
    pays = (select(Payment.import_batch_id, func.count().label("n"))
            .where(Payment.import_batch_id.is_not(None)).group_by(Payment.import_batch_id).subquery())
    query = (select(ImportBatch, docs.c.n, pays.c.n)
             .outerjoin(docs, docs.c.import_batch_id == ImportBatch.id)
             .outerjoin(pays, pays.c.import_batch_id == ImportBatch.id)
             .order_by(ImportBatch.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    return [
        BatchRow(b.id, b.kind, b.format, b.file_name, b.created_at, b.created_by, int(nd or 0), int(np or 0),
                 b.undone_at)
        for b, nd, np in ctx.session.execute(query)
    ]


def get_batch(ctx: Ctx, batch_id: int) -> ImportBatch:
    batch = ctx.session.get(ImportBatch, batch_id)
    if batch is None:
        raise UserError("batch", f"no import batch {batch_id}")
    return batch


@dataclass(frozen=True)
class UndoResult:
    batch_id: int
    file: str
    documents: int
    payments: int
    contractors: int
    allocations: int
    fields_reverted: int = 0  # contractor fields the import filled, emptied again
    kept: tuple[tuple[str, str], ...] = ()  # (contractor, field) filled by the import, changed by a person since
    accounts_forgotten: int = 0  # payer accounts the statement learned

    @property
    def fields_kept(self) -> int:
        return len(self.kept)

    def as_dict(self) -> dict[str, Any]:
        return {"batch": self.batch_id, "file": self.file, "documents": self.documents,
                "payments": self.payments, "contractors": self.contractors, "allocations": self.allocations,
                "fields_reverted": self.fields_reverted, "fields_kept": self.fields_kept,
                "kept": [{"contractor": c, "field": f} for c, f in self.kept],
                "accounts_forgotten": self.accounts_forgotten}


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def _mark(batch: ImportBatch) -> int:
    try:
        return int(json.loads(batch.summary or "{}").get("allocation_mark", 0))
    except (ValueError, TypeError):
        return 0


def _undoable(ctx: Ctx, batch_id: int) -> tuple[ImportBatch, list[int], list[int]]:
    """The finished, not yet undone batch with its document and payment ids; a UserError if undo must refuse."""
    batch = get_batch(ctx, batch_id)
    if batch.undone_at is not None:
        raise UserError("batch", f"import batch {batch_id} was already undone on {batch.undone_at:%Y-%m-%d %H:%M}")
    if batch.summary is None:
        raise UserError("batch", f"import batch {batch_id} did not finish")
    doc_ids = list(ctx.session.scalars(select(Invoice.id).where(Invoice.import_batch_id == batch.id)))
    pay_ids = list(ctx.session.scalars(select(Payment.id).where(Payment.import_batch_id == batch.id)))
    _refuse_if_touched(ctx, batch, doc_ids, pay_ids)
    return batch, doc_ids, pay_ids


def undo_batch(ctx: Ctx, batch_id: int) -> UndoResult:
    """Remove a batch's documents, payments and the contractors it created, if nothing touched them since."""
    batch, doc_ids, pay_ids = _undoable(ctx, batch_id)
    s = ctx.session
    allocations = _unlink_late(ctx, batch) + _take_back_allocations(ctx, batch, set(doc_ids), pay_ids)
    for ids in _chunks(doc_ids):
        s.execute(delete(Outbox).where(Outbox.invoice_id.in_(ids)))
        s.execute(update(Event).where(Event.invoice_id.in_(ids)).values(invoice_id=None))
    # credit notes first: they may point at invoices of the same batch
    for kind in ("credit_note", "invoice"):
        for ids in _chunks(doc_ids):
            s.execute(delete(Invoice).where(Invoice.id.in_(ids), Invoice.kind == kind))
    for ids in _chunks(pay_ids):
        s.execute(delete(Payment).where(Payment.id.in_(ids)))
    removed = _remove_created_contractors(ctx, batch)
    revert, kept = _filled_fields(ctx, batch)
    _revert_fields(ctx, batch, revert, kept)
    keep = _accounts_taught_since(ctx, batch)
    accounts = _learned_accounts(ctx, batch) - len(keep)
    for row_id, other_batch in keep.items():  # another payment taught it too: it stays, as that one's
        s.execute(update(ContractorAccount).where(ContractorAccount.id == row_id)
                  .values(import_batch_id=other_batch))
    s.execute(delete(ContractorAccount).where(ContractorAccount.import_batch_id == batch.id))
    batch.undone_at = ctx.clock.now()
    s.flush()
    extra = "".join([
        f"; {len(revert)} contractor fields emptied again" if revert else "",
        f"; {len(kept)} contractor fields kept (changed since)" if kept else "",
        f"; {accounts} learned accounts forgotten" if accounts else "",
    ])
    audit.record(ctx, "import.undone", "import_batch", batch.id,
                 f"Undid {batch_label(batch)}: {len(doc_ids)} documents, {len(pay_ids)} payments, "
                 f"{removed} contractors removed{extra}", details=batch_details(batch))
    return UndoResult(batch.id, batch.file_name, len(doc_ids), len(pay_ids), removed, allocations, len(revert),
                      _kept(kept), accounts)


_Field = tuple[Contractor, str]


def _filled_fields(ctx: Ctx, batch: ImportBatch) -> tuple[list[_Field], list[_Field]]:
    """The contractor fields the batch filled: those still holding the value it wrote, and those changed since."""
    s = ctx.session
    events = s.execute(select(Event.entity_id, Event.details).where(
        Event.action == "contractor.updated", Event.entity == "contractor", Event.details.like(_prefix(batch)))
        .order_by(Event.id))
    revert: list[_Field] = []
    kept: list[_Field] = []
    for cid, details in events:
        try:
            filled = json.loads(details or "{}").get("filled")
        except (ValueError, AttributeError):
            continue
        contractor = s.get(Contractor, cid) if cid is not None else None
        if contractor is None or not isinstance(filled, dict):
            continue  # gone since, or an event written before the values were recorded
        for name, value in filled.items():
            if name in _FILLABLE:
                (revert if getattr(contractor, name) == value else kept).append((contractor, name))
    return revert, kept


_FILLABLE = frozenset({"tax_id", "registration_no", "address", "postal_code", "city", "email", "phone"})


def _revert_fields(ctx: Ctx, batch: ImportBatch, revert: list[_Field], kept: list[_Field]) -> None:
    by_contractor: dict[int, tuple[Contractor, list[str], list[str]]] = {}
    for contractor, name in revert:
        setattr(contractor, name, None)
        if name == "tax_id":
            contractor.tax_key = None
        by_contractor.setdefault(contractor.id, (contractor, [], []))[1].append(name)
    for contractor, name in kept:
        by_contractor.setdefault(contractor.id, (contractor, [], []))[2].append(name)
    for contractor, emptied, changed in by_contractor.values():
        parts = ([f"{', '.join(emptied)} emptied again"] if emptied else []) + (
            [f"{', '.join(changed)} kept (changed since)"] if changed else [])
        audit.record(ctx, "import.undone", "contractor", contractor.id,
                     f"Contractor {contractor.name}: {'; '.join(parts)} ({batch_label(batch)} undone)",
                     contractor_id=contractor.id, details=batch_details(batch))


def _kept(kept: list[_Field]) -> tuple[tuple[str, str], ...]:
    return tuple((contractor.name, name) for contractor, name in kept)


def _learned_accounts(ctx: Ctx, batch: ImportBatch) -> int:
    return int(ctx.session.scalar(select(func.count()).select_from(ContractorAccount)
                                  .where(ContractorAccount.import_batch_id == batch.id)) or 0)


def _accounts_taught_since(ctx: Ctx, batch: ImportBatch) -> dict[int, int | None]:
    """The batch's learned accounts that a payment outside it (another live batch's, or one entered by
    hand) also paid from and was allocated to the same contractor: row id → the batch to hand it to."""
    other = (select(Payment.import_batch_id)
             .outerjoin(ImportBatch, ImportBatch.id == Payment.import_batch_id)
             .where(Payment.contractor_id == ContractorAccount.contractor_id,
                    Payment.payer_account == ContractorAccount.account,
                    Payment.allocated > 0, Payment.reversed_at.is_(None),
                    or_(Payment.import_batch_id.is_(None), Payment.import_batch_id != batch.id),
                    ImportBatch.undone_at.is_(None))
             .order_by(Payment.id.desc()).limit(1))
    found = select(ContractorAccount.id, other.exists(), other.scalar_subquery()).where(
        ContractorAccount.import_batch_id == batch.id)
    return {row_id: owner for row_id, taught, owner in ctx.session.execute(found) if taught}


def _prefix(batch: ImportBatch) -> str:
    """LIKE pattern of the details of the events naming the batch (see `batch_details`)."""
    return json.dumps({"import_batch": batch.id})[:-1] + ",%"


def _refuse_if_touched(ctx: Ctx, batch: ImportBatch, doc_ids: list[int], pay_ids: list[int]) -> None:
    s = ctx.session
    mark = _mark(batch)
    linked = _linked_late(ctx, batch) if doc_ids else []  # the batch's own links do not hold it
    for ids in _chunks(doc_ids):
        later = s.execute(select(Allocation.id, Allocation.invoice_id, Allocation.payment_id).where(
            Allocation.id > mark, or_(Allocation.invoice_id.in_(ids), Allocation.credit_note_id.in_(ids))).limit(1)
        ).first()
        if later is not None:
            number = s.scalar(select(Invoice.number).where(Invoice.id == later.invoice_id))
            raise _touched(batch, f"money was allocated to {number} since")
        for model, what in ((Note, "a note"), (Call, "a call"), (Task, "a task"), (DemandInvoice, "a letter")):
            hit = s.scalar(select(model.invoice_id).where(model.invoice_id.in_(ids)).limit(1))
            if hit is not None:
                number = s.scalar(select(Invoice.number).where(Invoice.id == hit))
                raise _touched(batch, f"{what} was recorded for {number} since")
        sent = s.scalar(select(Outbox.invoice_id).where(Outbox.invoice_id.in_(ids),
                                                        Outbox.state.not_in(("planned", "cancelled", "skipped")))
                        .limit(1))
        if sent is not None:
            number = s.scalar(select(Invoice.number).where(Invoice.id == sent))
            raise _touched(batch, f"a reminder went out for {number} since")
        other = s.scalar(select(Invoice.number).where(Invoice.corrects_invoice_id.in_(ids),
                                                      Invoice.import_batch_id.is_distinct_from(batch.id),
                                                      Invoice.id.not_in(linked)).limit(1))
        if other is not None:
            raise _touched(batch, f"credit note {other} corrects one of its invoices")
    for ids in _chunks(pay_ids):
        by_hand = s.scalar(select(Allocation.id).where(Allocation.id > mark, Allocation.payment_id.in_(ids)).limit(1))
        if by_hand is not None:
            raise _touched(batch, "one of its payments was allocated by hand since")
        reversed_ = s.scalar(select(Payment.id).where(Payment.id.in_(ids), Payment.reversed_at.is_not(None)).limit(1))
        if reversed_ is not None:
            raise _touched(batch, f"payment {reversed_} was reversed since")


def _touched(batch: ImportBatch, why: str) -> UserError:
    return UserError("batch", f"import batch {batch.id} ({batch.file_name}) cannot be undone: {why}")


def _linked_late(ctx: Ctx, batch: ImportBatch) -> list[int]:
    """Credit notes of earlier imports that this batch linked to their invoice (see `link_credit_note`)."""
    return sorted({i for i in ctx.session.scalars(select(Event.entity_id).where(
        Event.action == "credit_note.linked", Event.entity == "invoice", Event.details.like(_prefix(batch))))
        if i is not None})


def _late_offsets(ctx: Ctx, batch: ImportBatch) -> list[tuple[Invoice, list[Allocation]]]:
    """Each credit note the batch linked late, still linked, with the offsets it made then (up to its mark)."""
    s = ctx.session
    out: list[tuple[Invoice, list[Allocation]]] = []
    for note_id in _linked_late(ctx, batch):
        note = s.get(Invoice, note_id)
        if note is None or note.corrects_invoice_id is None:
            continue
        out.append((note, list(s.scalars(select(Allocation).where(
            Allocation.credit_note_id == note.id, Allocation.invoice_id == note.corrects_invoice_id,
            Allocation.id <= _mark(batch))))))
    return out


def _unlink_late(ctx: Ctx, batch: ImportBatch) -> int:
    """Take back the late links the batch made: the offsets come off, the credit notes wait for their invoice."""
    s = ctx.session
    taken = 0
    for note, allocations in _late_offsets(ctx, batch):
        for alloc in allocations:
            _release(ctx, alloc, set())  # both documents stay: each gets its amount back
            s.delete(alloc)
            taken += 1
        note.corrects_invoice_id = None
        audit.record(ctx, "import.undone", "invoice", note.id,
                     f"Credit note {note.number}: no longer linked to {note.corrects_number} "
                     f"({batch_label(batch)} undone)", invoice_id=note.id, contractor_id=note.contractor_id)
    s.flush()
    return taken


def _take_back_allocations(ctx: Ctx, batch: ImportBatch, docs: set[int], pay_ids: list[int]) -> int:
    """The import's own allocations (credit-note offsets, matched payments) come off the documents they paid."""
    s = ctx.session
    rows: list[Allocation] = []
    for ids in _chunks(sorted(docs)):
        rows += s.scalars(select(Allocation).where(or_(Allocation.invoice_id.in_(ids),
                                                       Allocation.credit_note_id.in_(ids))))
    for ids in _chunks(pay_ids):
        rows += s.scalars(select(Allocation).where(Allocation.payment_id.in_(ids)))
    seen: set[int] = set()
    for alloc in rows:
        if alloc.id in seen:
            continue
        seen.add(alloc.id)
        _release(ctx, alloc, docs)
        s.delete(alloc)
    s.flush()
    return len(seen)


def _release(ctx: Ctx, alloc: Allocation, docs: set[int]) -> None:
    s = ctx.session
    amount: Decimal = alloc.amount
    if alloc.invoice_id not in docs:
        inv = s.get(Invoice, alloc.invoice_id)
        assert inv is not None
        bump(ctx, inv, "paid", -amount)
        audit.record(ctx, "import.undone", "invoice", inv.id,
                     f"{inv.number}: {amount:f} {inv.currency} taken back (its import was undone)",
                     invoice_id=inv.id, contractor_id=inv.contractor_id)
    if alloc.credit_note_id is not None and alloc.credit_note_id not in docs:
        note = s.get(Invoice, alloc.credit_note_id)
        assert note is not None
        bump(ctx, note, "paid", amount)
    if alloc.payment_id is not None:
        pay = s.get(Payment, alloc.payment_id)
        if pay is not None:
            bump(ctx, pay, "allocated", -amount)


def _real_use(model: type[Any], *, planner_made: bool = False) -> tuple[ColumnElement[bool], ...]:
    """For tasks: not the open request planning files by itself for a missing address (no invoice named), which
    goes with the contractor; `planner_made` selects exactly those."""
    if model is not Task:
        return ()
    made = and_(Task.source == TASK_SOURCE, Task.invoice_id.is_(None), Task.done_at.is_(None))
    return (made,) if planner_made else (not_(made),)


def _remove_created_contractors(ctx: Ctx, batch: ImportBatch) -> int:
    s = ctx.session
    ids = list(s.scalars(select(Event.entity_id).where(
        Event.action == "contractor.added", Event.entity == "contractor", Event.details.like(_prefix(batch)))))
    removed = 0
    for cid in ids:
        if cid is None or s.get(Contractor, cid) is None:
            continue
        used = any(  # an outbox row is its invoice's or its letter's: those two are asked
            s.scalar(select(model.id).where(model.contractor_id == cid, *_real_use(model)).limit(1)) is not None
            for model in (Invoice, Payment, Note, Call, Task, Demand, ContactPerson)
        )
        if used:
            continue
        s.execute(delete(Task).where(Task.contractor_id == cid, *_real_use(Task, planner_made=True)))
        s.execute(update(Event).where(Event.contractor_id == cid).values(contractor_id=None))
        s.execute(delete(Contractor).where(Contractor.id == cid))
        removed += 1
    return removed


@dataclass(frozen=True)
class BatchDetail:
    """A batch as the desktop page lists it: its row and the summary its import kept (None: it did not finish)."""

    row: BatchRow
    summary: ImportSummary | None


def batch_page(ctx: Ctx, limit: int, offset: int = 0) -> list[BatchDetail]:
    """Newest first, one page at a time; the documents and payments still carrying each batch's id are counted."""
    batches = list(ctx.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)
                                       .offset(offset)))
    ids = [b.id for b in batches]
    docs, pays = _counts(ctx, Invoice.import_batch_id, ids), _counts(ctx, Payment.import_batch_id, ids)
    return [
        BatchDetail(BatchRow(b.id, b.kind, b.format, b.file_name, b.created_at, b.created_by,
                             docs.get(b.id, 0), pays.get(b.id, 0), b.undone_at), _stored_summary(b))
        for b in batches
    ]


def _counts(ctx: Ctx, column: InstrumentedAttribute[int | None], ids: list[int]) -> dict[int, int]:
    query = select(column, func.count()).where(column.in_(ids)).group_by(column)
    return {int(bid): int(n) for bid, n in ctx.session.execute(query) if bid is not None}


def _stored_summary(batch: ImportBatch) -> ImportSummary | None:
    if batch.summary is None:
        return None
    try:
        data = json.loads(batch.summary)
    except ValueError:
        return None
    return ImportSummary.from_dict(data) if isinstance(data, dict) else None


def preview_undo(ctx: Ctx, batch_id: int) -> UndoResult:
    """What `undo_batch` would remove, or the UserError it would refuse with, read without writing anything."""
    batch, doc_ids, pay_ids = _undoable(ctx, batch_id)
    s = ctx.session
    allocations: set[int] = set()
    for ids in _chunks(doc_ids):
        allocations.update(s.scalars(select(Allocation.id).where(
            or_(Allocation.invoice_id.in_(ids), Allocation.credit_note_id.in_(ids)))))
    for ids in _chunks(pay_ids):
        allocations.update(s.scalars(select(Allocation.id).where(Allocation.payment_id.in_(ids))))
    allocations.update(a.id for _note, offsets in _late_offsets(ctx, batch) for a in offsets)
    revert, kept = _filled_fields(ctx, batch)
    return UndoResult(batch.id, batch.file_name, len(doc_ids), len(pay_ids), _removable_contractors(ctx, batch),
                      len(allocations), len(revert), _kept(kept),
                      _learned_accounts(ctx, batch) - len(_accounts_taught_since(ctx, batch)))


def _removable_contractors(ctx: Ctx, batch: ImportBatch) -> int:
    """The contractors the batch created that nothing outside it uses (what `_remove_created_contractors` removes
    once the batch's documents, payments and their outbox rows are gone)."""
    s = ctx.session
    created = sorted(cid for cid in s.scalars(select(Contractor.id).where(Contractor.id.in_(
        select(Event.entity_id).where(Event.action == "contractor.added", Event.entity == "contractor",
                                      Event.details.like(_prefix(batch)))))))
    used: set[int] = set()
    for ids in _chunks(created):
        used.update(s.scalars(select(Invoice.contractor_id).where(
            Invoice.contractor_id.in_(ids), Invoice.import_batch_id.is_distinct_from(batch.id))))
        used.update(cid for cid in s.scalars(select(Payment.contractor_id).where(
            Payment.contractor_id.in_(ids), Payment.import_batch_id.is_distinct_from(batch.id))) if cid is not None)
        for model in (Note, Call, Task, Demand, ContactPerson):
            used.update(cid for cid in s.scalars(select(model.contractor_id).where(
                model.contractor_id.in_(ids), *_real_use(model))) if cid is not None)
    return len(set(created) - used)
