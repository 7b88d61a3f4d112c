"""What people type about contractors: e-mail, phone, country, language, channel."""

from __future__ import annotations

import pytest
from helpers.ledger import expect_error

from collector_app.domain.contact import (
    check_channel,
    check_country,
    check_email,
    check_language,
    check_phone,
    default_language,
)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("anna@example.com", "anna@example.com"),
        ("  anna@example.com ", "anna@example.com"),
        ("Jan.Kowalski@Example.COM", "Jan.Kowalski@example.com"),  # domain is case-insensitive
        ("biuro@zażółć.pl", "biuro@zażółć.pl"),
    ],
)
def test_valid_emails(typed: str, kept: str) -> None:
    assert check_email(typed) == kept


@pytest.mark.parametrize("bad", ["", "anna", "anna@", "@example.com", "anna@@example.com", "anna example@x.pl",
                                 "anna@example", "anna@exa mple.com"])
def test_invalid_emails_name_the_field(bad: str) -> None:
    with expect_error("email") as info:
        check_email(bad)
    assert "e-mail" in info.value.message
    with expect_error("contact-email"):
        check_email(bad, "contact-email")


@pytest.mark.parametrize(
    ("typed", "country", "kept"),
    [
        ("601 234 567", "PL", "+48601234567"),
        ("+48 601-234-567", "PL", "+48601234567"),
        ("601234567", "pl", "+48601234567"),
        ("+420 601 123 456", "PL", "+420601123456"),  # foreign number keeps its own prefix
        ("601 123 456", "CZ", "+420601123456"),
    ],
)
def test_phones_are_kept_in_e164(typed: str, country: str, kept: str) -> None:
    assert check_phone(typed, country) == kept


@pytest.mark.parametrize("bad", ["", "abc", "12", "+48 1", "601 234 567 890 123 456"])
def test_invalid_phones_name_the_field(bad: str) -> None:
    with expect_error("phone"):
        check_phone(bad, "PL")


@pytest.mark.parametrize(("typed", "code"), [("pl", "PL"), (" cz ", "CZ"), ("De", "DE"), ("SK", "SK")])
def test_countries(typed: str, code: str) -> None:
    assert check_country(typed) == code


@pytest.mark.parametrize("bad", ["", "POL", "XX", "P1", "Polska"])
def test_bad_countries(bad: str) -> None:
    with expect_error("country"):
        check_country(bad)


@pytest.mark.parametrize("lang", ["pl", "CS", " en "])
def test_languages(lang: str) -> None:
    assert check_language(lang) == lang.strip().lower()


@pytest.mark.parametrize("bad", ["de", "cz", "", "polish"])
def test_bad_languages(bad: str) -> None:
    with expect_error("language"):
        check_language(bad)


@pytest.mark.parametrize("ch", ["email", "SMS", "letter", "phone"])
def test_channels(ch: str) -> None:
    assert check_channel(ch) == ch.lower()


def test_bad_channel_names_the_given_field() -> None:
    with expect_error("preferred-channel"):
        check_channel("fax", "preferred-channel")
    with expect_error("channel"):
        check_channel("e-mail")


@pytest.mark.parametrize(("country", "lang"), [("PL", "pl"), ("cz", "cs"), ("SK", "cs"), ("DE", "en"), ("GB", "en")])
def test_default_language_follows_the_country(country: str, lang: str) -> None:
    assert default_language(country) == lang
