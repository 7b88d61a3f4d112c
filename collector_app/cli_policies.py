"""`collector policy new|set|default|delete` and `collector policy step …`: the Policies page's edits, scripted.

Each command is one checked service call (services.policies), so a refusal names the field and writes
nothing; steps are named by their position in `policy show` or by their name.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from collector_app.db.models import POLICY_ACTIONS, POLICY_ANCHORS, PolicyStep
from collector_app.domain.errors import UserError
from collector_app.services import policies
from collector_app.services.context import Ctx

if TYPE_CHECKING:
    from collector_app.cli import Run

Adder = Callable[..., argparse.ArgumentParser]
_YES_NO = {"yes": True, "no": False, "on": True, "off": False, "true": True, "false": False}


def _yes_no(text: str) -> bool:
    try:
        return _YES_NO[text.lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(f'"{text}" is not yes or no') from None


def _emit_change(run: Run, change: policies.Change) -> None:
    run.emit({"policy": change.policy, "step_id": change.step_id, "change": change.summary})


def cmd_policy_new(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        _emit_change(run, policies.new_policy(run.ctx(s), a.name, a.description,
                                              group_by_contractor=a.group_by_contractor))


def cmd_policy_set(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        policy = policies.get_policy(ctx, a.name)
        change = policies.set_details(
            ctx, policy.name, new_name=a.rename if a.rename is not None else policy.name,
            description=a.description if a.description is not None else policy.description,
            group_by_contractor=a.group_by_contractor if a.group_by_contractor is not None
            else policy.group_by_contractor)
        _emit_change(run, change)


def cmd_policy_default(run: Run) -> None:
    with run.ledger.transaction() as s:
        _emit_change(run, policies.set_default(run.ctx(s), run.args.name))


def cmd_policy_delete(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        name = policies.get_policy(ctx, a.name).name
        policies.delete_policy(ctx, name, reassign_to=a.reassign_to)
    run.emit({"policy": name, "deleted": True, "reassigned_to": a.reassign_to})


def _step(ctx: Ctx, policy_name: str, which: str) -> PolicyStep:
    """A step by its position (as `policy show` numbers them) or by its name (case ignored)."""
    policy = policies.get_policy(ctx, policy_name)
    steps = list(policy.steps)
    if which.isdigit():
        found = [s for s in steps if s.position == int(which)]
    else:
        found = [s for s in steps if s.name.lower() == " ".join(which.split()).lower()]
    if not found:
        names = ", ".join(f"{s.position} {s.name}" for s in steps) or "none"
        raise UserError("step", f'policy "{policy.name}" has no step "{which}" (its steps: {names})')
    return found[0]


_STEP_OPTIONS = ("name", "anchor", "offset_days", "channel", "template", "attach_invoice", "repeat_every_days",
                 "repeat_max", "action", "active")


_OPTION_OF = {"offset_days": "--offset", "repeat_every_days": "--repeat-every"}


def _option(field_name: str) -> str:
    return _OPTION_OF.get(field_name, "--" + field_name.replace("_", "-"))


def _given(a: argparse.Namespace) -> dict[str, Any]:
    """The step fields the command line gives; `--no-repeat` clears both repeat fields."""
    given = {k: getattr(a, k) for k in _STEP_OPTIONS if getattr(a, k, None) is not None}
    if getattr(a, "no_repeat", False):
        if "repeat_every_days" in given or "repeat_max" in given:
            raise UserError("--no-repeat", "cannot go with --repeat-every or --repeat-max")
        given["repeat_every_days"] = given["repeat_max"] = None
    return given


def cmd_step_add(run: Run) -> None:
    a = run.args
    fields = _given(a)
    missing = [_option(k) for k in ("name", "anchor", "offset_days", "channel", "template") if k not in fields]
    if missing:
        raise UserError(missing[0], "is required for a new step")
    with run.ledger.transaction() as s:
        _emit_change(run, policies.add_step(run.ctx(s), a.policy, policies.StepData(**fields), position=a.position))


def cmd_step_edit(run: Run) -> None:
    a = run.args
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        row = _step(ctx, a.policy, a.step)
        data = dataclasses.replace(policies.step_data(row), **_given(a))
        _emit_change(run, policies.edit_step(ctx, row.id, data))


def cmd_step_delete(run: Run) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        _emit_change(run, policies.delete_step(ctx, _step(ctx, run.args.policy, run.args.step).id))


def cmd_step_move(run: Run) -> None:
    with run.ledger.transaction() as s:
        ctx = run.ctx(s)
        row = _step(ctx, run.args.policy, run.args.step)
        _emit_change(run, policies.move_step(ctx, row.id, run.args.to - row.position))


def _step_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name")
    p.add_argument("--anchor", help=f"{', '.join(POLICY_ANCHORS)}")
    p.add_argument("--offset", dest="offset_days", type=int, help="days after the anchor (negative: before)")
    p.add_argument("--channel", help=f"{', '.join(policies.STEP_CHANNELS)}")
    p.add_argument("--template", help="template name, e.g. overdue_first")
    p.add_argument("--attach-invoice", type=_yes_no, metavar="yes|no")
    p.add_argument("--repeat-every", dest="repeat_every_days", type=int, metavar="DAYS")
    p.add_argument("--repeat-max", type=int, metavar="N")
    p.add_argument("--action", help=f"at the step: {', '.join(POLICY_ACTIONS)}")
    p.add_argument("--active", type=_yes_no, metavar="yes|no")


def register(add: Adder, psub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Adds the editing subcommands to `collector policy` (called from cli_reminders.register)."""
    p = add("new", cmd_policy_new, "a new, empty policy to add steps to", psub)
    p.add_argument("name")
    p.add_argument("--description")
    p.add_argument("--group-by-contractor", action="store_true", help="one message per contractor")
    p = add("set", cmd_policy_set, "rename, describe, or switch one message per contractor", psub)
    p.add_argument("name")
    p.add_argument("--rename", metavar="NEW")
    p.add_argument("--description")
    p.add_argument("--group-by-contractor", type=_yes_no, metavar="yes|no")
    p = add("default", cmd_policy_default, "make a policy the default one", psub)
    p.add_argument("name")
    p = add("delete", cmd_policy_delete, "delete a policy (one with outbox history cannot be)", psub)
    p.add_argument("name")
    p.add_argument("--reassign-to", metavar="POLICY", help="the policy its segments and contractors follow instead")

    ssub = add("step", _need_sub, "add, edit, delete or move a policy's steps", psub).add_subparsers(
        dest="step_command", required=True, parser_class=parser_class)
    p = add("add", cmd_step_add, "add a step (last, or at --position)", ssub)
    p.add_argument("policy")
    _step_options(p)
    p.add_argument("--position", type=int, help="1-based; later steps move down")
    p = add("edit", cmd_step_edit, "change the given fields of a step", ssub)
    p.add_argument("policy")
    p.add_argument("step", help="its position in `policy show`, or its name")
    _step_options(p)
    p.add_argument("--no-repeat", action="store_true", help="stop repeating")
    p = add("delete", cmd_step_delete, "delete a step (one with outbox rows is switched off)", ssub)
    p.add_argument("policy")
    p.add_argument("step", help="its position in `policy show`, or its name")
    p = add("move", cmd_step_move, "move a step to another position", ssub)
    p.add_argument("policy")
    p.add_argument("step", help="its position in `policy show`, or its name")
    p.add_argument("--to", type=int, required=True, metavar="POSITION")


def _need_sub(run: Run) -> None:  # pragma: no cover - argparse requires the subcommand
    raise UserError(None, "a subcommand is required")
