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
from collector_app.imports.einvoice import corrected_numbers, correction_record, readable_xml

KSEF_NS_PREFIX = "http://crd.gov.pl/wzor/"
CORRECTIONS = frozenset({"KOR", "KOR_ZAL", "KOR_ROZ"})
KINDS = frozenset({"VAT", "ZAL", "ROZ", "UPR", *CORRECTIONS})


def read(path: Path, label: str) -> Iterator[InvoiceRecord]:
    with readable_xml(path, label) as source:
        yield from read_xml_document(source, label, _document)


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
    due, terms = _payment(fa, currency, notes, payable=gross > 0 and not credit)
    buyer = node.require("Podmiot2")
    seller = node.find("Podmiot1")
    customer = _party(buyer, required=True)
    _factor(node, notes)
    if (ident := buyer.find("DaneIdentyfikacyjne")) is not None and _name(ident) is None:
        notes.append(f"the buyer has no name in the file (Podmiot2/DaneIdentyfikacyjne/Nazwa): named after its "
                     f"tax id {customer.tax_id}")
    record, corrects = InvoiceRecord, None
    if kind in CORRECTIONS:  # a collective correction of several invoices is linked to none of them
        numbers = corrected_numbers(d.text("NrFaKorygowanej") for d in fa.findall("DaneFaKorygowanej"))
        record, corrects = correction_record(numbers, notes, credit=credit and gross != 0)
    return record(
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
        corrects=corrects,
        seller=_party(seller, required=False) if seller is not None else None,
        notes=notes,
    )


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


def _payment(fa: XmlNode, currency: str, notes: list[str], *, payable: bool) -> tuple[dt.date | None, int | None]:
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
        notes.append(_paid_note(pay, payable=payable))
    for part in pay.findall("ZaplataCzesciowa"):
        amount = part.amount("KwotaZaplatyCzesciowej", currency=currency)
        if not amount:  # an empty or zero partial payment some programs write by default
            continue
        notes.append(f"partial payment of {format_amount(amount or Decimal(0))} {currency} on "
                     f"{part.text('DataZaplatyCzesciowej') or '?'} stated in the file; not booked")
    return due, terms


# Platnosc/FormaPlatnosci: how the buyer pays; money no bank statement shows as the buyer's transfer.
_PAYMENT_FORMS = {"1": "in cash", "2": "by card", "3": "by voucher", "4": "by cheque", "5": "by credit",
                  "6": "by bank transfer", "7": "by mobile payment"}
_NO_TRANSFER = frozenset({"1", "2", "3", "7"})


def _paid_note(pay: XmlNode, *, payable: bool) -> str:
    """Zaplacono = 1: not booked (money comes from statements), but paid in cash, by card or on delivery no
    statement will show it, so the person is told to settle it."""
    form, other = pay.text("FormaPlatnosci"), pay.text("OpisPlatnosci") if pay.text("PlatnoscInna") == "1" else None
    how = f" ({other})" if other else f" {_PAYMENT_FORMS[form]}" if form in _PAYMENT_FORMS else ""
    text = f"marked paid on {pay.text('DataZaplaty') or '?'}{how} in the file; not booked as a payment"
    if not payable:
        return text
    text += ": imported open"
    if form in _NO_TRANSFER or other:
        return (text + ", and no bank statement will show this payment: settle it by hand (collector payment add "
                "… --invoice NUMBER) or it will be reminded")
    return text + " until the bank statement's payment is matched to it"


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
    """The amount payable after Fa/Rozliczenie, as the FA(2)/FA(3) schema defines it: DoZaplaty, what is still to
    pay, is P_15 plus the charges (SumaObciazen) less the deductions (SumaOdliczen); DoRozliczenia is what the
    deductions leave overpaid, to settle or refund. A zero DoZaplaty or DoRozliczenia, which some programs write
    by default, is no amount: then P_15 with the charges and deductions stated is the amount payable."""
    block = fa.find("Rozliczenie")
    if block is None:
        return gross
    to_pay = block.amount("DoZaplaty", currency=currency)
    overpaid = block.amount("DoRozliczenia", currency=currency)
    if to_pay:
        if to_pay != gross:
            notes.append(f"amount payable {format_amount(to_pay)} {currency} taken from Rozliczenie/DoZaplaty "
                         f"(P_15 is {format_amount(gross)} {currency}; the difference is charges and deductions)")
        return to_pay
    if overpaid:
        notes.append(f"Rozliczenie/DoRozliczenia: {format_amount(abs(overpaid))} {currency} overpaid by the buyer, "
                     f"to settle or refund; P_15 ({format_amount(gross)} {currency}) is not payable")
        return -abs(overpaid)
    charges, deductions = _adjustment(block, "Obciazenia", currency), _adjustment(block, "Odliczenia", currency)
    if not charges and not deductions:
        if to_pay is not None and gross:
            notes.append(f"Rozliczenie/DoZaplaty is 0.00 with no charges or deductions: taken as not filled in; "
                         f"P_15 ({format_amount(gross)} {currency}) is the amount payable")
        return gross
    payable = gross + charges - deductions
    notes.append(f"amount payable {format_amount(payable)} {currency} after Rozliczenie: P_15 {format_amount(gross)} "
                 f"plus charges {format_amount(charges)} less deductions {format_amount(deductions)} {currency}")
    return payable


def _adjustment(block: XmlNode, items: str, currency: str) -> Decimal:
    """Rozliczenie's sum of charges (Obciazenia) or deductions (Odliczenia): its Suma…, else its items added."""
    total = block.amount("SumaObciazen" if items == "Obciazenia" else "SumaOdliczen", currency=currency)
    if total is not None:
        return abs(total)
    return sum((abs(i.amount("Kwota", currency=currency) or Decimal(0)) for i in block.findall(items)), Decimal(0))


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
