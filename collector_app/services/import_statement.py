"""Importing a bank statement (MT940, camt.053): booked credits become payments, matched to invoices.

One call is one transaction: the caller commits, or rolls back for a dry run. Each bank entry is
imported once (payment.bank_txn_id is unique), so re-importing a file changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from collector_app.db.models import Event, ImportBatch, Payment
from collector_app.domain.errors import UserError
from collector_app.domain.money import check_places, format_amount
from collector_app.imports.bank import BankEntry, Sameness
from collector_app.imports.camt053 import ZIP_MESSAGE, ZIP_SIGNATURES, read_camt053
from collector_app.imports.common import ImportProblem, ImportSummary, problem
from collector_app.imports.mt940 import read_mt940
from collector_app.services import audit, import_batches, matching, payments
from collector_app.services.context import Ctx

FORMATS = ("mt940", "camt053")
ALREADY_IMPORTED = "already imported"
_SNIFF = 4096
CHUNK = 500


@dataclass
class StatementResult:
    """The summary the CLI prints, how the matched payments were matched, and the new payments' ids."""

    summary: ImportSummary
    matched_by: dict[str, int] = field(default_factory=dict)
    payment_ids: list[int] = field(default_factory=list)
    batch_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary.as_dict(), "matched_by": dict(sorted(self.matched_by.items())),
                "batch": self.batch_id}


def detect_format(path: Path) -> str:
    """camt053 for XML, mt940 for a file of SWIFT tags; else ask for --format."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF)
    except OSError as exc:
        raise UserError("file", f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if head.startswith(ZIP_SIGNATURES):
        raise UserError("format", f"{path.name}: {ZIP_MESSAGE}")
    text = head.lstrip(b"\xef\xbb\xbf\x00\x01\x02\x03 \t\r\n")
    if text.startswith(b"<"):
        return "camt053"
    if text.startswith((b":20:", b"{1:", b":13", b":25:", b":28")) or b"\n:61:" in head or b"\n:20:" in head:
        return "mt940"
    raise UserError("format", f"{path.name}: neither MT940 nor camt.053 by its content; give --format mt940|camt053")


def import_statement(
    ctx: Ctx, path: Path, fmt: str | None = None, *, label: str | None = None,
    progress: Callable[[int], None] | None = None, cancelled: Callable[[], bool] | None = None,
) -> StatementResult:
    """Read the whole file, create and match its payments; any error raises UserError naming the place.

    Entries go in chunks: one IN query per chunk finds those imported before and prefetches what matching
    looks up, and one executemany per table writes the chunk's rows, so a large statement costs a few
    statements per chunk, not per entry.
    """
    name = label or path.name
    if not path.is_file():
        raise UserError("file", f"{path}: no such file")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise UserError("format", f'"{fmt}" is not a statement format (mt940 or camt053)')
    run = _Run(ctx, path, fmt, name, StatementResult(ImportSummary(file=name, format=fmt)))
    matching.learn_from_allocated(ctx)
    done = 0
    with ctx.session.no_autoflush:
        try:
            for chunk in _chunks(_entries(path, fmt, name, run.result.summary)):
                if cancelled is not None and cancelled():
                    raise UserError("import", "cancelled; nothing was imported")
                run.chunk(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done)
        except ImportProblem as exc:
            raise exc.to_user_error(name) from exc
    run.finish()
    return run.result


def _entries(path: Path, fmt: str, name: str, summary: ImportSummary) -> Iterator[BankEntry]:
    if fmt == "mt940":
        return read_mt940(path, summary.warn)
    return read_camt053(path, summary.warn, name)


def _chunks(entries: Iterator[BankEntry]) -> Iterator[list[BankEntry]]:
    chunk: list[BankEntry] = []
    for entry in entries:
        chunk.append(entry)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class _Run:
    ctx: Ctx
    path: Path
    fmt: str
    name: str
    result: StatementResult
    matcher: matching.Matcher = field(default_factory=matching.Matcher)
    batch: ImportBatch | None = None
    seen: dict[str, Sameness] = field(default_factory=dict)  # bank id → what tells its entry apart
    identical: dict[str, int] = field(default_factory=dict)  # entries without a reference, by content: how many
    sha256: str | None = None  # the file's, read when an entry is taken for one of another file

    def chunk(self, entries: list[BankEntry]) -> None:
        """Match the chunk's payments in memory, then write them with one statement per table: payments,
        allocations, invoices' paid, events, learned accounts."""
        pairs = self._fresh(entries)
        if not pairs:
            return
        fresh = [e for e, _ in pairs]
        ctx = self.ctx
        if self.batch is None:
            self.batch = import_batches.open_batch(ctx, "statement", self.path, self.fmt, self.name)
        ctx.session.flush()  # the prefetch reads the database: it must see everything written so far
        hints = [_hints(e) for e in fresh]
        matching.prefetch(ctx, self.matcher, [(h, e.amount) for h, e in zip(hints, fresh, strict=True)])
        drafts = [self._draft(e) for e in fresh]
        self.matcher.pending = []
        learned: set[tuple[int, str]] = set()
        summary = self.result.summary
        for draft, hint, entry in zip(drafts, hints, fresh, strict=True):
            reason = matching.match_payment(ctx, self.matcher, draft, hint)
            if draft.note is not None:
                summary.warn(entry.where, draft.note)
            summary.payments += 1
            if reason is None:
                summary.unmatched += 1
            else:
                summary.matched += 1
            if reason in matching.LEARNING_REASONS and draft.contractor_id is not None and entry.payer_account:
                learned.add((draft.contractor_id, entry.payer_account))
        self._write(drafts, pairs, self.matcher.pending)
        self.matcher.pending = None
        matching.learn_accounts(ctx, learned, import_batch_id=self.batch.id)
        self.matcher.clear_chunk()

    def _write(self, drafts: list[matching.Draft], pairs: list[tuple[BankEntry, str]],
               pending: list[matching.Pending]) -> None:
        ctx = self.ctx
        assert self.batch is not None
        now = ctx.clock.now()
        rows = [{
            "contractor_id": d.contractor_id, "date": d.date, "amount": d.amount, "currency": d.currency,
            "allocated": d.allocated, "payer_name": e.payer_name, "payer_account": e.payer_account,
            "title": e.title or None, "reference": (e.reference or "")[:64] or None, "source": "bank",
            "bank_txn_id": txn_id, "statement_account": e.sameness.account, "import_batch_id": self.batch.id,
            "match_reason": d.match_reason, "created_at": now,
        } for d, (e, txn_id) in zip(drafts, pairs, strict=True)]
        inserted = ctx.session.connection().execute(insert(Payment).returning(Payment.bank_txn_id, Payment.id), rows)
        ids = {txn_id: payment_id for txn_id, payment_id in inserted}  # by bank reference: rows come in any order
        for draft, row in zip(drafts, rows, strict=True):
            draft.id = ids[row["bank_txn_id"]]
        allocations = [payments.BulkAllocation(_id(p.payment), p.payment.date, p.invoice, p.amount, p.reason, p.left)
                       for p in pending]
        payments.write_allocations(ctx, allocations)
        by_payment: dict[int, list[payments.BulkAllocation]] = {}
        for a in allocations:
            by_payment.setdefault(a.payment_id, []).append(a)
        events: list[dict[str, Any]] = []
        for draft, row, (entry, _) in zip(drafts, rows, pairs, strict=True):  # each payment's events in order
            events.append(self._event(draft, row, entry))
            events.extend(payments.allocated_event(ctx, a) for a in by_payment.get(_id(draft), ()))
            self.result.payment_ids.append(_id(draft))
        ctx.session.connection().execute(insert(Event), events)  # Core executemany

    def _fresh(self, entries: list[BankEntry]) -> list[tuple[BankEntry, str]]:
        """The entries that become payments, with the id each is kept under: booked credits, not in the
        ledger yet, not twice in the file. An entry whose bank reference another entry (of another amount or
        day, in this file or in the ledger) holds already is a different entry: it gets an id of its own."""
        summary = self.result.summary
        candidates: list[tuple[BankEntry, str]] = []
        for entry in entries:
            reason = entry.skip_reason
            if reason is None and entry.amount == 0:
                reason = "zero amount"
            if reason is not None:
                summary.skip(entry.where, reason)
                continue
            txn_id = self._file_id(entry)
            if txn_id is not None:
                candidates.append((entry, txn_id))
        known = self._known([t for _, t in candidates])
        clashing = {i for i, (e, t) in enumerate(candidates) if t in known and not known[t].agrees(e.sameness)}
        if clashing:  # a reference the ledger keeps for another entry: this one under an id of its own
            for i in sorted(clashing):
                entry, txn_id = candidates[i]
                summary.warn(entry.where, f"bank reference {txn_id} is that of another entry (another amount, "
                                          "day or account) already in the ledger: imported as a payment of its own")
                candidates[i] = (entry, entry.bank_txn_id(distinct=True))
            known.update(self._known([candidates[i][1] for i in clashing]))
        fresh = []
        for entry, txn_id in candidates:
            if txn_id in known:
                summary.skip(entry.where, ALREADY_IMPORTED)
            else:
                fresh.append((entry, txn_id))
        self._warn_identical_elsewhere([(e, t) for e, t in candidates if t in known and e.bank_reference is None])
        return fresh

    def _file_id(self, entry: BankEntry) -> str | None:
        """The entry's id within this file, or None (with a warning) when the file has had it already."""
        summary = self.result.summary
        if entry.bank_reference is None:  # the n-th identical transfer of the file is the n-th
            key = entry.content_key()
            self.identical[key] = self.identical.get(key, 0) + 1
            return entry.bank_txn_id(self.identical[key])
        txn_id = entry.bank_txn_id()
        held = self.seen.get(txn_id)
        if held is not None and not held.agrees(entry.sameness):
            summary.warn(entry.where, f"bank reference {txn_id} is used by another entry of the file too "
                                      "(another amount, day or account): imported as a payment of its own")
            txn_id = entry.bank_txn_id(distinct=True)
            held = self.seen.get(txn_id)
        if held is not None:
            summary.warn(entry.where, f"bank reference {txn_id} appears twice in the file; imported once")
            summary.skip(entry.where, ALREADY_IMPORTED)
            return None
        self.seen[txn_id] = entry.sameness
        return txn_id

    def _warn_identical_elsewhere(self, skipped: list[tuple[BankEntry, str]]) -> None:
        """An entry without a bank reference is its content: the same day, amount, title and account in another
        file is taken for the same transfer (an overlapping download). When it was a second transfer (a
        statement split into files), only a person can tell: the summary names the file it was taken for."""
        if not skipped:
            return
        if self.sha256 is None:
            self.sha256 = import_batches.file_sha256(self.path)
        files = {txn_id: name for txn_id, name in self.ctx.session.execute(
            select(Payment.bank_txn_id, ImportBatch.file_name)
            .join(ImportBatch, ImportBatch.id == Payment.import_batch_id)
            .where(Payment.bank_txn_id.in_([t for _, t in skipped]), ImportBatch.file_sha256 != self.sha256))}
        for entry, txn_id in skipped:
            if txn_id in files:
                self.result.summary.warn(
                    entry.where, f"an identical transfer without a bank reference (same day, amount and title) came "
                                 f"in {files[txn_id]} already and is taken to be this one; if it was a second "
                                 "transfer, add it by hand")

    def _known(self, txn_ids: list[str]) -> dict[str, Sameness]:
        """The ledger's payments under these bank ids, with what tells entries apart."""
        rows = self.ctx.session.execute(select(Payment.bank_txn_id, Payment.date, Payment.amount, Payment.currency,
                                               Payment.statement_account).where(Payment.bank_txn_id.in_(txn_ids)))
        return {txn_id: Sameness(day, amount, currency, account)
                for txn_id, day, amount, currency, account in rows if txn_id is not None}

    def _draft(self, entry: BankEntry) -> matching.Draft:
        try:
            check_places(entry.amount, entry.currency, "amount")
        except UserError as exc:
            raise problem(self.name, entry.where, str(exc)) from exc
        return matching.Draft(entry.booking_date, entry.amount, entry.currency)

    def _event(self, draft: matching.Draft, row: dict[str, Any], entry: BankEntry) -> dict[str, Any]:
        assert self.batch is not None
        return audit.values(
            self.ctx, "payment.added", "payment", draft.id,
            f"Payment received {draft.date}: {format_amount(draft.amount)} {draft.currency}"
            + (f" — {row['title']}" if row["title"] else "")
            + f", imported from {import_batches.batch_label(self.batch)}"
            + ": " + (draft.match_reason or "waits in the review list"),
            contractor_id=draft.contractor_id,
            details={**import_batches.batch_details(self.batch), "entry": entry.where,
                     "bank_txn_id": row["bank_txn_id"]},
        )

    def finish(self) -> None:
        self.result.matched_by = dict(self.matcher.counts)
        if self.batch is not None:
            self.result.batch_id = self.batch.id
            import_batches.finish_batch(self.ctx, self.batch, self.result.summary)
            self.batch.summary = _with_reasons(self.batch.summary, self.result.matched_by)
        self.ctx.session.flush()


def _id(draft: matching.Draft) -> int:
    assert draft.id is not None, "the payment rows are inserted before their allocations"
    return draft.id


def _hints(entry: BankEntry) -> matching.Hints:
    return matching.Hints(title=entry.title, creditor_refs=entry.creditor_refs,
                          payer_account=entry.payer_account, payer_tax_id=entry.payer_tax_id)


def _with_reasons(stored: str | None, matched_by: dict[str, int]) -> str | None:
    if stored is None:
        return None
    data = json.loads(stored)
    data["matched_by"] = matched_by
    return json.dumps(data, ensure_ascii=False)
