"""Reading generated PDFs back as a person or a banking app would: the text, the page images, the QR codes."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """All pages' text, with Babel's non-breaking and narrow spaces read as plain spaces."""
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def need_tool(name: str) -> str:
    """The path of a command-line tool the test needs (installed by .ci/system-deps.sh)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run .ci/system-deps.sh")
    return path


def render_pages(data: bytes, folder: Path, dpi: int = 150) -> list[Path]:
    """PNG images of the pages, as `pdftoppm -png -r DPI` draws them."""
    source = folder / "letter.pdf"
    source.write_bytes(data)
    subprocess.run([need_tool("pdftoppm"), "-png", "-r", str(dpi), str(source), str(folder / "page")],
                   check=True, capture_output=True)
    return sorted(folder.glob("page*.png"))


def decode_qr(data: bytes, dpi: int = 150) -> list[str]:
    """The payment strings of every QR code in the PDF, read by zbarimg as raw bytes decoded as UTF-8."""
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for image in render_pages(data, Path(tmp), dpi):
            proc = subprocess.run([need_tool("zbarimg"), "--quiet", "--raw", "-Sbinary", "-Sqrcode.enable=1",
                                   str(image)], capture_output=True, check=False)
            if proc.returncode == 0 and proc.stdout:
                found.append(proc.stdout.decode("utf-8").removesuffix("\n"))
    return found
