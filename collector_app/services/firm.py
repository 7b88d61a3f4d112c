"""The firm's own data: letterhead, bank account, default currency and payment terms."""

from __future__ import annotations

from dataclasses import dataclass

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import select

from collector_app.db.models import Firm
from collector_app.domain.contact import check_country, check_email, check_phone
from collector_app.domain.errors import UserError
from collector_app.domain.money import check_currency
from collector_app.domain.taxid import normalize_tax_id
from collector_app.services import audit
from collector_app.services.context import Ctx


@dataclass(frozen=True)
class FirmChanges:
    """Fields to set; None leaves a field as it is."""

    name: str | None = None
    tax_id: str | None = None
    country: str | None = None
    currency: str | None = None
    iban: str | None = None
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    contact_person: str | None = None
    email: str | None = None
    phone: str | None = None
    payment_terms_days: int | None = None


_FIRM = select(Firm).order_by(Firm.id).limit(1)  # built once: asked for every message sent


def get_firm(ctx: Ctx) -> Firm | None:
    return ctx.session.scalar(_FIRM)


def check_iban(text: str, field: str = "iban") -> str:
    try:
        return str(IBAN(text).compact)
    except SchwiftyException as exc:
        raise UserError(field, f'"{text}" is not a valid IBAN ({exc})') from exc


def set_firm(ctx: Ctx, changes: FirmChanges) -> Firm:
    firm = get_firm(ctx)
    if firm is None:
        if not changes.name:
            raise UserError("name", "the firm's name is required when the firm is first set")
        firm = Firm(name=changes.name.strip(), country="PL", currency="PLN", payment_terms_days=14)
        ctx.session.add(firm)
    country = check_country(changes.country) if changes.country else firm.country
    for attr in ("name", "contact_person", "postal_code", "city"):  # they go into headers and one-line fields
        value = getattr(changes, attr)
        if value is not None and ("\n" in value.strip() or "\r" in value.strip()):
            raise UserError(attr.replace("_", "-"), "must be one line")
    if changes.name is not None:
        if not changes.name.strip():
            raise UserError("name", "must not be empty")
        firm.name = changes.name.strip()
    firm.country = country
    if changes.tax_id is not None:
        firm.tax_id = normalize_tax_id(changes.tax_id, country) if changes.tax_id.strip() else None
    if changes.currency is not None:
        firm.currency = check_currency(changes.currency)
    if changes.iban is not None:
        firm.iban = check_iban(changes.iban) if changes.iban.strip() else None
    for attr in ("address", "postal_code", "city", "contact_person"):
        value = getattr(changes, attr)
        if value is not None:
            setattr(firm, attr, value.strip() or None)
    if changes.email is not None:
        firm.email = check_email(changes.email) if changes.email.strip() else None
    if changes.phone is not None:
        firm.phone = check_phone(changes.phone, country) if changes.phone.strip() else None
    if changes.payment_terms_days is not None:
        if not 0 <= changes.payment_terms_days <= 365:
            raise UserError("payment-terms", f"{changes.payment_terms_days} is not 0–365 days")
        firm.payment_terms_days = changes.payment_terms_days
    ctx.session.flush()
    audit.record(ctx, "firm.updated", "firm", firm.id, f"Firm details updated: {firm.name}")
    return firm
