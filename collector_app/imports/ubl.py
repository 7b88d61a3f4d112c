"""UBL 2.1 Invoice and CreditNote (Peppol BIS Billing 3.0) read into invoice records."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date as dt_date
from decimal import Decimal
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
    terms_from_text,
)
from collector_app.imports.einvoice import CorrectedInvoice, corrected_numbers, correction_record, readable_xml
from collector_app.imports.parties import ubl_party

UBL_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
# UNTDID 1001 credit note codes EN 16931 allows (261 self-billed, 396 factored, 532 forwarder's credit note …)
CREDIT_TYPE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})
CORRECTED_INVOICE = "384"  # UNTDID 1001 "corrected invoice": replaces an earlier invoice in full
# Attributes of a type code naming its code list as UNTDID 1001 (UN/ECE, agency 6): "6", "UNCL1001", a unece URI
_UN_LIST = re.compile(r"^6$|uncl|1001|unece|un/ece|united nations", re.IGNORECASE)
_LIST_ATTRIBUTES = ("listID", "listAgencyID", "listURI", "listName", "listAgencyName")
# A Peppol access point's envelope (Standard Business Document Header) around the UBL document
SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
# A clause that grants a cash discount (Skonto) names a discount period, not the payment term.
_DISCOUNT_CLAUSE = re.compile(r"discount|skonto|rabat|sleva|escompte|korting|descuento|sconto", re.IGNORECASE)


def read(path: Path, label: str) -> Iterator[InvoiceRecord]:
    with readable_xml(path, label) as source:
        yield from read_xml_document(source, label, _unwrapped)


def _unwrapped(node: XmlNode, tag: str) -> InvoiceRecord:
    """The document itself, or the one a Peppol SBDH envelope carries after its header."""
    if tag != f"{{{SBDH_NS}}}StandardBusinessDocument":
        return _document(node, tag)
    inner = [c for c in node.elem if c.tag != f"{{{SBDH_NS}}}StandardBusinessDocumentHeader"]
    if not inner:
        raise ImportProblem(node.path, "a Peppol envelope (SBDH) with no document after its header "
                                       "(expected a UBL Invoice or CreditNote)")
    document = XmlNode(node.reader, inner[0], f"{node.path}/{node.reader.qname(inner[0].tag)}", {})
    return _document(document, inner[0].tag)


def _document(node: XmlNode, tag: str) -> InvoiceRecord:
    local = tag.rsplit("}", 1)[-1]
    uri = namespace_of(tag)
    if local not in UBL_NS or UBL_NS[local] != uri:
        raise ImportProblem(node.path, f'unknown document "{local}" in namespace "{uri}" '
                                       "(expected a UBL 2.1 Invoice or CreditNote)")
    node.ns = {"": uri, "cac": CAC, "cbc": CBC}
    currency = currency_at(node.require_text("cbc:DocumentCurrencyCode"), node.where("cbc:DocumentCurrencyCode"))
    totals = node.require("cac:LegalMonetaryTotal")
    gross = totals.amount("cbc:PayableAmount", currency=currency, required=True)
    assert gross is not None
    notes: list[str] = []
    type_code = node.text("cbc:InvoiceTypeCode") or ""
    credit = local == "CreditNote" or _credit_code(node, type_code, gross, notes)
    if gross < 0 and not credit:  # EN 16931 allows a negative invoice: a correction, or prepayments above the total
        credit, gross = True, negative_as_credit(gross, currency, notes)
    prepaid = totals.amount("cbc:PrepaidAmount", currency=currency)
    if prepaid:
        notes.append(f"prepaid {format_amount(prepaid)} {currency} stated in the file (already deducted from "
                     "the amount payable); not booked as a payment")
    due = node.date("cbc:DueDate")
    means = node.findall("cac:PaymentMeans")
    for m in means:
        due = due or m.date("cbc:PaymentDueDate")
    terms = [_payment_term_text(n.elem.text) for t in node.findall("cac:PaymentTerms") for n in t.findall("cbc:Note")]
    customer = node.require("cac:AccountingCustomerParty", "cac:Party")
    supplier = node.find("cac:AccountingSupplierParty", "cac:Party")
    record, corrects = _correction(node, type_code, credit=credit, gross=gross, notes=notes)
    return record(
        place=node.path,
        kind="credit_note" if credit else "invoice",
        number=node.require_text("cbc:ID"),
        issue_date=_required_date(node, "cbc:IssueDate"),
        gross=gross,
        currency=currency,
        buyer=_party(customer, required=True),
        due_date=due,
        terms_days=next((d for d in map(terms_from_text, terms) if d is not None), None),
        net=totals.amount("cbc:TaxExclusiveAmount", currency=currency),
        vat=_tax_in(node, currency),
        corrects=corrects,
        seller=_party(supplier, required=False) if supplier is not None else None,
        notes=notes,
    )


def _credit_code(node: XmlNode, type_code: str, gross: Decimal, notes: list[str]) -> bool:
    """Whether an Invoice's type code makes it a credit note. EN 16931 and Peppol BIS 3 put credit notes in a
    CreditNote document (381 is not an allowed InvoiceTypeCode), so a credit code on an Invoice is either a
    writer's shortcut, meant as UNTDID 1001 says (credit), or a code of another list (e-fff's Belgian list
    writes 381 on invoices): with a positive amount payable, only an unnamed or UNTDID 1001 list makes it credit."""
    if type_code not in CREDIT_TYPE_CODES:
        return False
    if gross <= 0:
        return True
    code = node.find("cbc:InvoiceTypeCode")
    assert code is not None
    lists = [v for a in _LIST_ATTRIBUTES if (v := (code.elem.get(a) or "").strip())]
    if lists and not any(_UN_LIST.search(v) for v in lists):
        notes.append(f"InvoiceTypeCode {type_code} of the code list {lists[0]} (not UNTDID 1001, where it means a "
                     "credit note) on an Invoice with a positive amount payable: imported as an invoice")
        return False
    notes.append(f"InvoiceTypeCode {type_code} (a credit note in UNTDID 1001) on an Invoice document with a "
                 "positive amount payable: imported as a credit note (EN 16931 would send it as a CreditNote)")
    return True


def _correction(node: XmlNode, type_code: str, *, credit: bool, gross: Decimal,
                notes: list[str]) -> tuple[type[InvoiceRecord], str | None]:
    """The record type and the invoice a document corrects: a credit note names the invoice it credits, a
    corrected invoice (384) the one it replaces; the preceding invoices an ordinary invoice names are no link."""
    numbers = corrected_numbers(r.text("cac:InvoiceDocumentReference", "cbc:ID")
                                for r in node.findall("cac:BillingReference"))
    if credit:
        return correction_record(numbers, notes, credit=gross != 0)
    if type_code != CORRECTED_INVOICE:
        return InvoiceRecord, None
    if not numbers:
        notes.append("a corrected invoice (type 384) that names no invoice it replaces: imported as an invoice")
        return InvoiceRecord, None
    if len(numbers) > 1:
        notes.append(f"a corrected invoice (type 384) replacing {len(numbers)} invoices ({', '.join(numbers[:3])}"
                     f"{' …' if len(numbers) > 3 else ''}): imported for its full amount, linked to none of them; "
                     "cancel or credit the invoices it replaces")
        return InvoiceRecord, None
    return CorrectedInvoice, numbers[0]


def _payment_term_text(note: str | None) -> str | None:
    """The note without its cash-discount clauses: "2 % discount if paid within 2 days" is no payment term."""
    if note is None:
        return None
    clauses = re.split(r"[\n;,#]|(?<=[.!])\s", note)
    return " ".join(" ".join(c for c in clauses if not _DISCOUNT_CLAUSE.search(c)).split()) or None


def _tax_in(node: XmlNode, currency: str) -> Decimal | None:
    """The VAT total in the document's currency: a second TaxTotal may give it in the tax currency (BT-111)."""
    totals = node.findall("cac:TaxTotal")
    for total in totals:
        shown = total.find("cbc:TaxAmount")
        if shown is not None and (shown.elem.get("currencyID") or currency).strip() == currency:
            return total.amount("cbc:TaxAmount", currency=currency)
    return None


def _required_date(node: XmlNode, name: str) -> dt_date:
    value = node.date(name, required=True)
    assert value is not None
    return value


def _party(party: XmlNode, *, required: bool) -> PartyRecord:
    name = party.text("cac:PartyLegalEntity", "cbc:RegistrationName") or party.text("cac:PartyName", "cbc:Name")
    if name is None and required:
        raise ImportProblem(party.where("cac:PartyLegalEntity", "cbc:RegistrationName"), "missing")
    scheme_id = _vat_id(party)
    legal_id = party.text("cac:PartyLegalEntity", "cbc:CompanyID")
    return ubl_party(party, name=name, tax_id=scheme_id or legal_id, registration_no=legal_id if scheme_id else None,
                     second_street="AdditionalStreetName", cac="cac:", cbc="cbc:")


def _vat_id(party: XmlNode) -> str | None:
    """The VAT number: the PartyTaxScheme of scheme VAT before any other (a German seller adds its "FC" tax number)."""
    schemes = party.findall("cac:PartyTaxScheme")
    vat = [s for s in schemes if (s.text("cac:TaxScheme", "cbc:ID") or "").upper() == "VAT"]
    return next((i for i in (s.text("cbc:CompanyID") for s in vat + schemes) if i), None)
