"""The demo ledger: valid identities, every register filter populated, the kept sums equal to their
allocations, deterministic for a seed, the same through the services and in bulk, all or nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from schwifty import IBAN
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cz import dic as cz_dic
from stdnum.pl import nip as pl_nip
from stdnum.pl import regon as pl_regon

from collector_app.cli import main
from collector_app.db.engine import Ledger, open_ledger
from collector_app.db.models import (
    Allocation,
    Call,
    ContactPerson,
    Contractor,
    Event,
    Firm,
    Invoice,
    Note,
    Payment,
    Segment,
    Task,
    User,
)
from collector_app.db.queries import RegisterQuery, invoice_page
from collector_app.domain.clock import FixedClock
from collector_app.domain.contact import check_email
from collector_app.domain.errors import UserError
from collector_app.domain.references import number_key
from collector_app.domain.status import Filter, Status, matches
from collector_app.services import activity
from collector_app.services.context import Ctx
from collector_app.services.demo import DemoSpec, build_demo
from collector_app.services.demo_plan import MAX_OVERDUE_DAYS

TODAY = dt.date(2026, 3, 16)
CLOCK = FixedClock(TODAY, dt.time(10, 0))
CENT = Decimal("0.01")


def _build(path: Path, invoices: int = 400, seed: int = 7, method: Any = "auto", **kw: Any) -> Ledger:
    ledger = open_ledger(path)
    build_demo(ledger, CLOCK, DemoSpec(kw.pop("contractors", None), invoices, seed), user="tester",
               progress=kw.pop("progress", None), method=method)
    return ledger


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """400 invoices through the services (the default for a small demo)."""
    ledger = _build(tmp_path_factory.mktemp("demo") / "demo.db")
    yield ledger
    ledger.close()


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """The same demo written by the bulk writer (what --invoices 1000000 uses)."""
    ledger = _build(tmp_path_factory.mktemp("bulk") / "bulk.db", method="bulk")
    yield ledger
    ledger.close()


@pytest.fixture
def s(demo: Ledger) -> Iterator[Session]:
    with demo.transaction() as session:
        yield session


# --- identities ------------------------------------------------------------------------------

def test_contractors_have_valid_tax_ids_phones_emails_and_contacts(s: Session) -> None:
    contractors = s.scalars(select(Contractor)).all()
    assert len(contractors) == 12  # invoices // 50, at least 12
    for c in contractors:
        if c.country == "PL":
            assert pl_nip.is_valid(c.tax_id), c.tax_id
            assert pl_regon.is_valid(c.registration_no), c.registration_no
        else:
            assert c.country == "CZ"
            assert c.tax_id and len(c.tax_id) == 8 and cz_dic.is_valid(c.tax_id), c.tax_id  # IČO
        assert c.phone and phonenumbers.is_valid_number(phonenumbers.parse(c.phone))
        assert c.phone == phonenumbers.format_number(phonenumbers.parse(c.phone), phonenumbers.PhoneNumberFormat.E164)
        assert c.email and check_email(c.email) == c.email and c.email.endswith(".example")
        assert c.contacts and all(p.email and p.phone and p.role for p in c.contacts)
        assert c.segment is not None and c.collector is not None
        assert c.address and c.postal_code and c.city
    assert {c.country for c in contractors} == {"PL", "CZ"}
    assert {c.language for c in contractors} == {"pl", "cs", "en"}
    assert len({c.tax_id for c in contractors}) == len(contractors)
    assert {seg.name for seg in s.scalars(select(Segment))} == {"Standard", "Loyal", "Chronic late payers"}


def test_the_firm_is_polish_with_a_valid_nip_and_iban(s: Session) -> None:
    firm = s.scalars(select(Firm)).one()
    assert firm.country == "PL" and firm.currency == "PLN"
    assert pl_nip.is_valid(firm.tax_id)
    assert firm.iban and IBAN(firm.iban).country_code == "PL"


def test_payer_accounts_are_valid_ibans(s: Session) -> None:
    accounts = set(s.scalars(select(Payment.payer_account).where(Payment.payer_account.is_not(None))))
    assert accounts
    for account in accounts:
        assert IBAN(account).country_code in ("PL", "CZ"), account


# --- documents -------------------------------------------------------------------------------

def test_invoice_numbers_currencies_and_amounts_are_realistic(s: Session) -> None:
    rows = s.execute(select(Invoice, Contractor.country).join(Contractor)).all()
    invoices = [inv for inv, _ in rows if inv.kind == "invoice"]
    assert len(invoices) == 400
    for inv, country in rows:
        assert inv.number_key == number_key(inv.number)
        assert inv.due_date >= inv.issue_date
        assert inv.gross == inv.gross.quantize(CENT) and inv.net is not None and inv.vat is not None
        assert inv.net + inv.vat == inv.gross
        if inv.kind == "credit_note":
            assert inv.gross < 0 and inv.corrects_invoice_id is not None
            assert re.fullmatch(r"KOR/\d{4}/\d{2}/\d{4,}|OD-\d{4}-\d{4,}", inv.number), inv.number
        elif country == "PL":
            assert re.fullmatch(r"FV/\d{4}/\d{2}/\d{4,}", inv.number), inv.number
            assert inv.currency in ("PLN", "EUR")
        else:
            assert re.fullmatch(r"\d{4}-\d{4,}", inv.number), inv.number
            assert inv.variable_symbol == inv.number.replace("-", "")
            assert inv.currency in ("CZK", "EUR")
    currencies = Counter(inv.currency for inv in invoices)
    assert currencies["PLN"] > len(invoices) / 2 and currencies["CZK"] and currencies["EUR"]
    assert all(Decimal(10) <= inv.gross <= Decimal(2_000_000) for inv in invoices)


def test_every_register_filter_has_rows(s: Session) -> None:
    for flt in Filter:
        rows = invoice_page(s, RegisterQuery(filter=flt), TODAY, limit=None)
        assert rows, flt
        assert all(matches(flt, r.status) for r in rows)
    statuses = Counter(r.status for r in invoice_page(s, RegisterQuery(), TODAY, limit=None))
    assert statuses[Status.SETTLED] > statuses[Status.OVERDUE] > 0


def test_the_spread_of_states(s: Session) -> None:
    rows = invoice_page(s, RegisterQuery(), TODAY, limit=None)
    invoices = [r for r in rows if r.kind == "invoice"]
    overdue = [r.days_overdue for r in invoices if r.status is Status.OVERDUE]
    assert min(overdue) >= 1 and max(overdue) <= MAX_OVERDUE_DAYS and max(overdue) > 60
    assert any(r.status is Status.UNSETTLED_CURRENT and r.due_date == TODAY for r in invoices)
    assert any(r.status is Status.UNSETTLED_CURRENT and r.due_date > TODAY for r in invoices)
    assert any(0 < r.paid < r.gross for r in invoices), "partly paid"
    assert any(r.status is Status.OVERPAID for r in invoices)
    # settled on the due date exactly, and late
    last_payment = dict(s.execute(
        select(Allocation.invoice_id, func.max(Payment.date)).join(Payment).group_by(Allocation.invoice_id)).all())
    settled = [r for r in invoices if r.status is Status.SETTLED and r.id in last_payment]
    assert any(last_payment[r.id] == r.due_date for r in settled)
    assert any(last_payment[r.id] > r.due_date for r in settled)


def test_credit_notes_offset_or_left_as_credit(s: Session) -> None:
    notes = s.scalars(select(Invoice).where(Invoice.kind == "credit_note")).all()
    assert notes
    offset = {a.credit_note_id for a in s.scalars(select(Allocation).where(Allocation.credit_note_id.is_not(None)))}
    assert any(n.id in offset and n.gross == n.paid for n in notes), "a credit note offset against its invoice"
    unlinked = [n for n in notes if n.id not in offset]
    assert 1 <= len(unlinked) <= 2 and all(n.gross < n.paid == 0 for n in unlinked), "credit the client is owed"


# --- the kept sums -----------------------------------------------------------------------------

def _paid_mismatches(session: Session) -> list[Any]:
    """Documents whose `paid` differs from Σ allocations to them − Σ allocations from them (credit notes)."""
    to_doc = dict(session.execute(select(Allocation.invoice_id, func.sum(Allocation.amount))
                                  .group_by(Allocation.invoice_id)).all())
    from_note = dict(session.execute(select(Allocation.credit_note_id, func.sum(Allocation.amount))
                                     .where(Allocation.credit_note_id.is_not(None))
                                     .group_by(Allocation.credit_note_id)).all())
    bad = []
    for doc_id, paid in session.execute(select(Invoice.id, Invoice.paid)):
        expected = Decimal(to_doc.get(doc_id) or 0) - Decimal(from_note.get(doc_id) or 0)
        if expected.quantize(CENT) != paid:
            bad.append((doc_id, paid, expected))
    return bad


def _allocated_mismatches(session: Session) -> list[Any]:
    sums = dict(session.execute(select(Allocation.payment_id, func.sum(Allocation.amount))
                                .where(Allocation.payment_id.is_not(None)).group_by(Allocation.payment_id)).all())
    return [(pid, allocated) for pid, allocated in session.execute(select(Payment.id, Payment.allocated))
            if Decimal(sums.get(pid) or 0).quantize(CENT) != allocated]


@pytest.mark.parametrize("which", ["demo", "bulk"])
def test_paid_and_allocated_equal_their_allocations(which: str, request: pytest.FixtureRequest) -> None:
    ledger: Ledger = request.getfixturevalue(which)
    with ledger.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Allocation)) > 300
        assert _paid_mismatches(session) == []
        assert _allocated_mismatches(session) == []
        unallocated = session.scalars(select(Payment).where(Payment.allocated < Payment.amount)).all()
        assert unallocated and all(p.contractor_id is None and p.allocated == 0 for p in unallocated)
        assert session.scalar(select(func.count()).select_from(Payment).where(Payment.allocated > Payment.amount)) == 0


# --- work on the cases -------------------------------------------------------------------------

def test_notes_tasks_and_calls(s: Session) -> None:
    assert s.scalar(select(func.count()).select_from(Note))
    tasks = s.scalars(select(Task)).all()
    due_days = {t.due_at.astimezone().date() for t in tasks if t.done_at is None}
    assert any(d < TODAY for d in due_days) and any(d > TODAY for d in due_days)
    assert any(t.done_at is not None for t in tasks)
    assignees = {login for (login,) in s.execute(select(User.login).join(Task, Task.assignee_id == User.id))}
    assert 2 <= len(assignees) <= 3
    calls = s.scalars(select(Call)).all()
    assert {"promised", "no-answer"} <= {c.outcome for c in calls}
    current = [c for c in calls if c.promise_date and c.promise_date >= TODAY]
    assert current
    for call in current:
        inv = s.get(Invoice, call.invoice_id)
        assert inv is not None and inv.paused_until == call.promise_date and inv.gross > inv.paid
    # events exist for what the services did: the invoice timelines are not empty
    assert s.scalar(select(func.count()).select_from(Event).where(Event.action == "payment.allocated"))


def test_exactly_one_broken_promise_becomes_a_task(s: Session) -> None:
    tasks = activity.follow_up_broken_promises(Ctx(s, CLOCK, "tester"))
    assert len(tasks) == 1 and tasks[0].source == "broken-promise"
    s.rollback()


def test_due_today_tasks_exist_in_a_larger_demo(tmp_path: Path) -> None:
    ledger = _build(tmp_path / "big.db", invoices=3000, method="bulk")
    try:
        with ledger.transaction() as session:
            due = [t.due_at.astimezone().date() for t in session.scalars(select(Task).where(Task.done_at.is_(None)))]
            assert TODAY in due
            assert session.scalar(select(func.count()).select_from(Call)) > 20
            assert _paid_mismatches(session) == [] and _allocated_mismatches(session) == []
    finally:
        ledger.close()


# --- determinism and the two writers -------------------------------------------------------------

def _documents(path: Path) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT kind, number, gross, paid, issue_date, due_date, currency FROM invoice "
                           "ORDER BY kind, number").fetchall()
    finally:
        con.close()


def test_same_seed_same_ledger_other_seed_other_ledger(tmp_path: Path, demo: Ledger) -> None:
    again = _build(tmp_path / "again.db", method="bulk")
    other = _build(tmp_path / "other.db", seed=8, method="bulk")
    again.close()
    other.close()
    assert demo.path is not None
    assert _documents(tmp_path / "again.db") == _documents(demo.path)
    assert _documents(tmp_path / "other.db") != _documents(demo.path)


TABLES = {
    "invoice": "SELECT * FROM invoice ORDER BY id",
    "payment": "SELECT * FROM payment ORDER BY id",
    "allocation": "SELECT payment_id, credit_note_id, invoice_id, amount, created_at FROM allocation "
                  "ORDER BY payment_id, credit_note_id, invoice_id",
    "contractor": "SELECT * FROM contractor ORDER BY id",
    "contact_person": "SELECT * FROM contact_person ORDER BY id",
    "call": "SELECT * FROM call ORDER BY id",
    "note": "SELECT * FROM note ORDER BY id",
    "task": "SELECT * FROM task ORDER BY id",
    "user": "SELECT * FROM user ORDER BY id",
    "firm": "SELECT * FROM firm",
}


def test_bulk_writer_writes_what_the_services_write(demo: Ledger, bulk: Ledger) -> None:
    assert demo.path is not None and bulk.path is not None
    a, b = sqlite3.connect(demo.path), sqlite3.connect(bulk.path)
    try:
        for table, query in TABLES.items():
            assert a.execute(query).fetchall() == b.execute(query).fetchall(), table
    finally:
        a.close()
        b.close()


def test_bulk_ledger_is_searchable_and_indexed(bulk: Ledger) -> None:
    with bulk.transaction() as session:
        name = session.scalars(select(Contractor.name).order_by(Contractor.id)).first()
        assert name is not None
        fragment = name.split()[0][:5]
        rows = invoice_page(session, RegisterQuery(search=fragment), TODAY, limit=None)
        assert rows and all(fragment.lower() in r.contractor.lower() or fragment.lower() in r.number.lower()
                            for r in rows)
        number = session.scalars(select(Invoice.number).order_by(Invoice.id.desc())).first()
        assert number is not None
        assert any(r.number == number for r in invoice_page(session, RegisterQuery(search=number), TODAY))
    con = sqlite3.connect(bulk.path or "")
    try:
        objects = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')")}
    finally:
        con.close()
    assert {"ix_invoice_open_due", "ix_allocation_invoice_id", "ix_payment_date", "invoice_search_ai",
            "contractor_search_ai"} <= objects


# --- all or nothing ----------------------------------------------------------------------------

def _schema(path: Path) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    finally:
        con.close()


def _counts(ledger: Ledger) -> dict[str, int]:
    with ledger.transaction() as session:
        return {m.__tablename__: int(session.scalar(select(func.count()).select_from(m)) or 0)
                for m in (Invoice, Contractor, Payment, Allocation, ContactPerson, Event, Firm)}


def test_a_ledger_with_invoices_is_refused_and_left_alone(demo: Ledger) -> None:
    before = _counts(demo)
    with pytest.raises(UserError) as err:
        build_demo(demo, CLOCK, DemoSpec(None, 50, 1), user="tester")
    assert err.value.field is None and "empty ledger" in err.value.message
    assert _counts(demo) == before


@pytest.mark.parametrize("method", ["services", "bulk"])
def test_an_error_midway_writes_nothing(tmp_path: Path, method: str) -> None:
    path = tmp_path / "ledger.db"
    ledger = open_ledger(path)
    schema = _schema(path)
    empty = _counts(ledger)

    def fail(stage: str, done: int, total: int) -> None:
        if done:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        build_demo(ledger, CLOCK, DemoSpec(None, 2500, 1), user="tester", progress=fail, method=method)
    assert _counts(ledger) == empty
    assert _schema(path) == schema, "indexes and search triggers are back"
    build_demo(ledger, CLOCK, DemoSpec(None, 100, 1), user="tester")  # and the ledger still takes a demo
    ledger.close()


def test_spec_defaults_and_limits() -> None:
    assert DemoSpec(None, 400, 1).contractor_count() == 12
    assert DemoSpec(None, 100_000, 1).contractor_count() == 2000
    assert DemoSpec(30, 100, 1).contractor_count() == 30
    for bad in (DemoSpec(None, -1, 1), DemoSpec(0, 10, 1)):
        with pytest.raises(UserError):
            bad.check()


# --- the command line ----------------------------------------------------------------------------

def test_cli_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.db")
    assert main(["--db", db, "--today", "2026-03-16", "--json", "demo", "--invoices", "300"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["invoices"] == 300 and summary["contractors"] == 12
    assert set(summary) >= {"contractors", "invoices", "credit_notes", "payments", "notes", "tasks", "calls",
                            "seconds"}
    assert main(["--db", db, "--today", "2026-03-16", "--json", "invoices", "--filter", "overdue",
                 "--sort", "days_overdue", "--desc", "--limit", "5"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 5 and rows[0]["days_overdue"] >= rows[-1]["days_overdue"] > 0
    assert main(["--db", db, "--today", "2026-03-16", "--json", "demo", "--invoices", "300"]) == 2
    err = capsys.readouterr().err
    assert "empty ledger" in err and err.count("\n") == 1


# --- searching a demo ledger ---------------------------------------------------------------------

SEARCHES = ("Sp.", "s.r.o", "FV/", "2026", "KOR/", "OD-", "Hurt", "ová", "ski ", "0001", "zzz")
SORTS = (("due_date", False), ("days_overdue", True), ("number", False), ("gross", True), ("issue_date", True))


def test_search_pages_are_the_same_whichever_plan_serves_them(bulk: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big match is paged by walking the sort's index (queries.search_clause); the rows must not change."""
    from collector_app.db import queries

    def pages(walk: bool) -> list[list[int]]:
        monkeypatch.setattr(queries, "WALK_FROM_MATCHES", 1 if walk else 10**12)
        out = []
        with bulk.transaction() as session:
            for text in SEARCHES:
                for sort, desc in SORTS:
                    for flt in (Filter.ALL, Filter.OVERDUE, Filter.SETTLED):
                        rq = RegisterQuery(filter=flt, search=text, sort=sort, descending=desc)
                        for offset in (0, 20):
                            out.append([r.id for r in invoice_page(session, rq, TODAY, limit=20, offset=offset)])
        return out

    natural, walked = pages(walk=False), pages(walk=True)
    assert natural == walked
    assert sum(1 for ids in natural if ids) > len(natural) / 3  # most searches find something


def test_a_big_search_walks_the_index(bulk: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    from collector_app.db import queries

    monkeypatch.setattr(queries, "WALK_FROM_MATCHES", 1)
    with bulk.transaction() as session:
        walked = str(queries.search_clause(session, "FV/", "due_date").compile())
        assert "LIKE" in walked and "invoice.contractor_id + " in walked
        assert "LIKE" not in str(queries.search_clause(session, "FV/", None).compile())  # counts and totals
