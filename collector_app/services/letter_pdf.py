"""Draws a dunning letter (reminder, demand, final demand, interest note) as an A4 PDF with reportlab.

The letter's values arrive computed (services/letters.py gathers them); this module only lays them
out: letterhead, addressee, register number, place and date, the invoice table (continued on the
next page with its header repeated), totals, deadline, payment details with a QR code drawn as
vector modules, signature block, and "page n of m" footers. Wording per kind and language is data
in resources/letters/<lang>.json.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

import segno
from babel.dates import format_date
from babel.numbers import format_decimal
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from collector_app.services.invoice_pdf import FONT, FONT_BOLD, register_fonts
from collector_app.templates.render import format_day, format_money, language_of, locale_for, resources_dir

BLACK = Color(0.1, 0.11, 0.12)
GREY = Color(0.38, 0.4, 0.42)
RULE = Color(0.72, 0.74, 0.77)
SHADE = Color(0.93, 0.94, 0.95)
ACCENT = Color(0.12, 0.2, 0.33)
WIDTH, HEIGHT = A4
LEFT, RIGHT = 22 * mm, WIDTH - 20 * mm
TEXT_W = RIGHT - LEFT
BOTTOM = 20 * mm  # content stops here; the footer sits below
BODY, LEADING = 9.2, 12.4
ROW_H = 5.4 * mm
TABLE_FONT = 7.6
PAYMENT_H = 36 * mm
SIGNATURE_H = 23 * mm


@dataclass(frozen=True, slots=True)
class Party:
    """A letter's sender or addressee: name, address lines and tax id."""

    name: str
    lines: tuple[str, ...] = ()
    tax_id: str | None = None


@dataclass(frozen=True, slots=True)
class LetterRow:
    """One invoice of the table, with the amounts as of the letter's date."""

    number: str
    issue_date: dt.date
    due_date: dt.date
    gross: Decimal
    paid: Decimal
    outstanding: Decimal
    days: int
    interest: Decimal
    paid_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class FxNote:
    """Compensation the law names in another currency, and the rate it was converted at."""

    amount: Decimal
    currency: str
    rate: Decimal
    day: dt.date


@dataclass(frozen=True, slots=True)
class Letter:
    kind: str  # reminder | demand | final | interest-note
    lang: str
    law: str  # PL | CZ | EU: whose late-payment law the wording cites
    number: str
    date: dt.date
    deadline: dt.date
    place: str | None
    currency: str
    firm: Party
    firm_contact: str | None
    signatory: str | None
    iban: str | None
    debtor: Party
    rows: tuple[LetterRow, ...]
    principal: Decimal
    interest: Decimal
    compensation: Decimal
    total: Decimal
    payment_title: str
    qr: str | None = None
    qr_has_amount: bool = True
    variable_symbol: str | None = None  # a CZK letter's, as its QR code gives it: typed by hand it must be the same
    reminded: bool = True  # every invoice was reminded of before: a final demand may say so
    logo: bytes | None = None
    fx: tuple[FxNote, ...] = ()


@cache
def wording(lang: str) -> dict[str, Any]:
    """resources/letters/<lang>.json: titles, paragraphs per kind, the law cited, labels."""
    path = resources_dir() / "letters" / f"{language_of(lang)}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=8192)
def number(amount: Decimal, lang: str) -> str:
    """ "1 234,50" / "1,234.50": an amount for a table whose heading names the currency."""
    return str(format_decimal(amount, "#,##0.00", locale=locale_for(lang)))


_TABLE_DAY = {"pl": "dd.MM.yyyy", "cs": "d. M. yyyy", "en": "dd/MM/yyyy"}


@lru_cache(maxsize=4096)
def table_day(day: dt.date, lang: str) -> str:
    """ "01.03.2026", "1. 3. 2026", "01/03/2026": dates in the invoice table."""
    return str(format_date(day, _TABLE_DAY.get(lang, _TABLE_DAY["en"]), locale=locale_for(lang)))


Op = tuple[Any, ...]


class _Pages:
    """Drawing operations collected per page, so footers can say "page n of m" when drawn."""

    def __init__(self) -> None:
        self.pages: list[list[Op]] = [[]]
        self.y = 0.0

    def text(self, x: float, y: float, s: str, font: str = FONT, size: float = BODY,
             color: Color = BLACK, align: str = "l") -> None:
        self.pages[-1].append(("t", x, y, s, font, size, color, align))

    def line(self, x1: float, y1: float, x2: float, y2: float, color: Color = RULE, width: float = 0.5) -> None:
        self.pages[-1].append(("l", x1, y1, x2, y2, color, width))

    def rect(self, x: float, y: float, w: float, h: float, fill: Color | None, stroke: Color | None = None) -> None:
        self.pages[-1].append(("r", x, y, w, h, fill, stroke))

    def add(self, op: Op) -> None:
        self.pages[-1].append(op)


def letter_pdf(letter: Letter) -> bytes:
    """The letter's PDF; the same Letter gives the same bytes (reportlab's invariant mode)."""
    return draw_letters([letter])


def draw_letters(letters: Sequence[Letter]) -> bytes:
    """One or more letters in one PDF (a batch's print file); each keeps its own page numbering."""
    register_fonts()
    buf = io.BytesIO()
    pdf = Canvas(buf, pagesize=A4, invariant=True)
    first = letters[0]
    title = wording(first.lang)["title"][first.kind]
    pdf.setTitle(f"{title} {first.number}" if len(letters) == 1 else f"{title} ({len(letters)})")
    pdf.setAuthor(first.firm.name)
    for letter in letters:
        words = wording(letter.lang)
        out = _Pages()
        _first_page_head(out, letter, words)
        _body(out, letter, words)
        for index, ops in enumerate(out.pages, start=1):
            _draw(pdf, ops)
            _draw(pdf, _footer_ops(letter, words, index, len(out.pages)))
            pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _footer_ops(letter: Letter, words: dict[str, Any], index: int, total: int) -> list[Op]:
    y = 14 * mm
    left = " · ".join(p for p in (letter.firm.name, letter.iban) if p)
    page = words["labels"]["page"].format(page=index, pages=total)
    return [
        ("l", LEFT, y + 3.5 * mm, RIGHT, y + 3.5 * mm, RULE, 0.4),
        ("t", LEFT, y, _fit(left, FONT, 7, TEXT_W - 48 * mm), FONT, 7, GREY, "l"),
        ("t", RIGHT, y, f"{letter.number} · {page}", FONT, 7, GREY, "r"),
    ]


# --- the first page: letterhead, place and date, reference, addressee, title ---------------

def _first_page_head(out: _Pages, letter: Letter, words: dict[str, Any]) -> None:
    labels = words["labels"]
    top = HEIGHT - 18 * mm
    logo_w = 0.0
    if letter.logo:
        logo_w = _logo(out, letter.logo, RIGHT, HEIGHT - 13 * mm)
    name_w = TEXT_W - (logo_w + 8 * mm if logo_w else 0)
    size = _shrink(letter.firm.name, FONT_BOLD, 14, 10, name_w)
    out.text(LEFT, top, _fit(letter.firm.name, FONT_BOLD, size, name_w), FONT_BOLD, size, ACCENT)
    details = [", ".join(letter.firm.lines)] if letter.firm.lines else []
    if letter.firm.tax_id:
        details.append(f"{labels['tax_id']} {letter.firm.tax_id}")
    if letter.firm_contact:
        details.append(letter.firm_contact)
    y = top - 5.2 * mm
    for line in details:
        out.text(LEFT, y, _fit(line, FONT, 8.3, name_w), FONT, 8.3, GREY)
        y -= 3.9 * mm
    rule_y = min(y, HEIGHT - 33 * mm) - 1 * mm
    out.line(LEFT, rule_y, RIGHT, rule_y, ACCENT, 0.8)

    y = rule_y - 7.5 * mm
    day = format_day(letter.date, letter.lang)
    out.text(RIGHT, y, f"{letter.place}, {day}" if letter.place else day, FONT, BODY, BLACK, "r")
    out.text(LEFT, y, f"{labels['ref']}: ", FONT, 8.5, GREY)
    out.text(LEFT + stringWidth(f"{labels['ref']}: ", FONT, 8.5), y, letter.number, FONT_BOLD, 8.5)

    x = LEFT + 95 * mm
    y -= 11 * mm
    size, lines = _name_lines(letter.debtor.name, RIGHT - x)
    for line in lines:
        out.text(x, y, line, FONT_BOLD, size)
        y -= size * 0.47 * mm
    for line in letter.debtor.lines:
        out.text(x, y, _fit(line, FONT, 10, RIGHT - x), FONT, 10)
        y -= 4.6 * mm
    if letter.debtor.tax_id:
        out.text(x, y, f"{labels['tax_id']} {letter.debtor.tax_id}", FONT, 9, GREY)
        y -= 4.6 * mm

    y = min(y - 7 * mm, HEIGHT - 80 * mm)
    title = words["title"][letter.kind].upper()
    for line in simpleSplit(title, FONT_BOLD, 13.5, TEXT_W):
        out.text(WIDTH / 2 + 1 * mm, y, line, FONT_BOLD, 13.5, ACCENT, "c")
        y -= 6.5 * mm
    out.y = y - 2.5 * mm


def _name_lines(name: str, width: float) -> tuple[float, list[str]]:
    """A long name in full: smaller type before more than four lines, never cut."""
    for size in (10.5, 9.5, 8.5):
        lines = simpleSplit(name, FONT_BOLD, size, width)
        if len(lines) <= 4:
            break
    return size, lines


def _logo(out: _Pages, data: bytes, right: float, top: float) -> float:
    """The firm's logo in the top-right corner, at most 45 × 17 mm; returns the width used."""
    try:
        image = ImageReader(io.BytesIO(data))
        iw, ih = image.getSize()
    except Exception:  # a logo that is not a readable image is left out, never a broken letter
        return 0.0
    if not iw or not ih:
        return 0.0
    scale = min(45 * mm / iw, 17 * mm / ih)
    w, h = iw * scale, ih * scale
    out.add(("i", data, right - w, top - h, w, h))
    return float(w)


# --- the body ------------------------------------------------------------------------------

def _body(out: _Pages, letter: Letter, words: dict[str, Any]) -> None:
    values = _values(letter, words)
    _paragraph(out, words["salutation"], letter, words)
    intro = letter.kind if letter.reminded or letter.kind != "final" else "final-unreminded"
    _paragraph(out, words["intro"][intro].format(**values), letter, words)
    _table(out, letter, words)
    _totals(out, letter, words)
    _paragraph(out, words["deadline"][letter.kind].format(**values), letter, words)
    consequence = words["consequence"][letter.kind].format(**values)
    if consequence:
        _paragraph(out, consequence, letter, words, font=FONT_BOLD if letter.kind == "final" else FONT)
    contact = words["contact"].format(contact=letter.firm_contact) if letter.firm_contact else ""
    # The closing goes over together: never a signature alone on a page.
    _need(out, len(_wrap(contact, FONT, BODY, TEXT_W)) * LEADING + PAYMENT_H + 6 * mm + SIGNATURE_H, letter, words)
    if contact:
        _paragraph(out, contact, letter, words)
    _payment(out, letter, words)
    _signature(out, letter, words)


def _values(letter: Letter, words: dict[str, Any]) -> dict[str, str]:
    def money(amount: Decimal) -> str:
        return format_money(amount, letter.currency, letter.lang)

    return {
        "firm": letter.firm.name, "total": money(letter.total), "principal": money(letter.principal),
        "interest": money(letter.interest), "compensation": money(letter.compensation),
        "date": format_day(letter.date, letter.lang), "deadline": format_day(letter.deadline, letter.lang),
        "law": words["law"][letter.law], "count": str(len(letter.rows)),
    }


def _need(out: _Pages, height: float, letter: Letter, words: dict[str, Any]) -> None:
    if out.y - height < BOTTOM:
        _new_page(out, letter, words)


def _new_page(out: _Pages, letter: Letter, words: dict[str, Any]) -> None:
    out.pages.append([])
    top = HEIGHT - 15 * mm
    out.text(LEFT, top, _fit(letter.firm.name, FONT_BOLD, 9, TEXT_W - 80 * mm), FONT_BOLD, 9, ACCENT)
    labels = words["labels"]
    out.text(RIGHT, top, f"{labels['ref']}: {letter.number} ({labels['continued']})", FONT, 8, GREY, "r")
    out.line(LEFT, top - 2.5 * mm, RIGHT, top - 2.5 * mm, ACCENT, 0.6)
    out.y = top - 11 * mm


def _paragraph(out: _Pages, text: str, letter: Letter, words: dict[str, Any], font: str = FONT) -> None:
    lines = _wrap(text, font, BODY, TEXT_W)
    for i, line in enumerate(lines):
        # Keep at least two lines together at a page break.
        _need(out, LEADING * (2 if i == 0 and len(lines) > 1 else 1), letter, words)
        out.text(LEFT, out.y, line, font, BODY)
        out.y -= LEADING
    out.y -= 1.8 * mm


def _columns(letter: Letter, words: dict[str, Any]) -> list[tuple[str, float, str]]:
    """(key, width, alignment); the invoice number takes what the others leave."""
    if letter.kind == "interest-note":
        fixed = [("issued", 21), ("due", 21), ("gross", 25), ("paid_on", 24), ("days", 12), ("interest", 24)]
    elif letter.kind == "reminder":
        fixed = [("issued", 21), ("due", 21), ("gross", 25), ("paid", 25), ("outstanding", 25), ("days", 12)]
    else:
        fixed = [("issued", 21), ("due", 21), ("gross", 23), ("paid", 22), ("outstanding", 22), ("days", 10),
                 ("interest", 21)]
    rest = TEXT_W - sum(w for _, w in fixed) * mm
    cols = [("invoice", rest, "l")]
    cols += [(key, w * mm, "l" if key in ("issued", "due", "paid_on") else "r") for key, w in fixed]
    return cols


def _table(out: _Pages, letter: Letter, words: dict[str, Any]) -> None:
    labels = words["labels"]
    cols = _columns(letter, words)
    _need(out, 4 * mm + ROW_H * 3, letter, words)
    out.text(RIGHT, out.y, labels["amounts_in"].format(currency=letter.currency), FONT, 7, GREY, "r")
    out.y -= 2 * mm
    _table_header(out, cols, labels)
    for i, row in enumerate(letter.rows):
        if out.y - ROW_H < BOTTOM:
            _new_page(out, letter, words)
            _table_header(out, cols, labels)
        if i % 2 == 1:
            out.rect(LEFT, out.y - ROW_H, TEXT_W, ROW_H, SHADE)
        cells = _cells(row, letter.lang)
        x = LEFT
        for key, width, align in cols:
            text = _fit(cells[key], FONT, TABLE_FONT, width - 2.4 * mm)
            tx = x + 1.2 * mm if align == "l" else x + width - 1.2 * mm
            out.text(tx, out.y - ROW_H + 1.75 * mm, text, FONT, TABLE_FONT, BLACK, align)
            x += width
        out.y -= ROW_H
    out.line(LEFT, out.y, RIGHT, out.y, GREY, 0.6)
    out.y -= 4 * mm


def _table_header(out: _Pages, cols: list[tuple[str, float, str]], labels: dict[str, str]) -> None:
    h = ROW_H + 0.6 * mm
    out.rect(LEFT, out.y - h, TEXT_W, h, ACCENT)
    x = LEFT
    white = Color(1, 1, 1)
    for key, width, align in cols:
        text = _fit(labels[key], FONT_BOLD, TABLE_FONT, width - 2.4 * mm)
        tx = x + 1.2 * mm if align == "l" else x + width - 1.2 * mm
        out.text(tx, out.y - h + 2 * mm, text, FONT_BOLD, TABLE_FONT, white, align)
        x += width
    out.y -= h


def _cells(row: LetterRow, lang: str) -> dict[str, str]:
    return {
        "invoice": row.number, "issued": table_day(row.issue_date, lang), "due": table_day(row.due_date, lang),
        "gross": number(row.gross, lang), "paid": number(row.paid, lang),
        "outstanding": number(row.outstanding, lang), "days": str(row.days),
        "interest": number(row.interest, lang),
        "paid_on": table_day(row.paid_on, lang) if row.paid_on else "–",
    }


def _totals(out: _Pages, letter: Letter, words: dict[str, Any]) -> None:
    labels = words["labels"]

    def money(amount: Decimal) -> str:
        return format_money(amount, letter.currency, letter.lang)

    lines: list[tuple[str, str, str | None]] = []
    if letter.kind != "interest-note":
        lines.append((labels["principal"], money(letter.principal), None))
    if letter.kind != "reminder":
        label = labels["interest_total" if letter.kind == "interest-note" else "interest_to"]
        lines.append((label.format(date=format_day(letter.date, letter.lang)), money(letter.interest), None))
        lines.append((labels["compensation"], money(letter.compensation), _fx_note(letter, labels)))
    height = (len(lines) + 1) * 5 * mm + sum(6.8 * mm for *_, n in lines if n) + 4 * mm
    _need(out, height, letter, words)
    x = RIGHT - 120 * mm
    for label, value, remark in lines:
        out.text(x, out.y, label, FONT, 9, GREY)
        out.text(RIGHT, out.y, value, FONT, 9.5, BLACK, "r")
        for line in _wrap(f"({remark})", FONT, 7.2, 120 * mm)[:2] if remark else ():
            out.y -= 3.4 * mm
            out.text(x, out.y, line, FONT, 7.2, GREY)
        out.y -= 5 * mm
    out.line(x, out.y + 3.4 * mm, RIGHT, out.y + 3.6 * mm, BLACK, 0.7)
    out.y -= 0.8 * mm
    out.text(x, out.y, labels["total"], FONT_BOLD, 10.5)
    out.text(RIGHT, out.y, money(letter.total), FONT_BOLD, 11, BLACK, "r")
    out.y -= 6.5 * mm


def _fx_note(letter: Letter, labels: dict[str, str]) -> str | None:
    """ "70,00 € po kursie 4,2267 z 31 grudnia 2025": the compensation the law names in another
    currency and the rate it was converted at (or "at each invoice's rate" when they differ)."""
    if not letter.fx:
        return None
    first = letter.fx[0]
    amount = format_money(sum((fx.amount for fx in letter.fx), Decimal(0)), first.currency, letter.lang)
    if all((fx.currency, fx.rate, fx.day) == (first.currency, first.rate, first.day) for fx in letter.fx):
        return str(labels["compensation_fx"].format(amount=amount, rate=number4(first.rate, letter.lang),
                                                    day=format_day(first.day, letter.lang)))
    return str(labels["compensation_fx_many"].format(amount=amount))


@lru_cache(maxsize=256)
def number4(rate: Decimal, lang: str) -> str:
    return str(format_decimal(rate, "#,##0.0000", locale=locale_for(lang)))


def _payment(out: _Pages, letter: Letter, words: dict[str, Any]) -> None:
    """Payment details on the left, the payment QR code on the right, in a light frame."""
    labels = words["labels"]
    box_h = PAYMENT_H + (5 * mm if letter.variable_symbol else 0)
    _need(out, box_h + 4 * mm, letter, words)
    top = out.y + 2 * mm
    out.rect(LEFT, top - box_h, TEXT_W, box_h, None, RULE)
    x, y = LEFT + 5 * mm, top - 6.5 * mm
    out.text(x, y, labels["payment"], FONT_BOLD, 10, ACCENT)
    y -= 6 * mm
    amount = format_money(letter.total, letter.currency, letter.lang)
    rows = [
        (labels["recipient"], letter.firm.name),
        (labels["account"], letter.iban or "–"),
        *([(labels["variable_symbol"], letter.variable_symbol)] if letter.variable_symbol else []),
        (labels["title"], letter.payment_title),
        (labels["amount"], amount),
        (labels["pay_by"], format_day(letter.deadline, letter.lang)),
    ]
    label_w = max(stringWidth(label, FONT, 8.5) for label, _ in rows) + 4 * mm
    value_w = TEXT_W - 50 * mm - label_w
    for label, value in rows:
        out.text(x, y, label, FONT, 8.5, GREY)
        bold = label in (labels["account"], labels["amount"])
        out.text(x + label_w, y, _fit(value, FONT_BOLD if bold else FONT, 9, value_w),
                 FONT_BOLD if bold else FONT, 9)
        y -= 5 * mm
    if letter.qr:
        caption = labels["scan"] if letter.qr_has_amount else f"{labels['scan']} ({labels['amount_typed']})"
        lines = simpleSplit(caption, FONT, 6.5, 38 * mm)[:3]
        # the code gives way to the caption's lines, so the last stays inside the frame
        size = min(28 * mm, box_h - 2.5 * mm - 2.2 * mm - (len(lines) - 1) * 2.8 * mm - 2 * mm)
        qx, qy = RIGHT - 14 * mm - 6 * mm - size / 2, top - size - 2.5 * mm
        out.add(("q", letter.qr, qx, qy, size))
        for i, line in enumerate(lines):
            out.text(qx + size / 2, qy - 2.2 * mm - i * 2.8 * mm, line, FONT, 6.5, GREY, "c")
    out.y = top - box_h - 6 * mm


def _signature(out: _Pages, letter: Letter, words: dict[str, Any]) -> None:
    _need(out, SIGNATURE_H, letter, words)
    x = RIGHT - 68 * mm
    out.text(x, out.y, words["signoff"], FONT, BODY)
    line_y = out.y - 11.5 * mm
    out.line(x, line_y, RIGHT, line_y, GREY, 0.5)
    y = line_y - 4.2 * mm
    if letter.signatory:
        out.text(x, y, _fit(letter.signatory, FONT_BOLD, 9, RIGHT - x), FONT_BOLD, 9)
        y -= 4 * mm
    for line in simpleSplit(letter.firm.name, FONT, 8.5, RIGHT - x)[:2]:
        out.text(x, y, line, FONT, 8.5, GREY)
        y -= 3.6 * mm
    out.text(x, y, words["labels"]["signature"], FONT, 7, GREY)
    out.y = y - 6 * mm


# --- drawing -------------------------------------------------------------------------------

def _draw(pdf: Canvas, ops: list[Op]) -> None:
    font: tuple[str, float] | None = None
    fill: Color | None = None
    for op in ops:
        kind = op[0]
        if kind == "t":
            _, x, y, s, name, size, color, align = op
            if font != (name, size):
                pdf.setFont(name, size)
                font = (name, size)
            if fill is not color:
                pdf.setFillColor(color)
                fill = color
            if align == "l":
                pdf.drawString(x, y, s)
            elif align == "r":
                pdf.drawRightString(x, y, s)
            else:
                pdf.drawCentredString(x, y, s)
        elif kind == "l":
            _, x1, y1, x2, y2, color, width = op
            pdf.setStrokeColor(color)
            pdf.setLineWidth(width)
            pdf.line(x1, y1, x2, y2)
        elif kind == "r":
            _, x, y, w, h, rfill, stroke = op
            if rfill is not None:
                pdf.setFillColor(rfill)
                fill = rfill
            if stroke is not None:
                pdf.setStrokeColor(stroke)
                pdf.setLineWidth(0.6)
            pdf.rect(x, y, w, h, stroke=int(stroke is not None), fill=int(rfill is not None))
        elif kind == "q":
            _, data, x, y, size = op
            pdf.setFillColor(BLACK)
            fill = BLACK
            _qr(pdf, data, x, y, size)
        elif kind == "i":
            _, data, x, y, w, h = op
            pdf.drawImage(ImageReader(io.BytesIO(data)), x, y, w, h, mask="auto")


def qr_matrix(data: str) -> tuple[bytearray, ...]:
    """The QR modules for a payment string: UTF-8 bytes, level M, a fixed mask (no mask search)."""
    code = segno.make_qr(data.encode("utf-8"), error="m", mask=0, boost_error=False)
    return tuple(code.matrix)


def _qr(pdf: Canvas, data: str, x: float, y: float, size: float) -> None:
    """Dark modules as one filled path of horizontal runs, written in module units (a scaled, flipped
    coordinate system), so the path is short integer operators: small files, fast to write."""
    matrix = qr_matrix(data)
    n = len(matrix)
    ops: list[str] = []
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{start} {r} {c - start} 1 re")
            else:
                c += 1
    m = size / n
    pdf.saveState()
    pdf.transform(m, 0, 0, -m, x, y + size)
    pdf.addLiteral("\n".join(ops) + "\nf")
    pdf.restoreState()


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line breaking at plain spaces only: a non-breaking space (in "16 909,60 zł") holds."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and stringWidth(candidate, font, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def _shrink(text: str, font: str, size: float, smallest: float, width: float) -> float:
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Shorten a line with "…" so it stays in its column."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
