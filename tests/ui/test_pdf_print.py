"""Printing a stored letter: pdfium rasterises its pages, QtPrintSupport prints them (here into a PDF file)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from collector_app.domain.errors import UserError
from collector_app.ui.widgets.pdf_print import PdfPages, letter_printer, paint_pdf, preview_dialog

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]

WIDTH, HEIGHT = A4
# a black block in the top-left quarter of page 1 and in the bottom-right quarter of page 2, in points
BLOCKS = ((60, HEIGHT - 260, 200, 200), (WIDTH - 260, 60, 200, 200))


def letter(pages: int = 2) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for n in range(pages):
        x, y, w, h = BLOCKS[n % 2]
        pdf.rect(x, y, w, h, stroke=0, fill=1)
        pdf.drawString(72, HEIGHT / 2, f"Page {n + 1}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def dark(image: QImage, x_fraction: float, y_fraction: float) -> bool:
    colour = QColor(image.pixel(QPoint(int(image.width() * x_fraction), int(image.height() * y_fraction))))
    return colour.lightness() < 60


def print_to_file(pdf: bytes, target: Path) -> int:
    printer = letter_printer(pdf, "WZ/2026/03/0001")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(target))
    return paint_pdf(printer, pdf)


def test_a_letter_printed_to_a_pdf_file_has_its_pages_where_they_were(qapp: object, tmp_path: Path) -> None:
    target = tmp_path / "printed.pdf"
    assert print_to_file(letter(), target) == 2
    reader = PdfReader(target)
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - WIDTH) < 2 and abs(float(box.height) - HEIGHT) < 2, "A4 paper, as the letter"
    printed = PdfPages(target.read_bytes())
    try:
        first, second = printed.image(0, 50), printed.image(1, 50)
    finally:
        printed.close()
    # centre of each block (top-left quarter on page 1, bottom-right on page 2), and the opposite corner blank
    assert dark(first, 160 / WIDTH, 160 / HEIGHT) and not dark(first, 1 - 160 / WIDTH, 1 - 160 / HEIGHT)
    assert dark(second, 1 - 160 / WIDTH, 1 - 160 / HEIGHT) and not dark(second, 160 / WIDTH, 160 / HEIGHT)


def test_the_print_dialog_page_range_prints_only_those_pages(qapp: object, tmp_path: Path) -> None:
    pdf = letter(3)
    printer = letter_printer(pdf, "WZ/2026/03/0002")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "range.pdf"))
    printer.setFromTo(2, 3)
    assert paint_pdf(printer, pdf) == 2
    assert len(PdfReader(tmp_path / "range.pdf").pages) == 2


def test_the_preview_shows_every_page_of_the_letter(qtbot: QtBot) -> None:
    dialog = preview_dialog(letter(2), "WZ/2026/03/0003")
    qtbot.addWidget(dialog)
    dialog.open()
    preview = dialog.findChild(QPrintPreviewWidget)
    assert preview is not None
    qtbot.waitUntil(lambda: preview.pageCount() == 2)
    assert "WZ/2026/03/0003" in dialog.windowTitle()
    dialog.close()


def test_bytes_that_are_not_a_pdf_are_refused_with_a_message(qapp: object) -> None:
    with pytest.raises(UserError, match="not a readable PDF"):
        PdfPages(b"%PDF-1.4 broken")


def test_a_page_renders_at_the_asked_resolution(qapp: object) -> None:
    pages = PdfPages(letter(1))
    try:
        image = pages.image(0, 144)
        assert abs(image.width() - 2 * WIDTH) <= 1 and abs(image.height() - 2 * HEIGHT) <= 1
        assert not image.isNull() and dark(image, 160 / WIDTH, 160 / HEIGHT)
    finally:
        pages.close()

