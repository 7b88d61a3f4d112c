"""Czech ISDOC 6 invoices and credit notes read into invoice records."""

from __future__ import annotations

import contextlib
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date as dt_date
from decimal import Decimal
from pathlib import Path, PurePosixPath

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from collector_app.domain.money import format_amount
from collector_app.imports.common import (
    ImportProblem,
    InvoiceRecord,
    PartyRecord,
    XmlNode,
    currency_at,
    namespace_of,
    negative_as_credit,
    problem,
    read_xml_document,
)
from collector_app.imports.einvoice import corrected_numbers, correction_record, readable_xml, scratch_dir
from collector_app.imports.parties import ubl_party

ISDOC_NS_PREFIX = "http://isdoc.cz/namespace/"
# DocumentType: 1 invoice (faktura – daňový doklad); 2 credit note (opravný daňový doklad – dobropis); 3 debit note
# (opravný daňový doklad – vrubopis); 4 advance invoice (zálohová faktura – nedaňový zálohový list); 5 tax document
# for a payment received (daňový zálohový list); 6 credit note to a 5 (dobropis DZL); 7 simplified tax document
CREDIT_TYPES = frozenset({"2", "6"})
CORRECTION_TYPES = frozenset({"2", "3", "6"})  # they name the document they correct (OriginalDocumentReference)
KNOWN_TYPES = frozenset({"1", "2", "3", "4", "5", "6", "7"})
DEBIT_NOTE = "3"
ADVANCE_REQUEST = "4"  # a request for an advance, a pro forma: no tax document, but the buyer is asked to pay it
PAYMENT_RECEIVED = "5"  # "daňový doklad k přijaté platbě": issued after the money came in
SIMPLIFIED = "7"  # "zjednodušený daňový doklad": a receipt of up to 10 000 CZK, mostly paid on the spot


# An ISDOCX package's .isdoc is unpacked up to this size: a ZIP bomb is refused, not inflated.
MAX_PACKED_DOCUMENT = 64 << 20
_MANIFEST_LIMIT = 1 << 20


def read(path: Path, label: str) -> Iterator[InvoiceRecord]:
    """An .isdoc file, or the main .isdoc of an ISDOCX package (the ZIP form with its attachments)."""
    with _unpacked(path, label) as (source, shown), readable_xml(source, shown) as readable:
        yield from read_xml_document(readable, shown, _document)


def package_member(names: list[str]) -> str | None:
    """The one .isdoc at the top of an ISDOCX package's listing (the manifest may name it too), else None."""
    found = [n for n in names if n.lower().endswith(".isdoc") and not n.endswith("/")]
    top = [n for n in found if "/" not in n]
    return (top or found)[0] if len(top or found) == 1 else None


@contextlib.contextmanager
def _unpacked(path: Path, label: str) -> Iterator[tuple[Path, str]]:
    """The file itself, or an ISDOCX package's main document unpacked into a scratch folder (errors then name
    the package and the document in it)."""
    with path.open("rb") as handle:
        packed = handle.read(4) == b"PK\x03\x04"
    if not packed:
        yield path, label
        return
    with scratch_dir() as folder:
        target = folder / "document.isdoc"
        try:
            with zipfile.ZipFile(path) as package:
                member = _main_document(package, label)
                _unpack(package, member, target, label)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError) as exc:
            raise problem(label, "", f"is not a readable ISDOCX package ({exc}): unzip it and import the .isdoc "
                                     "inside") from exc
        yield target, f"{label}: {member}"


def _main_document(package: zipfile.ZipFile, label: str) -> str:
    """manifest.xml's maindocument, else the package's only .isdoc."""
    names = package.namelist()
    named = _manifest_main(package) if "manifest.xml" in names else None
    if named is not None and named in names:
        return named
    member = package_member(names)
    if member is None:
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        raise problem(label, "", f"is a ZIP package without one main .isdoc document (it holds {shown}; "
                                 "expected an ISDOCX package): unzip it and import the .isdoc")
    return member


def _manifest_main(package: zipfile.ZipFile) -> str | None:
    info = package.getinfo("manifest.xml")
    if info.file_size > _MANIFEST_LIMIT:
        return None
    try:
        with package.open(info) as handle:
            root = fromstring(handle.read(_MANIFEST_LIMIT), forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        return None  # the .isdoc is found without it
    for elem in root.iter():
        if elem.tag.rsplit("}", 1)[-1] == "maindocument" and (name := elem.get("filename")):
            return str(PurePosixPath(name.replace("\\", "/")))
    return None


def _unpack(package: zipfile.ZipFile, member: str, target: Path, label: str) -> None:
    """Copy the member out, never more than MAX_PACKED_DOCUMENT bytes whatever its header claims."""
    limit = MAX_PACKED_DOCUMENT
    too_big = problem(label, member, f"unpacks to more than {limit >> 20} MB, far more than an invoice: not "
                                     "unpacked (a ZIP bomb?); unzip it yourself and import the .isdoc")
    if package.getinfo(member).file_size > limit:
        raise too_big
    written = 0
    with package.open(member) as inp, target.open("wb") as out:
        while chunk := inp.read(1 << 16):
            written += len(chunk)
            if written > limit:
                raise too_big
            out.write(chunk)


def is_isdoc_root(tag: str, version: str | None) -> bool:
    """An ISDOC Invoice: in an isdoc.cz namespace, or in none but with an ISDOC 6 version (some exporters omit it)."""
    uri = namespace_of(tag)
    if tag.rsplit("}", 1)[-1] != "Invoice":
        return False
    return uri.startswith(ISDOC_NS_PREFIX) or (not uri and (version or "").strip().startswith("6."))


def _document(node: XmlNode, tag: str) -> InvoiceRecord:
    uri = namespace_of(tag)
    if not is_isdoc_root(tag, node.elem.get("version")):
        raise ImportProblem(node.path, f'unknown document in namespace "{uri}" (expected an ISDOC 6 Invoice)')
    node.ns = {"": uri}
    notes: list[str] = []
    if not uri:
        notes.append(f'the file declares no ISDOC namespace (version {node.elem.get("version")}): read as ISDOC 6')
    doc_type = node.require_text("DocumentType")
    if doc_type not in KNOWN_TYPES:
        raise ImportProblem(node.where("DocumentType"), f'"{doc_type}" is not an ISDOC document type (1–7)')
    foreign = node.text("ForeignCurrencyCode")
    suffix = "Curr" if foreign else ""
    code_name = "ForeignCurrencyCode" if foreign else "LocalCurrencyCode"
    currency = currency_at(node.require_text(code_name), node.where(code_name))
    totals = node.require("LegalMonetaryTotal")
    gross = totals.amount("PayableAmount" + suffix, currency=currency, required=True)
    assert gross is not None
    deposits = totals.amount("PaidDepositsAmount" + suffix, currency=currency)
    if deposits:
        notes.append(f"deposits of {format_amount(abs(deposits))} {currency} stated in the file (already deducted "
                     "from the amount payable); not booked as a payment")
    due: dt_date | None = None
    symbol: str | None = None
    means = node.find("PaymentMeans")
    parts = means.findall("Payment") if means is not None else []
    for payment in parts:  # PaidAmount is the part to pay by this means ("částka k zaplacení"), not money received
        due = due or payment.date("Details", "PaymentDueDate")
        symbol = symbol or payment.text("Details", "VariableSymbol")
    dues = sorted({d for d in (p.date("Details", "PaymentDueDate") for p in parts) if d is not None})
    if len(dues) > 1:
        notes.append(f"payable in parts due {', '.join(d.isoformat() for d in dues)}: the first part's due date "
                     f"({due.isoformat() if due else ''}) is used for the whole amount")
    if gross > 0:
        _type_note(doc_type, gross, currency, notes)
    credit = doc_type in CREDIT_TYPES
    if gross < 0 and not credit:  # a correction written as a negative invoice (a credit note's sign is free)
        credit, gross = True, negative_as_credit(gross, currency, notes, f" on document type {doc_type}")
    issue = node.date("IssueDate", required=True)
    assert issue is not None
    supplier = node.find("AccountingSupplierParty", "Party")
    record, corrects = InvoiceRecord, None
    if credit or doc_type in CORRECTION_TYPES:  # a debit note names its invoice too: a re-import finds it by that
        refs = node.find("OriginalDocumentReferences")
        found = refs.findall("OriginalDocumentReference") if refs is not None else []
        numbers = corrected_numbers(r.text("ID") for r in found)
        record, corrects = correction_record(numbers, notes, credit=credit and gross != 0)
    return record(
        place=node.path,
        kind="credit_note" if credit else "invoice",
        number=node.require_text("ID"),
        issue_date=issue,
        gross=gross,
        currency=currency,
        buyer=_party(node.require("AccountingCustomerParty", "Party"), required=True),
        due_date=due,
        net=totals.amount("TaxExclusiveAmount" + suffix, currency=currency),
        vat=node.amount("TaxTotal", "TaxAmount" + suffix, currency=currency),
        variable_symbol=symbol,
        corrects=corrects,
        seller=_party(supplier, required=False) if supplier is not None else None,
        notes=notes,
    )


def _type_note(doc_type: str, gross: Decimal, currency: str, notes: list[str]) -> None:
    """What a document type with an amount to pay means for collecting it, said in the summary."""
    amount = f"{format_amount(gross)} {currency}"
    if doc_type == DEBIT_NOTE:
        notes.append(f"a debit note (document type 3) raising the amount by {amount}: imported as an invoice")
    elif doc_type == ADVANCE_REQUEST:
        notes.append(f"an advance invoice (pro forma request for payment): chased as a debt until paid (document "
                     f"type 4, {amount}; its payment is matched by its variable symbol, the final invoice states "
                     "only the rest)")
    elif doc_type == PAYMENT_RECEIVED:
        notes.append(f"document type 5 confirms a payment already received ({amount}); it is imported open: "
                     "allocate the bank payment to it, or it will be reminded")
    elif doc_type == SIMPLIFIED:
        notes.append(f"a simplified tax document (document type 7, {amount}), mostly paid on the spot: imported "
                     "open; if it was paid in cash or by card no bank statement will show it: settle it by hand "
                     "(collector payment add … --invoice NUMBER) or it will be reminded")


def _party(party: XmlNode, *, required: bool) -> PartyRecord:
    name = party.text("PartyName", "Name")
    if name is None and required:
        raise ImportProblem(party.where("PartyName", "Name"), "missing")
    ico = party.text("PartyIdentification", "ID")
    dic = party.text("PartyTaxScheme", "CompanyID")
    return ubl_party(party, name=name, tax_id=dic or ico, registration_no=ico, second_street="BuildingNumber")
