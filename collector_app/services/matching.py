"""Matching an incoming bank payment to open invoices, in the order IMPORTS.md gives, by index lookups only.

1. invoice numbers, creditor references and variable symbols in the remittance text;
2. the payer's account (learned or typed in) or tax id → that contractor's invoice of exactly that
   amount, else its oldest overdue ones;
3. the only open invoice in the ledger with exactly that balance;
4. otherwise the payment waits in the review list, with scored suggestions.
Money is applied through the ledger service (payments._apply), so invoice.paid stays Σ allocations; a
statement import matches Drafts instead and writes their allocations per chunk (payments.write_allocations).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, exists, insert, literal, select
from sqlalchemy.orm.attributes import set_committed_value

from collector_app.db.models import Contractor, ContractorAccount, Demand, DemandInvoice, Invoice, Payment
from collector_app.domain.references import (
    Candidate,
    Listed,
    candidate_keys,
    likeness,
    listed_with,
    longest_non_overlapping,
    number_key,
)
from collector_app.domain.status import balance
from collector_app.domain.taxid import compact_tax_id
from collector_app.imports.bank import normalize_account
from collector_app.imports.symbols import blank_other_symbols
from collector_app.services import payments
from collector_app.services.context import Ctx
from collector_app.services.demands import PREFIX as LETTER_PREFIX

MAX_CANDIDATES = 400
MAX_PREFIXES = 20
MAX_PREFIXED_KEYS = 2000
IN_CHUNK = 500  # values per IN (…) list, well under SQLite's variable limit
_RF = re.compile(r"^RF\d{2}([0-9A-Z]{1,21})$")
_LETTERS = re.compile(r"^[A-Z]*")
_SEPARATED = re.compile(r"\d[/\\\-.]+\d")  # "8/2026", "8-2026": a number's parts, not a lone amount or year
_PREVIOUS_WORD = re.compile(r"([A-Za-z]+)[ /\\\-_.#]{0,3}$")
# A payer account is learned when the payment named its invoices, or when a person allocated it; an
# amount that merely fits (or an account already known) teaches nothing.
LEARNING_REASONS = frozenset({"reference", "title", "variable-symbol", "letter"})
REASON_LABELS = {
    "reference": "creditor reference",
    "title": "invoice number in the title",
    "variable-symbol": "variable symbol",
    "payer-account": "payer's account",
    "tax-id": "payer's tax id",
    "unique-amount": "only open invoice of that amount",
    "paid-invoice-payer": "the payer of the paid invoice it names",
    "letter": "register number of the payment letter",
}


@dataclass(frozen=True)
class Hints:
    """What the statement says about a payment besides its amount."""

    title: str = ""
    creditor_refs: tuple[str, ...] = ()
    payer_account: str | None = None
    payer_tax_id: str | None = None


@dataclass(slots=True)
class Draft:
    """A payment being imported, before its row is written: what matching reads and sets on it."""

    date: dt.date
    amount: Decimal
    currency: str
    contractor_id: int | None = None
    allocated: Decimal = Decimal(0)
    match_reason: str | None = None
    id: int | None = None  # known once the chunk's payments are inserted
    note: str | None = None  # what the summary should say about how it was (not) matched
    names_paid: bool = False  # its text names only invoices paid already: it is their payer's


@dataclass(frozen=True, slots=True)
class Pending:
    """An allocation made by matching a Draft, written with the chunk's other rows by one statement each."""

    payment: Draft
    invoice: Invoice
    amount: Decimal
    reason: str
    left: Decimal  # the invoice's balance after it


@dataclass
class Matcher:
    """Per-import state: the ledger's number prefixes and the partly paid open invoices by currency and
    balance (each read once, by index, and kept current as this import allocates), plus lookups prefetched for a chunk
    of entries with one IN query each. The cached ORM rows are the session's own, so balances stay current;
    the open/currency conditions are checked on them in Python."""

    prefixes: list[str] | None = None
    partly_paid: dict[str, dict[Decimal, set[int]]] = field(default_factory=dict)  # currencies read so far
    counts: Counter[str] = field(default_factory=Counter)
    by_key: dict[str, list[Invoice]] = field(default_factory=dict)
    by_account: dict[str, list[int]] = field(default_factory=dict)
    by_tax_key: dict[str, list[int]] = field(default_factory=dict)
    unpaid_by_gross: dict[Decimal, list[Invoice]] = field(default_factory=dict)
    by_contractor: dict[int, list[_OpenRow]] = field(default_factory=dict)
    touched: dict[int, Invoice] = field(default_factory=dict)  # allocated to since the chunk's flush
    has_symbols: bool | None = None  # whether the ledger has variable symbols at all (asked once)
    # None: allocations go through the ledger service at once; a list: Drafts' allocations wait in it for the
    # import to write them in bulk (invoice.paid is then changed in memory only, not marked for a flush)
    pending: list[Pending] | None = None

    def clear_chunk(self) -> None:
        for cache in (self.by_key, self.by_account, self.by_tax_key, self.unpaid_by_gross, self.by_contractor,
                      self.touched):
            cache.clear()


@dataclass(frozen=True, slots=True)
class _OpenRow:
    """A contractor's open invoice as read by the index (plain columns: far cheaper than ORM rows)."""

    id: int
    kind: str
    currency: str
    gross: Decimal
    paid: Decimal
    due_date: dt.date


def _in_chunks(values: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(values), IN_CHUNK):
        yield values[i:i + IN_CHUNK]


def _rows(ctx: Ctx, query: Select[Any]) -> Sequence[Row[Any]]:
    """Plain column rows through the session's connection, fetched at once: no ORM result layer, no row
    by row fetching (and no autoflush: the callers read what they flushed, or run inside the import's
    no_autoflush block)."""
    return ctx.session.connection().execute(query).all()


def prefetch(ctx: Ctx, matcher: Matcher, items: list[tuple[Hints, Decimal | None]]) -> None:
    """Look up, for a chunk of payments, every number key, payer account, tax id and amount they mention."""
    keys = {k for hints, _ in items for k in _text_keys(hints)[2]}
    _fetch_keys(ctx, matcher, sorted(keys))
    prefixed: set[str] = set()
    prefixed_of: dict[Hints, dict[str, Candidate]] = {}
    for hints, _ in items:  # "12/2026" for FV/12/2026: only where no number was found as written
        text, _end, own, cands = _text_keys(hints)
        if cands and not any(matcher.by_key.get(k) for k in own):
            prefixed_of[hints] = _prefixed_keys(ctx, matcher, text, [c for c in cands if c.key[0].isdigit()])
            prefixed.update(prefixed_of[hints])
    _fetch_keys(ctx, matcher, sorted(prefixed), symbols=False)
    accounts = sorted({a for hints, _ in items if (a := normalize_account(hints.payer_account))})
    for part in _in_chunks([a for a in accounts if a not in matcher.by_account]):
        for a in part:
            matcher.by_account[a] = []
        for cid, account in _rows(ctx, select(ContractorAccount.contractor_id, ContractorAccount.account)
                                  .where(ContractorAccount.account.in_(part))):
            if cid not in matcher.by_account[account]:
                matcher.by_account[account].append(cid)
    tax_keys = sorted({compact_tax_id(h.payer_tax_id) for h, _ in items if h.payer_tax_id})
    for part in _in_chunks([t for t in tax_keys if t not in matcher.by_tax_key]):
        for t in part:
            matcher.by_tax_key[t] = []
        query = select(Contractor.id, Contractor.tax_key).where(Contractor.tax_key.in_(part))
        for cid, key in _rows(ctx, query):
            matcher.by_tax_key[key].append(cid)
    # open invoices of the payers, and unpaid invoices of the amounts, only where the text names no open
    # invoice: the others are matched by their numbers (one that is not after all has what it needs read
    # when it asks for it)
    unnamed = [(h, amount) for h, amount in items if not _names_open(matcher, h, prefixed_of.get(h, {}))]
    payers = ([matcher.by_account[a] for h, _ in unnamed if (a := normalize_account(h.payer_account))]
              + [matcher.by_tax_key[compact_tax_id(h.payer_tax_id)] for h, _ in unnamed if h.payer_tax_id])
    _fetch_contractors(ctx, matcher, sorted({ids[0] for ids in payers
                                             if len(ids) == 1 and ids[0] not in matcher.by_contractor}))
    amounts = sorted({amount for _, amount in unnamed
                      if amount is not None and amount not in matcher.unpaid_by_gross})
    for part in _in_chunks(amounts):
        for amount in part:
            matcher.unpaid_by_gross[amount] = []
        for inv in ctx.session.scalars(select(Invoice).where(Invoice.gross.in_(part), Invoice.paid == 0)):
            matcher.unpaid_by_gross.setdefault(inv.gross, []).append(inv)


def _names_open(matcher: Matcher, hints: Hints, prefixed: dict[str, Candidate]) -> bool:
    """Whether a number key of the text (as written or with a prefix) names an open invoice in any currency."""
    return any(inv.kind == "invoice" and inv.gross > inv.paid
               for keys in (_text_keys(hints)[2], prefixed) for k in keys for inv in matcher.by_key.get(k, ()))


def _fetch_keys(ctx: Ctx, matcher: Matcher, keys: list[str], *, symbols: bool = True) -> None:
    """Invoices by number key or variable symbol: each lookup on its own index only (the planner would
    otherwise prefer a scan by kind), the other conditions checked on the rows found."""
    missing = [k for k in keys if k not in matcher.by_key]
    for k in missing:
        matcher.by_key[k] = []
    if not missing:
        return
    columns = (Invoice.number_key, Invoice.variable_symbol) if symbols and _has_symbols(ctx, matcher) \
        else (Invoice.number_key,)
    for part in _in_chunks(missing):
        wanted = set(part)
        seen: set[int] = set()
        for column in columns:
            for inv in ctx.session.scalars(select(Invoice).where(column.in_(part))):
                if inv.id in seen:
                    continue
                seen.add(inv.id)
                vs = inv.variable_symbol or ""
                for key in {inv.number_key, vs, vs.lstrip("0")} & wanted:
                    matcher.by_key[key].append(inv)


def _has_symbols(ctx: Ctx, matcher: Matcher) -> bool:
    """Whether any invoice has a variable symbol, asked once per matcher (one index seek): a ledger without
    them (no Czech invoices) needs no second lookup per key."""
    if matcher.has_symbols is None:
        matcher.has_symbols = ctx.session.scalar(
            select(Invoice.id).where(Invoice.variable_symbol.is_not(None)).limit(1)) is not None
    return matcher.has_symbols


def _fetch_contractors(ctx: Ctx, matcher: Matcher, contractor_ids: list[int]) -> None:
    for cid in contractor_ids:
        matcher.by_contractor[cid] = []
    for part in _in_chunks(contractor_ids):
        query = (select(Invoice.contractor_id, Invoice.id, Invoice.kind, Invoice.currency, Invoice.gross,
                        Invoice.paid, Invoice.due_date)
                 .where(Invoice.contractor_id.in_(part), Invoice.gross > Invoice.paid)
                 .order_by(Invoice.contractor_id, Invoice.due_date, Invoice.id))
        for cid, *row in _rows(ctx, query):
            matcher.by_contractor[cid].append(_OpenRow(*row))


def _contractor_open(ctx: Ctx, matcher: Matcher, contractor_id: int, currency: str) -> list[tuple[_OpenRow, Decimal]]:
    """The contractor's open invoices in `currency`, oldest due first, with their balances as of now."""
    if contractor_id not in matcher.by_contractor:
        _fetch_contractors(ctx, matcher, [contractor_id])
    out: list[tuple[_OpenRow, Decimal]] = []
    for row in matcher.by_contractor[contractor_id]:
        inv = matcher.touched.get(row.id)
        owed = balance(inv.gross, inv.paid) if inv is not None else balance(row.gross, row.paid)
        if row.kind == "invoice" and row.currency == currency and owed > 0:
            out.append((row, owed))
    return out


def _is_open(inv: Invoice, currency: str) -> bool:
    return inv.kind == "invoice" and inv.currency == currency and inv.gross > inv.paid


@dataclass(frozen=True)
class Hit:
    invoice: Invoice
    kind: str  # reference | title | variable-symbol
    start: int


def match_payment(ctx: Ctx, matcher: Matcher, payment: Payment | Draft, hints: Hints) -> str | None:
    """Allocate what can be told from the statement; returns the reason kind, or None (review list).

    A payment whose text names only invoices that are paid already (a second payment of one invoice) is its
    payer's: it never goes to another contractor's invoice because the amount fits."""
    reason = _by_text(ctx, matcher, payment, hints)
    if reason is None and payment.contractor_id is None:
        paid = named_paid(matcher, hints)
        if paid and len({inv.contractor_id for inv in paid}) == 1:
            payment.contractor_id = paid[0].contractor_id
            if isinstance(payment, Draft):
                payment.names_paid = True
                payment.note = (f"names {', '.join(inv.number for inv in paid)}, paid already: a second payment? "
                                "kept as the payer's credit unless it fits one of the payer's open invoices")
    reason = (reason or _by_payer(ctx, matcher, payment, hints) or _by_named_payer(ctx, matcher, payment)
              or _by_unique_amount(ctx, matcher, payment))
    if reason is not None:
        matcher.counts[reason] += 1
    return reason


def named_paid(matcher: Matcher, hints: Hints) -> list[Invoice]:
    """The invoices the text names by their number or variable symbol as written that are paid already (settled
    or overpaid), when it names no open one (read from the chunk's prefetch)."""
    named = {inv.id: inv for key in _text_keys(hints)[2] for inv in matcher.by_key.get(key, ())
             if inv.kind == "invoice"}
    if not named or any(inv.gross > inv.paid for inv in named.values()):
        return []
    return sorted(named.values(), key=lambda inv: inv.number)


# --- 1. numbers in the text -----------------------------------------------------------------------

@lru_cache(maxsize=2048)
def _text_keys(hints: Hints) -> tuple[str, int, dict[str, Candidate], list[Candidate]]:
    """The searched text (references first), where the references end, and its keys (leading zeros dropped too)."""
    refs = " ".join(_ref_forms(hints.creditor_refs))
    title = blank_other_symbols(hints.title)  # KS 0308, SS 77: Czech payment symbols, never invoice numbers
    text = f"{refs} {title}" if refs else title
    cands = candidate_keys(text, glued_prefixes=True)[:MAX_CANDIDATES]
    keys: dict[str, Candidate] = {}
    for c in cands:
        keys.setdefault(c.key, c)
        bare = c.key.lstrip("0")
        if bare and bare != c.key and bare.isdigit():
            keys.setdefault(bare, c)
    return text, len(refs), keys, cands


def invoices_in_text(ctx: Ctx, matcher: Matcher, hints: Hints, currency: str) -> tuple[list[Hit], list[Invoice]]:
    """Open invoices named in the references and the title, in order of appearance (each key naming one
    invoice only), and the invoices of keys that name several (for suggestions)."""
    text, refs_end, keys, cands = _text_keys(hints)
    if not cands:
        return [], []
    found = _lookup(ctx, matcher, currency, list(keys))
    named = {keys[k] for k in keys if matcher.by_key.get(k)}  # readings naming an invoice, open or not
    found = {k: invs for k, invs in found.items() if not _hidden(keys[k], named)}
    if not found:
        prefixed = _prefixed_keys(ctx, matcher, text, [c for c in cands if c.key[0].isdigit()
                                                       and not _hidden(c, named)])
        found = _lookup(ctx, matcher, currency, list(prefixed), symbols=False)
        keys = {k: prefixed[k] for k in found}
    else:  # "FV/7/2026 i 8/2026": a further number written without the prefix the first one has
        spans = [keys[k] for k in found]
        bare = [c for c in cands if c.key[0].isdigit() and _SEPARATED.search(text, c.start, c.end)
                and not any(c.overlaps(f) for f in spans) and not _hidden(c, named)]
        prefixed = _prefixed_keys(ctx, matcher, text, bare)
        more = _lookup(ctx, matcher, currency, [k for k in prefixed if k not in found], symbols=False)
        found.update(more)
        keys.update({k: prefixed[k] for k in more})
    unique: dict[str, Hit] = {}
    several: list[Invoice] = []
    written: list[tuple[Candidate, Invoice]] = []
    by_span: dict[Candidate, list[tuple[str, Invoice]]] = {}
    for key, invoices in found.items():
        by_span.setdefault(keys[key], []).extend((key, inv) for inv in invoices)
    for span in longest_non_overlapping(list(by_span)):
        invs = {inv.id: (key, inv) for key, inv in by_span[span]}
        if len(invs) > 1:
            invs = _closest(text[span.start:span.end], invs)
        if len(invs) > 1:
            several.extend(inv for _, inv in invs.values())
            continue
        key, inv = next(iter(invs.values()))
        if inv.variable_symbol and key in {inv.variable_symbol, inv.variable_symbol.lstrip("0")} \
                and key != inv.number_key:
            kind = "variable-symbol"  # in the title, or among the references (a Czech camt's end-to-end id)
        elif span.start < refs_end:
            kind = "reference"
        else:
            kind = "title"
        unique.setdefault(str(inv.id), Hit(inv, kind, span.start))
        written.append((span, inv))
    for hit in _listed_hits(ctx, matcher, text, currency, written):
        unique.setdefault(str(hit.invoice.id), hit)
    return sorted(unique.values(), key=lambda h: h.start), several


def _listed_hits(ctx: Ctx, matcher: Matcher, text: str, currency: str,
                 written: list[tuple[Candidate, Invoice]]) -> list[Hit]:
    """Open invoices an abbreviated list names beside a number written in full ("FV 12, 13, 14/2026"): of
    the same contractor, each guess naming exactly one invoice, never inside another number read."""
    guesses: list[tuple[Listed, Invoice]] = []
    for span, inv in written:
        for item in listed_with(text, span.start, span.end, inv.number):
            if not any(s.start <= item.start < s.end for s, _ in written):
                guesses.append((item, inv))
    if not guesses:
        return []
    found = _lookup(ctx, matcher, currency, list({number_key(g.number) for g, _ in guesses}), symbols=False)
    hits: list[Hit] = []
    for item, beside in guesses:
        invs = found.get(number_key(item.number), [])
        if len(invs) == 1 and invs[0].contractor_id == beside.contractor_id:
            hits.append(Hit(invs[0], "title", item.start))
    return hits


def _hidden(cand: Candidate, named: set[Candidate]) -> bool:
    """Whether a longer reading of the text that names an invoice (open or not, in any currency) takes in
    part of this one: "FV1/2026" for a settled FV/1/2026 never pays 1/2026."""
    return any(n.overlaps(cand) and n.end - n.start > cand.end - cand.start for n in named)


def _closest(written: str, invs: dict[int, tuple[str, Invoice]]) -> dict[int, tuple[str, Invoice]]:
    """Of invoices one reading of the text fits, those whose number (or variable symbol) it writes most
    closely: "FV/1/12/2025" as written beats FV/11/2/2025, which only has the same key."""
    scores = {i: max(likeness(written, inv.number), likeness(written, inv.variable_symbol or ""))
              for i, (_, inv) in invs.items()}
    best = max(scores.values())
    return {i: pair for i, pair in invs.items() if scores[i] == best}


def _ref_forms(refs: tuple[str, ...]) -> list[str]:
    """A structured creditor reference as given and, for an ISO 11649 RF reference, its reference part."""
    out: list[str] = []
    for ref in refs:
        compact = "".join(ref.split()).upper()
        out.append(ref)
        rf = _RF.match(compact)
        if rf:
            out.append(rf.group(1))
    return out


def _lookup(ctx: Ctx, matcher: Matcher, currency: str, keys: list[str], *, symbols: bool = True
            ) -> dict[str, list[Invoice]]:
    """Open invoices in `currency` by number key (or variable symbol), from the chunk's cache or the indexes."""
    _fetch_keys(ctx, matcher, keys, symbols=symbols)
    found: dict[str, list[Invoice]] = {}
    for key in keys:
        invs = [inv for inv in matcher.by_key.get(key, ()) if _is_open(inv, currency)]
        if invs:
            found[key] = invs
    return found


def _prefixed_keys(ctx: Ctx, matcher: Matcher, text: str, cands: list[Candidate]) -> dict[str, Candidate]:
    """ "12/2026" → FV122026 for each letter prefix the ledger's numbers use ("FV", "INV" …), unless the
    text writes a prefix of its own right before the number ("FV/1/2026" is never EU/1/2026)."""
    if not cands:
        return {}
    if matcher.prefixes is None:
        matcher.prefixes = number_prefixes(ctx)
    known = set(matcher.prefixes)
    out: dict[str, Candidate] = {}
    for c in cands:
        before = _PREVIOUS_WORD.search(text[:c.start])
        if before and before.group(1).upper() in known:
            continue
        for p in matcher.prefixes:
            out.setdefault(p + c.key, c)
            if len(out) >= MAX_PREFIXED_KEYS:
                return out
    return out


def number_prefixes(ctx: Ctx) -> list[str]:
    """The letter prefixes of invoice numbers, by skipping through the number_key index (one seek each)."""
    prefixes: list[str] = []
    after = ""
    for _ in range(MAX_PREFIXES * 4):
        key = ctx.session.scalar(
            select(Invoice.number_key).where(Invoice.number_key > after).order_by(Invoice.number_key).limit(1)
        )
        if key is None or len(prefixes) >= MAX_PREFIXES:
            break
        prefix = _LETTERS.match(key).group()  # type: ignore[union-attr]
        if prefix and len(prefix) < len(key):
            prefixes.append(prefix)
        after = prefix + (":" if len(prefix) < len(key) else "\x7f")  # ':' sorts right after '9'
    return prefixes


def _by_text(ctx: Ctx, matcher: Matcher, payment: Payment | Draft, hints: Hints) -> str | None:
    hits, _ = invoices_in_text(ctx, matcher, hints, payment.currency)
    if not hits:
        hits = letter_invoices(ctx, hints, payment.currency)
    if not hits:
        return None
    contractor_id = payment.contractor_id or hits[0].invoice.contractor_id
    hits = [h for h in hits if h.invoice.contractor_id == contractor_id]  # one payment, one contractor
    if not hits:
        return None
    payment.contractor_id = contractor_id
    left = payment.amount - payment.allocated
    used: list[str] = []
    for hit in hits:
        owed = balance(hit.invoice.gross, hit.invoice.paid)
        amount = min(left, owed)
        if amount <= 0:
            break
        _allocate(ctx, matcher, payment, hit.invoice, amount, hit.kind)
        used.append(hit.invoice.number)
        left -= amount
    kind = hits[0].kind
    payment.match_reason = f"{REASON_LABELS[kind]}: {', '.join(used)}"[:200]
    return kind


_LETTER_KEY = re.compile(rf"^(?:{re.escape(LETTER_PREFIX)})?(\d{{4}})(\d{{2}})(\d{{4}})$")


def letter_invoices(ctx: Ctx, hints: Hints, currency: str) -> list[Hit]:
    """The open invoices of the payment letter whose register number the text gives ("WZ/2026/11/0002", or the
    variable symbol a Czech letter's QR code makes of it, 2026110002): the letter asked for them together, and
    a debtor paying it writes the letter's number rather than the invoices'."""
    _text, _refs_end, keys, _cands = _text_keys(hints)
    numbers: dict[str, Candidate] = {}
    for key, cand in keys.items():
        found = _LETTER_KEY.match(key)
        if found:
            numbers.setdefault(f"{LETTER_PREFIX}/{found.group(1)}/{found.group(2)}/{found.group(3)}", cand)
    if not numbers:
        return []
    rows = ctx.session.execute(
        select(Demand.number, Invoice).join(DemandInvoice, DemandInvoice.demand_id == Demand.id)
        .join(Invoice, Invoice.id == DemandInvoice.invoice_id)
        .where(Demand.number.in_(list(numbers))).order_by(Invoice.due_date, Invoice.id)).tuples()
    return [Hit(inv, "letter", numbers[number].start) for number, inv in rows if _is_open(inv, currency)]


# --- 2. the payer is known ----------------------------------------------------------------------------

def known_payer(ctx: Ctx, matcher: Matcher, hints: Hints) -> tuple[int, str] | None:
    """The one contractor the payer's account (or else tax id) belongs to, with how it was told."""
    account = normalize_account(hints.payer_account)
    tax_key = compact_tax_id(hints.payer_tax_id) if hints.payer_tax_id else None
    if (account and account not in matcher.by_account) or (tax_key and tax_key not in matcher.by_tax_key):
        prefetch(ctx, matcher, [(Hints(payer_account=account, payer_tax_id=tax_key), None)])
    if account and len(matcher.by_account.get(account, ())) == 1:
        return matcher.by_account[account][0], "payer-account"
    if hints.payer_tax_id:
        ids = matcher.by_tax_key.get(compact_tax_id(hints.payer_tax_id), [])
        if len(ids) == 1:
            return ids[0], "tax-id"
    return None


def _by_payer(ctx: Ctx, matcher: Matcher, payment: Payment | Draft, hints: Hints) -> str | None:
    known = known_payer(ctx, matcher, hints)
    if known is None:
        return None
    contractor_id, kind = known
    payment.contractor_id = contractor_id
    if _exact(ctx, matcher, payment, contractor_id, kind):
        return kind
    open_rows = _contractor_open(ctx, matcher, contractor_id, payment.currency)
    left = payment.amount - payment.allocated
    today = ctx.clock.today()
    used: list[str] = []
    for row, owed in open_rows:
        if left <= 0 or row.due_date >= today:
            break
        inv = _invoice(ctx, row.id)
        amount = min(left, owed)
        _allocate(ctx, matcher, payment, inv, amount, kind)
        used.append(inv.number)
        left -= amount
    if not used:
        return None  # the contractor is known (its credit), but a person decides what it pays
    payment.match_reason = f"{REASON_LABELS[kind]}, oldest overdue: {', '.join(used)}"[:200]
    return kind


def _exact(ctx: Ctx, matcher: Matcher, payment: Payment | Draft, contractor_id: int, kind: str) -> bool:
    """The contractor's open invoice of exactly what is left of the payment, allocated; False when none."""
    left = payment.amount - payment.allocated
    exact = next((row for row, owed in _contractor_open(ctx, matcher, contractor_id, payment.currency)
                  if owed == left), None)
    if exact is None:
        return False
    inv = _invoice(ctx, exact.id)
    _allocate(ctx, matcher, payment, inv, left, kind)
    payment.match_reason = f"{REASON_LABELS[kind]}, exact amount: {inv.number}"
    return True


def _by_named_payer(ctx: Ctx, matcher: Matcher, payment: Payment | Draft) -> str | None:
    """A payment told to be a contractor's by the paid invoice it names: that contractor's invoice of exactly
    its amount (never its oldest overdue ones: a second payment may be one to give back)."""
    if payment.contractor_id is None or payment.allocated > 0 or not isinstance(payment, Draft) \
            or not payment.names_paid:
        return None
    return "paid-invoice-payer" if _exact(ctx, matcher, payment, payment.contractor_id, "paid-invoice-payer") else None


def _invoice(ctx: Ctx, invoice_id: int) -> Invoice:
    inv = ctx.session.get(Invoice, invoice_id)
    assert inv is not None
    return inv


# --- 3. the only open invoice of that amount -----------------------------------------------------------

def invoices_with_balance(ctx: Ctx, matcher: Matcher, currency: str, amount: Decimal, limit: int = 2
                          ) -> list[Invoice]:
    """Open invoices whose balance is exactly `amount`: unpaid ones through the gross index (prefetched for
    the chunk), partly paid ones from the matcher's map (read once per import)."""
    if amount not in matcher.unpaid_by_gross:
        prefetch(ctx, matcher, [(Hints(), amount)])
    unpaid = sorted((inv for inv in matcher.unpaid_by_gross[amount] if inv.paid == 0 and _is_open(inv, currency)),
                    key=lambda inv: (inv.due_date, inv.id))
    ids = _partly_paid(ctx, matcher, currency).get(amount, set())
    partly = [inv for inv in (ctx.session.get(Invoice, i) for i in sorted(ids)[:limit]) if inv is not None]
    return (unpaid + partly)[:limit]


def _partly_paid(ctx: Ctx, matcher: Matcher, currency: str) -> dict[Decimal, set[int]]:
    """The partly paid open invoices in `currency` by balance, read once per import off the partial index
    ix_invoice_partly_paid (currency, id)."""
    by_balance = matcher.partly_paid.get(currency)
    if by_balance is None:
        ctx.session.flush()  # the map is read from the database: it must see this import's allocations
        by_balance = matcher.partly_paid[currency] = {}
        rows = _rows(ctx, select(Invoice.id, Invoice.gross, Invoice.paid)
                     .where(Invoice.currency == currency, Invoice.gross > Invoice.paid, Invoice.paid > 0,
                            Invoice.kind == "invoice"))
        touched = matcher.touched
        for inv_id, gross, paid in rows:
            if inv_id not in touched:
                by_balance.setdefault(balance(gross, paid), set()).add(inv_id)
        for inv in matcher.touched.values():  # as allocated in memory (a bulk import writes them per chunk)
            if inv.kind == "invoice" and inv.currency == currency and inv.gross > inv.paid > 0:
                by_balance.setdefault(balance(inv.gross, inv.paid), set()).add(inv.id)
    return by_balance


def _by_unique_amount(ctx: Ctx, matcher: Matcher, payment: Payment | Draft) -> str | None:
    if payment.allocated > 0:
        return None
    found = invoices_with_balance(ctx, matcher, payment.currency, payment.amount)
    if len(found) != 1:
        return None
    inv = found[0]
    if payment.contractor_id is not None and inv.contractor_id != payment.contractor_id:
        return None
    payment.contractor_id = inv.contractor_id
    _allocate(ctx, matcher, payment, inv, payment.amount, "unique-amount")
    payment.match_reason = f"{REASON_LABELS['unique-amount']}: {inv.number}"
    return "unique-amount"


# --- applying and learning ------------------------------------------------------------------------------

def _allocate(ctx: Ctx, matcher: Matcher, payment: Payment | Draft, inv: Invoice, amount: Decimal, reason: str
              ) -> None:
    before = balance(inv.gross, inv.paid)
    was_partly = inv.paid > 0
    if isinstance(payment, Payment):
        payments._apply(ctx, payments.PaymentResult(payment), inv, amount, reason)
    else:
        assert matcher.pending is not None, "a Draft is matched only by a bulk import"
        set_committed_value(inv, "paid", inv.paid + amount)
        payment.allocated += amount
        matcher.pending.append(Pending(payment, inv, amount, reason, balance(inv.gross, inv.paid)))
    matcher.touched[inv.id] = inv
    by_balance = matcher.partly_paid.get(inv.currency)
    if by_balance is not None:
        if was_partly:
            by_balance.get(before, set()).discard(inv.id)
        after = balance(inv.gross, inv.paid)
        if after > 0:
            by_balance.setdefault(after, set()).add(inv.id)


def learn_account(ctx: Ctx, contractor_id: int, account: str | None, source: str = "learned") -> bool:
    """Remember that `account` pays for this contractor; False when it was known already."""
    return bool(learn_accounts(ctx, {(contractor_id, account or "")}, source))


def learn_accounts(ctx: Ctx, pairs: set[tuple[int, str]], source: str = "learned",
                   import_batch_id: int | None = None) -> int:
    """Remember the (contractor, account) pairs not known yet, with one lookup per IN chunk; how many were new.

    A statement import passes its batch: the rows inserted here carry it, so undoing the batch forgets them
    (a pair known already keeps its row as it was)."""
    wanted = {(cid, norm) for cid, account in pairs if (norm := normalize_account(account))}
    accounts = sorted({a for _, a in wanted})
    for part in _in_chunks(accounts):
        wanted -= set(ctx.session.execute(select(ContractorAccount.contractor_id, ContractorAccount.account)
                                          .where(ContractorAccount.account.in_(part))).tuples())
    now = ctx.clock.now()
    if wanted:  # one INSERT for all (nothing in the session refers to these rows)
        ctx.session.connection().execute(insert(ContractorAccount), [
            {"contractor_id": cid, "account": a, "source": source, "import_batch_id": import_batch_id,
             "created_at": now} for cid, a in sorted(wanted)])
    return len(wanted)


def learn_from_allocated(ctx: Ctx) -> None:
    """Accounts of bank payments a person allocated (from the review list) since the last import: one
    INSERT … SELECT over the payments, none over invoices. Automatic matches learn as they are made."""
    known = exists().where(ContractorAccount.contractor_id == Payment.contractor_id,
                           ContractorAccount.account == Payment.payer_account)
    rows = (
        select(Payment.contractor_id, Payment.payer_account, literal("learned"),
               literal(ctx.clock.now(), ContractorAccount.__table__.c.created_at.type))
        .where(Payment.source == "bank", Payment.match_reason.is_(None), Payment.contractor_id.is_not(None),
               Payment.allocated > 0,
               Payment.payer_account.is_not(None), Payment.reversed_at.is_(None), ~known)
        .group_by(Payment.contractor_id, Payment.payer_account)
    )
    ctx.session.execute(insert(ContractorAccount).from_select(
        ["contractor_id", "account", "source", "created_at"], rows,
    ))


# --- the review list ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scored:
    invoice: str
    score: float
    reason: str
    amount: Decimal


@dataclass(frozen=True)
class ReviewItem:
    row: payments.PaymentRow
    suggestions: list[Scored]


def review_list(ctx: Ctx, limit: int | None = None, offset: int = 0) -> list[ReviewItem]:
    """Bank payments nothing was allocated to yet, newest first, each with scored suggestions."""
    query = (
        select(Payment, Contractor.name).outerjoin(Contractor, Contractor.id == Payment.contractor_id)
        .where(Payment.source == "bank", Payment.allocated == 0, Payment.reversed_at.is_(None))
        .order_by(Payment.date.desc(), Payment.id.desc()).offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = [
        payments.PaymentRow(p.id, p.date, p.amount, p.currency, p.contractor_id, name, p.payer_name,
                            p.payer_account, p.title, p.source, p.allocated, False)
        for p, name in ctx.session.execute(query)
    ]
    matcher = Matcher()
    return [ReviewItem(r, suggestions(ctx, matcher, r)) for r in rows]


def suggestions(ctx: Ctx, matcher: Matcher, row: payments.PaymentRow, top: int = 5) -> list[Scored]:
    """Invoices a person may allocate this payment to, best first, with a score from 0 to 1."""
    best: dict[str, Scored] = {}

    def offer(inv_number: str, score: float, reason: str, amount: Decimal) -> None:
        if inv_number not in best or best[inv_number].score < score:
            best[inv_number] = Scored(inv_number, round(score, 2), reason, amount)

    free = row.amount - row.allocated
    hints = Hints(title=row.title or "", payer_account=row.payer_account)
    hits, several = invoices_in_text(ctx, matcher, hints, row.currency)
    for hit in hits:
        offer(hit.invoice.number, 0.9, REASON_LABELS[hit.kind], min(free, balance(hit.invoice.gross, hit.invoice.paid)))
    for inv in several:
        offer(inv.number, 0.6, "number in the title fits several invoices", min(free, balance(inv.gross, inv.paid)))
    contractor_id = row.contractor_id or _contractor_by_name(ctx, row.payer)
    if contractor_id is not None:
        for s in payments.suggest_allocation(ctx, contractor_id, row.currency, free):
            if s.balance == free:
                offer(s.number, 0.8, "the payer's invoice of exactly that amount", s.amount)
            elif s.amount > 0:
                offer(s.number, 0.5 if s.due_date < ctx.clock.today() else 0.4,
                      "the payer's oldest open invoice", s.amount)
    same = invoices_with_balance(ctx, matcher, row.currency, free, limit=5)
    for inv in same:
        offer(inv.number, 0.7 if len(same) == 1 else 0.3, "open invoice of exactly that amount", free)
    return sorted(best.values(), key=lambda s: (-s.score, s.invoice))[:top]


def _contractor_by_name(ctx: Ctx, name: str | None) -> int | None:
    if not name:
        return None
    ids = list(ctx.session.scalars(select(Contractor.id).where(Contractor.name == name.strip()).limit(2)))
    return ids[0] if len(ids) == 1 else None
