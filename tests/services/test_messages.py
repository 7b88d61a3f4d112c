"""Reminders as they leave: every template and language carries the facts, worded as of the sending day."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from helpers.ledger import at, contractor, expect_error, invoice, pay
from helpers.messages import (
    AMOUNT,
    DUE,
    IBAN,
    IBAN_SPACED,
    TEMPLATES,
    contact,
    firm,
    norm,
    outbox_row,
    sample,
    step,
)
from pypdf import PdfReader

from collector_app.db.models import Contractor
from collector_app.services.context import Ctx
from collector_app.services.messages import compose, gsm_fold, gsm_length, preview
from collector_app.services.payments import PaymentData, add_payment
from collector_app.templates.render import LANGUAGES

OVERDUE_TEMPLATES = tuple(t for t in TEMPLATES if t.startswith("overdue_"))
DAYS_OVERDUE = {"pl": "14 dni", "cs": "14 dní", "en": "14 days"}


@pytest.fixture
def ledger_ctx(ctx: Ctx) -> Ctx:
    firm(ctx)
    return ctx


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_email_carries_the_facts(ledger_ctx: Ctx, template: str, lang: str) -> None:
    s = sample(ledger_ctx, lang)
    row = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, template))
    msg = compose(ledger_ctx, [row])
    assert msg.channel == "email"
    assert msg.recipient == f"ap-{lang}@client.example"
    assert msg.outbox_ids == (row.id,)
    assert "FV/2026/02/0007" in msg.subject
    assert msg.html is not None and msg.html.startswith("<!DOCTYPE html>")
    for body in (norm(msg.text), norm(msg.html)):
        assert "FV/2026/02/0007" in body
        assert AMOUNT[lang] in body
        assert DUE[lang] in body
        assert IBAN_SPACED in body
        assert "Anna Nowak" in body
        assert "+48 601 234 567" in body
        assert "anna@alfa.example" in body
        if template in OVERDUE_TEMPLATES:
            assert DAYS_OVERDUE[lang] in body
    assert "{{" not in msg.text and "None" not in msg.text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_sms_fits_one_gsm_message(ledger_ctx: Ctx, template: str, lang: str) -> None:
    s = sample(ledger_ctx, lang)
    row = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, template, channel="sms"))
    msg = compose(ledger_ctx, [row])
    assert msg.channel == "sms" and msg.html is None and msg.attachments == ()
    assert msg.recipient.startswith("+") and msg.recipient[1:].isdigit()
    assert "FV/2026/02/0007" in msg.text
    assert gsm_fold(msg.text) == msg.text, "only GSM 03.38 characters"
    assert gsm_length(msg.text) <= 160, msg.text
    if template != "thank_you":
        assert IBAN in msg.text
        assert gsm_fold(AMOUNT[lang]).replace("\u00a0", " ") in msg.text


def test_polish_sms_is_folded_to_gsm() -> None:
    assert gsm_fold("Dziś mija termin: 1\u00a0234,56\u00a0zł – żółć") == "Dzis mija termin: 1 234,56 zl - zolc"
    assert gsm_fold("Účet, připomínáme") == "Ucet, pripominame"
    assert gsm_length("€1,00") == 6


@pytest.mark.parametrize("lang", LANGUAGES)
def test_grouped_message_lists_every_invoice(ledger_ctx: Ctx, lang: str) -> None:
    s = sample(ledger_ctx, lang)
    second = invoice(ledger_ctx, s.contractor, "FV/2026/02/0011", "100.00", dt.date(2026, 3, 9),
                     currency=s.invoice.currency)
    third = invoice(ledger_ctx, s.contractor, "FV/2026/01/0030", "50.00", dt.date(2026, 2, 20),
                    currency=s.invoice.currency)
    st = step(ledger_ctx, "overdue_weekly")
    rows = [outbox_row(ledger_ctx, inv, st, group_key="g1") for inv in (s.invoice, second, third)]
    msg = compose(ledger_ctx, rows)
    assert msg.outbox_ids == tuple(r.id for r in rows)
    text = norm(msg.text)
    for number in ("FV/2026/02/0007", "FV/2026/02/0011", "FV/2026/01/0030"):
        assert number in msg.subject
        assert number in text
        assert number in msg.html  # type: ignore[operator]
    # oldest due first; the total is per currency
    assert text.index("FV/2026/01/0030") < text.index("FV/2026/02/0007") < text.index("FV/2026/02/0011")
    total = {"pl": "1 384,56 zł", "cs": "1 384,56 Kč", "en": "€1,384.56"}[lang]
    assert total in text
    assert {"pl": "7 dni", "cs": "7 dní", "en": "7 days"}[lang] in text


CLAIMS = {"pl": ("mimo wcześniejszych przypomnień", "mimo naszych przypomnień"),
          "cs": ("přes naše dřívější upomínky", "přes naše upomínky"),
          "en": ("despite our earlier reminders", "despite our reminders")}


@pytest.mark.parametrize("template", ["overdue_firm", "overdue_final"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_earlier_reminders_are_claimed_only_when_every_invoice_had_one(ledger_ctx: Ctx, lang: str,
                                                                      template: str) -> None:
    """After a catch-up a debtor's first message can be a policy's last step: it must not speak of reminders
    that were never sent, nor claim them for an invoice of a grouped message that had none."""
    claim = CLAIMS[lang][template == "overdue_final"]
    s = sample(ledger_ctx, lang)
    st = step(ledger_ctx, template)
    first = compose(ledger_ctx, [outbox_row(ledger_ctx, s.invoice, st)])
    assert claim not in first.text.lower() and claim not in (first.html or "").lower()
    assert s.invoice.number in first.text
    earlier = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_first"))
    earlier.state = "sent"
    later = compose(ledger_ctx, [outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, template))])
    assert claim in later.text.lower() and claim in (later.html or "").lower()
    second = invoice(ledger_ctx, s.contractor, "FV/2026/02/0011", "100.00", dt.date(2026, 3, 9),
                     currency=s.invoice.currency)
    group = [outbox_row(ledger_ctx, inv, step(ledger_ctx, template), group_key="g") for inv in (s.invoice, second)]
    assert claim not in compose(ledger_ctx, group).text.lower()


def test_amounts_and_days_are_recomputed_when_sent(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "pl")
    row = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_first"))  # planned on 16 March
    pay(ledger_ctx, "234.56", dt.date(2026, 3, 17), "FV/2026/02/0007")
    later = at(ledger_ctx, dt.date(2026, 3, 18))
    text = norm(compose(later, [row]).text)
    assert "1 000,00 zł" in text
    assert "1 234,56 zł" in text  # the invoice total, beside what is left
    assert "16 dni" in text and "14 dni" not in text


def test_credit_is_mentioned_when_there_is_some(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "en")
    row = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_first"))
    assert "not yet matched" not in compose(ledger_ctx, [row]).text
    add_payment(ledger_ctx, PaymentData(
        date=dt.date(2026, 3, 10), amount=Decimal("200.00"), currency="EUR",
        contractor_id=s.contractor.id, allocations=(),
    ))
    msg = compose(ledger_ctx, [row])
    assert "We have also received €200.00 from you that is not yet matched" in norm(msg.text)
    assert "€200.00" in norm(msg.html or "")


def test_credit_in_polish_and_after_payment(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "pl")
    pay(ledger_ctx, "1300.00", dt.date(2026, 3, 15), "FV/2026/02/0007")  # 65.44 overpaid
    row = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "thank_you"))
    text = norm(compose(ledger_ctx, [row]).text)
    assert "Otrzymaliśmy też od Państwa 65,44 zł" in text
    assert "czy mamy ją zwrócić" in text


def test_header_injection_through_the_contractor_name_is_refused(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "en")
    row = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_first"))
    s.contractor.name = "Evil Ltd\r\nBcc: victim@example.com"
    with expect_error("recipient"):
        compose(ledger_ctx, [row])


def test_header_injection_through_the_subject_is_refused(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "en")
    row = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_first"))
    s.invoice.number = "FV/1\r\nBcc: victim@example.com"
    with expect_error("subject"):
        compose(ledger_ctx, [row])
    s.invoice.number = "FV/1\x00"
    with expect_error("subject"):
        compose(ledger_ctx, [row])


def test_header_injection_through_the_address_is_refused(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "en")
    row = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_first"))
    s.contractor.email = "a@b.example\nBcc: victim@example.com"
    with expect_error("recipient"):
        compose(ledger_ctx, [row])


def test_contact_person_is_the_fallback_address(ledger_ctx: Ctx) -> None:
    c = contractor(ledger_ctx, "Bez Adresu Sp. z o.o.", language="pl")
    inv = invoice(ledger_ctx, c, "FV/9", "10.00", dt.date(2026, 3, 1))
    email_row = outbox_row(ledger_ctx, inv, step(ledger_ctx, "overdue_first"))
    sms_row = outbox_row(ledger_ctx, inv, step(ledger_ctx, "overdue_first", channel="sms"))
    with expect_error("recipient"):
        compose(ledger_ctx, [email_row])
    with expect_error("recipient"):
        compose(ledger_ctx, [sms_row])
    contact(ledger_ctx, c, email="ksiegowosc@bez.example", phone="601 555 444")
    ledger_ctx.session.refresh(c)
    assert compose(ledger_ctx, [email_row]).recipient == "ksiegowosc@bez.example"
    assert compose(ledger_ctx, [sms_row]).recipient == "+48601555444"


def test_language_falls_back_to_english(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "en")
    s.contractor.language = "de"
    msg = preview(ledger_ctx, s.invoice.id, "overdue_first", "email")
    assert msg.subject.startswith("Payment reminder")


def test_invoice_copy_is_attached_when_the_step_says_so(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "pl")
    without = compose(ledger_ctx, [outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_first"))])
    assert without.attachments == ()
    row = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "invoice_issued", attach=True))
    (pdf,) = compose(ledger_ctx, [row]).attachments
    assert pdf.filename == "FV-2026-02-0007.pdf"
    assert pdf.mime == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = norm(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text())
    assert "FV/2026/02/0007" in text
    assert "Kopia faktury" in text
    assert "Termin płatności" in text and "2 marca 2026" in text
    assert "1 234,56 zł" in text
    assert IBAN_SPACED in text
    assert "Alfa Serwis Sp. z o.o." in text and "Klient PL s.r.o." in text


def test_grouped_message_attaches_one_copy_per_invoice(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "cs")
    other = invoice(ledger_ctx, s.contractor, "FV/2026/02/0012", "10.00", dt.date(2026, 3, 3), currency="CZK")
    st = step(ledger_ctx, "overdue_first", attach=True)
    msg = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, st, "g") for inv in (s.invoice, other)])
    assert [a.filename for a in msg.attachments] == ["FV-2026-02-0007.pdf", "FV-2026-02-0012.pdf"]
    text = PdfReader(io.BytesIO(msg.attachments[0].content)).pages[0].extract_text()
    assert "Kopie faktury" in text and "března" in text


def test_copies_of_numbers_that_clean_to_one_file_name_get_distinct_names(ledger_ctx: Ctx) -> None:
    """"FA/1" and "FA 1" are two numbers of the ledger (only kind + number is unique) but one cleaned name."""
    s = sample(ledger_ctx, "en")
    invs = [invoice(ledger_ctx, s.contractor, number, "10.00", dt.date(2026, 3, 3), currency="EUR")
            for number in ("FA/1", "FA 1")]
    msg = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, step(ledger_ctx, "overdue_first", attach=True), "g")
                               for inv in invs])
    assert [a.filename for a in msg.attachments] == ["FA-1.pdf", "FA-1 (2).pdf"]


def test_preview_renders_unsaved_template_text(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "en")
    source = "{% block subject %}Hi {{ invoice.number }}{% endblock %}{% block text %}{{ p.total() }}{% endblock %}"
    msg = preview(ledger_ctx, s.invoice.id, "draft", "email", source=source)
    assert msg.subject == "Hi FV/2026/02/0007"
    assert msg.text == "€1,234.56\n"
    assert msg.outbox_ids == ()
    with expect_error("template"):
        preview(ledger_ctx, s.invoice.id, "draft", "email",
                source="{% block subject %}{{ ''.__class__.__mro__ }}{% endblock %}")


def test_rows_of_different_contractors_are_not_one_message(ledger_ctx: Ctx) -> None:
    a, b = sample(ledger_ctx, "pl"), sample(ledger_ctx, "cs", number="FV/X/1")
    st = step(ledger_ctx, "overdue_first")
    with pytest.raises(ValueError, match="contractor"):
        compose(ledger_ctx, [outbox_row(ledger_ctx, a.invoice, st), outbox_row(ledger_ctx, b.invoice, st)])


def test_no_firm_is_a_user_error(ctx: Ctx) -> None:
    c: Contractor = contractor(ctx, "X", email="x@x.example")
    inv = invoice(ctx, c, "FV/1", "10.00", dt.date(2026, 3, 1))
    with expect_error("firm"):
        preview(ctx, inv.id, "overdue_first", "email")


def test_html_escapes_what_comes_from_the_ledger(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "en")
    s.invoice.number = "FV<b>1</b>&2"
    msg = preview(ledger_ctx, s.invoice.id, "overdue_first", "email")
    assert "FV&lt;b&gt;1&lt;/b&gt;&amp;2" in (msg.html or "")
    assert "FV<b>1</b>&2" in msg.text
    assert not re.search(r"<b>1", msg.html or "")


def test_grouped_sms_names_every_invoice_and_the_total(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "pl")
    other = invoice(ledger_ctx, s.contractor, "FV/2026/02/0012", "10.00", dt.date(2026, 3, 3))
    st = step(ledger_ctx, "overdue_first", channel="sms")
    msg = compose(ledger_ctx, [outbox_row(ledger_ctx, inv, st, "g") for inv in (s.invoice, other)])
    assert "FV/2026/02/0007, FV/2026/02/0012" in msg.text
    assert "1 244,56 zl" in msg.text
    assert msg.recipient == "+48601987654"


def test_a_letter_goes_to_the_postal_address(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "pl")
    row = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_final", channel="letter"))
    with expect_error("recipient"):
        compose(ledger_ctx, [row])
    s.contractor.address, s.contractor.postal_code, s.contractor.city = "ul. Polna 1", "30-001", "Kraków"
    msg = compose(ledger_ctx, [row])
    assert msg.recipient == "Klient PL s.r.o., ul. Polna 1, 30-001 Kraków"
    assert msg.html is None and "FV/2026/02/0007" in msg.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_firms_tax_id_is_labelled_as_its_country_has_it_in_every_language(ledger_ctx: Ctx, lang: str) -> None:
    """A Polish firm's NIP is "NIP" in a Czech or English e-mail too, not "IČO/DIČ" or a bare "VAT ID"."""
    s = sample(ledger_ctx, lang)
    msg = compose(ledger_ctx, [outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_first"))])
    assert msg.html is not None and "NIP: 5260250274" in msg.html  # the HTML part's footer
    assert "IČO/DIČ 5260250274" not in msg.html and "VAT ID 5260250274" not in msg.html


def test_a_czech_message_asks_for_the_variable_symbol_not_the_invoice_number_as_one(ledger_ctx: Ctx) -> None:
    """A variable symbol is digits only: "FV2026-0101" cannot be one. A Czech reminder for an invoice with a
    symbol asks for that symbol; without one (or for several invoices) the numbers go into the message."""
    s = sample(ledger_ctx, "cs")
    s.invoice.variable_symbol = "20260101"
    msg = compose(ledger_ctx, [outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_first"))])
    for text in (norm(msg.text), norm(msg.html or "")):
        assert "jako variabilní symbol uveďte 20260101" in text and "nebo zprávu pro příjemce" not in text
    s.invoice.variable_symbol = None
    msg = compose(ledger_ctx, [outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_firm"))])
    assert "do zprávy pro příjemce uveďte číslo faktury" in norm(msg.text)
