"""UBL and ISDOC shapes met in real published files (Peppol, XRechnung, EN 16931, ISDOC libraries)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from helpers.invoice_imports import DATA

from collector_app.imports import isdoc, ubl
from collector_app.imports.detect import detect_format


def test_ubl_vat_is_taken_from_the_total_in_the_document_currency() -> None:
    [rec] = ubl.read(DATA / "ubl_tax_total_in_tax_currency_first.xml", "t.xml")
    assert (rec.vat, rec.gross, rec.currency) == (Decimal("23.00"), Decimal("123.00"), "EUR")


def test_ubl_cash_discount_period_is_not_the_payment_term() -> None:
    [rec] = ubl.read(DATA / "ubl_cash_discount_days_before_payment_terms.xml", "s.xml")
    assert (rec.due_date, rec.terms_days) == (None, 30)


def test_ubl_buyer_vat_number_wins_over_a_local_tax_number() -> None:
    [rec] = ubl.read(DATA / "ubl_buyer_tax_number_before_vat_number.xml", "f.xml")
    assert (rec.buyer.name, rec.buyer.tax_id, rec.issue_date) == (
        "Epsilon Werkstatt GmbH", "DE136695976", dt.date(2026, 4, 2))


def test_ubl_invoice_with_self_billed_credit_type_is_a_credit_note() -> None:
    [rec] = ubl.read(DATA / "ubl_self_billed_credit_type_261.xml", "c.xml")
    assert (rec.kind, rec.gross, rec.corrects) == ("credit_note", Decimal(40), "SB/1/2026")


def test_isdoc_without_namespace_is_read_with_a_warning() -> None:
    path = DATA / "isdoc_without_namespace.isdoc"
    assert detect_format(path, path.name) == "isdoc"
    [rec] = isdoc.read(path, path.name)
    assert (rec.number, rec.gross, rec.currency, rec.due_date, rec.variable_symbol) == (
        "FV-2026-0107", Decimal(1210), "CZK", dt.date(2026, 4, 20), "20260107")
    assert rec.buyer.tax_id == "27074358"
    assert rec.notes == ["the file declares no ISDOC namespace (version 6.0.2): read as ISDOC 6"]


def test_isdoc_payment_part_amount_is_not_a_payment_received() -> None:
    [rec] = isdoc.read(DATA / "isdoc_without_namespace.isdoc", "n.isdoc")
    assert not any("payment of" in n for n in rec.notes)  # PaidAmount: the part to pay by this means


def test_isdoc_parts_with_several_due_dates_are_named(tmp_path: Path) -> None:
    text = (DATA / "isdoc_without_namespace.isdoc").read_text(encoding="utf-8")
    part = text[text.index("    <Payment>"):text.index("  </PaymentMeans>")]
    path = tmp_path / "p.isdoc"
    path.write_text(text.replace(part, part + part.replace("2026-04-20", "2026-05-20")), encoding="utf-8")
    [rec] = isdoc.read(path, "p.isdoc")
    assert rec.due_date == dt.date(2026, 4, 20)
    assert "payable in parts due 2026-04-20, 2026-05-20" in rec.notes[-1]


def test_isdoc_tax_document_for_a_payment_received_says_so(tmp_path: Path) -> None:
    """Type 5 is issued after the money came in: it is imported (money comes from statements) with a warning."""
    text = (DATA / "isdoc_without_namespace.isdoc").read_text(encoding="utf-8")
    path = tmp_path / "t5.isdoc"
    path.write_text(text.replace("<DocumentType>1</DocumentType>", "<DocumentType>5</DocumentType>"), encoding="utf-8")
    [rec] = isdoc.read(path, "t5.isdoc")
    assert rec.kind == "invoice" and any("confirms a payment already received" in n for n in rec.notes)
