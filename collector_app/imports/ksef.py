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
    negative_as_credit,
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
    _check_form(node)
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
    if kind not in CORRECTIONS and gross < 0:
        credit, gross = True, negative_as_credit(gross, currency, notes, f" on a {kind} invoice")
    due, terms = _payment(fa, currency, notes)
    buyer = node.require("Podmiot2")
    seller = node.find("Podmiot1")
    customer = _party(buyer, required=True)
    _factor(node, notes)
    if (ident := buyer.find("DaneIdentyfikacyjne")) is not None and _name(ident) is None:
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
        corrects=_corrected(fa, notes) if kind in CORRECTIONS else None,
        seller=_party(seller, required=False) if seller is not None else None,
        notes=notes,
    )


def _corrected(fa: XmlNode, notes: list[str]) -> str | None:
    """DaneFaKorygowanej/NrFaKorygowanej; a collective correction of several invoices is linked to none of them."""
    numbers = [n for d in fa.findall("DaneFaKorygowanej") if (n := d.text("NrFaKorygowanej"))]
    if len(numbers) > 1:
        shown = ", ".join(numbers[:3]) + (f" and {len(numbers) - 3} more" if len(numbers) > 3 else "")
        notes.append(f"corrects {len(numbers)} invoices ({shown}): a collective correction is not linked to "
                     "any one of them")
        return None
    return numbers[0] if numbers else None


def _check_form(node: XmlNode) -> None:
    """Naglowek/KodFormularza: only FA invoices are sales documents; FA_RR (a farmer's VAT RR) is the buyer's."""
    code = node.text("Naglowek", "KodFormularza")
    if code is None or code == "FA":
        return
    where = node.where("Naglowek", "KodFormularza")
    if code == "FA_RR":
        raise ImportProblem(where, '"FA_RR" is a VAT RR invoice, written by the buyer of a flat-rate farmer\'s '
                                   "produce for its own purchase: not a sales invoice to chase (expected FA)")
    raise ImportProblem(where, f'"{code}" is not a KSeF invoice form (expected FA, an FA(2)/FA(3) invoice)')


def _payment(fa: XmlNode, currency: str, notes: list[str]) -> tuple[dt.date | None, int | None]:
    pay = fa.find("Platnosc")
    if pay is None:
        return None, None
    due: dt.date | None = None
    terms: int | None = None
    dates: list[dt.date] = []
    for term in pay.findall("TerminPlatnosci"):
        if (day := term.date("Termin")) is not None:
            dates.append(day)
        if terms is None and (opis := term.find("TerminOpis")) is not None:
            terms = _term_days(opis)
    if dates:
        due = dates[0]
    if len(dates) > 1:
        shown = ", ".join(d.isoformat() for d in dates)
        notes.append(f"{len(dates)} payment dates in the file ({shown}): due date taken from the first")
    if pay.text("Zaplacono") == "1":
        notes.append(f"marked paid on {pay.text('DataZaplaty') or '?'} in the file; not booked as a payment")
    for part in pay.findall("ZaplataCzesciowa"):
        amount = part.amount("KwotaZaplatyCzesciowej", currency=currency)
        if not amount:  # an empty or zero partial payment some programs write by default
            continue
        notes.append(f"partial payment of {format_amount(amount or Decimal(0))} {currency} on "
                     f"{part.text('DataZaplatyCzesciowej') or '?'} stated in the file; not booked")
    return due, terms


_WEEK_UNITS = ("tydz", "tyg", "week")
_DAY_UNITS = ("dz", "dni", "day")


def _term_days(opis: XmlNode) -> int | None:
    """TerminOpis: FA(3) structures it (Ilosc, Jednostka, ZdarzeniePoczatkowe); FA(2) writes free text."""
    count, unit = opis.text("Ilosc"), (opis.text("Jednostka") or "").lower()
    if count is None or not count.isdigit():
        return terms_from_text(" ".join(opis.elem.itertext()))
    if unit.startswith(_WEEK_UNITS):
        return int(count) * 7
    return int(count) if unit.startswith(_DAY_UNITS) else None


def _settlement(fa: XmlNode, gross: Decimal, currency: str, notes: list[str]) -> Decimal:
    """Rozliczenie/DoZaplaty: P_15 with the charges (a bottle deposit, …) and deductions stated after it;
    Rozliczenie/DoRozliczenia: the deductions exceed it, the buyer has overpaid that much (nothing payable)."""
    overpaid = fa.amount("Rozliczenie", "DoRozliczenia", currency=currency)
    if overpaid is not None:
        notes.append(f"Rozliczenie/DoRozliczenia: {format_amount(abs(overpaid))} {currency} overpaid by the buyer, "
                     f"to settle or refund; P_15 ({format_amount(gross)} {currency}) is not payable")
        return -abs(overpaid)
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
    name = _name(ident)
    eu_vat = "".join(filter(None, (ident.text("KodUE"), ident.text("NrVatUE")))) or None
    tax_id = ident.text("NIP") or eu_vat or ident.text("NrID")
    if name is None and required:
        if tax_id is None:
            raise ImportProblem(ident.where("Nazwa"), "missing (the buyer has neither a name nor a tax id)")
        name = f"{tax_id} (no name in the file)"
    adres = party.find("Adres")
    place = (adres.find("AdresPol") or adres.find("AdresZagr") or adres) if adres is not None else None
    return PartyRecord(
        name=name,
        tax_id=tax_id,
        country=place.text("KodKraju") if place is not None else None,
        address=_address(place) if place is not None else None,
        email=party.text("DaneKontaktowe", "Email") or party.text("Email"),
        phone=party.text("DaneKontaktowe", "Telefon") or party.text("Telefon"),
    )


def _name(ident: XmlNode) -> str | None:
    """Nazwa (FA(2), FA(3)); FA(1) files, still in archives, write PelnaNazwa or a person's names."""
    person = " ".join(filter(None, (ident.text("ImiePierwsze"), ident.text("Nazwisko")))) or None
    return ident.text("Nazwa") or ident.text("PelnaNazwa") or person


def _address(place: XmlNode) -> str | None:
    """AdresL1, AdresL2 (FA(2), FA(3), FA(1) AdresZagr) or FA(1) AdresPol's street, house, flat, postcode, town."""
    lines = [place.text("AdresL1"), place.text("AdresL2")]
    street = " ".join(filter(None, (place.text("Ulica"), place.text("NrDomu"))))
    if street and (flat := place.text("NrLokalu")):
        street += f"/{flat}"
    town = " ".join(filter(None, (place.text("KodPocztowy"), place.text("Miejscowosc"))))
    return ", ".join(filter(None, [*lines, street, town])) or None


_FACTOR = "1"  # Podmiot3/Rola: 1 = faktor


def _factor(node: XmlNode, notes: list[str]) -> None:
    """A factor among the third parties: the receivable was assigned, the buyer pays the factor."""
    for third in node.findall("Podmiot3"):
        if third.text("Rola") == _FACTOR:
            ident = third.find("DaneIdentyfikacyjne")
            name = (_name(ident) if ident is not None else None) or "?"
            notes.append(f"the receivable is assigned to the factor {name} (Podmiot3/Rola 1): the buyer pays the "
                         "factor, not the firm")
