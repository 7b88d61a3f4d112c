"""A reminder is worded at the moment it is sent: amounts, days overdue and credit are read then, not at planning.

`compose()` turns one outbox row, or the rows of one group (same contractor and step), into a
ready Message: recipient, subject, text, HTML, attachments. `preview()` does the same for any
invoice and template without an outbox row (the template editor, `reminders plan --dry-run`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

import phonenumbers
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import Numeric, String, bindparam, column, select, text
from sqlalchemy.orm import aliased

from collector_app.db.models import Allocation, Contractor, Firm, Invoice, Outbox, PolicyStep
from collector_app.domain.errors import UserError
from collector_app.domain.money import Money, totals_by_currency
from collector_app.domain.status import balance, days_overdue
from collector_app.services import templates_store  # the ledger's edited templates over the shipped ones
from collector_app.services.context import Ctx
from collector_app.services.firm import get_firm
from collector_app.services.invoice_pdf import invoice_pdf, pdf_filenames, readable_phone, tax_id_text
from collector_app.templates.render import language_of, render_blocks

MESSAGE_CHANNELS = ("email", "sms", "letter")
SMS_SEGMENT = 160  # GSM 03.38 septets in one SMS
_UNSAFE_HEADER = re.compile(r"[\r\n\x00]")
# GSM 03.38 basic character set (one septet each) and its extension table (two septets each).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€")
_GSM_REPLACE = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "–": "-", "—": "-", "„": '"', "”": '"', "“": '"',
                "’": "'", "‘": "'", "…": "...", "\u00a0": " ", "\u202f": " "}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str


@dataclass(frozen=True)
class Message:
    """What a channel sends; `outbox_ids` are the rows it settles (several for a grouped message), `listed_ids`
    the invoices it lists besides theirs (a grouped reminder names every overdue invoice of the contractor)."""

    channel: str
    recipient: str
    subject: str
    text: str
    html: str | None
    attachments: tuple[Attachment, ...]
    outbox_ids: tuple[int, ...]
    listed_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class FirmInfo:
    """The sender as templates see it: plain values, never the ORM row (the sandbox gets no session)."""

    name: str
    iban: str | None  # grouped by four for reading: "PL61 1090 1014 …"
    iban_compact: str | None
    tax_id: str | None
    address_line: str | None
    contact_name: str
    phone: str | None
    phone_e164: str | None
    email: str | None
    tax_id_text: str | None = None  # "NIP: 5251234560" as the firm's country labels it, in the message's language


@dataclass(frozen=True)
class ContractorInfo:
    name: str
    tax_id: str | None
    address_line: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice as of the sending day.

    `paid` is all that lowered it; of that, `received` is money from the debtor (payments) and `credited`
    what the firm's own credit notes (`credit_notes`, their numbers) took off: a text must not call a
    credit note money received.
    """

    id: int
    number: str
    issue_date: dt.date
    due_date: dt.date
    gross: Money
    paid: Money
    outstanding: Money
    days_overdue: int
    received: Money
    credited: Money
    credit_notes: tuple[str, ...] = ()
    variable_symbol: str | None = None


@dataclass(frozen=True)
class CreditNoteLine:
    """A credit note of the firm with money left on it for the contractor (not yet set against an invoice)."""

    number: str
    amount: Money


def compose(ctx: Ctx, rows: Sequence[Outbox], *, invoices: Sequence[Invoice] | None = None,
            firm: Firm | None = None, listed: Sequence[Invoice] = (), sent_before: Sequence[Outbox] = ()) -> Message:
    """The message for one outbox row or one group of rows, worded as of ctx.clock.today().

    A caller that has just read the rows' invoices as the ledger has them now passes them as
    `invoices` (they are not read again); one that holds the firm passes it as `firm`. `listed` are
    further invoices of the contractor the message names (read now too) without a row of their own;
    `sent_before` the reminders of the same kind already sent for the invoices it names: a grouped
    message is never worded more softly than one of them was.
    """
    if not rows:
        raise ValueError("compose() needs at least one outbox row")
    first = rows[0]
    if first.demand_id is not None:
        return _letter_message(ctx, first)
    if any(r.contractor_id != first.contractor_id for r in rows):
        raise ValueError("rows of one message must share the contractor")
    steps = [ctx.session.get(PolicyStep, r.step_id) for r in rows]
    if any(st is None for st in steps):
        raise UserError("step", f"outbox row {first.id}: its policy step no longer exists")
    # a grouped message is worded at the furthest step among its rows: how far along an invoice it comes, not
    # where it stands in the policy's list (moving a step up must not soften the message)
    worded = [(r, st) for r, st in zip(rows, steps, strict=True) if st is not None]
    worded += [(r, st) for r in sent_before if (st := ctx.session.get(PolicyStep, r.step_id)) is not None]
    step = max(worded, key=lambda pair: _how_far(*pair))[1]
    ids = [r.invoice_id for r in rows]
    fresh = _fresh_invoices(ctx, ids) if invoices is None else _ordered(ids, {inv.id: inv for inv in invoices})
    extra = tuple(inv for inv in listed if inv.id not in set(ids))
    if extra:
        fresh = _ordered([inv.id for inv in (*fresh, *extra)], {inv.id: inv for inv in (*fresh, *extra)})
    message = _message(
        ctx, fresh, step.template, first.channel or step.channel,
        attach=step.attach_invoice, outbox_ids=tuple(r.id for r in rows), firm=firm,
    )
    return replace(message, listed_ids=tuple(sorted(inv.id for inv in extra))) if extra else message


_ANCHOR_ORDER = {"issue": 0, "due": 1, "promise": 2, "paid": 3}


def _how_far(row: Outbox, step: PolicyStep) -> tuple[int, int, int, int]:
    """Anchor (issue, due, promise), then the day the row's occurrence falls on; then the list's order."""
    repeat = row.occurrence - 1 if step.anchor in ("issue", "due") else 0
    day = step.offset_days + repeat * (step.repeat_every_days or 0)
    return _ANCHOR_ORDER.get(step.anchor, 1), day, step.position, step.id


def preview(
    ctx: Ctx, invoice_id: int, template: str, channel: str, *, source: str | None = None,
    attach: bool = False,
) -> Message:
    """The message `template` would make for one invoice today; `source` previews unsaved template text."""
    invoices = _fresh_invoices(ctx, [invoice_id])
    return _message(ctx, invoices, template, channel, attach=attach, outbox_ids=(), source=source)


_INVOICES = (select(Invoice).where(Invoice.id.in_(bindparam("ids", expanding=True)))
             .execution_options(populate_existing=True))  # built once: composing runs for every message


def _fresh_invoices(ctx: Ctx, ids: Sequence[int]) -> list[Invoice]:
    """The invoices as the ledger has them now (a payment since planning must show)."""
    ctx.session.flush()
    return _ordered(ids, {inv.id: inv for inv in ctx.session.scalars(_INVOICES, {"ids": sorted(set(ids))})})


def _ordered(ids: Sequence[int], found: dict[int, Invoice]) -> list[Invoice]:
    """The invoices of `ids` by due date and number, all of one contractor."""
    missing = [i for i in ids if i not in found]
    if missing:
        raise UserError("invoice", f"invoice id {missing[0]} does not exist")
    ordered = sorted({found[i].id: found[i] for i in ids}.values(), key=lambda inv: (inv.due_date, inv.number))
    if len({inv.contractor_id for inv in ordered}) > 1:
        raise ValueError("one message goes to one contractor")
    return ordered


def _message(
    ctx: Ctx, invoices: list[Invoice], template: str, channel: str, *, attach: bool,
    outbox_ids: tuple[int, ...], source: str | None = None, firm: Firm | None = None,
) -> Message:
    if channel not in MESSAGE_CHANNELS:
        raise UserError("channel", f'"{channel}" is not a message channel (expected {", ".join(MESSAGE_CHANNELS)})')
    firm = firm or get_firm(ctx)
    if firm is None:
        raise UserError("firm", "the firm's details are not set "
                                "(Tools → Settings → Firm, or collector firm set --name …)")
    contractor = invoices[0].contractor
    lang = language_of(contractor.language)
    context = template_context(ctx, firm, contractor, invoices)
    context["firm"] = replace(context["firm"], tax_id_text=tax_id_text(firm.country, firm.tax_id, None, lang))
    recipient = recipient_for(contractor, channel)
    wanted = ("subject", "sms") if channel == "sms" else ("subject", "text", "html") if channel == "email" else (
        "subject", "text")
    out = render_blocks(lang, template, wanted, context, source=source, env=templates_store.environment(ctx))
    subject = out["subject"].strip()
    _check_header("subject", subject)
    if channel == "sms":
        text = sms_text(out["sms"])
        return Message(channel, recipient, subject, text, None, (), outbox_ids)
    text = _tidy(out["text"])
    html = out.get("html", "").strip()
    attachments = _invoice_copies(firm, invoices, lang, ctx.clock.today()) if attach else ()
    return Message(channel, recipient, subject, text, html or None, attachments, outbox_ids)


def _letter_message(ctx: Ctx, row: Outbox) -> Message:
    """A letter from the demand register by e-mail: a short covering note, the stored PDF attached
    (the very document that was printed, not a new rendering)."""
    from collector_app.services.demands import email_context, get_demand, letter_filename

    assert row.demand_id is not None
    demand = get_demand(ctx, row.demand_id)
    context = email_context(ctx, demand)
    out = render_blocks(context["lang"], "demand_letter", ("subject", "text", "html"), context,
                        env=templates_store.environment(ctx))
    subject = out["subject"].strip()
    _check_header("subject", subject)
    pdf = Attachment(letter_filename(demand), demand.pdf, "application/pdf")
    return Message("email", recipient_for(demand.contractor, "email"), subject, _tidy(out["text"]),
                   out.get("html", "").strip() or None, (pdf,), (row.id,))


def template_context(ctx: Ctx, firm: Firm, contractor: Contractor, invoices: list[Invoice]) -> dict[str, Any]:
    """Everything a template may use; plain frozen values computed for today.

    `credit` is all the contractor has with the firm per currency; split into `credit_received` (money
    from the debtor not set against an open invoice: unallocated payments, overpayments) and
    `credit_notes` / `credit_notes_total` (what is left on the firm's own credit notes).
    """
    today = ctx.clock.today()
    offsets = _credit_note_offsets(ctx, invoices)
    lines = [invoice_line(inv, today, offsets.get(inv.id)) for inv in invoices]
    received, notes = _contractor_credit(ctx, contractor.id)
    return {
        "firm": firm_info(firm),
        "contractor": ContractorInfo(
            contractor.name, contractor.tax_id, _address(contractor.address, contractor.postal_code, contractor.city),
            contractor.email, contractor.phone,
        ),
        "invoices": lines,
        "invoice": lines[0],
        "single": len(lines) == 1,
        "totals": list(totals_by_currency([line.outstanding for line in lines]).values()),
        "credit": _by_currency([*received, *(note.amount for note in notes)]),
        "credit_received": _by_currency(received),
        "credit_notes": notes,
        "credit_notes_total": _by_currency([note.amount for note in notes]),
        "settled": all(line.outstanding.amount <= 0 for line in lines),
        # credit notes lowered the invoices and no payment did: a thank-you has no payment to thank for
        "credited_only": (any(line.credited.amount for line in lines)
                          and not any(line.received.amount for line in lines)),
        "max_days_overdue": max(line.days_overdue for line in lines),
        # every invoice of the message had a reminder before: only then may a text say "despite our reminders"
        # (after a catch-up, a debtor's first message can be a policy's last step)
        "reminded": _all_reminded(ctx, [inv.id for inv in invoices]),
        "today": today,
    }


_REMINDED = (select(Outbox.invoice_id).join(PolicyStep, PolicyStep.id == Outbox.step_id)
             .where(Outbox.invoice_id.in_(bindparam("ids", expanding=True)), Outbox.state == "sent",
                    PolicyStep.anchor.in_(("due", "promise"))).distinct())


def _all_reminded(ctx: Ctx, ids: list[int]) -> bool:
    return set(ids) <= reminded_ids(ctx, ids)


def reminded_ids(ctx: Ctx, ids: Sequence[int]) -> set[int]:
    """Those of these invoices a reminder went out for (a step about the due or promised date, not the invoice
    sent on issue or a thank-you)."""
    return set(ctx.session.scalars(_REMINDED, {"ids": sorted(set(ids))}))


def _by_currency(items: Sequence[Money]) -> list[Money]:
    return sorted(totals_by_currency(list(items)).values(), key=lambda m: m.currency)


_CreditNote = aliased(Invoice)
_OFFSETS = (select(Allocation.invoice_id, Allocation.amount, _CreditNote.number)
            .join(_CreditNote, _CreditNote.id == Allocation.credit_note_id)
            .where(Allocation.invoice_id.in_(bindparam("ids", expanding=True)))
            .order_by(Allocation.id))


def _credit_note_offsets(ctx: Ctx, invoices: Sequence[Invoice]) -> dict[int, tuple[Decimal, tuple[str, ...]]]:
    """Per invoice: the amount credit notes took off it and their numbers (nothing read when none is paid)."""
    ids = sorted(inv.id for inv in invoices if inv.paid)
    if not ids:
        return {}
    found: dict[int, tuple[Decimal, tuple[str, ...]]] = {}
    for invoice_id, amount, number in ctx.session.execute(_OFFSETS, {"ids": ids}):
        total, numbers = found.get(invoice_id, (Decimal(0), ()))
        found[invoice_id] = (total + amount, numbers if number in numbers else (*numbers, number))
    return found


# What the contractor has with the firm, by source: money received and not set against an open invoice
# (an unallocated payment, the surplus of an overpaid invoice) and what is left on its credit notes.
# One statement, like payments.contractor_credit (whose sum it is): every composed reminder asks it.
_CREDIT = text(
    "SELECT 'payment' AS source, NULL AS number, currency, amount - allocated AS amount FROM payment "
    "WHERE contractor_id = :contractor AND reversed_at IS NULL AND amount > allocated "
    "UNION ALL SELECT kind, number, currency, paid - gross FROM invoice "
    "WHERE contractor_id = :contractor AND gross < paid "
    "ORDER BY source, number"
).columns(column("source", String()), column("number", String()), column("currency", String()),
          column("amount", Numeric(18, 2)))


def _contractor_credit(ctx: Ctx, contractor_id: int) -> tuple[list[Money], list[CreditNoteLine]]:
    received: list[Money] = []
    notes: list[CreditNoteLine] = []
    for source, number, currency, amount in ctx.session.execute(_CREDIT, {"contractor": contractor_id}):
        if amount <= 0:
            continue
        if source == "credit_note":
            notes.append(CreditNoteLine(number, Money(amount, currency)))
        else:
            received.append(Money(amount, currency))
    return received, notes


def invoice_line(inv: Invoice, today: dt.date,
                 offset: tuple[Decimal, tuple[str, ...]] | None = None) -> InvoiceLine:
    """`offset`: what credit notes took off the invoice and their numbers; the rest of `paid` was received."""
    credited, notes = offset or (Decimal(0), ())
    received = max(inv.paid - credited, Decimal(0))
    return InvoiceLine(
        id=inv.id, number=inv.number, issue_date=inv.issue_date, due_date=inv.due_date,
        gross=Money(inv.gross, inv.currency), paid=Money(inv.paid, inv.currency),
        outstanding=Money(max(balance(inv.gross, inv.paid), Decimal(0)), inv.currency),
        days_overdue=days_overdue(inv.gross, inv.paid, inv.due_date, today),
        received=Money(received, inv.currency), credited=Money(credited, inv.currency), credit_notes=notes,
        variable_symbol=inv.variable_symbol,
    )


def firm_info(firm: Firm) -> FirmInfo:
    return _firm_info(firm.name, firm.iban, firm.tax_id, firm.address, firm.postal_code, firm.city,
                      firm.contact_person, firm.phone, firm.email)


@lru_cache(maxsize=8)  # every message asks; parsing the IBAN and the phone cost more than the rest of it
def _firm_info(name: str, iban_text: str | None, tax_id: str | None, address: str | None, postal_code: str | None,
               city: str | None, contact_person: str | None, phone: str | None, email: str | None) -> FirmInfo:
    iban = compact = None
    if iban_text:
        try:
            parsed = IBAN(iban_text)
            iban, compact = str(parsed.formatted), str(parsed.compact)
        except SchwiftyException:
            iban = compact = iban_text
    return FirmInfo(
        name=name, iban=iban, iban_compact=compact, tax_id=tax_id,
        address_line=_address(address, postal_code, city), contact_name=contact_person or name,
        phone=readable_phone(phone), phone_e164=phone, email=email,
    )


def recipient_for(contractor: Contractor, channel: str) -> str:
    """E-mail: the contractor's, else a contact person's; SMS: a phone in E.164; letter: the postal address.

    The contractor's name is checked too: a channel may put it into the To header as a display name.
    """
    _check_header("recipient", contractor.name)
    if channel == "email":
        found = contractor.email or next((c.email for c in contractor.contacts if c.email), None)
        if not found:
            raise UserError("recipient", f"{contractor.name} has no e-mail address (nor has any contact person)")
        _check_header("recipient", found)
        return found.strip()
    if channel == "sms":
        phone = contractor.phone or next((c.phone for c in contractor.contacts if c.phone), None)
        if not phone:
            raise UserError("recipient", f"{contractor.name} has no phone number for an SMS")
        return _e164(phone, contractor.country)
    address = _address(contractor.address, contractor.postal_code, contractor.city)
    if not address:
        raise UserError("recipient", f"{contractor.name} has no postal address for a letter")
    recipient = f"{contractor.name}, {address}"
    _check_header("recipient", recipient)
    return recipient


def _e164(phone: str, country: str) -> str:
    try:
        number = phonenumbers.parse(phone, country.upper())
    except phonenumbers.NumberParseException as exc:
        raise UserError("recipient", f'"{phone}" is not a phone number') from exc
    if not phonenumbers.is_possible_number(number):
        raise UserError("recipient", f'"{phone}" is not a possible phone number')
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _check_header(field: str, value: str) -> None:
    """A value bound for a mail header: a CR, LF or NUL would let it add headers of its own."""
    if _UNSAFE_HEADER.search(value):
        raise UserError(field, f"{value!r} contains a line break or NUL, which must never reach a mail header")


def _address(street: str | None, postal_code: str | None, city: str | None) -> str | None:
    town = " ".join(part for part in (postal_code, city) if part)
    return ", ".join(part for part in (street, town) if part) or None


def sms_text(block: str) -> str:
    """The SMS block as the SMS channel is given it: one line, folded to GSM characters."""
    return gsm_fold(_join_lines(block))


def _join_lines(text: str) -> str:
    lines = [line.strip() for line in text.strip().split("\n")]
    return " ".join(line for line in lines if line)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def gsm_fold(text: str) -> str:
    """Text an SMS can carry in GSM 03.38 (160 a message), not UCS-2 (70): diacritics folded to ASCII.

    "Faktura 1 234,56 zł, termín splatnosti" → "Faktura 1 234,56 zl, termin splatnosti".
    """
    out: list[str] = []
    for char in text:
        if char in _GSM_BASIC or char in _GSM_EXTENDED:
            out.append(char)
            continue
        char = _GSM_REPLACE.get(char, char)
        if len(char) == 1 and char not in _GSM_BASIC and char not in _GSM_EXTENDED:
            char = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            char = "".join(c for c in char if c in _GSM_BASIC or c in _GSM_EXTENDED) or "?"
        out.append(char)
    return "".join(out)


def gsm_length(text: str) -> int:
    """Septets the text takes in GSM 03.38 (extension characters such as € count twice)."""
    return sum(2 if char in _GSM_EXTENDED else 1 for char in text)


def _invoice_copies(firm: Firm, invoices: list[Invoice], lang: str, today: dt.date) -> tuple[Attachment, ...]:
    """One copy per invoice, under file names distinct within the message ("FA-1.pdf", "FA-1 (2).pdf")."""
    names = pdf_filenames([inv.number for inv in invoices])
    return tuple(Attachment(name, invoice_pdf(firm, inv, lang, today), "application/pdf")
                 for inv, name in zip(invoices, names, strict=True))
