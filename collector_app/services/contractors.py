"""Contractor register: adding, editing, finding contractors and their contact persons."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from sqlalchemy import func, select

from collector_app.db.models import ContactPerson, Contractor, Segment
from collector_app.domain.contact import (
    check_channel,
    check_country,
    check_email,
    check_language,
    check_phone,
    default_language,
)
from collector_app.domain.errors import UserError
from collector_app.domain.taxid import compact_tax_id, normalize_tax_id
from collector_app.services import audit
from collector_app.services.context import Changes, Ctx
from collector_app.services.users import user_by_login


@dataclass(frozen=True)
class ContractorData:
    """What a person types about a contractor; None means "not given" (left as it is on edit)."""

    name: str | None = None
    tax_id: str | None = None
    registration_no: str | None = None
    country: str | None = None
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    preferred_channel: str | None = None
    payment_terms_days: int | None = None
    credit_limit: Decimal | None = None
    segment: str | None = None
    collector: str | None = None
    notes: str | None = None


def segment_by_name(ctx: Ctx, name: str) -> Segment:
    clean = name.strip()
    if not clean:
        raise UserError("segment", "must not be empty")
    seg = ctx.session.scalar(select(Segment).where(func.lower(Segment.name) == clean.lower()))
    if seg is None:
        seg = Segment(name=clean)
        ctx.session.add(seg)
        ctx.session.flush()
    return seg


def _apply(ctx: Ctx, c: Contractor, data: ContractorData) -> None:
    if data.name is not None:
        if not data.name.strip():
            raise UserError("name", "must not be empty")
        c.name = " ".join(data.name.split())
    moved = data.country is not None and c.country is not None and check_country(data.country) != c.country
    if data.country is not None:
        c.country = check_country(data.country)
    if moved:  # what was valid for the old country is checked again for the new one, unless retyped now
        if data.tax_id is None and c.tax_id:
            c.tax_id = normalize_tax_id(c.tax_id, c.country)
            c.tax_key = compact_tax_id(c.tax_id)
        if data.phone is None and c.phone:
            c.phone = check_phone(c.phone, c.country)
    if data.tax_id is not None:
        if data.tax_id.strip():
            c.tax_id = normalize_tax_id(data.tax_id, c.country)
            c.tax_key = compact_tax_id(c.tax_id)
            _refuse_duplicate_tax_id(ctx, c)
        else:
            c.tax_id = c.tax_key = None
    for attr in ("registration_no", "address", "postal_code", "city", "notes"):
        value = getattr(data, attr)
        if value is not None:
            setattr(c, attr, value.strip() or None)
    if data.email is not None:
        c.email = check_email(data.email) if data.email.strip() else None
    if data.phone is not None:
        c.phone = check_phone(data.phone, c.country) if data.phone.strip() else None
    if data.language is not None:
        c.language = check_language(data.language)
    if data.preferred_channel is not None:
        c.preferred_channel = check_channel(data.preferred_channel, "channel")
    if data.payment_terms_days is not None:
        if not 0 <= data.payment_terms_days <= 365:
            raise UserError("payment-terms", f"{data.payment_terms_days} is not 0–365 days")
        c.payment_terms_days = data.payment_terms_days
    if data.credit_limit is not None:
        if data.credit_limit < 0:
            raise UserError("credit-limit", "must not be negative")
        c.credit_limit = data.credit_limit
    if data.segment is not None:
        c.segment_id = segment_by_name(ctx, data.segment).id if data.segment.strip() else None
    if data.collector is not None:
        c.collector_id = user_by_login(ctx, data.collector, field="collector").id if data.collector else None


def _refuse_duplicate_tax_id(ctx: Ctx, c: Contractor) -> None:
    query = select(Contractor.id, Contractor.name).where(Contractor.tax_key == c.tax_key)
    if c.id is not None:
        query = query.where(Contractor.id != c.id)
    other = ctx.session.execute(query.limit(1)).first()
    if other is not None:
        raise UserError("tax-id", f'"{c.tax_id}" already belongs to contractor {other.id} ({other.name})')


def add_contractor(ctx: Ctx, data: ContractorData) -> Contractor:
    if not data.name or not data.name.strip():
        raise UserError("name", "is required")
    country = check_country(data.country) if data.country else "PL"
    c = Contractor(
        name="",
        country=country,
        language=default_language(country),
        preferred_channel="email",
        created_at=ctx.clock.now(),
    )
    _apply(ctx, c, data)
    ctx.session.add(c)
    ctx.session.flush()
    audit.record(ctx, "contractor.added", "contractor", c.id, f"Contractor added: {c.name}", contractor_id=c.id)
    return c


def update_contractor(ctx: Ctx, contractor_id: int, data: ContractorData) -> Changes:
    c = get_contractor(ctx, contractor_id)
    before = {f.name: getattr(c, f.name, None) for f in fields(data)}
    _apply(ctx, c, data)
    ctx.session.flush()
    changed = {k: v for k, v in before.items() if getattr(c, k, None) != v}
    audit.record(
        ctx, "contractor.updated", "contractor", c.id, f"Contractor edited: {c.name}",
        contractor_id=c.id, details={"changed": sorted(changed)},
    )
    return Changes(contractors=frozenset({c.id}))


def get_contractor(ctx: Ctx, contractor_id: int) -> Contractor:
    c = ctx.session.get(Contractor, contractor_id)
    if c is None:
        raise UserError("contractor", f"no contractor with id {contractor_id}")
    return c


def find_contractor(ctx: Ctx, ref: str, field: str = "contractor") -> Contractor:
    """A contractor by tax id (any common spelling) or by numeric id."""
    text = ref.strip()
    key = compact_tax_id(text)
    if key:
        found = ctx.session.scalars(select(Contractor).where(Contractor.tax_key == key).limit(2)).all()
        if len(found) == 1:
            return found[0]
    if text.isdigit():
        c = ctx.session.get(Contractor, int(text))
        if c is not None:
            return c
    raise UserError(field, f'"{ref}" is neither a contractor id nor a known tax id')


def add_contact(
    ctx: Ctx, contractor_id: int, name: str, role: str | None = None,
    email: str | None = None, phone: str | None = None,
) -> ContactPerson:
    c = get_contractor(ctx, contractor_id)
    if not name.strip():
        raise UserError("name", "the contact person's name is required")
    person = ContactPerson(
        contractor_id=c.id,
        name=name.strip(),
        role=(role or "").strip() or None,
        email=check_email(email) if email else None,
        phone=check_phone(phone, c.country) if phone else None,
    )
    ctx.session.add(person)
    ctx.session.flush()
    audit.record(
        ctx, "contact.added", "contact_person", person.id,
        f"Contact person added: {person.name}", contractor_id=c.id,
    )
    return person


def list_contractors(ctx: Ctx, search: str | None = None, limit: int | None = None,
                     offset: int = 0) -> list[Contractor]:
    query = select(Contractor).order_by(Contractor.name, Contractor.id)
    if search:
        from collector_app.db.queries import contractor_ids_matching

        query = query.where(Contractor.id.in_(contractor_ids_matching(ctx.session, search)))
    if limit is not None:
        query = query.limit(limit)
    return list(ctx.session.scalars(query.offset(offset)))
