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
from collector_app.imports.parties import ubl_party

UBL_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
# UNTDID 1001 credit note codes EN 16931 allows (261 self-billed, 396 factored, 532 forwarder's credit note …)
CREDIT_TYPE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})
# A clause that grants a cash discount (Skonto) names a discount period, not the payment term.
_DISCOUNT_CLAUSE = re.compile(r"discount|skonto|rabat|sleva|escompte|korting|descuento|sconto", re.IGNORECASE)


def read(path: Path, label: str) -> Iterator[InvoiceRecord]:
    yield from read_xml_document(path, label, _document)


def _document(node: XmlNode, tag: str) -> InvoiceRecord:
    local = tag.rsplit("}", 1)[-1]
    uri = namespace_of(tag)
    if local not in UBL_NS or UBL_NS[local] != uri:
        raise ImportProblem(node.path, f'unknown document "{local}" in namespace "{uri}" '
                                       "(expected a UBL 2.1 Invoice or CreditNote)")
    node.ns = {"": uri, "cac": CAC, "cbc": CBC}
    currency = currency_at(node.require_text("cbc:DocumentCurrencyCode"), node.where("cbc:DocumentCurrencyCode"))
    type_code = node.text("cbc:InvoiceTypeCode") or ""
    credit = local == "CreditNote" or type_code in CREDIT_TYPE_CODES
    totals = node.require("cac:LegalMonetaryTotal")
    gross = totals.amount("cbc:PayableAmount", currency=currency, required=True)
    assert gross is not None
    notes: list[str] = []
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
    return InvoiceRecord(
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
        corrects=node.text("cac:BillingReference", "cac:InvoiceDocumentReference", "cbc:ID") if credit else None,
        seller=_party(supplier, required=False) if supplier is not None else None,
        notes=notes,
    )


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
