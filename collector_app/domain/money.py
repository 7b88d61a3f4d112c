"""Exact money: Decimal amounts that always carry their ISO currency."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_precision, list_currencies

from collector_app.domain.errors import UserError

_KNOWN_CURRENCIES = frozenset(list_currencies())
_AMOUNT_RE = re.compile(r"^[+-]?\d+([.,]\d+)?$")
# SQLite keeps Numeric columns as 8-byte REAL: below 10^13 every amount comes back to the cent;
# above it cents are lost (99999999999999.99 reads back as 99999999999999.98).
MAX_AMOUNT = Decimal(10) ** 13
# The ledger's amount columns are Numeric(18, 2): a currency with more minor digits (BHD, KWD …)
# would be rounded on the way in, so it is refused instead.
LEDGER_PLACES = 2


class CurrencyMismatch(ValueError):
    """Arithmetic across two currencies is a bug, never a conversion."""


def currency_places(currency: str) -> int:
    return int(get_currency_precision(currency))


def check_currency(code: str, field: str = "currency") -> str:
    """Normalise an ISO 4217 code, refusing what is not one."""
    norm = code.strip().upper()
    if len(norm) != 3 or not norm.isalpha() or norm not in _KNOWN_CURRENCIES:
        raise UserError(field, f'"{code}" is not an ISO 4217 currency code (e.g. PLN, CZK, EUR)')
    if currency_places(norm) > LEDGER_PLACES:
        raise UserError(field, f"{norm} has {currency_places(norm)} decimal places; the ledger keeps {LEDGER_PLACES}")
    return norm


def parse_amount(text: str, currency: str, field: str) -> Decimal:
    """Read a typed amount; more decimals than the currency has is refused, never rounded."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    if not _AMOUNT_RE.match(raw):
        raise UserError(field, f'"{text}" is not an amount (expected e.g. 1234.50)')
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise UserError(field, f'"{text}" is not an amount (expected e.g. 1234.50)') from exc
    check_places(value, currency, field, text)
    return value


def check_places(value: Decimal, currency: str, field: str, shown: str | None = None) -> None:
    places = currency_places(currency)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise UserError(
            field,
            f'"{shown if shown is not None else value}" has more than {places} decimal places for {currency}',
        )
    if abs(value) >= MAX_AMOUNT:
        raise UserError(field, f'"{shown if shown is not None else value}" is too large')


def round_half_up(value: Decimal, currency: str) -> Decimal:
    """Rounding of computed values (interest, shares): once, at the edge, half-up."""
    return value.quantize(Decimal(1).scaleb(-currency_places(currency)), rounding=ROUND_HALF_UP)


def format_amount(value: Decimal) -> str:
    """Contract format for machines: "1234.50", "-10.00"."""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("money is never multiplied by a float")
        return Money(self.amount * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def rounded(self) -> Money:
        return Money(round_half_up(self.amount, self.currency), self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{format_amount(self.amount)} {self.currency}"


def totals_by_currency(items: list[Money]) -> dict[str, Money]:
    """Sums per currency: money in different currencies is never added together."""
    out: dict[str, Money] = {}
    for item in items:
        out[item.currency] = out.get(item.currency, Money.zero(item.currency)) + item
    return out
