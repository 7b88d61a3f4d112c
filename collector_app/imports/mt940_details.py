"""Field 86 of an MT940 entry, read into the title, the payer and the marks of a returned transfer.

Banks write it in sub-field forms (~20, <20, ^20 Polish; ?20 German and Czech; >20 Triodos; +20 Romanian),
keyed forms (the Dutch /NAME/…/REMI/, /ORDP/ on lines of their own, Penta's colons, Knab's REK:/NAAM:)
and the free Polish form (TYT.:/OD:/Z RACH.:). Slovak and Czech banks give the payment symbols sub-fields
of their own ("?20VS0000001234?21SS…?22KS0308"): the variable symbol is a reference, the constant and
specific symbols leave the title (imports.symbols). Kept apart from the statement reader because each form
has its own habits and the reader only needs the result.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from collector_app.imports import symbols
from collector_app.imports.bank import NO_REFERENCE, normalize_account, with_bank_code

_CODE_ONLY = re.compile(r"^\d{3}$")
_SUBFIELDS = re.compile(r"^\s*(?:\d{3}\s*)?([~<?^>+])\d{2}")
_GVC = re.compile(r"^\s*(\d{3})")
_FILLER = re.compile(r"^[\s\u02d9\u00ff]*$")
_TAX_ID = re.compile(r"\b(?:NIP|IDC|VAT)\W{0,3}(?:PL)?\s*(\d{3}-?\d{3}-?\d{2}-?\d{2}|\d{10})\b", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_FULL_LINE = 65  # SWIFT lines are at most 65 characters; a shorter line ended where the bank meant it to

# Sub-field numbers banks use; "?96" inside a value ("…335?960.484") is text, not a sub-field.
_KNOWN_SUBFIELDS = frozenset({0, *range(10, 40), *range(60, 80)})
# Text cut into chunks of a fixed width: 27 characters (German, and Polish banks such as Pekao or BNP
# Paribas), or 35 (other Polish banks). A chunk as long as the width was cut there and runs on into the next.
_NARROW, _WIDE = 27, 35
_POLISH_TITLE = (20, 21, 22, 23, 24, 25, 26)
_TITLE_TAIL = {"~": (60, 61), "<": (60, 61), "^": (60, 61), ">": (60, 61), "+": (60, 61),
               "?": (27, 28, 29, 60, 61, 62, 63)}
# The payer's name: ~32/~33 (or ?32/?33), else ~27/~28. The address sub-fields (~29, ~62, ~63) are not
# part of it, nor is a chunk with no letter in it (an account number or an id).
_NAME_PAIRS = {"?": ((32, 33),)}
_POLISH_NAMES = ((32, 33), (27, 28))

# The German SEPA keys inside the ?20–?29 text (DFÜ-Abkommen): the title is the SVWZ+ part.
_SEPA_KEY = re.compile(r"(?<![A-Z])(EREF|KREF|MREF|CRED|DEBT|COAM|OAMT|SVWZ|ABWA|ABWE|IBAN|BIC|PURP)\+")

# What a bank writes for a transfer of the firm's own that came back. The posting text (?00, ~00) is the
# bank's, never the payer's, so words there are safe to read; German business transaction codes (GVC)
# 059/159/160 are returned transfers, 108/109 returned and 181/184 re-credited direct debits.
_RETURN_TEXT = re.compile(
    r"\bRETOUR|\bR(?:Ü|UE|U)CK(?:Ü|UE|U)BERWEISUNG|\bR(?:Ü|UE|U)CKBUCHUNG|\bR(?:Ü|UE|U)CKLASTSCHRIFT"
    r"|\bWIEDERGUTSCHRIFT|\bZWROT\s+(?:POLECENIA\s+)?PRZELEWU|\bPRZELEW\s+ZWROTNY|\bZWROT\s+ZLECENIA",
    re.IGNORECASE)
_RETURN_GVC = frozenset({"059", "108", "109", "159", "160", "181", "184"})
# The bank's posting text of interest it credits: German Zinsen (Habenzinsen, Zinsgutschrift), Polish odsetki
# (kapitalizacja odsetek), Czech and Slovak úrok, Hungarian kamat, English interest.
_INTEREST_TEXT = re.compile(r"ZINS|\bODSETK|\bKAPITALIZACJA\b|\b[ÚU]ROK|\bKAMAT|\bINTEREST\b", re.IGNORECASE)


@dataclass(frozen=True)
class Details:
    title: str = ""
    name: str | None = None
    account: str | None = None
    tax_id: str | None = None
    posting: str = ""  # the bank's posting text (?00, ~00): the title when the payer wrote none
    refs: tuple[str, ...] = ()  # the payer's end-to-end reference (EREF), searched for invoice numbers
    returned: bool = False  # marked as the firm's own transfer coming back
    return_code: bool = False  # a German business transaction code (GVC) of a return: read for German accounts only
    interest: bool = False  # the bank's posting text says interest


NOTHING = Details()


def read_details(lines: list[str]) -> Details:
    """One :86: field. A field holding only a transaction code ("150") says nothing about the payment."""
    text = "".join(lines).strip()
    if not text or _CODE_ONLY.match(text):
        return NOTHING
    marker = _SUBFIELDS.match(text)
    if marker:
        return _subfield_details(text, marker.group(1))
    party = _party_lines(lines)
    if party is not None:
        return party
    free = _free_text(lines)
    return _keyed_details(free) if _KEYED.match(free) else _free_details(free)


def merge(found: list[Details]) -> Details:
    """Several :86: of one entry: their titles joined, the first name, account, tax id and posting text."""
    return Details(
        _join(d.title for d in found), next((d.name for d in found if d.name), None),
        next((d.account for d in found if d.account), None), next((d.tax_id for d in found if d.tax_id), None),
        next((d.posting for d in found if d.posting), ""), tuple(r for d in found for r in d.refs),
        any(d.returned for d in found), any(d.return_code for d in found), any(d.interest for d in found),
    )


def _free_text(lines: list[str]) -> str:
    """Free-form lines: a full line (65 characters with its ":86:") was cut by width and runs on into the
    next; a shorter one ended where the bank meant it to, so a space keeps the words apart."""
    parts: list[str] = []
    full = True
    for index, line in enumerate(lines):
        if not full:
            parts.append(" ")
        parts.append(line)
        full = len(line) + (len(":86:") if index == 0 else 0) >= _FULL_LINE
    return "".join(parts).strip()


# --- sub-field forms ------------------------------------------------------------------------------------


def _subfields(text: str, sep: str) -> dict[int, list[str]]:
    """Sub-field number → its values as written (a number may come twice); an unknown number is text."""
    parts = re.split(rf"{re.escape(sep)}(\d{{2}})", text)
    fields: dict[int, list[str]] = {}
    last: list[str] | None = None
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        if int(key) not in _KNOWN_SUBFIELDS and last is not None:
            last[-1] += sep + key + value
            continue
        last = fields.setdefault(int(key), [])
        last.append(value)
    return {k: ["" if _FILLER.match(v) else v for v in values] for k, values in fields.items()}


def _subfield_details(text: str, sep: str) -> Details:
    """Values are kept as written until joined: a chunk padded with spaces ("SEJMOWA 21 ") ends a word, a
    chunk of the full width was cut mid-word. A sub-field holding only PKO BP's filler (˙, ÿ) is empty."""
    fields = _subfields(text, sep)
    title_keys: tuple[int, ...] = _POLISH_TITLE + _TITLE_TAIL[sep]
    pairs = _NAME_PAIRS.get(sep, _POLISH_NAMES)
    if sep != "?" and any(fields.get(26, [])):  # a title running through ~26 goes on in ~27/~28 (Pekao)
        title_keys = (*_POLISH_TITLE, 27, 28, *_TITLE_TAIL[sep])
        pairs = ((32, 33),)
    title_run = _run(fields, title_keys)
    name_runs = [_run(fields, pair) for pair in pairs]
    width = _width([title_run, *name_runs])
    title_width = _width_of(title_run, width)
    title_run, symbol_refs = _symbol_chunks(title_run)
    title, refs = _sepa_parts(_glue(title_run, title_width))
    name = next((n for run in name_runs if (n := _name(run, _width_of(run, width)))), None)
    account = normalize_account("".join(fields.get(38, [])).strip()
                                or with_bank_code(_first(fields, 31), _first(fields, 30)))
    posting = _join(fields.get(0, []))
    gvc = _GVC.match(text)
    return_code = sep == "?" and gvc is not None and gvc.group(1) in _RETURN_GVC
    return Details(title, name, account, _tax_id(title), posting, symbol_refs + refs,
                   bool(_RETURN_TEXT.search(posting)), return_code, bool(_INTEREST_TEXT.search(posting)))


_Run = list[tuple[int, str]]


def _run(fields: dict[int, list[str]], keys: Iterable[int]) -> _Run:
    """The non-empty values of these sub-fields in order, with their numbers."""
    return [(k, v) for k in keys for v in fields.get(k, []) if v]


def _symbol_chunks(run: _Run) -> tuple[_Run, tuple[str, ...]]:
    """The title's sub-fields with those holding only payment symbols reduced to their variable symbol
    (a constant or specific symbol names no invoice), and the variable symbols they give, as references."""
    kept: _Run = []
    refs: list[str] = []
    for key, chunk in run:
        found = symbols.symbols_only(chunk)
        if found is not None:
            vs = symbols.variable_symbol(found)
            refs.extend([vs] if vs else [])
            chunk = symbols.shown_as(chunk, found)
        if chunk:
            kept.append((key, chunk))
    return kept, tuple(refs)


def _width(runs: list[_Run]) -> int | None:
    """The width the bank cut the text at: 27 or 35, or none when a chunk is longer than that."""
    longest = max((len(v) for run in runs for _, v in run), default=0)
    if longest > _WIDE:
        return None
    return _NARROW if longest <= _NARROW else _WIDE


def _width_of(run: _Run, width: int | None) -> int | None:
    """None when this text was wrapped at words, not cut at the width: a short chunk followed, in the next
    sub-field, by a word that would have fitted in it ("SVWZ+Apple Pay", "DATUM …"), so that even a chunk
    of the full width ended at a word. A chunk opening with a SEPA key ("SVWZ+") is one the bank starts
    afresh, not a sign of wrapping."""
    if width is None:
        return None
    for (key, chunk), (after_key, after) in itertools.pairwise(run):
        word = after.split(" ", 1)[0]
        if _follows(key, after_key) and word and not chunk.endswith(" ") and not _SEPA_KEY.match(after) \
                and len(chunk) + 1 + len(word) <= width:
            return None
    return width


def _glue(run: _Run, width: int | None) -> str:
    """Chunks joined: straight on after one the width cut when the text goes on in the next sub-field, with
    a space after a shorter one or across a gap (~22 then ~26: another part of the text)."""
    out: list[str] = []
    last = -1
    for key, chunk in run:
        if out and (width is None or len(out[-1]) < width or not _follows(last, key)):
            out.append(" ")
        out.append(chunk)
        last = key
    return " ".join("".join(out).split())


def _follows(key: int, after: int) -> bool:
    """Whether sub-field `after` carries on the text of `key`: the next number (?29 goes on in ?60)."""
    return after in (key, key + 1) or (after == 60 and key >= 25)


def _name(run: _Run, width: int | None) -> str | None:
    return _glue([(k, v) for k, v in run if _LETTER.search(v)], width) or None


def _first(fields: dict[int, list[str]], key: int) -> str | None:
    values = fields.get(key)
    return values[0] if values else None


def _sepa_parts(text: str) -> tuple[str, tuple[str, ...]]:
    """"EREF+… KREF+… SVWZ+Rechnung 12 ABWA+…": the title is the SVWZ+ text (and any text before the first
    key), the end-to-end reference is kept for matching. Without SVWZ+ the text stays as it is."""
    parts = _SEPA_KEY.split(text)
    keys = parts[1::2]
    if "SVWZ" not in keys:
        return text, ()
    values = dict(zip(keys, (v.strip() for v in parts[2::2]), strict=True))
    eref = values.get("EREF", "")
    refs = (eref,) if eref and eref.upper() not in NO_REFERENCE else ()
    return _join((parts[0], values["SVWZ"])), refs


# --- keyed forms ----------------------------------------------------------------------------------------

# The Dutch SEPA form (ING, ABN AMRO, Rabobank, bunq): "/TRTP/…/IBAN/NL…/NAME/…/REMI/…" or "/CNTP/IBAN/BIC/NAME/…",
# and the SWIFT form "/ORDP/name" or "/ORDP//NAME/…".
_KEYS = re.compile(r"/(TRTP|IBAN|BIC|NAME|REMI|EREF|MARF|CSID|CNTP|PREF|RTRN|BENM|ORDP|ISDT|ADDR|ULTC|ULTD|ULTB|"
                   r"PURP|SVCL|TRCD|OCMT|CHGS|EXCH|INIT|RREF|IREF|RCMT|CHRG|ID)/")
_KEYED = re.compile(r"^/(?:TRTP|EREF|CNTP|PREF|RTRN|BENM|ORDP|NAME|REMI|IBAN)/")
_REMI_FORM = re.compile(r"^(?:USTD//|STRD/CUR/|STRD//)")
_ACCOUNT_LIKE = re.compile(r"^(?:[A-Z]{2}\d{2}[A-Z0-9 ]{11,40}|[\d\- /]{6,40})$")
_PARTY_LINE = re.compile(r"^/(ORDP|BENM)/([^/]+)$")


def _keyed_details(text: str) -> Details:
    """The keyed form: the title from REMI (nothing when it is empty or missing: the rest is structure),
    the payer from NAME/IBAN, CNTP or ORDP/BENM; /RTRN/ marks a returned transfer."""
    parts = _KEYS.split(text)
    fields = {key: value.strip() for key, value in zip(parts[1::2], parts[2::2], strict=True)}
    counterparty = fields.get("CNTP", "").split("/")
    party = fields.get("ORDP") or fields.get("BENM") or ""
    party_account = party if _ACCOUNT_LIKE.match(party) else ""
    name = (fields.get("NAME") or (counterparty[2] if len(counterparty) > 2 else "")
            or (party if party and not party_account and _LETTER.search(party) else ""))
    account = fields.get("IBAN") or counterparty[0] or party_account
    title = " ".join(_REMI_FORM.sub("", fields.get("REMI", "")).strip("/ ").split())
    eref = "".join(fields.get("EREF", "").strip("/").split())  # wrapped over lines anywhere
    refs = (eref,) if eref and eref.upper() not in NO_REFERENCE else ()
    return Details(title, " ".join(name.split()) or None, normalize_account(account), _tax_id(title),
                   refs=refs, returned="RTRN" in fields)


def _party_lines(lines: list[str]) -> Details | None:
    """"/ORDP/300000000460495", "/IVOTEHNA DOOEL SKOPJE", "/747//747", "/Uplata po faktura 747": the party's
    account (or name) on the first line, its name on the next and the text after, each line opening with
    "/" (KBS Macedonia). Any line opening with a known key makes it the ordinary keyed form."""
    rows = [line.strip() for line in lines if line.strip()]
    first = _PARTY_LINE.match(rows[0]) if rows else None
    if first is None or len(rows) < 2 or not all(r.startswith("/") and not _KEYS.match(r) for r in rows[1:]):
        return None
    values = [v for v in (first.group(2).strip(), *(r.strip("/ ") for r in rows[1:])) if v and v.upper() != "EMPTY"]
    account = values.pop(0) if values and _ACCOUNT_LIKE.match(values[0]) else None
    name = values.pop(0) if values and _LETTER.search(values[0]) else None
    title = _join(values)
    return Details(title, name, normalize_account(account), _tax_id(title))


# --- free forms -----------------------------------------------------------------------------------------

_FREE_ACCOUNT = re.compile(r"(?:Z RACH\.?|RACH\.?|KONTO|Z KONTA)\s*:?\s*([A-Z]{0,2}[0-9 ]{10,40}[0-9])", re.IGNORECASE)
_FREE_NAME = re.compile(r"\b(?:OD|NADAWCA|ZLECENIODAWCA)\s*:\s*(.*?)\s*(?:;|$)", re.IGNORECASE)
_FREE_TITLE = re.compile(r"\b(?:TYT\.?|TYTU[ŁL]|TYTUŁEM)\s*:\s*(.*?)\s*(?:;\s*(?:DATA|TNR|ID)\b|$)", re.IGNORECASE)
# The head of mBank's free form, "770 PRZELEW KRAJOWY;": the bank's posting text.
_FREE_HEAD = re.compile(r"^\d{3}\s+([^;]{3,60});")
# Knab: "DESCRIPTION REK: NL26ABNA0999999999/NAAM: BEDRIJF VOF".
_KNAB = re.compile(r"^(.*?)\s*\bREK:\s*([A-Z]{2}\d{2}[A-Z0-9]{10,30}|\d{6,12})\s*/\s*NAAM:\s*(.+?)\s*$")
# Penta: "999SEPA_CREDIT_TRANSFER:purpose (colons allowed):name:IBAN[:more]".
_COLONS = re.compile(r"^(?:\d{3})?[A-Z]{3,}(?:_[A-Z]+)*:(.*):([^:]*[^\s:][^:]*):\s*([A-Z]{2}\d{2}[A-Z0-9]{11,30})"
                     r"\s*(?::(.*))?$")


def _free_details(text: str) -> Details:
    """Knab's and Penta's forms, else the unstructured Polish form:
    "…; Z RACH.: 0410…; OD: NAME; TYT.: FV 1/2026; DATA STEMPLA: …"."""
    if knab := _KNAB.match(text):
        title = " ".join(knab.group(1).split())
        return Details(title, " ".join(knab.group(3).split()), normalize_account(knab.group(2)), _tax_id(title))
    if colons := _COLONS.match(text):
        title = _join((colons.group(1), colons.group(4)))
        return Details(title, " ".join(colons.group(2).split()), normalize_account(colons.group(3)), _tax_id(title))
    title_match = _FREE_TITLE.search(text)
    title = " ".join((title_match.group(1) if title_match else text).split())
    name_match = _FREE_NAME.search(text)
    account_match = _FREE_ACCOUNT.search(text)
    head = _FREE_HEAD.match(text)
    posting = " ".join(head.group(1).split()) if head else ""
    return Details(
        title, " ".join(name_match.group(1).split()) or None if name_match else None,
        normalize_account(account_match.group(1)) if account_match else None, _tax_id(text),
        posting, returned=bool(_RETURN_TEXT.search(posting)), interest=bool(_INTEREST_TEXT.search(posting)),
    )


def _tax_id(text: str) -> str | None:
    found = _TAX_ID.search(text)
    return found.group(1).replace("-", "") if found else None


def _join(parts: Iterable[str | None]) -> str:
    return " ".join(" ".join(p for p in parts if p).split())
