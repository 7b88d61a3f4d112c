"""The demand register: issuing numbered letters (one or a batch), listing them, re-printing and e-mailing them.

Every letter is stored with its amounts and its PDF exactly as printed, so a re-print gives the same
bytes. Register numbers run per month: WZ/2026/03/0001, WZ/2026/03/0002, … WZ/2026/04/0001.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from collector_app.db.models import Contractor, Demand, DemandInvoice, Firm, Invoice, Outbox
from collector_app.domain.errors import UserError
from collector_app.domain.money import Money
from collector_app.domain.payment_qr import ascii_fold, title_for
from collector_app.services import audit
from collector_app.services.context import Ctx
from collector_app.services.firm import get_firm
from collector_app.services.invoices import find_invoice
from collector_app.services.letter_pdf import Letter, draw_letters, letter_pdf, wording
from collector_app.services.letters import (
    TITLE_LIMIT,
    Draft,
    check_kind,
    drafts_for_contractor,
    drafts_for_invoice,
    letter_for,
)
from collector_app.services.messages import firm_info, recipient_for, reminded_ids
from collector_app.templates.render import language_of

PREFIX = "WZ"
MAX_DEADLINE_DAYS = 365
Progress = Callable[[int, int, str], bool]  # (done, total, contractor) → False to stop


@dataclass(frozen=True, slots=True)
class DemandRow:
    """One row of the register, as lists, the CLI and the GUI show it."""

    id: int
    number: str
    date: dt.date
    kind: str
    contractor_id: int
    contractor: str
    invoices: tuple[str, ...]
    currency: str
    principal: Decimal
    interest: Decimal
    compensation: Decimal
    total: Decimal
    deadline: dt.date
    language: str
    created_by: str | None


@dataclass(frozen=True, slots=True)
class BatchCandidate:
    """A contractor (in one currency) overdue more than N days above the amount asked for."""

    contractor_id: int
    contractor: str
    currency: str
    invoices: tuple[str, ...]  # the numbers a letter would name
    outstanding: Decimal
    max_days: int


@dataclass
class BatchResult:
    """Letters a batch issued; with an output folder, their files and the combined print file."""

    demands: list[Demand] = field(default_factory=list)
    folder: Path | None = None
    files: list[Path] = field(default_factory=list)
    combined: Path | None = None
    combined_pdf: bytes | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (contractor, reason)
    cancelled: bool = False


# --- issuing -------------------------------------------------------------------------------

def make_demand(ctx: Ctx, *, kind: str, invoice: str | None = None, contractor_id: int | None = None,
                deadline_days: int = 7, currency: str | None = None) -> Demand:
    """One letter. A contractor who owes in several currencies gets one letter per currency: name the
    currency here, or use make_demands for all of them."""
    wanted = currency.strip().upper() if currency is not None else None
    drafts = _drafts(ctx, kind, invoice, contractor_id, wanted)
    if wanted is not None:
        drafts = [d for d in drafts if d.currency == wanted]
        if not drafts:
            raise UserError("currency", f"nothing to demand in {currency}")
    if len(drafts) > 1:
        raise UserError("currency", "the contractor owes in " + ", ".join(d.currency for d in drafts)
                        + ": one letter per currency (the payment code holds one); choose the currency")
    return _issue_all(ctx, drafts, deadline_days)[0]


def make_demands(ctx: Ctx, *, kind: str, invoice: str | None = None, contractor_id: int | None = None,
                 deadline_days: int = 7) -> list[Demand]:
    """One letter per currency the invoices are in (one for a single invoice)."""
    return _issue_all(ctx, _drafts(ctx, kind, invoice, contractor_id), deadline_days)


def _drafts(ctx: Ctx, kind: str, invoice: str | None, contractor_id: int | None,
            currency: str | None = None) -> list[Draft]:
    check_kind(kind)
    if (invoice is None) == (contractor_id is None):
        raise UserError("invoice", "name one invoice or one contractor")
    if invoice is not None:
        return drafts_for_invoice(ctx, kind, find_invoice(ctx, invoice, kind="invoice"))
    contractor = ctx.session.get(Contractor, contractor_id)
    if contractor is None:
        raise UserError("contractor", f"no contractor with id {contractor_id}")
    return drafts_for_contractor(ctx, kind, contractor, currency=currency)


def _issue_all(ctx: Ctx, drafts: Sequence[Draft], deadline_days: int) -> list[Demand]:
    firm = _firm(ctx)
    deadline = _deadline(ctx, deadline_days)
    return [_issue(ctx, firm, draft, deadline)[0] for draft in drafts]


def _firm(ctx: Ctx) -> Firm:
    firm = get_firm(ctx)
    if firm is None:
        raise UserError("firm", "the firm's details are not set "
                                "(Tools → Settings → Firm, or collector firm set --name … --iban …)")
    if not firm.iban:
        raise UserError("iban", "the firm's bank account is not set: a letter must say where to pay "
                                "(Tools → Settings → Firm, or collector firm set --iban …)")
    return firm


def _deadline(ctx: Ctx, days: int) -> dt.date:
    if not 1 <= days <= MAX_DEADLINE_DAYS:
        raise UserError("deadline-days", f"{days} is not 1–{MAX_DEADLINE_DAYS} days")
    return ctx.clock.today() + dt.timedelta(days=days)


def _reminded(ctx: Ctx, draft: Draft) -> bool:
    """Whether every invoice of the letter was reminded of before, by a message or a letter: only then may a
    final demand speak of "our previous reminders"."""
    ids = [c.invoice.id for c in draft.claims]
    by_letter = set(ctx.session.scalars(select(DemandInvoice.invoice_id).where(DemandInvoice.invoice_id.in_(ids))))
    return set(ids) <= by_letter | reminded_ids(ctx, ids)


def _issue(ctx: Ctx, firm: Firm, draft: Draft, deadline: dt.date) -> tuple[Demand, Letter]:
    today = ctx.clock.today()
    number = next_number(ctx, today)
    letter = letter_for(firm, draft, number=number, day=today, deadline=deadline, reminded=_reminded(ctx, draft))
    demand = Demand(
        number=number, kind=draft.kind, contractor_id=draft.contractor.id, date=today, deadline=deadline,
        language=letter.lang, currency=draft.currency, principal=letter.principal, interest=letter.interest,
        compensation=letter.compensation, total=letter.total, pdf=letter_pdf(letter), created_at=ctx.clock.now(),
        created_by=ctx.user,
        lines=[DemandInvoice(invoice_id=c.invoice.id, currency=draft.currency, principal=c.principal,
                             interest=c.interest, compensation=c.compensation, days_overdue=c.days)
               for c in draft.claims],
    )
    ctx.session.add(demand)
    ctx.session.flush()
    money = Money(letter.total, draft.currency)
    audit.record(ctx, "demand.issued", "demand", demand.id,
                 f"Letter {number} ({draft.kind}) for {money}: {', '.join(c.invoice.number for c in draft.claims)}",
                 contractor_id=draft.contractor.id,
                 details={"number": number, "kind": draft.kind, "total": str(letter.total),
                          "currency": draft.currency, "deadline": deadline.isoformat()})
    for c in draft.claims:
        audit.record(ctx, "demand.issued", "demand", demand.id, f"Letter {number} ({draft.kind}) names this invoice",
                     invoice_id=c.invoice.id,
                     details={"number": number, "principal": str(c.principal), "interest": str(c.interest)})
    return demand, letter


def next_number(ctx: Ctx, day: dt.date) -> str:
    """WZ/YYYY/MM/NNNN: one above the month's highest number (numbers never repeat: unique in the table)."""
    prefix = f"{PREFIX}/{day.year:04d}/{day.month:02d}/"
    last = ctx.session.scalar(
        select(Demand.number).where(Demand.number.like(prefix + "%"))
        .order_by(func.length(Demand.number).desc(), Demand.number.desc()).limit(1))
    tail = last[len(prefix):] if last else "0"
    return f"{prefix}{int(tail) + 1 if tail.isdigit() else 1:04d}"


# --- the register --------------------------------------------------------------------------

def list_demands(ctx: Ctx, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
                 contractor_id: int | None = None, kind: str | None = None, invoice_id: int | None = None,
                 limit: int | None = None, offset: int = 0) -> list[DemandRow]:
    """Letters newest first, with the invoice numbers each names."""
    query = _filtered(_row_query(), date_from, date_to, contractor_id, kind, invoice_id)
    query = query.order_by(Demand.date.desc(), Demand.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return _rows(ctx, ctx.session.execute(query).tuples().all())


def demand_rows(ctx: Ctx, demand_ids: Sequence[int]) -> list[DemandRow]:
    """Register rows of the given letters, in the order of the ids."""
    query = _row_query().where(Demand.id.in_(list(demand_ids)))
    by_id = {r.id: r for r in _rows(ctx, ctx.session.execute(query).tuples().all())}
    return [by_id[i] for i in demand_ids if i in by_id]


def _row_query() -> Any:
    """Letters with their contractor's name; the PDF stays in the database until asked for."""
    return (select(Demand, Contractor.name).join(Contractor, Contractor.id == Demand.contractor_id)
            .options(defer(Demand.pdf)))


def _rows(ctx: Ctx, found: Sequence[tuple[Demand, str]]) -> list[DemandRow]:
    numbers = _invoice_numbers(ctx, [d.id for d, _ in found])
    return [
        DemandRow(d.id, d.number, d.date, d.kind, d.contractor_id, name, numbers.get(d.id, ()), d.currency,
                  d.principal, d.interest, d.compensation, d.total, d.deadline, d.language, d.created_by)
        for d, name in found
    ]


def count_demands(ctx: Ctx, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
                  contractor_id: int | None = None, kind: str | None = None, invoice_id: int | None = None) -> int:
    query = _filtered(select(func.count(Demand.id)), date_from, date_to, contractor_id, kind, invoice_id)
    return int(ctx.session.scalar(query) or 0)


def _filtered(query: Any, date_from: dt.date | None, date_to: dt.date | None, contractor_id: int | None,
              kind: str | None, invoice_id: int | None) -> Any:
    if date_from is not None:
        query = query.where(Demand.date >= date_from)
    if date_to is not None:
        query = query.where(Demand.date <= date_to)
    if contractor_id is not None:
        query = query.where(Demand.contractor_id == contractor_id)
    if kind is not None:
        query = query.where(Demand.kind == check_kind(kind))
    if invoice_id is not None:
        named = select(DemandInvoice.demand_id).where(DemandInvoice.invoice_id == invoice_id)
        query = query.where(Demand.id.in_(named))
    return query


def _invoice_numbers(ctx: Ctx, demand_ids: list[int]) -> dict[int, tuple[str, ...]]:
    if not demand_ids:
        return {}
    out: dict[int, list[str]] = {}
    rows = ctx.session.execute(
        select(DemandInvoice.demand_id, Invoice.number).join(Invoice, Invoice.id == DemandInvoice.invoice_id)
        .where(DemandInvoice.demand_id.in_(demand_ids)).order_by(DemandInvoice.id)).tuples()
    for demand_id, number in rows:
        out.setdefault(demand_id, []).append(number)
    return {k: tuple(v) for k, v in out.items()}


def get_demand(ctx: Ctx, demand_id: int) -> Demand:
    demand = ctx.session.get(Demand, demand_id)
    if demand is None:
        raise UserError("id", f"no letter with id {demand_id} in the register")
    return demand


def demand_pdf(ctx: Ctx, demand_id: int) -> bytes:
    """The stored PDF: a re-print is byte for byte the letter that was issued."""
    return bytes(get_demand(ctx, demand_id).pdf)


def demand_counts(ctx: Ctx, invoice_ids: Sequence[int]) -> dict[int, int]:
    """How many letters named each invoice (invoices with none are absent)."""
    if not invoice_ids:
        return {}
    rows = ctx.session.execute(
        select(DemandInvoice.invoice_id, func.count(DemandInvoice.id))
        .where(DemandInvoice.invoice_id.in_(list(invoice_ids))).group_by(DemandInvoice.invoice_id)).tuples()
    return {invoice_id: int(count) for invoice_id, count in rows}


def pdf_filename(demand: Demand | DemandRow) -> str:
    """ "WZ/2026/03/0007" → "WZ-2026-03-0007.pdf"."""
    return _slug(demand.number) + ".pdf"


# --- batch ---------------------------------------------------------------------------------

def batch_candidates(ctx: Ctx, *, min_days: int, min_amount: Decimal | None = None) -> list[BatchCandidate]:
    """Contractors with invoices overdue more than `min_days` days whose outstanding sum (per currency)
    is at least `min_amount`; disputed, handed-over and promise-paused invoices do not count."""
    if min_days < 0:
        raise UserError("min-days", "must not be negative")
    if min_amount is not None and min_amount < 0:
        raise UserError("min-amount", "must not be negative")
    today = ctx.clock.today()
    query = (
        select(Contractor.id, Contractor.name, Invoice.currency, Invoice.number, Invoice.gross - Invoice.paid,
               Invoice.due_date)
        .join(Contractor, Contractor.id == Invoice.contractor_id)
        .where(Invoice.kind == "invoice", Invoice.gross > Invoice.paid,
               Invoice.due_date < today - dt.timedelta(days=min_days),
               Invoice.disputed.is_(False), Invoice.handed_over.is_(False),
               (Invoice.paused_until.is_(None)) | (Invoice.paused_until < today))
        .order_by(Contractor.name, Contractor.id, Invoice.currency, Invoice.due_date, Invoice.number)
    )
    groups: dict[tuple[int, str], tuple[str, list[str], list[Decimal], list[dt.date]]] = {}
    for cid, name, currency, number, owed, due in ctx.session.execute(query).tuples():
        group = groups.setdefault((cid, currency), (name, [], [], []))
        group[1].append(number)
        group[2].append(Decimal(owed))
        group[3].append(due)
    out = []
    for (cid, currency), (name, numbers, owed_list, dues) in groups.items():
        total = sum(owed_list, Decimal(0)).quantize(Decimal("0.01"))
        if min_amount is None or total >= min_amount:
            out.append(BatchCandidate(cid, name, currency, tuple(numbers), total, (today - min(dues)).days))
    return out


def make_batch(ctx: Ctx, *, min_days: int, min_amount: Decimal | None = None, kind: str = "demand",
               deadline_days: int = 7, contractor_ids: Sequence[int] | None = None, out_dir: Path | None = None,
               progress: Progress | None = None) -> BatchResult:
    """A letter for each candidate (contractor and currency) and one combined PDF for printing.

    `contractor_ids` narrows the candidates (the user unticked some). With `out_dir`, each letter is
    written there as <number>_<contractor>.pdf and all of them as print-<first>-<last>.pdf.
    `progress(done, total, contractor)` is called after each letter; returning False stops the batch
    there: the letters made so far stay issued (and written), the rest is not made.
    """
    check_kind(kind)
    if kind == "interest-note":
        raise UserError("kind", "a batch issues letters about overdue invoices (reminder, demand or final)")
    firm = _firm(ctx)
    deadline = _deadline(ctx, deadline_days)
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise UserError("out", f"{out_dir} is not a folder")
    candidates = batch_candidates(ctx, min_days=min_days, min_amount=min_amount)
    if contractor_ids is not None:
        wanted = set(contractor_ids)
        candidates = [c for c in candidates if c.contractor_id in wanted]
    result = BatchResult(folder=out_dir)
    letters: list[Letter] = []
    for done, cand in enumerate(candidates, start=1):
        contractor = ctx.session.get(Contractor, cand.contractor_id)
        assert contractor is not None
        try:
            drafts = drafts_for_contractor(ctx, kind, contractor, min_days=min_days, currency=cand.currency)
        except UserError as exc:
            result.skipped.append((cand.contractor, exc.message))
            drafts = []
        for draft in drafts:
            demand, letter = _issue(ctx, firm, draft, deadline)
            result.demands.append(demand)
            letters.append(letter)
        if progress is not None and not progress(done, len(candidates), cand.contractor) and done < len(candidates):
            result.cancelled = True
            break
    if letters:
        result.combined_pdf = draw_letters(letters)
    if out_dir is not None and result.demands:
        _write_files(result, out_dir)
    return result


def _write_files(result: BatchResult, out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for demand in result.demands:
            path = out_dir / letter_filename(demand)
            path.write_bytes(demand.pdf)
            result.files.append(path)
        first, last = result.demands[0].number, result.demands[-1].number
        combined = out_dir / f"print-{_slug(first)}-{last.rsplit('/', 1)[-1]}.pdf"
        assert result.combined_pdf is not None
        combined.write_bytes(result.combined_pdf)
        result.combined = combined
    except OSError as exc:
        raise UserError("out", f"cannot write the letters to {out_dir}: {exc.strerror or exc}") from exc


def letter_filename(demand: Demand) -> str:
    """ "WZ-2026-03-0007_Omega-Handel-Sp-z-o-o.pdf": the number, then whom it goes to."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", ascii_fold(demand.contractor.name))[:40].strip("-")
    return f"{_slug(demand.number)}_{name or demand.contractor_id}.pdf"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")


# --- e-mail --------------------------------------------------------------------------------

def email_demand(ctx: Ctx, demand_id: int) -> Outbox:
    """Queue the letter for e-mail (the outbox sends it with its PDF attached), planned for today."""
    demand = get_demand(ctx, demand_id)
    recipient = recipient_for(demand.contractor, "email")
    first = demand.lines[0].invoice_id if demand.lines else None
    if first is None:  # pragma: no cover - every letter names at least one invoice
        raise UserError("id", f"letter {demand.number} names no invoice")
    row = Outbox(invoice_id=first, contractor_id=demand.contractor_id, step_id=None, demand_id=demand.id,
                 occurrence=1 + _emailed(ctx, demand.id), channel="email", recipient=recipient,
                 state="planned", planned_for=ctx.clock.today(), created_at=ctx.clock.now())
    ctx.session.add(row)
    ctx.session.flush()
    audit.record(ctx, "demand.emailed", "demand", demand.id, f"Letter {demand.number} queued for e-mail to {recipient}",
                 contractor_id=demand.contractor_id, details={"outbox_id": row.id})
    return row


def _emailed(ctx: Ctx, demand_id: int) -> int:
    return int(ctx.session.scalar(select(func.count(Outbox.id)).where(Outbox.demand_id == demand_id)) or 0)


def email_context(ctx: Ctx, demand: Demand) -> dict[str, Any]:
    """What resources/templates/<lang>/demand_letter.j2 may use (see its header)."""
    firm = _firm(ctx)
    numbers = _invoice_numbers(ctx, [demand.id]).get(demand.id, ())
    return {
        "firm": firm_info(firm),
        "contractor": {"name": demand.contractor.name},
        "demand": {
            "number": demand.number, "kind": demand.kind, "name": wording(demand.language)["title"][demand.kind],
            "date": demand.date, "deadline": demand.deadline,
            "total": Money(demand.total, demand.currency), "invoices": list(numbers),
            "title": title_for(tuple(numbers), demand.number, TITLE_LIMIT),
        },
        "lang": language_of(demand.language),
        "today": ctx.clock.today(),
    }

