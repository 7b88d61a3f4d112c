"""Letters at scale: 1,000 demand letters (3 invoices each, payment QR) vs raw reportlab drawing the same page.

Prints numbers and ratios against a baseline measured in the same run; it never asserts.
Goals (issue 5): 1,000 letters ≤ 10 s and ≤ 1.5× raw reportlab.

    .venv/bin/python benchmarks/letters.py [--letters 1000] [--no-accel] [--batch]

`collector` draws through services/letter_pdf.py: Babel formatting, wording from resources/letters,
page flow, QR encoding (segno) drawn as one vector path. The raw baseline draws the same page with
plain canvas calls, f-string formatting and the same QR path. `--no-accel` hides reportlab's C
accelerator (rl_accel) to show what it brings. `--batch` also times the whole service path
(services/demands.make_batch: interest, register rows, PDFs) on a ledger of that many contractors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("COLLECTOR_USER", "bench")
if "--no-accel" in sys.argv:
    sys.modules["_rl_accel"] = None  # type: ignore[assignment]  # reportlab falls back to pure Python

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.lib.utils import simpleSplit  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from collector_app.domain.payment_qr import Payee, PaymentRequest, payment_string, title_for  # noqa: E402
from collector_app.services.invoice_pdf import FONT, FONT_BOLD, register_fonts  # noqa: E402
from collector_app.services.letter_pdf import Letter, LetterRow, Party, letter_pdf, qr_matrix  # noqa: E402

TODAY = dt.date(2026, 3, 16)
IBAN = "PL61109010140000071219812874"
FIRM = Party("Nasza Firma Sp. z o.o.", ("ul. Prosta 1", "00-001 Warszawa"), "5260250274")


def make_letters(n: int) -> list[Letter]:
    out = []
    for i in range(n):
        rows = tuple(
            LetterRow(f"FV/2026/{i:04d}/{k}", dt.date(2026, 1, 2 + k), dt.date(2026, 1, 16 + k),
                      Decimal(1000 + i % 700) + Decimal(k) / 4, Decimal(0), Decimal(1000 + i % 700) + Decimal(k) / 4,
                      59 - k, Decimal("17.77") + k)
            for k in range(3))
        principal = sum((r.outstanding for r in rows), Decimal(0))
        interest = sum((r.interest for r in rows), Decimal(0))
        compensation = Decimal("506.79")
        total = principal + interest + compensation
        number = f"WZ/2026/03/{i + 1:04d}"
        numbers = tuple(r.number for r in rows)
        qr = payment_string(Payee(FIRM.name, IBAN, FIRM.tax_id), PaymentRequest("PLN", total, numbers, number))
        out.append(Letter(
            kind="demand", lang="pl", law="PL", number=number, date=TODAY, deadline=TODAY + dt.timedelta(days=7),
            place="Warszawa", currency="PLN", firm=FIRM, firm_contact="windykacja@nasza.pl · +48 22 123 45 67",
            signatory="Anna Nowak", iban="PL61 1090 1014 0000 0712 1981 2874",
            debtor=Party(f"Kontrahent {i} Handel i Usługi Sp. z o.o.", (f"ul. Długa {i % 90 + 1}", "30-001 Kraków"),
                         "7010010191"),
            rows=rows, principal=principal, interest=interest, compensation=compensation, total=total,
            payment_title=title_for(numbers, number, 32), qr=qr,
        ))
    return out


# --- the raw baseline: the same page with plain canvas calls --------------------------------------

def _amount(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def raw_letter(letter: Letter) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=True)
    w, h = A4
    left, right = 22 * mm, w - 20 * mm
    c.setFont(FONT_BOLD, 14)
    c.drawString(left, h - 18 * mm, letter.firm.name)
    c.setFont(FONT, 8.3)
    c.drawString(left, h - 23 * mm, ", ".join(letter.firm.lines))
    c.drawString(left, h - 27 * mm, f"NIP {letter.firm.tax_id}")
    c.drawString(left, h - 31 * mm, letter.firm_contact or "")
    c.line(left, h - 34 * mm, right, h - 34 * mm)
    c.setFont(FONT, 9.2)
    c.drawRightString(right, h - 42 * mm, f"Warszawa, {letter.date:%d.%m.%Y}")
    c.drawString(left, h - 42 * mm, f"Nasz znak: {letter.number}")
    c.setFont(FONT_BOLD, 10.5)
    c.drawString(left + 95 * mm, h - 53 * mm, letter.debtor.name)
    c.setFont(FONT, 10)
    for i, line in enumerate(letter.debtor.lines):
        c.drawString(left + 95 * mm, h - (58 + 4.6 * i) * mm, line)
    c.setFont(FONT_BOLD, 13.5)
    c.drawCentredString(w / 2, h - 80 * mm, "WEZWANIE DO ZAPŁATY")
    c.setFont(FONT, 9.2)
    y = h - 90 * mm
    intro = (f"w związku z nieuregulowaniem w terminie należności z wymienionych poniżej faktur {letter.firm.name} "
             f"wzywa Państwa do zapłaty kwoty {_amount(letter.total)} zł, na którą składają się: należność główna, "
             "odsetki ustawowe za opóźnienie w transakcjach handlowych oraz rekompensata za koszty odzyskiwania "
             "należności.")
    for line in ["Szanowni Państwo,", *simpleSplit(intro, FONT, 9.2, right - left)]:
        c.drawString(left, y, line)
        y -= 12.4
    c.setFillColorRGB(0.12, 0.2, 0.33)
    c.rect(left, y - 6 * mm, right - left, 6 * mm, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(FONT_BOLD, 7.6)
    xs = [0, 30, 51, 70, 93, 115, 137, 147]
    for x, label in zip(xs, ("Faktura", "Wystawiona", "Termin", "Kwota", "Zapłacono", "Pozostało", "Dni",
                             "Odsetki"), strict=True):
        c.drawString(left + x * mm, y - 4 * mm, label)
    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT, 7.6)
    y -= 6 * mm
    for r in letter.rows:
        cells = (r.number, f"{r.issue_date:%d.%m.%Y}", f"{r.due_date:%d.%m.%Y}", _amount(r.gross), _amount(r.paid),
                 _amount(r.outstanding), str(r.days), _amount(r.interest))
        for x, cell in zip(xs, cells, strict=True):
            c.drawString(left + x * mm, y - 4 * mm, cell)
        y -= 5.4 * mm
    c.line(left, y, right, y)
    y -= 5 * mm
    for label, value in (("Należność główna", letter.principal), ("Odsetki ustawowe", letter.interest),
                         ("Rekompensata", letter.compensation), ("Razem do zapłaty", letter.total)):
        c.drawString(right - 120 * mm, y, label)
        c.drawRightString(right, y, f"{_amount(value)} zł")
        y -= 5 * mm
    text = (f"Prosimy o wpłatę powyższej kwoty w terminie do dnia {letter.deadline:%d.%m.%Y} na rachunek bankowy "
            "wskazany poniżej. Odsetki są naliczane do dnia zapłaty.")
    for line in simpleSplit(text, FONT, 9.2, right - left):
        c.drawString(left, y, line)
        y -= 12.4
    c.rect(left, y - 36 * mm, right - left, 36 * mm, stroke=1, fill=0)
    for i, (label, value) in enumerate((("Odbiorca", letter.firm.name), ("Rachunek", letter.iban or ""),
                                        ("Tytuł przelewu", letter.payment_title),
                                        ("Kwota", f"{_amount(letter.total)} zł"),
                                        ("Termin zapłaty", f"{letter.deadline:%d.%m.%Y}"))):
        c.drawString(left + 5 * mm, y - (12 + 5 * i) * mm, label)
        c.drawString(left + 30 * mm, y - (12 + 5 * i) * mm, value)
    assert letter.qr is not None
    matrix = qr_matrix(letter.qr)
    size, n = 28 * mm, len(matrix)
    m, qx, qy = size / n, right - size - 6 * mm, y - 31 * mm
    path = c.beginPath()
    for r_i, row in enumerate(matrix):  # horizontal runs of dark modules, one rectangle each
        c_i = 0
        while c_i < n:
            if row[c_i]:
                start = c_i
                while c_i < n and row[c_i]:
                    c_i += 1
                path.rect(qx + start * m, qy + size - (r_i + 1) * m, (c_i - start) * m, m)
            else:
                c_i += 1
    c.drawPath(path, stroke=0, fill=1)
    y -= 44 * mm
    c.drawString(right - 68 * mm, y, "Z poważaniem")
    c.line(right - 68 * mm, y - 12 * mm, right, y - 12 * mm)
    c.drawString(right - 68 * mm, y - 16 * mm, letter.signatory or "")
    c.setFont(FONT, 7)
    c.drawString(left, 14 * mm, f"{letter.firm.name} · {letter.iban}")
    c.drawRightString(right, 14 * mm, f"{letter.number} · Strona 1 z 1")
    c.showPage()
    c.save()
    return buf.getvalue()


# --- the whole service path ---------------------------------------------------------------------

def batch_path(n: int) -> tuple[float, int]:
    """make_batch over a ledger of n contractors with 3 overdue invoices each: CPU seconds, letters."""
    from helpers.ledger import contractor, invoice

    from collector_app.db.engine import open_ledger
    from collector_app.domain.clock import FixedClock
    from collector_app.services import demands
    from collector_app.services.context import Ctx
    from collector_app.services.firm import FirmChanges, set_firm

    with tempfile.TemporaryDirectory() as tmp:
        ledger = open_ledger(Path(tmp) / "ledger.db")
        clock = FixedClock(TODAY, dt.time(10, 0))
        with ledger.transaction() as s:
            ctx = Ctx(s, clock, "bench")
            set_firm(ctx, FirmChanges(name="Nasza Firma Sp. z o.o.", tax_id="5260250274", iban=IBAN, city="Warszawa"))
            for i in range(n):
                c = contractor(ctx, f"Kontrahent {i} Sp. z o.o.", address="ul. Długa 1", postal_code="30-001",
                               city="Kraków")
                for k in range(3):
                    invoice(ctx, c, f"FV/{i}/{k}", f"{1000 + i % 700}.{k}0", dt.date(2026, 1, 15 + k),
                            dt.date(2026, 1, 2))
        start = time.process_time()
        with ledger.transaction() as s:
            result = demands.make_batch(Ctx(s, clock, "bench"), min_days=0, kind="demand")
        seconds = time.process_time() - start
        ledger.close()
    return seconds, len(result.demands)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--no-accel", action="store_true", help="without reportlab's C accelerator (rl_accel)")
    parser.add_argument("--batch", action="store_true", help="also time services/demands.make_batch end to end")
    args = parser.parse_args()
    register_fonts()
    letters = make_letters(args.letters)
    letter_pdf(letters[0])  # warm-up: fonts parsed, caches filled, for both contenders
    raw_letter(letters[0])
    start, cpu = time.perf_counter(), time.process_time()
    ours = sum(len(letter_pdf(letter)) for letter in letters)
    ours_s, ours_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    raw = sum(len(raw_letter(letter)) for letter in letters)
    raw_s, raw_cpu = time.perf_counter() - start, time.process_time() - cpu
    accel = "without rl_accel" if args.no_accel else ("with rl_accel" if _accelerated() else "rl_accel missing")
    print(f"{args.letters} letters, 3 invoices each, payment QR ({accel})")
    print(f"  collector letter_pdf : {ours_s:6.2f} s wall, {ours_cpu:6.2f} s CPU  "
          f"({ours_s / args.letters * 1000:5.2f} ms/letter, {ours / args.letters / 1024:5.1f} KiB)   goal ≤ 10 s")
    print(f"  raw reportlab        : {raw_s:6.2f} s wall, {raw_cpu:6.2f} s CPU  "
          f"({raw_s / args.letters * 1000:5.2f} ms/letter, {raw / args.letters / 1024:5.1f} KiB)")
    print(f"  ratio                : {ours_s / raw_s:6.2f}× wall, {ours_cpu / raw_cpu:4.2f}× CPU   goal ≤ 1.5×")
    if args.batch:
        seconds, made = batch_path(args.letters)
        print(f"  make_batch end to end: {seconds:6.2f} s CPU for {made} letters (interest, register rows, PDFs, "
              "combined print file)")


def _accelerated() -> bool:
    try:
        import _rl_accel  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
