"""A reminder can carry a copy of the invoice; this draws a plain one-page copy with reportlab.

The copy names seller, buyer, number, dates, the total, what is paid and what is still due today,
the bank account and the variable symbol. DejaVu Sans is embedded so Polish and Czech letters print;
long legal names and addresses wrap in their column, and each party's tax id is labelled as its own
country names it (NIP, IČO / DIČ, an EU VAT id with its prefix), worded in the letter's language.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import cache

import phonenumbers
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import vat as eu_vat

from collector_app.db.models import Contractor, Firm, Invoice
from collector_app.domain.status import balance
from collector_app.domain.taxid import vat_prefix_country
from collector_app.templates.render import format_day, format_money, language_of, resources_dir

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
GREY = Color(0.37, 0.39, 0.41)
LINE = Color(0.8, 0.82, 0.85)
LABELS: dict[str, dict[str, str]] = {
    "pl": {
        "title": "Kopia faktury", "credit_note": "Kopia faktury korygującej", "seller": "Sprzedawca",
        "buyer": "Nabywca", "number": "Numer", "issued": "Data wystawienia", "due": "Termin płatności",
        "gross": "Kwota brutto", "paid": "Zapłacono", "outstanding": "Do zapłaty na dzień {day}",
        "account": "Rachunek bankowy", "reference": "Tytuł przelewu", "variable_symbol": "Symbol zmienny (VS)",
        "vat_id": "Nr VAT", "tax_no": "Nr identyfikacji podatkowej",
        "note": "Kopia informacyjna wystawiona {day}. Oryginał faktury wystawiono {issued}.",
    },
    "cs": {
        "title": "Kopie faktury", "credit_note": "Kopie opravného daňového dokladu", "seller": "Dodavatel",
        "buyer": "Odběratel", "number": "Číslo", "issued": "Datum vystavení", "due": "Datum splatnosti",
        "gross": "Celkem k úhradě", "paid": "Uhrazeno", "outstanding": "Zbývá uhradit k {day}",
        "account": "Bankovní účet", "reference": "Zpráva pro příjemce", "variable_symbol": "Variabilní symbol",
        "vat_id": "DIČ", "tax_no": "DIČ",
        "note": "Informativní kopie vytvořená {day}. Originál faktury byl vystaven {issued}.",
    },
    "en": {
        "title": "Invoice copy", "credit_note": "Credit note copy", "seller": "Seller", "buyer": "Buyer",
        "number": "Number", "issued": "Issue date", "due": "Due date", "gross": "Invoice total",
        "paid": "Paid", "outstanding": "Outstanding as of {day}", "account": "Bank account",
        "reference": "Payment reference", "variable_symbol": "Variable symbol (VS)",
        "vat_id": "VAT ID", "tax_no": "Tax ID",
        "note": "Copy for information, made on {day}. The original invoice was issued on {issued}.",
    },
}

COLUMN = 80 * mm  # each party's column; the seller's ends 10 mm before the buyer's starts
_NAME_MAX = 80  # characters of a file name's stem: far inside every file system's limit
_NOT_IN_NAME = re.compile(r"[^\w.-]+")  # \w is Unicode: Polish and Czech letters stay
_AFTER_HYPHEN = re.compile(r"(?<=[^\W\d]-)(?=[^\W\d])")  # "Handlowo-|Usługowe", not "90-|418"
_EU_VAT_PREFIX = {"GR": "EL"}  # the VAT prefix where it is not the ISO country code


@cache
def register_fonts() -> None:
    fonts = resources_dir() / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(fonts / "DejaVuSans-Bold.ttf")))


def pdf_filename(number: str) -> str:
    """ "FV/2026/03/0001" → "FV-2026-03-0001.pdf", "FA/Ž/7" → "FA-Ž-7.pdf": no path separators or characters a
    file system refuses; letters of any language stay (the SMTP transport writes such a name per RFC 2231).

    Two numbers can still give one name ("FA/1", "FA 1"): a message's attachments take `pdf_filenames`."""
    stem = _NOT_IN_NAME.sub("-", unicodedata.normalize("NFC", number))[:_NAME_MAX].strip("-._")
    return (stem or "invoice") + ".pdf"


def pdf_filenames(numbers: Sequence[str]) -> list[str]:
    """The file names of the copies attached to one message, in order and all different, also to a file
    system that ignores case: a number whose name is taken gets " (2)", " (3)"… as a saved duplicate would."""
    names: list[str] = []
    taken: set[str] = set()
    for number in numbers:
        stem = pdf_filename(number).removesuffix(".pdf")
        name, n = stem, 1
        while name.casefold() in taken:  # a stem has no spaces, so "X (2)" is never another number's stem
            n += 1
            name = f"{stem} ({n})"
        taken.add(name.casefold())
        names.append(name + ".pdf")
    return names


def invoice_pdf(firm: Firm, inv: Invoice, lang: str, today: dt.date) -> bytes:
    """One A4 page; the same inputs give the same bytes (reportlab's invariant mode)."""
    register_fonts()
    lang = language_of(lang)
    labels = LABELS[lang]
    buf = io.BytesIO()
    pdf = Canvas(buf, pagesize=A4, invariant=True)
    title = labels["credit_note" if inv.kind == "credit_note" else "title"]
    pdf.setTitle(f"{title} {inv.number}")
    pdf.setAuthor(firm.name)
    width, height = A4
    left, top = 20 * mm, height - 22 * mm
    pdf.setFont(FONT_BOLD, 18)
    for line in _wrap(f"{title} {inv.number}", FONT_BOLD, 18, width - 2 * left):
        pdf.drawString(left, top, line)
        top -= 7.5 * mm
    top += 7.5 * mm
    pdf.setStrokeColor(LINE)
    pdf.line(left, top - 5 * mm, width - left, top - 5 * mm)
    y = top - 16 * mm
    below = min(_party(pdf, left, y, labels["seller"], _firm_lines(firm, lang)),
                _party(pdf, width / 2 + 5 * mm, y, labels["buyer"], _contractor_lines(inv.contractor, lang)))
    y = min(y - 45 * mm, below - 14 * mm)

    def money(amount: Decimal) -> str:
        return format_money(amount, inv.currency, lang)

    rows = [
        (labels["number"], inv.number, False),
        (labels["issued"], format_day(inv.issue_date, lang), False),
        (labels["due"], format_day(inv.due_date, lang), False),
        (labels["gross"], money(inv.gross), False),
        (labels["paid"], money(inv.paid), False),
        (labels["outstanding"].format(day=format_day(today, lang)),
         money(max(balance(inv.gross, inv.paid), Decimal(0))), True),
    ]
    y = _table(pdf, left, y, width - 2 * left, rows)
    y -= 12 * mm
    _table(pdf, left, y, width - 2 * left, _payment_rows(firm, inv, labels))
    pdf.setFont(FONT, 8)
    pdf.setFillColor(GREY)
    pdf.drawString(left, 15 * mm, labels["note"].format(
        day=format_day(today, lang), issued=format_day(inv.issue_date, lang)
    ))
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _payment_rows(firm: Firm, inv: Invoice, labels: dict[str, str]) -> list[tuple[str, str, bool]]:
    """Account, the variable symbol a Czech payer types, the transfer title; nothing without account or symbol."""
    iban = _iban(firm.iban)
    if not iban and not inv.variable_symbol:
        return []
    rows = [(labels["account"], iban, True)] if iban else []
    if inv.variable_symbol:
        rows.append((labels["variable_symbol"], inv.variable_symbol, False))
    return [*rows, (labels["reference"], inv.number, False)]


def _party(pdf: Canvas, x: float, y: float, heading: str, lines: list[str]) -> float:
    """The heading, the name in bold, then the other lines, each wrapped to the column; the y under the last."""
    pdf.setFont(FONT, 8)
    pdf.setFillColor(GREY)
    pdf.drawString(x, y, heading.upper())
    pdf.setFillColor(Color(0, 0, 0))
    y -= 6 * mm
    for i, line in enumerate(lines):
        font, size, step = (FONT_BOLD, 10.5, 4.6 * mm) if i == 0 else (FONT, 9.5, 4.3 * mm)
        pdf.setFont(font, size)
        for part in _wrap(line, font, size, COLUMN):
            pdf.drawString(x, y, part)
            y -= step
        y -= 0.7 * mm if i == 0 else 0
    return y


def _table(pdf: Canvas, x: float, y: float, width: float, rows: list[tuple[str, str, bool]]) -> float:
    row_h = 8 * mm
    for label, value, strong in rows:
        pdf.setStrokeColor(LINE)
        pdf.line(x, y - 2.5 * mm, x + width, y - 2.5 * mm)
        pdf.setFillColor(GREY)
        pdf.setFont(FONT, 9.5)
        pdf.drawString(x, y, label)
        room = width - pdfmetrics.stringWidth(label, FONT, 9.5) - 6 * mm
        font, size = (FONT_BOLD, 11.0) if strong else (FONT, 10.0)
        while size > 6 and pdfmetrics.stringWidth(value, font, size) > room:  # a very long number stays clear
            size -= 0.5
        pdf.setFillColor(Color(0, 0, 0))
        pdf.setFont(font, size)
        pdf.drawRightString(x + width, y, value)
        y -= row_h
    return y


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines no wider than `width`: broken at spaces or after a hyphen between letters, and inside a word
    only when the word alone is wider than a line. Nothing is left out."""
    lines: list[str] = []
    line = ""
    for glue, piece in _pieces(text):
        joined = line + glue + piece if line else piece
        if pdfmetrics.stringWidth(joined, font, size) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        while len(piece) > 1 and pdfmetrics.stringWidth(piece, font, size) > width:
            cut = len(piece) - 1
            while cut > 1 and pdfmetrics.stringWidth(piece[:cut], font, size) > width:
                cut -= 1
            lines.append(piece[:cut])
            piece = piece[cut:]
        line = piece
    return [*lines, line] if line else lines


def _pieces(text: str) -> Iterator[tuple[str, str]]:
    """(glue, piece): the words of `text`, a hyphenated word in pieces joined by "" instead of " "."""
    for i, word in enumerate(text.split()):
        for j, piece in enumerate(_AFTER_HYPHEN.split(word)):
            yield (" " if i and not j else ""), piece


def tax_id_text(country: str | None, tax_id: str | None, registration_no: str | None, lang: str) -> str | None:
    """A party's tax ids as its own country names them, in the letter's language: "NIP: 5251234560" in any
    language, "IČO: 25596641 · DIČ: CZ25596641", "VAT ID: DE136695976" (pl "Nr VAT", cs "DIČ");
    None when there is nothing to print."""
    labels = LABELS[language_of(lang)]
    compact = "".join(ch for ch in tax_id or "" if ch.isalnum()).upper()
    home = (vat_prefix_country(compact) if compact else None) or (country or "").upper()
    if home == "CZ":
        return _czech_ids(compact, "".join(ch for ch in registration_no or "" if ch.isalnum()))
    if not compact:
        return None
    if home == "PL":
        return f"NIP: {tax_id}"
    prefixed = compact[:2].isalpha()
    eu = home.lower() in eu_vat.MEMBER_STATES
    if not prefixed and eu:
        compact = _EU_VAT_PREFIX.get(home, home) + compact
    return f"{labels['vat_id' if eu or prefixed else 'tax_no']}: {compact if eu or prefixed else tax_id}"


def _czech_ids(compact: str, registration_no: str) -> str | None:
    """IČO (8 digits; a company's DIČ is "CZ" + its IČO) and the DIČ when the ledger knows it is one."""
    digits = compact.removeprefix("CZ")
    ico = registration_no or (digits if len(digits) == 8 and digits.isdigit() else "")
    dic = f"CZ{digits}" if digits and (compact.startswith("CZ") or digits != ico) else ""
    parts = ([f"IČO: {ico}"] if ico else []) + ([f"DIČ: {dic}"] if dic else [])
    return " · ".join(parts) or None


def _iban(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return str(IBAN(raw).formatted)
    except SchwiftyException:
        return raw


def readable_phone(phone: str | None) -> str | None:
    """ "+48601234567" → "+48 601 234 567" for people to read; anything unparsable as it is."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))



def _firm_lines(firm: Firm, lang: str) -> list[str]:
    lines = [firm.name, firm.address or "", " ".join(p for p in (firm.postal_code, firm.city) if p),
             tax_id_text(firm.country, firm.tax_id, firm.registration_no, lang) or "",
             " · ".join(p for p in (firm.email, readable_phone(firm.phone)) if p)]
    return [line for line in lines if line]


def _contractor_lines(c: Contractor, lang: str) -> list[str]:
    lines = [c.name, c.address or "", " ".join(p for p in (c.postal_code, c.city) if p),
             tax_id_text(c.country, c.tax_id, c.registration_no, lang) or ""]
    return [line for line in lines if line]
