"""The invoice copy attached to reminders: whole legal names, the variable symbol, tax ids as their country has them."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from helpers.pdf_text import page_count, pdf_text
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from collector_app.db.models import Contractor, Firm, Invoice
from collector_app.services.invoice_pdf import FONT, FONT_BOLD, invoice_pdf, tax_id_text

DAY = dt.date(2026, 3, 20)
FIRM_NAME = "Przedsiębiorstwo Handlowo-Usługowe „Źrebię” Spółka z ograniczoną odpowiedzialnością"
BUYER_NAME = "Przedsiębiorstwo Wielobranżowe Łukasz Żółć Handel Hurtowy i Detaliczny Usługi Transportowe"
LONG_ADDRESS = "ul. Żółkiewskiego 17/3 lok. 4, Centrum Biurowe „Piotrkowska Park”, budynek C, III piętro"


def firm(**changes: object) -> Firm:
    values: dict[str, object] = dict(
        name=FIRM_NAME, tax_id="5251234560", country="PL", iban="PL61109010140000071219812874",
        address=LONG_ADDRESS, postal_code="90-418", city="Łódź", email="windykacja@zrebie.pl")
    return Firm(**{**values, **changes})


def contractor(**changes: object) -> Contractor:
    values: dict[str, object] = dict(
        name=BUYER_NAME, tax_id="8941234562", country="PL", language="pl",
        address="ul. Grzegorza Brzęczyszczykiewicza 123/45, Osiedle Przylesie, klatka schodowa B",
        postal_code="00-950", city="Warszawa")
    return Contractor(**{**values, **changes})


def invoice(buyer: Contractor, number: str = "FV/2026/02/000190", vs: str | None = None,
            currency: str = "PLN", kind: str = "invoice") -> Invoice:
    inv = Invoice(kind=kind, number=number, variable_symbol=vs, issue_date=dt.date(2026, 3, 2),
                  due_date=dt.date(2026, 3, 16), gross=Decimal("45678.90"), paid=Decimal("1000.00"), currency=currency)
    inv.contractor = buyer
    return inv


def flat(data: bytes) -> str:
    """The page's words in reading order, lines joined: a wrapped name reads as one phrase."""
    return " ".join(pdf_text(data).split())


def runs(data: bytes) -> list[tuple[float, float, str, float]]:
    """Every drawn piece of text: x, y, text and its width, measured with the font it was drawn in."""
    out: list[tuple[float, float, str, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: dict[str, object] | None, size: float) -> None:
        text = text.strip()
        if not text or font is None:
            return
        name = FONT_BOLD if "Bold" in str(font.get("/BaseFont")) else FONT
        x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
        out.append((x, y, text, pdfmetrics.stringWidth(text, name, size * tm[0])))

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return out


def test_long_names_and_addresses_wrap_in_their_columns_and_nothing_is_cut() -> None:
    data = invoice_pdf(firm(), invoice(contractor()), "pl", DAY)
    text = flat(data)
    assert "…" not in text
    assert FIRM_NAME in text and BUYER_NAME in text
    assert LONG_ADDRESS in text and "Osiedle Przylesie, klatka schodowa B" in text
    assert page_count(data) == 1
    width = A4[0]
    drawn = runs(data)
    parties = [(x, text, w) for x, y, text, w in drawn if y > A4[1] - 100 * mm and y < A4[1] - 30 * mm]
    assert any("odpowiedzialnością" in t for _, t, _ in parties)
    for x, text, w in parties:  # the seller's column ends before the buyer's begins
        right = width / 2 - 5 * mm if x < width / 2 else width - 20 * mm
        assert x + w <= right + 0.5, text
    assert all(x + w <= width - 20 * mm + 0.5 for x, _, text, w in drawn)


def test_the_tables_move_down_under_the_longer_party() -> None:
    drawn = runs(invoice_pdf(firm(), invoice(contractor()), "pl", DAY))
    lowest_party = min(y for x, y, text, _ in drawn if "Warszawa" in text or "windykacja@" in text)
    (number_row,) = [y for x, y, text, _ in drawn if text.strip() == "Numer"]
    assert number_row < lowest_party - 8 * mm


def test_the_longest_names_and_a_long_number_still_fit_one_page() -> None:
    buyer = contractor(name="Ž" * 300, address="X" * 300, city="Ł" * 100)
    data = invoice_pdf(firm(name=("Handlowo-Usługowe " * 20)[:200], address="Aleja " * 50),
                       invoice(buyer, number="KOR/" + "WM" * 30, kind="credit_note"), "cs", DAY)
    assert page_count(data) == 1
    text = "".join(pdf_text(data).split())
    assert "Ž" * 300 in text and "X" * 300 in text and "KOR/" + "WM" * 30 in text
    assert all(x >= 20 * mm - 0.5 and x + w <= A4[0] - 20 * mm + 0.5 and y > 10 * mm for x, y, _, w in runs(data))


@pytest.mark.parametrize(("lang", "label"), [
    ("cs", "Variabilní symbol 20260042"), ("pl", "Symbol zmienny (VS) 20260042"),
    ("en", "Variable symbol (VS) 20260042"),
])
def test_the_variable_symbol_is_printed_when_the_invoice_has_one(lang: str, label: str) -> None:
    buyer = contractor(name="Žluťoučký kůň s.r.o.", tax_id="25596641", country="CZ", language=lang)
    text = flat(invoice_pdf(firm(), invoice(buyer, "2026/0042", vs="20260042", currency="CZK"), lang, DAY))
    assert label in text
    assert text.index("PL61 1090 1014 0000 0712 1981 2874") < text.index(label)


def test_no_variable_symbol_row_without_one() -> None:
    text = flat(invoice_pdf(firm(), invoice(contractor(language="cs"), "2026/0042", currency="CZK"), "cs", DAY))
    assert "Variabilní symbol" not in text and "Zpráva pro příjemce 2026/0042" in text


def test_the_variable_symbol_is_printed_even_without_the_firm_s_account() -> None:
    text = flat(invoice_pdf(firm(iban=None), invoice(contractor(), "2026/0042", vs="20260042"), "cs", DAY))
    assert "Variabilní symbol 20260042" in text and "Bankovní účet" not in text


@pytest.mark.parametrize("lang", ["pl", "cs", "en"])
def test_a_polish_nip_is_a_nip_in_every_language(lang: str) -> None:
    text = flat(invoice_pdf(firm(), invoice(contractor()), lang, DAY))
    assert "NIP: 5251234560" in text and "NIP: 8941234562" in text
    assert "IČO" not in text and "Tax ID" not in text


@pytest.mark.parametrize("lang", ["pl", "cs", "en"])
def test_a_czech_buyer_has_its_ico_and_dic(lang: str) -> None:
    buyer = contractor(name="Žluťoučký kůň s.r.o.", tax_id="CZ25596641", country="CZ", language=lang)
    text = flat(invoice_pdf(firm(), invoice(buyer, currency="CZK"), lang, DAY))
    assert "IČO: 25596641 · DIČ: CZ25596641" in text and "NIP: 5251234560" in text


@pytest.mark.parametrize(("lang", "label"), [("en", "VAT ID"), ("pl", "Nr VAT"), ("cs", "DIČ")])
def test_another_eu_buyer_has_its_vat_id_with_the_country_prefix(lang: str, label: str) -> None:
    buyer = contractor(name="Dublin Widgets Limited", tax_id="IE6388047V", country="IE", language=lang)
    text = flat(invoice_pdf(firm(), invoice(buyer, currency="EUR"), lang, DAY))
    assert f"{label}: IE6388047V" in text


@pytest.mark.parametrize(("country", "tax_id", "registration_no", "lang", "shown"), [
    ("PL", "5251234560", None, "en", "NIP: 5251234560"),
    ("PL", "PL5251234560", None, "cs", "NIP: PL5251234560"),  # typed as the EU VAT id: kept so
    ("CZ", "25596641", None, "pl", "IČO: 25596641"),  # a bare 8-digit number: the IČO, the VAT status unknown
    ("CZ", "25596641", "25596641", "en", "IČO: 25596641"),
    ("CZ", "CZ25596641", None, "en", "IČO: 25596641 · DIČ: CZ25596641"),
    ("CZ", "8001011234", "12345678", "cs", "IČO: 12345678 · DIČ: CZ8001011234"),  # a person's DIČ is not the IČO
    ("CZ", None, "25596641", "cs", "IČO: 25596641"),
    ("PL", "CZ25596641", None, "pl", "IČO: 25596641 · DIČ: CZ25596641"),  # the number's prefix names the country
    ("DE", "136695976", None, "en", "VAT ID: DE136695976"),  # stored without its prefix
    ("GR", "094259216", None, "en", "VAT ID: EL094259216"),
    ("DE", "DE136695976", None, "pl", "Nr VAT: DE136695976"),
    ("GB", "GB980780684", None, "en", "VAT ID: GB980780684"),
    ("US", "12-3456789", None, "en", "Tax ID: 12-3456789"),
    ("US", "12-3456789", None, "pl", "Nr identyfikacji podatkowej: 12-3456789"),
    ("PL", None, None, "pl", None),
    ("DE", "", None, "en", None),
])
def test_tax_id_labels_follow_the_party_s_country(
        country: str, tax_id: str | None, registration_no: str | None, lang: str, shown: str | None) -> None:
    assert tax_id_text(country, tax_id, registration_no, lang) == shown
