"""A reminder can carry a copy of the invoice; this draws a plain one-page copy with reportlab.

The copy names seller, buyer, number, dates, the total, what is paid and what is still due today,
and the bank account. DejaVu Sans is embedded so Polish and Czech letters print.
"""

from __future__ import annotations

import datetime as dt
import io
import re
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

from collector_app.db.models import Contractor, Firm, Invoice
from collector_app.domain.status import balance
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
        "account": "Rachunek bankowy", "reference": "Tytuł przelewu", "tax_id": "NIP",
        "note": "Kopia informacyjna wystawiona {day}. Oryginał faktury wystawiono {issued}.",
    },
    "cs": {
        "title": "Kopie faktury", "credit_note": "Kopie opravného daňového dokladu", "seller": "Dodavatel",
        "buyer": "Odběratel", "number": "Číslo", "issued": "Datum vystavení", "due": "Datum splatnosti",
        "gross": "Celkem k úhradě", "paid": "Uhrazeno", "outstanding": "Zbývá uhradit k {day}",
        "account": "Bankovní účet", "reference": "Zpráva pro příjemce", "tax_id": "IČO/DIČ",
        "note": "Informativní kopie vytvořená {day}. Originál faktury byl vystaven {issued}.",
    },
    "en": {
        "title": "Invoice copy", "credit_note": "Credit note copy", "seller": "Seller", "buyer": "Buyer",
        "number": "Number", "issued": "Issue date", "due": "Due date", "gross": "Invoice total",
        "paid": "Paid", "outstanding": "Outstanding as of {day}", "account": "Bank account",
        "reference": "Payment reference", "tax_id": "Tax ID",
        "note": "Copy for information, made on {day}. The original invoice was issued on {issued}.",
    },
}


@cache
def register_fonts() -> None:
    fonts = resources_dir() / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(fonts / "DejaVuSans-Bold.ttf")))


def pdf_filename(number: str) -> str:
    """ "FV/2026/03/0001" → "FV-2026-03-0001.pdf": no path separators or odd characters in a file name."""
    return (re.sub(r"[^A-Za-z0-9._-]+", "-", number).strip("-.") or "invoice") + ".pdf"


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
    pdf.drawString(left, top, f"{title} {inv.number}")
    pdf.setStrokeColor(LINE)
    pdf.line(left, top - 5 * mm, width - left, top - 5 * mm)
    y = top - 16 * mm
    _party(pdf, left, y, labels["seller"], _firm_lines(firm, labels))
    _party(pdf, width / 2 + 5 * mm, y, labels["buyer"], _contractor_lines(inv.contractor, labels))
    y -= 45 * mm

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
    iban = _iban(firm.iban)
    if iban:
        y = _table(pdf, left, y, width - 2 * left, [
            (labels["account"], iban, True), (labels["reference"], inv.number, False),
        ])
    pdf.setFont(FONT, 8)
    pdf.setFillColor(GREY)
    pdf.drawString(left, 15 * mm, labels["note"].format(
        day=format_day(today, lang), issued=format_day(inv.issue_date, lang)
    ))
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _party(pdf: Canvas, x: float, y: float, heading: str, lines: list[str]) -> None:
    pdf.setFont(FONT, 8)
    pdf.setFillColor(GREY)
    pdf.drawString(x, y, heading.upper())
    pdf.setFillColor(Color(0, 0, 0))
    for i, line in enumerate(lines):
        pdf.setFont(FONT_BOLD if i == 0 else FONT, 10.5 if i == 0 else 9.5)
        pdf.drawString(x, y - (6 + 5 * i) * mm, _fit(line, FONT_BOLD if i == 0 else FONT, 10.5, 80 * mm))


def _table(pdf: Canvas, x: float, y: float, width: float, rows: list[tuple[str, str, bool]]) -> float:
    row_h = 8 * mm
    for label, value, strong in rows:
        pdf.setStrokeColor(LINE)
        pdf.line(x, y - 2.5 * mm, x + width, y - 2.5 * mm)
        pdf.setFillColor(GREY)
        pdf.setFont(FONT, 9.5)
        pdf.drawString(x, y, label)
        pdf.setFillColor(Color(0, 0, 0))
        pdf.setFont(FONT_BOLD if strong else FONT, 11 if strong else 10)
        pdf.drawRightString(x + width, y, value)
        y -= row_h
    return y


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Shorten a line with "…" so it stays in its column."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


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


def _firm_lines(firm: Firm, labels: dict[str, str]) -> list[str]:
    lines = [firm.name, firm.address or "", " ".join(p for p in (firm.postal_code, firm.city) if p)]
    if firm.tax_id:
        lines.append(f"{labels['tax_id']}: {firm.tax_id}")
    lines.append(" · ".join(p for p in (firm.email, readable_phone(firm.phone)) if p))
    return [line for line in lines if line]


def _contractor_lines(c: Contractor, labels: dict[str, str]) -> list[str]:
    lines = [c.name, c.address or "", " ".join(p for p in (c.postal_code, c.city) if p)]
    if c.tax_id:
        lines.append(f"{labels['tax_id']}: {c.tax_id}")
    return [line for line in lines if line]
