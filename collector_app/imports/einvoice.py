"""What the UBL, ISDOC and KSeF readers share beyond common: wide-encoded XML made readable, and corrections."""

from __future__ import annotations

import codecs
import contextlib
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from collector_app.imports.common import InvoiceRecord, problem

_CHUNK = 1 << 20
# UTF-32 first: its little-endian BOM begins with the UTF-16 one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Without a BOM, the zero bytes around the first ASCII characters tell the width and the byte order
# (XML 1.0 appendix F): "<" is 3C 00 00 00 in UTF-32LE, 00 3C in UTF-16BE, …
_ZERO_PATTERNS = (("utf-32-le", 4, (1, 2, 3)), ("utf-32-be", 4, (0, 1, 2)),
                  ("utf-16-le", 2, (1,)), ("utf-16-be", 2, (0,)))
_DECLARED = re.compile(r"""^(\s*<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")
PDF_MESSAGE = ("is a PDF: Collector does not read PDF invoices (nor the XML a ZUGFeRD/Factur-X PDF carries): "
               "export the invoices from your program as UBL (Peppol, XRechnung), ISDOC, KSeF XML, CSV or XLSX")


def is_pdf(head: bytes) -> bool:
    """A PDF file: "%PDF-" within its first kilobyte, where PDF readers look for it (and no XML)."""
    return b"%PDF-" in head[:1024] and not starts_like_xml(head)


def wide_encoding(head: bytes) -> str | None:
    """utf-16-le/-be or utf-32-le/-be when the bytes are XML-like text in one (with or without a BOM), else None."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    for name, width, zeros in _ZERO_PATTERNS:
        units = [head[i:i + width] for i in range(0, min(len(head), 16 * width) - width + 1, width)]
        if units and all(all(u[z] == 0 for z in zeros) and any(u) for u in units):
            return name
    return None


def starts_like_xml(head: bytes) -> bool:
    """The text (UTF-8 with or without a BOM, a single-byte code page, UTF-16 or UTF-32) begins with "<"."""
    encoding = wide_encoding(head)
    if encoding is None:
        text = head[len(codecs.BOM_UTF8):] if head.startswith(codecs.BOM_UTF8) else head
        return text.lstrip().startswith(b"<")
    width = 4 if "32" in encoding else 2
    shown = head[: len(head) - len(head) % width].decode(encoding, errors="replace")
    return shown.lstrip("\ufeff \t\r\n").startswith("<")


@contextlib.contextmanager
def readable_xml(path: Path, label: str) -> Iterator[Path]:
    """The XML file as the parser can read it: the file itself, or a UTF-8 copy of a UTF-16/UTF-32 one (expat
    reads no UTF-32, nor UTF-16 without a BOM and a declaration). A PDF is refused with what to do instead."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise problem(label, "", f"cannot be read ({exc.strerror})") from exc
    if is_pdf(head):
        raise problem(label, "", PDF_MESSAGE)
    encoding = wide_encoding(head)
    if encoding is None:
        yield path
        return
    with scratch_dir() as folder:
        copy = folder / "document.xml"
        _transcode(path, encoding, copy, label)
        yield copy


@contextlib.contextmanager
def scratch_dir() -> Iterator[Path]:
    """A private temporary folder, removed afterwards (a file still open on Windows does not stop that)."""
    with tempfile.TemporaryDirectory(prefix="collector-import-", ignore_cleanup_errors=True) as folder:
        yield Path(folder)


def _transcode(source: Path, encoding: str, target: Path, label: str) -> None:
    """Copy the text as UTF-8, its XML declaration saying so; lines stay where they were for error places."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    shown = encoding.upper().replace("-LE", "").replace("-BE", "")
    line, first = 1, True
    with source.open("rb") as inp, target.open("w", encoding="utf-8", newline="") as out:
        while True:
            chunk = inp.read(_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                before = chunk[: max(exc.start, 0)].decode(encoding, errors="ignore").count("\n")
                raise problem(label, f"line {line + before}", f"the text is not {shown} as it begins "
                              "(bytes that are no character of it)") from exc
            if first:
                text, first = _DECLARED.sub(r"\1\2UTF-8\2", text.lstrip("\ufeff"), count=1), False
            line += text.count("\n")
            out.write(text)
            if not chunk:
                return


@dataclass(slots=True)
class CollectiveCorrection(InvoiceRecord):
    """A correction naming several invoices (a KSeF collective KOR, a credit note with several references):
    linked to none of them; the reader's note names them, so the ledger does not warn again."""


@dataclass(slots=True)
class CorrectedInvoice(InvoiceRecord):
    """A corrected invoice (UNTDID 1001 code 384) that replaces the invoice `corrects` names: its amount is the
    new full amount, not a difference; the import books the difference against the original."""


def corrected_numbers(numbers: Iterable[str | None]) -> list[str]:
    """The invoice numbers a correction names, each once, in the file's order."""
    return list(dict.fromkeys(n for n in numbers if n))


def correction_record(numbers: list[str], notes: list[str], *, credit: bool) -> tuple[type[InvoiceRecord], str | None]:
    """The record type and the `corrects` of a correction naming `numbers`: several are linked to none of them,
    said in one note (kept as the contractor's credit when it credits)."""
    if len(numbers) <= 1:
        return InvoiceRecord, numbers[0] if numbers else None
    shown = ", ".join(numbers[:3]) + (f" and {len(numbers) - 3} more" if len(numbers) > 3 else "")
    notes.append(f"corrects {len(numbers)} invoices ({shown}): a collective correction is not linked to any one of "
                 "them" + (": kept as the contractor's credit" if credit else ""))
    return CollectiveCorrection, None
