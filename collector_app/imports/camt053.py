"""ISO 20022 camt.053 statements (.001.02 to .13), read as a stream.

Each `Ntry` is read when its end tag arrives and then dropped from the tree, so memory stays flat
whatever the file's size. A batch entry with several `TxDtls` gives one entry per transaction when
their amounts add up to the entry's, each under a reference of its own; otherwise the entry stays whole
(the entry's amount rules).
What real files leave out or write their own way is read and said in the warnings: a national
namespace (Austria's Stuzza) or none, an entry without status (booked) or without dates (the
statement's date); Czech and Slovak variable symbols are references, their constant and specific symbols
never are (imports.symbols), and a payer's message in AddtlTxInf goes into the title beside them. A credit
that is the firm's own money coming back (return information, or a bank transaction code of a
return) is marked returned, bank interest is marked interest: neither is a customer's payment.
Several documents written one after another into one file are read one after another.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, iterparse
from xml.parsers import expat

from defusedxml import DTDForbidden

from collector_app.domain.errors import UserError
from collector_app.domain.money import check_currency
from collector_app.imports import symbols
from collector_app.imports.bank import NO_REFERENCE, BankEntry, normalize_account, with_bank_code
from collector_app.imports.common import (
    ImportProblem,
    ValueProblem,
    XmlReader,
    local_name,
    namespace_of,
    parse_import_date,
    parse_money,
)

Warn = Callable[[str, str], None]

# The ISO namespace, or a national variant that names the message in its own way (Austria's Stuzza:
# "ISO:camt.053.001.02:APC:STUZZA:payments:003").
_NAMESPACE = re.compile(r"(?:^|[:/])camt\.053\.001\.(\d{2})(?:$|[:/]|\.xsd$)")
SUPPORTED_VERSIONS = range(2, 14)
_VERSIONS_READ = f"camt.053.001.{SUPPORTED_VERSIONS[0]:02d} to .{SUPPORTED_VERSIONS[-1]:02d} are read"
# The other bank-to-customer messages, which people download by mistake for a statement.
_OTHER_MESSAGE = re.compile(r"camt\.(052|054)\.\d{3}\.\d{2}")
_OTHER_ROOT = {"BkToCstmrAcctRpt": "052", "BkToCstmrDbtCdtNtfctn": "054"}
_OTHER_KIND = {"052": "a camt.052 account report (intraday or interim turnover)",
               "054": "a camt.054 debit/credit notification (single bookings, e.g. QR/ESR credits)"}
_EXPORT_HINT = "export the end-of-day statement (camt.053) or MT940 from your bank and import that"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a ZIP archive (the second: an empty one)
ZIP_MESSAGE = "is a ZIP archive: unpack it and import the XML statements it holds one by one"
# Roots that wrap the Document with a business application header (head.001), as SWIFT delivers it.
ENVELOPES = frozenset({"BizMsgEnvlp", "Envelope", "Message"})
# Czech and Slovak banks carry the payment symbols in the end-to-end id: "/VS2026001/SS/KS0308".
_SYMBOLS = re.compile(r"^/VS/?(\d{1,10})(?:/|$)")
# A statement's own dates, kept for an entry that gives none (BookgDt and ValDt are optional).
_STATEMENT_DATES = {"CreDtTm": "created", "FrToDt": "to", "Bal": "closing"}
_ENTRY_DEPTH = 4  # Document/BkToCstmrStmt/Stmt/Ntry: what lies deeper is read from the entry's element
_PROLOG_CHUNK = 1 << 16
# Bank transaction sub-families (ISO 20022 external code list) that undo an earlier movement: on a credit,
# the firm's own transfer, direct debit, cheque or card payment coming back, never a customer paying.
_RETURN_SUBFAMILIES = frozenset({"RRTN", "RPCR", "ARET", "AREV", "UPDD", "PRDD", "RCDD", "CQRV", "UPCQ", "UPCT"})
# Banks' own codes (BkTxCd/Prtry) for the same: the ISO codes written in one, the SWIFT type "returned
# item" (German banks write "NRTI+159+…"), or a word; and the German business transaction codes (GVC, issuer
# DK) of a returned credit transfer (059, 159, 160) and of a direct debit credited back (181, 184).
_RETURN_WORDS = _RETURN_SUBFAMILIES | {"NRTI", "RTI", "RTRN", "RETURN", "RETURNED", "RETOURE"}
_RETURN_GVC = frozenset({"059", "159", "160", "181", "184"})
_DK_CODE = re.compile(r"[A-Z]{4}\+(\d{3})(?:\+.*)?")  # Buchungsschlüssel+GVC+Textschlüsselergänzung[+Primanota]
_DK_ISSUERS = frozenset({"DK", "ZKA"})
# Interest the bank pays (generic interest, or a fixed-term deposit's) outside the payments domain.
_INTEREST_SUBFAMILIES = frozenset({"INTR", "INFD"})
# Where a payer's name is: the debtor (v09+ wraps it in Pty), the ultimate debtor, the debtor's account's
# name (Raiffeisenbank CZ gives no Dbtr at all). "NOTPROVIDED" and the like are no name.
_PAYER_NAMES = ("RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm", "RltdPties/UltmtDbtr/Nm", "RltdPties/UltmtDbtr/Pty/Nm",
                "RltdPties/DbtrAcct/Nm")
NO_CURRENCY = "XXX"  # ISO 4217: "no currency"
_JUNK_AFTER_ROOT = expat.errors.codes[expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT]
_DECLARED_ENCODING = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_NAME_START = re.compile(rb"<(?:\?xml\s|[A-Za-z_])")  # how a document that follows another begins


@dataclass(frozen=True, slots=True)
class _Start:
    """Where a document begins in the file: its byte offset, and its line and column as the parser counts them
    (lines from 1, columns in characters from 0)."""

    offset: int
    line: int
    column: int


class _StatementReader(XmlReader):
    """XmlReader for a statement: expat's C tree builder instead of defusedxml's Python one (several times
    faster), made as safe by refusing a DOCTYPE before parsing, as forbid_dtd does: without a DTD there
    are no entities to expand and nothing external to fetch. Events and path() reach down to the entries
    only; what lies inside an entry is read from its element when it ends. A file may hold several
    complete documents one after another (statements saved into one file): each is read in turn, and
    the paths of the second and later name it ("/Document[2]/…")."""

    entry_depth = _ENTRY_DEPTH  # one more when the Document sits in an envelope
    document = 0  # the document being read, counted from 1

    def events(self) -> Iterator[tuple[str, Element]]:
        with self.errors():
            start: _Start | None = _Start(0, 1, 0)
            while start is not None:
                self.document += 1
                start = yield from self._document(start)

    def _document(self, start: _Start) -> Generator[tuple[str, Element], None, _Start | None]:
        """The events of the document at `start`; where the next one begins when another follows it."""
        depth = 0
        closed = False  # the root has ended: what follows is another document, or junk
        with self.file.open("rb") as handle:
            handle.seek(start.offset)
            _refuse_doctype(handle)
            handle.seek(start.offset)
            try:
                for event, item in iterparse(handle, events=("start", "end", "start-ns")):
                    if event == "start":
                        depth += 1
                        if depth <= self.entry_depth:
                            qname = self.qname(item.tag)
                            self._stack.append(f"{qname}[{self.document}]" if depth == 1 < self.document else qname)
                            yield event, item
                    elif event == "end":
                        if depth <= self.entry_depth:
                            yield event, item
                            self._stack.pop()
                        depth -= 1
                        closed = depth == 0
                    else:
                        prefix, uri = item
                        self.prefixes.setdefault(uri, prefix)
            except ParseError as exc:
                following = _following(handle, start, exc) if closed and exc.code == _JUNK_AFTER_ROOT else None
                if following is None:
                    exc.position = _in_file(start, *exc.position)
                    raise
                return following
        return None


def _in_file(start: _Start, line: int, column: int) -> tuple[int, int]:
    """A parser's place within the document at `start` as a place in the file."""
    return start.line + line - 1, column + (start.column if line == 1 else 0)


def _following(handle: BinaryIO, start: _Start, exc: ParseError) -> _Start | None:
    """Where the next document begins, when what the parser found after the root is one ("<?xml" or an
    element); None for anything else (the parser's error then stands)."""
    line, column = exc.position
    offset = _byte_offset(handle, start.offset, line, column)
    if offset is None:
        return None
    handle.seek(offset)
    if not _NAME_START.match(handle.read(6)):
        return None
    return _Start(offset, *_in_file(start, line, column))


def _byte_offset(handle: BinaryIO, offset: int, line: int, column: int) -> int | None:
    """The byte offset of line `line`, column `column` (characters) of the document that begins at `offset`,
    in the encoding it declares; None when that cannot be told (UTF-16, an unknown encoding, lines ended
    by CR alone)."""
    handle.seek(offset)
    declared = _DECLARED_ENCODING.match(handle.read(256).removeprefix(codecs.BOM_UTF8))
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
            return None
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        return None
    position = _line_offset(handle, offset, line)
    if position is None:
        return None
    handle.seek(position)
    chars = 0
    while chunk := handle.read(_PROLOG_CHUNK):
        pending = len(decoder.getstate()[0])  # bytes of a character begun in the previous chunk
        try:
            text = decoder.decode(chunk)
            if chars + len(text) >= column:
                return position - pending + len(text[:column - chars].encode(encoding))
        except UnicodeError:  # bytes the declared encoding does not have: the parser's error stands
            return None
        chars += len(text)
        position += len(chunk)
    return None


def _line_offset(handle: BinaryIO, offset: int, line: int) -> int | None:
    """The byte offset where line `line` (counted from 1 at `offset`) begins."""
    handle.seek(offset)
    position, left = offset, line - 1
    while left:
        chunk = handle.read(_PROLOG_CHUNK)
        if not chunk:
            return None
        found = -1
        while left and (found := chunk.find(b"\n", found + 1)) >= 0:
            left -= 1
        position += found + 1 if not left else len(chunk)
    return position


class _RootReached(Exception):
    """The prolog is over: a DOCTYPE can no longer come."""


def _refuse_doctype(handle: BinaryIO) -> None:
    """DTDForbidden when the prolog declares a document type; reads only up to the root element. A file
    that is not well-formed before it is left to the parser, which names the place."""
    parser = expat.ParserCreate()

    def doctype(name: str, sysid: str | None, pubid: str | None, _internal: bool) -> None:
        raise DTDForbidden(name, sysid, pubid)

    def root(_name: str, _attrs: object) -> None:
        raise _RootReached

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        while chunk := handle.read(_PROLOG_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (_RootReached, expat.ExpatError, LookupError):  # DTDForbidden (a ValueError) goes on
        return


def read_camt053(path: Path, warn: Warn, label: str | None = None) -> Iterator[BankEntry]:
    """Every entry of every statement, in order; errors name the element path with the file's prefixes."""
    _refuse_archive(path)
    reader = _StatementReader(path, label)
    stack: list[Element] = []
    ns = ""
    statement = 0
    position = 0
    account = ""
    account_currency = ""  # Acct/Ccy, when the statement gives it
    dates: dict[str, dt.date] = {}  # the statement's own dates, for an entry that gives none
    noted: set[str] = set()
    entry_path = ""  # "/Document/BkToCstmrStmt/Stmt[2]/Ntry": the same for every entry of a statement
    base = 0  # 1 when the Document sits in a business message envelope (BizMsgEnvlp: AppHdr, Document)
    document = False
    for event, elem in reader.events():
        if event == "start":
            if not stack:  # a document's root: the file may hold several, one after another
                base, statement, document = int(local_name(elem.tag) in ENVELOPES), 0, False
                reader.entry_depth = _ENTRY_DEPTH + base
            if len(stack) == base and (base == 0 or local_name(elem.tag) == "Document"):
                ns, document = _check_root(reader, elem, warn), True
            elif document and len(stack) == base + 1:
                _check_message(reader, elem)
            stack.append(elem)
            if len(stack) - base == 3 and local_name(elem.tag) == "Stmt":
                statement, position, account, account_currency, dates, entry_path = statement + 1, 0, "", "", {}, ""
            continue
        stack.pop()
        if not stack and statement == 0:
            raise ImportProblem(reader.path("Document", "BkToCstmrStmt", "Stmt") if base else
                                reader.path("BkToCstmrStmt", "Stmt"), "missing: the file has no statement")
        depth = len(stack) - base
        if depth > 3 or depth < 2 or not document:  # inside an entry, or in the envelope's header
            continue
        name = local_name(elem.tag)
        if depth == 2 and name == "Stmt":
            stack[-1].remove(elem)
        elif depth != 3:
            continue
        elif name == "Acct":
            account, account_currency = _account(elem, ns), _account_currency(elem, ns)
        elif name == "Ntry":
            position += 1
            entry_path = entry_path or _indexed(reader.path(), statement)
            yield from _entries(_Ctx(reader, ns, f"{entry_path}[{position}]", warn, dates, noted, account_currency),
                                elem, account, position)
            stack[-1].remove(elem)
        elif name in _STATEMENT_DATES:
            _statement_date(elem, name, ns, dates)
            if name == "Bal":
                stack[-1].remove(elem)


def _refuse_archive(path: Path) -> None:
    """A ZIP archive (how e-banking delivers several statements) is named as one, not as broken XML."""
    with contextlib.suppress(OSError), path.open("rb") as handle:  # an unreadable file: the parser says so
        if handle.read(4) in ZIP_SIGNATURES:
            raise ImportProblem("", ZIP_MESSAGE)


def _check_root(reader: XmlReader, root: Element, warn: Warn) -> str:
    uri = namespace_of(root.tag)
    if not uri and local_name(root.tag) == "Document":  # a generator that left the namespace out
        warn(reader.path(), "the file declares no namespace; it is read as camt.053 by its elements")
        return ""
    found = _NAMESPACE.search(uri)
    is_document = local_name(root.tag) == "Document"
    if is_document and found and int(found.group(1)) in SUPPORTED_VERSIONS:
        return "{" + uri + "}"
    raise ImportProblem(reader.path(), _not_a_statement(uri, local_name(root.tag), is_document and found is not None))


def _not_a_statement(uri: str, root: str, camt053: bool) -> str:
    """Why the document is refused, and what to do: camt.052 and camt.054 are named, with what to export instead."""
    other = _OTHER_MESSAGE.search(uri)
    if other:
        return f'"{uri}" is {_OTHER_KIND[other.group(1)]}, not a camt.053 statement: {_EXPORT_HINT}'
    if camt053:
        return f'"{uri}" is a version of camt.053 that is not read ({_VERSIONS_READ})'
    shown = f'"{uri}"' if uri else f'"{root}" without a namespace'
    return f"{shown} is not a camt.053 statement ({_VERSIONS_READ})"


def _check_message(reader: XmlReader, elem: Element) -> None:
    """A Document without namespace is told by its message element: a report or a notification is refused."""
    kind = _OTHER_ROOT.get(local_name(elem.tag))
    if kind is not None:
        raise ImportProblem(reader.path(), f"the file is {_OTHER_KIND[kind]}, not a camt.053 statement: {_EXPORT_HINT}")


def _indexed(path: str, statement: int) -> str:
    """/Document/BkToCstmrStmt/Stmt[1]/Ntry — the path of the statement's entries, to be numbered."""
    head, _, last = path.rpartition("/")
    stmt_head, _, stmt = head.rpartition("/")
    return f"{stmt_head}/{stmt}[{statement}]/{last}"


@dataclass(frozen=True, slots=True)
class _Ctx:
    reader: XmlReader
    ns: str
    where: str
    warn: Warn
    dates: dict[str, dt.date]  # the statement's: "to" (FrToDt/ToDtTm), "closing" (CLBD), "created" (CreDtTm)
    noted: set[str]  # what the file was already warned of once
    account_currency: str = ""  # the statement's Acct/Ccy, when it gives one

    def note_once(self, key: str, text: str) -> None:
        """A warning about the whole file, given at its first entry only."""
        if key not in self.noted:
            self.noted.add(key)
            self.warn(self.where, text)

    def find(self, elem: Element | None, path: str) -> Element | None:
        if elem is None:
            return None
        return _first(elem, _steps(self.ns, path))

    def text(self, elem: Element | None, path: str) -> str | None:
        found = _first(elem, _steps(self.ns, path)) if elem is not None else None
        value = (found.text or "").strip() if found is not None else ""
        return value or None

    def texts(self, elem: Element | None, path: str) -> list[str]:
        if elem is None:
            return []
        found: list[Element] = []
        _all(elem, _steps(self.ns, path), found)
        return [" ".join(e.text.split()) for e in found if e.text and e.text.strip()]

    def place(self, path: str, base: str | None = None) -> str:
        prefix = next((p for uri, p in self.reader.prefixes.items() if "{" + uri + "}" == self.ns), "")
        shown = "/".join(f"{prefix}:{part}" if prefix else part for part in path.split("/"))
        return f"{self.where if base is None else base}/{shown}"


@lru_cache(maxsize=256)
def _steps(ns: str, path: str) -> tuple[str, ...]:
    """"Ntry/Amt" → ("{urn…}Ntry", "{urn…}Amt")."""
    return tuple(ns + part for part in path.split("/"))


def _first(elem: Element, steps: tuple[str, ...]) -> Element | None:
    """What elem.find("a/b") gives (the first match in document order), by single-tag finds: ElementPath
    parses and walks a path in Python, a single tag is looked up in C. Down a chain of only children
    (the usual shape) it is a loop; where a step has several, each is tried in order."""
    node = elem
    last = len(steps) - 1
    for i in range(last):
        children = node.findall(steps[i])
        if len(children) != 1:
            rest = steps[i + 1:]
            return next((found for child in children if (found := _first(child, rest)) is not None), None)
        node = children[0]
    return node.find(steps[last])


def _all(elem: Element, steps: tuple[str, ...], out: list[Element]) -> None:
    """What elem.iterfind("a/b") gives, in the same order, appended to `out` (a loop down only children)."""
    node = elem
    last = len(steps) - 1
    for i in range(last):
        children = node.findall(steps[i])
        if len(children) != 1:
            for child in children:
                _all(child, steps[i + 1:], out)
            return
        node = children[0]
    out.extend(node.findall(steps[last]))


def _account(acct: Element, ns: str) -> str:
    for path in ("Id/IBAN", "Id/Othr/Id"):
        found = acct.find("/".join(ns + part for part in path.split("/")))
        if found is not None and found.text and found.text.strip():
            return found.text.strip()
    return ""


def _account_currency(acct: Element, ns: str) -> str:
    found = acct.find(ns + "Ccy")
    return (found.text or "").strip().upper() if found is not None else ""


def _entries(c: _Ctx, ntry: Element, account: str, position: int) -> Iterator[BankEntry]:
    amount, currency = _amount(c, ntry, "Amt", required=True)
    assert amount is not None
    indicator = c.text(ntry, "CdtDbtInd")
    if indicator not in {"CRDT", "DBIT"}:
        raise ImportProblem(c.place("CdtDbtInd"), f'"{indicator}" is not CRDT or DBIT' if indicator else "missing")
    status = c.text(ntry, "Sts/Cd") or c.text(ntry, "Sts") or c.text(ntry, "Sts/Prtry")
    if not status:  # mandatory, yet left out by some generators: what a statement reports is booked
        c.note_once("Sts", "entries without a status (Sts) are taken as booked, as a statement reports them")
        status = "BOOK"
    reversal = (c.text(ntry, "RvslInd") or "").lower() in {"true", "1"}
    booked = status.upper() == "BOOK"
    day = _booking_date(c, ntry, required=booked and indicator == "CRDT" and not reversal)
    reference = c.text(ntry, "AcctSvcrRef") or c.text(ntry, "NtryRef")
    entry_text = symbols.shown(" ".join(c.texts(ntry, "AddtlNtryInf")))
    credit = indicator == "CRDT"
    code = _BankCode.of(c, ntry) if credit else None
    interest, returned = code is not None and code.interest, code is not None and code.returned
    if credit and booked and not (reversal or interest or returned):
        _check_entry_currency(c, currency)
    common = {"account": account, "booking_date": day, "currency": currency, "credit": credit,
              "reversal": reversal, "status": status.upper(), "interest": interest}
    txs: list[Element] = []
    _all(ntry, _steps(c.ns, "NtryDtls/TxDtls"), txs)
    shares = _batch_shares(c, txs, amount, currency) if len(txs) > 1 else None
    if shares is None:
        tx = txs[0] if len(txs) == 1 else None
        if tx is not None:
            _check_single(c, tx, amount, currency)
        structured = [_structured(c, t) for t in txs]
        title = " ".join(_tx_title(c, t, s) for t, s in zip(txs, structured, strict=True)) or entry_text
        yield _entry(c, tx, c.where, str(position), amount, reference, title, structured[0] if tx is not None else [],
                     returned=returned or (credit and any(_tx_returned(c, t) for t in txs)), **common)
        return
    refs = _batch_references(c, txs, reference)
    for i, (tx, share, ref) in enumerate(zip(txs, shares, refs, strict=True), start=1):
        found = _structured(c, tx)
        yield _entry(c, tx, f"{c.where}/{c.place('NtryDtls/TxDtls', '')[1:]}[{i}]", f"{position}.{i}", share, ref,
                     _tx_title(c, tx, found) or entry_text, found,
                     returned=returned or (credit and _tx_returned(c, tx)), **common)


@dataclass(frozen=True, slots=True)
class _BankCode:
    """The bank transaction code of an entry or a transaction (BkTxCd), upper case, "" where absent."""

    domain: str  # ISO Domn/Cd: PMNT, ACMT…
    subfamily: str  # ISO Domn/Fmly/SubFmlyCd: RRTN, INTR…
    own: str  # the bank's own code, Prtry/Cd
    issuer: str  # Prtry/Issr: DK for the German banks' codes

    @classmethod
    def of(cls, c: _Ctx, elem: Element) -> _BankCode | None:
        code = elem.find(c.ns + "BkTxCd")
        if code is None:
            return None
        texts = (c.text(code, path) or "" for path in ("Domn/Cd", "Domn/Fmly/SubFmlyCd", "Prtry/Cd", "Prtry/Issr"))
        return cls(*(text.upper() for text in texts))

    @property
    def returned(self) -> bool:
        """A return sub-family (ICDT/RRTN, RDDT/UPDD…), or a bank's own code for a return."""
        if self.subfamily in _RETURN_SUBFAMILIES:
            return True
        if not self.own:
            return False
        if not _RETURN_WORDS.isdisjoint(re.split(r"[^A-Z0-9]+", self.own)):
            return True
        dk = _DK_CODE.fullmatch(self.own)
        gvc = dk.group(1) if dk else self.own if self.issuer in _DK_ISSUERS else ""
        return gvc in _RETURN_GVC

    @property
    def interest(self) -> bool:
        """An interest sub-family (ACMT/…/INTR, LDAS/…/INFD) outside the payments domain, where customers'
        transfers are."""
        return self.subfamily in _INTEREST_SUBFAMILIES and self.domain not in {"", "PMNT"}


def _tx_returned(c: _Ctx, tx: Element) -> bool:
    """Whether a credit's transaction is the firm's own money coming back: it carries return information
    (RtrInf), or its own bank transaction code is a return's."""
    if tx.find(c.ns + "RtrInf") is not None:
        return True
    code = _BankCode.of(c, tx)
    return code is not None and code.returned


def _check_entry_currency(c: _Ctx, currency: str) -> None:
    """A credit in no currency (XXX) or in another than the account's can match no invoice as the bank meant it."""
    if currency == NO_CURRENCY:
        c.warn(c.where, "the amount is in XXX (no currency): the payment is kept in XXX and matches no invoice")
    elif c.account_currency and currency != c.account_currency:
        c.warn(c.where, f"the entry is in {currency} but the account (Acct/Ccy) in {c.account_currency}; "
                        f"the payment is kept in {currency}")


def _payer_name(c: _Ctx, tx: Element) -> str | None:
    """The first name the transaction gives for the payer; NOTPROVIDED and the like are none."""
    for path in _PAYER_NAMES:
        name = c.text(tx, path)
        if name and " ".join(name.split()).upper() not in NO_REFERENCE:
            return name
    return None


def _batch_references(c: _Ctx, txs: list[Element], entry_reference: str | None) -> list[str | None]:
    """A reference of its own for each transaction of a batch: its own AcctSvcrRef, else its TxId, when no
    other transaction of the batch has it and it is not the entry's; else the entry's reference and the
    transaction's place ("REF/3"). ABN AMRO repeats the entry's AcctSvcrRef in every transaction, Swiss
    banks the package id, and another entry of the same day may carry that reference too: the bare reference
    would make a transaction of the batch look like that entry written twice."""
    out: list[str | None] = [None] * len(txs)
    for path in ("Refs/AcctSvcrRef", "Refs/TxId"):
        own = [c.text(tx, path) for tx in txs]
        for i, ref in enumerate(own):
            if out[i] is None and ref and ref != entry_reference and ref.upper() not in NO_REFERENCE \
                    and own.count(ref) == 1:
                out[i] = ref
    return [ref or (f"{entry_reference}/{i}" if entry_reference else None) for i, ref in enumerate(out, start=1)]


def _entry(c: _Ctx, tx: Element | None, where: str, position: str, amount: Decimal, reference: str | None,
           title: str, structured: list[tuple[str | None, str]], **common: object) -> BankEntry:
    name = None
    payer_account = None
    tax_id = None
    refs: list[str] = []
    if tx is not None:
        name = _payer_name(c, tx)
        payer_account = normalize_account(c.text(tx, "RltdPties/DbtrAcct/Id/IBAN") or with_bank_code(
            c.text(tx, "RltdPties/DbtrAcct/Id/Othr/Id"),
            c.text(tx, "RltdAgts/DbtrAgt/FinInstnId/ClrSysMmbId/MmbId")
            or c.text(tx, "RltdAgts/DbtrAgt/FinInstnId/Othr/Id")))
        tax_id = (c.text(tx, "RltdPties/Dbtr/Id/OrgId/Othr/Id")
                  or c.text(tx, "RltdPties/Dbtr/Pty/Id/OrgId/Othr/Id"))
        refs = [ref for ref, _ in structured if ref is not None]
        vs = _end_to_end_symbol(c.text(tx, "Refs/EndToEndId") or "")
        if vs and vs not in refs:
            refs.append(vs)
    return BankEntry(
        where=where, position=position, amount=amount, reference=reference, title=title[:2000],
        payer_name=name[:300] if name else None, payer_account=payer_account, payer_tax_id=tax_id,
        creditor_refs=tuple(refs), **common,  # type: ignore[arg-type]
    )


def _structured(c: _Ctx, tx: Element) -> list[tuple[str | None, str]]:
    """The structured references (CdtrRefInf/Ref, RfrdDocInf/Nb), each as matching may search it and as the
    title shows it: a constant or specific symbol is neither searched nor shown (typed by CdtrRefInf/Tp,
    or written "KS:0308"), a variable symbol is searched as its digits and shown "VS:…"."""
    out: list[tuple[str | None, str]] = []
    remittance = tx.find(c.ns + "RmtInf")
    if remittance is None or remittance.find(c.ns + "Strd") is None:
        return out
    infos: list[Element] = []
    _all(remittance, _steps(c.ns, "Strd/CdtrRefInf"), infos)
    for info in infos:
        ref = " ".join((c.text(info, "Ref") or "").split())
        kind = symbols.kind_of(c.text(info, "Tp/CdOrPrtry/Prtry") or "")
        if not ref or kind not in {None, symbols.VARIABLE}:
            continue
        if kind == symbols.VARIABLE and ref.isdigit():
            out.append((ref if ref.strip("0") else None, f"VS:{ref}"))
        else:
            out.append((symbols.reference(ref), symbols.shown(ref)))
    out.extend((symbols.reference(nb), symbols.shown(nb)) for nb in c.texts(remittance, "Strd/RfrdDocInf/Nb"))
    return out


def _end_to_end_symbol(text: str) -> str | None:
    """The variable symbol Czech and Slovak banks write in the end-to-end id ("/VS2026001/SS/KS0308",
    "VS:2026001"); KS and SS name no invoice."""
    found = _SYMBOLS.match(text)
    if found:
        return found.group(1) if found.group(1).strip("0") else None
    written = symbols.symbols_only(text)
    return symbols.variable_symbol(written) if written else None


def _tx_title(c: _Ctx, tx: Element, structured: list[tuple[str | None, str]]) -> str:
    """The payer's unstructured text; else the structured references as shown. Where that holds no message
    (references or symbols only: Raiffeisenbank CZ writes the symbols in Strd and the payer's message in
    AddtlTxInf), the transaction's additional information follows."""
    ustrd: list[str] = []
    message = False  # a Ustrd that is more than symbols
    for text in c.texts(tx, "RmtInf/Ustrd"):
        found = symbols.symbols_only(text)
        message = message or found is None
        ustrd.extend([shown] if (shown := symbols.shown_as(text, found)) else [])
    parts = ustrd or [shown for _, shown in structured if shown]
    if not message:
        parts += [shown for text in c.texts(tx, "AddtlTxInf") if (shown := symbols.shown(text)) and shown not in parts]
    return " ".join(parts)


def _amount(c: _Ctx, elem: Element, path: str, *, required: bool, tx: int | None = None
            ) -> tuple[Decimal | None, str]:
    """The amount at `path` below the entry, or below its transaction (`tx`: 0 the only one, i the i-th)."""
    found = c.find(elem, path)
    if found is None or not (found.text or "").strip():
        if required:
            raise ImportProblem(c.place(path, _tx_base(c, tx)), "missing")
        return None, ""
    try:
        currency = check_currency(found.get("Ccy") or "")
    except UserError as exc:
        raise ImportProblem(c.place(path, _tx_base(c, tx)) + "/@Ccy", exc.message) from exc
    try:
        value = parse_money(found.text or "", currency, decimal=".")
    except ValueProblem as exc:
        raise ImportProblem(c.place(path, _tx_base(c, tx)), exc.message) from exc
    if value < 0:
        raise ImportProblem(c.place(path, _tx_base(c, tx)),
                            f'"{found.text}" is negative (the direction is in CdtDbtInd)')
    return value, currency


def _tx_base(c: _Ctx, tx: int | None) -> str | None:
    """Where a transaction's element paths start (only built for an error message)."""
    if tx is None:
        return None
    base = f"{c.where}/{c.place('NtryDtls/TxDtls', '')[1:]}"
    return f"{base}[{tx}]" if tx else base


def _check_date_time(text: str) -> None:
    """An ISO date and time ("2026-03-16T10:30:00+01:00"): the booking day is its date, but a time no clock
    shows (25:30) means the element is not what it claims."""
    try:
        dt.datetime.fromisoformat(text.replace("T24:00:00", "T00:00:00"))  # xs:dateTime allows 24:00:00
    except ValueError as exc:
        raise ValueProblem(f'"{text}" is not a date and time (expected e.g. 2026-03-16T10:30:00)') from exc


def _booking_date(c: _Ctx, ntry: Element, *, required: bool) -> dt.date:
    for path in ("BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm"):
        text = c.text(ntry, path)
        if text:
            try:
                if "T" in text:
                    _check_date_time(text)
                return parse_import_date(text[:10] if "T" in text else text)
            except ValueProblem as exc:
                raise ImportProblem(c.place(path), exc.message) from exc
    day = c.dates.get("to") or c.dates.get("closing") or c.dates.get("created")
    if required and day is None:
        raise ImportProblem(c.place("BookgDt"), "missing (expected Dt or DtTm, or a date of the statement)")
    if required and day is not None:
        c.note_once("BookgDt", f"entries without a booking or value date are booked on the statement's date {day}")
    return day or dt.date.min


def _statement_date(elem: Element, name: str, ns: str, dates: dict[str, dt.date]) -> None:
    """Keep the statement's creation day, the end of its period and the day of its closing balance."""
    if name == "Bal":
        code = elem.find("/".join(ns + part for part in ("Tp", "CdOrPrtry", "Cd")))
        if code is None or (code.text or "").strip() != "CLBD":
            return
        found = elem.find(f"{ns}Dt/{ns}Dt")
        if found is None:
            found = elem.find(f"{ns}Dt/{ns}DtTm")
    else:
        found = elem.find(ns + "ToDtTm") if name == "FrToDt" else elem
    text = (found.text or "").strip() if found is not None else ""
    with contextlib.suppress(ValueProblem):  # unreadable is as good as absent: only a dateless entry needs it
        dates.setdefault(_STATEMENT_DATES[name], parse_import_date(text[:10]))


def _tx_amount(c: _Ctx, tx: Element, index: int) -> tuple[Decimal | None, str]:
    amount, currency = _amount(c, tx, "Amt", required=False, tx=index)
    if amount is None:
        amount, currency = _amount(c, tx, "AmtDtls/TxAmt/Amt", required=False, tx=index)
    return amount, currency


def _check_single(c: _Ctx, tx: Element, amount: Decimal, currency: str) -> None:
    own, own_currency = _tx_amount(c, tx, 0)
    if own is not None and (own != amount or own_currency != currency):
        c.warn(c.where, f"the transaction details say {own} {own_currency}; the entry's {amount} {currency} is used")


def _batch_shares(c: _Ctx, txs: list[Element], amount: Decimal, currency: str) -> list[Decimal] | None:
    """The transactions' own amounts when all are given in the entry's currency and add up to it."""
    shares: list[Decimal] = []
    for i, tx in enumerate(txs, start=1):
        own, own_currency = _tx_amount(c, tx, i)
        if own is None or own_currency != currency:
            break
        shares.append(own)
    if len(shares) == len(txs) and sum(shares, Decimal(0)) == amount and all(s > 0 for s in shares):
        return shares
    c.warn(c.where, f"the {len(txs)} transactions of this batch entry do not add up to its {amount} {currency}; "
                    "it is imported as one payment")
    return None
