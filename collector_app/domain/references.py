"""Finding document numbers in free text (transfer titles), tolerant of spaces, slashes and case."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[0-9A-Za-z]+")
_GLUED_PREFIX = re.compile(r"[A-Z]+(?=[0-9])")  # "FV" of "FV123": letters written onto a number
_LETTER_PREFIX = re.compile(r"[A-Za-z]+[^0-9A-Za-z]*(?=[0-9])")  # "FV/" of "FV/12/2026"
_RUNS = re.compile(r"[A-Z]+|[0-9]+")
MAX_TOKENS_PER_NUMBER = 6
_DIGITS = frozenset("0123456789")


def number_key(number: str) -> str:
    """The comparable form of a document number: letters and digits only, upper case."""
    return "".join(_TOKEN.findall(number)).upper()


@dataclass(frozen=True)
class Candidate:
    key: str
    start: int  # position in the text, for "paid in the order they appear"
    end: int

    def overlaps(self, other: Candidate) -> bool:
        return self.start < other.end and other.start < self.end


def candidate_keys(text: str, *, glued_prefixes: bool = False) -> list[Candidate]:
    """Every run of 1–6 adjacent tokens that contains a digit, as a key to look numbers up by.

    "FV 12/2026" yields FV122026, 122026, 12, 2026 …; the caller keeps the longest match.
    Tokens separated by more than a few separators (or by words of text) still combine, which is
    harmless: a key only counts when a document with that number exists. With `glued_prefixes`, a token
    whose letters are written onto its digits ("FV123/2026") is also read without them (1232026, 123 …),
    a shorter reading inside the longer one (which the caller prefers when it names a document).
    """
    tokens = [(m.group().upper(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    digits = [any(ch in _DIGITS for ch in tok) for tok, _, _ in tokens]  # asked once per token, not per key
    joins = [_adjacent(text, tokens[j - 1][2], tokens[j][1]) for j in range(1, len(tokens))]
    out: dict[str, Candidate] = {}
    for i, (tok, _, _) in enumerate(tokens):
        _readings_from(out, tokens, digits, joins, i, 0)
        glued = _GLUED_PREFIX.match(tok) if glued_prefixes and digits[i] else None
        if glued:
            _readings_from(out, tokens, digits, joins, i, glued.end())
    return sorted(out.values(), key=lambda c: (c.start, -(c.end - c.start)))


def _readings_from(out: dict[str, Candidate], tokens: list[tuple[str, int, int]], digits: list[bool],
                   joins: list[bool], i: int, skip: int) -> None:
    """The keys of the runs of tokens starting at token i, its first `skip` characters left out."""
    key = ""
    has_digit = False
    for j in range(i, min(i + MAX_TOKENS_PER_NUMBER, len(tokens))):
        if j > i and not joins[j - 1]:
            break
        key += tokens[j][0][skip:] if j == i else tokens[j][0]
        has_digit = has_digit or digits[j]
        if has_digit and key not in out:
            out[key] = Candidate(key, tokens[i][1] + skip, tokens[j][2])


def _adjacent(text: str, end: int, start: int) -> bool:
    gap = text[end:start]  # up to 3 separators: "12/2026", "12. 2026", "12 / 2026"
    return len(gap) <= 3 and not gap.strip(" /-_.\\#")


def longest_non_overlapping(found: list[Candidate]) -> list[Candidate]:
    """Drop matches lying inside a longer match (invoice "2026" inside "FV 12/2026")."""
    kept: list[Candidate] = []
    for cand in sorted(found, key=lambda c: -(c.end - c.start)):
        if not any(cand.overlaps(k) for k in kept):
            kept.append(cand)
    return sorted(kept, key=lambda c: c.start)


def likeness(written: str, number: str) -> int:
    """How closely text read as a document number writes it, to tell apart numbers of one key (FV/1/12/2025
    and FV/11/2/2025): 2 as written (case aside), 1 the same groups of letters and digits (other separators),
    0 only the same key. Text without the number's letter prefix ("12/2026" for FV/12/2026) is compared
    with the rest of the number."""
    prefix = _LETTER_PREFIX.match(number) if written[:1] in _DIGITS else None
    if prefix:
        number = number[prefix.end():]
    written, number = written.upper(), number.upper()
    if written == number:
        return 2
    return 1 if _RUNS.findall(written) == _RUNS.findall(number) else 0


# --- abbreviated lists: "FV 12, 13, 14/2026", "FV 2026/5, 6, 7", "FV/12-14/2026" --------------------------

MAX_LISTED = 20  # numbers one abbreviated list or range may add
_ITEM_SEP = r"(?:\s*(?:[,;+&]|\b(?:i|a|oraz|and|und|et|y|e)\b)\s*|\s+)"
_RANGE_SEP = r"\s*[-\u2013]\s*"
_ITEM_BEFORE = re.compile(rf"(?<![0-9][/\\.\-])(?<![0-9])(\d{{1,9}})({_RANGE_SEP}|{_ITEM_SEP})$")
_ITEM_AFTER = re.compile(rf"({_RANGE_SEP}|{_ITEM_SEP})(\d{{1,9}})(?![0-9A-Za-z]|[/\\.\-][0-9A-Za-z])")
_GROUP = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Listed:
    """A document number a transfer title writes only in part, next to one it writes in full."""

    number: str
    start: int
    end: int


def listed_with(text: str, start: int, end: int, number: str) -> list[Listed]:
    """The further numbers an abbreviated list around `text[start:end]` (which writes `number`) names.

    Numbers before it share its ending ("12, 13, 14/2026" → …/12/2026, …/13/2026); numbers after it share
    its beginning ("FV 2026/5, 6, 7" → FV/2026/6, FV/2026/7); a dash makes a range ("12-14/2026", at most
    MAX_LISTED numbers). Each is only a guess: it counts when a document with that number exists.
    """
    groups = list(_GROUP.finditer(number))
    written = _GROUP.findall(text[start:end])
    if not groups or not written or [g.group() for g in groups[-len(written):]] != written \
            or len(written) > len(groups):
        return []
    out: list[Listed] = []
    if len(written) > 1:  # an ending to share: "12, 13, 14/2026"
        first = groups[len(groups) - len(written)]
        out += _walk(text[:start], number, first, before=True)
    out += _walk(text[end:], number, groups[-1], before=False, offset=end)
    return sorted(out, key=lambda item: item.start)[:MAX_LISTED]


def _walk(text: str, number: str, group: re.Match[str], *, before: bool, offset: int = 0) -> list[Listed]:
    """The list items on one side of the written number, nearest first, each put in place of `group`."""
    out: list[Listed] = []
    previous = int(group.group())
    pos = len(text) if before else 0
    while len(out) < MAX_LISTED:
        m = _ITEM_BEFORE.search(text, 0, pos) if before else _ITEM_AFTER.match(text, pos)
        if not m:
            break
        value, sep = (m.group(1), m.group(2)) if before else (m.group(2), m.group(1))
        is_range = sep.strip() in ("-", "\u2013")
        if is_range and out:
            break  # a range only next to the number written in full
        item_start = offset + (m.start(1) if before else m.start(2))
        values = _range(int(value), previous, before) if is_range else [int(value)]
        for v in values:
            out.append(Listed(_replaced(number, group, v, value), item_start, item_start + len(value)))
        if is_range:
            break
        previous = int(value)
        pos = m.start() if before else m.end()
    return out


def _range(value: int, written: int, before: bool) -> list[int]:
    low, high = (value, written) if before else (written, value)
    if not 0 < high - low <= MAX_LISTED:
        return []
    return [v for v in range(low, high + 1) if v != written]


def _replaced(number: str, group: re.Match[str], value: int, written: str) -> str:
    """`number` with one group of digits replaced, keeping its zero padding ("001" → "002")."""
    digits = str(value)
    if group.group().startswith("0") and not written.startswith("0"):
        digits = digits.zfill(len(group.group()))
    return number[:group.start()] + digits + number[group.end():]
