"""Turning service results into the CLI contract's JSON objects and into readable tables."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TextIO

from collector_app.db.models import Contractor, Event, Invoice, Note
from collector_app.db.queries import InvoiceRow, LetterCounts
from collector_app.domain.money import format_amount
from collector_app.domain.status import days_overdue, status_of
from collector_app.services.activity import TaskRow
from collector_app.services.payments import PaymentResult, PaymentRow

JsonObj = dict[str, Any]


def _value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return format_amount(v)
    if isinstance(v, dt.datetime):
        return v.astimezone().isoformat(timespec="minutes")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def invoice_row(r: InvoiceRow, letters: LetterCounts | None = None) -> JsonObj:
    """A register row; `letters` adds the reminders sent and the demand letters that named it."""
    obj: JsonObj = {
        "id": r.id, "number": r.number, "kind": r.kind, "contractor": r.contractor,
        "contractor_id": r.contractor_id, "issue_date": _value(r.issue_date), "due_date": _value(r.due_date),
        "gross": _value(r.gross), "paid": _value(r.paid), "balance": _value(r.balance),
        "currency": r.currency, "status": r.status.value, "days_overdue": r.days_overdue,
        "disputed": r.disputed, "paused_until": _value(r.paused_until),
    }
    if letters is not None:
        obj |= letter_fields(letters)
    return obj


def letter_fields(letters: LetterCounts) -> JsonObj:
    """How many reminders went out for an invoice and how many demand letters named it."""
    return {"reminders_sent": letters.reminders, "demands": letters.demands}


def invoice_obj(inv: Invoice, today: dt.date) -> JsonObj:
    return {
        "id": inv.id, "number": inv.number, "kind": inv.kind, "contractor": inv.contractor.name,
        "contractor_id": inv.contractor_id, "issue_date": _value(inv.issue_date),
        "due_date": _value(inv.due_date), "gross": _value(inv.gross), "paid": _value(inv.paid),
        "balance": _value(inv.gross - inv.paid), "currency": inv.currency,
        "status": status_of(inv.gross, inv.paid, inv.due_date, today).value,
        "days_overdue": days_overdue(inv.gross, inv.paid, inv.due_date, today),
        "disputed": inv.disputed, "paused_until": _value(inv.paused_until),
        "pause_reason": inv.pause_reason, "handed_over": inv.handed_over, "under_plan": inv.under_plan,
    }


def contractor_obj(c: Contractor) -> JsonObj:
    return {
        "id": c.id, "name": c.name, "tax_id": c.tax_id, "country": c.country, "email": c.email,
        "phone": c.phone, "language": c.language, "preferred_channel": c.preferred_channel,
        "payment_terms_days": c.payment_terms_days,
        "segment": c.segment.name if c.segment else None,
        "collector": c.collector.login if c.collector else None,
        "address": c.address, "postal_code": c.postal_code, "city": c.city,
    }


def payment_row(p: PaymentRow) -> JsonObj:
    return {
        "id": p.id, "date": _value(p.date), "amount": _value(p.amount), "currency": p.currency,
        "contractor_id": p.contractor_id, "contractor": p.contractor, "payer": p.payer,
        "payer_account": p.payer_account, "title": p.title, "source": p.source,
        "allocated": _value(p.allocated), "unallocated": _value(p.unallocated), "reversed": p.reversed,
    }


def payment_result(r: PaymentResult) -> JsonObj:
    p = r.payment
    return {
        "id": p.id, "date": _value(p.date), "amount": _value(p.amount), "currency": p.currency,
        "contractor_id": p.contractor_id, "title": p.title, "source": p.source,
        "allocated": _value(p.allocated), "unallocated": _value(r.unallocated),
        "allocations": [
            {"invoice": a.number, "amount": _value(a.amount), "reason": a.reason} for a in r.applied
        ],
    }


def task_row(t: TaskRow) -> JsonObj:
    return {
        "id": t.id, "due_at": _value(t.due_at), "text": t.text, "assignee": t.assignee,
        "invoice": t.invoice, "contractor_id": t.contractor_id, "source": t.source,
        "done": t.done_at is not None,
    }


def note_obj(n: Note, invoice_number: str | None) -> JsonObj:
    return {"id": n.id, "invoice": invoice_number, "contractor_id": n.contractor_id, "text": n.text,
            "created_at": _value(n.created_at)}


def event_obj(e: Event) -> JsonObj:
    return {"id": e.id, "at": _value(e.at), "user": e.user, "action": e.action, "entity": e.entity,
            "entity_id": e.entity_id, "invoice_id": e.invoice_id, "contractor_id": e.contractor_id,
            "summary": e.summary}


def generic(obj: dict[str, Any]) -> JsonObj:
    return {k: _value(v) for k, v in obj.items()}


def emit(data: JsonObj | Sequence[JsonObj], as_json: bool, columns: Sequence[str] | None = None,
         out: TextIO | None = None) -> None:
    """JSON for machines, an aligned table (or key: value lines) for people; into `out` (default stdout)."""
    out = sys.stdout if out is None else out
    if as_json:
        json.dump(data, out, ensure_ascii=False, indent=None if isinstance(data, list) else 2)
        out.write("\n")
        return
    if isinstance(data, dict):
        width = max((len(k) for k in data), default=0)
        for k, v in data.items():
            if isinstance(v, list):
                out.write(f"{k:<{width}}  ({len(v)})\n")
                for item in v:
                    out.write("  - " + ", ".join(f"{ik}: {iv}" for ik, iv in dict(item).items()) + "\n")
            else:
                out.write(f"{k:<{width}}  {'' if v is None else v}\n")
        return
    rows = list(data)
    if not rows:
        out.write("(nothing)\n")
        return
    cols = list(columns or rows[0].keys())
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    out.write("  ".join(c.upper().ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip() + "\n")
    for row in cells:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    text = str(v)
    return text if len(text) <= 48 else text[:47] + "…"
