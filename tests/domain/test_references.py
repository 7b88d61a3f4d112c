"""Finding document numbers in transfer titles, tolerant of spaces, slashes, case and "FV" prefixes."""

from __future__ import annotations

import pytest

from collector_app.domain.references import (
    candidate_keys,
    likeness,
    listed_with,
    longest_non_overlapping,
    number_key,
)


@pytest.mark.parametrize(
    ("number", "key"),
    [
        ("FV/12/2026", "FV122026"),
        ("fv 12/2026", "FV122026"),
        ("FV-12-2026", "FV122026"),
        ("2026/03/0001", "2026030001"),
        ("  A.1  ", "A1"),
        ("", ""),
    ],
)
def test_number_key(number: str, key: str) -> None:
    assert number_key(number) == key


def keys(text: str) -> list[str]:
    return [c.key for c in candidate_keys(text)]


def test_fv_prefix_and_separators_yield_every_reading() -> None:
    found = keys("FV 12/2026")
    for key in ("FV122026", "122026", "FV12", "12", "2026"):
        assert key in found
    assert "FV" not in found  # a key without a digit is never a document number


@pytest.mark.parametrize("title", ["FV/12/2026", "fv 12/2026", "FV12/2026", "FV-12-2026", "FV 12 2026",
                                   "Faktura FV/12/2026", "za fv.12.2026", "FV_12_2026", "FV#12/2026",
                                   "FV 12 / 2026", "FV - 12 - 2026", "FV. 12. 2026"])
def test_every_usual_spelling_reaches_the_number_key(title: str) -> None:
    assert number_key("FV/12/2026") in keys(title)


@pytest.mark.parametrize(("title", "key", "written"), [
    ("FV123/2026", "1232026", "123/2026"),
    ("za fa123 2026", "1232026", "123 2026"),
    ("F110F02305", "110F02305", "110F02305"),
    ("FAKTURA12/2026", "122026", "12/2026"),
])
def test_a_glued_prefix_is_also_read_without_it(title: str, key: str, written: str) -> None:
    cands = {c.key: c for c in candidate_keys(title, glued_prefixes=True)}
    assert title[cands[key].start:cands[key].end] == written
    assert key not in keys(title)  # only when asked for


def test_the_reading_with_the_glued_prefix_is_the_longer_one() -> None:
    by_key = {c.key: c for c in candidate_keys("FV1/2026", glued_prefixes=True)}
    assert [c.key for c in longest_non_overlapping([by_key["12026"], by_key["FV12026"]])] == ["FV12026"]


@pytest.mark.parametrize(("written", "number", "score"), [
    ("FV/1/12/2025", "FV/1/12/2025", 2),
    ("fv/1/12/2025", "FV/1/12/2025", 2),
    ("FV 1 12 2025", "FV/1/12/2025", 1),
    ("FV123/2026", "FV/123/2026", 1),
    ("FV/1/12/2025", "FV/11/2/2025", 0),
    ("FV1122025", "FV/1/12/2025", 0),
    ("12/2026", "FV/12/2026", 2),
    ("12 2026", "FV/12/2026", 1),
    ("1/2/2025", "FV/11/2/2025", 0),
    ("20260007", "", 0),
])
def test_likeness_tells_numbers_of_one_key_apart(written: str, number: str, score: int) -> None:
    assert likeness(written, number) == score


def test_unrelated_tokens_far_apart_do_not_combine() -> None:
    # a long run of separators, or a word in between, ends a number
    assert "122026" not in keys("12 ... 2026")
    assert "122026" not in keys("12 / / / 2026")


def test_candidates_are_in_order_of_appearance() -> None:
    cands = candidate_keys("FV/2/2026 oraz FV/1/2026")
    starts = [c.start for c in cands]
    assert starts == sorted(starts)
    first_fv2 = next(c for c in cands if c.key == "FV22026")
    first_fv1 = next(c for c in cands if c.key == "FV12026")
    assert first_fv2.start < first_fv1.start
    assert "FV/2/2026 oraz FV/1/2026"[first_fv1.start:first_fv1.end] == "FV/1/2026"


def test_longest_non_overlapping_drops_a_number_inside_a_longer_one() -> None:
    by_key = {c.key: c for c in candidate_keys("zapłata FV 12/2026 i 7/2026")}
    kept = longest_non_overlapping([by_key["2026"], by_key["FV122026"], by_key["72026"]])
    assert [c.key for c in kept] == ["FV122026", "72026"]


def test_longest_non_overlapping_keeps_order_of_appearance() -> None:
    text = "FV/3/2026, FV/1/2026, FV/2/2026"
    by_key = {c.key: c for c in candidate_keys(text)}
    kept = longest_non_overlapping([by_key["FV22026"], by_key["FV32026"], by_key["FV12026"]])
    assert [c.key for c in kept] == ["FV32026", "FV12026", "FV22026"]


def test_empty_text_has_no_candidates() -> None:
    assert candidate_keys("") == []
    assert candidate_keys("zapłata za fakturę") == []
    assert longest_non_overlapping([]) == []


@pytest.mark.parametrize(
    ("text", "written", "number", "listed"),
    [
        ("FV 12, 13, 14/2026", "14/2026", "FV/14/2026", [("FV/12/2026", "12"), ("FV/13/2026", "13")]),
        ("Faktury 12,13 i 14/2026", "14/2026", "FV/14/2026", [("FV/12/2026", "12"), ("FV/13/2026", "13")]),
        ("fv 12 13 14/2026", "14/2026", "FV/14/2026", [("FV/12/2026", "12"), ("FV/13/2026", "13")]),
        ("FV/12-14/2026", "14/2026", "FV/14/2026", [("FV/12/2026", "12"), ("FV/13/2026", "12")]),
        ("FV 2026/5, 6, 7", "FV 2026/5", "FV/2026/5", [("FV/2026/6", "6"), ("FV/2026/7", "7")]),
        ("FV/2026/5-7 ok", "FV/2026/5", "FV/2026/5", [("FV/2026/6", "7"), ("FV/2026/7", "7")]),
        ("FV/2026/03/001, 2", "FV/2026/03/001", "FV/2026/03/001", [("FV/2026/03/002", "2")]),
        # numbers written in full are read as such, not as parts of a list
        ("FV 14/2026, 15/2026", "14/2026", "FV/14/2026", []),
        ("2025/12, 14/2026", "14/2026", "FV/14/2026", []),
        ("FV/14/2026 300.00", "FV/14/2026", "FV/14/2026", []),
        # a number of one group shares no ending with the numbers before it
        ("12, 13, FV14", "FV14", "FV14", []),
        # a range too long to be one
        ("FV/1-999/2026", "999/2026", "FV/999/2026", []),
    ],
)
def test_abbreviated_lists_name_further_numbers(text: str, written: str, number: str,
                                                listed: list[tuple[str, str]]) -> None:
    start = text.index(written)
    got = listed_with(text, start, start + len(written), number)
    assert [(item.number, text[item.start:item.end]) for item in got] == listed
