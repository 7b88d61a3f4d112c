"""Invoices from CSV exports: the column mapping, the row rules shared with XLSX, and the streaming CSV reader."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any

from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount
from collector_app.imports.common import (
    CURRENCY_SIGNS,
    DOLLAR,
    GUESSED,
    DayMonthOrder,
    DecimalMark,
    ImportProblem,
    InvoiceRecord,
    PartyRecord,
    SkippedRow,
    ValueProblem,
    check_amount,
    clean_cell,
    currency_at,
    guess_note,
    line_place,
    normalize_encoding,
    open_text,
    parse_decimal,
    parse_import_date,
    problem,
    split_currency,
    undecodable_line,
)

HEADER_SEARCH = 20  # rows looked at for the header when title lines come first
LOOK_AHEAD = 100  # rows under the header looked at for the file's decimal mark and day/month order
FIELDS = ("number", "contractor", "tax_id", "email", "issue_date", "due_date", "gross", "currency", "variable_symbol")
REQUIRED = ("number", "contractor", "gross", "issue_date")
OPTIONS = ("columns", "date_format", "decimal", "thousands", "currency", "delimiter", "encoding", "skip_rows")
# Column headers recognised without a mapping, as `header_key` writes them (case, accents, camelCase,
# punctuation and "#" do not matter: "InvoiceNumber", "invoice_number" and "Invoice #" are one name).
# Earlier names win, so the specific ones come before the generic ("Nr faktury" before "Nr", which is often
# the row's ordinal; "Nazwa kontrahenta" before "Kontrahent", which Optima fills with a short code).
_NAMES: dict[str, tuple[str, ...]] = {
    "number": ("credit note number", "credit note no", "credit memo number", "credit memo no",
               "invoice number", "invoice no", "invoice num", "numer faktury", "nr faktury", "číslo faktury",
               "document number", "document no", "doc no", "numer dokumentu", "nr dokumentu", "nr dok",
               "číslo dokladu", "number", "invoice", "numer", "číslo", "doklad", "no", "nr", "num", "document",
               "details", "invoice ref", "voucher no", "voucher"),
    "contractor": ("client name", "customer name", "buyer name", "company name", "contact name",
                   "invoice partner display name", "client full name", "customer full name",
                   "nazwa kontrahenta", "kontrahent nazwa", "nazwa nabywcy", "nazwa klienta", "název odběratele",
                   "název klienta", "název firmy", "contractor", "client", "customer", "buyer", "bill to",
                   "kontrahent", "nabywca", "klient", "odběratel", "firma", "company", "contact", "name", "nazwa",
                   "název", "partner"),
    "tax_id": ("tax_id", "tax id", "vat id", "vat number", "vat no", "vat reg no", "tax number", "tax no",
               "customer tax id", "buyer tax id", "client tax id", "client vat no", "client vat number",
               "buyer vat id", "buyer nip", "client nip", "customer nip", "nip", "nip nabywcy", "nip kontrahenta",
               "nip klienta", "dič", "dič odběratele", "ičo", "ič"),
    "email": ("email", "e-mail", "mail", "email address", "e-mail address", "client email", "customer email",
              "email recipient", "adres e-mail", "e-mail nabywcy", "e-mail kontrahenta", "e-mail klienta",
              "e-mail odběratele", "email odběratele"),
    "issue_date": ("credit note date", "credit memo date", "issue_date", "issue date", "issued", "issued on",
                   "issued at", "date issued", "invoice date", "invoice/bill date", "invoiced at", "document date",
                   "data wystawienia", "data wyst", "data dokumentu", "datum vystavení", "vystaveno", "date", "data",
                   "datum", "posting date", "transaction date"),
    "due_date": ("due_date", "due date", "payment due date", "due on", "due by", "payment due",
                 "termin płatności", "termin zapłaty", "termin płat", "termin płatn", "termin zapł", "płatność do",
                 "datum splatnosti", "splatno", "splatno do", "due", "termin", "splatnost"),
    "gross": ("rounded total", "gross", "invoice total", "total amount", "total gross", "gross amount", "grand total",
              "total incl vat", "total including vat", "total inc tax", "total incl tax", "total including tax",
              "amount incl tax", "total in currency signed", "total signed", "kwota brutto", "wartość brutto",
              "razem brutto", "kwota do zapłaty", "do zapłaty", "celkem s dph", "celkem k úhradě", "celková částka",
              "total", "amount", "brutto", "kwota", "celkem", "částka", "line total", "item total", "line amount",
              "item amount"),
    "currency": ("currency", "currency code", "ccy", "waluta", "kod waluty", "měna", "cizí měna"),
    "variable_symbol": ("variable symbol", "variabilní symbol", "var symbol", "var sym", "varsym", "vs"),
}
# Columns read only when the file has them (never required, not part of a mapping): what a register export
# says besides the invoice itself.
_EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    # the amount in the invoice's own currency where `gross` is in the firm's (POHODA, Flexi, Polish registers)
    "foreign_gross": ("brutto w walucie", "wartość brutto w walucie", "kwota brutto w walucie", "wartość w walucie",
                      "kwota w walucie", "cm celkem", "celkem v cizí měně", "celkem měna", "celkem cizí měna",
                      "sum celkem men", "total in currency signed", "total in currency", "amount in currency",
                      "foreign amount"),
    # what is left to pay (Xero InvoiceAmountDue, QuickBooks Open balance, ERPNext Outstanding Amount, Odoo
    # Amount Due, Zoho and InvoiceNinja Balance, Invoice2go BalanceDueAmount) and what was paid
    "remaining": ("pozostało do zapłaty", "pozostało", "pozostaje", "do zapłaty pozostało", "zbývá uhradit",
                  "zbývá uhradit kč", "k likvidaci", "zůstatek", "balance due", "amount due", "invoice amount due",
                  "amount due signed", "balance due amount", "outstanding", "outstanding amount",
                  "amount outstanding", "outstanding balance", "open balance", "open amount", "amount remaining",
                  "remaining amount", "remaining", "offener betrag", "restbetrag", "balance"),
    "paid": ("zapłacono", "zapłacone", "rozliczono", "uhrazeno", "již uhrazeno", "paid", "amount paid",
             "invoice amount paid", "amount paid amount", "paid to date", "paid amount", "total paid",
             "amount received", "bezahlt"),
    # ("Payment date" is left out: some registers mean the due date by it)
    "paid_date": ("date paid", "paid date", "paid on", "last payment date", "data zapłaty", "datum úhrady",
                  "datum zaplacení", "uhrazeno dne", "bezahlt am"),
    "paid_flag": ("invoice paid", "is paid", "fully paid", "zapłacona", "opłacona", "uhrazená", "facture payée",
                  "payée"),
    "vat_rate": ("stawka vat", "stawka", "sazba dph", "sazba", "vat rate", "tax rate"),
    "kind": ("typ dokumentu", "rodzaj dokumentu", "rodzaj faktury", "typ faktury", "typ dokladu", "rodzaj", "typ",
             "druh dokladu", "druh", "document type", "invoice type", "transaction type", "voucher type",
             "doc type", "move type", "belegart", "type"),
    # the state of the document (a draft, a void one, a paid one): Xero, Zoho, InvoiceNinja, FreshBooks, Odoo
    "status": ("status", "invoice status", "document status", "credit note status", "state", "status faktury",
               "status dokumentu", "stav", "stav dokladu", "rechnungsstatus", "belegstatus", "statut",
               "statut facture", "état", "état facture"),
    "payment_status": ("payment status", "payment state", "status płatności", "stav úhrady", "zahlungsstatus"),
    "cancelled": ("storno", "anulowana", "anulowano", "cancelled", "void"),
    "person": ("jméno", "příjmení a jméno", "jméno a příjmení", "imię i nazwisko", "nazwisko i imię", "osoba"),
    # a Czech company number beside the DIČ column: the buyer's id when it is no VAT payer (no DIČ)
    "company_no": ("ičo", "ič", "ičo odběratele", "ič odběratele"),
}
# Gross columns that hold the amount of one line of an invoice (a line-item export): summed per invoice.
LINE_AMOUNTS = frozenset({"line total", "line amount", "line gross", "line total gross", "item total",
                          "item amount", "item total gross"})
# What the last row of an export says when it sums up the rows above (as `header_key` writes it).
TOTAL_WORDS = frozenset({
    "total", "totals", "grand total", "sum", "subtotal", "summary", "razem", "suma", "ogolem", "podsumowanie",
    "celkem", "soucet", "celkem za doklady", "gesamt", "summe"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def header_key(text: str) -> str:
    """A column header as compared with the known names: lower case, no accents, camelCase split,
    punctuation as spaces, "#" read as "no"."""
    spaced = _CAMEL.sub(" ", text.replace("#", " no ")).casefold().replace("ł", "l")
    plain = "".join(c for c in unicodedata.normalize("NFKD", spaced) if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain).strip()


SYNONYMS: dict[str, tuple[str, ...]] = {
    fld: tuple(dict.fromkeys(header_key(name) for name in names)) for fld, names in _NAMES.items()}
EXTRA_SYNONYMS: dict[str, tuple[str, ...]] = {
    fld: tuple(dict.fromkeys(header_key(name) for name in names)) for fld, names in _EXTRA_NAMES.items()}


@dataclass(frozen=True)
class Mapping:
    """What the mapping file (and the GUI wizard) says about a source's columns and formats."""

    columns: dict[str, str | None] = field(default_factory=dict)  # None: the file has no such column (not detected)
    date_format: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    currency: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    skip_rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"columns": dict(self.columns)}
        for name in OPTIONS[1:]:
            value = getattr(self, name)
            if value not in (None, 0):
                out[name] = value
        return out


def load_mapping(path: Path) -> Mapping:
    label = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise problem(label, "", f"cannot be read ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise problem(label, "", f"is not a JSON mapping ({exc})") from exc
    try:
        mapping = mapping_from_dict(data)
    except ImportProblem as exc:
        raise exc.to_user_error(label) from exc
    missing = [f"columns.{f}" for f in REQUIRED if mapping.columns.get(f) is None]
    if missing:  # a mapping file says where every required field is (the wizard does not save one otherwise)
        raise problem(label, ", ".join(missing), f"missing (a mapping names the columns of "
                                                 f"{', '.join('columns.' + f for f in REQUIRED)})")
    return mapping


def mapping_from_dict(data: Any) -> Mapping:
    """Check a mapping object; problems name the key ("columns.gross")."""
    if not isinstance(data, dict):
        raise ImportProblem("", "expected a JSON object with \"columns\"")
    unknown = sorted(set(data) - set(OPTIONS))
    if unknown:
        raise ImportProblem(unknown[0], f"is not a mapping key (known: {', '.join(OPTIONS)})")
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(v is None or (isinstance(v, str) and v.strip())
                                                for v in columns.values()):
        raise ImportProblem("columns", "expected an object of field → column header (or null: no such column)")
    for key in columns:
        if key not in FIELDS:
            raise ImportProblem(f"columns.{key}", f"is not a field (known: {', '.join(FIELDS)})")
    texts: dict[str, str | None] = {}
    for key in ("date_format", "decimal", "thousands", "currency", "delimiter", "encoding"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ImportProblem(key, "expected text")
        texts[key] = value
    if texts["decimal"] not in (None, ",", "."):
        raise ImportProblem("decimal", 'expected "," or "."')
    if texts["delimiter"] is not None and len(texts["delimiter"]) != 1:
        raise ImportProblem("delimiter", "expected one character")
    if texts["currency"]:
        texts["currency"] = currency_at(texts["currency"], "currency")
    if texts["encoding"]:
        try:
            texts["encoding"] = normalize_encoding(texts["encoding"])
        except UserError as exc:
            raise ImportProblem("encoding", exc.message) from exc
    skip = data.get("skip_rows", 0)
    if not isinstance(skip, int) or isinstance(skip, bool) or not 0 <= skip <= 1000:
        raise ImportProblem("skip_rows", "expected a whole number 0–1000")
    return Mapping(columns={k: v.strip() if v is not None else None for k, v in columns.items()}, skip_rows=skip,
                   **texts)


def match_columns(header: Sequence[object], mapping: Mapping, header_line: int = 1,
                  rows: Sequence[Sequence[object]] = ()) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Field → column index and header text, by the mapping or else by known header names; plus what is missing.

    `rows` (the first rows under the header) let the contractor's values choose its column where the headers
    cannot (see `_full_name_column`). A column the mapping names but the header lacks is an ImportProblem.
    """
    index, names, missing, _codes = _match(header, mapping, header_line, rows)
    return index, names, missing


def _match(header: Sequence[object], mapping: Mapping, header_line: int = 1, rows: Sequence[Sequence[object]] = (),
           ) -> tuple[dict[str, int], dict[str, str], list[str], int | None]:
    """`match_columns`, with the contractor column passed over for a full-name one (None when none was)."""
    names = [clean_cell(str(h)) if h is not None else "" for h in header]
    lower = {n.lower(): i for i, n in reversed(list(enumerate(names))) if n}
    keys = _header_keys(names)
    index: dict[str, int] = {}
    named = [w.lower() for w in mapping.columns.values() if w is not None]
    for fld in FIELDS:
        wanted = mapping.columns.get(fld)
        if fld in mapping.columns and wanted is None:
            continue  # the mapping says the file has no such column: nothing is guessed for it
        if wanted is not None:
            if wanted.lower() not in lower:
                shown = ", ".join(n for n in names if n) or "nothing"
                shown = shown if len(shown) <= 300 else shown[:300] + "…"
                raise ImportProblem(line_place(header_line), f'no column "{wanted}" (columns.{fld} of the mapping); '
                                                             f"the header has: {shown}{garbled_hint(names)}")
            index[fld] = lower[wanted.lower()]
            continue
        taken = set(index.values()) | {lower[w] for w in named if w in lower}
        found = _first_known(keys, SYNONYMS[fld], taken)
        if found is not None:
            index[fld] = found
    codes = None
    if "contractor" in index and "contractor" not in mapping.columns:
        full = _full_name_column(names, index, rows)
        if full is not None:
            codes, index["contractor"] = index["contractor"], full
    return index, {f: names[i] for f, i in index.items()}, [f for f in REQUIRED if f not in index], codes


# A header naming a party's name: only these words, one of them a name word ("Nazwa", "Name", "Název firmy nebo
# jméno osoby", Flexi's "nazFirmy"; not "Item Name" or "Nazwa skrócona"), as `header_key` writes them.
_NAME_WORDS = frozenset({"name", "nazwa", "nazev", "naz"})
_PARTY_WORDS = frozenset({"kontrahent", "kontrahenta", "nabywca", "nabywcy", "klient", "klienta", "odbiorca",
                          "odbiorcy", "odberatel", "odberatele", "firma", "firmy", "customer", "client", "buyer",
                          "company", "contact", "partner", "debtor", "kunde", "kunden", "osoba", "osoby", "jmeno",
                          "full", "pelna", "plna", "legal", "nebo", "or", "i", "a"})


def _full_name_column(names: Sequence[str], index: dict[str, int], rows: Sequence[Sequence[object]]) -> int | None:
    """A column with the contractor's full name beside the one found by a generic header ("Kontrahent", "Firma",
    "Customer"), which some programs fill with short codes (Comarch Optima, ABRA Flexi): one whose header names
    a party's name ("Název firmy", "nazFirmy") wins by its header; a bare "Nazwa", "Name" or "Název" wins when
    the rows show single-word codes beside longer names of several words. None keeps the contractor column."""
    contractor = index["contractor"]
    if _NAME_WORDS & set(header_key(names[contractor]).split()):
        return None
    taken = set(index.values())
    found: list[tuple[bool, int, int]] = []  # (bare, distance, column)
    for i, name in enumerate(names):
        words = header_key(name).split()
        if i not in taken and _NAME_WORDS & set(words) and set(words) <= _NAME_WORDS | _PARTY_WORDS:
            found.append((len(words) == 1, abs(i - contractor), i))
    if not found:
        return None
    bare, _distance, best = min(found)
    if not bare:
        return best
    return best if _codes_beside_names(rows, contractor, best) else None


def _codes_beside_names(rows: Sequence[Sequence[object]], codes: int, full: int) -> bool:
    """Whether the rows hold single words in column `codes` (ZAKŁAD, P.H.U., code:ALPINE) where column `full`
    holds longer names, mostly of several words, each name beside one code (a goods' name is not)."""
    pairs = [(" ".join(_cell_words(row, codes)), " ".join(_cell_words(row, full))) for row in rows]
    pairs = [(code, name) for code, name in pairs if code]
    if not pairs:
        return False
    single = sum(" " not in code for code, _name in pairs)
    several = sum(" " in name for _code, name in pairs)
    longer = sum(len(name) > len(code) for code, name in pairs)
    coded: dict[str, set[str]] = {}
    for code, name in pairs:
        coded.setdefault(name, set()).add(code)
    return (single >= 0.8 * len(pairs) and several >= 0.5 * len(pairs) and longer >= 0.8 * len(pairs)
            and sum(len(c) > 1 for c in coded.values()) <= 0.1 * len(coded))


def _cell_words(row: Sequence[object], i: int) -> list[str]:
    cell = row[i] if i < len(row) else None
    return [] if cell is None else clean_cell(str(cell)).split()


def garbled_hint(header: Sequence[object]) -> str:
    """A hint for a header that reads as text decoded in the wrong encoding (UTF-16 read as UTF-8 shows NULs,
    UTF-8 read as UTF-16 shows CJK characters); empty for a header that reads as text."""
    text = "".join(str(h) for h in header if h is not None)
    odd = sum(1 for ch in text if ch in "\x00\ufffd" or "\u3400" <= ch <= "\ud7ff" or "\ue000" <= ch <= "\uf8ff")
    if odd * 4 < len(text) or not text:
        return ""
    return '; the text does not read as text: is the file\'s encoding right? (name it in a mapping: "encoding")'


def _header_keys(names: Sequence[str], skip: Collection[int] = ()) -> dict[str, int]:
    """Each header's `header_key` → its column (the first column, when two headers read the same), leaving
    out the columns in `skip`."""
    return {key: i for i, n in reversed(list(enumerate(names))) if i not in skip and (key := header_key(n))}


def _first_known(keys: dict[str, int], synonyms: Sequence[str], taken: Collection[int]) -> int | None:
    """The column of the first of `synonyms` the header has, leaving out columns already taken."""
    return next((keys[k] for k in synonyms if k in keys and keys[k] not in taken), None)


def match_extra(header: Sequence[object], taken: Iterable[int]) -> dict[str, int]:
    """The optional register columns (see _EXTRA_NAMES) a header has, besides the columns already taken."""
    used = set(taken)
    keys = _header_keys([clean_cell(str(h)) if h is not None else "" for h in header], used)
    found: dict[str, int] = {}
    for fld, synonyms in EXTRA_SYNONYMS.items():
        index = _first_known(keys, synonyms, used | set(found.values()))
        if index is not None:
            found[fld] = index
    return found


# What a document-type or cancellation column says of a document that is no debt (as `header_key` writes it).
NOT_A_DEBT = (("proforma", "a pro forma invoice"), ("pro forma", "a pro forma invoice"),
              ("storno", "cancelled"), ("stornovan", "cancelled"), ("anulowan", "cancelled"),
              ("cancel", "cancelled"), ("void", "cancelled"))
# What else a type column says (whole words of its `header_key`, or the whole cell for short codes): a document
# of the firm's purchases, a payment row (Xero "Sales overpayment", QuickBooks "Payment"), a credit note (its
# amount is credited however the file signs it: Xero writes them positive), a correction (the same, unless
# negative already) and a debit note (an invoice).
_PURCHASE = re.compile(r"\b(bills?|vendor|supplier|purchases?|accpay\w*|zakup\w*|kosztow\w*|prijat\w*|dosl\w*|"
                       r"eingangsrechnung|lieferantenrechnung|achats?|fournisseur|compras?|proveedor)\b")
_RECEIVED_PAYMENT = re.compile(r"\b(k|ke|za) prijat\w* platb\w*\b|\bdoklad k platbe\b")
_PURCHASE_CODES = frozenset({"fz", "kfz", "fzk"})  # Subiekt's "faktura zakupu" and its correction
_PAYMENT = re.compile(r"\b(payments?|overpayments?|prepayments?|receive money|nadplata|przedplata|wplata|"
                      r"platba|preplatek|uberzahlung|vorauszahlung|zahlung|paiement|pago)\b")
# A till receipt (paid at the sale) and a delivery or goods-issue note: no invoice; short codes only as the whole cell.
_RECEIPT = re.compile(r"\b(paragon\w*|uctenk\w*|prodejk\w*|kassenbon\w*|kassenzettel\w*|quittung\w*|receipts?|"
                      r"cash sales?|ticket de caisse|tickets? de venta)\b")
_RECEIPT_CODES = frozenset({"pa", "pai", "par"})  # Subiekt's and Optima's "paragon" (imienny)
_DELIVERY = re.compile(r"\b(wydani\w* zewnetrzn\w*|dowod\w* wydania|dodaci\w* list\w*|vydejk\w*|lieferschein\w*|"
                       r"delivery (notes?|slips?)|packing (slips?|lists?)|dispatch notes?|goods issues?|"
                       r"bons? de livraison|albaran\w*)\b")
_DELIVERY_CODES = frozenset({"wz", "wzk"})  # "wydanie zewnętrzne" and its correction
# An advance invoice and the final invoice that settles the order (advances deducted), by their type
_FINAL = re.compile(r"\b(koncow\w*|rozliczeniow\w*|vyuctovan\w*|vyuctovaci\w*|konecn\w*|zaverecn\w*|"
                    r"schlussrechnung\w*|endrechnung\w*|(final|closing) invoices?|facture (de solde|finale))\b")
_ADVANCE = re.compile(r"\b(zaliczk\w*|zaloh\w*|anzahlungsrechnung\w*|abschlagsrechnung\w*|acompte|anticipo|"
                      r"(advance|deposit|prepayment|down payment)( payment)? invoices?)\b")
_DOCUMENT = re.compile(r"\b(invoice|faktura|rechnung|facture|factura|note|nota|bill)\b")
_INVOICE = re.compile(r"\b(invoices?|faktur\w*|\w*rechnung\w*|factures?|facturas?)\b")
_DEBIT = re.compile(r"\b(debit|vrubopis\w*|zwiekszajac\w*|nachbelastung|lastschrift)\b")
_CREDIT = re.compile(r"\b(credit|creditnote|refund|accreccredit|dobropis\w*|gutschrift|avoir|creditnota|kreditnota|"
                     r"hyvityslasku|zmniejszajac\w*)\b")
_CORRECTION = re.compile(r"\b(korekt\w*|korygujac\w*|opravn\w*|correction|corrective|\w*korrektur)\b")
_CORRECTION_CODES = frozenset({"kor", "fk", "fkor", "kfs", "fks"})
# What a status column says (Xero, Zoho, InvoiceNinja, FreshBooks, Odoo and their Polish, Czech, German words):
# a void or draft document is skipped, a paid one is reported.
_VOID = re.compile(r"\b(void|voided|cancel\w*|deleted|reversed|abandon\w*|annul\w*|anul\w*|storn\w*|zrusen\w*|"
                   r"smazan\w*|usuni\w*|geloe?scht|geannuleerd)\b")
_DRAFT = re.compile(r"\b(draft|drafts|szkic|robocz\w*|koncept|rozpracovan\w*|entwurf|brouillon|borrador|bozza)\b")
# Dolibarr writes its status code: 0 draft, 1 validated (open), 2 paid, 3 abandoned; a draft's ref is "(PROV12)"
_STATUS_CODES = {0: ("draft", "Dolibarr's code for a draft"), 1: (None, "Dolibarr's code for validated"),
                 2: ("paid", "Dolibarr's code for paid"), 3: ("void", "Dolibarr's code for abandoned")}
_DRAFT_REF = re.compile(r"^(\(PROV\w*\)|PROV\d+)$")
_PAID_STATES = frozenset({"paid", "fully paid", "auto paid", "in payment", "closed", "settled", "zaplacona",
                          "zaplacono", "zaplacone", "oplacona", "oplacono", "rozliczona", "rozliczono", "uhrazeno",
                          "uhrazena", "uhrazen", "zaplaceno", "zaplacena", "bezahlt", "payee", "pagada", "pagato",
                          "betaald"})
_PART_PAID_STATES = frozenset({"partial", "partially paid", "part paid", "partly paid", "czesciowo zaplacona",
                               "czesciowo oplacona", "czesciowo rozliczona", "castecne uhrazeno", "castecne uhrazena",
                               "castecne zaplaceno", "teilweise bezahlt", "teilbezahlt"})
_GROUP_COUNT = re.compile(r"\(\d+\)$")  # "January 2026 (2)": a grouped list's heading with its row count
NO_DUE_COLUMN = "no due-date column: due dates come from the payment terms (the contractor's, else the firm's)"
YES = frozenset({"ano", "tak", "yes", "y", "true", "1", "x", "a", "t"})
# A tax-id cell that only says there is none ("brak" in Polish VAT registers, "-", "b.d."): no digit, or only zeros.
_NO_DIGIT = re.compile(r"^[^1-9]*$")


# A gross column that is already what is left to pay after the advance invoices (a final invoice's "Do zapłaty")
_TO_PAY = frozenset(header_key(n) for n in ("kwota do zapłaty", "do zapłaty", "celkem k úhradě", "k úhradě",
                                             "zu zahlen", "zahlbetrag", "amount payable", "total payable"))


@dataclass
class _Final:
    """A final invoice, held back until the advance invoices of the whole file are known."""

    rec: InvoiceRecord
    line: int
    cells: Sequence[object]
    kind: str  # its type cell as the summary shows it: "(Rodzaj: Faktura końcowa)"


class RowRules:
    """Turns the rows under a header into invoice records: shared by the CSV and XLSX readers.

    Rows repeating an invoice number with the same header values are line items of one invoice;
    conflicting values are an error naming both lines.
    """

    def __init__(self, header: Sequence[object], header_line: int, mapping: Mapping, default_currency: str) -> None:
        self.index, self.names, missing, self.codes = _match(header, mapping, header_line)
        if missing:
            raise ImportProblem(line_place(header_line),
                                f"no column for {', '.join(missing)} (name it in a mapping: "
                                f"{', '.join('columns.' + m for m in missing)}){garbled_hint(header)}")
        self.mapping = mapping
        self.currency = mapping.currency or default_currency
        self.seen: dict[str, tuple[int, int]] = {}  # number → (first line, hash of its values)
        self.lines = header_key(self.names["gross"]) in LINE_AMOUNTS  # summed per invoice
        self.open: InvoiceRecord | None = None  # in line mode, the invoice whose lines are being summed
        self.width = max(self.index.values()) + 1
        self.columns = len(header)
        self.overflow_noted = False  # a row with more cells than the header is said once per file
        self.marks = DecimalMark(mapping.decimal, mapping.thousands)  # one decimal mark for the whole file
        self.order = None if mapping.date_format else DayMonthOrder()  # one day/month order for the whole file
        self.home = default_currency
        # a file whose number column is a credit note's ("Credit Note Number") lists credit notes
        number_key = header_key(self.names["number"])
        self.credit_file = bool(_CREDIT.search(number_key)) or "korekt" in number_key
        self.header = [clean_cell(str(h)) if h is not None else "" for h in header]
        self._read_extra()
        # a VAT register writes one row per VAT rate: an invoice's rows with different amounts are summed
        self.rates = not self.lines and "vat_rate" in self.extra
        self.open_amounts: list[Decimal] = []  # in rate mode, the amounts of the open invoice's rows
        self.file_notes: list[str] = []  # said once, with the first invoice
        if "due_date" not in self.index:
            self.file_notes.append(NO_DUE_COLUMN)
        self.no_tax_ids: set[str] = set()
        self.credit_noted = False  # a credit note by its type is said once per file
        self.dollar_noted = False  # so is a "$" read without a currency column
        self.passed: set[str] = set()  # numbers of documents skipped (their further lines are too)
        self.status_codes = False  # the status column holds Dolibarr's codes 0–3 (see `learn`)
        self.advances: list[InvoiceRecord] = []  # advance invoices, deducted from a final invoice after them
        self.finals: list[_Final] = []  # final invoices, held back until the file's advances are known
        self.held: set[int] = set()  # the id() of each of them

    def _read_extra(self) -> None:
        """The optional columns besides those of the fields, and which row checks they call for (most files
        need none of them)."""
        self.extra = match_extra(self.header, self.index.values())
        self.extra_names = {f: self.header[i] for f, i in self.extra.items()}
        self.states = bool(self.extra.keys() & {"kind", "cancelled", "status", "payment_status"})
        self.typed = self.credit_file or "kind" in self.extra
        self.payments = bool(self.extra.keys() & {"remaining", "paid", "paid_date", "paid_flag", "status",
                                                  "payment_status"})

    def learn(self, rows: Sequence[tuple[int, Sequence[object]]]) -> None:
        """Decide the file's decimal marks, day/month order and contractor column from its first rows, before
        reading them (a row that cannot be read tells nothing here: it is refused when it is read)."""
        rows = [(line, cells) for line, cells in rows if self._totals(line, cells) is None]
        self._choose_contractor([cells for _line, cells in rows])
        self._learn_status_codes([cells for _line, cells in rows])
        dates = [i for f, i in self.index.items() if f in ("issue_date", "due_date")]
        for line, cells in rows:
            gross = self._cell("gross", cells)
            if self.marks.named is None and isinstance(gross, str):
                with contextlib.suppress(ImportProblem, ValueProblem):
                    amount, marked = split_currency(clean_cell(gross))
                    currency, named = self._named_currency(line, cells)
                    if marked is not None:
                        currency = _written_currency(gross, marked, currency, named, self.home)
                    self.marks.learn(line, amount, currency)
            if self.order is not None:
                for i in dates:
                    if i < len(cells) and isinstance(cell := cells[i], str):
                        self.order.learn(line, cell)

    def _choose_contractor(self, rows: Sequence[Sequence[object]]) -> None:
        """The contractor column as the first rows show it (see `_full_name_column`; a mapping naming one
        decides), said in the warnings when a full-name column is read instead of the one its header found."""
        if "contractor" in self.mapping.columns:
            return
        found = self.index["contractor"] if self.codes is None else self.codes
        full = _full_name_column(self.header, {**self.index, "contractor": found}, rows)
        if full is None:
            self.codes, self.index["contractor"] = None, found
            self._note_codes(found, rows)
            return
        self.codes, self.index["contractor"] = found, full
        self.names["contractor"] = self.header[full]
        self.width = max(self.index.values()) + 1
        self._read_extra()
        example = next((row for row in rows if _cell_words(row, found) and _cell_words(row, full)), None)
        said = [f' ({" ".join(_cell_words(example, i))})' if example else "" for i in (full, found)]
        self.file_notes.append(f'contractors are named from "{self.header[full]}"{said[0]}, not from '
                               f'"{self.header[found]}"{said[1]}: the full name, not a short name or code')

    def _learn_status_codes(self, rows: Sequence[Sequence[object]]) -> None:
        """A status column holding only the numbers 0–3 holds Dolibarr's status codes (said in the warnings)."""
        if "status" not in self.extra:
            return
        values = [value for cells in rows if (value := self._extra_cell("status", cells)) is not None]
        if values and all(_status_code(value) is not None for value in values):
            self.status_codes = True
            self.file_notes.append(f'the status column "{self.extra_names["status"]}" holds the numbers 0–3: read '
                                   "as Dolibarr's status codes (0 draft and 3 abandoned are skipped, 2 paid is "
                                   "listed here, 1 validated is open)")

    def _note_codes(self, column: int, rows: Sequence[Sequence[object]]) -> None:
        """Contractors that all read as short upper-case codes (ZAKŁAD, JAN) with no full-name column: said."""
        values = list(dict.fromkeys(" ".join(words) for row in rows if (words := _cell_words(row, column))))
        if len(values) >= 2 and all(" " not in v and v.isupper() for v in values):
            self.file_notes.append(f'every contractor in "{self.header[column]}" is one upper-case word '
                                   f'({", ".join(values[:3])}{", …" if len(values) > 3 else ""}): if these are '
                                   "codes, name the column with full names in a mapping (columns.contractor)")

    def noted(self, rec: InvoiceRecord | SkippedRow) -> InvoiceRecord | SkippedRow:
        """A record with what the reading of amounts assumed for the file, once (see DecimalMark)."""
        if self.marks.note is not None and isinstance(rec, InvoiceRecord):
            rec.notes.append(self.marks.note)
            self.marks.note = None
        if self.file_notes and isinstance(rec, InvoiceRecord):
            rec.notes.extend(self.file_notes)
            self.file_notes = []
        return rec

    def record(self, line: int, cells: Sequence[object]) -> InvoiceRecord | SkippedRow | None:
        """The invoice a row starts, None for a blank row or a further line item, or a SkippedRow for a
        totals line (exports often end with one)."""
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            return None
        totals = self._totals(line, cells)
        if totals is not None:
            return totals
        values = hash(tuple(cells[i] if i < len(cells) else None for f, i in self.index.items()
                            if not ((self.lines or self.rates) and f == "gross")))
        not_a_debt = self._not_a_debt(cells) if self.states else None
        if not_a_debt is None and "PROV" in str(ref := self._cell("number", cells)) and _DRAFT_REF.match(
                str(ref).strip()):
            not_a_debt = "a draft (a provisional ref, as Dolibarr numbers drafts), not an issued document to chase"
        if not_a_debt is not None:
            return self._passed(line, cells, not_a_debt)
        number = self._text(line, "number", cells, required=True)
        assert number is not None
        gross, currency = self._amount(line, cells, *self._named_currency(line, cells))
        gross = self._foreign_gross(line, cells, gross, currency)
        gross, kind_note = self._credited(cells, gross, currency) if self.typed else (gross, None)
        if self.lines or self.rates:
            return self._line_item(line, number, values, gross, currency, cells, kind_note)
        key = ("-" if gross < 0 else "+") + number  # an invoice and a credit note may share a number
        first = self.seen.get(key)
        if first is not None:
            if first[1] == values:
                return None
            raise ImportProblem(line_place(line),
                                f'invoice "{number}" repeats line {first[0]} with different values '
                                "(line items of one invoice must agree on number, contractor, dates and gross)")
        self.seen[key] = (line, values)
        rec = self._new_record(line, number, gross, currency, cells, kind_note)
        self._note_overflow(line, cells, rec)
        return rec

    def _passed(self, line: int, cells: Sequence[object], reason: str) -> SkippedRow | None:
        """A row that is no debt, listed once per document (its further line items are passed over silently);
        a payment row may have no number: its contractor names it."""
        number = self._text(line, "number", cells)
        if number is not None:
            if number in self.passed:
                return None
            self.passed.add(number)
            return SkippedRow(line_place(line), f'"{number}": {reason}')
        who = self._text(line, "contractor", cells)
        return SkippedRow(line_place(line), f"no number{f', {who}' if who else ''}: {reason}")

    def _credited(self, cells: Sequence[object], gross: Decimal, currency: str) -> tuple[Decimal, str | None]:
        """The amount as the type column (or a credit-note file) signs it: a credit note's amount is credited
        however the file writes it; a correction's too, unless its type says it raises the debt."""
        kind = self._extra_cell("kind", cells)
        said = _document_kind(str(kind)) if kind is not None else None
        if said is None and self.credit_file:
            said = "credit"
        if gross <= 0 or said not in ("credit", "correction"):
            return gross, None
        if said == "correction":
            return -gross, (f"a correction ({self.extra_names['kind']}: {str(kind).strip()}) with a positive amount "
                            f"({format_amount(gross)} {currency}) is taken as a credit note, money owed back; one "
                            "that raises the amount owed says so in its type (zwiększająca, vrubopis, debit note)")
        if self.credit_noted:
            return -gross, None
        self.credit_noted = True
        told = (f"by their type ({self.extra_names['kind']}: {str(kind).strip()})" if kind is not None
                else f"by the number column ({self.names['number']})")
        return -gross, (f"credit notes are told {told}: an amount written positive is the amount credited, "
                        "money owed back or offset")

    def _note_overflow(self, line: int, cells: Sequence[object], rec: InvoiceRecord) -> None:
        """Filled cells right of the header's last column are not read; often a delimiter written inside an
        unquoted value has pushed the row's cells along, so the summary says where it first happened."""
        extra = [c for c in cells[self.columns:] if c is not None and str(c).strip()]
        if extra and not self.overflow_noted:
            self.overflow_noted = True
            shown = ", ".join(f'"{str(c).strip()[:30]}"' for c in extra[:3])
            rec.notes.append(f"{line_place(line)}: {len(cells)} cells where the header has {self.columns}; "
                             f"{shown} not read (a delimiter inside an unquoted value? check the row)")

    def _named_currency(self, line: int, cells: Sequence[object]) -> tuple[str, bool]:
        """The row's currency from its column or the mapping (True), else the default one (False). Programs
        write the home currency as "zł" or "Kč", and ABRA Flexi relations as "code:EUR"."""
        if "currency" in self.index and (code := self._text(line, "currency", cells)):
            code = code.removeprefix("code:").strip()
            return currency_at(CURRENCY_SIGNS.get(code.casefold(), code), self._where(line, "currency")), True
        return self.currency, bool(self.mapping.currency)

    def _extra_cell(self, fld: str, cells: Sequence[object]) -> object:
        i = self.extra.get(fld)
        value = cells[i] if i is not None and i < len(cells) else None
        return None if isinstance(value, str) and not value.strip() else value

    def _extra_amount(self, line: int, fld: str, cells: Sequence[object], currency: str) -> Decimal | None:
        """An optional amount column, None when empty or not an amount (it is only a hint: never an error)."""
        value = self._extra_cell(fld, cells)
        if value is None or isinstance(value, bool):
            return None
        try:
            if isinstance(value, int | float | Decimal):
                return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            amount, _marked = split_currency(clean_cell(str(value)))
            return self.marks.parse(line, amount, currency)
        except (ValueProblem, ImportProblem, ArithmeticError):
            return None

    def _foreign_gross(self, line: int, cells: Sequence[object], gross: Decimal, currency: str) -> Decimal:
        """A register that keeps its totals in the firm's currency gives a foreign invoice's own amount in a
        column of its own ("CM celkem", "Brutto w walucie"): that is the amount owed, in the row's currency."""
        if currency == self.home or "foreign_gross" not in self.extra:
            return gross
        foreign = self._extra_amount(line, "foreign_gross", cells, currency)
        if foreign is None or foreign == 0:
            return gross
        return check_amount(foreign, currency, str(self._extra_cell("foreign_gross", cells)))

    def _not_a_debt(self, cells: Sequence[object]) -> str | None:
        """Why a row is no debt to chase, as its type, cancellation or status column says: a pro forma, a
        cancelled, void or draft document, a purchase document (a bill), or a payment; None for a debt."""
        kind = self._extra_cell("kind", cells)
        if kind is not None:
            said, shown = header_key(str(kind)), f"({self.extra_names['kind']}: {str(kind).strip()})"
            for word, what in NOT_A_DEBT:
                if word in said:
                    return f"{what} {shown}, not a debt to chase"
            what_kind = _document_kind(str(kind))
            if what_kind == "purchase":
                return f"a purchase document {shown}, not a sales document of the firm"
            if what_kind == "payment":
                return f"a payment {shown}, not a document to chase"
            if what_kind == "received":
                return f"a tax document for a payment already received {shown}, not a debt to chase"
            if what_kind == "receipt":
                return f"a till receipt {shown}: paid at the sale, not an invoice"
            if what_kind == "delivery":
                return f"a delivery note {shown}, not an invoice"
        cancelled = self._extra_cell("cancelled", cells)
        if cancelled is not None and header_key(str(cancelled)) in YES:
            return f"cancelled ({self.extra_names['cancelled']}: {str(cancelled).strip()}), not a debt to chase"
        for fld in ("status", "payment_status"):
            state, shown = self._status(fld, cells)
            if state == "draft":
                return f"a draft {shown}, not an issued document to chase"
            if state == "void":
                value = str(self._extra_cell(fld, cells))
                what = ("reversed" if "revers" in header_key(value) else
                        "abandoned" if "abandon" in header_key(value) or _status_code(value) == 3 else "cancelled")
                return f"{what} {shown}, not a debt to chase"
        return None

    def _status(self, fld: str, cells: Sequence[object]) -> tuple[str | None, str]:
        """What a status column says (see `_state`; Dolibarr's codes 0–3 in a column of them, see `learn`) and
        the cell as the summary shows it."""
        value = self._extra_cell(fld, cells)
        if value is None:
            return None, ""
        if fld == "status" and self.status_codes and (code := _status_code(value)) is not None:
            state, meaning = _STATUS_CODES[code]
            return state, f"({self.extra_names[fld]}: {code}, {meaning})"
        return _state(str(value)), f"({self.extra_names[fld]}: {str(value).strip()})"

    def _staged(self, line: int, cells: Sequence[object], rec: InvoiceRecord) -> bool:
        """An advance invoice is kept for the final invoices after it; a final invoice is held back to the end
        of the file, when its advances are known (True: its payment notes wait too)."""
        if "kind" not in self.extra:
            return False
        kind = self._extra_cell("kind", cells)
        stage = _stage(str(kind)) if kind is not None else None
        if stage == "advance":
            self.advances.append(rec)
        elif stage == "final":
            self.finals.append(_Final(rec, line, list(cells), f"({self.extra_names['kind']}: {str(kind).strip()})"))
            self.held.add(id(rec))
            return True
        return False

    def holds(self, rec: InvoiceRecord | SkippedRow) -> bool:
        """Whether a record is a final invoice that `settled` gives at the end of the file."""
        return bool(self.held) and id(rec) in self.held

    def settled(self) -> Iterator[InvoiceRecord]:
        """The final invoices held back, in the file's order, each owing its gross less the advance invoices
        deducted from it (see `_deduct`; the earlier final invoice first)."""
        used: set[int] = set()
        for final in sorted(self.finals, key=lambda f: (f.rec.issue_date, f.line)):
            self._deduct(final, used)
            self._payment_notes(final.line, final.cells, final.rec)
        finals, self.finals, self.held = self.finals, [], set()
        for final in finals:
            yield final.rec

    def _deduct(self, final: _Final, used: set[int]) -> None:
        """A final invoice owes what is left after the advance invoices of its contractor and currency issued
        by its date and not deducted from another final invoice (oldest first, never below zero); without any
        in the file its gross stays. Said in its warnings either way."""
        rec, gross_column = final.rec, self.names["gross"]
        currency = rec.currency or self.currency
        if rec.gross <= 0:
            return
        if header_key(gross_column) in _TO_PAY:
            rec.notes.append(f'a final invoice {final.kind}: "{gross_column}" is taken as what is left to pay after '
                             "its advance invoices, so none is deducted")
            return
        owed, taken = rec.gross, []
        for advance in sorted(self.advances, key=lambda a: a.issue_date):
            if owed <= 0:
                break
            if (id(advance) not in used and advance.kind == "invoice" and advance.gross > 0
                    and advance.currency == rec.currency and advance.issue_date <= rec.issue_date
                    and _same_party(advance.buyer, rec.buyer)):
                used.add(id(advance))
                taken.append(advance)
                owed -= advance.gross
        if not taken:
            rec.notes.append(f"a final invoice {final.kind} with no advance invoice of its contractor in {currency} "
                             f"before it in the file: its gross {format_amount(rec.gross)} {currency} is kept; "
                             f'check "{rec.number}" itself, advance payments may already be deducted on it')
            return
        listed = ", ".join(f'"{a.number}" of {a.issue_date.isoformat()}' for a in taken)
        sums = f"{format_amount(rec.gross)} − {' − '.join(format_amount(a.gross) for a in taken)}"
        left = f"{sums} = {format_amount(owed)}" if owed >= 0 else f"{sums} < 0, so 0.00"
        rec.notes.append(f"a final invoice {final.kind}: the advance invoice{'s' if len(taken) > 1 else ''} "
                         f"{listed} in the file {'are' if len(taken) > 1 else 'is'} deducted: {left} {currency} "
                         "is owed")
        rec.gross = max(owed, Decimal(0))

    def _payment_notes(self, line: int, cells: Sequence[object], rec: InvoiceRecord) -> None:
        """What the file says was paid is reported, not booked (money comes from bank statements or is
        entered by hand, as for the payments written inside e-invoices)."""
        if not self.payments:
            return
        currency = rec.currency or self.currency
        remaining = self._extra_amount(line, "remaining", cells, currency)
        paid = self._extra_amount(line, "paid", cells, currency)
        owed = abs(rec.gross)
        left = "left to pay" if rec.gross >= 0 else "left to refund or offset"
        if remaining is not None and 0 <= remaining < owed:
            said = (f"{format_amount(remaining)} of {format_amount(owed)} {currency} {left} "
                    f"({self.extra_names['remaining']})")
        elif paid is not None and 0 < paid <= owed and remaining is None:
            said = f"{format_amount(paid)} of {format_amount(owed)} {currency} paid ({self.extra_names['paid']})"
        elif remaining is None and paid is None and (state := self._said_paid(cells)) is not None:
            said = state
        else:
            return
        rec.notes.append(f"the file says {said}: payments are not booked from an invoice file; "
                         "import the bank statement or enter the payment")

    def _said_paid(self, cells: Sequence[object]) -> str | None:
        """A payment the file tells without an amount: a status ("Paid", "Partially Paid", "Zapłacona"), a paid
        flag (Dolibarr's "Invoice paid" 1, "Paid: Yes") or a payment date (FreshBooks' "Date Paid")."""
        for fld in ("payment_status", "status"):
            state, shown = self._status(fld, cells)
            if state in ("paid", "partly paid"):
                return f"it is {state} {shown}"
        for fld in ("paid_flag", "paid"):  # a paid-amount column holding "Yes" rather than an amount
            flag = self._extra_cell(fld, cells)
            if flag is None:
                continue
            text = str(flag).strip()
            if flag is True or (header_key(text) in YES and (fld == "paid_flag" or not text.isdigit())):
                return f"it is paid ({self.extra_names[fld]}: {text})"
        day = self._extra_cell("paid_date", cells)
        if day is not None:
            shown = day.date().isoformat() if isinstance(day, dt.datetime) else clean_cell(str(day))
            return f"it was paid on {shown} ({self.extra_names['paid_date']})"
        return None

    def _line_item(self, line: int, number: str, values: int, gross: Decimal, currency: str,
                   cells: Sequence[object], kind_note: str | None = None) -> InvoiceRecord | None:
        """The gross column holds line amounts ("Line Total"): an invoice's lines, which come together, are
        summed. The invoice before is returned once a new one starts; `finish` returns the last."""
        first = self.seen.get(number)
        if first is None:
            self.seen[number] = (line, values)
            done, self.open = self.open, self._new_record(line, number, gross, currency, cells, kind_note)
            self.open_amounts = [gross]
            return _kind_by_sign(done)
        if first[1] != values:
            raise ImportProblem(line_place(line), f'invoice "{number}" repeats line {first[0]} with different values '
                                                  "(the lines of one invoice must agree on contractor and dates)")
        if self.open is None or self.open.number != number:
            raise ImportProblem(line_place(line), f'invoice "{number}" goes on from line {first[0]}, but other '
                                                  "invoices come between (an invoice's lines must be together)")
        if self.rates:
            if gross in self.open_amounts:  # the invoice's total repeated on each of its lines: one invoice
                return None
            if len(self.open_amounts) == 1:
                self.open.notes.append(f"its rows with different VAT rates ({self.extra_names['vat_rate']}) "
                                       "are summed")
            self.open_amounts.append(gross)
        self.open.gross += gross
        return None

    def finish(self) -> InvoiceRecord | None:
        """The invoice whose lines were still being summed when the file ended."""
        done, self.open = self.open, None
        return _kind_by_sign(done)

    def _new_record(self, line: int, number: str, gross: Decimal, currency: str,
                    cells: Sequence[object], kind_note: str | None = None) -> InvoiceRecord:
        issue = self._date(line, "issue_date", cells)
        assert issue is not None
        due, terms = self._due(line, cells)
        tax_id, none_said = self._tax_id(line, cells)
        notes: list[str] = []
        rec = InvoiceRecord(
            place=line_place(line),
            kind="credit_note" if gross < 0 else "invoice",
            number=number,
            issue_date=issue,
            gross=gross,
            currency=currency,
            buyer=PartyRecord(
                name=self._contractor(line, cells, notes),
                tax_id=tax_id,
                email=self._text(line, "email", cells),
            ),
            due_date=due,
            terms_days=terms,
            variable_symbol=self._text(line, "variable_symbol", cells),
            notes=notes,
        )
        if kind_note is not None:
            rec.notes.append(kind_note)
        if not self._staged(line, cells, rec):
            self._payment_notes(line, cells, rec)
        if none_said is not None and none_said not in self.no_tax_ids:
            self.no_tax_ids.add(none_said)
            rec.notes.append(f'tax id "{none_said}" ({self.names["tax_id"]}) says there is none: '
                             "such buyers are told apart by name")
        return rec

    def _contractor(self, line: int, cells: Sequence[object], notes: list[str]) -> str:
        """The contractor's name; a private buyer's company cell is empty and their name is in a person column
        (POHODA's "Jméno"); an empty full name is the code beside it, said in `notes`."""
        name = self._text(line, "contractor", cells)
        if name is None and (person := self._extra_cell("person", cells)) is not None:
            name = " ".join(clean_cell(str(person)).split()) or None
        if name is None and self.codes is not None and (code := _cell_words(cells, self.codes)):
            name = " ".join(code)
            notes.append(f'"{self.names["contractor"]}" is empty: named by "{self.header[self.codes]}" ({name})')
        if name is None:
            raise ImportProblem(self._where(line, "contractor"), "is empty (expected the contractor's name)")
        return name

    def _tax_id(self, line: int, cells: Sequence[object]) -> tuple[str | None, str | None]:
        """The buyer's tax id, and the cell's text when it says there is none ("brak", "-", "b.d.": no digit
        but zeros). A Czech IČO that a spreadsheet kept as a number has lost its leading zeros (eight digits)."""
        value = self._cell("tax_id", cells)
        text = self._text(line, "tax_id", cells)
        if text is None and (number := self._extra_cell("company_no", cells)) is not None:
            digits = clean_cell(str(int(number) if isinstance(number, int | float) else number))
            return (digits.zfill(8) if digits.isdigit() else digits) or None, None  # IČO, no DIČ: not a VAT payer
        if text is None:
            return None, None
        if _NO_DIGIT.match(text):
            return None, text
        if isinstance(value, int | float) and header_key(self.names["tax_id"]) in ("ico", "ic") and len(text) < 8:
            return text.zfill(8), None
        return text, None

    def _due(self, line: int, cells: Sequence[object]) -> tuple[dt.date | None, int | None]:
        """The due date, or payment terms when the due column holds a number of days ("Splatnost: 14")."""
        value = self._cell("due_date", cells)
        days = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 3:
            days = int(value.strip())
        if days is not None and 0 <= days <= 366:
            return None, days
        return self._date(line, "due_date", cells), None

    def _totals(self, line: int, cells: Sequence[object]) -> SkippedRow | None:
        """A row with neither number nor contractor, or one whose number or date column says "Total",
        "Razem", "Celkem"… where the other is empty, is a summary of the rows above, not an invoice."""
        number, contractor = self._text(line, "number", cells), self._text(line, "contractor", cells)
        if number is None and contractor is None:
            return SkippedRow(line_place(line), "no number and no contractor: a totals or summary row, not an invoice")
        issued = self._cell("issue_date", cells)
        words = [w for w in (number, contractor, issued if isinstance(issued, str) else None)
                 if w and _says_total(w)]
        if words and (number is None or number == words[0] or issued is None or issued == ""):
            return SkippedRow(line_place(line), f'"{words[0]}": a totals row, not an invoice')
        if (number is None or contractor is None) and (issued is None or issued == "") and (
                heading := self._heading(cells)) is not None:
            return SkippedRow(line_place(line), f'"{heading}": a group heading or subtotal row (only it and amounts '
                                                "are filled), not an invoice")
        return None

    def _heading(self, cells: Sequence[object]) -> str | None:
        """The text of a grouped list's heading or subtotal row ("January 2026 (2)" in Odoo, a customer's name
        above their invoices): the only cell besides amounts, in the number column only with a row count."""
        texts = [(i, c) for i, c in enumerate(cells) if not _blank(c) and not _is_amount(c)]
        if len(texts) != 1:
            return None
        i, cell = texts[0]
        text = " ".join(clean_cell(str(cell)).split())
        if i == self.index["number"] and not _GROUP_COUNT.search(text):
            return None
        return text

    def _where(self, line: int, fld: str) -> str:
        return line_place(line, self.names.get(fld, fld))

    def _cell(self, fld: str, cells: Sequence[object]) -> object:
        i = self.index.get(fld)
        return cells[i] if i is not None and i < len(cells) else None

    def _text(self, line: int, fld: str, cells: Sequence[object], required: bool = False) -> str | None:
        value = self._cell(fld, cells)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = " ".join(clean_cell(str(value)).split()) if value is not None else ""
        if not text and required:
            raise ImportProblem(self._where(line, fld), "is empty")
        return text or None

    def _amount(self, line: int, cells: Sequence[object], currency: str, named: bool) -> tuple[Decimal, str]:
        """The gross and its currency: a currency written in the cell ("1 234,56 zł") decides it when no
        column or mapping names one, and must agree with it when one does."""
        value = self._cell("gross", cells)
        try:
            if isinstance(value, bool):
                raise ValueProblem(f'"{value}" is not an amount')
            if isinstance(value, int | float | Decimal):
                number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
                return check_amount(number, currency, str(value)), currency
            text = clean_cell(str(value)) if value is not None else ""
            if not text:
                raise ValueProblem("is empty (expected an amount)")
            amount, marked = split_currency(text)
            if marked is not None:
                currency = _written_currency(text, marked, currency, named, self.home)
                if marked == DOLLAR and not named:
                    self._note_dollar(currency)
            return self.marks.parse(line, amount, currency), currency
        except ValueProblem as exc:
            raise ImportProblem(self._where(line, "gross"), exc.message) from exc

    def _note_dollar(self, currency: str) -> None:
        """A "$" with no currency column or mapping is the firm's dollar, else the US one: said once when that
        is not the firm's own currency being the US dollar."""
        if self.dollar_noted or self.home == "USD":
            return
        self.dollar_noted = True
        whose = "the firm's currency" if currency == self.home else "the firm's currency is no dollar"
        self.file_notes.append(f'amounts in "$" with no currency column were read as {currency} ({whose}); name '
                               'another in a mapping ("currency") if they are not')

    def _date(self, line: int, fld: str, cells: Sequence[object]) -> dt.date | None:
        value = self._cell(fld, cells)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = clean_cell(str(value)) if value is not None else ""
        if not text:
            if fld == "issue_date":
                raise ImportProblem(self._where(line, fld), "is empty (expected a date)")
            return None
        if self.order is not None:
            self.order.line = line
        try:
            return parse_import_date(text, self.mapping.date_format, self.order)
        except ValueProblem as exc:
            raise ImportProblem(self._where(line, fld), exc.message) from exc


# Currencies written with a bare "$"; without a currency column or mapping, "$" is the firm's currency when
# that is one of them, else USD.
DOLLAR_CURRENCIES = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "ARS", "CLP", "COP", "TWD", "XCD"})


def _says_total(text: str) -> bool:
    """ "Razem", "Celkem za doklady", or a total word followed by a count ("Razem (2 dokumenty)", "Celkem za
    1 doklad", "Total: 12 invoices")."""
    key = header_key(text)
    if key in TOTAL_WORDS:
        return True
    first, _, rest = key.partition(" ")
    return first in TOTAL_WORDS and any(ch.isdigit() for ch in rest)


def _document_kind(text: str) -> str | None:
    """What a type column's cell says beyond an ordinary sales document: "received", "purchase", "payment",
    "receipt", "delivery", "debit", "credit" or "correction" (see _PURCHASE …); None for an invoice."""
    key = header_key(text)
    if _RECEIVED_PAYMENT.search(key):  # "Daňový doklad k přijaté platbě": issued for an advance already paid
        return "received"
    if key in _PURCHASE_CODES or _PURCHASE.search(key):
        return "purchase"
    if _PAYMENT.search(key) and not _DOCUMENT.search(key):
        return "payment"
    if not _INVOICE.search(key):  # "Faktura do paragonu", "Faktura do WZ" are invoices
        if key in _RECEIPT_CODES or _RECEIPT.search(key):
            return "receipt"
        if key in _DELIVERY_CODES or _DELIVERY.search(key):
            return "delivery"
    if _DEBIT.search(key):
        return "debit"
    if _CREDIT.search(key):
        return "credit"
    if key in _CORRECTION_CODES or _CORRECTION.search(key):
        return "correction"
    return None


def _stage(text: str) -> str | None:
    """Whether a type column's cell names an advance invoice ("advance") or the final invoice settling the order
    after advances ("final"); None for any other document."""
    key = header_key(text)
    if _FINAL.search(key):
        return "final"
    if _ADVANCE.search(key):
        return "advance"
    return None


def _status_code(value: object) -> int | None:
    """A status cell holding a whole number 0–3 (Dolibarr's status codes), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return int(text) if text in ("0", "1", "2", "3") else None


def _state(text: str) -> str | None:
    """What a status cell says: "void" (void, cancelled, deleted, reversed), "draft", "paid", "partly paid";
    None for any other state (sent, overdue, awaiting payment, posted)."""
    key = header_key(text)
    if key in _PAID_STATES:
        return "paid"
    if key in _PART_PAID_STATES:
        return "partly paid"
    if _VOID.search(key):
        return "void"
    if _DRAFT.search(key):
        return "draft"
    return None


def _same_party(a: PartyRecord, b: PartyRecord) -> bool:
    """The same contractor: by the digits of their tax ids when both have one, else by name."""
    digits = [re.sub(r"\D", "", party.tax_id or "") for party in (a, b)]
    if all(digits):
        return digits[0] == digits[1]
    return " ".join((a.name or "").casefold().split()) == " ".join((b.name or "").casefold().split())


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _is_amount(cell: object) -> bool:
    """A number, or text reading as an amount ("6,230.00", "$1,000")."""
    if isinstance(cell, bool | dt.date):
        return False
    if isinstance(cell, int | float | Decimal):
        return True
    try:
        parse_decimal(split_currency(clean_cell(str(cell)))[0])
    except ValueProblem:
        return False
    return True


def _kind_by_sign(rec: InvoiceRecord | None) -> InvoiceRecord | None:
    """A summed invoice is a credit note when its lines come to less than nothing."""
    if rec is not None:
        rec.kind = "credit_note" if rec.gross < 0 else "invoice"
    return rec


def _written_currency(text: str, written: str, currency: str, named: bool, home: str) -> str:
    if written == DOLLAR:
        if not named:
            return home if home in DOLLAR_CURRENCIES else "USD"
        if currency in DOLLAR_CURRENCIES:
            return currency
        raise ValueProblem(f'"{text}" is in dollars, but the currency of the row is {currency}')
    if named and written != currency:
        raise ValueProblem(f'"{text}" is in {written}, but the currency of the row is {currency}')
    return written


def records(rows: Iterable[tuple[int, Sequence[object]]], mapping: Mapping, default_currency: str,
            label: str, notes: Sequence[str] = ()) -> Iterator[InvoiceRecord | SkippedRow]:
    """Records from (line, cells) rows: rows before `skip_rows` ignored, the next one is the header.

    Without `skip_rows`, title lines above the header ("Sales invoices 03/2026") are passed over: the
    header is the first of the first HEADER_SEARCH rows that has a column for every required field.
    """
    stream = iter(rows)
    try:
        rules = _header(stream, mapping, default_currency)
        if rules is None:
            raise problem(label, "", "no header row (the file is empty)")
        rules.file_notes[:0] = notes  # what reading the file assumed (its encoding), said first
        ahead = list(islice(stream, LOOK_AHEAD))  # a few rows in memory: the file still streams
        rules.learn(ahead)
        for line, cells in chain(ahead, stream):
            rec = rules.record(line, cells)
            if rec is not None and not rules.holds(rec):
                yield rules.noted(rec)
        last = rules.finish()
        if last is not None and not rules.holds(last):
            yield rules.noted(last)
        for final in rules.settled():
            yield rules.noted(final)
    except ImportProblem as exc:
        raise exc.to_user_error(label) from exc


def _header(rows: Iterator[tuple[int, Sequence[object]]], mapping: Mapping, default_currency: str) -> RowRules | None:
    """The rules of the header row, reading `rows` up to it; None for an empty file."""
    skipped = looked = 0
    closest: tuple[int, ImportProblem] | None = None  # the header-like row missing the fewest columns
    for line, cells in rows:
        if skipped < mapping.skip_rows:
            skipped += 1
            continue
        try:
            return RowRules(cells, line, mapping, default_currency)
        except ImportProblem as exc:
            missing = missing_count(cells, mapping)
            if closest is None or missing < closest[0]:
                closest = (missing, exc)
            looked += 1
            if mapping.skip_rows or looked >= HEADER_SEARCH:
                raise closest[1] from None
    if closest is not None:
        raise closest[1]
    return None


def missing_count(cells: Sequence[object], mapping: Mapping) -> int:
    """How many required fields a row taken as the header would leave without a column."""
    try:
        return len(match_columns(cells, mapping)[2])
    except ImportProblem:  # a column the mapping names is not there
        return len(REQUIRED) + 1


def header_index(rows: Sequence[Sequence[object]], mapping: Mapping) -> int | None:
    """Where the header is among a file's first rows (after `skip_rows`), as `records` finds it: the first
    row with a column for every required field (only the first row when `skip_rows` names it); None if none."""
    candidates = rows[:1] if mapping.skip_rows else rows[:HEADER_SEARCH]
    return next((i for i, row in enumerate(candidates) if not missing_count(row, mapping)), None)


# Firms of these currencies write Central European text: a file that is not UTF-8 and whose letters fit
# cp1250 and cp1252 alike is read as cp1250 (else as cp1252).
CENTRAL_EUROPEAN = frozenset({"PLN", "CZK", "HUF", "RON", "HRK", "BAM", "RSD"})


def preferred_encoding(default_currency: str) -> str:
    """The 8-bit encoding a tie goes to: the firm's part of Europe."""
    return "cp1250" if default_currency in CENTRAL_EUROPEAN else "cp1252"


def read(path: Path, label: str, mapping: Mapping, default_currency: str) -> Iterator[InvoiceRecord | SkippedRow]:
    prefer = preferred_encoding(default_currency)
    handle, encoding = open_text(path, mapping.encoding, prefer)
    notes = [guess_note(path, encoding)] if mapping.encoding is None and encoding in GUESSED else []
    with handle:
        delimiter = mapping.delimiter or _sniff(handle, mapping.skip_rows)
        rows = _csv_rows(handle, delimiter, label, path, encoding, bool(mapping.encoding))
        yield from records(rows, mapping, default_currency, label, notes)


def first_rows(path: Path, label: str, mapping: Mapping, limit: int,
               default_currency: str = "PLN") -> tuple[list[list[str]], str, str]:
    """The header and up to `limit` rows under it, as text (for a preview, read as the import reads the file);
    with the encoding and delimiter."""
    handle, encoding = open_text(path, mapping.encoding, preferred_encoding(default_currency))
    with handle:
        delimiter = mapping.delimiter or _sniff(handle, mapping.skip_rows)
        rows = []
        for _line, row in _csv_rows(handle, delimiter, label, path, encoding, bool(mapping.encoding)):
            rows.append(row)
            if len(rows) > mapping.skip_rows + limit:
                break
    return rows[mapping.skip_rows:], encoding, delimiter


def _sniff(handle: Any, skip_rows: int) -> str:
    sample = _sample(handle)
    lines = sample.splitlines()[skip_rows:]
    body = "\n".join(lines[:50])
    try:
        return str(csv.Sniffer().sniff(body, delimiters=";,\t|").delimiter)
    except csv.Error:  # e.g. title lines above the header: the mark found on the most lines
        if not lines:
            return ","
        marks = ";,\t|"
        return max(marks, key=lambda mark: (sum(mark in line for line in lines[:50]), -marks.index(mark)))


def _sample(handle: Any) -> str:
    """The file's first 64 KiB of text, or its lines up to one that does not decode (reported later, where
    the reader meets it); the handle is put back at the start."""
    try:
        sample = str(handle.read(64 * 1024))
    except UnicodeError:  # UnicodeDecodeError, or UTF-16 without a byte-order mark
        handle.seek(0)
        lines: list[str] = []
        try:
            for line in handle:
                lines.append(line)
                if len(lines) >= 60:
                    break
        except UnicodeError:
            pass
        sample = "".join(lines)
    handle.seek(0)
    return sample


def _not_decoded(encoding: str, named: bool, exc: UnicodeError) -> str:
    """Why the text cannot be read: the encoding it was read in, and whose it was."""
    text = f"the text is not {encoding.removesuffix('-sig')}"
    if not named:
        return f"{text} (name the file's encoding in the mapping)"
    if not isinstance(exc, UnicodeDecodeError):  # Python's "utf-16" needs a byte-order mark
        return (f'{text} (the mapping\'s "encoding"): it does not start with a byte-order mark; name "utf-16-le" or '
                '"utf-16-be" if it is UTF-16 without one, else the encoding it is in')
    return f'{text} (the mapping\'s "encoding"; name the one the file is in)'


def _csv_rows(handle: Any, delimiter: str, label: str, path: Path, encoding: str,
              named: bool = False) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(handle, delimiter=delimiter)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeError as exc:  # exc.encoding says "charmap" for cp1250: the name the file was read in
            line = undecodable_line(path, encoding) or reader.line_num + 1
            raise problem(label, line_place(line), _not_decoded(encoding, named, exc)) from exc
        except csv.Error as exc:
            raise problem(label, line_place(start), f"not a CSV row ({exc})") from exc
        yield start, row
