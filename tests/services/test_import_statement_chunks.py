"""Statement imports write each chunk's payments, allocations and events in bulk: the ledger stays exact."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from helpers.statements import statement_ledger
from sqlalchemy import select, text

from collector_app.db.models import Event, Invoice, Payment
from collector_app.services import import_statement as statement_import
from collector_app.services.context import Ctx

D = Decimal
ENTRIES = (("100,00", "FV/9/2026", "PART1"), ("332,10", "BEZ TYTULU", "PART2"), ("5,00", "FV/9/2026", "PART3"))


def _statement(path: Path) -> Path:
    lines = [":20:X", ":25:ACC", ":60F:C260316PLN0,00"]
    for amount, title, ref in ENTRIES:
        lines += [f":61:2603160316CN{amount}NTRFNONREF//{ref}", f":86:~20{title}"]
    path.write_text("\n".join([*lines, ":62F:C260316PLN437,10", ""]), encoding="utf-8")
    return path


@pytest.mark.parametrize("chunk", [1, 2, 500])
def test_payments_to_one_invoice_within_and_across_chunks(ctx: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          chunk: int) -> None:
    """The second payment fits FV/9/2026 only after the first paid part of it (in memory within a chunk, in
    the database across chunks); the third names it once it is settled, so it waits for review."""
    statement_ledger(ctx)
    monkeypatch.setattr(statement_import, "CHUNK", chunk)
    result = statement_import.import_statement(ctx, _statement(tmp_path / "parts.sta"))
    assert result.matched_by == {"title": 1, "unique-amount": 1}
    assert ctx.session.scalar(select(Invoice.paid).where(Invoice.number == "FV/9/2026")) == D("432.10")
    rows = ctx.session.execute(select(Payment.allocated, Payment.contractor_id, Payment.match_reason)
                               .where(Payment.id.in_(result.payment_ids)).order_by(Payment.id)).all()
    assert [r.allocated for r in rows] == [D("100.00"), D("332.10"), D(0)]
    assert rows[2].match_reason is None and rows[0].contractor_id == rows[1].contractor_id is not None
    summaries = ctx.session.scalars(select(Event.summary).where(Event.action == "payment.allocated")
                                   .order_by(Event.id)).all()
    assert [s.rsplit("(", 1)[1] for s in summaries] == ["332.10 left)", "settled)"]
    added = ctx.session.scalars(select(Event.summary).where(Event.action == "payment.added").order_by(Event.id)).all()
    assert added[2].endswith("waits in the review list")
    bad = ctx.session.execute(text(
        "SELECT i.number FROM invoice i LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM allocation GROUP BY "
        "invoice_id) a ON a.invoice_id = i.id WHERE ROUND(i.paid - COALESCE(a.s, 0), 2) <> 0 UNION ALL "
        "SELECT CAST(p.id AS TEXT) FROM payment p LEFT JOIN (SELECT payment_id, SUM(amount) s FROM allocation "
        "GROUP BY payment_id) a ON a.payment_id = p.id WHERE ROUND(p.allocated - COALESCE(a.s, 0), 2) <> 0")).all()
    assert bad == []


def test_an_amount_is_read_when_asked_for_even_where_the_title_names_an_open_invoice(ctx: Ctx, tmp_path: Path) -> None:
    """The chunk's prefetch reads unpaid invoices by amount only for payments whose text names no open invoice;
    one that names an invoice open in another currency still finds the only PLN invoice of its amount."""
    statement_ledger(ctx)
    path = tmp_path / "other.sta"
    path.write_text("\n".join([":20:X", ":25:ACC", ":60F:C260316PLN0,00",
                               ":61:2603160316CN432,10NTRFNONREF//OTHER1", ":86:~20FA-2026-0007",
                               ":62F:C260316PLN432,10", ""]), encoding="utf-8")
    result = statement_import.import_statement(ctx, path)
    assert result.matched_by == {"unique-amount": 1}
    assert ctx.session.scalar(select(Invoice.paid).where(Invoice.number == "FV/9/2026")) == D("432.10")
    assert ctx.session.scalar(select(Invoice.paid).where(Invoice.number == "FA-2026-0007")) == D(0)
