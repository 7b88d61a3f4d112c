"""Property test: whatever sequence of documents, payments, allocations and reversals a ledger sees,
the kept sums (`invoice.paid`, `payment.allocated`) equal their allocations, balances add up, and the
six register filters partition the documents exactly as domain.status says."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from helpers.ledger import VALID_NIPS, contractor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from collector_app.db.engine import open_ledger
from collector_app.db.models import Allocation, Invoice, Payment
from collector_app.db.queries import RegisterQuery, invoice_page, register_count, register_totals
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.domain.status import Filter, Status, days_overdue, matches, status_of
from collector_app.services.context import Ctx
from collector_app.services.invoices import InvoiceData, add_invoice
from collector_app.services.payments import PaymentData, add_payment, allocate, reverse_payment

TODAY = dt.date(2026, 3, 16)
D = Decimal

cents = st.integers(min_value=1, max_value=60_000).map(lambda n: D(n).scaleb(-2))
# an amount, or "the current balance of document i" so that exact payments and settling happen often
amount = st.one_of(cents, st.tuples(st.just("balance"), st.integers(0, 40)))
index = st.integers(0, 40)

new_invoice = st.tuples(st.just("invoice"), st.integers(0, 2), cents, st.integers(-6, 6),
                        st.sampled_from(["PLN", "PLN", "EUR"]))
op = st.one_of(
    new_invoice,
    st.tuples(st.just("credit"), index, cents),
    st.tuples(st.just("named"), st.lists(index, min_size=1, max_size=3), amount),
    st.tuples(st.just("auto"), st.sampled_from([None, 0, 1, 2]), amount, st.lists(index, max_size=3),
              st.integers(0, 3), st.sampled_from(["PLN", "PLN", "EUR"])),
    st.tuples(st.just("allocate"), index, index, st.one_of(st.none(), amount)),
    st.tuples(st.just("reverse"), index),
)

TITLE_STYLES = (
    lambda n: n,                                    # FV/3/2026
    lambda n: n.lower().replace("/", " "),          # fv 3 2026
    lambda n: n.replace("FV/", "FV ").replace("/", " / "),  # FV 3 / 2026
    lambda n: n.replace("FV/", ""),                 # 3/2026 (matches nothing: the number has FV)
)


class Run:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.contractors = [contractor(ctx, f"Kontrahent {i}", tax_id=VALID_NIPS[i]) for i in range(3)]
        self.invoices: list[Invoice] = []
        self.payments: list[int] = []
        self.serial = 0

    def pick(self, i: int) -> Invoice | None:
        return self.invoices[i % len(self.invoices)] if self.invoices else None

    def amount(self, spec: Any) -> Decimal:
        if isinstance(spec, Decimal):
            return spec
        inv = self.pick(spec[1])
        if inv is None or inv.gross - inv.paid <= 0:
            return D("10.00")
        return inv.gross - inv.paid

    @contextmanager
    def one_call(self) -> Iterator[None]:
        """One service call = one transaction: a refusal leaves no trace."""
        try:
            with self.ctx.session.begin_nested():
                yield
        except UserError:
            pass

    def apply(self, step: tuple[Any, ...]) -> None:
        kind = step[0]
        with self.one_call():
            if kind == "invoice":
                _, who, gross, due_in, currency = step
                self.serial += 1
                due = TODAY + dt.timedelta(days=due_in)
                self.invoices.append(add_invoice(self.ctx, InvoiceData(
                    contractor_id=self.contractors[who].id, number=f"FV/{self.serial}/2026",
                    issue_date=due - dt.timedelta(days=14), due_date=due, gross=gross, currency=currency,
                )))
            elif kind == "credit":
                _, target, gross = step
                inv = self.pick(target)
                if inv is None or inv.kind != "invoice":
                    return
                self.serial += 1
                self.invoices.append(add_invoice(self.ctx, InvoiceData(
                    contractor_id=inv.contractor_id, number=f"KOR/{self.serial}/2026", issue_date=TODAY,
                    due_date=TODAY, gross=gross, currency=inv.currency, credit_note_for=inv.number,
                )))
            elif kind == "named":
                _, targets, spec = step
                docs = [d for d in (self.pick(t) for t in targets) if d is not None and d.kind == "invoice"]
                # one contractor and currency (mixing them is refused, as test_payments shows)
                docs = [d for d in docs if (d.contractor_id, d.currency) == (docs[0].contractor_id, docs[0].currency)]
                if not docs:
                    return
                res = add_payment(self.ctx, PaymentData(
                    date=TODAY, amount=self.amount(spec), currency=docs[0].currency,
                    invoice_numbers=tuple(dict.fromkeys(d.number for d in docs)),
                ))
                self.payments.append(res.payment.id)
            elif kind == "auto":
                _, who, spec, refs, style, currency = step
                named = [d.number for d in (self.pick(r) for r in refs) if d is not None]
                title = ", ".join(TITLE_STYLES[style](n) for n in named) or None
                res = add_payment(self.ctx, PaymentData(
                    date=TODAY, amount=self.amount(spec), currency=currency, title=title,
                    contractor_id=None if who is None else self.contractors[who].id,
                ))
                self.payments.append(res.payment.id)
            elif kind == "allocate":
                _, p, target, spec = step
                inv = self.pick(target)
                if not self.payments or inv is None:
                    return
                allocate(self.ctx, self.payments[p % len(self.payments)], inv.number,
                         None if spec is None else self.amount(spec))
            elif kind == "reverse" and self.payments:
                reverse_payment(self.ctx, self.payments[step[1] % len(self.payments)])


def check_invariants(ctx: Ctx) -> None:
    session = ctx.session
    session.flush()
    session.expire_all()  # compare what the database holds, not what Python last set
    docs = {d.id: d for d in session.scalars(select(Invoice))}
    payments = {p.id: p for p in session.scalars(select(Payment))}
    allocs = list(session.scalars(select(Allocation)))

    # (2) the kept sums equal their allocations
    to_doc: dict[int, Decimal] = defaultdict(Decimal)
    from_credit_note: dict[int, Decimal] = defaultdict(Decimal)
    of_payment: dict[int, Decimal] = defaultdict(Decimal)
    for a in allocs:
        assert a.amount > 0
        assert (a.payment_id is None) != (a.credit_note_id is None)
        to_doc[a.invoice_id] += a.amount
        if a.credit_note_id is not None:
            assert docs[a.credit_note_id].kind == "credit_note"
            assert docs[a.invoice_id].kind == "invoice"
            assert docs[a.credit_note_id].currency == docs[a.invoice_id].currency
            from_credit_note[a.credit_note_id] += a.amount
        else:
            assert a.payment_id is not None
            assert payments[a.payment_id].currency == docs[a.invoice_id].currency
            assert payments[a.payment_id].reversed_at is None
            of_payment[a.payment_id] += a.amount
    for d in docs.values():
        assert d.paid == to_doc[d.id] - from_credit_note[d.id], d.number
        if d.kind == "credit_note":
            assert d.gross < 0
            assert d.gross <= d.paid <= 0  # never offset beyond its own amount
        else:
            assert d.gross > 0
    for p in payments.values():
        assert p.allocated == of_payment[p.id], p.id
        assert 0 <= p.allocated <= p.amount
        if p.reversed_at is not None:
            assert p.allocated == 0

    # (1) Σ balances == Σ gross − Σ payment allocations, per currency
    gross: dict[str, Decimal] = defaultdict(Decimal)
    balances: dict[str, Decimal] = defaultdict(Decimal)
    paid_in: dict[str, Decimal] = defaultdict(Decimal)
    for d in docs.values():
        gross[d.currency] += d.gross
        balances[d.currency] += d.gross - d.paid
    for p in payments.values():
        paid_in[p.currency] += p.allocated
    for cur in gross:
        assert balances[cur] == gross[cur] - paid_in[cur], cur

    # (3) the six filters partition the register exactly as domain.status says
    ids: dict[Filter, set[int]] = {}
    for flt in Filter:
        rows = invoice_page(session, RegisterQuery(filter=flt), TODAY, limit=None)
        ids[flt] = {r.id for r in rows}
        assert len(ids[flt]) == len(rows)
        assert register_count(session, RegisterQuery(filter=flt), TODAY) == len(rows)
        for r in rows:
            d = docs[r.id]
            expected = status_of(d.gross, d.paid, d.due_date, TODAY)
            assert r.status is expected, (d.number, flt)
            assert matches(flt, expected)
            assert (r.gross, r.paid) == (d.gross, d.paid)
            assert r.days_overdue == days_overdue(d.gross, d.paid, d.due_date, TODAY)
        totals = {t.currency: t for t in register_totals(session, RegisterQuery(filter=flt), TODAY)}
        for cur in {r.currency for r in rows} | set(totals):
            mine = [r for r in rows if r.currency == cur]
            assert totals[cur].count == len(mine)
            assert totals[cur].balance == sum((r.balance for r in mine), D(0))
    parts = [ids[Filter.SETTLED], ids[Filter.OVERPAID], ids[Filter.UNSETTLED_CURRENT], ids[Filter.OVERDUE]]
    assert set().union(*parts) == ids[Filter.ALL] == set(docs)
    assert sum(len(p) for p in parts) == len(ids[Filter.ALL])  # disjoint
    assert ids[Filter.UNSETTLED] == ids[Filter.UNSETTLED_CURRENT] | ids[Filter.OVERDUE]
    for d in docs.values():
        status = status_of(d.gross, d.paid, d.due_date, TODAY)
        assert {f for f in Filter if d.id in ids[f]} == {f for f in Filter if matches(f, status)}
        if status is Status.OVERDUE:
            assert d.due_date < TODAY


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(new_invoice, min_size=1, max_size=6), st.lists(op, max_size=20))
def test_ledger_invariants_hold_after_any_sequence(first: list[tuple[Any, ...]], then: list[tuple[Any, ...]]) -> None:
    steps = first + then  # a few invoices first, so that most later steps have something to act on
    ledger = open_ledger("sqlite://")  # a fresh in-memory ledger, migrated by Alembic, per example
    try:
        with ledger.transaction() as session:
            ctx = Ctx(session, FixedClock(TODAY, dt.time(10, 0)), "tester")
            run = Run(ctx)
            for i, step in enumerate(steps):
                run.apply(step)
                if i % 6 == 5:
                    check_invariants(ctx)
            check_invariants(ctx)
    finally:
        ledger.close()
