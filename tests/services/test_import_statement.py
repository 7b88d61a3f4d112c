"""Statement imports end to end: payments created once, matched, skipped entries counted, errors located."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.samples import needs_samples
from helpers.statements import BETA_IBAN, DATA, SAMPLES, statement_ledger
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from collector_app.db.models import Allocation, ContractorAccount, Event, ImportBatch, Invoice, Payment
from collector_app.domain.errors import UserError
from collector_app.services import import_batches
from collector_app.services.context import Ctx
from collector_app.services.import_statement import StatementResult, detect_format, import_statement

D = Decimal
PL_MT940 = DATA / "pl_two_statements_iso-8859-2.sta"


def paid(ctx: Ctx, number: str) -> Decimal:
    ctx.session.flush()
    return ctx.session.scalar(select(Invoice.paid).where(Invoice.number == number)) or D(0)


def bank_payments(ctx: Ctx) -> list[Payment]:
    ctx.session.flush()
    return list(ctx.session.scalars(select(Payment).where(Payment.source == "bank").order_by(Payment.id)))


def reasons(result: StatementResult) -> list[str]:
    return [s["reason"] for s in result.summary.skipped]


def test_polish_mt940_two_statements(ctx: Ctx) -> None:
    ledger = statement_ledger(ctx)
    result = import_statement(ctx, PL_MT940)
    s = result.summary
    assert (s.format, s.payments, s.matched, s.unmatched) == ("mt940", 6, 3, 3)
    assert sorted(reasons(result)) == ["debit", "reversal"]
    assert s.warnings == [{"ref": "line 24", "text": "statement MT940-260317-1 has no closing balance (:62F:); "
                                                     "its entries were imported as they are"}]
    assert result.matched_by == {"title": 3}
    assert (paid(ctx, "FV/1/2026"), paid(ctx, "FV/3/2026")) == (D("1000.00"), D("300.00"))
    assert (paid(ctx, "FV/7/2026"), paid(ctx, "FV/8/2026")) == (D("150.00"), D("200.00"))
    pays = {p.title: p for p in bank_payments(ctx)}
    assert pays["FV/7/2026, FV/8/20 26"].amount - pays["FV/7/2026, FV/8/20 26"].allocated == D("50.00")
    assert pays["FV/7/2026, FV/8/20 26"].payer_name == "ŻUK I SYNOWIE"
    assert pays["Zapłata za fakturę FV/1/2026"].payer_name.startswith("OMEGA HANDEL SPÓŁKA Z OGRANICZONĄ")
    assert pays["ZA USŁUGI"].payer_account == "PL49102028920000550201548283"
    learned = ctx.session.scalars(select(ContractorAccount.account).where(
        ContractorAccount.contractor_id == ledger.beta.id)).all()
    assert BETA_IBAN in learned  # learned from the payment matched by its title


def test_two_identical_transfers_stay_two_and_reimport_changes_nothing(ctx: Ctx) -> None:
    statement_ledger(ctx)
    import_statement(ctx, PL_MT940)
    twins = [p for p in bank_payments(ctx) if p.title == "DAROWIZNA"]
    assert len(twins) == 2 and twins[0].bank_txn_id != twins[1].bank_txn_id
    before = (len(bank_payments(ctx)), ctx.session.scalar(select(func.count()).select_from(Event)),
              ctx.session.scalar(select(func.count()).select_from(ImportBatch)))
    again = import_statement(ctx, PL_MT940)
    assert (again.summary.payments, again.summary.matched, again.batch_id) == (0, 0, None)
    assert reasons(again).count("already imported") == 6
    after = (len(bank_payments(ctx)), ctx.session.scalar(select(func.count()).select_from(Event)),
             ctx.session.scalar(select(func.count()).select_from(ImportBatch)))
    assert after == before


def test_the_same_statement_in_cp1250_with_an_envelope_is_the_same_statement(ctx: Ctx) -> None:
    statement_ledger(ctx)
    first = import_statement(ctx, DATA / "pl_envelope_cp1250.sta")
    assert (first.summary.payments, first.summary.matched) == (4, 2)
    again = import_statement(ctx, PL_MT940)  # its first statement is the same four entries
    assert again.summary.payments == 2
    assert reasons(again).count("already imported") == 4


def test_camt_v02_batch_entry_gives_one_payment_per_transaction(ctx: Ctx) -> None:
    statement_ledger(ctx)
    result = import_statement(ctx, DATA / "camt053_v02_batch_reversal.xml")
    assert (result.summary.format, result.summary.payments, result.summary.matched) == ("camt053", 3, 3)
    assert sorted(reasons(result)) == ["debit", "not booked (status PDNG)", "reversal"]
    assert paid(ctx, "FV/3/2026") == D("300.00")
    assert paid(ctx, "FV/2/2026") == D("250.50")
    refs = sorted(p.bank_txn_id or "" for p in bank_payments(ctx))
    assert refs == ["BANK-02-1", "BANK-02-2/1", "BANK-02-2/2"]


def test_camt_v04_prefixes_reference_and_variable_symbol(ctx: Ctx) -> None:
    statement_ledger(ctx)
    result = import_statement(ctx, DATA / "camt053_v04_prefixed.xml")
    assert result.matched_by == {"reference": 1, "variable-symbol": 1}
    assert paid(ctx, "FV/3/2026") == D("300.00")
    assert paid(ctx, "FA-2026-0007") == D("1500.00")


def test_camt_v08_known_account_and_identical_transfers(ctx: Ctx) -> None:
    statement_ledger(ctx)
    result = import_statement(ctx, DATA / "camt053_v08_duplicates.xml")
    assert (result.summary.payments, result.summary.matched, result.summary.unmatched) == (4, 1, 3)
    assert result.matched_by == {"payer-account": 1}
    assert paid(ctx, "FV/2/2026") == D("250.50")
    assert len([p for p in bank_payments(ctx) if p.title == "Darowizna"]) == 2
    assert import_statement(ctx, DATA / "camt053_v08_duplicates.xml").summary.payments == 0


@pytest.mark.parametrize(("sample", "fmt", "payments", "skipped", "warnings"), [
    ("mt940/mbank_IPH_iso-8859-2.sta", "mt940", 23, ["debit"], 1),
    ("camt053/oca_camt053.001.02_NL77ABNA0574908765.xml", "camt053", 1, ["debit", "reversal", "reversal"], 0),
    ("camt053/dolibarr_camt053.001.02_invoice-refs_EUR.xml", "camt053", 2, ["debit"], 0),
])
@needs_samples
def test_shared_samples(ctx: Ctx, sample: str, fmt: str, payments: int, skipped: list[str], warnings: int) -> None:
    path = SAMPLES / sample
    assert detect_format(path) == fmt
    result = import_statement(ctx, path)
    assert (result.summary.format, result.summary.payments) == (fmt, payments)
    assert sorted(reasons(result)) == skipped
    assert len(result.summary.warnings) == warnings
    assert result.summary.unmatched == payments  # an empty ledger: all wait for review


@needs_samples
def test_sample_invoice_numbers_are_matched_when_the_ledger_has_them(ctx: Ctx) -> None:
    from helpers.ledger import contractor, invoice

    c = contractor(ctx, "ACME Corporation")
    invoice(ctx, c, "INV-2024-001", "1500.00", __import__("datetime").date(2024, 1, 31), currency="EUR")
    result = import_statement(ctx, SAMPLES / "camt053/dolibarr_camt053.001.02_invoice-refs_EUR.xml")
    assert result.matched_by == {"title": 1}
    assert paid(ctx, "INV-2024-001") == D("1500.00")


def test_timeline_names_the_file_and_batch_and_undo_takes_it_back(ctx: Ctx) -> None:
    statement_ledger(ctx)
    result = import_statement(ctx, PL_MT940)
    assert result.batch_id is not None
    ctx.session.flush()
    imported = ctx.session.scalars(select(Event.summary).where(Event.action == "payment.added")).all()
    assert len(imported) == 6
    assert all(f"{PL_MT940.name} (import batch {result.batch_id})" in text for text in imported)
    undone = import_batches.undo_batch(ctx, result.batch_id)
    assert (undone.payments, undone.allocations) == (6, 4)
    assert paid(ctx, "FV/1/2026") == D(0)
    assert ctx.session.scalar(select(func.count()).select_from(Allocation)) == 0


def _broken(tmp_path: Path, source: Path, old: str, new: str, encoding: str = "utf-8") -> Path:
    text = source.read_bytes().decode(encoding)
    assert old in text
    target = tmp_path / source.name
    target.write_bytes(text.replace(old, new, 1).encode(encoding))
    return target


@pytest.mark.parametrize(("source", "old", "new", "expected"), [
    (PL_MT940, "CN1000,00NTRF", "CN1000,0XNTRF", "line 6: 61: \"1000,0\" is followed by \"XNTR\""),
    (PL_MT940, "CN1000,00NTRF", "CN1000,001NTRF", "line 6: 61: \"1000,001\" has more than 2 decimal places"),
    (PL_MT940, ":61:2603160316CN300", ":61:26031X0316CN300", "line 11: 61: "),
    (PL_MT940, ":60F:C260313PLN", ":60F:C260313QQQ", "line 5: 60F: \"QQQ\" is not an ISO 4217"),
    (PL_MT940, ":60F:C260313PLN12500,00\r\n", "", "line 5: 61: the statement has no opening balance"),
    (PL_MT940, "\x01\r\n:20:MT940-260316-1", "Numer;Kwota\r\n:20:X", "line 1: \"Numer;Kwota\" is not MT940"),
    (DATA / "camt053_v02_batch_reversal.xml", '<Amt Ccy="PLN">1000.00</Amt>', '<Amt Ccy="PLN">1 000,0x</Amt>',
     "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt: \"1 000,0x\" is not an amount"),
    (DATA / "camt053_v04_prefixed.xml", '<ns0:Amt Ccy="PLN">300.00</ns0:Amt><ns0:CdtDbtInd>', '<ns0:CdtDbtInd>',
     "/ns0:Document/ns0:BkToCstmrStmt/ns0:Stmt[1]/ns0:Ntry[1]/ns0:Amt: missing"),
    (DATA / "camt053_v02_batch_reversal.xml", "1000.00</Amt><CdtDbtInd>CRDT<", "1000.00</Amt><CdtDbtInd>CREDIT<",
     "Ntry[1]/CdtDbtInd: \"CREDIT\" is not CRDT or DBIT"),
    (DATA / "camt053_v02_batch_reversal.xml", "camt.053.001.02", "camt.052.001.02", "not a camt.053 statement: export"),
    (DATA / "camt053_v02_batch_reversal.xml", "<BookgDt><Dt>2026-03-16</Dt>", "<BookgDt><Dt>16/03/2026x</Dt>",
     "Ntry[1]/BookgDt/Dt: \"16/03/2026x\" is not a date"),
    (DATA / "camt053_v02_batch_reversal.xml", "</Document>", "", "not well-formed XML"),
    (DATA / "camt053_v02_batch_reversal.xml", "Zaplata FV/1/2026", "Zapłata FV/1/2026", "not well-formed XML"),
])
def test_broken_inputs_name_the_file_and_the_place(ctx: Ctx, tmp_path: Path, source: Path, old: str, new: str,
                                                   expected: str) -> None:
    encoding = "iso-8859-2" if source.suffix == ".sta" else "utf-8"
    target = _broken(tmp_path, source, old, new, encoding)
    if "Zapłata" in new:  # a UTF-8 file that carries cp1250 bytes
        target.write_bytes(target.read_bytes().replace("Zapłata".encode(), "Zapłata".encode("cp1250")))
    with pytest.raises(UserError) as info:
        import_statement(ctx, target)
    message = str(info.value)
    assert message.startswith(f"{target.name}: "), message
    assert expected in message, message


@pytest.mark.parametrize("name", ["xxe.xml", "entity_bomb.xml"])
def test_xml_with_entities_is_refused(ctx: Ctx, tmp_path: Path, name: str) -> None:
    with pytest.raises(UserError) as info:
        import_statement(ctx, DATA / name)
    assert "refused" in str(info.value) and name in str(info.value)


def test_a_file_that_is_neither_format_asks_for_one(ctx: Ctx, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        import_statement(ctx, path)
    assert info.value.field == "format"


def test_a_batch_whose_transactions_do_not_add_up_stays_one_payment(ctx: Ctx, tmp_path: Path) -> None:
    target = _broken(tmp_path, DATA / "camt053_v02_batch_reversal.xml",
                     '<TxAmt><Amt Ccy="PLN">250.50</Amt>', '<TxAmt><Amt Ccy="PLN">250.00</Amt>')
    result = import_statement(ctx, target)
    assert result.summary.payments == 2
    assert any("do not add up" in w["text"] for w in result.summary.warnings)
    assert D("550.50") in [p.amount for p in bank_payments(ctx)]


FUZZ_SOURCES = [PL_MT940, DATA / "camt053_v02_batch_reversal.xml", DATA / "camt053_v08_duplicates.xml"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=st.sampled_from(FUZZ_SOURCES), data=st.data())
def test_mutated_files_raise_only_user_errors(ctx: Ctx, tmp_path: Path, source: Path, data: st.DataObject) -> None:
    raw = bytearray(source.read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(["set", "delete", "cut"]))
        if op == "set":
            raw[pos] = data.draw(st.sampled_from(b"0123456789,.:/<>~?-CDRNX \r\n\x01\x03\xa3\xff"))
        elif op == "delete":
            del raw[pos]
        else:
            del raw[pos:]
        if not raw:
            raw = bytearray(b":")
    target = tmp_path / ("fuzz" + source.suffix)
    target.write_bytes(bytes(raw))
    savepoint = ctx.session.begin_nested()
    try:
        import_statement(ctx, target)
    except UserError:
        pass
    finally:
        savepoint.rollback()


def test_dry_run_is_the_callers_rollback(ctx: Ctx, tmp_path: Path) -> None:
    """The service never commits: the CLI rolls back for --dry-run (tests/cli covers that path)."""
    statement_ledger(ctx)
    copy = tmp_path / "copy.sta"
    shutil.copyfile(PL_MT940, copy)
    savepoint = ctx.session.begin_nested()
    import_statement(ctx, copy)
    savepoint.rollback()
    assert bank_payments(ctx) == []


def test_a_bank_reference_twice_in_one_file_is_imported_once_with_a_warning(ctx: Ctx, tmp_path: Path) -> None:
    """The same reference, amount and day twice: one entry written twice (a repeated statement)."""
    once = _broken(tmp_path, DATA / "camt053_v08_duplicates.xml", "BANK-08-4", "BANK-08-3")
    target = _broken(tmp_path, once, '<Amt Ccy="PLN">77.00</Amt>', '<Amt Ccy="PLN">250.50</Amt>')
    result = import_statement(ctx, target)
    assert result.summary.payments == 3
    assert reasons(result) == ["already imported"]
    assert result.summary.warnings[0]["text"] == "bank reference BANK-08-3 appears twice in the file; imported once"


def test_a_reference_a_bank_reuses_for_another_amount_is_another_payment(ctx: Ctx, tmp_path: Path) -> None:
    """Banks reuse references (a batch's, a text cut at 16 characters): an entry of another amount or day under a
    reference seen already, in the file or in the ledger, is a payment of its own; re-importing adds nothing."""
    target = _broken(tmp_path, DATA / "camt053_v08_duplicates.xml", "BANK-08-4", "BANK-08-3")
    result = import_statement(ctx, target)
    assert result.summary.payments == 4 and reasons(result) == []
    assert "bank reference BANK-08-3 is used by another entry of the file too" in result.summary.warnings[0]["text"]
    assert sorted(p.amount for p in bank_payments(ctx) if (p.bank_txn_id or "").startswith("BANK-08-3")) == [
        D("77.00"), D("250.50")]
    assert import_statement(ctx, target).summary.payments == 0
    later = tmp_path / "later" / "next.xml"  # the next day's statement reuses the reference for a new credit
    later.parent.mkdir()
    later.write_bytes(target.read_bytes().replace(b"<Dt>2026-03-16</Dt></BookgDt>", b"<Dt>2026-03-17</Dt></BookgDt>"))
    again = import_statement(ctx, later)
    assert again.summary.payments == 4  # every entry is of another day: all new
    assert any("already in the ledger: imported as a payment of its own" in w["text"] for w in again.summary.warnings)
    assert import_statement(ctx, later).summary.payments == 0


def test_entries_without_a_reference_are_not_imported_twice_from_an_overlapping_download(ctx: Ctx,
                                                                                        tmp_path: Path) -> None:
    """No bank reference: an entry is its content and its count among identical ones in the file, not its place,
    so the same days downloaded again (starting later, so the places shift) add only what is new."""
    def sta(name: str, lines: list[str]) -> Path:
        path = tmp_path / name
        body = "".join(f":61:{line}\n:86:~20{title}\n" for line, title in lines)
        path.write_text(f":20:X\n:25:PL61109010140000071219812874\n:28C:1\n:60F:C260316PLN0,00\n{body}"
                        ":62F:C260317PLN0,00\n", encoding="utf-8")
        return path

    a = ("2603160316CN100,00NTRFNONREF", "Darowizna")
    b = ("2603160316CN55,00NTRFNONREF", "Wplata")
    c = ("2603170317CN20,00NTRFNONREF", "Nowa")
    first = import_statement(ctx, sta("first.sta", [a, b, a]))
    assert first.summary.payments == 3  # two identical transfers stay two
    overlap = import_statement(ctx, sta("overlap.sta", [b, a, c, a]))
    assert overlap.summary.payments == 1 and reasons(overlap) == ["already imported"] * 3
    assert sorted(p.amount for p in bank_payments(ctx)) == [D("20.00"), D("55.00"), D("100.00"), D("100.00")]
    third = import_statement(ctx, sta("third.sta", [a, a, a]))  # a third identical transfer that day is new
    assert third.summary.payments == 1


def test_an_amount_that_merely_fits_teaches_no_account(ctx: Ctx, tmp_path: Path) -> None:
    statement_ledger(ctx)
    path = tmp_path / "fits.sta"
    path.write_text(":20:X\n:25:ACC\n:60F:C260316PLN0,00\n:61:2603160316CN432,10NTRFNONREF//FIT1\n"
                    ":86:~20WPLATA~38PL10105000997603123456789123\n:62F:C260316PLN432,10\n", encoding="utf-8")
    result = import_statement(ctx, path)
    assert result.matched_by == {"unique-amount": 1}
    assert paid(ctx, "FV/9/2026") == D("432.10")
    known = ctx.session.scalars(select(ContractorAccount.account)).all()
    assert "PL10105000997603123456789123" not in known


def test_a_second_payment_of_a_paid_invoice_stays_its_payers_and_never_pays_another_contractors(
        ctx: Ctx, tmp_path: Path) -> None:
    """The same transfer twice for FV/9/2026 (432.10, Beta's): the second names an invoice paid already. Omega's
    FV/11 of exactly 432.10 is the only open invoice of that amount, but it is not the payer's: the money stays
    Beta's credit, in the review list, and the summary says why. A payer's own invoice of that amount takes it."""
    from helpers.ledger import invoice

    ledger = statement_ledger(ctx)
    invoice(ctx, ledger.omega, "FV/11/2026", "432.10", dt.date(2026, 3, 20))
    path = tmp_path / "twice.sta"
    path.write_text(":20:X\n:25:ACC\n:60F:C260316PLN0,00\n"
                    ":61:2603160316CN432,10NTRFNONREF//T1\n:86:~20FV/9/2026\n"
                    ":61:2603160316CN432,10NTRFNONREF//T2\n:86:~20FV/9/2026\n"
                    ":62F:C260316PLN864,20\n", encoding="utf-8")
    result = import_statement(ctx, path)
    assert result.matched_by == {"title": 1} and result.summary.unmatched == 1
    assert paid(ctx, "FV/9/2026") == D("432.10") and paid(ctx, "FV/11/2026") == D("0.00")
    second = bank_payments(ctx)[-1]
    assert second.contractor_id == ledger.beta.id and second.allocated == 0
    assert any("names FV/9/2026, paid already: a second payment?" in w["text"] for w in result.summary.warnings)
    invoice(ctx, ledger.beta, "FV/13/2026", "432.10", dt.date(2026, 3, 25))
    again = tmp_path / "again.sta"
    again.write_text(path.read_text(encoding="utf-8").replace("//T1", "//T3").replace("//T2", "//T4"),
                     encoding="utf-8")
    import_statement(ctx, again)
    assert paid(ctx, "FV/13/2026") == D("432.10") and paid(ctx, "FV/11/2026") == D("0.00")


def test_constant_and_specific_symbols_in_a_title_are_never_invoice_numbers(ctx: Ctx, tmp_path: Path) -> None:
    """ "KS 0308" is the Czech constant symbol for a payment for services, not invoice 308."""
    from helpers.ledger import contractor, invoice

    c = contractor(ctx, "Servis s.r.o.", country="CZ")
    invoice(ctx, c, "308", "4840.00", dt.date(2026, 3, 1), currency="CZK")
    invoice(ctx, c, "17814/2024", "968.00", dt.date(2026, 3, 1), currency="CZK")
    path = tmp_path / "ks.sta"
    path.write_text(":20:X\n:25:ACC\n:60F:C260316CZK0,00\n"
                    ":61:2603160316CN4840,00NTRFNONREF//K1\n:86:?20Zaplaceno VS 178142024 KS 0308 dekujeme\n"
                    ":61:2603160316CN968,00NTRFNONREF//K2\n:86:?20Uhrada faktury 17814/2024 KS 0308\n"
                    ":62F:C260316CZK5808,00\n", encoding="utf-8")
    result = import_statement(ctx, path)
    assert paid(ctx, "308") == D("0.00") and paid(ctx, "17814/2024") == D("968.00")
    assert result.matched_by == {"title": 1}


def _mt940(path: Path, statements: list[tuple[str, list[tuple[str, str]]]]) -> Path:
    """An MT940 file of statements of the given own accounts, each with (field 61, title) entries."""
    text = ""
    for account, lines in statements:
        body = "".join(f":61:{line}\n:86:~20{title}\n" for line, title in lines)
        text += f":20:X\n:25:{account}\n:28C:1\n:60F:C260316PLN0,00\n{body}:62F:C260317PLN0,00\n-\n"
    path.write_text(text, encoding="utf-8")
    return path


MAIN_ACCOUNT, SECOND_ACCOUNT = "PL61109010140000071219812874", "PL27114020040000300201355387"


def test_the_same_reference_amount_and_day_on_two_accounts_of_the_firm_are_two_payments(
        ctx: Ctx, tmp_path: Path) -> None:
    """Banks number references per account: one reference, amount and day on the firm's two accounts are two
    transfers, whether the statements come in one file or in two; importing either again adds nothing."""
    entry = [("2603160316CN100,00NTRF//0000001", "Wplata")]
    both = import_statement(ctx, _mt940(tmp_path / "both.sta", [(MAIN_ACCOUNT, entry), (SECOND_ACCOUNT, entry)]))
    assert both.summary.payments == 2 and reasons(both) == []
    assert {p.statement_account for p in bank_payments(ctx)} == {MAIN_ACCOUNT, SECOND_ACCOUNT}
    assert import_statement(ctx, _mt940(tmp_path / "second.sta", [(SECOND_ACCOUNT, entry)])).summary.payments == 0
    third = _mt940(tmp_path / "third.sta", [("10105000997603123456789123", entry)])  # a Polish NRB, no "PL"
    assert import_statement(ctx, third).summary.payments == 1
    assert import_statement(ctx, third).summary.payments == 0


def test_a_payment_imported_without_its_account_is_still_recognised(ctx: Ctx, tmp_path: Path) -> None:
    """Payments imported before accounts were kept have none: an entry under their reference is theirs."""
    entry = [("2603160316CN100,00NTRF//0000001", "Wplata")]
    import_statement(ctx, _mt940(tmp_path / "old.sta", [(MAIN_ACCOUNT, entry)]))
    for p in bank_payments(ctx):
        p.statement_account = None
    again = import_statement(ctx, _mt940(tmp_path / "again.sta", [(MAIN_ACCOUNT, entry)]))
    assert again.summary.payments == 0 and reasons(again) == ["already imported"]


def test_an_identical_transfer_without_a_reference_from_another_file_is_named_in_a_warning(
        ctx: Ctx, tmp_path: Path) -> None:
    """Without a bank reference only the content tells entries apart: one that another file brought is taken for
    the same transfer, and the summary says which file, so that a second transfer can be added by hand."""
    entry = [("2603160316CN100,00NTRFNONREF", "Darowizna")]
    first = _mt940(tmp_path / "morning.sta", [(MAIN_ACCOUNT, entry)])
    import_statement(ctx, first)
    same_file = import_statement(ctx, first)
    assert reasons(same_file) == ["already imported"] and same_file.summary.warnings == []
    later = [("2603160316CN20,00NTRFNONREF", "Wplata"), *entry]
    other = import_statement(ctx, _mt940(tmp_path / "afternoon.sta", [(MAIN_ACCOUNT, later)]))
    assert reasons(other) == ["already imported"]
    (warning,) = other.summary.warnings
    assert "came in morning.sta already" in warning["text"] and "add it by hand" in warning["text"]
