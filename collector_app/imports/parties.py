"""Buyers and sellers of UBL-shaped documents: UBL 2.1 (cac:/cbc: prefixes) and ISDOC (the same names, no prefixes)."""

from __future__ import annotations

from collector_app.imports.common import PartyRecord, XmlNode


def ubl_party(
    party: XmlNode,
    *,
    name: str | None,
    tax_id: str | None,
    registration_no: str | None,
    second_street: str,
    cac: str = "",
    cbc: str = "",
) -> PartyRecord:
    """The party's postal address and contact; the street joins StreetName with `second_street`."""
    address, contact = f"{cac}PostalAddress", f"{cac}Contact"
    street = " ".join(filter(None, (party.text(address, f"{cbc}StreetName"),
                                    party.text(address, f"{cbc}{second_street}"))))
    return PartyRecord(
        name=name,
        tax_id=tax_id,
        registration_no=registration_no,
        country=party.text(address, f"{cac}Country", f"{cbc}IdentificationCode"),
        address=street or None,
        postal_code=party.text(address, f"{cbc}PostalZone"),
        city=party.text(address, f"{cbc}CityName"),
        email=party.text(contact, f"{cbc}ElectronicMail"),
        phone=party.text(contact, f"{cbc}Telephone"),
    )
