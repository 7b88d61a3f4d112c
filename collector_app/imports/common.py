"""What every importer shares: decoding, amounts, dates, located errors, safe XML and the summary."""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import functools
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from collector_app.domain.errors import UserError
from collector_app.domain.money import MAX_AMOUNT, check_currency, currency_places, format_amount

# ---------------------------------------------------------------------------------------------- errors


class ValueProblem(ValueError):
    """A value that cannot be read, before its place in the file is known: '"12,3x" is not an amount'."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class ImportProblem(Exception):
    """A problem at a place in a file ("line 12: gross" or an XML element path)."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)

    def to_user_error(self, file: str) -> UserError:
        return problem(file, self.where, self.message)


def problem(file: str, where: str, message: str) -> UserError:
    """The text a person reads: `FILE: line 12: gross: "12,3x" is not an amount`."""
    parts = [part for part in (file, where, message) if part]
    return UserError(None, ": ".join(parts))


def currency_at(code: str, where: str) -> str:
    """An ISO 4217 code read from a file, or an ImportProblem at that place."""
    try:
        return check_currency(code)
    except UserError as exc:
        raise ImportProblem(where, exc.message) from exc


def line_place(line: int, column: str | None = None) -> str:
    """The place of a CSV/XLSX/MT940 value, counted as a text editor counts lines."""
    return f"line {line}: {column}" if column else f"line {line}"


# ---------------------------------------------------------------------------------------------- text

_ENCODING_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "cp1250": "cp1250",
    "windows-1250": "cp1250",
    "iso-8859-2": "iso-8859-2",
    "iso8859-2": "iso-8859-2",
    "latin2": "iso-8859-2",
    "latin-2": "iso-8859-2",
}
_CHUNK = 1 << 20


def normalize_encoding(name: str) -> str:
    """Check an encoding named in a mapping or on the command line."""
    key = name.strip().lower().replace("_", "-")
    if key in _ENCODING_ALIASES:
        return _ENCODING_ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError as exc:
        raise UserError("encoding", f'"{name}" is not a known text encoding (e.g. utf-8, cp1250, iso-8859-2)') from exc


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF16 = frozenset({"utf-16", "utf-16-le", "utf-16-be"})
_HEAD = 4096  # the bytes that tell a byte-order mark or UTF-16 without one
# What a file that is not UTF-8 may be in; a tie goes to the one the caller prefers, else to the first.
GUESSED = ("cp1250", "cp1252", "iso-8859-2")
_GUESS_NAMES = {"cp1250": "Windows Central European", "cp1252": "Windows Western European, ISO-8859-1",
                "iso-8859-2": "ISO-8859-2, Central European"}
_GUESS_BYTES = 4 << 20  # the part of a file whose letters decide the guess
# The letters beyond ASCII of the languages these encodings write (Polish, Czech, Slovak, Hungarian, Romanian,
# Croatian, German, French, Spanish, Portuguese, Italian, Catalan, Nordic): a file is read in the encoding that
# makes most of its non-ASCII bytes letters of one language (French "Crêperie", not "Cręperie").
_ALPHABETS = ("ąćęłńóśźż", "áčďéěíňóřšťúůýž", "áäčďéíľňóôšťúýž", "áéíóöőúüű", "ăâîşţ", "čćđšž", "äöüß",
              "àâæçéèêëîïôœùûüÿ", "áéíñóúü", "àáâãçéêíóôõú", "àèéìíîòóù", "àçèéíïòóúü", "åäöéæø", "áæðéíóöúýþ")
_ASCII = bytes(range(0x80))


def detect_encoding(path: Path, requested: str | None = None, prefer: str = "cp1250") -> str:
    """UTF-8 with or without BOM, UTF-16 with a BOM (Excel's "Unicode text") or without one, else the
    single-byte encoding whose letters fit the text best (`guess_single_byte`); a requested encoding wins
    (a UTF-8 or UTF-16 BOM is still dropped)."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
        if requested:
            return _requested(normalize_encoding(requested), head)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head[:2] in _UTF16_BOMS:
            return "utf-16"
        if (order := _utf16_order(head)) is not None:
            return order
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            handle.seek(0)
            return guess_single_byte(handle.read(_GUESS_BYTES), prefer)
    return "utf-8"


def _requested(enc: str, head: bytes) -> str:
    """A named encoding as the file's start refines it: a BOM of its family is dropped (a UTF-16 one also
    says the byte order, whatever variant was named); "utf-16" without a BOM takes the order its NULs show."""
    if enc == "utf-8" and head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if enc in _UTF16:
        if head[:2] in _UTF16_BOMS:
            return "utf-16"
        if enc == "utf-16":
            return _utf16_order(head) or enc
    return enc


def _utf16_order(head: bytes) -> str | None:
    """UTF-16 without a byte-order mark, told by its NUL bytes (text mostly ASCII has one in every pair):
    the codec of its byte order; None when the bytes do not look so."""
    pairs = len(head) // 2
    if pairs < 2:
        return None
    firsts, seconds = head[0:2 * pairs:2].count(0), head[1:2 * pairs:2].count(0)
    if seconds >= pairs / 3 and firsts == 0:
        return "utf-16-le"
    if firsts >= pairs / 3 and seconds == 0:
        return "utf-16-be"
    return None


def guess_single_byte(data: bytes, prefer: str = "cp1250") -> str:
    """The encoding of GUESSED in which the most non-ASCII bytes read as letters of one language; one that
    cannot read a byte, or reads it as a control character, is out (when all are, `prefer`, whose reader
    then names the line)."""
    counts = Counter(data.translate(None, _ASCII))
    best, best_fit = prefer, -1
    for enc in (prefer, *(e for e in GUESSED if e != prefer)):
        fit = _letter_fit(counts, enc)
        if fit > best_fit:
            best, best_fit = enc, fit
    return best


def _letter_fit(counts: Counter[int], encoding: str) -> int:
    letters: Counter[str] = Counter()
    for byte, n in counts.items():
        try:
            char = bytes([byte]).decode(encoding).lower()
        except UnicodeDecodeError:
            return -1
        if unicodedata.category(char) == "Cc":
            return -1
        letters[char] += n
    return max(sum(letters[c] for c in alphabet) for alphabet in _ALPHABETS)


def guess_note(path: Path, encoding: str) -> str:
    """What the summary says of a file read in a guessed single-byte encoding, with the letters that decided."""
    with path.open("rb") as handle:
        counts = Counter(handle.read(_GUESS_BYTES).translate(None, _ASCII))
    told = [bytes([b]).decode(encoding, "replace") for b, _n in counts.most_common()
            if len({bytes([b]).decode(e, "replace") for e in GUESSED}) > 1]
    letters = [c for c in told if c.isalpha()][:6]
    shown = f" ({', '.join(letters)})" if letters else ""
    other = "cp1250" if encoding == "cp1252" else "cp1252"
    return (f"the text is not UTF-8: read as {encoding} ({_GUESS_NAMES.get(encoding, encoding)}), whose letters fit "
            f'it best{shown}; if names look wrong, choose the encoding in the import wizard or name it in a mapping '
            f'(e.g. "encoding": "{other}")')


def decode_text(data: bytes, requested: str | None = None) -> tuple[str, str]:
    """Decode bytes held in memory the same way; returns (text, encoding). Undecodable text is a ValueProblem."""
    if requested:
        enc = _requested(normalize_encoding(requested), data[:_HEAD])
    elif data.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    elif data[:2] in _UTF16_BOMS:
        enc = "utf-16"
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            enc = _utf16_order(data[:_HEAD]) or guess_single_byte(data[:_GUESS_BYTES])
    try:
        return data.decode(enc), enc
    except UnicodeError as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
        raise ImportProblem(line_place(line), f"the text is not {enc} (name the file's encoding)") from exc


def undecodable_line(path: Path, encoding: str) -> int:
    """The line (as an editor counts) holding the first byte the encoding cannot decode; 0 if none."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 1
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeError as exc:  # UTF-16 without a BOM fails before any byte (no start)
                # an error in the chunk's first bytes may belong to a sequence begun in the previous one
                return lines + chunk[: max(getattr(exc, "start", 0), 0)].count(b"\n")
            lines += chunk.count(b"\n")
    return 0


def open_text(path: Path, requested: str | None = None, prefer: str = "cp1250") -> tuple[IO[str], str]:
    """Open a text file for streaming with the detected (or requested) encoding; returns (handle, encoding)."""
    enc = detect_encoding(path, requested, prefer)
    return path.open("r", encoding=enc, errors="strict", newline=""), enc


def clean_cell(value: str | None) -> str:
    """Cell text as data: stripped, non-breaking spaces made plain; formula-looking text stays text."""
    if value is None:
        return ""
    return value.replace("\u00a0", " ").strip()


# ---------------------------------------------------------------------------------------------- amounts

MINUS = "\u2212"  # the minus sign of typeset numbers ("−1 234,56"), read as "-"
_NUMBER_CHARS = re.compile(r"^[+-]?[0-9.,' \u00a0\u202f]+$")
_LONE_GROUP = re.compile(r"[1-9]\d{0,2}[.,]\d{3}")  # "1,234", "12.345": a thousands mark, or a decimal one?
_SPACE_GROUP = re.compile(r"\d[ '\u00a0\u202f]\d")  # "1 234": thousands grouped by a space or an apostrophe


def parse_decimal(
    text: str, decimal: str | None = None, thousands: str | None = None, places: int | None = None
) -> Decimal:
    """A number as exports write it: 1234.5, 1 234,50, 1,234.50, 1.234,50, -12; a ValueProblem otherwise.

    Without a named decimal mark, a lone mark followed by three digits ("1,234") groups thousands
    when the currency (`places`) has fewer than three decimals.
    """
    raw = text.strip().replace(MINUS, "-")
    bad = ValueProblem(f'"{text}" is not an amount')
    if not raw:
        raise ValueProblem("is empty (expected an amount)")
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        raw, negative = raw[1:-1].strip(), True
    if raw.endswith("-") and not raw.startswith("-"):
        raw, negative = raw[:-1].strip(), True
    if not _NUMBER_CHARS.match(raw):
        raise bad
    sign = ""
    if raw[0] in "+-":
        sign, raw = raw[0], raw[1:].strip()
    if thousands:
        raw = raw.replace(thousands, "")
    raw = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if not raw or not raw[0].isdigit() or not raw[-1].isdigit():
        raise bad
    dec = decimal or _guess_decimal(raw, places)
    if dec:
        grp = "," if dec == "." else "."
        if raw.count(dec) > 1:
            raise bad
        whole, _, frac = raw.partition(dec)
        if grp in frac or not _grouped_ok(whole, grp):
            raise bad
        whole = whole.replace(grp, "")
        raw = f"{whole}.{frac}" if frac else whole
    try:
        value = Decimal(sign + raw)
    except InvalidOperation as exc:
        raise bad from exc
    if not value.is_finite():
        raise bad
    return -value if negative else value


def _guess_decimal(raw: str, places: int | None) -> str | None:
    """The decimal mark of one value: the last of ',' and '.', unless it groups thousands ('1,234')."""
    commas, points = raw.count(","), raw.count(".")
    if places is not None and places < 3 and commas + points == 1 and _LONE_GROUP.fullmatch(raw):
        return "," if points else "."
    if commas and points:
        return "," if raw.rfind(",") > raw.rfind(".") else "."
    mark = "," if commas else "." if points else None
    if mark is None:
        return None
    if raw.count(mark) > 1:
        return "," if mark == "." else "."  # 1.234.567 — the mark only groups
    return mark


def _grouped_ok(whole: str, grp: str) -> bool:
    if grp not in whole:
        return True
    groups = whole.split(grp)
    return 1 <= len(groups[0]) <= 3 and groups[0][0] != "0" and all(len(g) == 3 for g in groups[1:])


@functools.lru_cache(maxsize=64)
def _places(currency: str) -> int:
    """currency_places, remembered: a file's rows repeat one or two currencies (babel's lookup is not free)."""
    return currency_places(currency)


def check_amount(value: Decimal, currency: str, shown: str | None = None) -> Decimal:
    """More decimal places than the currency has is refused, never rounded; so is an absurd size."""
    places = _places(currency)
    exponent = value.normalize().as_tuple().exponent
    text = shown if shown is not None else str(value)
    if isinstance(exponent, int) and -exponent > places:
        raise ValueProblem(f'"{text}" has more than {places} decimal places for {currency}')
    if abs(value) >= MAX_AMOUNT:
        raise ValueProblem(f'"{text}" is too large')
    return value


# What exports write beside an amount for its currency: "1 234,56 zł", "€12.00", "USD 1,020.00".
CURRENCY_SIGNS = {"zł": "PLN", "zl": "PLN", "kč": "CZK", "kc": "CZK", "€": "EUR", "£": "GBP", "$": "$", "us$": "USD"}
_MARK = r"(?P<mark>[A-Za-z]{3}|zł|zl|Kč|Kc|US\$|[€£$])"
_MARK_BEFORE = re.compile(r"^(?P<sign>[-+(]?)\s*" + _MARK + r"\s*(?P<rest>[-+]?[0-9(].*)$")
_MARK_AFTER = re.compile(r"^(?P<rest>.*[0-9)])\s*" + _MARK + r"\.?(?P<sign>[)-]?)$")
DOLLAR = "$"  # a dollar of some country: the row's currency says which (USD when nothing does)


def split_currency(text: str) -> tuple[str, str | None]:
    """The amount without a currency written before or after it, and that currency: an ISO code, or
    `DOLLAR` for a bare "$". A text without one comes back as it is, with None."""
    raw = text.strip().replace(MINUS, "-")
    for pattern in (_MARK_BEFORE, _MARK_AFTER):
        found = pattern.match(raw)
        if found is None:
            continue
        mark = found["mark"]
        code = CURRENCY_SIGNS.get(mark.lower()) or mark.upper()
        if code != DOLLAR:
            try:
                code = check_currency(code)
            except UserError:
                continue  # three letters that are no currency: left to the amount check to refuse
        rest = found["rest"].strip()
        sign = found["sign"]
        return (sign + rest if pattern is _MARK_BEFORE else rest + sign), code
    return raw, None


def parse_money(text: str, currency: str, decimal: str | None = None, thousands: str | None = None) -> Decimal:
    """parse_decimal then check_amount: the usual way an importer reads an amount."""
    places = _places(currency)
    return check_amount(parse_decimal(text, decimal, thousands, places), currency, text.strip())


def shown_decimal(text: str) -> str | None:
    """The decimal mark an amount shows: "," in "1 234,56", "99,5", "1.234,56" or "1.234.567"; "." in
    "1,020.00" or "0.500"; None when it shows none: no mark ("1234"), or one mark before three digits
    ("1,234", "12.345"), which may as well group thousands."""
    if not _NUMBER_CHARS.match(text.strip().strip("()-").strip()):
        return None
    commas, points = text.count(","), text.count(".")
    if commas and points:
        return "," if text.rfind(",") > text.rfind(".") else "."
    if commas + points == 0:
        return None
    mark = "," if commas else "."
    if commas + points > 1:
        return "." if mark == "," else ","  # the mark repeats: it groups thousands
    digits = "".join(c for c in text if c.isdigit() or c == mark)
    if _LONE_GROUP.fullmatch(digits) and not _SPACE_GROUP.search(text):
        return None
    return mark


_MARK_NAMES = {",": "a decimal comma", ".": "a decimal point"}


@dataclass(frozen=True, slots=True)
class _Mark:
    """A decimal mark decided for a file's amounts in one currency, and the amount that decided it."""

    mark: str
    line: int
    text: str
    assumed: bool  # the amount showed none: the next that shows one may differ, and that is an error


class DecimalMark:
    """The decimal mark of a file's amounts ("decimal comma or point from the values"), decided once: the
    mapping's; else, per currency (a file may write "1 234,56 zł" and "$1,020.00"), the first amount that
    shows one (`learn` looks at the first rows before they are read); else, at the first amount that shows
    none ("1,234"), the mark of the file's other amounts, or the reading the currency allows (a mark before
    three digits groups thousands when the currency has fewer decimals), said in `note`. The other of ","
    and "." only groups thousands: an amount that writes it as the decimal mark is refused, and so is one
    with more decimals than its currency has."""

    def __init__(self, decimal: str | None = None, thousands: str | None = None) -> None:
        self.named = decimal or {",": ".", ".": ","}.get(thousands or "")
        self.thousands = thousands
        self.decided: dict[str, _Mark] = {}  # currency → its mark
        self.first: _Mark | None = None  # the first mark an amount of the file showed
        self.note: str | None = None  # what was assumed, for the reader to put on the document

    def learn(self, line: int, text: str, currency: str) -> None:
        """Look at an amount ahead of reading it (the first rows of a file)."""
        if self.named is None and currency not in self.decided and (mark := shown_decimal(text)) is not None:
            self._set(currency, _Mark(mark, line, text, False))

    def parse(self, line: int, text: str, currency: str) -> Decimal:
        """The amount of `text`, written in the file's decimal mark; a ValueProblem saying which mark otherwise."""
        if self.named is not None:
            return parse_money(text, currency, self.named, self.thousands)
        known = self.decided.get(currency)
        if known is None or known.assumed:
            known = self._decide(line, text, currency, known)
        try:
            return parse_money(text, currency, known.mark if known else None, self.thousands)
        except ValueProblem as exc:
            raise _explained(exc, text, known) from exc

    def _set(self, currency: str, mark: _Mark) -> _Mark:
        self.decided[currency] = mark
        if self.first is None and not mark.assumed:
            self.first = mark
        return mark

    def _decide(self, line: int, text: str, currency: str, known: _Mark | None) -> _Mark | None:
        mark = shown_decimal(text)
        if mark is None:
            if known is None and ("," in text or "." in text):
                return self._set(currency, self._assume(line, text, currency))
            return known
        if known is None or mark == known.mark:
            return self._set(currency, _Mark(mark, line, text, False))
        raise ValueProblem(f'"{text}" writes {_MARK_NAMES[mark]}, but the {currency} amounts before it were read '
                           f'with {_MARK_NAMES[known.mark]} (taken from line {known.line}: "{known.text}"); name the '
                           'file\'s mark in a mapping ("decimal")')

    def _assume(self, line: int, text: str, currency: str) -> _Mark:
        """The reading of an amount that shows no mark: the file's mark when another currency showed one."""
        if self.first is not None:
            return _Mark(self.first.mark, self.first.line, self.first.text, True)
        mark = "," if "," in text else "."
        other = "." if mark == "," else ","
        groups = _places(currency) < 3  # three decimals would be too many: the mark can only group thousands
        if groups:
            reading = f'"{mark}" was taken to group thousands in this file (if it is {_MARK_NAMES[mark]}'
        else:
            reading = f'"{mark}" was taken as {_MARK_NAMES[mark]} in this file (if it groups thousands'
        self.note = (f'line {line}: "{text}" does not show the decimal mark: {reading}, name the decimal mark '
                     f'in a mapping: "decimal": "{mark if groups else other}")')
        return _Mark(other if groups else mark, line, text, True)


def _explained(exc: ValueProblem, text: str, known: _Mark | None) -> ValueProblem:
    """A refused amount with the file's decimal mark and where it was seen, when that is the trouble."""
    if known is None:
        return exc
    mark = shown_decimal(text)
    if "decimal places" not in exc.message and (mark is None or mark == known.mark):
        return exc
    name = _MARK_NAMES[known.mark]
    seen = f"were taken to have {name}, from" if known.assumed else f"have {name}, as on"
    return ValueProblem(f'{exc.message} (the file\'s amounts {seen} line {known.line}: "{known.text}")')


# ---------------------------------------------------------------------------------------------- dates

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ]
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+)?(?:Z|[+-]\d{2}:?\d{2})?$")
_DOTTED = re.compile(r"^(\d{1,2})\. ?(\d{1,2})\. ?(\d{4}|\d{2})$")  # 16.03.2026, 16. 3. 2026, 16.03.26
_SLASHED = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})([/.-]?)(\d{1,2})\2(\d{1,2})$")  # 2026/03/16, 2026.3.16, 20260316
_WORDS = re.compile(
    r"^(?:(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?|([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?),?\s+(\d{4})$"
)


class DayMonthOrder:
    """Whether a file writes 13/02/2021 day first or 02/13/2021 month first, decided once for the file by
    the first date that tells (`learn` looks at the first rows before they are read); a later date
    written the other way is refused. The reader sets `line` to the line being read."""

    def __init__(self) -> None:
        self.day_first: bool | None = None
        self.source: tuple[int, str] = (0, "")
        self.line = 0

    def learn(self, line: int, text: str) -> None:
        """Look at a date ahead of reading it (the first rows of a file)."""
        if self.day_first is None and (m := _SLASHED.match(" ".join(text.split()))):
            told = _day_first(int(m[1]), int(m[2]))
            if told is not None:
                self.day_first, self.source = told, (line, text)

    def date(self, raw: str, first: int, second: int, year: int) -> dt.date:
        if first > 12 and second > 12:
            raise ValueError(raw)  # no month: not a date at all
        told = _day_first(first, second)
        if told is None:
            told = self.day_first
            if told is None and first != second:
                raise _order_unknown(raw)
        elif self.day_first is None:
            self.day_first, self.source = told, (self.line, raw)
        elif told != self.day_first:
            line, shown = self.source
            raise ValueProblem(f'"{raw}" writes the {"day" if told else "month"} first, but line {line} ("{shown}") '
                               f'the {"month" if told else "day"}: a file keeps one order (set "date_format")')
        return dt.date(year, second, first) if told else dt.date(year, first, second)


def _day_first(first: int, second: int) -> bool | None:
    """True for 13/02, False for 02/13, None when both could be a month (or neither)."""
    if first > 12 >= second:
        return True
    if second > 12 >= first:
        return False
    return None


def _order_unknown(raw: str) -> ValueProblem:
    return ValueProblem(f'"{raw}": the order of day and month cannot be told; set "date_format" (e.g. %d/%m/%Y)')


def parse_import_date(text: str, date_format: str | None = None, order: DayMonthOrder | None = None) -> dt.date:
    """A date as exports write it: the mapping's date_format, else ISO, dd.mm.yyyy, English month names.

    A day/month order that cannot be told (01/02/2021) needs a date_format and is a ValueProblem, unless
    `order` (the file's) already knows it.
    """
    raw = " ".join(text.split())
    if not raw:
        raise ValueProblem("is empty (expected a date)")
    if date_format:
        try:
            return dt.datetime.strptime(raw, date_format).date()  # noqa: DTZ007 - a calendar day
        except ValueError as exc:
            raise ValueProblem(f'"{text}" is not a date in the format {date_format}') from exc
    try:
        return _guess_date(raw, order)
    except ValueError as exc:
        if isinstance(exc, ValueProblem):
            raise
        raise ValueProblem(f'"{text}" is not a date (expected e.g. 2026-03-16, 16.03.2026 or Mar 16 2026)') from exc


def _guess_date(raw: str, order: DayMonthOrder | None = None) -> dt.date:
    if m := _ISO.match(raw):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DOTTED.match(raw):
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return dt.date(year, int(m[2]), int(m[1]))
    if (m := _YEAR_FIRST.match(raw)) and (m[2] or len(raw) == 8):
        return dt.date(int(m[1]), int(m[3]), int(m[4]))
    if m := _SLASHED.match(raw):
        return (order or DayMonthOrder()).date(raw, int(m[1]), int(m[2]), int(m[3]))
    if m := _WORDS.match(raw):
        day = int(m[1] or m[4])
        month = _MONTHS.get((m[2] or m[3]).lower())
        if month is None:
            raise ValueError(raw)
        return dt.date(int(m[5]), month, day)
    raise ValueError(raw)


# ---------------------------------------------------------------------------------------------- XML


class XmlReader:
    """Safe streaming XML over defusedxml: no DTD, no entities, no network; knows the file's own prefixes.

    Iterate `events()` for ("start" | "end", element) pairs; `qname(tag)` gives `cac:Name` as the file
    writes it, `path()` the path of the element being read, e.g. `/Invoice/cac:LegalMonetaryTotal`.
    """

    def __init__(self, path: Path, label: str | None = None) -> None:
        self.file = path
        self.label = label or path.name
        self.prefixes: dict[str, str] = {}
        self._stack: list[str] = []

    def qname(self, tag: str) -> str:
        if tag.startswith("{"):
            uri, _, local = tag[1:].partition("}")
            prefix = self.prefixes.get(uri, "")
            return f"{prefix}:{local}" if prefix else local
        return tag

    def path(self, *below: str) -> str:
        return "/" + "/".join([*self._stack, *below])

    def events(self) -> Iterator[tuple[str, Element]]:
        with self.errors():
            for event, item in iterparse(
                str(self.file), events=("start", "end", "start-ns"), forbid_dtd=True,
                forbid_entities=True, forbid_external=True,
            ):
                if event == "start-ns":
                    prefix, uri = item
                    self.prefixes.setdefault(uri, prefix)
                    continue
                elem: Element = item
                if event == "start":
                    self._stack.append(self.qname(elem.tag))
                    yield event, elem
                else:
                    yield event, elem
                    self._stack.pop()

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Parser errors as the UserError that names the file and the place (for readers that parse themselves)."""
        try:
            yield
        except DefusedXmlException as exc:
            raise problem(self.label, "", f"refused: the XML declares a DTD or entities ({type(exc).__name__}); "
                          "external entities and entity expansion are never processed") from exc
        except LookupError as exc:  # an encoding named in the XML declaration that Python does not know
            raise problem(self.label, "line 1", f"the XML declares an unknown text encoding ({exc})") from exc
        except ParseError as exc:
            line, column = exc.position
            raise problem(self.label, f"line {line}, column {column + 1}",
                          f"not well-formed XML ({_parse_reason(exc)})") from exc

    def parse(self) -> Element:
        """The whole document (invoices are small); prefixes and errors as in events()."""
        root: Element | None = None
        for event, elem in self.events():
            if root is None and event == "start":
                root = elem
        if root is None:  # pragma: no cover - expat reports an empty document as a ParseError
            raise problem(self.label, "", "empty XML document")
        return root


class XmlNode:
    """An element with its path as the file writes it (the file's own prefixes).

    Children are named "cbc:ID" with the keys of `ns` (key → namespace URI; "" is the root's),
    so a missing element is still reported with the prefix the file uses for that namespace.
    """

    def __init__(self, reader: XmlReader, elem: Element, path: str, ns: dict[str, str]) -> None:
        self.reader = reader
        self.elem = elem
        self.path = path
        self.ns = ns

    def _tag(self, name: str) -> str:
        key, _, local = name.rpartition(":")
        uri = self.ns.get(key, "")
        return f"{{{uri}}}{local}" if uri else local

    def where(self, *names: str) -> str:
        return "/".join([self.path, *(self.reader.qname(self._tag(n)) for n in names)])

    def find(self, *names: str) -> XmlNode | None:
        node: XmlNode | None = self
        for name in names:
            assert node is not None
            child = node.elem.find(self._tag(name))
            if child is None:
                return None
            node = XmlNode(self.reader, child, f"{node.path}/{self.reader.qname(child.tag)}", self.ns)
        return node

    def findall(self, name: str) -> list[XmlNode]:
        return [
            XmlNode(self.reader, child, f"{self.path}/{self.reader.qname(child.tag)}", self.ns)
            for child in self.elem.findall(self._tag(name))
        ]

    def require(self, *names: str) -> XmlNode:
        node = self.find(*names)
        if node is None:
            raise ImportProblem(self.where(*names), "missing")
        return node

    def text(self, *names: str) -> str | None:
        node = self.find(*names) if names else self
        if node is None or node.elem.text is None:
            return None
        value = " ".join(node.elem.text.split())
        return value or None

    def require_text(self, *names: str) -> str:
        value = self.text(*names)
        if value is None:
            raise ImportProblem(self.where(*names), "missing" if self.find(*names) is None else "is empty")
        return value

    def date(self, *names: str, required: bool = False) -> dt.date | None:
        value = self.require_text(*names) if required else self.text(*names)
        if value is None:
            return None
        m = _ISO.match(value)
        try:
            if m is None:
                raise ValueError(value)
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as exc:
            raise ImportProblem(self.where(*names), f'"{value}" is not a date (expected YYYY-MM-DD)') from exc

    def amount(self, *names: str, currency: str, required: bool = False) -> Decimal | None:
        value = self.require_text(*names) if required else self.text(*names)
        if value is None:
            return None
        try:
            return check_amount(parse_decimal(value, decimal="."), currency, value)
        except ValueProblem as exc:
            raise ImportProblem(self.where(*names), exc.message) from exc


def open_xml(path: Path, label: str | None = None) -> tuple[XmlReader, Element]:
    """Parse a single-document XML file safely; the root element and the reader that knows its prefixes."""
    reader = XmlReader(path, label)
    return reader, reader.parse()


def read_xml_document(
    path: Path, label: str, document: Callable[[XmlNode, str], InvoiceRecord]
) -> Iterator[InvoiceRecord]:
    """The one invoice of an XML file: `document` reads it from the root node; its problems name the file."""
    reader, root = open_xml(path, label)
    node = XmlNode(reader, root, "/" + reader.qname(root.tag), {})
    try:
        yield document(node, root.tag)
    except ImportProblem as exc:
        raise exc.to_user_error(label) from exc


def _parse_reason(exc: ParseError) -> str:
    text = str(exc)
    return text.split(":", 1)[0] if ":" in text else text


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace_of(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


# ---------------------------------------------------------------------------------------------- summary


@dataclass(slots=True)
class ImportSummary:
    """What an import did, printed with --json: invoice imports count documents, statement imports payments."""

    file: str
    format: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    payments: int = 0
    matched: int = 0
    unmatched: int = 0

    def warn(self, ref: str, text: str) -> None:
        self.warnings.append({"ref": ref, "text": text})

    def skip(self, ref: str, reason: str) -> None:
        self.skipped.append({"ref": ref, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportSummary:
        return cls(**{k: data[k] for k in cls.__slots__ if k in data})


# ---------------------------------------------------------------------------------------------- documents


@dataclass(slots=True)
class PartyRecord:
    """A buyer or seller as a file names it; empty fields are None."""

    name: str | None = None
    tax_id: str | None = None
    registration_no: str | None = None
    country: str | None = None
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(slots=True)
class InvoiceRecord:
    """One sales document read from a file, before it meets the ledger.

    `gross` is the amount payable as the file states it (a credit note's amount credited is kept
    positive or negative as written; the ledger stores it negative). `place` locates the document in
    the file for errors ("line 12", "/Invoice").
    """

    place: str
    kind: str
    number: str
    issue_date: dt.date
    gross: Decimal
    currency: str | None
    buyer: PartyRecord
    due_date: dt.date | None = None
    terms_days: int | None = None
    net: Decimal | None = None
    vat: Decimal | None = None
    variable_symbol: str | None = None
    corrects: str | None = None
    seller: PartyRecord | None = None
    notes: list[str] = field(default_factory=list)  # warnings the reader found (payments inside, …)


def negative_as_credit(gross: Decimal, currency: str, notes: list[str], document: str = "") -> Decimal:
    """An invoice whose amount payable is negative (a correction written as an invoice, prepayments above its
    total) is money owed back: the credit note's amount, with a note saying so."""
    notes.append(f"negative amount payable ({format_amount(gross)} {currency}){document}: imported as a credit "
                 "note, money owed back to the buyer")
    return -gross


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row of a spreadsheet export that is not a document (a totals line): listed under skipped."""

    place: str
    reason: str


_TERMS_RE = re.compile(r"(\d{1,3})\s*(?:days?|dni|dní|dnů|dnu|tagen?|jours|dagar|dage[nr]?|giorni|d[ií]as|d\b)",
                       re.IGNORECASE)


# Terms that mean "pay now": due on the issue day.
_AT_ONCE_RE = re.compile(
    r"\b(?:immediately|due on receipt|upon receipt|on receipt|sofort|ihned|okam[žz]it[ěe]|natychmiast\w*|"
    r"przy odbiorze|got[óo]wk[ąa])\b", re.IGNORECASE)


def terms_from_text(text: str | None) -> int | None:
    """Payment terms in days from free text ("Payment within 30 days", "14 dni"; "Zahlbar sofort" is 0)."""
    if not text:
        return None
    m = _TERMS_RE.search(text)
    if m is None:
        return 0 if _AT_ONCE_RE.search(text) else None
    days = int(m[1])
    return days if 0 <= days <= 365 else None
