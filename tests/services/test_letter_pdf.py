"""The letter's layout: what a reader finds on the pages, page breaks, languages and the scannable code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import Decimal

from helpers.pdf_text import decode_qr, page_count, pdf_text
from PIL import Image

from collector_app.domain.payment_qr import Payee, PaymentRequest, payment_string
from collector_app.services.letter_pdf import Letter, LetterRow, Party, draw_letters, letter_pdf

DAY = dt.date(2026, 3, 16)
LONG_NAME = "Przedsiębiorstwo Handlowo-Usługowe Omega Handel i Usługi Budowlane spółka z ograniczoną " \
            "odpowiedzialnością spółka komandytowa"


def flat(text: str) -> str:
    """Lines joined: a phrase may wrap or be drawn in two pieces."""
    return " ".join(text.split())


def rows(n: int) -> tuple[LetterRow, ...]:
    return tuple(LetterRow(f"FV/2026/{i:04d}", dt.date(2026, 1, 2), dt.date(2026, 1, 16), Decimal("1234.50"),
                           Decimal("234.50"), Decimal("1000.00"), 59, Decimal("17.77")) for i in range(1, n + 1))


def letter(n: int = 3, *, kind: str = "demand", lang: str = "pl", currency: str = "PLN",
           iban: str = "PL61109010140000071219812874", **changes: object) -> Letter:
    table = rows(n)
    principal, interest, comp = Decimal(1000) * n, Decimal("17.77") * n, Decimal("170.00") * n
    total = principal + interest + comp
    qr = payment_string(Payee("Nasza Firma", iban, "5260250274"),
                        PaymentRequest(currency, total, tuple(r.number for r in table), "WZ/2026/03/0007"))
    base = Letter(
        kind=kind, lang=lang, law="PL", number="WZ/2026/03/0007", date=DAY, deadline=dt.date(2026, 3, 23),
        place="Warszawa", currency=currency,
        firm=Party("Nasza Firma", ("ul. Prosta 1", "00-001 Warszawa"), "5260250274"),
        firm_contact="biuro@nasza.pl", signatory="Anna Nowak", iban="PL61 1090 1014 0000 0712 1981 2874",
        debtor=Party(LONG_NAME, ("ul. Długa 12", "30-001 Kraków"), "7010010191"), rows=table,
        principal=principal, interest=interest, compensation=comp, total=total, payment_title="FV/2026/0001",
        qr=qr,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_short_letter_is_one_page_with_everything_a_reader_needs() -> None:
    data = letter_pdf(letter(3))
    assert page_count(data) == 1
    text = flat(pdf_text(data))
    for part in ("Nasza Firma", "NIP 5260250274", "Warszawa, 16 marca 2026", "Nasz znak: WZ/2026/03/0007",
                 "WEZWANIE DO ZAPŁATY", "FV/2026/0001", "FV/2026/0003", "1 234,50", "3 000,00 zł", "53,31 zł",
                 "510,00 zł", "3 563,31 zł", "23 marca 2026", "PL61 1090 1014 0000 0712 1981 2874", "Z poważaniem",
                 "Anna Nowak", "Strona 1 z 1"):
        assert part in text, part
    assert "spółka komandytowa" in text  # the long name wraps, it is not cut


def test_thirty_invoices_continue_on_a_second_page_under_the_same_header() -> None:
    data = letter_pdf(letter(30))
    assert page_count(data) == 2
    text = pdf_text(data)
    assert all(f"FV/2026/{i:04d}" in text for i in range(1, 31))
    assert text.count("Pozostało") == 2  # the table header on both pages
    assert "ciąg dalszy" in text and "Strona 1 z 2" in text and "Strona 2 z 2" in text


def test_czech_letter_in_crowns_with_a_spayd_code() -> None:
    let = letter(2, kind="final", lang="cs", currency="CZK", iban="CZ6508000000192000145399")
    data = letter_pdf(let)
    text = pdf_text(data)
    assert "PŘEDŽALOBNÍ VÝZVA K ÚHRADĚ" in text
    assert "2 000,00 Kč" in text and "23. března 2026" in text and "16. 1. 2026" in text
    assert "žalobu" in text
    assert decode_qr(data) == [let.qr]


def test_english_letter_in_euro_with_an_epc_code() -> None:
    let = letter(1, kind="reminder", lang="en", currency="EUR", iban="DE89370400440532013000")
    data = letter_pdf(let)
    text = pdf_text(data)
    assert "PAYMENT REMINDER" in text and "€1,000.00" in text and "23 March 2026" in text
    [code] = decode_qr(data)
    assert code == let.qr and code.split("\n")[7] == "EUR1187.77"


def test_an_interest_note_lists_the_payment_dates() -> None:
    table = tuple(dataclasses.replace(r, outstanding=Decimal(0), paid_on=dt.date(2026, 3, 1)) for r in rows(2))
    text = pdf_text(letter_pdf(letter(2, kind="interest-note", rows=table)))
    assert "NOTA ODSETKOWA" in text and "Data zapłaty" in text and "01.03.2026" in text


def test_above_the_zbp_limit_the_reader_is_told_to_type_the_amount() -> None:
    text = flat(pdf_text(letter_pdf(letter(3, qr_has_amount=False))))
    assert "kwotę prosimy wpisać ręcznie" in text


def test_the_same_letter_gives_the_same_bytes_and_a_logo_is_drawn() -> None:
    image = io.BytesIO()
    Image.new("RGB", (120, 40), (30, 60, 120)).save(image, "PNG")
    with_logo = letter(2, logo=image.getvalue())
    assert letter_pdf(with_logo) == letter_pdf(with_logo)
    assert len(letter_pdf(with_logo)) > len(letter_pdf(letter(2)))
    assert pdf_text(letter_pdf(letter(2, logo=b"not an image"))).count("WZ/2026/03/0007") >= 1


def test_letters_print_together_each_with_its_own_pages() -> None:
    data = draw_letters([letter(30), letter(1, lang="en")])
    assert page_count(data) == 3
    text = pdf_text(data)
    assert "Strona 2 z 2" in text and "Page 1 of 1" in text
