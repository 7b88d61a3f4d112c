"""Every shipped template, in every language, reads right for one invoice and for many, with and without credit.

One ledger for the module: per language a contractor for each scenario (how many invoices, whether there is
credit), and every template composed from it as an e-mail and as an SMS. The checks are about form: no
placeholder or empty value shows, no doubled space or blank-line run, singular and plural agree with the
number of invoices, a long list of numbers is cut to three and "and N more" in the language's plural.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.ledger import contractor, invoice, pay
from helpers.messages import TEMPLATES, firm, outbox_row, step

from collector_app.db.engine import open_ledger
from collector_app.db.models import Invoice, Outbox, PolicyStep
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.services.messages import Message, compose, gsm_fold
from collector_app.services.payments import PaymentData, add_payment
from collector_app.templates.render import LANGUAGES, format_day, format_money

TODAY = dt.date(2026, 3, 16)
SIZES = (1, 2, 4, 6, 8, 25)
CURRENCY = {"pl": "PLN", "cs": "CZK", "en": "EUR"}
PHONE = {"pl": "601 987 654", "cs": "602 123 456", "en": "085 123 4567"}
COUNTRY = {"pl": "PL", "cs": "CZ", "en": "IE"}
# "… and N more" after three numbers, by language and grammatical case, for the N of SIZES
MORE = {
    ("pl", "nom"): {1: "i 1 inna", 3: "i 3 inne", 5: "i 5 innych", 22: "i 22 inne"},
    ("pl", "acc"): {1: "i 1 inną", 3: "i 3 inne", 5: "i 5 innych", 22: "i 22 inne"},
    ("pl", "gen"): {1: "i 1 innej", 3: "i 3 innych", 5: "i 5 innych", 22: "i 22 innych"},
    ("cs", "nom"): {1: "a 1 další", 3: "a 3 další", 5: "a 5 dalších", 22: "a 22 dalších"},
    ("cs", "gen"): {1: "a 1 další", 3: "a 3 dalších", 5: "a 5 dalších", 22: "a 22 dalších"},
    ("en", "nom"): {n: f"and {n} more" for n in (1, 3, 5, 22)},
}
# where the numbers stand in another case than the nominative ("termin płatności faktur …")
SUBJECT_CASE = {("pl", "before_due"): "gen", ("pl", "due_today"): "gen", ("cs", "before_due"): "gen"}
SMS_CASE = {("pl", "before_due"): "acc", ("pl", "due_today"): "gen", ("pl", "thank_you"): "gen",
            ("cs", "before_due"): "gen", ("cs", "thank_you"): "gen"}
# a singular noun right before an invoice number, wrong in a message about several (and the plural in one about one)
SINGULAR = {"pl": r"\b(faktura|fakturę|fakturą) FV", "cs": r"\b(faktura|fakturu|faktuře) FV", "en": r"(?i)\binvoice FV"}
PLURAL = {"pl": r"\bfaktur FV", "cs": r"\bfaktur FV", "en": r"(?i)\binvoices FV"}
SINGULAR_VERBS = {"pl": (" jest po terminie", " jest jeszcze otwarta", "nadal nieopłacona,",
                         " mija termin płatności faktury"),
                  "cs": (" je po splatnosti", " je ještě otevřená", " je stále neuhrazena", " je splatná"),
                  "en": (" is overdue", " is still", " is due", " was due")}
CALLED_RECEIVED = ("resztę już otrzymaliśmy", "the rest is paid", "zbytek jsme již obdrželi")
LABEL = re.compile(r"^[^\W\d][\w ]{0,19}:\s+")  # "Termin płatności: " – the aligned labels of the invoice box


@dataclass(frozen=True)
class Scenario:
    lang: str
    size: int
    credit: bool
    invoices: tuple[Invoice, ...]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ctx, dict[tuple[str, int, bool], Scenario]]]:
    ledger = open_ledger(Path(tmp_path_factory.mktemp("every_template")) / "ledger.db")
    try:
        with ledger.transaction() as s:
            ctx = Ctx(s, FixedClock(TODAY, dt.time(10, 0)), "tester")
            firm(ctx)
            scenarios = {(lang, size, credit): _scenario(ctx, lang, size, credit)
                         for lang in LANGUAGES for size in SIZES for credit in (False, True)}
            yield ctx, scenarios
    finally:
        ledger.close()


def _scenario(ctx: Ctx, lang: str, size: int, credit: bool) -> Scenario:
    key = f"{lang.upper()}{size}{'C' if credit else ''}"
    c = contractor(ctx, f"Klient {key} s.r.o.", country=COUNTRY[lang], language=lang,
                   email=f"{key.lower()}@client.example", phone=PHONE[lang])
    cur = CURRENCY[lang]
    invs = tuple(invoice(ctx, c, f"FV/{key}/{i:02d}", f"{1000 + 10 * i}.00", dt.date(2026, 2, 2) + dt.timedelta(days=i),
                         currency=cur) for i in range(size))
    if credit:
        first = invs[0].number
        invoice(ctx, c, f"KOR/{key}/1", "150.00", dt.date(2026, 2, 2), currency=cur, credit_note_for=first)
        pay(ctx, "100.00", dt.date(2026, 3, 10), first, currency=cur)
        add_payment(ctx, PaymentData(date=dt.date(2026, 3, 11), amount=Decimal("200.00"), currency=cur,
                                     contractor_id=c.id, allocations=()))
        settled = invoice(ctx, c, f"FV/{key}/X", "100.00", dt.date(2026, 3, 1), currency=cur)
        invoice(ctx, c, f"KOR/{key}/2", "130.00", dt.date(2026, 3, 1), currency=cur, credit_note_for=settled.number)
    return Scenario(lang, size, credit, invs)


def _compose(ctx: Ctx, sc: Scenario, template: str, channel: str) -> Message:
    st = ctx.session.query(PolicyStep).filter_by(template=template, channel=channel).first() or step(
        ctx, template, channel=channel)
    group = f"{sc.lang}-{sc.size}-{sc.credit}-{template}-{channel}" if sc.size > 1 else None
    rows = list(ctx.session.query(Outbox).filter_by(step_id=st.id, group_key=group).filter(
        Outbox.invoice_id.in_([inv.id for inv in sc.invoices])))
    if not rows:
        rows = [outbox_row(ctx, inv, st, group) for inv in sc.invoices]
    return compose(ctx, rows)


def _clean(text: str, where: str) -> None:
    """No placeholder or empty value, no doubled space, no blank-line run, no stray space before punctuation."""
    for bad in ("{{", "}}", "{%", "%}", "None", "[]", "()", "( ", " )", " ,", " .", ",,", "..", " ;", ";;", ": ,"):
        assert bad not in text, f"{where}: {bad!r} in\n{text}"
    assert "\n\n\n" not in text, f"{where}: a run of blank lines in\n{text}"
    for line in text.split("\n"):
        assert line == line.rstrip(), f"{where}: trailing space in {line!r}"
        body = LABEL.sub("", line.replace("\u00a0", " ").replace("\u202f", " "))
        assert "  " not in body.strip(), f"{where}: a doubled space in {line!r}"


def _visible(html: str) -> str:
    """The HTML's text as a reader sees it: tags gone, whitespace runs as one space."""
    text = re.sub(r"</?(?:strong|small|span|a|b|em)\b[^>]*>", "", html)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text.replace("&nbsp;", " ")).strip()


def _more(lang: str, case: str, size: int) -> str | None:
    return MORE[(lang, case if (lang, case) in MORE else "nom")][size - 3] if size > 3 else None


@pytest.mark.parametrize("credit", [False, True], ids=["plain", "credit"])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_email_reads_right(world: tuple[Ctx, dict[tuple[str, int, bool], Scenario]], lang: str, template: str,
                           size: int, credit: bool) -> None:
    ctx, scenarios = world
    sc = scenarios[(lang, size, credit)]
    msg = _compose(ctx, sc, template, "email")
    where = f"{lang}/{template} × {size}{' with credit' if credit else ''}"
    _clean(msg.subject, where + " subject")
    _clean(msg.text, where + " text")
    assert msg.html is not None
    visible = _visible(msg.html)
    for bad in ("{{", "{%", "None", "()", " ,", " .", "..", "( "):
        assert bad not in visible, f"{where} html: {bad!r} in\n{visible}"
    numbers = [inv.number for inv in sc.invoices]
    # the subject names at most three numbers, then "and N more" in the right plural
    assert [n for n in numbers if n in msg.subject] == numbers[:3], msg.subject
    more = _more(lang, SUBJECT_CASE.get((lang, template), "nom"), size)
    if more:
        assert msg.subject.endswith(more) or f"{more} " in msg.subject, f"{where}: {more!r} not in {msg.subject!r}"
    # the body lists every invoice and agrees in number with how many there are
    for number in numbers:
        assert number in msg.text and number in visible
    for body in (msg.subject, msg.text, visible):
        if size > 1:
            assert not re.search(SINGULAR[lang], body), f"{where}: singular in\n{body}"
        else:
            assert not re.search(PLURAL[lang], body), f"{where}: plural in\n{body}"
    if size > 1 and template != "thank_you":
        total = format_money(sum((inv.gross for inv in sc.invoices), Decimal(0)) - (Decimal(250) if credit else 0),
                             CURRENCY[lang], lang)
        assert total in msg.text, f"{where}: total {total} missing"
    for called in CALLED_RECEIVED:
        assert called not in msg.text


@pytest.mark.parametrize("credit", [False, True], ids=["plain", "credit"])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_sms_reads_right(world: tuple[Ctx, dict[tuple[str, int, bool], Scenario]], lang: str, template: str,
                         size: int, credit: bool) -> None:
    ctx, scenarios = world
    sc = scenarios[(lang, size, credit)]
    sms = _compose(ctx, sc, template, "sms").text
    where = f"{lang}/{template} SMS × {size}"
    _clean(sms, where)
    assert "\n" not in sms
    numbers = [inv.number for inv in sc.invoices]
    assert [n for n in numbers if n in sms] == numbers[:3], sms
    more = _more(lang, SMS_CASE.get((lang, template), "nom"), size)
    if more:
        assert gsm_fold(more) in sms, f"{where}: {gsm_fold(more)!r} not in {sms!r}"
    if size > 1:
        assert not re.search(SINGULAR[lang], sms), f"{where}: singular in {sms!r}"
        for verb in SINGULAR_VERBS[lang]:
            assert gsm_fold(verb) not in sms, f"{where}: {verb!r} in {sms!r}"
        # a date, when there is one, is the earliest due date: never a later invoice's
        for inv in sc.invoices[1:]:
            for style in ("short", "medium", "long"):
                assert gsm_fold(format_day(inv.due_date, lang, style)) not in sms, f"{where}: {inv.due_date} in {sms!r}"
    else:
        assert not re.search(PLURAL[lang], sms), f"{where}: plural in {sms!r}"
    if template != "thank_you":
        total = format_money(sum((inv.gross for inv in sc.invoices), Decimal(0)) - (Decimal(250) if credit else 0),
                             CURRENCY[lang], lang)
        assert gsm_fold(total).replace("\u00a0", " ") in sms.replace("\u00a0", " "), f"{where}: no total in {sms!r}"
