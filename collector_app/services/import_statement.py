"""Importing a bank statement (MT940, camt.053): booked credits become payments, matched to invoices.

One call is one transaction: the caller commits, or rolls back for a dry run. Each bank entry is
imported once (payment.bank_txn_id is unique), so re-importing a file changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from collector_app.db.models import Event, ImportBatch, Payment
from collector_app.domain.errors import UserError
from collector_app.domain.money import check_places, format_amount
from collector_app.imports.bank import BankEntry
from collector_app.imports.camt053 import read_camt053
from collector_app.imports.common import ImportProblem, ImportSummary, problem
from collector_app.imports.mt940 import read_mt940
from collector_app.services import audit, import_batches, matching
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
    looks up, so a large statement costs a few queries per chunk, not per entry.
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
    seen: set[str] = field(default_factory=set)

    def chunk(self, entries: list[BankEntry]) -> None:
        fresh = self._fresh(entries)
        if not fresh:
            return
        ctx = self.ctx
        if self.batch is None:
            self.batch = import_batches.open_batch(ctx, "statement", self.path, self.fmt, self.name)
        ctx.session.flush()  # the prefetch reads the database: it must see the allocations made so far
        hints = [_hints(e) for e in fresh]
        matching.prefetch(ctx, self.matcher, [(h, e.amount) for h, e in zip(hints, fresh, strict=True)])
        created = [self._payment(e) for e in fresh]
        ctx.session.add_all(created)
        ctx.session.flush()
        learned: set[tuple[int, str]] = set()
        for payment, hint, entry in zip(created, hints, fresh, strict=True):
            event = self._event(payment, entry)
            reason = matching.match_payment(ctx, self.matcher, payment, hint)
            event.contractor_id = payment.contractor_id
            event.summary += ": " + (payment.match_reason or "waits in the review list")
            summary = self.result.summary
            summary.payments += 1
            if reason is None:
                summary.unmatched += 1
            else:
                summary.matched += 1
            if reason in matching.LEARNING_REASONS and payment.contractor_id is not None and entry.payer_account:
                learned.add((payment.contractor_id, entry.payer_account))
            self.result.payment_ids.append(payment.id)
        matching.learn_accounts(ctx, learned)
        self.matcher.clear_chunk()

    def _fresh(self, entries: list[BankEntry]) -> list[BankEntry]:
        """The entries that become payments: booked credits, not in the ledger yet, not twice in the file."""
        summary = self.result.summary
        candidates: list[tuple[BankEntry, str]] = []
        for entry in entries:
            reason = entry.skip_reason
            if reason is None and entry.amount == 0:
                reason = "zero amount"
            if reason is not None:
                summary.skip(entry.where, reason)
                continue
            txn_id = entry.bank_txn_id()
            if txn_id in self.seen:
                summary.warn(entry.where, f"bank reference {txn_id} appears twice in the file; imported once")
                summary.skip(entry.where, ALREADY_IMPORTED)
                continue
            self.seen.add(txn_id)
            candidates.append((entry, txn_id))
        known = set(self.ctx.session.scalars(
            select(Payment.bank_txn_id).where(Payment.bank_txn_id.in_([t for _, t in candidates]))))
        fresh = []
        for entry, txn_id in candidates:
            if txn_id in known:
                summary.skip(entry.where, ALREADY_IMPORTED)
            else:
                fresh.append(entry)
        return fresh

    def _payment(self, entry: BankEntry) -> Payment:
        try:
            check_places(entry.amount, entry.currency, "amount")
        except UserError as exc:
            raise problem(self.name, entry.where, str(exc)) from exc
        assert self.batch is not None
        return Payment(
            contractor_id=None, date=entry.booking_date, amount=entry.amount, currency=entry.currency,
            allocated=Decimal(0), payer_name=entry.payer_name, payer_account=entry.payer_account,
            title=entry.title or None, reference=(entry.reference or "")[:64] or None, source="bank",
            bank_txn_id=entry.bank_txn_id(), import_batch_id=self.batch.id, created_at=self.ctx.clock.now(),
        )

    def _event(self, payment: Payment, entry: BankEntry) -> Event:
        assert self.batch is not None
        return audit.record(
            self.ctx, "payment.added", "payment", payment.id,
            f"Payment received {payment.date}: {format_amount(payment.amount)} {payment.currency}"
            + (f" — {payment.title}" if payment.title else "")
            + f", imported from {import_batches.batch_label(self.batch)}",
            details={**import_batches.batch_details(self.batch), "entry": entry.where,
                     "bank_txn_id": payment.bank_txn_id},
        )

    def finish(self) -> None:
        self.result.matched_by = dict(self.matcher.counts)
        if self.batch is not None:
            self.result.batch_id = self.batch.id
            import_batches.finish_batch(self.ctx, self.batch, self.result.summary)
            self.batch.summary = _with_reasons(self.batch.summary, self.result.matched_by)
        self.ctx.session.flush()


def _hints(entry: BankEntry) -> matching.Hints:
    return matching.Hints(title=entry.title, creditor_refs=entry.creditor_refs,
                          payer_account=entry.payer_account, payer_tax_id=entry.payer_tax_id)


def _with_reasons(stored: str | None, matched_by: dict[str, int]) -> str | None:
    if stored is None:
        return None
    data = json.loads(stored)
    data["matched_by"] = matched_by
    return json.dumps(data, ensure_ascii=False)
