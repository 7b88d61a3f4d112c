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
