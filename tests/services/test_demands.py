"""The demand register: issuing letters, numbering, re-printing, batches, e-mailing and the timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.ledger import contractor, events, expect_error, invoice, pay
from helpers.pdf_text import decode_qr, pdf_text
from sqlalchemy import select

from collector_app.db.models import Contractor, Outbox
from collector_app.domain.clock import FixedClock
from collector_app.services import demands
from collector_app.services.context import Ctx
from collector_app.services.firm import FirmChanges, set_firm
from collector_app.services.interest import invoice_interest

IBAN = "PL61109010140000071219812874"
TODAY = dt.date(2026, 3, 16)


@pytest.fixture
def firm(ctx: Ctx) -> None:
    set_firm(ctx, FirmChanges(name="Nasza Firma Sp. z o.o.", tax_id="5260250274", iban=IBAN, country="PL",
                              currency="PLN", address="ul. Prosta 1", postal_code="00-001", city="Warszawa",
                              contact_person="Anna Nowak", email="windykacja@nasza.pl"))


@pytest.fixture
def omega(ctx: Ctx, firm: None) -> Contractor:
    c = contractor(ctx, "Omega Handel Sp. z o.o.", "7010010191", address="ul. Długa 12", postal_code="30-001",
                   city="Kraków", language="pl", email="ksiegowosc@omega.pl")
    invoice(ctx, c, "FV/1/2026", "1230.00", dt.date(2026, 1, 31), dt.date(2026, 1, 17))
    invoice(ctx, c, "FV/2/2026", "615.00", dt.date(2026, 3, 2), dt.date(2026, 2, 16))
    invoice(ctx, c, "FV/3/2026", "100.00", dt.date(2026, 4, 30), dt.date(2026, 3, 10))  # not due yet
    return c


def test_a_demand_for_one_invoice_states_interest_compensation_and_deadline(ctx: Ctx, omega: Contractor) -> None:
    d = demands.make_demand(ctx, kind="demand", invoice="FV/1/2026")
    owed = invoice_interest(ctx, _inv(ctx, "FV/1/2026"))
    assert d.number == "WZ/2026/03/0001"
    assert (d.kind, d.date, d.deadline, d.currency, d.language) == ("demand", TODAY, dt.date(2026, 3, 23), "PLN", "pl")
    assert d.principal == Decimal("1230.00")
    assert d.interest == owed.interest > 0
    assert owed.compensation_converted is not None
    assert d.compensation == owed.compensation_converted
    assert d.total == d.principal + d.interest + d.compensation
    [line] = d.lines
    assert (line.principal, line.interest, line.days_overdue) == (Decimal("1230.00"), owed.interest, 44)

    text = pdf_text(d.pdf)
    assert "WEZWANIE DO ZAPŁATY" in text
    assert "WZ/2026/03/0001" in text and "FV/1/2026" in text
    assert "1 230,00 zł" in text
    assert _pl(d.interest) in text and _pl(d.compensation) in text and _pl(d.total) in text
    assert "23 marca 2026" in text  # the deadline, seven days on
    assert "Warszawa, 16 marca 2026" in text
    assert "PL61 1090 1014 0000 0712 1981 2874" in text
    assert f"(40,00 € po kursie {owed.fx_rate:.4f}".replace(".", ",") in text  # the compensation's conversion


def test_the_payment_code_carries_account_amount_and_title(ctx: Ctx, omega: Contractor) -> None:
    d = demands.make_demand(ctx, kind="demand", invoice="FV/2/2026")
    [code] = decode_qr(d.pdf)
    fields = code.split("|")
    assert len(fields) == 9
    nip, country, account, grosze, name, title, *reserved = fields
    assert (nip, country, account) == ("5260250274", "PL", IBAN[2:])
    assert grosze == f"{int(d.total * 100):06d}"
    assert name == "Nasza Firma Sp. z o."
    assert title == "FV/2/2026"
    assert reserved == ["", "", ""]


def test_letters_for_a_contractor_name_every_overdue_invoice(ctx: Ctx, omega: Contractor) -> None:
    d = demands.make_demand(ctx, kind="final", contractor_id=omega.id, deadline_days=14)
    assert [_number(ctx, line.invoice_id) for line in d.lines] == ["FV/1/2026", "FV/2/2026"]
    assert d.deadline == dt.date(2026, 3, 30)
    text = pdf_text(d.pdf)
    assert "OSTATECZNE PRZEDSĄDOWE WEZWANIE DO ZAPŁATY" in text
    assert "postępowania sądowego" in text and "windykacyjnej" in text
    [code] = decode_qr(d.pdf)
    assert code.split("|")[5] == "FV/1/2026, FV/2/2026"


def test_a_letter_in_zloty_prints_no_variable_symbol(ctx: Ctx, omega: Contractor) -> None:
    assert "Symbol zmienny" not in pdf_text(demands.make_demand(ctx, kind="demand", invoice="FV/1/2026").pdf)


def test_a_friendly_reminder_asks_for_the_principal_only(ctx: Ctx, omega: Contractor) -> None:
    d = demands.make_demand(ctx, kind="reminder", contractor_id=omega.id)
    assert (d.principal, d.interest, d.compensation, d.total) == (
        Decimal("1845.00"), Decimal(0), Decimal(0), Decimal("1845.00"))
    text = pdf_text(d.pdf)
    assert "PRZYPOMNIENIE O PŁATNOŚCI" in text and "1 845,00 zł" in text
    assert decode_qr(d.pdf)[0].split("|")[3] == "184500"


def test_register_numbers_run_per_month_and_never_repeat(ctx: Ctx, omega: Contractor) -> None:
    first = demands.make_demand(ctx, kind="reminder", invoice="FV/1/2026")
    second = demands.make_demand(ctx, kind="demand", invoice="FV/1/2026")
    april = Ctx(ctx.session, FixedClock(dt.date(2026, 4, 2), dt.time(9, 0)), "tester")
    third = demands.make_demand(april, kind="final", invoice="FV/1/2026")
    fourth = demands.make_demand(april, kind="final", invoice="FV/2/2026")
    assert [d.number for d in (first, second, third, fourth)] == [
        "WZ/2026/03/0001", "WZ/2026/03/0002", "WZ/2026/04/0001", "WZ/2026/04/0002"]
    may_next = demands.next_number(ctx, dt.date(2026, 3, 31))
    assert may_next == "WZ/2026/03/0003"


def test_a_reprint_is_the_stored_letter_byte_for_byte(ctx: Ctx, omega: Contractor) -> None:
    d = demands.make_demand(ctx, kind="demand", invoice="FV/1/2026")
    pay(ctx, "1230.00", TODAY, "FV/1/2026")  # the ledger moves on; the letter does not
    assert demands.demand_pdf(ctx, d.id) == d.pdf
    assert demands.demand_pdf(ctx, d.id) == demands.demand_pdf(ctx, d.id)


def test_letters_for_invoices_that_are_not_overdue_are_refused(ctx: Ctx, omega: Contractor) -> None:
    with expect_error("invoice", ctx):
        demands.make_demand(ctx, kind="demand", invoice="FV/3/2026")
    with expect_error("invoice", ctx):
        demands.make_demand(ctx, kind="demand", invoice="FV/404")
    with expect_error("kind", ctx):
        demands.make_demand(ctx, kind="summons", invoice="FV/1/2026")
    with expect_error("deadline-days", ctx):
        demands.make_demand(ctx, kind="demand", invoice="FV/1/2026", deadline_days=0)
    assert demands.list_demands(ctx) == []


def test_an_interest_note_is_for_invoices_paid_late(ctx: Ctx, omega: Contractor) -> None:
    with expect_error("invoice", ctx):
        demands.make_demand(ctx, kind="interest-note", invoice="FV/1/2026")  # still unpaid
    pay(ctx, "1230.00", dt.date(2026, 3, 1), "FV/1/2026")
    d = demands.make_demand(ctx, kind="interest-note", invoice="FV/1/2026")
    owed = invoice_interest(ctx, _inv(ctx, "FV/1/2026"))
    assert d.principal == 0 and d.interest == owed.interest > 0
    assert d.total == d.interest + d.compensation
    text = pdf_text(d.pdf)
    assert "NOTA ODSETKOWA" in text and _pl(d.interest) in text
    assert "01.03.2026" in text  # the day it was paid
    with expect_error("invoice", ctx):
        demands.make_demand(ctx, kind="interest-note", invoice="FV/1/2026")  # one note per invoice
    with expect_error("contractor", ctx):
        demands.make_demand(ctx, kind="interest-note", contractor_id=omega.id)


def test_a_contractor_owing_in_two_currencies_gets_one_letter_per_currency(ctx: Ctx, omega: Contractor) -> None:
    invoice(ctx, omega, "EX/1/2026", "500.00", dt.date(2026, 2, 10), currency="EUR")
    with expect_error("currency", ctx):
        demands.make_demand(ctx, kind="demand", contractor_id=omega.id)
    made = demands.make_demands(ctx, kind="demand", contractor_id=omega.id)
    assert [(d.currency, len(d.lines)) for d in made] == [("EUR", 1), ("PLN", 2)]
    eur = demands.make_demand(ctx, kind="reminder", contractor_id=omega.id, currency="EUR")
    code = decode_qr(eur.pdf)[0].split("\n")
    assert code[:4] == ["BCD", "002", "1", "SCT"]
    assert (code[6], code[7], code[10]) == (IBAN, "EUR500.00", "EX/1/2026")


def test_a_rate_missing_for_one_currency_stops_only_that_currencys_letter(ctx: Ctx, omega: Contractor,
                                                                          tmp_path: Path) -> None:
    """No CZK/PLN rate for the compensation of a crown invoice: its letter is refused naming the rate, while
    the złoty letter (asked for alone, or in a batch) is made."""
    invoice(ctx, omega, "CZ/1/2026", "5000.00", dt.date(2026, 2, 10), currency="CZK")
    with expect_error("rates", ctx):
        demands.make_demand(ctx, kind="demand", contractor_id=omega.id, currency="CZK")
    pln = demands.make_demand(ctx, kind="demand", contractor_id=omega.id, currency="PLN")
    assert [line.invoice_id for line in pln.lines] == [_inv(ctx, "FV/1/2026").id, _inv(ctx, "FV/2/2026").id]
    result = demands.make_batch(ctx, min_days=10, kind="demand", out_dir=tmp_path / "out")
    assert [d.currency for d in result.demands] == ["PLN"]
    assert [name for name, _ in result.skipped] == [omega.name]


def test_the_register_lists_filters_and_counts(ctx: Ctx, omega: Contractor) -> None:
    beta = contractor(ctx, "Beta s.r.o.", language="cs", address="Dlouhá 1", postal_code="110 00", city="Praha")
    invoice(ctx, beta, "B/1", "2000.00", dt.date(2026, 1, 30))
    a = demands.make_demand(ctx, kind="demand", contractor_id=omega.id)
    b = demands.make_demand(ctx, kind="reminder", invoice="B/1")
    april = Ctx(ctx.session, FixedClock(dt.date(2026, 4, 2), dt.time(9, 0)), "tester")
    c = demands.make_demand(april, kind="final", invoice="FV/1/2026")
    rows = demands.list_demands(ctx)
    assert [r.id for r in rows] == [c.id, b.id, a.id]
    assert rows[2].invoices == ("FV/1/2026", "FV/2/2026") and rows[2].contractor == omega.name
    assert [r.id for r in demands.list_demands(ctx, kind="reminder")] == [b.id]
    assert [r.id for r in demands.list_demands(ctx, contractor_id=omega.id, date_to=TODAY)] == [a.id]
    assert [r.id for r in demands.list_demands(ctx, date_from=dt.date(2026, 4, 1))] == [c.id]
    assert [r.id for r in demands.list_demands(ctx, limit=1, offset=1)] == [b.id]
    assert demands.count_demands(ctx, contractor_id=omega.id) == 2
    fv1, fv2, b1 = (_inv(ctx, n).id for n in ("FV/1/2026", "FV/2/2026", "B/1"))
    assert demands.demand_counts(ctx, [fv1, fv2, b1, 999]) == {fv1: 2, fv2: 1, b1: 1}
    assert "Připomenutí platby".upper() in pdf_text(b.pdf)


def test_each_letter_shows_on_the_timelines(ctx: Ctx, omega: Contractor) -> None:
    d = demands.make_demand(ctx, kind="demand", contractor_id=omega.id)
    issued = events(ctx, "demand.issued")
    assert [(e.contractor_id, e.invoice_id) for e in issued] == [
        (omega.id, None), (None, _inv(ctx, "FV/1/2026").id), (None, _inv(ctx, "FV/2/2026").id)]
    assert all(d.number in e.summary for e in issued)


def test_a_batch_makes_a_letter_per_contractor_and_one_print_file(ctx: Ctx, omega: Contractor,
                                                                   tmp_path: Path) -> None:
    beta = contractor(ctx, "Beta Sp. z o.o.", address="ul. Krótka 2", postal_code="00-002", city="Warszawa")
    invoice(ctx, beta, "B/1", "50.00", dt.date(2026, 1, 30))
    gamma = contractor(ctx, "Gamma S.A.", city="Gdańsk")
    invoice(ctx, gamma, "G/1", "900.00", dt.date(2026, 3, 10))  # 6 days: too fresh
    found = demands.batch_candidates(ctx, min_days=10, min_amount=Decimal("100"))
    assert [(c.contractor, c.invoices, c.outstanding, c.max_days) for c in found] == [
        (omega.name, ("FV/1/2026", "FV/2/2026"), Decimal("1845.00"), 44)]
    seen: list[tuple[int, int, str]] = []
    result = demands.make_batch(ctx, min_days=10, kind="demand", out_dir=tmp_path / "out",
                                progress=lambda done, total, name: seen.append((done, total, name)) is None)
    assert seen == [(1, 2, "Beta Sp. z o.o."), (2, 2, omega.name)]
    assert [d.contractor_id for d in result.demands] == [beta.id, omega.id]
    assert not result.cancelled
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "WZ-2026-03-0001_Beta-Sp-z-o-o.pdf", "WZ-2026-03-0002_Omega-Handel-Sp-z-o-o.pdf",
        "print-WZ-2026-03-0001-0002.pdf"]
    assert result.files[0].read_bytes() == result.demands[0].pdf
    combined = pdf_text((tmp_path / "out" / "print-WZ-2026-03-0001-0002.pdf").read_bytes())
    assert "WZ/2026/03/0001" in combined and "WZ/2026/03/0002" in combined


def test_a_batch_stops_when_asked(ctx: Ctx, omega: Contractor) -> None:
    beta = contractor(ctx, "Beta Sp. z o.o.", city="Warszawa")
    invoice(ctx, beta, "B/1", "50.00", dt.date(2026, 1, 30))
    result = demands.make_batch(ctx, min_days=0, progress=lambda done, total, name: False)
    assert result.cancelled
    assert [d.contractor_id for d in result.demands] == [beta.id]
    assert len(demands.list_demands(ctx)) == 1
    assert result.combined_pdf is not None and result.combined_pdf.startswith(b"%PDF-")


def test_e_mailing_a_letter_queues_it_in_the_outbox(ctx: Ctx, omega: Contractor) -> None:
    d = demands.make_demand(ctx, kind="demand", contractor_id=omega.id)
    row = demands.email_demand(ctx, d.id)
    stored = ctx.session.scalars(select(Outbox)).one()
    assert stored is row
    assert (row.demand_id, row.step_id, row.channel, row.recipient, row.state, row.planned_for) == (
        d.id, None, "email", "ksiegowosc@omega.pl", "planned", TODAY)
    assert demands.email_demand(ctx, d.id).occurrence == 2  # a second copy is a new row


def test_letters_need_the_firms_bank_account(ctx: Ctx) -> None:
    c = contractor(ctx, "Omega", city="Kraków")
    invoice(ctx, c, "FV/1", "10.00", dt.date(2026, 1, 31))
    with expect_error("firm", ctx):
        demands.make_demand(ctx, kind="demand", invoice="FV/1")
    set_firm(ctx, FirmChanges(name="Nasza"))
    with expect_error("iban", ctx):
        demands.make_demand(ctx, kind="demand", invoice="FV/1")


def _inv(ctx: Ctx, number: str):  # type: ignore[no-untyped-def]
    from collector_app.services.invoices import find_invoice

    return find_invoice(ctx, number)


def _number(ctx: Ctx, invoice_id: int) -> str:
    from collector_app.db.models import Invoice

    inv = ctx.session.get(Invoice, invoice_id)
    assert inv is not None
    return inv.number


def _pl(amount: Decimal) -> str:
    """ "1 234,56 zł" as the letter prints it (the test reads NBSPs as spaces)."""
    whole, cents = f"{amount:.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", " ")
    return f"{groups},{cents} zł"


@pytest.mark.parametrize(("lang", "subject"), [
    ("pl", "Wezwanie do zapłaty WZ/2026/03/0001"), ("cs", "Výzva k úhradě WZ/2026/03/0001"),
    ("en", "Demand for payment WZ/2026/03/0001"),
])
def test_the_e_mail_carrying_a_letter_names_it(ctx: Ctx, omega: Contractor, lang: str, subject: str) -> None:
    from collector_app.templates.render import render_blocks

    omega.language = lang
    d = demands.make_demand(ctx, kind="demand", contractor_id=omega.id)
    out = render_blocks(lang, "demand_letter", ("subject", "text", "html"), demands.email_context(ctx, d))
    assert out["subject"] == subject
    text = " ".join(out["text"].split()).replace("\u00a0", " ")
    assert "FV/1/2026, FV/2/2026" in text and "PL61 1090 1014 0000 0712 1981 2874" in text
    assert d.number in out["html"] and "<p>" in out["html"]


def test_a_czech_firm_demands_crowns_with_the_invoice_variable_symbol(ctx: Ctx) -> None:
    from collector_app.services.invoices import InvoiceData, add_invoice

    set_firm(ctx, FirmChanges(name="Dodavatel s.r.o.", country="CZ", currency="CZK",
                              iban="CZ6508000000192000145399", city="Brno"))
    c = contractor(ctx, "Odběratel a.s.", country="CZ", language="cs", address="Dlouhá 1", postal_code="110 00",
                   city="Praha")
    add_invoice(ctx, InvoiceData(contractor_id=c.id, number="2026-0042", issue_date=dt.date(2026, 1, 2),
                                 due_date=dt.date(2026, 1, 16), gross=Decimal("12100.00"), currency="CZK",
                                 variable_symbol="20260042"))
    d = demands.make_demand(ctx, kind="demand", invoice="2026-0042")
    assert d.compensation == Decimal("1200.00") and d.interest > 0
    text = pdf_text(d.pdf)
    assert "VÝZVA K ÚHRADĚ" in text and "12 100,00 Kč" in text and "Brno, 16. března 2026" in text
    assert "nařízení vlády č. 351/2013 Sb." in " ".join(text.split())
    [code] = decode_qr(d.pdf)
    fields = dict(part.split(":", 1) for part in code.split("*")[2:])
    assert code.startswith("SPD*1.0*")
    assert fields == {"ACC": "CZ6508000000192000145399", "AM": f"{d.total:.2f}", "CC": "CZK", "DT": "20260323",
                      "X-VS": "20260042", "RN": "Dodavatel s.r.o.", "MSG": "2026-0042"}
    assert "Variabilní symbol 20260042" in " ".join(text.split())  # printed too, for a payment typed by hand


@pytest.mark.parametrize("title", ["{number}", "zapłata wg wezwania {number}", "{vs}"])
def test_a_payment_naming_a_letters_register_number_pays_its_invoices(ctx: Ctx, omega: Contractor, title: str) -> None:
    """A debtor pays the letter as it asks: its register number (or the variable symbol a Czech letter's QR
    code makes of it) in the title, not the invoices' numbers. The letter's invoices are paid, oldest due first;
    what is left (the interest and compensation claimed) stays the debtor's credit."""
    from collector_app.services import matching
    from collector_app.services.payments import PaymentData, add_payment

    d = demands.make_demand(ctx, kind="final", contractor_id=omega.id, deadline_days=14)
    vs = "".join(ch for ch in d.number if ch.isdigit())
    payment = add_payment(ctx, PaymentData(date=TODAY, amount=d.total, currency="PLN", source="bank",
                                           title=title.format(number=d.number, vs=vs), allocations=())).payment
    reason = matching.match_payment(ctx, matching.Matcher(), payment, matching.Hints(payment.title or ""))
    assert reason == "letter" and payment.contractor_id == omega.id
    ctx.session.flush()
    from collector_app.db.models import Allocation, Invoice

    paid = dict(ctx.session.execute(select(Invoice.number, Allocation.amount)
                                    .join(Allocation, Allocation.invoice_id == Invoice.id)
                                    .where(Allocation.payment_id == payment.id)).tuples().all())
    assert paid == {"FV/1/2026": Decimal("1230.00"), "FV/2/2026": Decimal("615.00")}  # not FV/3: not in the letter


def test_the_code_and_the_letter_carry_the_same_payment_title(ctx: Ctx) -> None:
    """Three invoice numbers too long for the printed title: the letter prints its register number, and the
    SPAYD code's message says the same (it held the numbers, so a payment typed from the letter and one made
    with the code differed)."""
    from collector_app.services.invoices import InvoiceData, add_invoice

    set_firm(ctx, FirmChanges(name="Dodavatel s.r.o.", country="CZ", currency="CZK",
                              iban="CZ6508000000192000145399", city="Brno"))
    c = contractor(ctx, "Odběratel a.s.", country="CZ", language="cs")
    for n in range(1, 4):
        add_invoice(ctx, InvoiceData(contractor_id=c.id, number=f"FV2026-01{n:02d}", issue_date=dt.date(2026, 1, 2),
                                     due_date=dt.date(2026, 1, 16), gross=Decimal("1000.00"), currency="CZK"))
    d = demands.make_demand(ctx, kind="demand", contractor_id=c.id)
    [code] = decode_qr(d.pdf)
    fields = dict(part.split(":", 1) for part in code.split("*")[2:])
    assert fields["MSG"] == d.number and f"Zpráva pro příjemce {d.number}" in " ".join(pdf_text(d.pdf).split())


def test_a_final_demand_speaks_of_previous_reminders_only_after_some(ctx: Ctx, omega: Contractor) -> None:
    """A final demand as the first letter must not claim earlier reminders; after a demand for the same invoices
    (or reminders sent by e-mail) it does."""
    claim = "pomimo wcześniejszych wezwań"
    first = demands.make_demand(ctx, kind="final", invoice="FV/1/2026")
    assert claim not in " ".join(pdf_text(first.pdf).split())
    assert "nie uregulowali Państwo należności" in " ".join(pdf_text(first.pdf).split())
    again = demands.make_demand(ctx, kind="final", invoice="FV/1/2026")  # the first letter is a reminder of it
    assert claim in " ".join(pdf_text(again.pdf).split())
    both = demands.make_demand(ctx, kind="final", contractor_id=omega.id)  # FV/2 had none: no claim
    assert claim not in " ".join(pdf_text(both.pdf).split())
