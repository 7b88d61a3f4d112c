"""The shared import helpers: decoding, amounts, dates, located errors, safe XML and the summary."""

from __future__ import annotations

import codecs
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from collector_app.domain.errors import UserError
from collector_app.imports.common import (
    DOLLAR,
    ImportProblem,
    ImportSummary,
    ValueProblem,
    XmlNode,
    XmlReader,
    decode_text,
    detect_encoding,
    line_place,
    open_xml,
    parse_decimal,
    parse_import_date,
    parse_money,
    problem,
    split_currency,
    terms_from_text,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "invoices"


@pytest.mark.parametrize(("text", "expected"), [
    ("1234.5", "1234.5"), ("1 234,50", "1234.50"), ("1,234.50", "1234.50"), ("1.234,50", "1234.50"),
    ("-12", "-12"), ("+3,1", "3.1"), ("(3.00)", "-3.00"), ("12.00-", "-12.00"), ("1\u00a0000,00", "1000.00"),
    ("1.234.567,89", "1234567.89"), ("1'000.50", "1000.50"),
])
def test_amounts_in_common_notations(text: str, expected: str) -> None:
    assert parse_money(text, "PLN") == Decimal(expected)


def test_a_lone_mark_before_three_digits_groups_thousands_for_a_two_decimal_currency() -> None:
    assert parse_money("1,234", "PLN") == Decimal(1234)
    assert parse_decimal("1,234") == Decimal("1.234")  # without a currency it is a decimal mark


def test_a_leading_zero_is_no_group_of_thousands() -> None:
    """"0,500" is half of something with a decimal comma, never 500 with "," grouping thousands."""
    assert parse_money("0,500", "PLN") == Decimal("0.5")
    with pytest.raises(ValueProblem, match=r'^"0,500" is not an amount$'):
        parse_money("0,500", "PLN", decimal=".")


def test_a_utf16_bom_is_recognised(tmp_path: Path) -> None:
    for name, bom in (("le.csv", codecs.BOM_UTF16_LE), ("be.csv", codecs.BOM_UTF16_BE)):
        (tmp_path / name).write_bytes(bom + "a".encode("utf-16-le" if name == "le.csv" else "utf-16-be"))
        assert detect_encoding(tmp_path / name) == "utf-16"
        assert decode_text((tmp_path / name).read_bytes()) == ("a", "utf-16")


@pytest.mark.parametrize("text", ["12,3x", "1,2,3", "1.2.3,4.5", "", "abc", "1..2", "12,", "NaN", "1,23,456.00"])
def test_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueProblem):
        parse_money(text, "PLN")


def test_more_places_than_the_currency_has_is_refused_never_rounded() -> None:
    with pytest.raises(ValueProblem, match="more than 2 decimal places for PLN"):
        parse_money("12.345", "PLN", decimal=".")
    with pytest.raises(ValueProblem, match="more than 0 decimal places for JPY"):
        parse_money("12.5", "JPY")
    assert parse_money("1.500", "JPY", decimal=",") == Decimal(1500)  # the point groups when the comma is decimal


@pytest.mark.parametrize(("text", "amount", "currency"), [
    ("1 234,56 zł", "1 234,56", "PLN"), ("€ 1.234,56", "1.234,56", "EUR"), ("$1,020.00", "1,020.00", DOLLAR),
    ("-$5.00", "-5.00", DOLLAR), ("(€12.00)", "(12.00)", "EUR"), ("1 500 Kč", "1 500", "CZK"),
    ("USD 3.50", "3.50", "USD"), ("12.00 eur", "12.00", "EUR"), ("1 234,56", "1 234,56", None),
    ("12 ABC", "12 ABC", None), ("zł", "zł", None),
])
def test_a_currency_written_beside_an_amount_is_split_off(text: str, amount: str, currency: str | None) -> None:
    assert split_currency(text) == (amount, currency)


def test_the_named_decimal_mark_wins() -> None:
    assert parse_money("1.234", "PLN", decimal=",") == Decimal(1234)
    assert parse_money("1 234,5", "PLN", decimal=",", thousands=" ") == Decimal("1234.5")


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-16", dt.date(2026, 3, 16)), ("16.03.2026", dt.date(2026, 3, 16)), ("6.3.2026", dt.date(2026, 3, 6)),
    ("Jan 28 2021", dt.date(2021, 1, 28)), ("28 January 2021", dt.date(2021, 1, 28)),
    ("Sept 3, 2021", dt.date(2021, 9, 3)), ("28/01/2021", dt.date(2021, 1, 28)), ("01/28/2021", dt.date(2021, 1, 28)),
    ("2026-03-16T10:00:00+01:00", dt.date(2026, 3, 16)), ("05/05/2021", dt.date(2021, 5, 5)),
    ("16. 3. 2026", dt.date(2026, 3, 16)), ("16.03.26", dt.date(2026, 3, 16)), ("2026/03/16", dt.date(2026, 3, 16)),
    ("2026.3.6", dt.date(2026, 3, 6)), ("20260316", dt.date(2026, 3, 16)),
])
def test_dates_without_a_format(text: str, expected: dt.date) -> None:
    assert parse_import_date(text) == expected


def test_an_ambiguous_day_month_order_asks_for_date_format() -> None:
    with pytest.raises(ValueProblem, match="date_format"):
        parse_import_date("01/02/2021")
    assert parse_import_date("01/02/2021", "%d/%m/%Y") == dt.date(2021, 2, 1)
    with pytest.raises(ValueProblem, match="not a date in the format"):
        parse_import_date("2021-02-01", "%d/%m/%Y")
    with pytest.raises(ValueProblem, match="not a date"):
        parse_import_date("31.02.2026")


def test_located_error_text() -> None:
    err = problem("f.csv", line_place(12, "gross"), '"12,3x" is not an amount')
    assert isinstance(err, UserError)
    assert str(err) == 'f.csv: line 12: gross: "12,3x" is not an amount'
    assert str(ImportProblem("/Invoice/cbc:ID", "missing").to_user_error("a.xml")) == "a.xml: /Invoice/cbc:ID: missing"


def test_encodings(tmp_path: Path) -> None:
    text = "Zażółć gęślą jaźń"
    (tmp_path / "u.csv").write_bytes(text.encode("utf-8"))
    (tmp_path / "b.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "w.csv").write_bytes(text.encode("cp1250"))
    assert detect_encoding(tmp_path / "u.csv") == "utf-8"
    assert detect_encoding(tmp_path / "b.csv") == "utf-8-sig"
    assert detect_encoding(tmp_path / "w.csv") == "cp1250"
    assert detect_encoding(tmp_path / "w.csv", "latin2") == "iso-8859-2"
    assert decode_text(text.encode("iso-8859-2"), "ISO-8859-2") == (text, "iso-8859-2")
    assert decode_text(b"\xef\xbb\xbfok")[0] == "ok"
    with pytest.raises(ImportProblem, match="line 2: the text is not utf-8"):
        decode_text(b"a\n\xff", "utf-8")
    with pytest.raises(UserError, match="encoding"):
        detect_encoding(tmp_path / "u.csv", "klingon")


def test_payment_terms_in_free_text() -> None:
    assert terms_from_text("Payment within 30 days, 2% discount") == 30
    assert terms_from_text("Płatne w ciągu 14 dni") == 14
    for text, days in (("30 dagar netto", 30), ("Betaling binnen 14 dagen", 14), ("Netto 20 dage", 20),
                       ("Pagamento a 60 giorni", 60), ("Zahlbar innerhalb von 10 Tagen", 10), ("45 días", 45)):
        assert terms_from_text(text) == days, text
    for at_once in ("Zahlbar sofort ohne Abzug", "Payable immediately", "Due on receipt", "Splatné ihned",
                    "Płatne natychmiast", "Zapłacono gotówką"):
        assert terms_from_text(at_once) == 0, at_once
    assert terms_from_text("Thank you for your business") is None
    assert terms_from_text("net") is None
    assert terms_from_text(None) is None


def test_external_entities_and_entity_bombs_are_refused_not_expanded() -> None:
    for name in ("xxe.xml", "billion_laughs.xml"):
        with pytest.raises(UserError, match=f"^{name}: refused: the XML declares a DTD"):
            open_xml(DATA / name)


def test_xml_paths_use_the_files_own_prefixes() -> None:
    reader, root = open_xml(DATA / "ubl_invoice.xml")
    node = XmlNode(reader, root, "/" + reader.qname(root.tag), {
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    })
    assert node.path == "/ns0:Invoice"
    path = node.where("cac:LegalMonetaryTotal", "cbc:PayableAmount")
    assert path == "/ns0:Invoice/ns1:LegalMonetaryTotal/ns2:PayableAmount"
    with pytest.raises(ImportProblem) as info:
        node.require("cac:LegalMonetaryTotal", "cbc:Nothing")
    assert str(info.value) == "/ns0:Invoice/ns1:LegalMonetaryTotal/ns2:Nothing: missing"


def test_truncated_xml_names_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "t.xml"
    bad.write_bytes((DATA / "ubl_invoice.xml").read_bytes()[:700])
    with pytest.raises(UserError, match=r"^t\.xml: line \d+, column \d+: not well-formed XML"):
        XmlReader(bad).parse()


def test_summary_json_shape() -> None:
    s = ImportSummary(file="a.csv", format="csv", created=2)
    s.warn("FV/1", "text")
    s.skip("FV/2", "why")
    data = json.loads(s.to_json())
    assert data == {"file": "a.csv", "format": "csv", "created": 2, "updated": 0, "unchanged": 0,
                    "skipped": [{"ref": "FV/2", "reason": "why"}], "warnings": [{"ref": "FV/1", "text": "text"}],
                    "payments": 0, "matched": 0, "unmatched": 0}
    assert ImportSummary.from_dict(data) == s
