"""The demo ledger as one dated stream of operations, so the service writer and the bulk writer build the same data.

Everything is drawn from one seeded random generator in a fixed order, so a seed and a "today" always give the
same ledger. Each invoice's life (payments, credit notes, calls, tasks) is decided when it is issued; the later
steps wait in per-day lists until their day, so the stream is in date order and ids follow the calendar.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from collector_app.services import demo_data as data

HISTORY_DAYS = 420
MAX_OVERDUE_DAYS = 200
CENT = Decimal("0.01")
UNIT = Decimal(1)
ZERO = Decimal(0)
VAT_PL, VAT_PL_REDUCED, VAT_CZ, VAT_CZ_REDUCED = Decimal("0.23"), Decimal("0.08"), Decimal("0.21"), Decimal("0.12")

LOYAL, STANDARD, CHRONIC = "Loyal", "Standard", "Chronic late payers"
SEGMENTS = (
    (STANDARD, "Pays within a few weeks of the due date; the default reminder sequence."),
    (LOYAL, "Pays on time; a late invoice is an exception and gets a gentle note."),
    (CHRONIC, "Pays late as a habit; firmer steps, sooner, and a phone call early."),
)


@dataclass(frozen=True)
class Collector:
    login: str
    name: str
    language: str


COLLECTORS = (
    Collector("anna.kowalska", "Anna Kowalska", "pl"),
    Collector("tomasz.nowak", "Tomasz Nowak", "pl"),
    Collector("jana.novakova", "Jana Nováková", "cs"),
)


@dataclass(frozen=True)
class FirmIdentity:
    name: str
    tax_id: str
    iban: str
    address: str
    postal_code: str
    city: str
    contact_person: str
    email: str
    phone: str


FIRM = FirmIdentity(
    name="Technika Wisła Sp. z o.o.", tax_id="6772345185", iban=data.iban("PL", "10500002" + "7640193811207405"),
    address="ul. Przemysłowa 12", postal_code="30-701", city="Kraków", contact_person="Katarzyna Wójcik",
    email="windykacja@technika-wisla.example", phone="+48124217300",
)


# --- operations ----------------------------------------------------------------------------

@dataclass(slots=True)
class ContactOp:
    key: int
    name: str
    role: str
    email: str
    phone: str


@dataclass(slots=True)
class ContractorOp:
    key: int
    date: dt.date
    at: dt.datetime
    name: str
    tax_id: str
    registration_no: str | None
    country: str
    address: str
    postal_code: str
    city: str
    email: str
    phone: str
    language: str
    channel: str
    terms: int
    credit_limit: Decimal | None
    segment: str
    collector: str
    notes: str | None
    contacts: list[ContactOp]
    iban: str  # the contractor's bank account: payments come from it
    currency: str
    since: dt.date


@dataclass(slots=True)
class DocOp:
    """An invoice, or a credit note (negative amounts) offset against the invoice it corrects when issued."""

    key: int
    kind: str
    number: str
    number_key: str
    variable_symbol: str | None
    contractor_key: int
    issue: dt.date
    due: dt.date
    net: Decimal
    vat: Decimal
    gross: Decimal
    currency: str
    paid: Decimal  # final Σ allocations as of today (a credit note's offsets count negative)
    corrects_key: int | None = None
    corrects_number: str | None = None
    offset: Decimal = ZERO

    @property
    def date(self) -> dt.date:
        return self.issue

    @property
    def at(self) -> dt.datetime:
        return self.stamp(self.issue)

    @staticmethod
    def stamp(day: dt.date) -> dt.datetime:
        return at(day, 7)


@dataclass(slots=True)
class PaymentOp:
    key: int
    date: dt.date
    amount: Decimal
    currency: str
    contractor_key: int | None
    allocations: list[tuple[int, Decimal]]  # (document key, amount) in the order the invoices are named
    numbers: tuple[str, ...]
    title: str
    payer_name: str
    payer_account: str | None
    reference: str | None
    source: str
    bank_txn_id: str | None

    @property
    def at(self) -> dt.datetime:
        return self.stamp(self.date)

    @staticmethod
    def stamp(day: dt.date) -> dt.datetime:
        return at(day, 11)


@dataclass(slots=True)
class CallOp:
    key: int
    date: dt.date
    at: dt.datetime
    invoice_key: int
    invoice_number: str
    contractor_key: int
    contact_key: int | None
    user: str
    outcome: str
    duration_s: int
    promise_date: dt.date | None
    promise_amount: Decimal | None
    currency: str
    notes: str | None


@dataclass(slots=True)
class NoteOp:
    key: int
    date: dt.date
    at: dt.datetime
    invoice_key: int | None
    invoice_number: str | None
    contractor_key: int
    author: str
    text: str


@dataclass(slots=True)
class TaskOp:
    key: int
    date: dt.date
    at: dt.datetime
    invoice_key: int | None
    invoice_number: str | None
    contractor_key: int
    text: str
    due_local: dt.datetime  # naive local time, as a person types it
    assignee: str
    done_at: dt.datetime | None


@dataclass(slots=True)
class TaskDoneOp:
    """Replays a task's completion for the service writer (the bulk writer takes TaskOp.done_at)."""

    task_key: int
    date: dt.date
    at: dt.datetime


Op = ContractorOp | DocOp | PaymentOp | CallOp | NoteOp | TaskOp | TaskDoneOp
# Within a day: credit notes, then payments, calls, notes, tasks, completions.
_PRIORITY: dict[type, int] = {DocOp: 0, PaymentOp: 1, CallOp: 2, NoteOp: 3, TaskOp: 4, TaskDoneOp: 5}
_PRIORITIES = len(_PRIORITY)


_DAYS = tuple(dt.timedelta(days=i) for i in range(1200))


def ndays(n: int) -> dt.timedelta:
    """dt.timedelta(days=n), cached for the small counts the plan adds millions of times."""
    return _DAYS[n] if 0 <= n < 1200 else dt.timedelta(days=n)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """Demo timestamps are fixed UTC times of day, so they do not depend on the machine's clock."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


@dataclass
class Counts:
    contractors: int = 0
    invoices: int = 0
    credit_notes: int = 0
    payments: int = 0
    notes: int = 0
    tasks: int = 0
    calls: int = 0


@dataclass(slots=True)
class _Series:
    prefix: str
    key_prefix: str
    width: int
    seq: int = 0


# --- the plan --------------------------------------------------------------------------------

class DemoPlan:
    """Draws the whole demo ledger from one seed; `stream()` yields it as dated operations."""

    def __init__(self, *, invoices: int, contractors: int, seed: int, today: dt.date) -> None:
        self.today = today
        self.total_invoices = invoices
        self.rnd = data.Dice(seed)
        self.start = today - ndays(HISTORY_DAYS)
        self.day_counts = self._day_counts(invoices)
        self.counts = Counts()
        self._keys = {"doc": 0, "payment": 0, "call": 0, "note": 0, "task": 0, "contact": 0}
        # operations waiting for their day: [day offset][priority] -> in the order they were planned
        self._pending: list[list[list[Op]]] = [[[] for _ in range(_PRIORITIES)] for _ in range(HISTORY_DAYS + 1)]
        self._start_ordinal = self.start.toordinal()
        self._txn_prefix: dict[dt.date, str] = {}
        self._series: dict[tuple[str, bool, int, int], _Series] = {}
        self._widths = self._number_widths()
        self._bank_seq = 0
        self._unlinked_credit_notes = 2 if invoices >= 200 else 1
        self._broken_promise_left = 1
        self._advance_left = 1
        self._due_today_day = today - ndays(14)
        self.contractors = self._make_contractors(contractors)
        self._cum_weights: list[float] = []
        total = 0.0
        for c in self.contractors:  # a few big clients, many small ones; loyal ones buy more, EUR ones less
            weight = min(self.rnd.paretovariate(1.6), 25.0)
            weight *= 1.5 if c.segment == LOYAL else 1.0
            weight *= 0.4 if c.currency == "EUR" else 1.0
            total += weight
            self._cum_weights.append(total)
        self.counts.contractors = len(self.contractors)

    # --- calendar --------------------------------------------------------------------------

    def _day_counts(self, n: int) -> list[int]:
        """Invoices per day: business days, a month-end peak, a growing business; exactly n in all."""
        days = HISTORY_DAYS + 1
        weights: list[float] = []
        for i in range(days):
            day = self.start + ndays(i)
            w = (1.0, 1.0, 1.0, 1.0, 1.1, 0.12, 0.0)[day.weekday()]
            if (day + ndays(3)).month != day.month and w:
                w *= 1.8
            weights.append(w * (0.7 + 0.6 * i / days))
        total = sum(weights)
        exact = [n * w / total for w in weights]
        counts = [int(x) for x in exact]
        rest = n - sum(counts)
        order = sorted(range(days), key=lambda i: (counts[i] - exact[i], i))
        for i in order[:rest]:
            counts[i] += 1
        special = (self.today - ndays(14) - self.start).days
        if n and counts[special] == 0:  # so one invoice is due today
            counts[max(range(days), key=lambda i: (counts[i], -i))] -= 1
            counts[special] += 1
        return counts

    def _number_widths(self) -> dict[str, int]:
        by_month: dict[tuple[int, int], int] = {}
        by_year: dict[int, int] = {}
        for i, count in enumerate(self.day_counts):
            day = self.start + ndays(i)
            by_month[(day.year, day.month)] = by_month.get((day.year, day.month), 0) + count
            by_year[day.year] = by_year.get(day.year, 0) + count
        return {"PL": max(4, len(str(max(by_month.values(), default=0)))),
                "CZ": max(4, len(str(max(by_year.values(), default=0))))}

    def _number(self, kind: str, country: str, day: dt.date) -> tuple[str, str, str | None]:
        """Document number, its key (letters and digits) and, for Czech invoices, the variable symbol.

        Polish series restart every month ("FV/2026/03/0012"), Czech ones every year ("2026-0012").
        """
        czech = country == "CZ"
        skey = (kind, czech, day.year, 0 if czech else day.month)
        series = self._series.get(skey)
        if series is None:
            series = self._series[skey] = self._new_series(kind, czech, day)
        series.seq += 1
        tail = str(series.seq).zfill(series.width)
        key = series.key_prefix + tail
        return series.prefix + tail, key, key if czech and kind == "invoice" else None

    def _new_series(self, kind: str, czech: bool, day: dt.date) -> _Series:
        if czech:
            head = "" if kind == "invoice" else "OD"
            return _Series(f"{head}{'-' if head else ''}{day.year}-", f"{head}{day.year}", self._widths["CZ"])
        head = "FV" if kind == "invoice" else "KOR"
        return _Series(f"{head}/{day.year}/{day.month:02d}/", f"{head}{day.year}{day.month:02d}", self._widths["PL"])

    def _next(self, what: str) -> int:
        self._keys[what] += 1
        return self._keys[what]

    def _push(self, op: Op) -> None:
        self._pending[op.date.toordinal() - self._start_ordinal][_PRIORITY[type(op)]].append(op)

    # --- contractors -------------------------------------------------------------------------

    def _make_contractors(self, n: int) -> list[ContractorOp]:
        rnd = self.rnd
        drafts: list[tuple[dt.date, int, ContractorOp]] = []
        names: set[str] = set()
        tax_ids: set[str] = set()
        for i in range(n):
            country = "CZ" if i % 4 == 3 else "PL"  # a quarter of the clients are Czech
            # most clients are older than the ledger's history; some arrive during it
            if i == 0 or rnd.random() < 0.85:
                since = self.start - ndays(rnd.randint(1, 1500))
            else:
                since = self.start + ndays(rnd.randint(0, HISTORY_DAYS - 30))
            drafts.append((since, i, self._contractor(i, country, since, names, tax_ids)))
        drafts.sort(key=lambda d: (d[0], d[1]))
        out: list[ContractorOp] = []
        for key, (_, _, c) in enumerate(drafts, start=1):
            c.key = key
            for person in c.contacts:
                person.key = self._next("contact")
            out.append(c)
        return out

    def _contractor(self, i: int, country: str, since: dt.date, names: set[str], tax_ids: set[str]
                    ) -> ContractorOp:
        """The i-th contractor drawn; the second always invoices in EUR and the third speaks English."""
        rnd = self.rnd
        name, core = data.firm_name(rnd, country)
        place = data.place(rnd, country)
        if name in names:
            name = f"{name} ({place.city})"
            suffix = 2
            while name in names:
                name = f"{name.rsplit(' (', 1)[0]} ({place.city} {suffix})"
                suffix += 1
        names.add(name)
        tax_id = data.cz_ico(rnd) if country == "CZ" else data.pl_nip(rnd)
        while tax_id in tax_ids:
            tax_id = data.cz_ico(rnd) if country == "CZ" else data.pl_nip(rnd)
        tax_ids.add(tax_id)
        language = ("cs" if country == "CZ" else "pl") if rnd.random() > 0.06 and i != 2 else "en"
        r = rnd.random()
        segment = LOYAL if r < 0.25 else (CHRONIC if r < 0.40 else STANDARD)
        currency = "EUR" if rnd.random() < 0.05 or i == 1 else ("CZK" if country == "CZ" else "PLN")
        collector = "jana.novakova" if country == "CZ" else ("anna.kowalska" if rnd.random() < 0.5 else "tomasz.nowak")
        domain = f"{data.slug(core)}.{data.MAIL_TLD}"
        boxes = data.FIRM_MAILBOXES[language]
        contacts = [self._contact(country, language, domain, place.area) for _ in range(1 + (rnd.random() < 0.4))]
        terms_pool = (14, 14, 14, 30, 30, 7, 21, 45, 60) if country == "PL" else (14, 14, 14, 30, 30, 10, 21)
        note_lang = "cs" if country == "CZ" else "pl"
        notes = data.CHRONIC_NOTE[note_lang] if segment == CHRONIC and rnd.random() < 0.3 else None
        return ContractorOp(
            key=0, date=since, at=at(since, 8, rnd.randint(0, 59)), name=name, tax_id=tax_id,
            registration_no=tax_id if country == "CZ" else data.pl_regon(rnd), country=country,
            address=place.address, postal_code=place.postal_code, city=place.city,
            email=f"{rnd.pick(boxes)}@{domain}",
            phone=data.phone(rnd, country, place.area, mobile=rnd.random() < 0.3), language=language,
            channel=("email", "email", "email", "email", "email", "email", "phone", "phone", "sms", "letter")[
                rnd.below(10)],
            terms=rnd.pick(terms_pool),
            credit_limit=Decimal((10_000, 20_000, 50_000, 100_000)[rnd.below(4)]) if rnd.random() < 0.3 else None,
            segment=segment, collector=collector, notes=notes, contacts=contacts,
            iban=data.cz_iban(rnd) if country == "CZ" else data.pl_iban(rnd), currency=currency, since=since,
        )

    def _contact(self, country: str, language: str, domain: str, area: str) -> ContactOp:
        rnd = self.rnd
        who = data.person(rnd, country)
        roles = data.ROLES[language]
        role = rnd.pick(roles)[1 if who.female else 0]
        return ContactOp(
            key=0, name=who.name, role=role,
            email=f"{data.slug(who.first)}.{data.slug(who.last)}@{domain}",
            phone=data.phone(rnd, country, area, mobile=rnd.random() < 0.7),
        )

    def _pick_contractor(self, day: dt.date) -> ContractorOp:
        total = self._cum_weights[-1]
        last = len(self.contractors) - 1
        for _ in range(8):
            c = self.contractors[min(last, bisect.bisect_right(self._cum_weights, self.rnd.random() * total))]
            if c.since <= day:
                return c
        return next(c for c in self.contractors if c.since <= day)

    # --- the stream ------------------------------------------------------------------------------

    def stream(self) -> Iterator[Op]:
        """Contractors first, then day by day: the day's new invoices, then whatever falls due that day."""
        yield from self.contractors
        self._contractor_notes()
        for i, count in enumerate(self.day_counts):
            day = self.start + ndays(i)
            out: list[Op] = []
            left = count
            while left > 0:
                left -= self._issue(day, out, pair_ok=left >= 2, due_today=day == self._due_today_day and not out)
            yield from out
            yield from self._release(i)

    def _release(self, offset: int) -> Iterator[Op]:
        """The day's waiting operations, in priority order; a list may grow while it is read (completions)."""
        for waiting in self._pending[offset]:
            i = 0
            while i < len(waiting):
                op = waiting[i]
                i += 1
                self._assign(op)
                yield op
        self._pending[offset] = []

    def _assign(self, op: Op) -> None:
        """Keys (and credit-note numbers) are given in stream order, so they follow the calendar."""
        if isinstance(op, DocOp):
            op.key = self._next("doc")
            country = self.contractors[op.contractor_key - 1].country
            op.number, op.number_key, op.variable_symbol = self._number("credit_note", country, op.issue)
            self.counts.credit_notes += 1
        elif isinstance(op, PaymentOp):
            op.key = self._next("payment")
            self.counts.payments += 1
        elif isinstance(op, CallOp):
            op.key = self._next("call")
            self.counts.calls += 1
        elif isinstance(op, NoteOp):
            op.key = self._next("note")
            self.counts.notes += 1
        elif isinstance(op, TaskOp):
            op.key = self._next("task")
            self.counts.tasks += 1
            if op.done_at is not None:
                self._push(TaskDoneOp(op.key, op.done_at.date(), op.done_at))

    def _contractor_notes(self) -> None:
        rnd = self.rnd
        for c in self.contractors:
            if rnd.random() < 0.05:
                first = max(c.since, self.start)
                day = min(self.today, first + ndays(rnd.randint(0, HISTORY_DAYS)))
                lang = _collector_language(c.collector)
                texts = data.CONTRACTOR_NOTES[lang]
                self._push(NoteOp(0, day, at(day, 9, rnd.randint(0, 59)), None, None, c.key, c.collector,
                                  rnd.pick(texts)))

    # --- documents -------------------------------------------------------------------------------

    def _issue(self, day: dt.date, out: list[Op], *, pair_ok: bool, due_today: bool) -> int:
        rnd = self.rnd
        c = self._pick_contractor(day)
        terms = 14 if due_today else (c.terms if rnd.random() < 0.9 else 14)
        inv = self._invoice(c, day, day + ndays(terms))
        out.append(inv)
        if due_today:  # left unpaid on purpose: the register shows an invoice due today
            return 1
        if pair_ok and rnd.random() < 0.03:
            sibling = self._invoice(c, day, inv.due)
            out.append(sibling)
            pay = self._pay_date(c, inv)
            self._payment(c, pay, [(inv, inv.gross), (sibling, sibling.gross)])
            self._activity(c, inv, pay)
            return 2
        pay = self._pay_date(c, inv)
        v = rnd.random()
        if v < 0.07:
            self._partly(c, inv, pay)
        elif v < 0.085:
            self._overpay(c, inv, pay)
        elif v < 0.105:
            self._credit(c, inv, pay)
        else:
            self._payment(c, pay, [(inv, inv.gross)])
            self._maybe_unlinked_credit(c, inv, pay)
        self._activity(c, inv, pay)
        self._maybe_advance(c, day)
        return 1

    def _maybe_advance(self, c: ContractorOp, day: dt.date) -> None:
        """Now and then money arrives before any invoice names it: it waits, unallocated, for the review list."""
        if (self.today - day).days > 45 or not (self._advance_left or self.rnd.random() < 0.004):
            return
        self._advance_left = 0
        amount = Decimal(self.rnd.randint(5, 200) * 100)
        self._push(PaymentOp(0, day, amount, c.currency, None, [], (), data.ADVANCE_TITLES[c.language], c.name,
                             c.iban, None, "bank", self._bank_txn(day)))

    def _bank_txn(self, day: dt.date) -> str:
        self._bank_seq += 1
        prefix = self._txn_prefix.get(day)
        if prefix is None:
            prefix = self._txn_prefix[day] = f"{day.year}{day.month:02d}{day.day:02d}"
        return prefix + str(self._bank_seq).zfill(10)

    def _invoice(self, c: ContractorOp, day: dt.date, due: dt.date) -> DocOp:
        number, key, vs = self._number("invoice", c.country, day)
        net, vat = self._amounts(c.currency)
        self.counts.invoices += 1
        return DocOp(self._next("doc"), "invoice", number, key, vs, c.key, day, due, net, vat, net + vat,
                     c.currency, ZERO)

    def _amounts(self, currency: str) -> tuple[Decimal, Decimal]:
        """Net and VAT: most invoices small, a long tail of large ones; many nets are round figures."""
        rnd = self.rnd
        r = rnd.below(100)
        lo, hi = ((50, 300) if r < 14 else (300, 1_000) if r < 38 else (1_000, 3_000) if r < 66
                  else (3_000, 10_000) if r < 87 else (10_000, 40_000) if r < 97 else (40_000, 250_000))
        if currency == "CZK":
            lo, hi = lo * 6, hi * 6
        elif currency == "EUR":
            lo, hi = max(10, lo // 4), hi // 4
        cents = rnd.randint(lo * 100, hi * 100)
        if rnd.random() < 0.35:
            cents -= cents % (1000 if cents > 100_000 else 100)
        net = Decimal(cents).scaleb(-2)
        v = rnd.below(100)
        if currency == "EUR":
            rate = ZERO  # intra-EU supply: reverse charge
        elif currency == "CZK":
            rate = VAT_CZ if v < 85 else VAT_CZ_REDUCED
        else:
            rate = VAT_PL if v < 82 else VAT_PL_REDUCED if v < 96 else ZERO
        return net, (net * rate).quantize(CENT, ROUND_HALF_UP)

    def _delay(self, segment: str) -> int:
        """Days from the due date to payment, by the contractor's habits (negative: paid early)."""
        rnd = self.rnd
        r = rnd.random()
        if segment == LOYAL:
            return (-rnd.randint(1, 7) if r < 0.15 else 0 if r < 0.55 else rnd.randint(1, 7) if r < 0.9
                    else rnd.randint(8, 35))
        if segment == STANDARD:
            return (-rnd.randint(1, 5) if r < 0.08 else 0 if r < 0.33 else rnd.randint(1, 25) if r < 0.7
                    else rnd.randint(26, 90) if r < 0.88 else rnd.randint(91, 300))
        return (0 if r < 0.05 else rnd.randint(1, 30) if r < 0.3 else rnd.randint(31, 120) if r < 0.65
                else rnd.randint(121, 400))

    def _pay_date(self, c: ContractorOp, inv: DocOp) -> dt.date:
        """When the invoice is (or will be) paid; nothing stays overdue longer than MAX_OVERDUE_DAYS."""
        pay = max(inv.issue, inv.due + ndays(self._delay(c.segment)))
        overdue = (self.today - inv.due).days
        if pay > self.today and overdue > MAX_OVERDUE_DAYS:
            pay = inv.due + ndays(self.rnd.randint(1, overdue))
        return pay

    def _payment(self, c: ContractorOp, day: dt.date, docs: list[tuple[DocOp, Decimal]],
                 amount: Decimal | None = None) -> None:
        """A transfer naming the documents; the last named takes whatever is left (it may be overpaid)."""
        if day > self.today:
            return
        rnd = self.rnd
        if len(docs) == 1:
            doc, total = docs[0]
            if amount is not None:
                total = amount
            doc.paid += total
            allocations = [(doc.key, total)]
            numbers: tuple[str, ...] = (doc.number,)
        else:
            total = sum((a for _, a in docs), ZERO) if amount is None else amount
            allocations = []
            left = total
            for i, (doc, share) in enumerate(docs):
                part = left if i == len(docs) - 1 else share
                doc.paid += part
                left -= part
                allocations.append((doc.key, part))
            numbers = tuple(doc.number for doc, _ in docs)
        bank = rnd.random() < 0.88
        self._push(PaymentOp(
            0, day, total, c.currency, c.key, allocations, numbers,
            rnd.pick(data.PAYMENT_TITLES[c.language]).format(", ".join(numbers)), c.name, c.iban if bank else None,
            docs[0][0].variable_symbol, "bank" if bank else "manual", self._bank_txn(day) if bank else None,
        ))

    def _partly(self, c: ContractorOp, inv: DocOp, pay: dt.date) -> None:
        """A first instalment, the rest later: partly paid if the rest has not come yet."""
        span = (pay - inv.issue).days
        part = (inv.gross * self.rnd.randint(20, 70) / 100).quantize(UNIT)
        if span < 2 or not ZERO < part < inv.gross:
            self._payment(c, pay, [(inv, inv.gross)])
            return
        self._payment(c, inv.issue + ndays(self.rnd.randint(0, span - 1)), [(inv, part)])
        self._payment(c, pay, [(inv, inv.gross - part)])

    def _overpay(self, c: ContractorOp, inv: DocOp, pay: dt.date) -> None:
        """Paid twice by mistake, or rounded up to the next hundred."""
        rnd = self.rnd
        if rnd.random() < 0.5:
            self._payment(c, pay, [(inv, inv.gross)])
            self._payment(c, pay + ndays(rnd.randint(1, 20)), [(inv, inv.gross)])
            return
        hundred = Decimal(100)
        amount = (inv.gross / hundred).to_integral_value(rounding=ROUND_CEILING) * hundred
        self._payment(c, pay, [(inv, inv.gross)], amount if amount > inv.gross else inv.gross + Decimal(50))

    def _credit(self, c: ContractorOp, inv: DocOp, pay: dt.date) -> None:
        """A credit note soon after the invoice, offset against it; the client pays the rest."""
        rnd = self.rnd
        day = inv.issue + ndays(rnd.randint(1, 10))
        if day > self.today:
            self._payment(c, pay, [(inv, inv.gross)])
            return
        pct = (10, 20, 25, 50, 100)[rnd.below(5)]
        amount = inv.gross if pct == 100 else (inv.gross * pct / 100).quantize(CENT, ROUND_HALF_UP)
        self._credit_note(c, inv, day, amount, offset=amount)
        if amount < inv.gross:
            self._payment(c, max(pay, day + ndays(1)), [(inv, inv.gross - amount)])

    def _maybe_unlinked_credit(self, c: ContractorOp, inv: DocOp, pay: dt.date) -> None:
        """A credit note issued after the invoice was paid: nothing to offset, the client is owed money."""
        if (self._unlinked_credit_notes <= 0 or inv.paid != inv.gross or (self.today - pay).days < 3
                or (self.today - inv.issue).days > 150):
            return
        self._unlinked_credit_notes -= 1
        day = pay + ndays(self.rnd.randint(1, min(10, (self.today - pay).days)))
        self._credit_note(c, inv, day, (inv.gross / 10).quantize(CENT, ROUND_HALF_UP), offset=ZERO)

    def _credit_note(self, c: ContractorOp, inv: DocOp, day: dt.date, amount: Decimal, *, offset: Decimal) -> None:
        net = (inv.net * amount / inv.gross).quantize(CENT, ROUND_HALF_UP) if inv.gross else ZERO
        inv.paid += offset
        self._push(DocOp(0, "credit_note", "", "", None, c.key, day, day, -net, net - amount, -amount, c.currency,
                         -offset, inv.key, inv.number, offset))

    # --- work on the case ------------------------------------------------------------------------

    def _activity(self, c: ContractorOp, inv: DocOp, pay: dt.date) -> None:
        """Calls, notes and tasks, mostly on overdue invoices, by the contractor's collector."""
        rnd = self.rnd
        today = self.today
        if inv.paid >= inv.gross:
            late = (pay - inv.due).days
            if late >= 7 and pay <= today and rnd.random() < 0.06:  # a promise that was kept
                day = inv.due + ndays(rnd.randint(1, late - 1))
                self._call(c, inv, day, "promised", promise=(pay, None))
            return
        if inv.due >= today:
            return
        overdue = (today - inv.due).days
        if overdue >= 25 and self._broken_promise_left:
            self._broken_promise_left -= 1
            self._call(c, inv, today - ndays(20), "promised",
                       promise=(today - ndays(10), inv.gross - inv.paid))
            return
        if overdue < 3:
            return
        self._overdue_activity(c, inv, overdue)

    def _overdue_activity(self, c: ContractorOp, inv: DocOp, overdue: int) -> None:
        rnd = self.rnd
        today = self.today
        call_day = today - ndays(rnd.randint(0, min(overdue - 1, 6)))
        balance = inv.gross - inv.paid
        r = rnd.random()
        if r < 0.10:
            promise_day = today + ndays(rnd.randint(0, 10))
            half = (balance / 2).quantize(UNIT)
            amount = half if rnd.random() < 0.3 and ZERO < half < balance else balance
            self._call(c, inv, call_day, "promised", promise=(promise_day, amount))
            self._task(c, inv, call_day, promise_day + ndays(1), 9, "check_promise")
        elif r < 0.14:
            self._call(c, inv, call_day, "no-answer")
            self._task(c, inv, call_day, call_day + ndays(rnd.randint(1, 3)), 10, "call_again")
        elif r < 0.18:
            self._call(c, inv, call_day, "reached")
            self._note(c, inv, call_day, data.NOTES)
        elif r < 0.19:
            self._call(c, inv, call_day, "disputed")
            self._note(c, inv, call_day, data.DISPUTE_NOTES)
        elif r < 0.205:
            self._call(c, inv, call_day, "plan-requested")
            self._task(c, inv, call_day, call_day + ndays(2), 10, "plan")
        elif r < 0.25:
            self._note(c, inv, today - ndays(rnd.randint(0, min(overdue - 1, 20))), data.NOTES)
        elif r < 0.28:
            created = today - ndays(rnd.randint(0, min(overdue - 1, 10)))
            self._task(c, inv, created, created + ndays(rnd.randint(0, 12)), rnd.randint(8, 15),
                       ("demand", "balance")[rnd.below(2)])

    def _call(self, c: ContractorOp, inv: DocOp, day: dt.date, outcome: str,
              promise: tuple[dt.date, Decimal | None] | None = None) -> None:
        rnd = self.rnd
        low, high = {"no-answer": (0, 35), "reached": (60, 600), "promised": (90, 420), "disputed": (180, 900),
                     "plan-requested": (300, 1200)}[outcome]
        contact = c.contacts[0].key if c.contacts and rnd.random() < 0.8 else None
        lang = _collector_language(c.collector)
        self._push(CallOp(
            0, day, at(day, rnd.randint(7, 14), rnd.randint(0, 59)), inv.key, inv.number, c.key, contact,
            c.collector, outcome, rnd.randint(low, high), promise[0] if promise else None,
            promise[1] if promise else None, inv.currency, data.CALL_NOTES[outcome][lang],
        ))

    def _note(self, c: ContractorOp, inv: DocOp, day: dt.date, texts: Mapping[str, tuple[str, ...]]) -> None:
        rnd = self.rnd
        options = texts[_collector_language(c.collector)]
        self._push(NoteOp(0, day, at(day, rnd.randint(7, 15), rnd.randint(0, 59)), inv.key, inv.number, c.key,
                          c.collector,
                          rnd.pick(options)))

    def _task(self, c: ContractorOp, inv: DocOp, created: dt.date, due: dt.date, hour: int, what: str) -> None:
        rnd = self.rnd
        due_local = dt.datetime.combine(due, dt.time(hour, (0, 15, 30, 45)[rnd.below(4)]))
        done = at(due, 14, rnd.randint(0, 59)) if due < self.today and rnd.random() < 0.5 else None
        self._push(TaskOp(0, created, at(created, rnd.randint(7, 15), rnd.randint(0, 59)), inv.key, inv.number, c.key,
                          data.TASKS[what][_collector_language(c.collector)], due_local, c.collector, done))


def _collector_language(login: str) -> str:
    return next((col.language for col in COLLECTORS if col.login == login), "pl")
