"""Matching a bank payment: a table of title / amount / account cases and the allocation each must give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers.ledger import contractor, fresh, invoice, pay
from helpers.statements import BETA_IBAN, OMEGA_IBAN, statement_ledger
from sqlalchemy import func, select, text

from collector_app.db.models import Allocation, ContractorAccount, Invoice
from collector_app.services import matching
from collector_app.services.context import Ctx
from collector_app.services.payments import PaymentData, add_payment, allocate

D = Decimal
NIP_BETA = "5260250274"

# title, amount, currency, payer account, payer tax id, creditor refs → [(invoice, amount)], reason kind
CASES = [
    ("plain number", "Zapłata za FV/1/2026", "1000.00", "PLN", None, None, (),
     [("FV/1/2026", "1000.00")], "title"),
    ("lower case, spaces for slashes", "fv 1 2026 dziekuje", "1000.00", "PLN", None, None, (),
     [("FV/1/2026", "1000.00")], "title"),
    ("prefix left out, unique", "zapłata 12/2026", "777.00", "PLN", None, None, (),
     [("FV/12/2026", "777.00")], "title"),
    ("two numbers, each up to its balance, the rest stays credit", "FV/7/2026, FV/8/2026", "400.00", "PLN",
     None, None, (), [("FV/7/2026", "150.00"), ("FV/8/2026", "200.00")], "title"),
    ("the second number written without the prefix", "FV/7/2026 i 8/2026", "350.00", "PLN", None, None, (),
     [("FV/7/2026", "150.00"), ("FV/8/2026", "200.00")], "title"),
    ("two numbers paid in the order they appear", "FV/8/2026 i FV/7/2026", "300.00", "PLN", None, None, (),
     [("FV/8/2026", "200.00"), ("FV/7/2026", "100.00")], "title"),
    ("over-payment of a named invoice stays credit", "FV/2/2026", "300.00", "PLN", None, None, (),
     [("FV/2/2026", "250.50")], "title"),
    ("Czech variable symbol with leading zeros", "/VS/0020260007 platba", "1500.00", "CZK", None, None, (),
     [("FA-2026-0007", "1500.00")], "variable-symbol"),
    ("structured creditor reference (RF)", "", "300.00", "PLN", None, None, ("RF71FV32026",),
     [("FV/3/2026", "300.00")], "reference"),
    ("known account, exact amount", "przelew", "250.50", "PLN", OMEGA_IBAN, None, (),
     [("FV/2/2026", "250.50")], "payer-account"),
    ("known account written with spaces", "przelew", "250.50", "PLN", "pl27 1140 2004 0000 3002 0135 5387", None, (),
     [("FV/2/2026", "250.50")], "payer-account"),
    ("known account as a Polish MT940 writes it (no PL)", "przelew", "250.50", "PLN", OMEGA_IBAN[2:], None, (),
     [("FV/2/2026", "250.50")], "payer-account"),
    ("known account, oldest overdue first", "przelew", "1100.00", "PLN", OMEGA_IBAN, None, (),
     [("FV/1/2026", "1000.00"), ("FV/2/2026", "100.00")], "payer-account"),
    ("known tax id, exact amount", "przelew", "300.00", "PLN", None, NIP_BETA, (),
     [("FV/3/2026", "300.00")], "tax-id"),
    ("the only open invoice of that amount", "darowizna", "432.10", "PLN", None, None, (),
     [("FV/9/2026", "432.10")], "unique-amount"),
    ("two open invoices of that amount: review", "darowizna", "300.00", "PLN", None, None, (), [], None),
    ("number in another currency does not match", "FV/1/2026", "1000.00", "EUR", None, None, (), [], None),
    ("the title's own prefix is kept", "FV/1/2026", "99.00", "EUR", None, None, (), [], None),
    ("prefix left out, fits two invoices: review", "za 5/2026", "10.00", "PLN", None, None, (), [], None),
    ("unknown account, nothing fits: review", "wpłata", "12.34", "PLN", BETA_IBAN, None, (), [], None),
    ("number first, even with a known account", "FV/12/2026", "777.00", "PLN", OMEGA_IBAN, None, (),
     [("FV/12/2026", "777.00")], "title"),
    ("an abbreviated list sharing the year", "FV 7, 8/2026", "350.00", "PLN", None, None, (),
     [("FV/7/2026", "150.00"), ("FV/8/2026", "200.00")], "title"),
    ("an abbreviated list with words between", "faktury 9 i 7/2026", "582.10", "PLN", None, None, (),
     [("FV/9/2026", "432.10"), ("FV/7/2026", "150.00")], "title"),
    ("a range of numbers", "FV/7-9/2026", "782.10", "PLN", None, None, (),
     [("FV/7/2026", "150.00"), ("FV/8/2026", "200.00"), ("FV/9/2026", "432.10")], "title"),
    ("a listed number of another contractor is left alone", "FV 1, 3/2026", "1300.00", "PLN", None, None, (),
     [("FV/3/2026", "300.00")], "title"),
]


@pytest.mark.parametrize(("title", "amount", "currency", "account", "tax_id", "refs", "expected", "kind"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matching_table(ctx: Ctx, title: str, amount: str, currency: str, account: str | None,
                        tax_id: str | None, refs: tuple[str, ...], expected: list[tuple[str, str]],
                        kind: str | None) -> None:
    statement_ledger(ctx)
    _check_match(ctx, title, amount, currency, account, tax_id, refs, expected, kind)


def _check_match(ctx: Ctx, title: str, amount: str, currency: str, account: str | None, tax_id: str | None,
                 refs: tuple[str, ...], expected: list[tuple[str, str]], kind: str | None) -> None:
    payment = add_payment(ctx, PaymentData(
        date=dt.date(2026, 3, 16), amount=D(amount), currency=currency, title=title, payer_account=account,
        source="bank", allocations=(),
    )).payment
    reason = matching.match_payment(ctx, matching.Matcher(), payment,
                                    matching.Hints(title, refs, account, tax_id))
    got = [(number, f"{amt:.2f}") for number, amt in ctx.session.execute(
        select(Invoice.number, Allocation.amount).join(Invoice, Invoice.id == Allocation.invoice_id)
        .where(Allocation.payment_id == payment.id).order_by(Allocation.id))]
    assert got == expected
    assert reason == kind
    if kind is None:
        assert payment.match_reason is None
    else:
        assert payment.match_reason and matching.REASON_LABELS[kind] in payment.match_reason
    assert fresh(ctx, payment).allocated == sum((D(a) for _, a in expected), D(0))
    _ledger_consistent(ctx)


# Numbers of one key written apart (unpadded n/m/yyyy numbering), prefixes glued to the number, and a
# number with and without a prefix: title, amount → [(invoice, amount)], reason kind
KEY_CASES = [
    ("written exactly, another number has the same key", "Faktura FV/1/12/2025", "1000.00",
     [("FV/1/12/2025", "1000.00")], "title"),
    ("the other number of that key, written exactly", "za FV/11/2/2025", "1000.00",
     [("FV/11/2/2025", "1000.00")], "title"),
    ("same groups of digits, other separators", "fv 1 12 2025", "1000.00", [("FV/1/12/2025", "1000.00")], "title"),
    ("the key alone fits both: review", "FV1122025", "1000.00", [], None),
    ("FV glued to the number", "FV123/2026", "640.00", [("123/2026", "640.00")], "title"),
    ("FA glued to the number", "FA123/2026", "640.00", [("123/2026", "640.00")], "title"),
    ("F glued to the number", "zapłata F124/2026", "640.00", [("124/2026", "640.00")], "title"),
    ("F glued to a number with letters in it", "F110F02305", "100.00", [("110F02305", "100.00")], "title"),
    ("glued prefix, the prefixed number exists: the longest reading", "FV1/2026", "500.00",
     [("FV/1/2026", "500.00")], "title"),
    ("no prefix written", "1/2026", "500.00", [("1/2026", "500.00")], "title"),
    ("glued prefix of a settled invoice: never the number without it", "FV9/2026", "50.00", [], None),
    ("prefix of a settled invoice: never the number without it", "FV/9/2026", "50.00", [], None),
]


def key_ledger(ctx: Ctx) -> None:
    """Numbers that share a key, numbers with and without a prefix; FV/9/2026 is settled, 9/2026 open."""
    omega, tau, sigma = (contractor(ctx, name) for name in ("Omega", "Tau", "Sigma"))
    for c, number, gross in ((omega, "FV/1/12/2025", "1000.00"), (omega, "FV/11/2/2025", "1000.00"),
                             (tau, "123/2026", "640.00"), (tau, "124/2026", "640.00"),
                             (tau, "110F02305", "21912.44"), (sigma, "FV/1/2026", "500.00"),
                             (tau, "1/2026", "500.00"), (sigma, "FV/9/2026", "50.00"), (tau, "9/2026", "70.00")):
        invoice(ctx, c, number, gross, dt.date(2026, 3, 1))
    pay(ctx, "50.00", dt.date(2026, 3, 2), "FV/9/2026")
    ctx.session.flush()


@pytest.mark.parametrize(("title", "amount", "expected", "kind"), [c[1:] for c in KEY_CASES],
                         ids=[c[0] for c in KEY_CASES])
def test_matching_numbers_of_one_key_and_glued_prefixes(ctx: Ctx, title: str, amount: str,
                                                       expected: list[tuple[str, str]], kind: str | None) -> None:
    key_ledger(ctx)
    _check_match(ctx, title, amount, "PLN", None, None, (), expected, kind)


def test_a_key_that_fits_several_numbers_suggests_them_all(ctx: Ctx) -> None:
    key_ledger(ctx)
    add_payment(ctx, PaymentData(date=dt.date(2026, 3, 16), amount=D("1000.00"), currency="PLN",
                                 title="FV1122025", source="bank", allocations=()))
    (item,) = matching.review_list(ctx)
    assert {(s.invoice, s.score) for s in item.suggestions} == {("FV/1/12/2025", 0.6), ("FV/11/2/2025", 0.6)}


def _ledger_consistent(ctx: Ctx) -> None:
    """invoice.paid = Σ allocations to it, payment.allocated = Σ its allocations."""
    ctx.session.flush()
    bad_inv = ctx.session.execute(text(
        "SELECT i.number FROM invoice i LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM allocation GROUP BY "
        "invoice_id) a ON a.invoice_id = i.id WHERE ROUND(i.paid - COALESCE(a.s, 0), 2) <> 0")).all()
    bad_pay = ctx.session.execute(text(
        "SELECT p.id FROM payment p LEFT JOIN (SELECT payment_id, SUM(amount) s FROM allocation GROUP BY "
        "payment_id) a ON a.payment_id = p.id WHERE ROUND(p.allocated - COALESCE(a.s, 0), 2) <> 0")).all()
    assert bad_inv == [] and bad_pay == []


def test_a_title_number_of_another_contractor_than_the_first_is_left_alone(ctx: Ctx) -> None:
    statement_ledger(ctx)
    payment = add_payment(ctx, PaymentData(date=dt.date(2026, 3, 16), amount=D("2000.00"), currency="PLN",
                                           source="bank", allocations=())).payment
    matching.match_payment(ctx, matching.Matcher(), payment, matching.Hints("FV/1/2026 FV/3/2026"))
    numbers = ctx.session.scalars(select(Invoice.number).join(Allocation, Allocation.invoice_id == Invoice.id)
                                  .where(Allocation.payment_id == payment.id)).all()
    assert numbers == ["FV/1/2026"]
    assert payment.amount - payment.allocated == D("1000.00")  # the contractor's credit


def test_the_unique_amount_map_follows_allocations_made_in_the_same_import(ctx: Ctx) -> None:
    statement_ledger(ctx)
    matcher = matching.Matcher()
    first = add_payment(ctx, PaymentData(date=dt.date(2026, 3, 16), amount=D("100.00"), currency="PLN",
                                         source="bank", allocations=())).payment
    matching.match_payment(ctx, matcher, first, matching.Hints("FV/9/2026"))  # 332.10 left on FV/9/2026
    assert matcher.counts == {"title": 1}
    second = add_payment(ctx, PaymentData(date=dt.date(2026, 3, 16), amount=D("332.10"), currency="PLN",
                                          source="bank", allocations=())).payment
    assert matching.match_payment(ctx, matcher, second, matching.Hints("bez tytułu")) == "unique-amount"
    assert "FV/9/2026" in (second.match_reason or "")


def test_accounts_are_learned_from_payments_allocated_by_hand(ctx: Ctx) -> None:
    ledger = statement_ledger(ctx, omega_account=False)
    payment = add_payment(ctx, PaymentData(date=dt.date(2026, 3, 16), amount=D("5.00"), currency="PLN",
                                           payer_account=OMEGA_IBAN, source="bank", allocations=())).payment
    allocate(ctx, payment.id, "FV/1/2026")
    matching.learn_from_allocated(ctx)
    accounts = ctx.session.execute(select(ContractorAccount.account, ContractorAccount.source).where(
        ContractorAccount.contractor_id == ledger.omega.id)).all()
    assert accounts == [(OMEGA_IBAN, "learned")]
    matching.learn_from_allocated(ctx)  # nothing twice
    assert ctx.session.scalar(select(func.count()).select_from(ContractorAccount)) == 1


def test_number_prefixes_come_from_the_index(ctx: Ctx) -> None:
    statement_ledger(ctx)
    assert matching.number_prefixes(ctx) == ["EU", "FA", "FV"]


def test_review_suggestions_are_scored(ctx: Ctx) -> None:
    statement_ledger(ctx)
    for title, amount in (("za 5/2026", "10.00"), ("darowizna", "300.00")):
        payment = add_payment(ctx, PaymentData(date=dt.date(2026, 3, 16), amount=D(amount), currency="PLN",
                                               title=title, source="bank", allocations=())).payment
        assert matching.match_payment(ctx, matching.Matcher(), payment, matching.Hints(title)) is None
    items = {i.row.title: i.suggestions for i in matching.review_list(ctx)}
    five = items["za 5/2026"]
    assert {(s.invoice, s.score) for s in five} == {("FA/5/2026", 0.6), ("FV/5/2026", 0.6)}
    assert all(s.reason == "number in the title fits several invoices" for s in five)
    three = items["darowizna"]
    assert {(s.invoice, s.reason) for s in three} == {("FV/3/2026", "open invoice of exactly that amount"),
                                                      ("FV/10/2026", "open invoice of exactly that amount")}
    assert all(0 < s.score <= 1 for s in three)


def test_queries_use_indexes(ctx: Ctx) -> None:
    """The lookups a 10,000-entry statement makes against a large ledger read one index each, never the table."""
    statement_ledger(ctx)
    plans = {
        "SELECT id FROM invoice WHERE number_key IN ('FV12026', 'X')": "ix_invoice_number_key",
        "SELECT id FROM invoice WHERE variable_symbol IN ('FV12026', 'X')": "ix_invoice_variable_symbol",
        "SELECT id FROM invoice WHERE gross = 300.0 AND paid = 0 AND kind = 'invoice' AND currency = 'PLN'"
        " ORDER BY due_date, id LIMIT 2": "ix_invoice_gross",
        "SELECT id, gross, paid FROM invoice WHERE currency = 'PLN' AND gross > paid AND paid > 0"
        " AND kind = 'invoice'": "ix_invoice_partly_paid",
        f"SELECT DISTINCT contractor_id FROM contractor_account WHERE account = '{OMEGA_IBAN}' LIMIT 2":
            "ix_contractor_account_account",
        "SELECT id FROM invoice WHERE contractor_id IN (1, 2) AND gross > paid "
        "ORDER BY contractor_id, due_date, id": "ix_invoice_contractor_due",
        "SELECT id FROM invoice WHERE gross IN (300.0, 12.5) AND paid = 0": "ix_invoice_gross",
        "SELECT contractor_id, account FROM contractor_account WHERE account IN ('A', 'B')":
            "ix_contractor_account_account",
        "SELECT number_key FROM invoice WHERE number_key > 'FV:' ORDER BY number_key LIMIT 1": "ix_invoice_number_key",
        "SELECT id FROM payment WHERE bank_txn_id = 'X'": "sqlite_autoindex_payment",
    }
    for sql, index in plans.items():
        plan = " ".join(str(row[-1]) for row in ctx.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert f"INDEX {index}" in plan, (sql, plan)


def test_a_ledger_without_variable_symbols_is_searched_by_number_alone(ctx: Ctx) -> None:
    """Whether any invoice has a variable symbol is asked once; without them each key is one lookup."""
    omega = contractor(ctx, "Omega Handel Sp. z o.o.")
    invoice(ctx, omega, "FV/20/2026", "20.00", dt.date(2026, 3, 1))
    ctx.session.flush()
    matcher = matching.Matcher()
    hits, _ = matching.invoices_in_text(ctx, matcher, matching.Hints("FV 20/2026 i 0020"), "PLN")
    assert [h.invoice.number for h in hits] == ["FV/20/2026"]
    assert matcher.has_symbols is False
    statement_ledger(ctx)  # adds Alfa's FA-2026-0007 with variable symbol 20260007
    matcher = matching.Matcher()
    hits, _ = matching.invoices_in_text(ctx, matcher, matching.Hints("/VS/0020260007"), "CZK")
    assert [(h.invoice.number, h.kind) for h in hits] == [("FA-2026-0007", "variable-symbol")]
    assert matcher.has_symbols is True


@pytest.mark.parametrize(("typed", "paid_from"), [
    ("19-2000145399/0800", "CZ65 0800 0000 1920 0014 5399"),
    ("CZ6508000000192000145399", "000019-2000145399/0800"),
], ids=["typed domestic, paid from the IBAN", "typed IBAN, paid from the domestic number"])
def test_a_czech_account_is_one_account_written_either_way(ctx: Ctx, typed: str, paid_from: str) -> None:
    ledger = statement_ledger(ctx)
    matching.learn_account(ctx, ledger.alfa.id, typed, source="typed")
    payment = add_payment(ctx, PaymentData(date=dt.date(2026, 3, 16), amount=D("1500.00"), currency="CZK",
                                           title="platba", payer_account=paid_from, source="bank",
                                           allocations=())).payment
    reason = matching.match_payment(ctx, matching.Matcher(), payment, matching.Hints("platba", (), paid_from, None))
    assert reason == "payer-account"
    assert ctx.session.scalars(select(Invoice.number).join(Allocation, Allocation.invoice_id == Invoice.id)
                               .where(Allocation.payment_id == payment.id)).all() == ["FA-2026-0007"]


def test_slashed_text_that_is_no_valid_czech_account_is_kept_as_written() -> None:
    from collector_app.imports.bank import normalize_account

    assert normalize_account("19-2000145398/0800") == "1920001453980800"  # a check digit wrong
    assert normalize_account("12/2026") == "122026"  # no such bank code
