"""Contractor register: validation on the way in, duplicates, lookups, contact persons, events."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from helpers.ledger import VALID_NIPS, contractor, events, expect_error, fresh
from sqlalchemy import func, select

from collector_app.db.models import Contractor, Segment, User
from collector_app.services.context import Ctx
from collector_app.services.contractors import (
    ContractorData,
    add_contact,
    add_contractor,
    find_contractor,
    get_contractor,
    list_contractors,
    update_contractor,
)


def count_contractors(ctx: Ctx) -> int:
    ctx.session.flush()
    return int(ctx.session.scalar(select(func.count()).select_from(Contractor)) or 0)


# --- tax ids -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("typed", "country", "key"),
    [
        ("701-001-01-91", "PL", "7010010191"),
        ("PL 701 001 01 91", "PL", "7010010191"),
        ("25123891", "CZ", "25123891"),
        ("CZ25123891", "CZ", "25123891"),
        ("7103192745", "CZ", "7103192745"),
        ("DE136695976", "DE", "DE136695976"),
        ("136695976", "DE", "DE136695976"),
    ],
)
def test_valid_tax_ids_are_stored_with_a_lookup_key(ctx: Ctx, typed: str, country: str, key: str) -> None:
    c = fresh(ctx, contractor(ctx, tax_id=typed, country=country))
    assert c.tax_key == key
    assert c.tax_id is not None
    assert c.country == country


@pytest.mark.parametrize(
    ("typed", "country"),
    [("7010010192", "PL"), ("701001019", "PL"), ("25123890", "CZ"), ("CZ25123890", "CZ"),
     ("DE136695977", "DE"), ("PL7010010191", "CZ")],
)
def test_invalid_tax_ids_are_refused_and_nothing_is_added(ctx: Ctx, typed: str, country: str) -> None:
    with expect_error("tax-id"):
        contractor(ctx, tax_id=typed, country=country)
    assert count_contractors(ctx) == 0
    assert events(ctx, "contractor.added") == []


@pytest.mark.parametrize(
    ("first", "second", "country"),
    [
        ("7010010191", "701-001-01-91", "PL"),
        ("7010010191", "PL7010010191", "PL"),
        ("25123891", "CZ 25123891", "CZ"),
        ("DE136695976", "de 136695976", "DE"),
    ],
)
def test_duplicate_tax_id_is_refused_in_any_spelling(ctx: Ctx, first: str, second: str, country: str) -> None:
    a = contractor(ctx, "Alpha", tax_id=first, country=country)
    with expect_error("tax-id") as info:
        contractor(ctx, "Beta", tax_id=second, country=country)
    assert str(a.id) in info.value.message
    assert count_contractors(ctx) == 1


def test_update_refuses_another_contractors_tax_id_but_keeps_its_own(ctx: Ctx) -> None:
    a = contractor(ctx, "Alpha", tax_id=VALID_NIPS[0])
    b = contractor(ctx, "Beta", tax_id=VALID_NIPS[1])
    with expect_error("tax-id", ctx):
        update_contractor(ctx, b.id, ContractorData(tax_id=VALID_NIPS[0]))
    assert fresh(ctx, b).tax_key == VALID_NIPS[1]
    update_contractor(ctx, a.id, ContractorData(tax_id="PL " + VALID_NIPS[0]))  # its own id, respelled
    update_contractor(ctx, b.id, ContractorData(tax_id=""))  # clearing is allowed
    assert fresh(ctx, b).tax_id is None
    assert b.tax_key is None


def test_contractors_without_tax_id_do_not_clash(ctx: Ctx) -> None:
    contractor(ctx, "Alpha")
    contractor(ctx, "Beta", tax_id="  ")
    assert count_contractors(ctx) == 2


# --- other fields ----------------------------------------------------------------------------

def test_fields_are_normalised(ctx: Ctx) -> None:
    c = fresh(ctx, add_contractor(ctx, ContractorData(
        name="  Omega   Handel  ", country="cz", email="Biuro@Omega.CZ", phone="601 123 456",
        preferred_channel="SMS", payment_terms_days=30, credit_limit=Decimal("5000.00"),
        segment="Loyal", collector="anna", city="  Brno ", notes="  ",
    )))
    assert c.name == "Omega Handel"
    assert c.country == "CZ"
    assert c.language == "cs"  # default from the country
    assert c.email == "Biuro@omega.cz"
    assert c.phone == "+420601123456"
    assert c.preferred_channel == "sms"
    assert c.payment_terms_days == 30
    assert c.credit_limit == Decimal("5000.00")
    assert c.city == "Brno"
    assert c.notes is None
    seg = ctx.session.get(Segment, c.segment_id)
    assert seg is not None and seg.name == "Loyal"
    user = ctx.session.get(User, c.collector_id)
    assert user is not None and user.login == "anna"


def test_segment_is_found_case_insensitively(ctx: Ctx) -> None:
    a = contractor(ctx, "Alpha", segment="Loyal")
    b = contractor(ctx, "Beta", segment="loyal")
    assert a.segment_id == b.segment_id
    assert ctx.session.scalar(select(func.count()).select_from(Segment)) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ContractorData(name=""), "name"),
        (ContractorData(name="   "), "name"),
        (ContractorData(name="X", email="not-an-email"), "email"),
        (ContractorData(name="X", email="jan@"), "email"),
        (ContractorData(name="X", phone="12"), "phone"),
        (ContractorData(name="X", country="Polska"), "country"),
        (ContractorData(name="X", language="de"), "language"),
        (ContractorData(name="X", preferred_channel="fax"), "channel"),
        (ContractorData(name="X", payment_terms_days=366), "payment-terms"),
        (ContractorData(name="X", payment_terms_days=-1), "payment-terms"),
        (ContractorData(name="X", credit_limit=Decimal("-0.01")), "credit-limit"),
        (ContractorData(name="X", tax_id="123"), "tax-id"),
    ],
)
def test_bad_input_names_the_field(ctx: Ctx, data: ContractorData, field: str) -> None:
    with expect_error(field):
        add_contractor(ctx, data)
    assert count_contractors(ctx) == 0


def test_update_keeps_what_is_not_given(ctx: Ctx) -> None:
    c = contractor(ctx, "Alpha", tax_id=VALID_NIPS[0], email="a@alpha.pl", phone="601234567")
    update_contractor(ctx, c.id, ContractorData(city="Kraków"))
    c = fresh(ctx, c)
    assert (c.name, c.tax_key, c.email, c.phone, c.city) == (
        "Alpha", VALID_NIPS[0], "a@alpha.pl", "+48601234567", "Kraków")
    with expect_error("email", ctx):
        update_contractor(ctx, c.id, ContractorData(email="nope"))
    with expect_error("name", ctx):
        update_contractor(ctx, c.id, ContractorData(name=" "))
    assert fresh(ctx, c).email == "a@alpha.pl"


def test_get_unknown_contractor(ctx: Ctx) -> None:
    with expect_error("contractor"):
        get_contractor(ctx, 999)


# --- lookups ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "ref", ["7010010191", "701-001-01-91", "PL7010010191", "pl 701 001 01 91", " PL-701-001-01-91 "]
)
def test_find_contractor_by_tax_id_in_any_spelling(ctx: Ctx, ref: str) -> None:
    contractor(ctx, "Other", tax_id=VALID_NIPS[1])
    wanted = contractor(ctx, "Wanted", tax_id="701-001-01-91")
    assert find_contractor(ctx, ref).id == wanted.id


@pytest.mark.parametrize("ref", ["25123891", "CZ25123891", "cz 251 23 891"])
def test_find_czech_contractor_by_ico_or_dic(ctx: Ctx, ref: str) -> None:
    wanted = contractor(ctx, "Alza", tax_id="CZ25123891", country="CZ")
    assert find_contractor(ctx, ref).id == wanted.id


def test_find_contractor_by_eu_vat_id(ctx: Ctx) -> None:
    wanted = contractor(ctx, "Müller GmbH", tax_id="DE136695976", country="DE")
    assert find_contractor(ctx, "de 136 695 976").id == wanted.id


def test_find_contractor_by_id(ctx: Ctx) -> None:
    contractor(ctx, "First")
    second = contractor(ctx, "Second", tax_id=VALID_NIPS[2])
    assert find_contractor(ctx, str(second.id)).id == second.id
    assert find_contractor(ctx, f" {second.id} ").id == second.id


@pytest.mark.parametrize("ref", ["999", "5260250274", "Omega", ""])
def test_find_unknown_contractor_names_the_field(ctx: Ctx, ref: str) -> None:
    contractor(ctx, "Omega", tax_id=VALID_NIPS[0])
    with expect_error("contractor"):
        find_contractor(ctx, ref)
    with expect_error("payer"):
        find_contractor(ctx, ref, field="payer")


def test_list_contractors_search(ctx: Ctx) -> None:
    contractor(ctx, "Omega Handel", tax_id=VALID_NIPS[0])
    contractor(ctx, "Beta Serwis", tax_id=VALID_NIPS[1])
    contractor(ctx, "Gamma Omegatron")
    assert [c.name for c in list_contractors(ctx)] == ["Beta Serwis", "Gamma Omegatron", "Omega Handel"]
    assert [c.name for c in list_contractors(ctx, "omega")] == ["Gamma Omegatron", "Omega Handel"]
    assert [c.name for c in list_contractors(ctx, "526-025")] == ["Beta Serwis"]
    assert [c.name for c in list_contractors(ctx, "Be")] == ["Beta Serwis"]
    assert [c.name for c in list_contractors(ctx, limit=1, offset=1)] == ["Gamma Omegatron"]


# --- contact persons -------------------------------------------------------------------------

def test_add_contact(ctx: Ctx) -> None:
    c = contractor(ctx, tax_id=VALID_NIPS[0])
    p = add_contact(ctx, c.id, "  Jan Nowak ", "księgowość", "Jan@Omega.PL", "601 234 567")
    assert (p.name, p.role, p.email, p.phone) == ("Jan Nowak", "księgowość", "Jan@omega.pl", "+48601234567")
    assert [x.id for x in fresh(ctx, c).contacts] == [p.id]
    assert [e.entity_id for e in events(ctx, "contact.added", contractor_id=c.id)] == [p.id]


@pytest.mark.parametrize(
    ("name", "email", "phone", "field"),
    [(" ", None, None, "name"), ("Jan", "jan@", None, "email"), ("Jan", None, "1", "phone")],
)
def test_add_contact_refuses_bad_input(ctx: Ctx, name: str, email: str | None, phone: str | None,
                                       field: str) -> None:
    c = contractor(ctx)
    with expect_error(field):
        add_contact(ctx, c.id, name, email=email, phone=phone)


def test_add_contact_to_unknown_contractor(ctx: Ctx) -> None:
    with expect_error("contractor"):
        add_contact(ctx, 42, "Jan")


# --- events ----------------------------------------------------------------------------------

def test_add_and_update_write_events(ctx: Ctx) -> None:
    c = contractor(ctx, "Alpha")
    added = events(ctx, "contractor.added")
    assert [(e.entity, e.entity_id, e.contractor_id, e.user) for e in added] == [
        ("contractor", c.id, c.id, "tester")]
    assert "Alpha" in added[0].summary
    update_contractor(ctx, c.id, ContractorData(city="Łódź", email="a@alpha.pl"))
    updated = events(ctx, "contractor.updated", contractor_id=c.id)
    assert len(updated) == 1
    assert json.loads(updated[0].details or "{}") == {"changed": ["city", "email"]}
