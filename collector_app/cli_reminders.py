"""`collector reminders plan` and `collector policy …`: planning and reminder policies from a terminal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collector_app.db.models import Policy
from collector_app.domain.errors import UserError
from collector_app.services import policies, reminders
from collector_app.services.context import Ctx

if TYPE_CHECKING:
    from collector_app.cli import Run

PLAN_COLUMNS = ["planned_for", "state", "channel", "invoice", "contractor", "step", "occurrence", "covers",
                "recipient", "last_error"]
STEP_COLUMNS = ["position", "name", "anchor", "offset_days", "channel", "template", "attach_invoice",
                "repeat_every_days", "repeat_max", "action", "active"]
Adder = Callable[..., argparse.ArgumentParser]


def cmd_reminders_plan(run: Run) -> None:
    a = run.args
    if a.days is not None and a.days < 0:
        raise UserError("days", "must not be negative")
    if a.days and not a.dry_run:
        raise UserError("days", "only widens a --dry-run preview; a real run plans up to today")
    with run.ledger.transaction() as s:
        rows = reminders.plan(run.ctx(s), dry_run=a.dry_run, days=a.days or 0)
    run.emit([r.as_dict() for r in rows], PLAN_COLUMNS)


def _policy_obj(ctx: Ctx, p: Policy, *, steps: bool) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": p.id, "name": p.name, "description": p.description, "is_default": p.is_default,
        "group_by_contractor": p.group_by_contractor, "steps_count": len(p.steps), **policies.usage(ctx, p),
    }
    if steps:
        obj["steps"] = [
            {"position": s.position, "name": s.name, "anchor": s.anchor, "offset_days": s.offset_days,
             "channel": s.channel, "template": s.template, "attach_invoice": s.attach_invoice,
             "repeat_every_days": s.repeat_every_days, "repeat_max": s.repeat_max, "action": s.action,
             "active": s.active}
            for s in p.steps
        ]
    return obj


def cmd_policy_list(run: Run) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        run.emit([_policy_obj(ctx, p, steps=False) for p in policies.list_policies(ctx)],
                 ["id", "name", "is_default", "group_by_contractor", "steps_count", "segments", "contractors"])


def cmd_policy_show(run: Run) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        obj = _policy_obj(ctx, policies.get_policy(ctx, run.args.name), steps=True)
    if run.json:
        run.emit(obj)
        return
    steps = obj.pop("steps")
    run.emit(obj)
    sys.stdout.write("\n")
    run.emit(steps, STEP_COLUMNS)


def cmd_policy_export(run: Run) -> None:
    with run.ledger.transaction() as s:
        content = policies.export_json(run.ctx(s), run.args.name)
    target = Path(run.args.out)
    try:
        target.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise UserError("out", f"{target}: cannot be written ({exc.strerror})") from exc
    run.emit({"policy": run.args.name, "out": str(target.absolute())})


def cmd_policy_import(run: Run) -> None:
    source = Path(run.args.file)
    try:
        content = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(str(source), f"cannot be read ({exc})") from exc
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        done = policies.import_json(ctx, content, replace=run.args.replace, make_default=run.args.make_default,
                                    source=str(source))
        s.flush()
        s.refresh(done.policy)
        obj = _policy_obj(ctx, done.policy, steps=True)
        note = done.note("pass --make-default")
        run.emit({**obj, "note": note} if note else obj)


def cmd_policy_assign(run: Run) -> None:
    a = run.args
    name = None if a.name.lower() in ("-", "none") else a.name
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        if a.segment:
            seg = policies.assign_to_segment(ctx, a.segment, name)
            run.emit({"segment": seg.name, "policy": name})
        else:
            c = policies.assign_to_contractor(ctx, a.contractor, name)
            run.emit({"contractor_id": c.id, "contractor": c.name, "policy": name})


def register(add: Adder, parser_class: type[argparse.ArgumentParser]) -> None:
    """Adds `reminders` and `policy` to the main parser (called from cli.build_parser)."""
    rsub = add("reminders", _need_sub, "reminder planning").add_subparsers(
        dest="subcommand", required=True, parser_class=parser_class)
    p = add("plan", cmd_reminders_plan, "put the reminders due up to today into the outbox; prints them", rsub)
    p.add_argument("--dry-run", action="store_true", help="show what would be planned, write nothing")
    p.add_argument("--days", type=int, help="with --dry-run: preview the next N days too")

    psub = add("policy", _need_sub, "reminder policies").add_subparsers(
        dest="subcommand", required=True, parser_class=parser_class)
    add("list", cmd_policy_list, "the reminder policies", psub)
    p = add("show", cmd_policy_show, "one policy with its steps", psub)
    p.add_argument("name")
    p = add("export", cmd_policy_export, "write a policy to a JSON file", psub)
    p.add_argument("name")
    p.add_argument("--out", required=True, metavar="FILE")
    p = add("import", cmd_policy_import, "read a policy from a JSON file (checked in full before writing)", psub)
    p.add_argument("file")
    p.add_argument("--replace", action="store_true", help="overwrite a policy of the same name")
    p.add_argument("--make-default", action="store_true",
                   help="make it the default policy (the file's is_default never does)")
    p = add("assign", cmd_policy_assign, "give a segment or a contractor a policy (NAME '-' clears it)", psub)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--segment", metavar="S")
    who.add_argument("--contractor", metavar="ID", help="contractor id or tax id")
    p.add_argument("name", metavar="NAME")
    from collector_app import cli_policies  # new, set, default, delete, step add|edit|delete|move

    cli_policies.register(add, psub, parser_class)


def _need_sub(run: Run) -> None:  # pragma: no cover - argparse requires the subcommand
    raise UserError(None, "a subcommand is required")
