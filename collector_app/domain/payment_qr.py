"""Payment strings a banking app reads from a letter's QR code: ZBP "2D" (PLN), SPAYD (CZK), EPC069-12 (EUR).

Each format carries the payee's account, the amount the letter asks for in that currency and a
title naming the invoice number(s), or the letter's register number when they do not fit.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from collector_app.domain.errors import UserError

QR_CURRENCIES = ("PLN", "CZK", "EUR")
ZBP_NAME_MAX = 20
ZBP_TITLE_MAX = 32
ZBP_AMOUNT_MAX = Decimal("9999.99")  # six digits of grosze
SPAYD_MSG_MAX = 60
SPAYD_NAME_MAX = 35
SPAYD_AMOUNT_MAX = Decimal("9999999.99")
EPC_NAME_MAX = 70
EPC_REMITTANCE_MAX = 140
EPC_AMOUNT_MAX = Decimal("999999999.99")
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Payee:
    """Who is paid: the firm's name, account and (for ZBP) tax id."""

    name: str
    iban: str
    tax_id: str | None = None
    bic: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What one letter asks to be paid in one currency."""

    currency: str
    amount: Decimal
    invoice_numbers: tuple[str, ...]
    register_number: str
    variable_symbol: str | None = None
    due: dt.date | None = None


def check_iban(text: str) -> IBAN:
    try:
        return IBAN(text)
    except SchwiftyException as exc:
        raise UserError("iban", f'"{text}" is not a valid IBAN ({exc})') from exc


def payment_string(payee: Payee, req: PaymentRequest) -> str:
    """The payment string for the request's currency; a UserError when no format or account fits."""
    if req.currency == "PLN":
        return zbp_2d(payee, req)
    if req.currency == "CZK":
        return spayd(payee, req)
    if req.currency == "EUR":
        return epc(payee, req)
    raise UserError("currency", f"no payment QR format for {req.currency} (only {', '.join(QR_CURRENCIES)})")


# One title for every code and for the letter that prints it (the ZBP field's size): "FV/1, FV/2" or the register
# number. The debtor types what the letter prints or scans the code; both must say the same.
LETTER_TITLE_MAX = ZBP_TITLE_MAX


def title_for(numbers: tuple[str, ...], register_number: str, limit: int) -> str:
    """ "FV/1, FV/2" when it fits in `limit` characters, else the letter's register number."""
    joined = ", ".join(numbers)
    return joined if joined and len(joined) <= limit else register_number[:limit]


def zbp_2d(payee: Payee, req: PaymentRequest) -> str:
    """`NIP|PL|account|grosze(6)|name|title|||`; the amount is left empty above 9,999.99 PLN."""
    iban = check_iban(payee.iban)
    if iban.country_code != "PL":
        raise UserError("iban", f"the ZBP code needs a Polish account for PLN, not {iban.compact}")
    nip = re.sub(r"\D", "", payee.tax_id or "")
    amount = _cents(req.amount)
    grosze = "" if amount > ZBP_AMOUNT_MAX or amount <= 0 else f"{int(amount * 100):06d}"
    name = _zbp_text(payee.name)[:ZBP_NAME_MAX].strip()
    title = _zbp_text(title_for(req.invoice_numbers, req.register_number, LETTER_TITLE_MAX))
    fields = [nip if len(nip) == 10 else "", "PL", str(iban.compact)[2:], grosze, name, title, "", "", ""]
    return "|".join(fields)


def spayd(payee: Payee, req: PaymentRequest) -> str:
    """`SPD*1.0*ACC:IBAN[+BIC]*AM:…*CC:CZK*[DT:…*]X-VS:…*RN:…*MSG:…`, ASCII only, '*' escaped."""
    iban = check_iban(payee.iban)
    acc = str(iban.compact) + (f"+{_bic(payee.bic)}" if payee.bic else "")
    amount = _cents(req.amount)
    parts = ["SPD", "1.0", f"ACC:{acc}"]
    if 0 < amount <= SPAYD_AMOUNT_MAX:
        parts.append(f"AM:{amount:.2f}")
    parts.append(f"CC:{req.currency}")
    if req.due is not None:
        parts.append(f"DT:{req.due:%Y%m%d}")
    vs = variable_symbol(req)
    if vs:
        parts.append(f"X-VS:{vs}")
    parts.append(f"RN:{_spayd_text(payee.name, SPAYD_NAME_MAX)}")
    message = title_for(req.invoice_numbers, req.register_number, LETTER_TITLE_MAX)
    parts.append(f"MSG:{_spayd_text(message, SPAYD_MSG_MAX)}")
    return "*".join(parts)


def variable_symbol(req: PaymentRequest) -> str:
    """The invoice's own VS for a one-invoice letter, else the register number's digits (≤ 10)."""
    own = re.sub(r"\D", "", req.variable_symbol or "")
    if own and len(own) <= 10 and len(req.invoice_numbers) == 1:
        return own.lstrip("0") or "0"
    digits = re.sub(r"\D", "", req.register_number)
    return (digits[-10:].lstrip("0") or "0") if digits else ""


def epc(payee: Payee, req: PaymentRequest) -> str:
    """EPC069-12 version 002, UTF-8, SEPA credit transfer; BIC optional; remittance ≤ 140 characters."""
    iban = check_iban(payee.iban)
    amount = _cents(req.amount)
    lines = [
        "BCD", "002", "1", "SCT",
        _bic(payee.bic) if payee.bic else "",
        _one_line(payee.name)[:EPC_NAME_MAX].strip(),
        str(iban.compact),
        f"EUR{amount:.2f}" if 0 < amount <= EPC_AMOUNT_MAX else "",
        "",  # purpose
        "",  # structured reference (the unstructured text below is used instead)
        _one_line(title_for(req.invoice_numbers, req.register_number, LETTER_TITLE_MAX)),
    ]
    return "\n".join(lines)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def _bic(text: str) -> str:
    try:
        return str(BIC(text).compact)
    except SchwiftyException as exc:
        raise UserError("bic", f'"{text}" is not a valid BIC ({exc})') from exc


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _zbp_text(text: str) -> str:
    """The '|' separator cannot appear inside a field."""
    return _one_line(text.replace("|", " "))


def ascii_fold(text: str) -> str:
    """ "Příliš žluťoučký" → "Prilis zlutoucky"; characters with no ASCII form are dropped."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _spayd_text(text: str, limit: int) -> str:
    """ASCII, one line, cut to `limit` before '*' becomes "%2A" (the escape never splits)."""
    folded = _one_line(ascii_fold(text))[:limit].strip()
    return folded.replace("%", "%25").replace("*", "%2A")
