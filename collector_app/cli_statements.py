"""`collector import statement`, `collector review` and `collector account`: bank statements from a terminal."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collector_app import cli_render as render
from collector_app.domain.errors import UserError
from collector_app.domain.money import format_amount
from collector_app.services import contractors, matching, payer_accounts
from collector_app.services.import_statement import FORMATS, import_statement

if TYPE_CHECKING:
    from collector_app.cli import Run

Adder = Callable[..., argparse.ArgumentParser]
REVIEW_COLUMNS = ["id", "date", "amount", "currency", "payer", "title", "suggestion"]


def cmd_import_statement(run: Run) -> None:
    """The whole file in one transaction; with --dry-run everything runs and is rolled back."""
    a = run.args
    session = run.ledger.sessions()
    try:
        result = import_statement(run.ctx(session), Path(a.file), a.format, label=a.file)
        if a.dry_run:
            session.rollback()
        else:
            session.commit()
    finally:
        session.close()
    out = result.as_dict()
    if a.dry_run:
        out["batch"] = None
    run.emit({**out, "dry_run": bool(a.dry_run)})


def review_obj(item: matching.ReviewItem) -> render.JsonObj:
    return {
        **render.payment_row(item.row),
        "suggestions": [
            {"invoice": s.invoice, "score": s.score, "reason": s.reason, "amount": format_amount(s.amount)}
            for s in item.suggestions
        ],
    }


def cmd_review(run: Run) -> None:
    a = run.args
    run.check_paging()
    with run.ledger.transaction() as s:
        items = [review_obj(i) for i in matching.review_list(run.ctx(s), a.limit, a.offset)]
    if run.json:
        run.emit(items)
        return
    run.emit([{**i, "suggestion": _first(i["suggestions"])} for i in items], REVIEW_COLUMNS)


def _first(suggestions: list[dict[str, Any]]) -> str:
    if not suggestions:
        return ""
    best = suggestions[0]
    return f"{best['invoice']} ({best['score']:.2f}, {best['reason']})"


def cmd_account_add(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        c = contractors.find_contractor(ctx, a.contractor)
        account, added = payer_accounts.type_account(ctx, c.id, a.account)
        run.emit({"contractor_id": c.id, "contractor": c.name, "account": account, "added": added})


def cmd_account_list(run: Run) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        c = contractors.find_contractor(ctx, run.args.contractor)
        rows = [{"id": k.id, "contractor_id": c.id, "account": k.account, "source": k.source,
                 "created_at": k.created_at.isoformat(timespec="seconds")}
                for k in payer_accounts.known_accounts(ctx, c.id)]
    run.emit(rows, ["id", "account", "source", "created_at"])


def cmd_account_remove(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        c = contractors.find_contractor(ctx, a.contractor)
        wanted = payer_accounts.checked_account(a.account)
        known = [k for k in payer_accounts.known_accounts(ctx, c.id) if k.account == wanted]
        if not known:
            raise UserError("account", f"{wanted} is not a known account of {c.name}")
        payer_accounts.forget_account(ctx, c.id, known[0].id)
        run.emit({"contractor_id": c.id, "contractor": c.name, "account": wanted, "removed": True})


def register_import(isub: Any, add: Adder) -> None:
    """Adds `statement` under the `import` command."""
    p = add("statement", cmd_import_statement, "import a bank statement (MT940, camt.053) and match its payments",
            isub)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=FORMATS, help="default: told from the file's content")
    p.add_argument("--dry-run", action="store_true", help="show what would be imported, write nothing")


def register(add: Adder, parser_class: type[argparse.ArgumentParser]) -> None:
    """Adds `review` and `account` to the main parser (called from cli.build_parser)."""
    p = add("review", cmd_review, "bank payments waiting for a hand allocation, with scored suggestions")
    p.add_argument("--limit", type=int)
    p.add_argument("--offset", type=int, default=0)
    asub = add("account", _need_sub, "bank accounts known to belong to contractors").add_subparsers(
        dest="subcommand", required=True, parser_class=parser_class)
    p = add("add", cmd_account_add, "remember that an account pays for a contractor (matching uses it)", asub)
    p.add_argument("--contractor", required=True, help="contractor id or tax id")
    p.add_argument("--account", required=True, help="IBAN or account number")
    p = add("list", cmd_account_list, "the accounts known to pay for a contractor, typed in or learned", asub)
    p.add_argument("--contractor", required=True, help="contractor id or tax id")
    p = add("remove", cmd_account_remove, "forget an account: its payments are no longer taken as the contractor's",
            asub)
    p.add_argument("--contractor", required=True, help="contractor id or tax id")
    p.add_argument("--account", required=True, help="IBAN or account number, written as it was added or otherwise")


def _need_sub(run: Run) -> None:  # pragma: no cover - argparse requires the subcommand
    raise UserError(None, "a subcommand is required")
