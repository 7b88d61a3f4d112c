"""Checks for what people type about contractors: e-mail, phone, country, language, channel."""

from __future__ import annotations

import phonenumbers
from babel import Locale
from email_validator import EmailNotValidError, validate_email

from collector_app.domain.errors import UserError

LANGUAGES = ("pl", "cs", "en")
CHANNELS = ("email", "sms", "letter", "phone")
_TERRITORIES = frozenset(
    code for code in Locale("en").territories if isinstance(code, str) and len(code) == 2 and code.isalpha()
)


def check_email(text: str, field: str = "email") -> str:
    try:
        result = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise UserError(field, f'"{text}" is not an e-mail address ({exc})') from exc
    return str(result.normalized)


def ascii_address(address: str) -> str | None:
    """The address as SMTP without SMTPUTF8 carries it: a domain with national letters in its IDNA form
    (biuro@łąka.pl → biuro@xn--ka-ola7v.pl); None when the part before the @ itself is not ASCII."""
    if address.isascii():
        return address
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return str(result.ascii_email) if result.ascii_email else None


def check_phone(text: str, country: str, field: str = "phone") -> str:
    """Phones are kept in E.164 ("+48601234567") so SMS gateways and `tel:` links work."""
    try:
        number = phonenumbers.parse(text, country.upper())
    except phonenumbers.NumberParseException as exc:
        raise UserError(field, f'"{text}" is not a phone number') from exc
    if not phonenumbers.is_possible_number(number):
        raise UserError(field, f'"{text}" is not a possible phone number for {country.upper()}')
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def check_country(text: str, field: str = "country") -> str:
    code = text.strip().upper()
    if code not in _TERRITORIES:
        raise UserError(field, f'"{text}" is not an ISO 3166 country code (e.g. PL, CZ, DE)')
    return code


def check_language(text: str, field: str = "language") -> str:
    code = text.strip().lower()
    if code not in LANGUAGES:
        raise UserError(field, f'"{text}" is not a supported language (expected {", ".join(LANGUAGES)})')
    return code


def check_channel(text: str, field: str = "channel") -> str:
    code = text.strip().lower()
    if code not in CHANNELS:
        raise UserError(field, f'"{text}" is not a channel (expected {", ".join(CHANNELS)})')
    return code


def default_language(country: str) -> str:
    return {"PL": "pl", "CZ": "cs", "SK": "cs"}.get(country.upper(), "en")
