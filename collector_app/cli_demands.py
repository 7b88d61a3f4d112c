"""`collector demand …` and `collector demands`: payment letters and the demand register from a terminal."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from collector_app import cli_render as render
from collector_app.db.models import DEMAND_KINDS, Demand
from collector_app.domain.dates import parse_date
from collector_app.domain.errors import UserError
from collector_app.domain.money import parse_amount
from collector_app.services import contractors, demands
from collector_app.services.context import Ctx

if TYPE_CHECKING:
    from collector_app.cli import Run

Adder = Callable[..., argparse.ArgumentParser]
LIST_COLUMNS = ["id", "number", "date", "kind", "contractor", "invoices", "total", "currency"]


def row_obj(r: demands.DemandRow) -> render.JsonObj:
    return render.generic({
        "id": r.id, "number": r.number, "date": r.date, "kind": r.kind, "contractor": r.contractor,
        "contractor_id": r.contractor_id, "invoices": list(r.invoices), "principal": r.principal,
        "interest": r.interest, "compensation": r.compensation, "total": r.total, "currency": r.currency,
        "deadline": r.deadline, "language": r.language,
    })


def _emit(run: Run, data: render.JsonObj | list[render.JsonObj], columns: list[str] | None = None) -> None:
    """JSON as is; for people, lists of plain values (invoice numbers, files) as one comma-separated cell."""
    if run.json:
        run.emit(data, columns)
        return

    def plain(obj: render.JsonObj) -> render.JsonObj:
        out: render.JsonObj = {}
        for key, value in obj.items():
            if isinstance(value, list) and all(isinstance(i, dict) for i in value):
                out[key] = [plain(i) for i in value]
            elif isinstance(value, list):
                out[key] = ", ".join(map(str, value))
            else:
                out[key] = value
        return out

    run.emit([plain(o) for o in data] if isinstance(data, list) else plain(data), columns)


def _demand_obj(ctx: Ctx, demand: Demand) -> render.JsonObj:
    return row_obj(demands.demand_rows(ctx, [demand.id])[0])


def _out_file(text: str) -> Path:
    """A file to write: its folder must exist and it must not be a folder itself."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise UserError("out", f"{path} is a folder; give a file name such as letter.pdf")
    if not path.parent.is_dir():
        raise UserError("out", f"the folder {path.parent} does not exist")
    return path


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UserError("out", f"cannot write {path}: {exc.strerror or exc}") from exc


def cmd_demand_make(run: Run) -> None:
    a = run.args
    out = _out_file(a.out)
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        cid = contractors.find_contractor(ctx, a.contractor).id if a.contractor else None
        demand = demands.make_demand(ctx, kind=a.kind, invoice=a.invoice, contractor_id=cid,
                                     deadline_days=a.deadline_days, currency=a.currency)
        obj = _demand_obj(ctx, demand)
        _write(out, demand.pdf)  # inside the transaction: a file that cannot be written issues no letter
    _emit(run, {**obj, "file": str(out)})


def cmd_demand_reprint(run: Run) -> None:
    out = _out_file(run.args.out)
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        demand = demands.get_demand(ctx, run.args.id)
        _write(out, demands.demand_pdf(ctx, demand.id))
        run.emit(render.generic({"id": demand.id, "number": demand.number, "file": str(out)}))


def cmd_demand_email(run: Run) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        row = demands.email_demand(ctx, run.args.id)
        demand = demands.get_demand(ctx, run.args.id)
        run.emit(render.generic({"outbox_id": row.id, "demand": demand.number, "recipient": row.recipient,
                                 "planned_for": row.planned_for, "state": row.state}))


def _min_amount(text: str | None) -> Decimal | None:
    return parse_amount(text, "EUR", "min-amount") if text is not None else None


def cmd_demand_candidates(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        found = demands.batch_candidates(run.ctx(s), min_days=a.min_days, min_amount=_min_amount(a.min_amount))
    run.emit([render.generic({
        "contractor_id": c.contractor_id, "contractor": c.contractor, "currency": c.currency,
        "invoices": list(c.invoices), "outstanding": c.outstanding, "max_days": c.max_days,
    }) for c in found], ["contractor_id", "contractor", "currency", "outstanding", "max_days"])


def cmd_demand_batch(run: Run) -> None:
    a = run.args
    folder = Path(a.out).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UserError("out", f"{folder} is not a folder")
    with run.ledger.transaction() as s:
        result = demands.make_batch(run.ctx(s), min_days=a.min_days, min_amount=_min_amount(a.min_amount),
                                    kind=a.kind, deadline_days=a.deadline_days, out_dir=folder)
        rows = demands.demand_rows(run.ctx(s), [d.id for d in result.demands])
    _emit(run, render.generic({
        "letters": [row_obj(r) for r in rows],
        "files": [str(p) for p in result.files],
        "combined": str(result.combined) if result.combined else None,
        "skipped": [{"contractor": name, "reason": reason} for name, reason in result.skipped],
    }))


def cmd_demands(run: Run) -> None:
    a = run.args
    run.check_paging()
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        cid = contractors.find_contractor(ctx, a.contractor).id if a.contractor else None
        rows = demands.list_demands(
            ctx, date_from=parse_date(a.date_from, "from") if a.date_from else None,
            date_to=parse_date(a.date_to, "to") if a.date_to else None,
            contractor_id=cid, kind=a.kind, limit=a.limit, offset=a.offset)
    _emit(run, [row_obj(r) for r in rows], LIST_COLUMNS)


def register(add: Adder, parser_class: type[argparse.ArgumentParser]) -> None:
    """Adds `demand` and `demands` to the main parser (called from cli.build_parser)."""
    dsub = add("demand", _need_sub, "payment letters: reminders, demands, final demands, interest notes"
               ).add_subparsers(dest="subcommand", required=True, parser_class=parser_class)
    p = add("make", cmd_demand_make, "issue one letter (register number, PDF) for an invoice or a contractor", dsub)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--invoice", metavar="NO")
    who.add_argument("--contractor", metavar="ID", help="contractor id or tax id: all its overdue invoices")
    p.add_argument("--kind", required=True, choices=DEMAND_KINDS)
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument("--deadline-days", type=int, default=7, help="days to pay (default 7)")
    p.add_argument("--currency", help="for a contractor owing in several currencies: one letter per currency")
    p = add("batch", cmd_demand_batch, "a letter for every contractor overdue more than N days (and above X)", dsub)
    _batch_options(p)
    p.add_argument("--kind", choices=("reminder", "demand", "final"), default="demand")
    p.add_argument("--deadline-days", type=int, default=7)
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the letters and the print file")
    p = add("candidates", cmd_demand_candidates, "who a batch would write to", dsub)
    _batch_options(p)
    p = add("reprint", cmd_demand_reprint, "write a past letter again, byte for byte", dsub)
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p = add("email", cmd_demand_email, "queue a letter for e-mail through the outbox", dsub)
    p.add_argument("--id", type=int, required=True)

    p = add("demands", cmd_demands, "the demand register (newest first)")
    p.add_argument("--from", dest="date_from", metavar="D")
    p.add_argument("--to", dest="date_to", metavar="D")
    p.add_argument("--contractor", metavar="ID")
    p.add_argument("--kind", choices=DEMAND_KINDS)
    p.add_argument("--limit", type=int)
    p.add_argument("--offset", type=int, default=0)


def _batch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--min-days", type=int, required=True, help="overdue more than N days")
    p.add_argument("--min-amount", metavar="X", help="outstanding at least X (in each currency)")


def _need_sub(run: Run) -> None:  # pragma: no cover - argparse requires the subcommand
    raise UserError(None, "a subcommand is required")
