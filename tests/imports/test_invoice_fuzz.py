"""Mutated invoice files of every format: the import either succeeds or raises UserError, never anything else."""

from __future__ import annotations

import io
from pathlib import Path

from helpers.invoice_imports import DATA, SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from collector_app.db.engine import Ledger
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx
from collector_app.services.import_invoices import InvoiceImport, import_invoices


def _xlsx() -> bytes:
    book = Workbook()
    book.active.append(["Invoice", "Customer", "Date", "Amount"])
    book.active.append(["X/1", "Delta", "2026-03-01", 10.5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BASES: list[bytes] = [
    (DATA / name).read_bytes()
    for name in ("cp1250_semicolon_comma.csv", "utf8_bom_comma.csv", "ubl_invoice.xml", "ubl_credit_note.xml",
                 "isdoc_invoice.isdoc", "ksef_fa3_invoice.xml", "ksef_fa3_kor.xml")
] + [_xlsx()] + [path.read_bytes() for path in [SAMPLES / "ksef" / "fa2_ksef-sample_FK2023-08-31_PLN.xml"]
                 if path.is_file()]  # the shared sample, where it is present
INTERESTING = [b"<", b">", b"&", b";", b",", b"\"", b"\n", b"\xff", b"\x00", b"-", b"=", b"9", b".", b"<!DOCTYPE x>",
               b"</", b"\xc5", b" "]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if op == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from(INTERESTING))
        else:
            del data[pos:pos + draw(st.integers(1, 40))]
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=mutated())
def test_mutated_files_give_only_user_errors(ledger: Ledger, clock: FixedClock, tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "mutated.bin"
    path.write_bytes(blob)
    session = ledger.sessions()
    try:
        import_invoices(Ctx(session, clock, "tester"), InvoiceImport(path))
    except UserError as exc:
        assert str(exc).strip()
    finally:
        session.rollback()
        session.close()
