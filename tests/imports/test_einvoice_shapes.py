"""E-invoice shapes from other programs: KSeF settlements and cash payments, UBL corrected invoices and type codes,
Peppol envelopes, UTF-16/UTF-32 XML, ISDOCX packages, PDFs and CII files that Collector does not read."""

from __future__ import annotations

import codecs
import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.invoice_imports import DATA, documents, make_firm, run_import

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.imports import isdoc, ksef, ubl
from collector_app.imports.detect import detect_format
from collector_app.imports.einvoice import CollectiveCorrection, CorrectedInvoice
from collector_app.services.context import Ctx
from collector_app.services.contractors import ContractorData, add_contractor

SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
UBL_TYPE = "<ns2:InvoiceTypeCode>380</ns2:InvoiceTypeCode>"
UBL_CURRENCY = "<ns2:DocumentCurrencyCode>EUR</ns2:DocumentCurrencyCode>"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _warnings(result: object) -> list[str]:
    return [w["text"] for w in result.summary.warnings]  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------- KSeF


def _ksef(tmp_path: Path, rozliczenie: str = "", platnosc: str | None = None) -> Path:
    text = _text("ksef_fa3_invoice.xml").replace("    <Platnosc>", rozliczenie + "    <Platnosc>", 1)
    if platnosc is not None:
        start, end = text.index("    <Platnosc>"), text.index("</Platnosc>") + len("</Platnosc>")
        text = text[:start] + platnosc + text[end:]
    return _write(tmp_path / "k.xml", text)


@pytest.mark.parametrize("block", [
    "<Rozliczenie><DoRozliczenia>0</DoRozliczenia></Rozliczenie>",
    "<Rozliczenie><SumaObciazen>0.00</SumaObciazen><SumaOdliczen>0.00</SumaOdliczen>"
    "<DoRozliczenia>0.00</DoRozliczenia></Rozliczenie>",
])
def test_ksef_zero_do_rozliczenia_leaves_p15_payable(tmp_path: Path, block: str) -> None:
    """Nothing overpaid is no reason to pay nothing: the Ministry's own app writes DoRozliczenia 0 by default."""
    [rec] = ksef.read(_ksef(tmp_path, block), "k.xml")
    assert (rec.kind, rec.gross, rec.notes) == ("invoice", Decimal(1230), [])


def test_ksef_zero_do_zaplaty_without_deductions_is_taken_as_not_filled_in(tmp_path: Path) -> None:
    [rec] = ksef.read(_ksef(tmp_path, "<Rozliczenie><DoZaplaty>0.00</DoZaplaty></Rozliczenie>"), "k.xml")
    assert (rec.kind, rec.gross) == ("invoice", Decimal(1230))
    assert rec.notes == ["Rozliczenie/DoZaplaty is 0.00 with no charges or deductions: taken as not filled in; "
                         "P_15 (1230.00 PLN) is the amount payable"]


def test_ksef_positive_do_rozliczenia_is_still_an_overpayment(tmp_path: Path) -> None:
    block = ("<Rozliczenie><Odliczenia><Kwota>1300.00</Kwota><Powod>Zaliczka</Powod></Odliczenia>"
             "<SumaOdliczen>1300.00</SumaOdliczen><DoRozliczenia>70.00</DoRozliczenia></Rozliczenie>")
    [rec] = ksef.read(_ksef(tmp_path, block), "k.xml")
    assert (rec.kind, rec.gross) == ("credit_note", Decimal(70))


def test_ksef_deductions_without_a_total_are_taken_off_p15(tmp_path: Path) -> None:
    block = ("<Rozliczenie><Obciazenia><Kwota>20.00</Kwota><Powod>Kaucja</Powod></Obciazenia>"
             "<Odliczenia><Kwota>250.00</Kwota><Powod>Zaliczka</Powod></Odliczenia></Rozliczenie>")
    [rec] = ksef.read(_ksef(tmp_path, block), "k.xml")
    assert (rec.kind, rec.gross) == ("invoice", Decimal(1000))
    assert "P_15 1230.00 plus charges 20.00 less deductions 250.00 PLN" in rec.notes[0]


def test_ksef_zero_do_rozliczenia_invoice_is_imported_open(ledger: Ledger, clock: FixedClock,
                                                           tmp_path: Path) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, _ksef(tmp_path, "<Rozliczenie><DoRozliczenia>0</DoRozliczenia></Rozliczenie>"))
    inv = documents(ledger)["FA/3/2026"]
    assert (inv.gross, inv.paid) == (Decimal(1230), Decimal(0))


def test_ksef_paid_in_cash_says_so_and_how_to_settle_it(tmp_path: Path) -> None:
    paid = ("    <Platnosc><Zaplacono>1</Zaplacono><DataZaplaty>2026-03-04</DataZaplaty>"
            "<FormaPlatnosci>1</FormaPlatnosci></Platnosc>")
    [rec] = ksef.read(_ksef(tmp_path, platnosc=paid), "k.xml")
    assert rec.gross == Decimal(1230)
    assert rec.notes == ["marked paid on 2026-03-04 in cash in the file; not booked as a payment: imported open, and "
                         "no bank statement will show this payment: settle it by hand (collector payment add … "
                         "--invoice NUMBER) or it will be reminded"]


def test_ksef_cash_on_delivery_is_named_from_its_description(tmp_path: Path) -> None:
    paid = ("    <Platnosc><Zaplacono>1</Zaplacono><DataZaplaty>2026-03-04</DataZaplaty>"
            "<PlatnoscInna>1</PlatnoscInna><OpisPlatnosci>Pobranie kurier</OpisPlatnosci></Platnosc>")
    [rec] = ksef.read(_ksef(tmp_path, platnosc=paid), "k.xml")
    assert rec.notes[0].startswith("marked paid on 2026-03-04 (Pobranie kurier) in the file; not booked as a "
                                   "payment: imported open, and no bank statement will show this payment")


def test_ksef_paid_by_transfer_waits_for_the_statement(tmp_path: Path) -> None:
    paid = ("    <Platnosc><Zaplacono>1</Zaplacono><DataZaplaty>2026-03-04</DataZaplaty>"
            "<FormaPlatnosci>6</FormaPlatnosci></Platnosc>")
    [rec] = ksef.read(_ksef(tmp_path, platnosc=paid), "k.xml")
    assert rec.notes == ["marked paid on 2026-03-04 by bank transfer in the file; not booked as a payment: imported "
                         "open until the bank statement's payment is matched to it"]


def test_ksef_collective_correction_gets_one_warning(ledger: Ledger, clock: FixedClock) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, DATA / "ksef_fa2_collective_correction.xml")
    about = [w for w in _warnings(result) if "correct" in w]
    assert about == ["corrects 3 invoices (FA/3/2026, FA/19/2026, FA/33/2026): a collective correction is not linked "
                     "to any one of them: kept as the contractor's credit"]


def test_ksef_correction_naming_one_invoice_twice_is_linked_to_it(tmp_path: Path) -> None:
    text = _text("ksef_fa2_collective_correction.xml")
    for number in ("FA/19/2026", "FA/33/2026"):
        text = text.replace(f">{number}<", ">FA/3/2026<")
    [rec] = ksef.read(_write(tmp_path / "k.xml", text), "k.xml")
    assert (rec.corrects, type(rec)) == ("FA/3/2026", ksef.InvoiceRecord)


# ---------------------------------------------------------------------------------------------- UBL


def _ubl(tmp_path: Path, name: str = "u.xml", **changes: str) -> Path:
    """ubl_invoice.xml (UBL/10/2026, 1,000.00 EUR payable) with its type code, number, references and amount set."""
    text = _text("ubl_invoice.xml")
    if "type_code" in changes:
        text = text.replace(UBL_TYPE, changes["type_code"])
    if "number" in changes:
        text = text.replace("<ns2:ID>UBL/10/2026</ns2:ID>", f"<ns2:ID>{changes['number']}</ns2:ID>")
    if "references" in changes:
        refs = "".join(f"<ns1:BillingReference><ns1:InvoiceDocumentReference><ns2:ID>{r}</ns2:ID>"
                       "</ns1:InvoiceDocumentReference></ns1:BillingReference>" for r in changes["references"].split())
        text = text.replace(UBL_CURRENCY, UBL_CURRENCY + refs)
    if "payable" in changes:
        text = text.replace('<ns2:PayableAmount currencyID="EUR">1000.00<',
                            f'<ns2:PayableAmount currencyID="EUR">{changes["payable"]}<')
    if "terms" in changes:
        text = text.replace("<ns2:Note>Payment within 30 days</ns2:Note>", changes["terms"])
    return _write(tmp_path / name, text)


def _corrected(tmp_path: Path, payable: str) -> Path:
    return _ubl(tmp_path, "c.xml", type_code="<ns2:InvoiceTypeCode>384</ns2:InvoiceTypeCode>",
                number="UBL/11/2026", references="UBL/10/2026", payable=payable)


def test_ubl_corrected_invoice_names_the_invoice_it_replaces(tmp_path: Path) -> None:
    [rec] = ubl.read(_corrected(tmp_path, "800.00"), "c.xml")
    assert isinstance(rec, CorrectedInvoice)
    assert (rec.kind, rec.gross, rec.corrects) == ("invoice", Decimal(800), "UBL/10/2026")


def test_ubl_corrected_invoice_for_less_credits_the_difference(ledger: Ledger, clock: FixedClock,
                                                               tmp_path: Path) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, _ubl(tmp_path))
    result = run_import(ledger, clock, _corrected(tmp_path, "800.00"))
    docs = documents(ledger)
    original, credit = docs["UBL/10/2026"], docs["CN UBL/11/2026"]
    assert (original.gross, original.paid) == (Decimal(1000), Decimal(200))  # owed now: the corrected 800.00
    assert (credit.gross, credit.corrects_invoice_id) == (Decimal(-200), original.id)
    assert "UBL/11/2026" not in docs
    assert ("a corrected invoice (type 384) replacing UBL/10/2026 (1000.00 EUR) for 800.00 EUR: booked as a credit "
            "note of 200.00 EUR offset against UBL/10/2026, which stays the invoice to collect") in _warnings(result)
    again = run_import(ledger, clock, _corrected(tmp_path, "800.00"))
    assert (again.summary.created, again.summary.unchanged) == (0, 1)
    assert documents(ledger)["UBL/10/2026"].paid == Decimal(200)


def test_ubl_corrected_invoice_for_more_adds_the_difference(ledger: Ledger, clock: FixedClock,
                                                            tmp_path: Path) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, _ubl(tmp_path))
    result = run_import(ledger, clock, _corrected(tmp_path, "1250.00"))
    docs = documents(ledger)
    original, extra = docs["UBL/10/2026"], docs["UBL/11/2026"]
    assert (original.gross, original.paid) == (Decimal(1000), Decimal(0))
    assert (extra.gross, extra.corrects_invoice_id, extra.corrects_number) == (Decimal(250), original.id,
                                                                              "UBL/10/2026")
    assert any("booked as an invoice of the difference, 250.00 EUR" in w for w in _warnings(result))
    again = run_import(ledger, clock, _corrected(tmp_path, "1250.00"))
    assert (again.summary.created, again.summary.unchanged) == (0, 1)


def test_ubl_corrected_invoice_for_the_same_amount_is_recorded_settled(ledger: Ledger, clock: FixedClock,
                                                                       tmp_path: Path) -> None:
    make_firm(ledger, clock)
    run_import(ledger, clock, _ubl(tmp_path))
    result = run_import(ledger, clock, _corrected(tmp_path, "1000.00"))
    docs = documents(ledger)
    assert (docs["UBL/11/2026"].gross, docs["UBL/10/2026"].gross - docs["UBL/10/2026"].paid) == (0, 1000)
    assert any("the same amount, recorded as settled (0.00); UBL/10/2026 stays the invoice to collect" in w
               for w in _warnings(result))


def test_ubl_corrected_invoice_without_its_original_is_imported_in_full_with_a_warning(
        ledger: Ledger, clock: FixedClock, tmp_path: Path) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, _corrected(tmp_path, "800.00"))
    assert documents(ledger)["UBL/11/2026"].gross == Decimal(800)
    assert ("a corrected invoice (type 384) replaces invoice UBL/10/2026, which is not in the ledger: imported for "
            "its full amount; if UBL/10/2026 is added later, cancel or credit it, or both are owed"
            ) in _warnings(result)
    run_import(ledger, clock, _ubl(tmp_path))  # the original comes after: the corrected one is no longer re-booked
    again = run_import(ledger, clock, _corrected(tmp_path, "800.00"))
    assert again.summary.unchanged == 1 and "CN UBL/11/2026" not in documents(ledger)
    assert any("which came into the ledger after it: both are owed in full" in w for w in _warnings(again))


def test_ubl_corrected_invoice_of_another_contractor_is_not_linked(ledger: Ledger, clock: FixedClock,
                                                                   tmp_path: Path) -> None:
    make_firm(ledger, clock)
    other = _text("ubl_invoice.xml").replace("PL7740001454", "PL5252344078").replace("Alfa Metale S.A.", "Gamma")
    run_import(ledger, clock, _write(tmp_path / "o.xml", other))
    result = run_import(ledger, clock, _corrected(tmp_path, "800.00"))
    assert documents(ledger)["UBL/11/2026"].gross == Decimal(800)
    assert any("replaces invoice UBL/10/2026 of another contractor" in w for w in _warnings(result))


def test_ubl_invoice_references_are_no_link_unless_it_is_a_correction(tmp_path: Path) -> None:
    [rec] = ubl.read(_ubl(tmp_path, references="UBL/9/2026"), "u.xml")
    assert (type(rec), rec.corrects) == (ubl.InvoiceRecord, None)


def test_ubl_credit_note_naming_several_invoices_is_linked_to_none(tmp_path: Path) -> None:
    second = ("<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>UBL/12/2026</cbc:ID>"
              "</cac:InvoiceDocumentReference></cac:BillingReference>")
    text = _text("ubl_credit_note.xml").replace("</cac:BillingReference>", "</cac:BillingReference>" + second, 1)
    [rec] = ubl.read(_write(tmp_path / "cn.xml", text), "cn.xml")
    assert isinstance(rec, CollectiveCorrection) and rec.corrects is None
    assert rec.notes == ["corrects 2 invoices (UBL/10/2026, UBL/12/2026): a collective correction is not linked to any "
                         "one of them: kept as the contractor's credit"]


@pytest.mark.parametrize(("code", "kind", "said"), [
    ('<ns2:InvoiceTypeCode listURI="http://www.FFF.be/ubl/2.0/cl/gc/BE-InvoiceCode-1.0.gc">381</ns2:InvoiceTypeCode>',
     "invoice", "InvoiceTypeCode 381 of the code list http://www.FFF.be/ubl/2.0/cl/gc/BE-InvoiceCode-1.0.gc (not "
                "UNTDID 1001, where it means a credit note) on an Invoice with a positive amount payable: imported as "
                "an invoice"),
    ('<ns2:InvoiceTypeCode listAgencyID="6" listID="UNCL1001">381</ns2:InvoiceTypeCode>', "credit_note",
     "InvoiceTypeCode 381 (a credit note in UNTDID 1001) on an Invoice document with a positive amount payable: "
     "imported as a credit note (EN 16931 would send it as a CreditNote)"),
    ("<ns2:InvoiceTypeCode>381</ns2:InvoiceTypeCode>", "credit_note", "InvoiceTypeCode 381 (a credit note"),
])
def test_ubl_credit_type_code_on_an_invoice_follows_its_code_list(tmp_path: Path, code: str, kind: str,
                                                                  said: str) -> None:
    [rec] = ubl.read(_ubl(tmp_path, type_code=code), "u.xml")
    assert (rec.kind, rec.gross) == (kind, Decimal(1000))
    assert rec.notes[0].startswith(said)


def test_ubl_negative_invoice_with_a_foreign_381_is_still_a_credit_note(tmp_path: Path) -> None:
    code = '<ns2:InvoiceTypeCode listURI="http://www.FFF.be/cl/BE-InvoiceCode">381</ns2:InvoiceTypeCode>'
    [rec] = ubl.read(_ubl(tmp_path, type_code=code, payable="-40.00"), "u.xml")
    assert (rec.kind, rec.gross) == ("credit_note", Decimal(-40))


# ---------------------------------------------------------------------------------------------- due dates


def test_einvoice_without_due_date_or_terms_says_the_firms_terms_were_used(ledger: Ledger, clock: FixedClock,
                                                                          tmp_path: Path) -> None:
    make_firm(ledger, clock, terms=21)
    result = run_import(ledger, clock, _ubl(tmp_path, terms=""))
    assert documents(ledger)["UBL/10/2026"].due_date == dt.date(2026, 3, 23)
    assert "no due date or payment terms in the file: due in 21 days (the firm's payment terms)" in _warnings(result)


def test_einvoice_without_due_date_uses_the_contractors_terms_and_says_so(ledger: Ledger, clock: FixedClock,
                                                                        tmp_path: Path) -> None:
    make_firm(ledger, clock)
    with ledger.transaction() as s:
        add_contractor(Ctx(s, clock, "tester"), ContractorData(name="Alfa Metale S.A.", tax_id="PL7740001454",
                                                               country="PL", payment_terms_days=45))
    result = run_import(ledger, clock, _ubl(tmp_path, terms=""))
    assert documents(ledger)["UBL/10/2026"].due_date == dt.date(2026, 4, 16)
    assert "no due date or payment terms in the file: due in 45 days (the contractor's payment terms)" in \
        _warnings(result)


def test_einvoice_with_payment_terms_says_nothing_about_due_dates(ledger: Ledger, clock: FixedClock,
                                                                 tmp_path: Path) -> None:
    make_firm(ledger, clock)
    result = run_import(ledger, clock, _ubl(tmp_path))
    assert not any("no due date" in w for w in _warnings(result))


# ---------------------------------------------------------------------------------------------- envelopes, encodings


def _enveloped(tmp_path: Path, inner: str) -> Path:
    body = inner.split("?>", 1)[1] if inner.startswith("<?xml") else inner
    return _write(tmp_path / "sbd.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<sh:StandardBusinessDocument '
                  f'xmlns:sh="{SBDH}">\n  <sh:StandardBusinessDocumentHeader><sh:HeaderVersion>1.0</sh:HeaderVersion>'
                  f"<sh:DocumentIdentification><sh:Type>CreditNote</sh:Type></sh:DocumentIdentification>"
                  f"</sh:StandardBusinessDocumentHeader>{body}</sh:StandardBusinessDocument>\n")


def test_peppol_envelope_is_opened(tmp_path: Path) -> None:
    path = _enveloped(tmp_path, _text("ubl_credit_note.xml"))
    assert detect_format(path, "sbd.xml") == "ubl"
    [rec] = ubl.read(path, "sbd.xml")
    assert (rec.kind, rec.number, rec.gross, rec.corrects) == ("credit_note", "UBL-CN/1/2026", Decimal(150),
                                                                "UBL/10/2026")


def test_peppol_envelope_errors_name_the_path_through_it(tmp_path: Path) -> None:
    inner = _text("ubl_credit_note.xml").replace('<cbc:PayableAmount currencyID="EUR">150.00</cbc:PayableAmount>', "")
    with pytest.raises(UserError, match=r"^sbd\.xml: /sh:StandardBusinessDocument/CreditNote/cac:LegalMonetaryTotal/"
                                        r"cbc:PayableAmount: missing$"):
        list(ubl.read(_enveloped(tmp_path, inner), "sbd.xml"))


def test_empty_peppol_envelope_says_so(tmp_path: Path) -> None:
    path = _enveloped(tmp_path, "")
    for run in (lambda: detect_format(path, "sbd.xml"), lambda: list(ubl.read(path, "sbd.xml"))):
        with pytest.raises(UserError, match=r"^sbd\.xml: /sh:StandardBusinessDocument: a Peppol envelope \(SBDH\) "
                                            "with no document after its header"):
            run()


@pytest.mark.parametrize(("encoding", "bom", "declared"), [
    ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16"), ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16"),
    ("utf-16-le", b"", "UTF-16"), ("utf-16-be", b"", None), ("utf-32-le", codecs.BOM_UTF32_LE, "UTF-32"),
    ("utf-32-be", b"", "UTF-32"), ("utf-32-le", b"", None),
])
def test_utf16_and_utf32_xml_is_told_and_read(tmp_path: Path, encoding: str, bom: bytes,
                                              declared: str | None) -> None:
    text = _text("ubl_invoice.xml").replace("Alfa Metale S.A.", "Alfa Metale Zakłady S.A.")
    text = text.replace('encoding="UTF-8"', f'encoding="{declared}"') if declared else text.split("?>", 1)[1].lstrip()
    path = tmp_path / "w.xml"
    path.write_bytes(bom + text.encode(encoding))
    assert detect_format(path, "w.xml") == "ubl"
    [rec] = ubl.read(path, "w.xml")
    assert (rec.number, rec.gross, rec.buyer.name) == ("UBL/10/2026", Decimal(1000), "Alfa Metale Zakłady S.A.")


def test_utf16_xml_errors_keep_their_line(tmp_path: Path) -> None:
    text = _text("ubl_invoice.xml").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    broken = text.replace("</ns1:Party>\n  </ns1:AccountingCustomerParty>", "</ns1:Party>\n  </ns1:CustomerX>")
    line = broken[:broken.index("</ns1:CustomerX>")].count("\n") + 1
    path = tmp_path / "w.xml"
    path.write_bytes(codecs.BOM_UTF16_BE + broken.encode("utf-16-be"))
    with pytest.raises(UserError, match=rf"^w\.xml: line {line}, column 5: not well-formed XML \(mismatched tag\)$"):
        list(ubl.read(path, "w.xml"))


def test_utf16_csv_stays_a_csv() -> None:
    assert detect_format(DATA / "utf16_le_bom.csv", "u.csv") == "csv"


# ---------------------------------------------------------------------------------------------- other containers


def test_pdf_is_refused_with_what_to_export_instead(tmp_path: Path) -> None:
    path = tmp_path / "factur-x.pdf"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /EmbeddedFile /Subtype /text#2Fxml>> stream\n"
                     b"<rsm:CrossIndustryInvoice/>\nendstream endobj\n%%EOF\n")
    for run in (lambda: detect_format(path, "f.pdf"), lambda: list(ubl.read(path, "f.pdf"))):
        with pytest.raises(UserError, match=r"^f\.pdf: is a PDF: Collector does not read PDF invoices \(nor the XML a "
                                            r"ZUGFeRD/Factur-X PDF carries\): export the invoices from your program as "
                                            r"UBL"):
            run()


def test_cii_invoice_is_named_in_words_a_bookkeeper_knows(tmp_path: Path) -> None:
    path = _write(tmp_path / "cii.xml", '<?xml version="1.0"?>\n<rsm:CrossIndustryInvoice xmlns:rsm='
                  '"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"><rsm:ExchangedDocument/>'
                  "</rsm:CrossIndustryInvoice>\n")
    with pytest.raises(UserError, match=r"^cii\.xml: /rsm:CrossIndustryInvoice: is a UN/CEFACT CII invoice \(the XML "
                                        r"of ZUGFeRD, Factur-X and XRechnung CII\), which Collector does not read: "
                                        r"export the invoices as UBL"):
        detect_format(path, "cii.xml")


def _isdocx(tmp_path: Path, *, manifest: bool = True, document: str = "FV-2026-0042.isdoc",
            text: str | None = None) -> Path:
    path = tmp_path / "f.isdocx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        if manifest:
            package.writestr("manifest.xml", '<?xml version="1.0" encoding="utf-8"?><manifest xmlns="http://isdoc.cz/'
                             f'namespace/2013/manifest"><maindocument filename="{document}"/></manifest>')
        package.writestr(document, text if text is not None else _text("isdoc_invoice.isdoc"))
        package.writestr("FV-2026-0042.pdf", b"%PDF-1.4\n%%EOF\n")
    return path


@pytest.mark.parametrize("manifest", [True, False])
def test_isdocx_package_is_read_from_its_main_document(tmp_path: Path, manifest: bool) -> None:
    path = _isdocx(tmp_path, manifest=manifest)
    assert detect_format(path, "f.isdocx") == "isdoc"
    [rec] = isdoc.read(path, "f.isdocx")
    assert (rec.number, rec.currency) == ("FV-2026-0042", "CZK")


def test_isdocx_errors_name_the_package_and_the_document(tmp_path: Path) -> None:
    path = _isdocx(tmp_path, text=_text("isdoc_invoice.isdoc").replace("<ID>FV-2026-0042</ID>", ""))
    with pytest.raises(UserError, match=r"^f\.isdocx: FV-2026-0042\.isdoc: /Invoice/ID: missing$"):
        list(isdoc.read(path, "f.isdocx"))


def test_isdocx_document_too_large_is_not_unpacked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isdoc, "MAX_PACKED_DOCUMENT", 1 << 20)
    bomb = _isdocx(tmp_path, text=" " * (3 << 20))  # 3 MB of spaces: a few kilobytes packed
    assert bomb.stat().st_size < 50_000
    with pytest.raises(UserError, match=r"^f\.isdocx: FV-2026-0042\.isdoc: unpacks to more than 1 MB, far more than "
                                        r"an invoice: not unpacked"):
        list(isdoc.read(bomb, "f.isdocx"))


def test_zip_of_something_else_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "invoices.zip"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("a.xml", _text("ubl_invoice.xml"))
    with pytest.raises(UserError, match=r"^i\.zip: is a ZIP archive, neither an XLSX workbook nor an ISDOCX package "
                                        r"\(it holds a\.xml\): unzip it and import the invoice file inside$"):
        detect_format(path, "i.zip")
