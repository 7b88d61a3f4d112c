"""Print preview and printing of a stored PDF (a letter exactly as issued) through QtPrintSupport."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QMarginsF, QRect, QSizeF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QWidget

from collector_app.domain.errors import UserError

# Pages are rasterised at the printer's resolution up to this: 300 dpi is sharp on paper and keeps an
# A4 page at ~35 MB (a 1200-dpi PDF printer would need 560 MB a page for no visible gain).
MAX_DPI = 300
POINTS_PER_INCH = 72


class PdfPages:
    """A PDF's pages as images, rendered by pdfium (PySide6-Essentials has no QtPdf module)."""

    def __init__(self, pdf: bytes) -> None:
        try:
            self.document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise UserError("pdf", f"the stored letter is not a readable PDF ({exc})") from exc

    def __len__(self) -> int:
        return len(self.document)

    def size(self, index: int) -> QSizeF:
        """The page's size in points (1/72 inch)."""
        width, height = self.document[index].get_size()
        return QSizeF(width, height)

    def image(self, index: int, dpi: float) -> QImage:
        """The page on white at `dpi`, as a QImage that owns its pixels."""
        bitmap = self.document[index].render(scale=dpi / POINTS_PER_INCH, prefer_bgrx=True)
        try:
            # BGRX bytes are QImage's RGB32 on little-endian machines; the copy outlives pdfium's buffer
            image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                           QImage.Format.Format_RGB32)
            return image.copy()
        finally:
            bitmap.close()

    def close(self) -> None:
        self.document.close()


@contextmanager
def opened(pdf: bytes) -> Iterator[PdfPages]:
    pages = PdfPages(pdf)
    try:
        yield pages
    finally:
        pages.close()


def fit_printer(printer: QPrinter, pdf: bytes) -> None:
    """Paper of the letter's size, no margins: the letter's own margins are on its pages."""
    with opened(pdf) as pages:
        size = pages.size(0) if len(pages) else QSizeF(595.28, 841.89)
    orientation = QPageLayout.Orientation.Landscape if size.width() > size.height() else \
        QPageLayout.Orientation.Portrait
    page_size = QPageSize(QSizeF(min(size.width(), size.height()), max(size.width(), size.height())),
                          QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    printer.setPageLayout(QPageLayout(page_size, orientation, QMarginsF(0, 0, 0, 0)))
    printer.setFullPage(True)


def page_numbers(printer: QPrinter, count: int) -> list[int]:
    """The (0-based) pages the print dialog asked for: all, or its from–to range."""
    first, last = printer.fromPage(), printer.toPage()
    if first <= 0 or last <= 0:
        return list(range(count))
    return list(range(first - 1, min(last, count)))


def paint_pdf(printer: QPrinter, pdf: bytes) -> int:
    """Paints the PDF's pages onto `printer` (a printer, a preview, a PDF file); returns the pages painted."""
    dpi = min(printer.resolution(), MAX_DPI)
    with opened(pdf) as pages:
        numbers = page_numbers(printer, len(pages))
        painter = QPainter()
        if not painter.begin(printer):
            raise UserError("printer", "the printer could not be started")
        try:
            for n, index in enumerate(numbers):
                if n and not printer.newPage():
                    raise UserError("printer", "the printer could not start a new page")
                draw_page(painter, pages.image(index, dpi))
        finally:
            painter.end()
    return len(numbers)


def draw_page(painter: QPainter, image: QImage) -> None:
    """The page image scaled to the paper, centred, aspect ratio kept."""
    area = painter.viewport()
    size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRect(area.x() + (area.width() - size.width()) // 2, area.y() + (area.height() - size.height()) // 2,
                   size.width(), size.height())
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(target, image)


def letter_printer(pdf: bytes, title: str) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    fit_printer(printer, pdf)
    return printer


def preview_dialog(pdf: bytes, title: str, parent: QWidget | None = None) -> QPrintPreviewDialog:
    """A print preview of the letter, from which the person prints; show it with open()."""
    printer = letter_printer(pdf, title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(dialog.tr("Print preview — {0}").format(title))
    dialog.paintRequested.connect(lambda target: paint_pdf(target, pdf))
    dialog.printer_ = printer  # type: ignore[attr-defined]  # the dialog does not own it: keep it alive
    return dialog


def print_pdf(pdf: bytes, title: str, parent: QWidget | None = None) -> bool:
    """The system's print dialog, then the letter printed; False when the person cancelled."""
    printer = letter_printer(pdf, title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(dialog.tr("Print {0}").format(title))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    paint_pdf(printer, pdf)
    return True


_VIEWER_DIR: Path | None = None


def viewer_copy(pdf: bytes, name: str) -> Path:
    """The PDF written to this session's temporary folder as `name`.pdf ("WZ/2026/11/0007" → WZ-2026-11-0007.pdf)."""
    global _VIEWER_DIR
    if _VIEWER_DIR is None or not _VIEWER_DIR.is_dir():
        _VIEWER_DIR = Path(tempfile.mkdtemp(prefix="collector-letters-"))
    safe = re.sub(r"[^\w.-]+", "-", name).strip("-.") or "letter"
    target = _VIEWER_DIR / f"{safe}.pdf"
    target.write_bytes(pdf)
    return target


def open_pdf(pdf: bytes, name: str) -> bool:
    """Opens the PDF in the desktop's PDF viewer, through a temporary copy; False if no viewer took it."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(viewer_copy(pdf, name)))))
