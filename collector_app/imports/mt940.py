"""MT940 statements (and MT942 interim reports) as banks send them: several per file, framing bytes.

The mt-940 library parses each tag's content (:61: statement lines, :60F:/:62F: balances); around it
this module keeps line numbers for messages, splits statements, drops framing (SWIFT blocks, the
"ABNANL2A / 940" and ":940:" headers some banks put before each message) and hands field 86 to
mt940_details, which reads its sub-field, keyed and free forms. Interest the bank credits (transaction
type NINT, FINT…, or a posting text saying so) is marked as camt marks it: not a customer's payment.
"""

from __future__ import annotations

import calendar
import codecs
import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mt940

from collector_app.domain.errors import UserError
from collector_app.domain.money import check_currency
from collector_app.imports import symbols
from collector_app.imports.bank import NO_REFERENCE, BankEntry, normalize_account
from collector_app.imports.common import (
    ImportProblem,
    ValueProblem,
    line_place,
    normalize_encoding,
    parse_money,
    undecodable_line,
)
from collector_app.imports.mt940_details import merge, read_details

Warn = Callable[[str, str], None]

# The library logs every line it cannot match (the whole pattern, over twenty lines) before raising; the
# reader turns that into one located error, so the library's own log says nothing anyone needs.
logging.getLogger(mt940.__name__).setLevel(logging.CRITICAL)

_TAG = re.compile(r"^:(\d{2}[A-Z]?|NS):")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The fields of an MT940 (and MT942) message.
_TAG_NAMES = frozenset({"13", "13D", "20", "21", "25", "25P", "28", "28C", "34F", "60", "60F", "60M", "61", "62",
                        "62F", "62M", "64", "65", "86", "90C", "90D", "NS"})
_HEADER_BLOCK = re.compile(r"^\{\d:.*?(\{4:|$)")
_CHUNK = 1 << 16
_C1 = re.compile(rb"[\x80-\x9f]")
_NOT_CP1250 = re.compile(rb"[\x81\x83\x88\x90\x98]")  # the bytes cp1250 gives no character

_AMOUNT_GOES_ON = re.compile(r"^\s*[.,'\d]")
_WHOLE_AMOUNT = re.compile(r"^\d+,$")
_SWIFT_AMOUNT = re.compile(r"^\d+,\d*$")  # SWIFT 15d: digits and a decimal comma, "500," for a whole amount
# "NTRF", and the old Dutch "NOV " or Hungarian "S   ": a letter and three characters, spaces allowed.
_TYPE_CODE = re.compile(r"^[NFS][A-Z0-9 ]{3}$", re.IGNORECASE)
# What banks write between messages: a BIC and the message type (ABN AMRO), ":940:" (Rabobank), or the old
# ING session lines "0000 01INGBNL2AXXXX00001" and "940 00".
_MESSAGE_HEADER = re.compile(
    r"^(?::?9[45]\d:?|9[45]\d \d{2}|(?:\d{4} \d{2})?[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3,4})?(?:\d{5})?)$")
# A :61: first line whose customer reference (after the type code, up to "//") runs past 16 characters.
_LONG_REFERENCE = re.compile(
    r"^(\d{6}(?:\d{4}|\s{4})?R?[DC][A-Z]?[\d,]{1,15}[A-Z][A-Z0-9 ]{3})((?:(?!//).){17,})(//.*)?$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
# A balance with no currency between its date and amount ("C020315105000,00"), as some German banks close.
_NO_CURRENCY = re.compile(r"^[CD]\d{6}[\d,]+$")
# An MT942's floor limit, "PLN0" or "EURD1000,": its currency is the report's.
_FLOOR_LIMIT = re.compile(r"^([A-Za-z]{3})[DC]?[\d,]*$")
# A customer reference that only says where the reference is (ING "EREF", German "KREF+"): none.
_PLACEHOLDER_REFERENCE = re.compile(r"^(?:EREF|PREF|MARF|KREF\+?|EREF\+)$", re.IGNORECASE)
_BLZ_ACCOUNT = re.compile(r"^\d{8}/\d{1,10}$")  # a German account as "Bankleitzahl/Kontonummer"
_RETURNED_ITEM = "RTI"  # the SWIFT transaction type of a returned item ("NRTI")
_INTEREST = "INT"  # the SWIFT transaction type of interest ("NINT", "FINT")

OPENING = ("60F", "60M", "60")
CLOSING = ("62F", "62M", "62")


@dataclass
class _Tag:
    line: int
    name: str
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()


@dataclass
class _Statement:
    """One statement being read: its account and currency, and the :61: waiting for its :86: (or several)."""

    line: int
    reference: str
    context: Any = field(default_factory=mt940.models.Transactions)
    account: str = ""
    currency: str | None = None
    closed: bool = False
    interim: bool = False  # an MT942: no balances, the currency from its floor limit (:34F:)
    late: int = 0  # the line of the first :61: after the closing balance
    pending: tuple[_Tag, dict[str, Any], list[_Tag]] | None = None
    position: int = 0

    def feed(self, tag: _Tag) -> Iterator[BankEntry]:
        if tag.name == "86" and self.pending is not None:
            self.pending[2].append(tag)  # some banks write two :86: (the first holding only a code)
            return
        if self.pending is not None:
            yield self._flush()
        if tag.name == "25":
            self.account = tag.text
        elif tag.name in OPENING and self.currency is None:
            self.currency = _balance_currency(self.context, tag)
        elif tag.name == "34F" and self.currency is None:
            self.currency = _floor_limit_currency(tag)
            self.interim = True
        elif tag.name in CLOSING:
            if not _NO_CURRENCY.match(tag.text):  # the closing balance's currency is only checked, not used
                _balance_currency(self.context, tag)
            self.closed = True
        elif tag.name == "61":
            if self.closed and not self.late:
                self.late = tag.line  # read as part of the statement; said when it closes
            if self.currency is None:
                raise ImportProblem(line_place(tag.line, "61"), "the statement has no opening balance (:60F:), "
                                                                "nor an MT942 floor limit (:34F:), before it to "
                                                                "give the currency")
            self.pending = (tag, _parse_tag(self.context, tag), [])

    def close(self, warn: Warn) -> Iterator[BankEntry]:
        if self.pending is not None:
            yield self._flush()
        if self.late:
            warn(line_place(self.late, "61"), f"entries after the closing balance (:62F:) of statement "
                                              f"{self.reference or '(no reference)'} were read as part of it")
        if self.interim:
            if self.position:
                warn(line_place(self.line), f"statement {self.reference or '(no reference)'} is an interim report "
                                            "(MT942): its entries were imported as booked; the day's MT940 "
                                            "statement repeats them")
        elif not self.closed:
            warn(line_place(self.line), f"statement {self.reference or '(no reference)'} has no closing "
                                        "balance (:62F:); its entries were imported as they are")

    def _flush(self) -> BankEntry:
        assert self.pending is not None
        tag, found, details = self.pending
        self.pending = None
        self.position += 1
        return _entry(tag, found, details, self.account, self.currency or "", self.position)


def read_mt940(path: Path, warn: Warn, encoding: str | None = None) -> Iterator[BankEntry]:
    """Every entry of every statement in the file, in order, read line by line; ImportProblem names the line."""
    enc = normalize_encoding(encoding) if encoding else _detect_encoding(path)
    with path.open("r", encoding=enc, newline="") as handle:  # newline="": CRLF, LF and CR all end a line
        try:
            yield from _read(_tags(line.rstrip("\r\n") for line in handle), warn)
        except UnicodeDecodeError as exc:
            line = undecodable_line(path, enc) or 1
            raise ImportProblem(line_place(line), f"the text is not {enc}: byte 0x{exc.object[exc.start]:02X} "
                                                  "cannot be read (is the file an MT940 statement?)") from None


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes so; else, when it uses 0x80–0x9F (control
    characters in ISO-8859-2), cp1250, or the DOS code page 852 if it has bytes cp1250 leaves undefined
    (852 writes ł and ś there); else ISO-8859-2. One streaming pass over the bytes."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, c1, dos = True, False, False
    with path.open("rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
        handle.seek(0)
        while chunk := handle.read(_CHUNK):
            c1 = c1 or _C1.search(chunk) is not None
            dos = dos or _NOT_CP1250.search(chunk) is not None
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if utf8:
        return "utf-8-sig" if bom else "utf-8"
    if c1:
        return "cp852" if dos else "cp1250"
    return "iso-8859-2"


def _tags(lines: Iterable[str]) -> Iterator[_Tag]:
    """Tags with the line they start on; continuation lines belong to the tag before them.

    Before the first tag and after a "-" closing a message, a message header line is skipped.
    """
    current: _Tag | None = None
    between = True
    for number, raw in enumerate(lines, start=1):
        line = _CONTROL.sub("", raw)
        if line.startswith("{"):
            line = _HEADER_BLOCK.sub("", line)
        if line.strip() in {"-", "-}"} or line.startswith("-}"):
            between = True
            continue
        if line.strip() in {"", "}"} or (between and _MESSAGE_HEADER.match(line.strip())):
            continue
        between = False
        match = _TAG.match(line)
        if match and not _wrapped_in_details(current, match.group(1)):
            if current is not None:
                yield current
            current = _Tag(number, match.group(1), [line[match.end():]])
        elif current is not None:
            current.lines.append(line)
        else:
            raise ImportProblem(line_place(number), f'"{line.strip()[:40]}" is not MT940 (expected a :20: tag)')
    if current is not None:
        yield current


def _wrapped_in_details(current: _Tag | None, name: str) -> bool:
    """A line of field 86 starting like a tag that no MT940 has (":26:37 Folgenr." from a time 16:26:37
    wrapped after "16") goes on with the details."""
    return current is not None and current.name == "86" and name not in _TAG_NAMES


def _read(tags: Iterator[_Tag], warn: Warn) -> Iterator[BankEntry]:
    """Statements start at each :20:; entries are yielded as their tags arrive (nothing is kept per statement)."""
    current: _Statement | None = None
    for tag in tags:
        if tag.name == "20":
            if current is not None:
                yield from current.close(warn)
            current = _Statement(tag.line, tag.text)
        elif current is None:
            raise ImportProblem(line_place(tag.line, tag.name), "comes before any :20: tag starting a statement")
        else:
            yield from current.feed(tag)
    if current is None:
        raise ImportProblem("line 1", "no MT940 statement found (expected a :20: tag starting a statement)")
    yield from current.close(warn)


def _parse_tag(context: Any, tag: _Tag) -> dict[str, Any]:
    parser = context.tags.get(tag.name) or context.tags.get(int(tag.name[:2]))
    text, long_reference = _statement_line(tag.text) if tag.name == "61" else (tag.text, None)
    try:
        found: dict[str, Any] = parser.parse(context, text)
    except RuntimeError as exc:
        raise ImportProblem(line_place(tag.line, tag.name), f'"{_short(tag.text)}" cannot be read') from exc
    if long_reference:
        found["customer_reference"] = long_reference
    return found


def _statement_line(text: str) -> tuple[str, str | None]:
    """A :61: as the library reads it: the first line, and the supplementary details as one second line
    (some banks wrap them, or the bank reference, over several). A customer reference longer than SWIFT's
    16 characters (ASN Bank writes the payer's IBAN there) is cut for the library and given back whole."""
    first, *rest = text.split("\n")
    long_reference = None
    if long := _LONG_REFERENCE.match(first):
        long_reference = long.group(2)
        first = long.group(1) + long_reference[:16] + (long.group(3) or "")
    details = " ".join(part.strip() for part in rest if part.strip())
    return (f"{first}\n{details}" if details else first), long_reference


def _balance_currency(context: Any, tag: _Tag) -> str:
    found = _parse_tag(context, tag)
    try:
        return check_currency(found.get("currency") or "")
    except UserError as exc:
        raise ImportProblem(line_place(tag.line, tag.name), exc.message) from exc


def _floor_limit_currency(tag: _Tag) -> str:
    found = _FLOOR_LIMIT.match(tag.text)
    try:
        return check_currency(found.group(1).upper() if found else "")
    except UserError as exc:
        raise ImportProblem(line_place(tag.line, tag.name), exc.message) from exc


def _entry(tag: _Tag, found: dict[str, Any], details: list[_Tag], account: str, currency: str,
           position: int) -> BankEntry:
    where = line_place(tag.line, "61")
    status = (found.get("status") or "").upper()
    kind = found.get("id") or ""
    if kind and not _TYPE_CODE.match(kind):
        raise ImportProblem(where, f'"{found.get("amount")}" is followed by "{kind}", not a transaction type '
                                   "(N, F or S and three characters): the amount cannot be read")
    rest = found.get("customer_reference") or ""
    if not kind and _AMOUNT_GOES_ON.match(rest):  # "1.000,00" or "1 000,00" would be read as 1
        raise ImportProblem(where, f'"{found.get("amount")}{rest.strip()[:12]}" is not an MT940 amount '
                                   '(digits and a decimal comma, e.g. "1000,00")')
    raw = found.get("amount") or ""
    if not _SWIFT_AMOUNT.match(raw):  # "CS051NONREF" has no amount: "S" would be a funds code and 051 the amount
        raise ImportProblem(where, f'"{_short(tag.lines[0])}": no MT940 amount in it (digits and a decimal comma, '
                                   'e.g. "1000,00" or "500,")')
    try:  # SWIFT writes a whole amount with its comma: "500,"
        amount = parse_money(raw[:-1] if _WHOLE_AMOUNT.match(raw) else raw, currency, decimal=",")
    except ValueProblem as exc:
        raise ImportProblem(where, exc.message) from exc
    info = merge([read_details(d.lines) for d in details])
    line_account, line_name = _line_payer(found)
    title, refs = _without_other_symbols(info.title or info.posting or _line_text(found), info.refs)
    return BankEntry(
        where=where, account=account, position=str(position), booking_date=_booking_date(found, where),
        amount=amount, currency=currency, credit=status.endswith("C"), reversal=status.startswith("R"),
        status="BOOK", reference=(found.get("bank_reference") or "").strip() or None, title=title,
        payer_name=info.name or line_name, payer_account=info.account or normalize_account(line_account),
        payer_tax_id=info.tax_id, creditor_refs=refs,
        returned=info.returned or kind[1:].upper() == _RETURNED_ITEM or (info.return_code and _german(account)),
        interest=info.interest or kind[1:].upper() == _INTEREST,
    )


def _without_other_symbols(title: str, refs: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """A title or a reference (EREF) of payment symbols only gives its variable symbol as a reference; a
    constant or specific symbol is neither searched nor shown (imports.symbols)."""
    found = symbols.symbols_only(title)
    vs = symbols.variable_symbol(found) if found else None
    kept = [ref for text in refs if (ref := symbols.reference(text))]
    return symbols.shown(title), tuple(dict.fromkeys([*kept, vs] if vs else kept))


def _german(account: str) -> bool:
    """A German or Austrian statement account (IBAN, or BLZ/Kontonummer): where GVC codes mean what the DK says;
    Czech banks write field 86 in the same ?-form, and their codes are their own."""
    compact = account.strip().lstrip("/").replace(" ", "").upper()
    return compact.startswith(("DE", "AT")) or bool(_BLZ_ACCOUNT.match(compact))


def _line_text(found: dict[str, Any]) -> str:
    """The :61:'s own text (customer reference and supplementary details), the title when field 86 gives
    none; "NONREF" there means no reference, and ING's "EREF" only points to field 86."""
    reference = (found.get("customer_reference") or "").strip()
    if reference.upper() in NO_REFERENCE or _PLACEHOLDER_REFERENCE.match(reference):
        reference = ""
    return " ".join(" ".join(p for p in (reference, found.get("extra_details")) if p).split())


def _line_payer(found: dict[str, Any]) -> tuple[str | None, str | None]:
    """The payer some banks write in the :61: itself, used when field 86 names none: ASN Bank puts the
    payer's IBAN as the customer reference and the name as supplementary details, Rabobank the IBAN there."""
    reference = (found.get("customer_reference") or "").strip()
    extra = " ".join((found.get("extra_details") or "").split())
    if _IBAN.match(reference):
        return reference, extra or None
    if _IBAN.match(extra):
        return extra, None
    return None, None


def _booking_date(found: dict[str, Any], where: str) -> dt.date:
    """The entry date (MMDD) when given, in the value date's year (moved across New Year), else the value date."""
    try:
        value = _value_date(2000 + int(found["year"]), int(found["month"]), int(found["day"]))
        month, day = (found.get("entry_month") or "").strip(), (found.get("entry_day") or "").strip()
        if not (month.isdigit() and day.isdigit()):
            return value
        year = value.year
        if int(month) == 12 and value.month == 1:
            year -= 1
        elif int(month) == 1 and value.month == 12:
            year += 1
        return dt.date(year, int(month), int(day))
    except ValueError as exc:
        raise ImportProblem(where, "the value or entry date is not a date") from exc


def _value_date(year: int, month: int, day: int) -> dt.date:
    """German banks date period-end entries (fees, interest) the 30th even in February: the month's last day."""
    if 1 <= month <= 12 and 28 < day <= 31:
        day = min(day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 60 else flat[:57] + "..."
