"""`collector template …`: list, show, replace and revert the reminder texts a ledger uses."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from collector_app.domain.errors import UserError
from collector_app.services import templates_store
from collector_app.services.invoices import find_invoice

if TYPE_CHECKING:
    from collector_app.cli import Run

LIST_COLUMNS = ["language", "name", "overridden", "shipped", "updated_at", "updated_by"]
Adder = Callable[..., argparse.ArgumentParser]


def cmd_template_list(run: Run) -> None:
    with run.ledger.transaction() as s:
        rows = templates_store.list_templates(run.ctx(s))
    if run.args.overridden:
        rows = [r for r in rows if r.overridden]
    run.emit([r.as_dict() for r in rows], LIST_COLUMNS)


def cmd_template_show(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        t = templates_store.get_template(run.ctx(s), a.language, a.name)
    source = t.default if a.default else t.source
    if run.json:
        run.emit({"language": t.language, "name": t.name, "overridden": t.overridden, "source": source})
    else:
        sys.stdout.write(source if source.endswith("\n") else source + "\n")


def cmd_template_set(run: Run) -> None:
    a = run.args
    try:
        source = sys.stdin.read() if a.file == "-" else Path(a.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError("file", f"{a.file}: cannot be read ({exc})") from exc
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        invoice_id = find_invoice(ctx, a.invoice).id if a.invoice else None
        t = templates_store.save_template(ctx, a.language, a.name, source, invoice_id=invoice_id)
    run.emit({"language": t.language, "name": t.name, "overridden": t.overridden})


def cmd_template_revert(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        t = templates_store.revert_template(run.ctx(s), a.language, a.name)
    run.emit({"language": t.language, "name": t.name, "overridden": t.overridden})


def register(add: Adder, parser_class: type[argparse.ArgumentParser]) -> None:
    """Adds `template` to the main parser (called from cli.build_parser)."""
    tsub = add("template", _need_sub, "reminder texts (edited ones are kept in the ledger)").add_subparsers(
        dest="subcommand", required=True, parser_class=parser_class)
    p = add("list", cmd_template_list, "every template per language, and which are edited", tsub)
    p.add_argument("--overridden", action="store_true", help="only the edited ones")
    p = add("show", cmd_template_show, "print the text in force (edited or shipped)", tsub)
    _which(p)
    p.add_argument("--default", action="store_true", help="print the shipped text instead")
    p = add("set", cmd_template_set, "replace a template's text (rendered against an invoice first)", tsub)
    _which(p)
    p.add_argument("--file", required=True, metavar="F", help="the new text; '-' reads standard input")
    p.add_argument("--invoice", metavar="NO", help="try it on this invoice (default: the most overdue one)")
    p = add("revert", cmd_template_revert, "back to the shipped text", tsub)
    _which(p)


def _which(p: argparse.ArgumentParser) -> None:
    p.add_argument("language", help="pl, cs or en")
    p.add_argument("name", help="template name, e.g. overdue_first")


def _need_sub(run: Run) -> None:  # pragma: no cover - argparse requires the subcommand
    raise UserError(None, "a subcommand is required")
