"""Which kind of invoice file this is, told by its content rather than its name."""

from __future__ import annotations

import codecs
from pathlib import Path

from collector_app.imports.common import XmlReader, local_name, namespace_of, problem
from collector_app.imports.isdoc import is_isdoc_root
from collector_app.imports.ksef import KSEF_NS_PREFIX
from collector_app.imports.ubl import UBL_NS

INVOICE_FORMATS = ("csv", "xlsx", "ubl", "isdoc", "ksef")


def detect_format(path: Path, label: str) -> str:
    """csv, xlsx, ubl, isdoc or ksef; an XML file of another kind is an error naming its root element."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise problem(label, "", f"cannot be read ({exc.strerror})") from exc
    if not head:
        raise problem(label, "", "is empty")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    text = head[len(codecs.BOM_UTF8):] if head.startswith(codecs.BOM_UTF8) else head
    if not text.lstrip().startswith(b"<"):
        return "csv"
    return _xml_format(path, label)


def _xml_format(path: Path, label: str) -> str:
    reader = XmlReader(path, label)
    for event, elem in reader.events():
        if event != "start":
            continue
        tag, uri, local = elem.tag, namespace_of(elem.tag), local_name(elem.tag)
        if UBL_NS.get(local) == uri:
            return "ubl"
        if is_isdoc_root(tag, elem.get("version")):
            return "isdoc"
        if local == "Faktura" and uri.startswith(KSEF_NS_PREFIX):
            return "ksef"
        shown = reader.qname(tag)
        raise problem(label, "/" + shown, f'unknown document "{local}" in namespace "{uri}" '
                      "(expected UBL 2.1 Invoice/CreditNote, ISDOC 6 Invoice or KSeF Faktura)")
    raise problem(label, "", "no XML element found")  # pragma: no cover - expat reports this as a ParseError
