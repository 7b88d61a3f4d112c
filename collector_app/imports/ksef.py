"""Polish KSeF structured invoices FA(2) and FA(3), corrections (KOR) included, read into invoice records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
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
    read_xml_document,
    terms_from_text,
)

KSEF_NS_PREFIX = "http://crd.gov.pl/wzor/"
CORRECTIONS = frozenset({"KOR", "KOR_ZAL", "KOR_ROZ"})
KINDS = frozenset({"VAT", "ZAL", "ROZ", "UPR", *CORRECTIONS})


def read(path: Path, label: str) -> Iterator[InvoiceRecord]:
    yield from read_xml_document(path, label, _document)


def _document(node: XmlNode, tag: str) -> InvoiceRecord:
    uri = namespace_of(tag)
    if tag.rsplit("}", 1)[-1] != "Faktura" or not uri.startswith(KSEF_NS_PREFIX):
        raise ImportProblem(node.path, f'unknown document in namespace "{uri}" (expected a KSeF Faktura FA(2)/FA(3))')
    node.ns = {"": uri}
    fa = node.require("Fa")
    currency = currency_at(fa.require_text("KodWaluty"), fa.where("KodWaluty"))
    kind = fa.require_text("RodzajFaktury")
    if kind not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise ImportProblem(fa.where("RodzajFaktury"), f'"{kind}" is not a KSeF invoice kind ({known})')
    gross = fa.amount("P_15", currency=currency, required=True)
    assert gross is not None
    issue = fa.date("P_1", required=True)
    assert issue is not None
    notes: list[str] = []
    gross = _settlement(fa, gross, currency, notes)
    credit = kind in CORRECTIONS and gross <= 0
    if kind in CORRECTIONS and gross > 0:
        notes.append(f"correction {kind} raises the amount by {format_amount(gross)} {currency}: "
                     "imported as an invoice")
    due, terms = _payment(fa, currency, notes)
    buyer = node.require("Podmiot2")
    seller = node.find("Podmiot1")
    customer = _party(buyer, required=True)
    if buyer.text("DaneIdentyfikacyjne", "Nazwa") is None:
        notes.append(f"the buyer has no name in the file (Podmiot2/DaneIdentyfikacyjne/Nazwa): named after its "
                     f"tax id {customer.tax_id}")
    return InvoiceRecord(
        place=node.path,
        kind="credit_note" if credit else "invoice",
        number=fa.require_text("P_2"),
        issue_date=issue,
        gross=abs(gross) if credit else gross,
        currency=currency,
        buyer=customer,
        due_date=due,
        terms_days=terms,
        net=_sum(fa, "P_13_", currency),
        vat=_sum(fa, "P_14_", currency),
        corrects=fa.text("DaneFaKorygowanej", "NrFaKorygowanej") if kind in CORRECTIONS else None,
        seller=_party(seller, required=False) if seller is not None else None,
        notes=notes,
    )


def _payment(fa: XmlNode, currency: str, notes: list[str]) -> tuple[dt.date | None, int | None]:
    pay = fa.find("Platnosc")
    if pay is None:
        return None, None
    due: dt.date | None = None
    terms: int | None = None
    for term in pay.findall("TerminPlatnosci"):
        due = due or term.date("Termin")
        if terms is None and (opis := term.find("TerminOpis")) is not None:
            terms = terms_from_text(" ".join(opis.elem.itertext()))
    if pay.text("Zaplacono") == "1":
        notes.append(f"marked paid on {pay.text('DataZaplaty') or '?'} in the file; not booked as a payment")
    for part in pay.findall("ZaplataCzesciowa"):
        amount = part.amount("KwotaZaplatyCzesciowej", currency=currency)
        notes.append(f"partial payment of {format_amount(amount or Decimal(0))} {currency} on "
                     f"{part.text('DataZaplatyCzesciowej') or '?'} stated in the file; not booked")
    return due, terms


def _settlement(fa: XmlNode, gross: Decimal, currency: str, notes: list[str]) -> Decimal:
    """Rozliczenie/DoZaplaty: P_15 with the charges (a bottle deposit, …) and deductions stated after it."""
    to_pay = fa.amount("Rozliczenie", "DoZaplaty", currency=currency)
    if to_pay is not None and to_pay != gross:
        notes.append(f"amount payable {format_amount(to_pay)} {currency} taken from Rozliczenie/DoZaplaty "
                     f"(P_15 is {format_amount(gross)} {currency}; the difference is charges and deductions)")
        return to_pay
    return gross


def _sum(fa: XmlNode, prefix: str, currency: str) -> Decimal | None:
    names = [child.tag.rsplit("}", 1)[-1] for child in fa.elem]
    picked = [n for n in names if n.startswith(prefix) and not n.endswith("W")]
    if not picked:
        return None
    return sum((fa.amount(n, currency=currency) or Decimal(0) for n in picked), Decimal(0))


def _party(party: XmlNode, *, required: bool) -> PartyRecord:
    ident = party.find("DaneIdentyfikacyjne")
    if ident is None:
        if required:
            raise ImportProblem(party.where("DaneIdentyfikacyjne"), "missing")
        return PartyRecord()
    name = ident.text("Nazwa")
    eu_vat = "".join(filter(None, (ident.text("KodUE"), ident.text("NrVatUE")))) or None
    tax_id = ident.text("NIP") or eu_vat or ident.text("NrID")
    if name is None and required:
        if tax_id is None:
            raise ImportProblem(ident.where("Nazwa"), "missing (the buyer has neither a name nor a tax id)")
        name = f"{tax_id} (no name in the file)"
    lines = [party.text("Adres", "AdresL1"), party.text("Adres", "AdresL2")]
    return PartyRecord(
        name=name,
        tax_id=tax_id,
        country=party.text("Adres", "KodKraju"),
        address=", ".join(filter(None, lines)) or None,
        email=party.text("DaneKontaktowe", "Email"),
        phone=party.text("DaneKontaktowe", "Telefon"),
    )
