"""MT940 reader: several statements, framing bytes, encodings, Polish and German field-86 sub-fields."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.samples import needs_samples
from helpers.statements import DATA, SAMPLES

from collector_app.imports.bank import BankEntry
from collector_app.imports.common import ImportProblem
from collector_app.imports.mt940 import read_mt940

D = Decimal


def read(path: Path) -> tuple[list[BankEntry], list[tuple[str, str]]]:
    warnings: list[tuple[str, str]] = []
    entries = list(read_mt940(path, lambda ref, text: warnings.append((ref, text))))
    return entries, warnings


@needs_samples
def test_shared_mbank_sample_in_iso_8859_2() -> None:
    entries, warnings = read(SAMPLES / "mt940/mbank_IPH_iso-8859-2.sta")
    assert len(entries) == 24
    assert sum(e.credit for e in entries) == 23
    first = entries[0]
    assert (first.where, first.booking_date, first.amount, first.currency) == (
        "line 6: 61", dt.date(2010, 6, 4), D("6979.18"), "PLN")
    assert first.reference == "EL004391-000970"
    assert first.title == "210F1163"
    assert first.payer_account == "PL04105014611000002345271577"
    assert first.payer_name == "GWARANT-CYNKOWANIE SPÓŁKA Z O.O. UL.CIEPŁOWNICZA 27 98-300 WIELUŃ"
    assert entries[-1].credit is False and entries[-1].amount == D("15.00")
    assert "ZAKŁAD WODOCIĄGÓW I KANALIZACJI" in (entries[3].payer_name or "")
    assert warnings == [("line 2", "statement ST100604CYC/1 has no closing balance (:62F:); "
                                   "its entries were imported as they are")]


def test_two_statements_crlf_framing_and_polish_subfields() -> None:
    entries, warnings = read(DATA / "pl_two_statements_iso-8859-2.sta")
    assert [e.position for e in entries] == ["1", "2", "3", "4", "5", "6", "1", "2"]
    one = entries[0]
    assert one.title == "Zapłata za fakturę FV/1/2026"
    assert one.payer_name == "OMEGA HANDEL SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ"  # ~62/~63 (address) left out
    assert one.payer_account == "PL27114020040000300201355387"  # ~38 wins over ~30/~31
    assert [(e.credit, e.reversal) for e in entries[2:4]] == [(False, False), (True, True)]
    assert entries[4].reference is None and entries[4].content_key() == entries[5].content_key()
    lt = entries[6]  # "<" separators, the title and the account wrapped over two lines
    assert (lt.title, lt.payer_name, lt.payer_account) == (
        "FV/7/2026, FV/8/20 26", "ŻUK I SYNOWIE", "PL61109010140000071219812874")
    free = entries[7]
    assert (free.title, free.payer_name, free.payer_account) == (
        "ZA USŁUGI", "NIEZNANY PŁATNIK", "PL49102028920000550201548283")
    assert warnings == [("line 24", "statement MT940-260317-1 has no closing balance (:62F:); "
                                    "its entries were imported as they are")]


def test_cp1250_with_a_swift_envelope_reads_like_iso_8859_2() -> None:
    enveloped, _ = read(DATA / "pl_envelope_cp1250.sta")
    plain, _ = read(DATA / "pl_two_statements_iso-8859-2.sta")
    assert [(e.title, e.payer_name, e.amount, e.bank_txn_id()) for e in enveloped] == [
        (e.title, e.payer_name, e.amount, e.bank_txn_id()) for e in plain[:6]]


def test_lf_and_crlf_give_the_same_entries(tmp_path: Path) -> None:
    source = DATA / "pl_two_statements_iso-8859-2.sta"
    lf = tmp_path / "lf.sta"
    lf.write_bytes(source.read_bytes().replace(b"\r\n", b"\n"))
    assert read(lf)[0] == read(source)[0]


def test_german_question_mark_subfields_in_utf8() -> None:
    (entry,), warnings = read(DATA / "de_subfields_utf-8.sta")
    assert (entry.title, entry.payer_name, entry.payer_account, entry.currency) == (
        "RECHNUNG EU/1/2026 DANKE", "MÜLLER GMBH", "DE02120300000000202051", "EUR")
    assert entry.credit and not entry.reversal
    assert warnings == []


def test_czech_account_and_bank_code_subfields_make_one_iban() -> None:
    """?31 holds the number (here with a prefix, cut by the line wrap from its ?30 bank code), ?30 the bank:
    one Czech account, kept as its IBAN; an IBAN in ?31 stands alone whatever ?30 says."""
    (first, second), warnings = read(DATA / "cz_subfields_cp1250.sta")
    assert (first.title, first.payer_name, first.payer_account, first.amount, first.currency) == (
        "Faktura FA-2026-0007 VS 20260007", "ALFA S.R.O.", "CZ6508000000192000145399", D("1500.00"), "CZK")
    assert (second.title, second.payer_account) == ("Záloha", "CZ6508000000192000145399")
    assert warnings == []


def test_booking_date_crosses_new_year(tmp_path: Path) -> None:
    path = tmp_path / "ny.sta"
    path.write_text(":20:X\n:25:ACC\n:60F:C251231PLN0,00\n:61:2601011231CN5,00NTRFNONREF//R1\n:86:x\n"
                    ":62F:C260101PLN5,00\n", encoding="utf-8")
    (entry,), _ = read(path)
    assert entry.booking_date == dt.date(2025, 12, 31)


@pytest.mark.parametrize(("text", "where"), [
    ("", "line 1"),
    ("hello\n:20:X\n", "line 1"),
    (":25:ACC\n:20:X\n", "line 1: 25"),
    (":20:X\n:60F:C260101PLN0,00\n:61:2613010101CN5,00NTRF//R\n", "line 3: 61"),
    (":20:X\n:60F:C260101PLN0,00\n:61:garbage\n", "line 3: 61"),
    (":20:X\n:60F:C260101PLN0,00\n:61:2601010101C1.000,00NTRF\n", "line 3: 61"),  # not read as 1
    (":20:X\n:60F:C260101PLN0,00\n:61:2601010101C1 000,00NTRF\n", "line 3: 61"),
])
def test_broken_files_name_the_line(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "bad.sta"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportProblem) as info:
        read(path)
    assert info.value.where == where


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.sta"
    path.write_bytes(b"\xef\xbb\xbf:20:X\r\n:25:ACC\r\n:60F:C260316PLN0,00\r\n:61:2603160316CN5,00NTRFNONREF//R1\r\n"
                     + ":86:~20Zapłata FV/1/2026~32Łukasz".encode() + b"\r\n:62F:C260316PLN5,00\r\n")
    (entry,), warnings = read(path)
    assert (entry.title, entry.payer_name, warnings) == ("Zapłata FV/1/2026", "Łukasz", [])


def _many(path: Path, entries: int) -> None:
    with path.open("w", encoding="iso-8859-2", newline="\r\n") as fh:
        fh.write(":20:BIG\n:25:ACC\n:60F:C260316PLN0,00\n")
        for n in range(entries):
            fh.write(f":61:2603160316CN{n + 1},00NTRFNONREF//R{n}\n:86:~20ZAPŁATA FV/{n}/2026 " + "x" * 150 + "\n")
        fh.write(":62F:C260316PLN0,00\n")


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Lines are read one by one: ten times the entries, about the same peak."""
    peaks = []
    for n in (500, 5000):
        path = tmp_path / f"big{n}.sta"
        _many(path, n)
        tracemalloc.start()
        count = sum(1 for _ in read_mt940(path, lambda ref, text: None))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert count == n
    assert peaks[1] < peaks[0] * 2, peaks


# --- quirks of real banks' files (each data file written for the quirk it is named after) ---------------


def test_bic_and_940_header_lines_before_each_message() -> None:
    """ABN AMRO writes "BIC / 940 / BIC" before every message; whole amounts end in a comma ("250,")."""
    entries, warnings = read(DATA / "header_bic_and_940_lines.sta")
    assert [(e.where, e.amount, e.credit) for e in entries] == [
        ("line 8: 61", D("250"), True), ("line 20: 61", D("7.5"), False)]
    assert (entries[0].title, entries[0].payer_name, entries[0].payer_account) == (
        "FACTUUR 2026-014", "DE VRIES BV", "NL91ABNA0417164300")
    assert warnings == []


def test_colon_940_line_before_the_first_statement() -> None:
    (entry,), warnings = read(DATA / "header_colon_940_line.sta")
    assert (entry.amount, entry.title, entry.payer_name, warnings) == (D("40.00"), "FACTUUR 2026-015", "JANSEN", [])


def test_a_text_line_before_the_first_tag_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.sta"
    path.write_text("BANKNL2A\n940\nnot a header\n:20:X\n", encoding="utf-8")
    with pytest.raises(ImportProblem) as info:
        read(path)
    assert (info.value.where, info.value.message) == ("line 3", '"not a header" is not MT940 (expected a :20: tag)')


def test_transaction_type_codes_with_spaces() -> None:
    """Old Dutch "NGT " and Hungarian "S   " codes: a letter and three characters, spaces allowed."""
    entries, _ = read(DATA / "type_code_with_spaces.sta")
    assert [(e.amount, e.credit, e.title) for e in entries] == [
        (D("12.50"), True, "0111111111 FACTUUR 2026-016"), (D("3.00"), False, "KOSTEN")]


def test_statement_line_wrapped_over_several_lines() -> None:
    (entry,), _ = read(DATA / "statement_line_wrapped_details.sta")
    assert (entry.amount, entry.reference, entry.title, entry.payer_name, entry.payer_account) == (
        D("1.56"), "00000000001", "FACTUUR 2026-017", "PIETERS BV", "NL91ABNA0417164300")


def test_caret_subfields_keep_a_word_end_padded_in_a_name_chunk() -> None:
    (entry,), _ = read(DATA / "subfields_caret_and_padded_name_utf-8.sta")
    assert (entry.title, entry.payer_name, entry.payer_account) == (
        "Zapłata FV/18/2026", "KOWALSKI JAN UL. LIPOWA 21 00-950 WARSZAWA", "PL22105017641000009215291726")


def test_gt_and_plus_subfields() -> None:
    triodos, romanian = read(DATA / "subfields_gt_and_plus.sta")[0]
    assert (triodos.title, triodos.payer_account) == ("FACTUUR 2026-019 DANK U", "0390123456")
    assert (romanian.title, romanian.payer_name, romanian.payer_account) == (
        "Plata FACT 2026-020", "EXEMPLU SRL", "RO49AAAA1B31007593840000")


def test_two_86_fields_of_one_entry_the_first_only_a_code() -> None:
    (entry,), _ = read(DATA / "double_86_code_first.sta")
    assert (entry.title, entry.payer_name, entry.payer_account) == (
        "FV/21/2026", "ALFA SP. Z O.O. UL. POLNA 4", "PL27114020040000300201355387")


def test_pko_filler_in_empty_subfields() -> None:
    (entry,), _ = read(DATA / "pko_filler_subfields_cp1250.sta")
    assert (entry.title, entry.payer_name, entry.payer_account) == (
        "FAKTURA FV/22/2026", "BETA BUD S.A.", "PL50102055619000361245650240")


def test_free_86_short_lines_are_kept_apart() -> None:
    """A line shorter than SWIFT's 65 characters ended where the bank meant it to: a space, not glued."""
    (entry,), _ = read(DATA / "free_86_short_lines.sta")
    assert entry.title == "CAB26D1700041116 109876543210000012345678 HUNGARY KFT. SZAMLA 2026/23"


def test_a_dos_code_page_852_statement_is_read_with_its_polish_letters(tmp_path: Path) -> None:
    """Older Polish and Czech banking programs write cp852: ł and ś sit on bytes cp1250 has no character for."""
    path = tmp_path / "dos.sta"
    path.write_bytes((":20:X\r\n:25:PL61109010140000071219812874\r\n:60F:C260316PLN0,00\r\n"
                      ":61:2603160316CN5,00NTRFNONREF//R1\r\n:86:Zapłata za FV/5/2026 - Śląsk\r\n"
                      ":62F:C260316PLN5,00\r\n-\r\n").encode("cp852"))
    entries, _ = read(path)
    assert [e.title for e in entries] == ["Zapłata za FV/5/2026 - Śląsk"]


def test_a_byte_the_encoding_cannot_read_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.sta"
    path.write_bytes(b":20:X\n:25:ACC\n:60F:C260316PLN0,00\n:61:2603160316CN5,00NTRFNONREF//R1\n:86:ab\x81cd\n")
    with pytest.raises(ImportProblem, match=r"line 5: the text is not cp1250: byte 0x81 cannot be read"):
        list(read_mt940(path, lambda where, text: None, encoding="cp1250"))


def test_customer_reference_longer_than_16_and_blank_entry_date() -> None:
    """ASN Bank: four spaces for the entry date, the payer's IBAN (18 characters) as the customer reference
    and the payer's name as supplementary details."""
    (entry,), _ = read(DATA / "long_customer_reference_blank_entry_date.sta")
    assert (entry.booking_date, entry.amount, entry.credit) == (dt.date(2026, 3, 2), D("45.00"), True)
    assert (entry.payer_account, entry.payer_name) == ("NL91ABNA0417164300", "de vries bv")
    assert "FACTUUR 2026-030" in entry.title


def test_payer_iban_in_the_statement_line_details() -> None:
    """Rabobank: the payer's IBAN on the :61:'s second line, field 86 naming the payer without it."""
    (entry,), _ = read(DATA / "iban_in_statement_line_details.sta")
    assert (entry.title, entry.payer_name, entry.payer_account) == ("FACTUUR 2026-031", "JANSEN", "NL66RABO0160878799")


def test_value_date_february_30() -> None:
    """German banks date period-end entries the 30th even in February: read as the month's last day."""
    (entry,), _ = read(DATA / "value_date_february_30.sta")
    assert (entry.booking_date, entry.amount, entry.title) == (dt.date(2026, 3, 2), D("7.50"), "Zinsen Februar")


def test_a_details_line_starting_like_a_tag_no_mt940_has_goes_on() -> None:
    """A time wrapped in field 86 ("…11" then ":26:45 UHR") is no tag: the details go on after it."""
    (entry,), _ = read(DATA / "details_line_like_a_tag.sta")
    assert (entry.title, entry.payer_name) == ("RECHNUNG 2026-032 VOM 02.03.2026 11:26:45 UHR DANKE", "KRAUSE GMBH")


def test_an_entry_after_the_closing_balance_is_read_with_a_warning() -> None:
    entries, warnings = read(DATA / "entry_after_closing_balance.sta")
    assert entries and warnings[-1][0] == "line 9: 61"
    assert "after the closing balance" in warnings[-1][1]


def test_closing_balance_without_a_currency() -> None:
    """Some German banks leave the currency out of the closing balance; it is only checked, so it may."""
    (entry,), warnings = read(DATA / "closing_balance_without_currency.sta")
    assert (entry.amount, entry.currency, entry.title, entry.payer_name, warnings) == (
        D("15.00"), "EUR", "RECHNUNG 2026-035", "WEBER KG", [])


def test_old_ing_session_lines_before_the_message() -> None:
    """Old ING files open with "0000 01" + the bank's address (twice) and "940 00" before the first tag."""
    (entry,), warnings = read(DATA / "header_old_ing_session_lines.sta")
    assert (entry.where, entry.amount, entry.title, warnings) == (
        "line 8: 61", D("40.00"), "0111111111 BAKKER VOF FACTUUR 2026-036", [])


def test_a_statement_line_without_an_amount_is_refused_naming_the_line() -> None:
    """":61:2603190319CS051NONREF" was read as 51.00 ("S" a funds code, "051" the amount, "NONR" the type)."""
    entries = read_mt940(DATA / "statement_line_without_amount.sta", lambda ref, text: None)
    whole = next(entries)
    assert (whole.where, whole.amount, whole.reference) == ("line 5: 61", D(500), "WHOLE-1")  # "500," is an amount
    with pytest.raises(ImportProblem) as info:
        next(entries)
    assert info.value.where == "line 7: 61"
    assert info.value.message == ('"2603190319CS051NONREF": no MT940 amount in it (digits and a decimal comma, '
                                  'e.g. "1000,00" or "500,")')


def test_a_line_the_library_cannot_match_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """The mt-940 library logs its whole pattern before raising; the located error says all there is."""
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(ImportProblem, match=r'^line 5: 61: "260318" cannot be read'):
            read(DATA / "statement_line_cut_short.sta")
        logging.getLogger("collector").debug("still heard")  # only the library's logger is quiet
    assert [r.name for r in caplog.records] == ["collector"]


EXE = Path(sys.executable).with_name("collector")


@pytest.mark.skipif(not EXE.exists(), reason="the collector script is not installed in this venv")
@pytest.mark.parametrize(("name", "line"), [("statement_line_cut_short.sta", 5),
                                            ("statement_line_without_amount.sta", 7)])
def test_the_command_line_prints_one_line_for_a_broken_statement(tmp_path: Path, name: str, line: int) -> None:
    db = tmp_path / "ledger.db"
    env = {**os.environ, "COLLECTOR_USER": "tester"}

    def collector(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(EXE), "--db", str(db), "--today", "2026-03-20", *args], capture_output=True,
                              text=True, timeout=120, env=env, check=False)

    assert collector("init").returncode == 0
    done = collector("import", "statement", str(DATA / name))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"collector: error: {DATA / name}: line {line}: 61: ")
    assert done.stderr.count("\n") == 1, done.stderr
