"""A ledger ready for composing reminders: firm with IBAN and contact person, contractors per language."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from collector_app.db.models import Contractor, Invoice, Outbox, Policy, PolicyStep
from collector_app.services.context import Ctx
from collector_app.services.contractors import add_contact
from collector_app.services.firm import FirmChanges, set_firm
from helpers.ledger import contractor, invoice

IBAN = "PL61109010140000071219812874"
IBAN_SPACED = "PL61 1090 1014 0000 0712 1981 2874"
TEMPLATES = ("invoice_issued", "before_due", "due_today", "overdue_first", "overdue_weekly",
             "overdue_gentle", "overdue_firm", "overdue_final", "thank_you")
CURRENCY = {"pl": "PLN", "cs": "CZK", "en": "EUR"}
COUNTRY = {"pl": "PL", "cs": "CZ", "en": "IE"}
AMOUNT = {"pl": "1 234,56 zł", "cs": "1 234,56 Kč", "en": "€1,234.56"}
DUE = {"pl": "2 marca 2026", "cs": "2. března 2026", "en": "2 March 2026"}


@dataclass
class Sample:
    contractor: Contractor
    invoice: Invoice


def norm(text: str) -> str:
    """Babel's non-breaking and narrow spaces as plain ones, runs of whitespace as one space."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def firm(ctx: Ctx) -> None:
    set_firm(ctx, FirmChanges(
        name="Alfa Serwis Sp. z o.o.", tax_id="5260250274", iban=IBAN, address="ul. Długa 5",
        postal_code="00-950", city="Warszawa", contact_person="Anna Nowak", email="anna@alfa.example",
        phone="+48 601 234 567",
    ))


def sample(ctx: Ctx, lang: str, number: str = "FV/2026/02/0007", gross: str = "1234.56",
           due: dt.date = dt.date(2026, 3, 2)) -> Sample:
    c = contractor(ctx, f"Klient {lang.upper()} s.r.o.", country=COUNTRY[lang], language=lang,
                   email=f"ap-{lang}@client.example", phone={"pl": "601 987 654", "cs": "602 123 456",
                                                             "en": "085 123 4567"}[lang])
    return Sample(c, invoice(ctx, c, number, gross, due, currency=CURRENCY[lang]))


def step(ctx: Ctx, template: str, channel: str = "email", attach: bool = False) -> PolicyStep:
    policy = ctx.session.query(Policy).filter_by(name="Test").one_or_none()
    if policy is None:
        policy = Policy(name="Test", created_at=ctx.clock.now())
        ctx.session.add(policy)
        ctx.session.flush()
    s = PolicyStep(policy_id=policy.id, position=len(policy.steps) + 1, name=template, anchor="due",
                   offset_days=0, channel=channel, template=template, attach_invoice=attach)
    ctx.session.add(s)
    ctx.session.flush()
    return s


def outbox_row(ctx: Ctx, inv: Invoice, s: PolicyStep, group_key: str | None = None) -> Outbox:
    row = Outbox(invoice_id=inv.id, contractor_id=inv.contractor_id, step_id=s.id, occurrence=1,
                 channel=s.channel, planned_for=ctx.clock.today(), group_key=group_key,
                 created_at=ctx.clock.now())
    ctx.session.add(row)
    ctx.session.flush()
    return row


def contact(ctx: Ctx, c: Contractor, name: str = "Jan Kowalski", email: str | None = None,
            phone: str | None = None) -> None:
    add_contact(ctx, c.id, name, email=email, phone=phone)
