"""Re-importing an e-invoice correction whose sign changed: the same document, said and never booked twice; a
corrected invoice (384) is compared by the amount its file states, not by the difference booked for it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from helpers.invoice_imports import DATA, documents, make_firm, run_import
from sqlalchemy import update

from collector_app.db.engine import Ledger
from collector_app.db.models import Invoice
from collector_app.domain.clock import FixedClock

UBL_TYPE = "<ns2:InvoiceTypeCode>380</ns2:InvoiceTypeCode>"
UBL_CURRENCY = "<ns2:DocumentCurrencyCode>EUR</ns2:DocumentCurrencyCode>"


def _warnings(result: object) -> list[str]:
    return [w["text"] for w in result.summary.warnings]  # type: ignore[attr-defined]


def _differs(result: object) -> list[str]:
    return [w for w in _warnings(result) if w.startswith("already in the ledger and differs")]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- KSeF KOR


def _kor(tmp_path: Path, payable: str, number: str = "KOR/1/2026", corrects: str = "FA/3/2026",
         name: str = "kor.xml") -> Path:
    """ksef_fa3_kor.xml (KOR/1/2026 correcting FA/3/2026 by -123.00) with its P_15, number and corrected invoice."""
    text = (DATA / "ksef_fa3_kor.xml").read_text(encoding="utf-8")
    text = text.replace("<P_15>-123.00</P_15>", f"<P_15>{payable}</P_15>").replace("KOR/1/2026", number)
    return _write(tmp_path / name, text.replace("<NrFaKorygowanej>FA/3/2026<", f"<NrFaKorygowanej>{corrects}<"))


def _ksef_invoice(tmp_path: Path, number: str = "FA/3/2026") -> Path:
    text = (DATA / "ksef_fa3_invoice.xml").read_text(encoding="utf-8").replace("FA/3/2026", number)
    return _write(tmp_path / "fa.xml", text)


def test_a_zero_correction_raised_to_an_amount_to_pay_is_the_same_document(ledger: Ledger, clock: FixedClock,
                                                                          tmp_path: Path) -> None:
    """KOR with P_15 0 is a credit note of 0.00; the same KOR with P_15 1.00 would be an invoice: one document."""
    make_firm(ledger, clock)
    first = run_import(ledger, clock, _kor(tmp_path, "0.00"))
    assert first.summary.created == 1 and documents(ledger)["CN KOR/1/2026"].gross == 0
    again = run_import(ledger, clock, _kor(tmp_path, "1.00"))
    assert (again.summary.created, again.summary.unchanged) == (0, 1)
    assert set(documents(ledger)) == {"CN KOR/1/2026"}
    assert _differs(again) == ["already in the ledger and differs (an invoice of 1.00 PLN in the file, a credit "
                               "note of 0.00 PLN in the ledger): not overwritten"]


def test_a_linked_correction_flipping_sign_is_found_by_the_invoice_it_is_linked_to(
        ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    """A credit note imported before the ledger kept the corrected number is found through its link."""
    make_firm(ledger, clock)
    run_import(ledger, clock, _ksef_invoice(tmp_path))
    run_import(ledger, clock, _kor(tmp_path, "-123.00"))
    with ledger.transaction() as s:
        s.execute(update(Invoice).where(Invoice.kind == "credit_note").values(corrects_number=None))
    again = run_import(ledger, clock, _kor(tmp_path, "5.00"))
    assert (again.summary.created, set(documents(ledger))) == (0, {"FA/3/2026", "CN KOR/1/2026"})
    assert _differs(again) == ["already in the ledger and differs (an invoice of 5.00 PLN in the file, a credit "
                               "note of 123.00 PLN in the ledger): not overwritten"]


def test_an_unrelated_document_sharing_the_number_still_imports(ledger: Ledger, clock: FixedClock,
                                                               tmp_path: Path) -> None:
    """Invoices and corrections may be numbered in separate series: a correction of another invoice, or a plain
    invoice, under the same number is another document."""
    make_firm(ledger, clock)
    run_import(ledger, clock, _kor(tmp_path, "-10.00", number="7/2026", corrects="FA/1/2026"))
    other = run_import(ledger, clock, _kor(tmp_path, "20.00", number="7/2026", corrects="FA/2/2026", name="b.xml"))
    plain = run_import(ledger, clock, _ksef_invoice(tmp_path, number="KOR/9/2026"))
    credit = run_import(ledger, clock, _kor(tmp_path, "-30.00", number="KOR/9/2026", name="c.xml"))
    assert (other.summary.created, plain.summary.created, credit.summary.created) == (1, 1, 1)
    docs = documents(ledger)
    assert (docs["CN 7/2026"].gross, docs["7/2026"].gross) == (Decimal(-10), Decimal(20))
    assert (docs["KOR/9/2026"].gross, docs["CN KOR/9/2026"].gross) == (Decimal(1230), Decimal(-30))
    assert not _differs(other) and not _differs(credit)


# ---------------------------------------------------------------------------------------------- ISDOC type 3


def _debit_note(tmp_path: Path, payable: str) -> Path:
    """isdoc_credit_note.isdoc turned into a debit note (type 3, vrubopis) of FV-2026-0042 with this amount."""
    text = (DATA / "isdoc_credit_note.isdoc").read_text(encoding="utf-8")
    text = text.replace("<DocumentType>2</DocumentType>", "<DocumentType>3</DocumentType>")
    text = text.replace("<ID>DD-2026-0007</ID>", "<ID>VR-2026-0003</ID>")
    return _write(tmp_path / "vr.isdoc", text.replace("<PayableAmount>1210.00<", f"<PayableAmount>{payable}<"))


def test_an_isdoc_debit_note_turned_negative_is_the_same_document(ledger: Ledger, clock: FixedClock,
                                                                  tmp_path: Path) -> None:
    first = run_import(ledger, clock, _debit_note(tmp_path, "-0.50"))
    assert documents(ledger)["CN VR-2026-0003"].gross == Decimal("-0.50")
    assert first.summary.created == 1
    again = run_import(ledger, clock, _debit_note(tmp_path, "0.50"))
    assert (again.summary.created, again.summary.unchanged) == (0, 1)
    assert set(documents(ledger)) == {"CN VR-2026-0003"}
    assert _differs(again) == ["already in the ledger and differs (an invoice of 0.50 CZK in the file, a credit "
                               "note of 0.50 CZK in the ledger): not overwritten"]


# ---------------------------------------------------------------------------------------------- UBL 384


def _ubl(tmp_path: Path, name: str, payable: str, *, corrected: bool) -> Path:
    """ubl_invoice.xml (UBL/10/2026, 1000.00 EUR), or a corrected invoice UBL/11/2026 (384) replacing it."""
    text = (DATA / "ubl_invoice.xml").read_text(encoding="utf-8")
    if corrected:
        text = text.replace(UBL_TYPE, "<ns2:InvoiceTypeCode>384</ns2:InvoiceTypeCode>")
        text = text.replace("<ns2:ID>UBL/10/2026</ns2:ID>", "<ns2:ID>UBL/11/2026</ns2:ID>")
        text = text.replace(UBL_CURRENCY, UBL_CURRENCY + "<ns1:BillingReference><ns1:InvoiceDocumentReference>"
                            "<ns2:ID>UBL/10/2026</ns2:ID></ns1:InvoiceDocumentReference></ns1:BillingReference>")
    payable_tag = '<ns2:PayableAmount currencyID="EUR">'
    text = text.replace(f"{payable_tag}1000.00<", f"{payable_tag}{payable}<")
    return _write(tmp_path / name, text)


def _with_correction(ledger: Ledger, clock: FixedClock, tmp_path: Path, payable: str) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, _ubl(tmp_path, "u.xml", "1000.00", corrected=False))
    run_import(ledger, clock, _ubl(tmp_path, "c.xml", payable, corrected=True))


def test_a_corrected_invoice_differing_quotes_the_amount_the_file_states(ledger: Ledger, clock: FixedClock,
                                                                         tmp_path: Path) -> None:
    """The same amount booked 0.00 as the difference; the file raised by 1.00 is compared as 1001.00, the
    amount a bookkeeper reads on it, against the 1000.00 the ledger holds for it."""
    _with_correction(ledger, clock, tmp_path, "1000.00")
    again = run_import(ledger, clock, _ubl(tmp_path, "c.xml", "1001.00", corrected=True))
    assert (again.summary.created, again.summary.unchanged) == (0, 1)
    assert _differs(again) == ["already in the ledger and differs (amount 1001.00 EUR in the file, 1000.00 EUR in the "
                               "ledger (UBL/10/2026 1000.00 plus 0.00 booked for this correction)): not overwritten"]
    same = run_import(ledger, clock, _ubl(tmp_path, "c.xml", "1000.00", corrected=True))
    assert (same.summary.unchanged, _differs(same)) == (1, [])


def test_a_corrected_invoice_crossing_its_original_amount_is_not_booked_again(ledger: Ledger, clock: FixedClock,
                                                                              tmp_path: Path) -> None:
    """999.50 booked a credit note of 0.50; the file now says 1000.50, which would book an invoice of 0.50."""
    _with_correction(ledger, clock, tmp_path, "999.50")
    assert documents(ledger)["CN UBL/11/2026"].gross == Decimal("-0.50")
    again = run_import(ledger, clock, _ubl(tmp_path, "c.xml", "1000.50", corrected=True))
    assert (again.summary.created, again.summary.unchanged) == (0, 1)
    assert set(documents(ledger)) == {"UBL/10/2026", "CN UBL/11/2026"}
    assert _differs(again) == ["already in the ledger and differs (amount 1000.50 EUR in the file, 999.50 EUR in the "
                               "ledger (UBL/10/2026 1000.00 less 0.50 booked for this correction)): not overwritten"]


def test_a_corrected_invoice_falling_below_its_original_is_not_booked_again(ledger: Ledger, clock: FixedClock,
                                                                            tmp_path: Path) -> None:
    _with_correction(ledger, clock, tmp_path, "1250.00")
    again = run_import(ledger, clock, _ubl(tmp_path, "c.xml", "800.00", corrected=True))
    assert (again.summary.created, set(documents(ledger))) == (0, {"UBL/10/2026", "UBL/11/2026"})
    assert documents(ledger)["UBL/10/2026"].paid == 0
    assert _differs(again) == ["already in the ledger and differs (amount 800.00 EUR in the file, 1250.00 EUR in the "
                               "ledger (UBL/10/2026 1000.00 plus 250.00 booked for this correction)): not overwritten"]
