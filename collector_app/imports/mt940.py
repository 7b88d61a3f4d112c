"""MT940 statements as banks send them: several per file, framing bytes, Polish field-86 sub-fields.

The mt-940 library parses each tag's content (:61: statement lines, :60F:/:62F: balances); around it
this module keeps line numbers for messages, splits statements, drops framing and reads field 86 in
its Polish (~20, <20) and German (?20) sub-field forms and in the free "TYT.:" form.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mt940

from collector_app.domain.errors import UserError
from collector_app.domain.money import check_currency
from collector_app.imports.bank import BankEntry, normalize_account
from collector_app.imports.common import ImportProblem, ValueProblem, line_place, normalize_encoding, parse_money

Warn = Callable[[str, str], None]

_TAG = re.compile(r"^:(\d{2}[A-Z]?|NS):")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADER_BLOCK = re.compile(r"^\{\d:.*?(\{4:|$)")
_CHUNK = 1 << 16
_C1 = re.compile(rb"[\x80-\x9f]")
_SUBFIELDS = re.compile(r"^\s*(?:\d{3}\s*)?([~<?])\d{2}")
_TAX_ID = re.compile(r"\b(?:NIP|IDC|VAT)\W{0,3}(?:PL)?\s*(\d{3}-?\d{3}-?\d{2}-?\d{2}|\d{10})\b", re.IGNORECASE)

_TYPE_CODE = re.compile(r"^[NFS][A-Z0-9]{3}$", re.IGNORECASE)

OPENING = ("60F", "60M", "60")
CLOSING = ("62F", "62M", "62")
# Field-86 sub-fields: which ones carry the title, the payer's name and address, and the account.
_TITLE_FIELDS = {"~": (20, 21, 22, 23, 24, 25, 26, 60, 61), "<": (20, 21, 22, 23, 24, 25, 26, 60, 61),
                 "?": (20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 60, 61, 62, 63)}
# Name fields come in pairs of 27/35-character chunks cut anywhere, so each pair is joined without a space.
_NAME_FIELDS = {"~": ((27, 28), (32, 33), (29,), (62,), (63,)), "<": ((27, 28), (32, 33), (29,), (62,), (63,)),
                "?": ((32, 33),)}


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
    """One statement being read: its account and currency, and the :61: waiting for its :86:."""

    line: int
    reference: str
    context: Any = field(default_factory=mt940.models.Transactions)
    account: str = ""
    currency: str | None = None
    closed: bool = False
    pending: tuple[_Tag, dict[str, Any]] | None = None
    position: int = 0

    def feed(self, tag: _Tag) -> Iterator[BankEntry]:
        if tag.name == "86" and self.pending is not None:
            yield self._flush(tag)
            return
        if self.pending is not None:
            yield self._flush(None)
        if tag.name == "25":
            self.account = tag.text
        elif tag.name in OPENING and self.currency is None:
            self.currency = _balance_currency(self.context, tag)
        elif tag.name in CLOSING:
            _balance_currency(self.context, tag)
            self.closed = True
        elif tag.name == "61":
            if self.currency is None:
                raise ImportProblem(line_place(tag.line, "61"),
                                    "the statement has no opening balance (:60F:) before it to give the currency")
            self.pending = (tag, _parse_tag(self.context, tag))

    def close(self, warn: Warn) -> Iterator[BankEntry]:
        if self.pending is not None:
            yield self._flush(None)
        if not self.closed:
            warn(line_place(self.line), f"statement {self.reference or '(no reference)'} has no closing "
                                        "balance (:62F:); its entries were imported as they are")

    def _flush(self, details: _Tag | None) -> BankEntry:
        assert self.pending is not None
        tag, found = self.pending
        self.pending = None
        self.position += 1
        return _entry(tag, found, details, self.account, self.currency or "", self.position)


def read_mt940(path: Path, warn: Warn, encoding: str | None = None) -> Iterator[BankEntry]:
    """Every entry of every statement in the file, in order, read line by line; ImportProblem names the line."""
    enc = normalize_encoding(encoding) if encoding else _detect_encoding(path)
    with path.open("r", encoding=enc, newline="") as handle:  # newline="": CRLF, LF and CR all end a line
        yield from _read(_tags(line.rstrip("\r\n") for line in handle), warn)


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes so; else cp1250 if it uses 0x80–0x9F
    (control characters in ISO-8859-2), else ISO-8859-2. One streaming pass over the bytes."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, c1 = True, False
    with path.open("rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
        handle.seek(0)
        while chunk := handle.read(_CHUNK):
            c1 = c1 or _C1.search(chunk) is not None
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
    return "cp1250" if c1 else "iso-8859-2"


def _tags(lines: Iterable[str]) -> Iterator[_Tag]:
    """Tags with the line they start on; continuation lines belong to the tag before them."""
    current: _Tag | None = None
    for number, raw in enumerate(lines, start=1):
        line = _CONTROL.sub("", raw)
        if line.startswith("{"):
            line = _HEADER_BLOCK.sub("", line)
        if line.strip() in {"", "-", "-}", "}"} or line.startswith("-}"):
            continue
        match = _TAG.match(line)
        if match:
            if current is not None:
                yield current
            current = _Tag(number, match.group(1), [line[match.end():]])
        elif current is not None:
            current.lines.append(line)
        else:
            raise ImportProblem(line_place(number), f'"{line.strip()[:40]}" is not MT940 (expected a :20: tag)')
    if current is not None:
        yield current


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
    try:
        found: dict[str, Any] = parser.parse(context, tag.text)
    except RuntimeError as exc:
        raise ImportProblem(line_place(tag.line, tag.name), f'"{_short(tag.text)}" cannot be read') from exc
    return found


def _balance_currency(context: Any, tag: _Tag) -> str:
    found = _parse_tag(context, tag)
    try:
        return check_currency(found.get("currency") or "")
    except UserError as exc:
        raise ImportProblem(line_place(tag.line, tag.name), exc.message) from exc


def _entry(tag: _Tag, found: dict[str, Any], details: _Tag | None, account: str, currency: str,
           position: int) -> BankEntry:
    where = line_place(tag.line, "61")
    status = (found.get("status") or "").upper()
    kind = found.get("id") or ""
    if kind and not _TYPE_CODE.match(kind):
        raise ImportProblem(where, f'"{found.get("amount")}" is followed by "{kind}", not a transaction type '
                                   "(N, F or S and three characters): the amount cannot be read")
    try:
        amount = parse_money(found.get("amount") or "", currency, decimal=",")
    except ValueProblem as exc:
        raise ImportProblem(where, exc.message) from exc
    info = _details(details.lines if details else [])
    title = info.title or " ".join(
        part for part in (found.get("customer_reference"), found.get("extra_details")) if part
    ).strip()
    return BankEntry(
        where=where, account=account, position=str(position), booking_date=_booking_date(found, where),
        amount=amount, currency=currency, credit=status.endswith("C"), reversal=status.startswith("R"),
        status="BOOK", reference=(found.get("bank_reference") or "").strip() or None, title=title,
        payer_name=info.name, payer_account=info.account, payer_tax_id=info.tax_id,
    )


def _booking_date(found: dict[str, Any], where: str) -> dt.date:
    """The entry date (MMDD) when given, in the value date's year (moved across New Year), else the value date."""
    try:
        value = dt.date(2000 + int(found["year"]), int(found["month"]), int(found["day"]))
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


@dataclass(frozen=True)
class _Details:
    title: str
    name: str | None
    account: str | None
    tax_id: str | None


def _details(lines: list[str]) -> _Details:
    """Field 86: sub-fields (~20 … ~63, <20, ?20) joined into title and payer, or the free form."""
    text = "".join(lines).strip()
    if not text:
        return _Details("", None, None, None)
    marker = _SUBFIELDS.match(text)
    if marker:
        return _subfield_details(text, marker.group(1))
    return _free_details(text)


def _subfield_details(text: str, sep: str) -> _Details:
    parts = re.split(rf"{re.escape(sep)}(\d{{2}})", text)
    fields: dict[int, str] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        fields[int(key)] = (fields.get(int(key), "") + value).strip()
    title = _join(fields.get(k) for k in _TITLE_FIELDS[sep])
    name = _join("".join(fields.get(k, "") for k in pair) for pair in _NAME_FIELDS[sep]) or None
    account = normalize_account(fields.get(38) or fields.get(31))
    return _Details(title, name, account, _tax_id(title))


_FREE_ACCOUNT = re.compile(r"(?:Z RACH\.?|RACH\.?|KONTO|Z KONTA)\s*:?\s*([A-Z]{0,2}[0-9 ]{10,40}[0-9])", re.IGNORECASE)
_FREE_NAME = re.compile(r"\b(?:OD|NADAWCA|ZLECENIODAWCA)\s*:\s*(.*?)\s*(?:;|$)", re.IGNORECASE)
_FREE_TITLE = re.compile(r"\b(?:TYT\.?|TYTU[ŁL]|TYTUŁEM)\s*:\s*(.*?)\s*(?:;\s*(?:DATA|TNR|ID)\b|$)", re.IGNORECASE)


def _free_details(text: str) -> _Details:
    """The unstructured Polish form: "…; Z RACH.: 0410…; OD: NAME; TYT.: FV 1/2026; DATA STEMPLA: …"."""
    title_match = _FREE_TITLE.search(text)
    title = " ".join((title_match.group(1) if title_match else text).split())
    name_match = _FREE_NAME.search(text)
    account_match = _FREE_ACCOUNT.search(text)
    return _Details(
        title, " ".join(name_match.group(1).split()) or None if name_match else None,
        normalize_account(account_match.group(1)) if account_match else None, _tax_id(text),
    )


def _tax_id(text: str) -> str | None:
    found = _TAX_ID.search(text)
    return found.group(1).replace("-", "") if found else None


def _join(parts: Any) -> str:
    return " ".join(" ".join(p for p in parts if p).split())


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 60 else flat[:57] + "..."
