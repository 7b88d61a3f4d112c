"""Czech ISDOC 6 invoices and credit notes read into invoice records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date as dt_date
from pathlib import Path

from collector_app.domain.money import format_amount
from collector_app.imports.common import (
    ImportProblem,
    InvoiceRecord,
    PartyRecord,
    XmlNode,
    currency_at,
    namespace_of,
    negative_as_credit,
    read_xml_document,
)
from collector_app.imports.parties import ubl_party

ISDOC_NS_PREFIX = "http://isdoc.cz/namespace/"
CREDIT_TYPES = frozenset({"2", "6"})
KNOWN_TYPES = frozenset({"1", "2", "3", "4", "5", "6", "7"})
PAYMENT_RECEIVED = "5"  # "daňový doklad k přijaté platbě": issued after the money came in


def read(path: Path, label: str) -> Iterator[InvoiceRecord]:
    yield from read_xml_document(path, label, _document)


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
    if doc_type == PAYMENT_RECEIVED and gross > 0:
        notes.append(f"document type 5 confirms a payment already received ({format_amount(gross)} {currency}); "
                     "it is imported open: allocate the bank payment to it, or it will be reminded")
    credit = doc_type in CREDIT_TYPES
    if gross < 0 and not credit:  # a correction written as a negative invoice (a credit note's sign is free)
        credit, gross = True, negative_as_credit(gross, currency, notes, f" on document type {doc_type}")
    issue = node.date("IssueDate", required=True)
    assert issue is not None
    supplier = node.find("AccountingSupplierParty", "Party")
    return InvoiceRecord(
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
        corrects=node.text("OriginalDocumentReferences", "OriginalDocumentReference", "ID") if credit else None,
        seller=_party(supplier, required=False) if supplier is not None else None,
        notes=notes,
    )


def _party(party: XmlNode, *, required: bool) -> PartyRecord:
    name = party.text("PartyName", "Name")
    if name is None and required:
        raise ImportProblem(party.where("PartyName", "Name"), "missing")
    ico = party.text("PartyIdentification", "ID")
    dic = party.text("PartyTaxScheme", "CompanyID")
    return ubl_party(party, name=name, tax_id=dic or ico, registration_no=ico, second_street="BuildingNumber")
