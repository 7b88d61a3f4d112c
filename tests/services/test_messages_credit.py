"""What lowered an invoice is called what it is: money received from the debtor, or the firm's own credit note.

Also the grouped wording found by the mail tester: grouped SMS in the plural with the earliest due date,
long subjects cut to three numbers, and English paragraphs kept apart.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers.ledger import at, contractor, invoice, pay
from helpers.messages import firm, norm, outbox_row, step

from collector_app.db.models import Contractor, Firm
from collector_app.domain.money import Money
from collector_app.services.context import Ctx
from collector_app.services.firm import get_firm
from collector_app.services.messages import CreditNoteLine, compose, template_context
from collector_app.services.payments import PaymentData, add_payment
from collector_app.templates.render import LANGUAGES

CURRENCY = {"pl": "PLN", "cs": "CZK", "en": "EUR"}
RECEIVED_WORDS = {"pl": "Otrzymaliśmy też", "cs": "Obdrželi jsme od Vás také", "en": "We have also received"}


@pytest.fixture
def ledger_ctx(ctx: Ctx) -> Ctx:
    firm(ctx)
    return ctx


def _client(ctx: Ctx, lang: str, name: str = "Gęślą Jaźń Sp. z o.o.") -> Contractor:
    return contractor(ctx, name, language=lang, email=f"k-{lang}@gj.example", phone="501 222 333", country="PL")


def _unallocated(ctx: Ctx, c: Contractor, amount: str, currency: str) -> None:
    add_payment(ctx, PaymentData(date=dt.date(2026, 3, 10), amount=Decimal(amount), currency=currency,
                                 contractor_id=c.id, allocations=()))


@pytest.mark.parametrize(("lang", "expected", "html"), [
    ("pl", "4 000,00 zł (z 4 567,89 zł; faktura korygująca KOR/1/2026 zmniejszyła kwotę o 567,89 zł)",
     "korekta KOR/1/2026: −567,89 zł"),
    ("cs", "4 000,00 Kč (z 4 567,89 Kč; dobropis KOR/1/2026 snížil částku o 567,89 Kč)",
     "dobropis KOR/1/2026: −567,89 Kč"),
    ("en", "€4,000.00 (invoice total €4,567.89, less credit note KOR/1/2026 for €567.89)",
     "credit note KOR/1/2026: −€567.89"),
])
def test_an_invoice_lowered_by_a_credit_note_does_not_read_as_paid(
        ledger_ctx: Ctx, lang: str, expected: str, html: str) -> None:
    c = _client(ledger_ctx, lang)
    inv = invoice(ledger_ctx, c, "FV/1/2026", "4567.89", dt.date(2026, 2, 24), currency=CURRENCY[lang])
    invoice(ledger_ctx, c, "KOR/1/2026", "567.89", dt.date(2026, 2, 20), currency=CURRENCY[lang],
            credit_note_for="FV/1/2026")
    msg = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, step(ledger_ctx, "overdue_first"))])
    text = norm(msg.text)
    assert expected in text
    assert html in norm(msg.html or "")
    for wrong in ("resztę już otrzymaliśmy", "zbytek jsme již obdrželi", "the rest is paid", "already paid",
                  "już otrzymaliśmy", "jsme již obdrželi", RECEIVED_WORDS[lang]):
        assert wrong not in text


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", "3 000,00 zł (z 4 567,89 zł; faktura korygująca KOR/1/2026 zmniejszyła kwotę o 567,89 zł, "
           "a 1 000,00 zł już otrzymaliśmy)"),
    ("cs", "3 000,00 Kč (z 4 567,89 Kč; dobropis KOR/1/2026 snížil částku o 567,89 Kč; 1 000,00 Kč jsme již obdrželi)"),
    ("en", "€3,000.00 (invoice total €4,567.89, less credit note KOR/1/2026 for €567.89 and €1,000.00 already paid)"),
])
def test_a_payment_and_a_credit_note_are_each_named(ledger_ctx: Ctx, lang: str, expected: str) -> None:
    c = _client(ledger_ctx, lang)
    cur = CURRENCY[lang]
    inv = invoice(ledger_ctx, c, "FV/1/2026", "4567.89", dt.date(2026, 2, 24), currency=cur)
    invoice(ledger_ctx, c, "KOR/1/2026", "567.89", dt.date(2026, 2, 20), currency=cur, credit_note_for="FV/1/2026")
    pay(ledger_ctx, "1000.00", dt.date(2026, 3, 2), "FV/1/2026", currency=cur)
    msg = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, step(ledger_ctx, "overdue_weekly"))])
    assert expected in norm(msg.text)


@pytest.mark.parametrize(("lang", "expected", "closing"), [
    ("pl", "Na Państwa korzyść pozostaje też 200,00 € z naszej faktury korygującej CN-1.",
     "Jeśli tę kwotę mamy zaliczyć na poczet tej faktury, prosimy o informację"),
    ("cs", "Ve Váš prospěch dále zůstává 200,00 € z našeho dobropisu CN-1.",
     "Pokud tuto částku máme započíst proti této faktuře"),
    ("en", "You also have a credit of €200.00 from our credit note CN-1.",
     "If you would like it set against this invoice, please let us know"),
])
def test_what_is_left_on_a_credit_note_is_the_firms_credit_not_money_received(
        ledger_ctx: Ctx, lang: str, expected: str, closing: str) -> None:
    c = _client(ledger_ctx, lang)
    inv = invoice(ledger_ctx, c, "INV-1", "1000.00", dt.date(2026, 2, 24), currency="EUR")
    invoice(ledger_ctx, c, "INV-2", "100.00", dt.date(2026, 2, 24), currency="EUR")
    invoice(ledger_ctx, c, "CN-1", "300.00", dt.date(2026, 2, 20), currency="EUR", credit_note_for="INV-2")
    msg = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, step(ledger_ctx, "overdue_first"))])
    text = norm(msg.text)
    assert expected in text and closing in text
    assert expected in norm(msg.html or "")
    assert RECEIVED_WORDS[lang] not in text
    assert "credit note)" not in text and "faktura korygująca)" not in text and "dobropis)" not in text


def test_money_received_and_credit_notes_are_told_apart_in_one_message(ledger_ctx: Ctx) -> None:
    c = _client(ledger_ctx, "pl")
    inv = invoice(ledger_ctx, c, "FV/2026/03/0001", "1000.00", dt.date(2026, 3, 2))
    invoice(ledger_ctx, c, "FV/E/1", "100.00", dt.date(2026, 3, 2), currency="EUR")
    invoice(ledger_ctx, c, "KOR/E/1", "300.00", dt.date(2026, 3, 1), currency="EUR", credit_note_for="FV/E/1")
    _unallocated(ledger_ctx, c, "1898.50", "PLN")
    text = norm(compose(ledger_ctx, [outbox_row(ledger_ctx, inv, step(ledger_ctx, "overdue_first"))]).text)
    assert ("Otrzymaliśmy też od Państwa 1 898,50 zł, których nie rozliczyliśmy jeszcze z żadną otwartą fakturą "
            "(nadpłata lub wpłata bez wskazanej faktury).") in text
    assert "Na Państwa korzyść pozostaje też 200,00 € z naszej faktury korygującej KOR/E/1." in text
    assert "200,00 € oraz" not in text and "oraz 200,00 €" not in text


def test_the_context_splits_paid_into_received_and_credited(ledger_ctx: Ctx) -> None:
    c = _client(ledger_ctx, "pl")
    inv = invoice(ledger_ctx, c, "FV/1", "1000.00", dt.date(2026, 3, 2))
    invoice(ledger_ctx, c, "KOR/1", "100.00", dt.date(2026, 3, 1), credit_note_for="FV/1")
    invoice(ledger_ctx, c, "KOR/2", "50.00", dt.date(2026, 3, 1), credit_note_for="FV/1")
    pay(ledger_ctx, "300.00", dt.date(2026, 3, 3), "FV/1")
    other = invoice(ledger_ctx, c, "FV/2", "40.00", dt.date(2026, 3, 2))
    invoice(ledger_ctx, c, "KOR/3", "70.00", dt.date(2026, 3, 1), credit_note_for="FV/2")
    pay(ledger_ctx, "25.00", dt.date(2026, 3, 3), "FV/1")
    _unallocated(ledger_ctx, c, "10.00", "PLN")
    values = template_context(ledger_ctx, _firm(ledger_ctx), c, [inv])
    line = values["invoice"]
    assert line.paid == Money(Decimal("475.00"), "PLN")
    assert line.credited == Money(Decimal("150.00"), "PLN") and line.credit_notes == ("KOR/1", "KOR/2")
    assert line.received == Money(Decimal("325.00"), "PLN")
    assert values["credit_received"] == [Money(Decimal("10.00"), "PLN")]
    assert values["credit_notes"] == [CreditNoteLine("KOR/3", Money(Decimal("30.00"), "PLN"))]
    assert values["credit_notes_total"] == [Money(Decimal("30.00"), "PLN")]
    assert values["credit"] == [Money(Decimal("40.00"), "PLN")]  # all of it, as before, for edited templates
    assert not values["credited_only"]
    assert other.paid == other.gross


def _firm(ctx: Ctx) -> Firm:
    found = get_firm(ctx)
    assert found is not None
    return found


@pytest.mark.parametrize(("lang", "subject", "sms", "forbidden"), [
    ("pl", "Faktura FV/1 rozliczona", "faktura FV/1 rozliczona faktura korygujaca", "Dziękujemy za wpłatę"),
    ("cs", "Faktura FV/1 je vyrovnána", "faktura FV/1 je vyrovnana dobropisem", "Děkujeme za platbu"),
    ("en", "Invoice FV/1 settled", "invoice FV/1 is settled by our credit note", "Thank you for your payment"),
])
def test_an_invoice_settled_by_a_credit_note_gets_no_thanks_for_a_payment(
        ledger_ctx: Ctx, lang: str, subject: str, sms: str, forbidden: str) -> None:
    c = _client(ledger_ctx, lang)
    inv = invoice(ledger_ctx, c, "FV/1", "500.00", dt.date(2026, 3, 2), currency=CURRENCY[lang])
    invoice(ledger_ctx, c, "KOR/1", "500.00", dt.date(2026, 3, 5), currency=CURRENCY[lang], credit_note_for="FV/1")
    mail = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, step(ledger_ctx, "thank_you"))])
    assert mail.subject == subject
    assert forbidden not in mail.text and "KOR/1" in mail.text
    text = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, step(ledger_ctx, "thank_you", channel="sms"))]).text
    assert sms in text


def test_a_paid_invoice_still_gets_its_thanks(ledger_ctx: Ctx) -> None:
    c = _client(ledger_ctx, "pl")
    inv = invoice(ledger_ctx, c, "FV/1", "500.00", dt.date(2026, 3, 2))
    invoice(ledger_ctx, c, "KOR/1", "100.00", dt.date(2026, 3, 5), credit_note_for="FV/1")
    pay(ledger_ctx, "400.00", dt.date(2026, 3, 6), "FV/1")
    mail = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, step(ledger_ctx, "thank_you"))])
    assert mail.subject == "Dziękujemy za wpłatę: faktura FV/1"
    assert ("otrzymaliśmy Państwa wpłatę za fakturę FV/1 (500,00 zł, termin płatności 2 marca 2026; "
            "faktura korygująca KOR/1 zmniejszyła kwotę o 100,00 zł)") in norm(mail.text)


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", "Źrebię: faktury FV/1/1, FV/1/2 (100,00 zl + 250,00 €) sa po terminie, najstarsza od 10.03.2026. "),
    ("cs", "Źrebię: faktury FV/1/1, FV/1/2 (100,00 PLN + 250,00 €) jsou po splatnosti, nejstarsi od 10. 3. 2026. "),
    ("en", "Źrebię: invoices FV/1/1, FV/1/2, PLN 100.00 + €250.00, are overdue, the oldest since 10 Mar 2026. "),
])
def test_a_grouped_sms_is_worded_for_several_invoices(ledger_ctx: Ctx, lang: str, expected: str) -> None:
    _firm(ledger_ctx).name = "Źrebię"
    c = _client(ledger_ctx, lang)
    first = invoice(ledger_ctx, c, "FV/1/1", "100.00", dt.date(2026, 3, 10))
    second = invoice(ledger_ctx, c, "FV/1/2", "250.00", dt.date(2026, 3, 11), currency="EUR")
    later = at(ledger_ctx, dt.date(2026, 3, 13))
    st = step(later, "overdue_first", channel="sms")
    text = compose(later, [outbox_row(later, inv, st, "g") for inv in (first, second)]).text
    assert text.startswith(expected.replace("Źrebię", "Zrebie")), text
    assert "11.03" not in text and "11 Mar" not in text and "11. 3." not in text


@pytest.mark.parametrize(("lang", "subject"), [
    ("pl", "Nadal nieopłacone faktury FV/24/00, FV/24/01, FV/24/02 i 21 innych"),
    ("cs", "Stále neuhrazené faktury FV/24/00, FV/24/01, FV/24/02 a 21 dalších"),
    ("en", "Still unpaid: invoices FV/24/00, FV/24/01, FV/24/02 and 21 more"),
])
def test_a_grouped_subject_names_three_invoices_and_counts_the_rest(ledger_ctx: Ctx, lang: str, subject: str) -> None:
    c = _client(ledger_ctx, lang)
    invs = [invoice(ledger_ctx, c, f"FV/24/{i:02d}", "10.00", dt.date(2026, 2, 1) + dt.timedelta(days=i),
                    currency=CURRENCY[lang]) for i in range(24)]
    st = step(ledger_ctx, "overdue_weekly")
    msg = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, st, "g") for inv in invs])
    assert msg.subject == subject
    assert all(inv.number in msg.text for inv in invs)  # the body still lists every one


@pytest.mark.parametrize("template", ["overdue_first", "overdue_weekly", "overdue_firm", "overdue_final"])
@pytest.mark.parametrize("single", [True, False])
def test_english_payment_paragraph_stands_apart(ledger_ctx: Ctx, template: str, single: bool) -> None:
    c = _client(ledger_ctx, "en", "Smith Ltd")
    invs = [invoice(ledger_ctx, c, f"INV-{i}", "100.00", dt.date(2026, 3, 2), currency="EUR")
            for i in range(1 if single else 2)]
    st = step(ledger_ctx, template)
    text = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, st, None if single else "g") for inv in invs]).text
    assert "\n\nPlease transfer the amount" in text, text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_grouped_email_sentences_are_in_the_plural(ledger_ctx: Ctx, lang: str) -> None:
    c = _client(ledger_ctx, lang)
    invs = [invoice(ledger_ctx, c, f"FV/{i}", "100.00", dt.date(2026, 3, 2), currency=CURRENCY[lang]) for i in (1, 2)]
    singular_words = (("overdue_first", {"pl": "faktura po prostu umknęła"}),
                      ("overdue_gentle", {"pl": "w fakturze", "cs": "na faktuře", "en": "the invoice is"}),
                      ("invoice_issued", {"pl": "na fakturze", "cs": "na faktuře", "en": "on the invoice is"}))
    for template, singular in singular_words:
        st = step(ledger_ctx, template)
        msg = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, st, "g") for inv in invs])
        if lang in singular:
            assert singular[lang] not in msg.text and singular[lang] not in (msg.html or ""), template
