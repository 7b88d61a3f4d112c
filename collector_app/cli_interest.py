"""`collector interest` and `collector rates …`: statutory interest of an invoice, and the rate tables behind it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from collector_app.db.models import FxRate, Rate
from collector_app.domain.dates import parse_date
from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount
from collector_app.services import interest, nbp_rates, rates
from collector_app.services.context import Ctx
from collector_app.services.invoices import find_invoice

if TYPE_CHECKING:
    from collector_app.cli import Run

Adder = Callable[..., argparse.ArgumentParser]
RATE_COLUMNS = ["id", "country", "kind", "valid_from", "percent", "origin", "source"]
FX_COLUMNS = ["id", "base", "quote", "date", "rate", "origin", "source"]


def _num(value: Decimal) -> str:
    """A rate as plain text without exponent: 14.00, 4.2267."""
    return f"{value:f}"


def interest_obj(r: interest.InvoiceInterest) -> dict[str, Any]:
    """The contract's `interest` object (amounts as strings, dates ISO)."""
    obj: dict[str, Any] = {
        "invoice": r.number, "principal": format_amount(r.principal), "currency": r.currency, "days": r.days,
        "interest": format_amount(r.interest), "compensation": format_amount(r.compensation),
        "compensation_currency": r.compensation_currency, "total": format_amount(r.total),
        "periods": [{"from": p.start.isoformat(), "to": p.end.isoformat(), "rate": _num(p.rate), "days": p.days,
                     "amount": format_amount(p.amount), "base": format_amount(p.base)} for p in r.periods],
        "law": r.law, "as_of": r.as_of.isoformat(), "due_date": r.due_date.isoformat(),
    }
    if r.compensation_converted is not None and r.fx_rate is not None and r.fx_date is not None:
        obj.update(compensation_converted=format_amount(r.compensation_converted),
                   converted_currency=r.converted_currency, fx_rate=_num(r.fx_rate), fx_date=r.fx_date.isoformat())
    if r.warnings:
        obj["warnings"] = list(r.warnings)
    return obj


def interest_text(r: interest.InvoiceInterest) -> str:
    lines = [f"Invoice {r.number}, due {r.due_date.isoformat()}, as of {r.as_of.isoformat()} ({r.law} rules)"]
    for p in r.periods:
        lines.append(f"  {p.start.isoformat()} – {p.end.isoformat()}  {p.days:>4} days  {_num(p.rate):>6} %  "
                     f"on {format_amount(p.base)}  = {format_amount(p.amount)} {r.currency}")
    lines.append(f"Principal     {format_amount(r.principal)} {r.currency}")
    lines.append(f"Interest      {format_amount(r.interest)} {r.currency} ({r.days} days late)")
    comp = f"Compensation  {format_amount(r.compensation)} {r.compensation_currency}"
    if r.compensation_converted is not None and r.fx_rate is not None and r.fx_date is not None:
        comp += (f" = {format_amount(r.compensation_converted)} {r.converted_currency}"
                 f" (at {_num(r.fx_rate)} of {r.fx_date.isoformat()})")
    lines.append(comp)
    lines.append(f"Total         {format_amount(r.total)} {r.currency}")
    lines.extend(f"Warning: {w}" for w in r.warnings)
    return "\n".join(lines) + "\n"


def cmd_interest(run: Run) -> None:
    a = run.args
    as_of = parse_date(a.as_of, "today") if a.as_of else None
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        result = interest.invoice_interest(ctx, find_invoice(ctx, a.invoice), as_of=as_of, strict_fx=False)
    if run.json:
        run.emit(interest_obj(result))
    else:
        sys.stdout.write(interest_text(result))


def rate_obj(r: Rate) -> dict[str, Any]:
    return {"id": r.id, "country": r.country, "kind": r.kind, "valid_from": r.valid_from.isoformat(),
            "percent": _num(interest.pct(Decimal(r.percent))),
            "source": r.source, "origin": r.origin}


def fx_obj(r: FxRate) -> dict[str, Any]:
    return {"id": r.id, "base": r.base, "quote": r.quote, "date": r.date.isoformat(),
            "rate": _num(Decimal(r.rate).normalize()), "source": r.source, "origin": r.origin}


def cmd_rates_list(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        if a.fx:
            run.emit([fx_obj(r) for r in rates.list_fx(ctx)], FX_COLUMNS)
        else:
            run.emit([rate_obj(r) for r in rates.list_rates(ctx, country=a.country, kind=a.kind)], RATE_COLUMNS)


def _need(a: argparse.Namespace, *names: str) -> None:
    """Options required by the chosen form of `rates add` (argparse cannot express the two forms)."""
    missing = [n for n in names if getattr(a, "valid_from" if n == "from" else n) in (None, "")]
    if missing:
        raise UserError(missing[0], f"--{missing[0]} is required here")


def cmd_rates_add(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        if a.fx:
            _need(a, "base", "quote", "date", "rate")
            row_fx = rates.add_fx(ctx, a.base, a.quote, parse_date(a.date, "date"),
                                  rates.parse_decimal(a.rate, "rate", 6, Decimal("0.000001"), Decimal(100000)),
                                  a.source)
            out = fx_obj(row_fx)
        else:
            _need(a, "country", "kind", "from", "percent")
            row = rates.add_rate(ctx, a.country, a.kind, parse_date(a.valid_from, "from"),
                                 rates.parse_decimal(a.percent, "percent", 4, Decimal(-99), Decimal(99)), a.source)
            out = rate_obj(row)
    run.emit(out)


def cmd_rates_delete(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        (rates.delete_fx if a.fx else rates.delete_rate)(ctx, a.id)
    run.emit({"deleted": a.id, "table": "fx" if a.fx else "rate"})


def fetch_plan(run: Run, ctx: Ctx) -> dict[str, list[nbp_rates.Month]]:
    """Which months of which currencies `rates fetch` asks NBP for (the missing ones unless a range is given)."""
    a = run.args
    codes = [nbp_rates.check_code(c) for c in a.code] if a.code else list(nbp_rates.CODES)
    first = nbp_rates.parse_month(a.month_from, "from") if a.month_from else nbp_rates.FIRST_MONTH
    last = nbp_rates.parse_month(a.month_to, "to") if a.month_to else nbp_rates.last_complete_month(
        run.clock.today())
    if last < first:
        raise UserError("to", f"{nbp_rates.month_str(last)} is before --from {nbp_rates.month_str(first)}")
    nbp_rates.check_months(ctx, [first, last])
    only_missing = a.missing or not (a.month_from or a.month_to)
    return {code: nbp_rates.missing_months(ctx, code, first, last) if only_missing
            else nbp_rates.months_between(first, last) for code in dict.fromkeys(codes)}


def _nbp_obj(r: nbp_rates.NbpRate) -> dict[str, Any]:
    return {"date": r.date.isoformat(), "rate": _num(r.mid), "table": r.table}


def fetch_obj(r: nbp_rates.FetchResult) -> dict[str, Any]:
    return {"code": r.code, "quote": nbp_rates.QUOTE, "added": [_nbp_obj(x) for x in r.added],
            "skipped": [_nbp_obj(x) for x in r.skipped],
            "conflicts": [{**_nbp_obj(c.nbp), "ledger_rate": _num(c.ledger)} for c in r.conflicts],
            "unpublished": [nbp_rates.month_str(m) for m in r.unpublished], "requests": r.requests}


def cmd_rates_fetch(run: Run) -> None:
    with run.ledger.transaction() as s:
        plan = fetch_plan(run, run.ctx(s))
    results: list[nbp_rates.FetchResult] = []
    if any(plan.values()):
        with run.ledger.transaction() as s:  # every download succeeds before the first row is written
            results = nbp_rates.fetch(run.ctx(s), {c: m for c, m in plan.items() if m},
                                      base_url=run.args.base_url)
    if run.json:
        run.emit({"results": [fetch_obj(r) for r in results]})
    else:
        lines = nbp_rates.summary(results) or ["Every month-end rate is already in the ledger; nothing to download."]
        sys.stdout.write("\n".join(lines) + "\n")


def cmd_rates_nbp_url(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        if a.reset or a.url:
            url = nbp_rates.set_base_url(ctx, None if a.reset else a.url)
        else:
            url = nbp_rates.get_base_url(ctx)
    run.emit({"nbp_base_url": url})


def register(add: Adder, parser_class: type[argparse.ArgumentParser]) -> None:
    """Adds `interest` and `rates` to the main parser (called from cli.build_parser)."""
    p = add("interest", cmd_interest, "statutory interest and recovery compensation of an invoice")
    p.add_argument("--invoice", required=True, metavar="NO")
    p.add_argument("--today", dest="as_of", metavar="YYYY-MM-DD", help="compute as of this day")
    rsub = add("rates", _need_sub, "central-bank rates and exchange rates behind the interest").add_subparsers(
        dest="subcommand", required=True, parser_class=parser_class)
    p = add("list", cmd_rates_list, "reference rates (or --fx: EUR/PLN mid rates)", rsub)
    p.add_argument("--country", help="PL, CZ or EU")
    p.add_argument("--kind", help="reference (PL), repo (CZ), mro (EU)")
    p.add_argument("--fx", action="store_true", help="list exchange rates instead")
    p = add("add", cmd_rates_add, "add a newly announced rate (or --fx: a mid rate)", rsub)
    p.add_argument("--fx", action="store_true", help="add an exchange rate: --base --quote --date --rate")
    p.add_argument("--country", help="PL, CZ or EU")
    p.add_argument("--kind", help="reference (PL), repo (CZ), mro (EU)")
    p.add_argument("--from", dest="valid_from", metavar="YYYY-MM-DD", help="the day the rate applies from")
    p.add_argument("--percent", help="the central bank's rate, e.g. 3.75")
    p.add_argument("--base", help="e.g. EUR")
    p.add_argument("--quote", help="e.g. PLN")
    p.add_argument("--date", metavar="YYYY-MM-DD")
    p.add_argument("--rate", help="units of quote for one base, e.g. 4.2233")
    p.add_argument("--source", help="where the rate was published (URL)")
    p = add("fetch", cmd_rates_fetch, "download month-end NBP mid rates (table A) the ledger lacks", rsub)
    p.add_argument("--code", action="append", metavar="CUR", help="EUR or CZK (repeatable; default both)")
    p.add_argument("--from", dest="month_from", metavar="YYYY-MM", help="first month (default 2016-01)")
    p.add_argument("--to", dest="month_to", metavar="YYYY-MM", help="last month (default: the last complete one)")
    p.add_argument("--missing", action="store_true",
                   help="only months without a rate (the default when neither --from nor --to is given)")
    p.add_argument("--base-url", metavar="URL", help="the NBP Web API server (default: the ledger's setting, "
                   "else https://api.nbp.pl)")
    p = add("nbp-url", cmd_rates_nbp_url, "show or set the NBP Web API server `rates fetch` uses", rsub)
    p.add_argument("url", nargs="?", help="e.g. https://api.nbp.pl (kept in the ledger)")
    p.add_argument("--reset", action="store_true", help="back to https://api.nbp.pl")
    p = add("delete", cmd_rates_delete, "delete a rate you added (shipped rates stay)", rsub)
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--fx", action="store_true", help="the id is an exchange rate's")


def _need_sub(run: Run) -> None:  # pragma: no cover - argparse requires the subcommand
    raise UserError(None, "a subcommand is required")
