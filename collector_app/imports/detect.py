"""Which kind of invoice file this is, told by its content rather than its name."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element

from collector_app.imports.common import XmlReader, local_name, namespace_of, problem
from collector_app.imports.einvoice import PDF_MESSAGE, is_pdf, readable_xml, starts_like_xml
from collector_app.imports.isdoc import is_isdoc_root, package_member
from collector_app.imports.ksef import KSEF_NS_PREFIX
from collector_app.imports.ubl import SBDH_NS, UBL_NS

INVOICE_FORMATS = ("csv", "xlsx", "ubl", "isdoc", "ksef")
# UN/CEFACT Cross Industry Invoice (ZUGFeRD 2, Factur-X, XRechnung CII) and ZUGFeRD 1's CrossIndustryDocument
_CII_ROOTS = frozenset({"CrossIndustryInvoice", "CrossIndustryDocument"})
_CII_MESSAGE = ("is a UN/CEFACT CII invoice (the XML of ZUGFeRD, Factur-X and XRechnung CII), which Collector does "
                "not read: export the invoices as UBL (Peppol BIS, XRechnung UBL), or as CSV")


def detect_format(path: Path, label: str) -> str:
    """csv, xlsx, ubl, isdoc or ksef; a PDF, another ZIP or XML of another kind is an error saying what to do."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise problem(label, "", f"cannot be read ({exc.strerror})") from exc
    if not head:
        raise problem(label, "", "is empty")
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(path, label)
    if is_pdf(head):
        raise problem(label, "", PDF_MESSAGE)
    if not starts_like_xml(head):
        return "csv"
    return _xml_format(path, label)


def _zip_format(path: Path, label: str) -> str:
    """An XLSX workbook, or an ISDOCX package (ISDOC zipped with its attachments); another ZIP is named as such."""
    try:
        with zipfile.ZipFile(path) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError):
        return "xlsx"  # a damaged workbook: openpyxl says what is wrong with it
    if "[Content_Types].xml" in names:
        return "xlsx"
    if package_member(names) is not None:
        return "isdoc"
    if "mimetype" in names and "content.xml" in names:
        raise problem(label, "", "is an OpenDocument file (LibreOffice, OpenOffice: .ods), which Collector does not "
                                 "read: save it as XLSX or CSV and import that")
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    raise problem(label, "", f"is a ZIP archive, neither an XLSX workbook nor an ISDOCX package (it holds "
                             f"{shown or 'nothing'}): unzip it and import the invoice file inside")


def _xml_format(path: Path, label: str) -> str:
    with readable_xml(path, label) as source:
        reader = XmlReader(source, label)
        depth, envelope = 0, False
        for event, elem in reader.events():
            if event == "end":
                depth -= 1
                continue
            depth += 1
            if depth == 1 and elem.tag == f"{{{SBDH_NS}}}StandardBusinessDocument":
                envelope = True  # a Peppol access point's envelope: the document is its child after the header
                continue
            if envelope and (depth != 2 or elem.tag == f"{{{SBDH_NS}}}StandardBusinessDocumentHeader"):
                continue
            return _document_format(reader, elem, label)
    if envelope:
        raise problem(label, "/" + reader.qname(f"{{{SBDH_NS}}}StandardBusinessDocument"),
                      "a Peppol envelope (SBDH) with no document after its header (expected a UBL Invoice or "
                      "CreditNote)")
    raise problem(label, "", "no XML element found")  # pragma: no cover - expat reports this as a ParseError


def _document_format(reader: XmlReader, elem: Element, label: str) -> str:
    tag, uri, local = elem.tag, namespace_of(elem.tag), local_name(elem.tag)
    if UBL_NS.get(local) == uri:
        return "ubl"
    if is_isdoc_root(tag, elem.get("version")):
        return "isdoc"
    if local == "Faktura" and uri.startswith(KSEF_NS_PREFIX):
        return "ksef"
    if local in _CII_ROOTS:
        raise problem(label, reader.path(), _CII_MESSAGE)
    if local == "Document" and ":camt.05" in uri:  # an ISO 20022 bank-to-customer message (camt.052/.053/.054)
        raise problem(label, reader.path(), f'"{uri}" is a bank statement (ISO 20022 camt), not invoices: '
                      'import it with "collector import statement" (in the window: Import bank statement…)')
    raise problem(label, reader.path(), f'unknown document "{local}" in namespace "{uri}" '
                  "(expected UBL 2.1 Invoice/CreditNote, ISDOC 6 Invoice or KSeF Faktura)")
