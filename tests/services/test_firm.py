"""The firm's own data: first set-up, validation, partial updates, and its defaults used elsewhere."""

from __future__ import annotations

import pytest
from helpers.ledger import events, expect_error, fresh
from sqlalchemy import func, select

from collector_app.db.models import Firm
from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx
from collector_app.services.firm import FirmChanges, check_iban, get_firm, set_firm


def test_no_firm_until_set(ctx: Ctx) -> None:
    assert get_firm(ctx) is None


def test_first_set_needs_a_name(ctx: Ctx) -> None:
    with expect_error("name", ctx):
        set_firm(ctx, FirmChanges(currency="EUR"))
    assert get_firm(ctx) is None


def test_first_set_with_defaults(ctx: Ctx) -> None:
    firm = fresh(ctx, set_firm(ctx, FirmChanges(name="  Nasza Firma Sp. z o.o. ")))
    assert (firm.name, firm.country, firm.currency, firm.payment_terms_days) == (
        "Nasza Firma Sp. z o.o.", "PL", "PLN", 14)
    ev = events(ctx, "firm.updated")
    assert [(e.entity, e.entity_id) for e in ev] == [("firm", firm.id)]


def test_full_set_is_normalised(ctx: Ctx) -> None:
    firm = fresh(ctx, set_firm(ctx, FirmChanges(
        name="Firma", tax_id="701-001-01-91", country="pl", currency="eur",
        iban="PL61 1090 1014 0000 0712 1981 2874", address=" ul. Długa 1 ", postal_code="00-001", city="Warszawa",
        contact_person="Anna Nowak", email="Biuro@Firma.PL", phone="22 123 45 67", payment_terms_days=30,
    )))
    assert firm.tax_id == "7010010191"
    assert firm.currency == "EUR"
    assert firm.iban == "PL61109010140000071219812874"
    assert firm.address == "ul. Długa 1"
    assert firm.email == "Biuro@firma.pl"
    assert firm.phone == "+48221234567"
    assert firm.payment_terms_days == 30


def test_second_set_changes_only_what_is_given(ctx: Ctx) -> None:
    set_firm(ctx, FirmChanges(name="Firma", city="Kraków", currency="CZK"))
    firm = fresh(ctx, set_firm(ctx, FirmChanges(contact_person="Jan")))
    assert (firm.name, firm.city, firm.currency, firm.contact_person) == ("Firma", "Kraków", "CZK", "Jan")
    firm = fresh(ctx, set_firm(ctx, FirmChanges(city="")))
    assert firm.city is None  # an empty value clears
    assert ctx.session.scalar(select(func.count()).select_from(Firm)) == 1
    assert len(events(ctx, "firm.updated")) == 3


def test_tax_id_is_checked_for_the_firms_country(ctx: Ctx) -> None:
    set_firm(ctx, FirmChanges(name="Firma"))
    with expect_error("tax-id", ctx):
        set_firm(ctx, FirmChanges(tax_id="25123891"))  # a Czech IČO is not a PL NIP
    firm = fresh(ctx, set_firm(ctx, FirmChanges(country="CZ", tax_id="25123891")))
    assert (firm.country, firm.tax_id) == ("CZ", "25123891")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (FirmChanges(name=" "), "name"),
        (FirmChanges(tax_id="7010010192"), "tax-id"),
        (FirmChanges(country="Polska"), "country"),
        (FirmChanges(currency="ZL"), "currency"),
        (FirmChanges(iban="PL61 1090 1014 0000 0712 1981 2875"), "iban"),  # checksum
        (FirmChanges(iban="not an iban"), "iban"),
        (FirmChanges(email="biuro@"), "email"),
        (FirmChanges(phone="1"), "phone"),
        (FirmChanges(payment_terms_days=-1), "payment-terms"),
        (FirmChanges(payment_terms_days=366), "payment-terms"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(ctx: Ctx, changes: FirmChanges, field: str) -> None:
    set_firm(ctx, FirmChanges(name="Firma", currency="PLN"))
    before = len(events(ctx, "firm.updated"))
    with expect_error(field, ctx):
        set_firm(ctx, changes)
    firm = get_firm(ctx)
    assert firm is not None and (firm.name, firm.currency, firm.iban) == ("Firma", "PLN", None)
    assert len(events(ctx, "firm.updated")) == before


def test_check_iban() -> None:
    assert check_iban("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    with expect_error("bank-account"):
        check_iban("DE89 3704 0044 0532 0130 01", "bank-account")


@pytest.mark.parametrize("field", ["name", "contact_person", "postal_code", "city"])
def test_one_line_fields_refuse_a_line_break(ctx: Ctx, field: str) -> None:
    """They go into e-mail headers (the name) and one-line places of letters: a line break is refused here,
    not found when every message fails to be sent."""
    set_firm(ctx, FirmChanges(name="Firma"))
    with pytest.raises(UserError, match="one line") as raised:
        set_firm(ctx, FirmChanges(**{field: "Firma\nSp. z o.o."}))  # type: ignore[arg-type]
    assert raised.value.field == field.replace("_", "-")
    assert set_firm(ctx, FirmChanges(address="ul. Długa 5\n00-950 Warszawa")).address is not None
