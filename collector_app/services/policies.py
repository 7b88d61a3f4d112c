"""Reminder policies as data the user edits: validation, JSON export/import, assignment to segments and contractors."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import func, select, update

from collector_app.db.models import (
    DEMAND_KINDS,
    POLICY_ACTIONS,
    POLICY_ANCHORS,
    Contractor,
    Outbox,
    Policy,
    PolicyStep,
    Segment,
)
from collector_app.domain.errors import UserError
from collector_app.services import audit
from collector_app.services.context import Ctx
from collector_app.services.contractors import find_contractor, get_contractor

EXPORT_FORMAT = "collector-policy/1"
STEP_CHANNELS = ("email", "sms", "letter")
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
MAX_OFFSET = 365
MAX_REPEATS = 52


@dataclass(frozen=True)
class StepData:
    """One step as a person (or a JSON file) states it."""

    name: str
    anchor: str
    offset_days: int
    channel: str
    template: str
    attach_invoice: bool = False
    repeat_every_days: int | None = None
    repeat_max: int | None = None
    action: str = "none"
    active: bool = True


@dataclass(frozen=True)
class PolicyData:
    name: str
    description: str | None = None
    group_by_contractor: bool = False
    is_default: bool = False
    steps: tuple[StepData, ...] = field(default_factory=tuple)


# --- validation ----------------------------------------------------------------------------

def _clean_name(text: str, where: str, limit: int = 100) -> str:
    clean = " ".join(str(text).split())
    if not clean:
        raise UserError(where, "must not be empty")
    if len(clean) > limit:
        raise UserError(where, f"is longer than {limit} characters")
    return clean


def _check_step(step: StepData, where: str) -> StepData:
    name = _clean_name(step.name, f"{where}.name")
    if step.anchor not in POLICY_ANCHORS:
        raise UserError(f"{where}.anchor", f'"{step.anchor}" is not an anchor (expected {", ".join(POLICY_ANCHORS)})')
    if step.channel not in STEP_CHANNELS:
        raise UserError(f"{where}.channel", f'"{step.channel}" is not a channel (expected {", ".join(STEP_CHANNELS)})')
    if step.action not in POLICY_ACTIONS:
        raise UserError(f"{where}.action", f'"{step.action}" is not an action (expected {", ".join(POLICY_ACTIONS)})')
    if not TEMPLATE_NAME.match(step.template):
        raise UserError(f"{where}.template", f'"{step.template}" is not a template name (a-z, 0-9, _)')
    if not -MAX_OFFSET <= step.offset_days <= MAX_OFFSET:
        raise UserError(f"{where}.offset_days", f"{step.offset_days} is not within ±{MAX_OFFSET} days")
    if (step.repeat_every_days is None) != (step.repeat_max is None):
        raise UserError(f"{where}.repeat_max", "repeat_every_days and repeat_max go together")
    if step.repeat_every_days is not None and not 1 <= step.repeat_every_days <= MAX_OFFSET:
        raise UserError(f"{where}.repeat_every_days", f"{step.repeat_every_days} is not 1–{MAX_OFFSET} days")
    if step.repeat_max is not None and not 1 <= step.repeat_max <= MAX_REPEATS:
        raise UserError(f"{where}.repeat_max", f"{step.repeat_max} is not 1–{MAX_REPEATS} repeats")
    if step.attach_invoice and step.channel != "email":
        raise UserError(f"{where}.attach_invoice", "only an e-mail can carry the invoice")
    if step.anchor == "paid" and (step.repeat_every_days is not None or step.action != "none"):
        raise UserError(f"{where}.anchor", "a thank-you (paid) step neither repeats nor escalates")
    return StepData(name, step.anchor, step.offset_days, step.channel, step.template, step.attach_invoice,
                    step.repeat_every_days, step.repeat_max, step.action, step.active)


def check_policy(data: PolicyData) -> PolicyData:
    """The policy as it will be stored, or a UserError naming the field (steps[3].offset_days…)."""
    name = _clean_name(data.name, "name")
    steps = tuple(_check_step(s, f"steps[{i}]") for i, s in enumerate(data.steps, start=1))
    seen: set[str] = set()
    for i, s in enumerate(steps, start=1):
        if s.name.lower() in seen:
            raise UserError(f"steps[{i}].name", f'"{s.name}" is used by an earlier step of this policy')
        seen.add(s.name.lower())
    description = (data.description or "").strip() or None
    return PolicyData(name, description, bool(data.group_by_contractor), bool(data.is_default), steps)


# --- reading -------------------------------------------------------------------------------

def list_policies(ctx: Ctx) -> list[Policy]:
    return list(ctx.session.scalars(select(Policy).order_by(Policy.name)))


def get_policy(ctx: Ctx, name: str, *, field_name: str = "policy") -> Policy:
    policy = ctx.session.scalar(select(Policy).where(func.lower(Policy.name) == name.strip().lower()))
    if policy is None:
        known = ", ".join(p.name for p in list_policies(ctx)) or "none"
        raise UserError(field_name, f'no policy named "{name}" (known: {known})')
    return policy


def default_policy(ctx: Ctx) -> Policy | None:
    return ctx.session.scalar(select(Policy).where(Policy.is_default).order_by(Policy.id).limit(1))


def followed_policy_id(ctx: Ctx, contractor: Contractor, default_id: int | None = None) -> int | None:
    """The policy a contractor follows: its own, else its segment's, else the default (`default_id` when the
    caller has read it already; planning's SQL says the same with COALESCE)."""
    if contractor.policy_id is not None:
        return contractor.policy_id
    segment = ctx.session.get(Segment, contractor.segment_id) if contractor.segment_id is not None else None
    if segment is not None and segment.policy_id is not None:
        return segment.policy_id
    if default_id is not None:
        return default_id
    fallback = default_policy(ctx)
    return fallback.id if fallback is not None else None


def policy_data(policy: Policy) -> PolicyData:
    return PolicyData(
        policy.name, policy.description, policy.group_by_contractor, policy.is_default,
        tuple(StepData(s.name, s.anchor, s.offset_days, s.channel, s.template, s.attach_invoice,
                       s.repeat_every_days, s.repeat_max, s.action, s.active) for s in policy.steps),
    )


def usage(ctx: Ctx, policy: Policy) -> dict[str, int]:
    """How many segments and contractors name the policy (the default also serves the rest)."""
    segments = ctx.session.scalar(select(func.count()).where(Segment.policy_id == policy.id)) or 0
    contractors = ctx.session.scalar(select(func.count()).where(Contractor.policy_id == policy.id)) or 0
    return {"segments": segments, "contractors": contractors}


# --- writing -------------------------------------------------------------------------------

def _make_default(ctx: Ctx, policy: Policy) -> None:
    ctx.session.execute(update(Policy).where(Policy.id != policy.id).values(is_default=False))
    policy.is_default = True


def _refuse_taken_name(ctx: Ctx, name: str, own_id: int | None) -> None:
    query = select(Policy.id).where(func.lower(Policy.name) == name.lower())
    if own_id is not None:
        query = query.where(Policy.id != own_id)
    if ctx.session.scalar(query) is not None:
        raise UserError("name", f'a policy named "{name}" exists already')


def create_policy(ctx: Ctx, data: PolicyData) -> Policy:
    clean = check_policy(data)
    _refuse_taken_name(ctx, clean.name, None)
    policy = Policy(name=clean.name, description=clean.description, group_by_contractor=clean.group_by_contractor,
                    is_default=False, created_at=ctx.clock.now())
    ctx.session.add(policy)
    ctx.session.flush()
    _write_steps(ctx, policy, clean.steps)
    if clean.is_default:
        _make_default(ctx, policy)
    audit.record(ctx, "policy.created", "policy", policy.id, f'Policy "{policy.name}" created '
                 f"with {len(clean.steps)} steps", details=_as_json_obj(clean))
    return policy


def update_policy(ctx: Ctx, name: str, data: PolicyData) -> Policy:
    """Replace a policy's fields and steps; steps are matched by name, so their outbox history stays.

    A step removed from the policy is deleted when nothing was planned by it yet, otherwise it is kept
    inactive. Planning reads the current steps, so the change applies to invoices already open.
    """
    policy = get_policy(ctx, name)
    clean = check_policy(data)
    _refuse_taken_name(ctx, clean.name, policy.id)
    if policy.is_default and not clean.is_default:
        raise UserError("is_default", f'"{policy.name}" is the default policy: make another one the default instead')
    before = _as_json_obj(policy_data(policy))
    policy.name, policy.description = clean.name, clean.description
    policy.group_by_contractor = clean.group_by_contractor
    _write_steps(ctx, policy, clean.steps)
    if clean.is_default:
        _make_default(ctx, policy)
    audit.record(ctx, "policy.updated", "policy", policy.id, f'Policy "{policy.name}" changed',
                 details={"before": before, "after": _as_json_obj(clean)})
    return policy


def _write_steps(ctx: Ctx, policy: Policy, steps: tuple[StepData, ...]) -> None:
    session = ctx.session
    existing = {s.name.lower(): s for s in session.scalars(select(PolicyStep).where(PolicyStep.policy_id == policy.id))}
    for s in existing.values():  # free the positions (unique per policy) before renumbering
        s.position = -s.id
    session.flush()
    for position, data in enumerate(steps, start=1):
        row = existing.pop(data.name.lower(), None)
        if row is None:
            row = PolicyStep(policy_id=policy.id)
            session.add(row)
        row.position, row.name, row.anchor, row.offset_days = position, data.name, data.anchor, data.offset_days
        row.channel, row.template, row.attach_invoice = data.channel, data.template, data.attach_invoice
        row.repeat_every_days, row.repeat_max = data.repeat_every_days, data.repeat_max
        row.action, row.active = data.action, data.active
    position = len(steps)
    for row in existing.values():
        if session.scalar(select(Outbox.id).where(Outbox.step_id == row.id).limit(1)) is None:
            session.delete(row)
        else:  # its outbox rows are history: keep the step, switched off, after the others
            position += 1
            row.position, row.active = position, False
    session.flush()
    session.expire(policy, ["steps"])


def check_deletable(ctx: Ctx, name: str) -> Policy:
    """The policy, or the UserError `delete_policy` would raise for it whatever it is told (the default policy,
    or one with outbox history), so a window can refuse before asking where its followers should go."""
    policy = get_policy(ctx, name)
    if policy.is_default:
        raise UserError("policy", f'"{policy.name}" is the default policy: make another one the default first')
    planned = ctx.session.scalar(
        select(func.count()).select_from(Outbox).join(PolicyStep, PolicyStep.id == Outbox.step_id)
        .where(PolicyStep.policy_id == policy.id)) or 0
    if planned:
        raise UserError("policy", f'"{policy.name}" has {planned} outbox rows (its history): '
                        "deactivate its steps or reassign its contractors instead")
    return policy


def delete_policy(ctx: Ctx, name: str, *, reassign_to: str | None = None) -> None:
    """Delete a policy nobody follows, or move its segments and contractors to `reassign_to` first.

    A policy with outbox rows keeps them as history, so it cannot be deleted (switch its steps off).
    """
    policy = check_deletable(ctx, name)
    used = usage(ctx, policy)
    target = get_policy(ctx, reassign_to, field_name="reassign_to") if reassign_to else None
    if target is not None and target.id == policy.id:
        raise UserError("reassign_to", "choose another policy than the one being deleted")
    if target is None and (used["segments"] or used["contractors"]):
        raise UserError("policy", f'"{policy.name}" is followed by {used["segments"]} segment(s) and '
                        f'{used["contractors"]} contractor(s): choose the policy they follow instead')
    for model in (Segment, Contractor):
        ctx.session.execute(update(model).where(model.policy_id == policy.id)
                            .values(policy_id=target.id if target else None))
    moved = f', its {used["segments"]} segment(s) and {used["contractors"]} contractor(s) moved to ' \
        f'"{target.name}"' if target else ""
    audit.record(ctx, "policy.deleted", "policy", policy.id, f'Policy "{policy.name}" deleted{moved}',
                 details={**_as_json_obj(policy_data(policy)), "reassigned_to": target.name if target else None})
    ctx.session.delete(policy)
    ctx.session.flush()


def assign_to_segment(ctx: Ctx, segment: str, policy_name: str | None) -> Segment:
    """Give a segment a policy (None: its contractors follow the default policy)."""
    seg = ctx.session.scalar(select(Segment).where(func.lower(Segment.name) == segment.strip().lower()))
    if seg is None:
        raise UserError("segment", f'no segment named "{segment}"')
    policy = get_policy(ctx, policy_name) if policy_name else None
    seg.policy_id = policy.id if policy else None
    what = f'policy "{policy.name}"' if policy else "the default policy"
    audit.record(ctx, "policy.assigned", "segment", seg.id, f'Segment "{seg.name}" follows {what}',
                 details={"segment": seg.name, "policy": policy.name if policy else None})
    ctx.session.flush()
    return seg


def assign_to_contractor(ctx: Ctx, contractor: str | int, policy_name: str | None) -> Contractor:
    """Override the segment's policy for one contractor (None: back to the segment's or the default).

    `contractor` is a tax id or id as typed (the CLI), or the id itself (the window)."""
    c = get_contractor(ctx, contractor) if isinstance(contractor, int) else find_contractor(ctx, contractor)
    policy = get_policy(ctx, policy_name) if policy_name else None
    c.policy_id = policy.id if policy else None
    what = f'policy "{policy.name}"' if policy else "its segment's policy"
    audit.record(ctx, "policy.assigned", "contractor", c.id, f"Reminders follow {what}", contractor_id=c.id,
                 details={"policy": policy.name if policy else None})
    ctx.session.flush()
    return c


# --- editing in place (the Policies page) --------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """What an edit did: the policy and step to show selected afterwards, and the sentence recorded."""

    policy_id: int
    policy: str
    step_id: int | None
    summary: str


CHANNEL_BLOCKS = {"email": ("subject", "text"), "sms": ("sms",), "letter": ("subject", "text")}


def blocks_fault(path: str, channel: str, blocks: Collection[str]) -> str | None:
    """Why template text `path` with `blocks` cannot be sent by `channel`: a block it needs is missing (None: none)."""
    block = next((b for b in CHANNEL_BLOCKS[channel] if b not in blocks), None)
    return None if block is None else f'{path} has no "{block}" block, which the {channel} channel needs'


def template_fault(env: ImmutableSandboxedEnvironment, name: str, channel: str) -> str | None:
    """Why a step of `channel` could not send template `name` in some language the program ships (None: it can).

    Each language's text is the edited or shipped one the sender would render (English when it has none).
    """
    from collector_app.services.templates_store import is_reminder_template
    from collector_app.templates.render import LANGUAGES, shipped_names, template_path

    if not is_reminder_template(name) or name not in shipped_names():
        return "there is no such reminder template"
    for lang in LANGUAGES:
        try:
            path = template_path(lang, name, env)
            blocks = env.get_template(path).blocks
        except UserError as exc:  # a broken edited text: the template editor shows why
            return exc.message
        fault = blocks_fault(path, channel, blocks)
        if fault is not None:
            return fault
    return None


def available_templates(ctx: Ctx, channel: str) -> list[str]:
    """The templates a step of `channel` can use: those whose texts (edited or shipped) have the blocks it needs."""
    from collector_app.services.templates_store import environment
    from collector_app.templates.render import shipped_names

    if channel not in CHANNEL_BLOCKS:
        raise UserError("channel", f'"{channel}" is not a channel (expected {", ".join(STEP_CHANNELS)})')
    env = environment(ctx)
    return [name for name in shipped_names() if template_fault(env, name, channel) is None]


def check_step_template(ctx: Ctx, step: StepData, where: str) -> None:
    """The step's template can be sent by its channel in every language; a letter step may name a letter kind."""
    from collector_app.services.templates_store import environment

    if step.channel == "letter" and step.template in DEMAND_KINDS:
        return  # the outbox makes a letter of that kind in the demand register
    fault = template_fault(environment(ctx), step.template, step.channel)
    if fault is not None:
        raise UserError(f"{where}.template", f'"{step.template}" is not a template for {step.channel}: {fault} '
                        f'(available: {", ".join(available_templates(ctx, step.channel))})')


def _checked_step(ctx: Ctx, policy: Policy, data: StepData, own_id: int | None) -> StepData:
    step = _check_step(data, "step")
    check_step_template(ctx, step, "step")
    for other in policy.steps:
        if other.id != own_id and other.name.lower() == step.name.lower():
            raise UserError("step.name", f'"{step.name}" is the name of another step of this policy')
    return step


def _apply(row: PolicyStep, data: StepData) -> None:
    row.name, row.anchor, row.offset_days, row.channel = data.name, data.anchor, data.offset_days, data.channel
    row.template, row.attach_invoice, row.action, row.active = data.template, data.attach_invoice, data.action, \
        data.active
    row.repeat_every_days, row.repeat_max = data.repeat_every_days, data.repeat_max


def step_data(row: PolicyStep) -> StepData:
    return StepData(row.name, row.anchor, row.offset_days, row.channel, row.template, row.attach_invoice,
                    row.repeat_every_days, row.repeat_max, row.action, row.active)


def _renumber(ctx: Ctx, policy: Policy, ordered: list[PolicyStep]) -> None:
    """Positions 1..n in this order; freed first, as (policy, position) is unique at every flush."""
    for row in ordered:
        row.position = -row.id
    ctx.session.flush()
    for position, row in enumerate(ordered, start=1):
        row.position = position
    ctx.session.flush()
    ctx.session.expire(policy, ["steps"])


def _get_step(ctx: Ctx, step_id: int) -> PolicyStep:
    row = ctx.session.get(PolicyStep, step_id)
    if row is None:
        raise UserError("step", f"step {step_id} no longer exists (someone else may have deleted it)")
    return row


def _record(ctx: Ctx, policy: Policy, action: str, summary: str, step_id: int | None,
            details: dict[str, Any]) -> Change:
    audit.record(ctx, action, "policy", policy.id, summary, details=details)
    return Change(policy.id, policy.name, step_id, summary)


def new_policy(ctx: Ctx, name: str, description: str | None = None, *, group_by_contractor: bool = False) -> Change:
    """An empty policy to add steps to (it sends nothing until it has active steps and followers)."""
    policy = create_policy(ctx, PolicyData(name, description, group_by_contractor))
    return Change(policy.id, policy.name, None, f'Policy "{policy.name}" created')


def set_details(ctx: Ctx, name: str, *, new_name: str, description: str | None,
                group_by_contractor: bool) -> Change:
    """Rename, describe, and choose one message per contractor or one per invoice."""
    policy = get_policy(ctx, name)
    clean_name = _clean_name(new_name, "name")
    _refuse_taken_name(ctx, clean_name, policy.id)
    clean_description = (description or "").strip() or None
    before = {"name": policy.name, "description": policy.description, "group_by_contractor": policy.group_by_contractor}
    after = {"name": clean_name, "description": clean_description, "group_by_contractor": bool(group_by_contractor)}
    if before == after:
        return Change(policy.id, policy.name, None, "nothing changed")
    policy.name, policy.description, policy.group_by_contractor = clean_name, clean_description, group_by_contractor
    ctx.session.flush()
    changed = ", ".join(k.replace("_", " ") for k in after if after[k] != before[k])
    return _record(ctx, policy, "policy.updated", f'Policy "{policy.name}": {changed} changed', None,
                   {"before": before, "after": after})


def set_default(ctx: Ctx, name: str) -> Change:
    """Contractors with no policy of their own or of their segment follow this one from now on."""
    policy = get_policy(ctx, name)
    previous = default_policy(ctx)
    if previous is not None and previous.id == policy.id:
        return Change(policy.id, policy.name, None, "nothing changed")
    _make_default(ctx, policy)
    ctx.session.flush()
    return _record(ctx, policy, "policy.default", f'Policy "{policy.name}" is the default', None,
                   {"previous": previous.name if previous else None})


def add_step(ctx: Ctx, policy_name: str, data: StepData, *, position: int | None = None) -> Change:
    """A new step at `position` (1-based; default: last); later steps move down one."""
    policy = get_policy(ctx, policy_name)
    step = _checked_step(ctx, policy, data, None)
    ordered = list(policy.steps)
    at = len(ordered) if position is None else max(0, min(position - 1, len(ordered)))
    row = PolicyStep(policy_id=policy.id, position=-(len(ordered) + 1) * 1000)
    _apply(row, step)
    ctx.session.add(row)
    ctx.session.flush()
    ordered.insert(at, row)
    _renumber(ctx, policy, ordered)
    return _record(ctx, policy, "policy.step_added", f'Policy "{policy.name}": step "{step.name}" added',
                   row.id, {"step": asdict(step), "position": row.position})


def edit_step(ctx: Ctx, step_id: int, data: StepData) -> Change:
    """Change a step; invoices already open follow the new step from the next planning run."""
    row = _get_step(ctx, step_id)
    policy = row.policy
    step = _checked_step(ctx, policy, data, row.id)
    before = step_data(row)
    if before == step:
        return Change(policy.id, policy.name, row.id, "nothing changed")
    _apply(row, step)
    ctx.session.flush()
    return _record(ctx, policy, "policy.step_changed", f'Policy "{policy.name}": step "{step.name}" changed',
                   row.id, {"before": asdict(before), "after": asdict(step)})


def step_has_history(ctx: Ctx, step_id: int) -> bool:
    """The step planned outbox rows: deleting it keeps it, switched off and moved after the others."""
    return ctx.session.scalar(select(Outbox.id).where(Outbox.step_id == step_id).limit(1)) is not None


def delete_step(ctx: Ctx, step_id: int) -> Change:
    """Delete a step; one that already planned messages is kept switched off, as their history."""
    row = _get_step(ctx, step_id)
    policy = row.policy
    ordered = [s for s in policy.steps if s.id != row.id]
    if step_has_history(ctx, row.id):
        row.active = False
        _renumber(ctx, policy, [*ordered, row])
        return _record(ctx, policy, "policy.step_deactivated",
                       f'Policy "{policy.name}": step "{row.name}" switched off (it has outbox history)',
                       row.id, {"step": asdict(step_data(row))})
    details = {"step": asdict(step_data(row)), "position": row.position}
    name = row.name
    ctx.session.delete(row)
    ctx.session.flush()
    _renumber(ctx, policy, ordered)
    return _record(ctx, policy, "policy.step_deleted", f'Policy "{policy.name}": step "{name}" deleted', None,
                   details)


def move_step(ctx: Ctx, step_id: int, by: int) -> Change:
    """Move a step up (by < 0) or down (by > 0) in its policy; positions stay 1..n."""
    row = _get_step(ctx, step_id)
    policy = row.policy
    ordered = list(policy.steps)
    old = ordered.index(row)
    new = max(0, min(old + by, len(ordered) - 1))
    if new == old:
        return Change(policy.id, policy.name, row.id, "nothing changed")
    ordered.insert(new, ordered.pop(old))
    _renumber(ctx, policy, ordered)
    return _record(ctx, policy, "policy.step_moved",
                   f'Policy "{policy.name}": step "{row.name}" moved to position {new + 1}', row.id,
                   {"step": row.name, "from": old + 1, "to": new + 1})


# --- JSON ----------------------------------------------------------------------------------

def _as_json_obj(data: PolicyData) -> dict[str, Any]:
    obj = asdict(data)
    obj["steps"] = [asdict(s) for s in data.steps]
    return obj


def export_policy(ctx: Ctx, name: str) -> dict[str, Any]:
    return {"format": EXPORT_FORMAT, **_as_json_obj(policy_data(get_policy(ctx, name)))}


def export_json(ctx: Ctx, name: str) -> str:
    return json.dumps(export_policy(ctx, name), ensure_ascii=False, indent=2) + "\n"


_STEP_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "anchor": (str,), "offset_days": (int,), "channel": (str,), "template": (str,),
    "attach_invoice": (bool,), "repeat_every_days": (int, type(None)), "repeat_max": (int, type(None)),
    "action": (str,), "active": (bool,),
}
_STEP_REQUIRED = ("name", "anchor", "offset_days", "channel", "template")
_POLICY_TYPES: dict[str, tuple[type, ...]] = {
    "format": (str,), "name": (str,), "description": (str, type(None)), "group_by_contractor": (bool,),
    "is_default": (bool,), "steps": (list,),
}


def _typed(obj: dict[str, Any], types: dict[str, tuple[type, ...]], required: tuple[str, ...], where: str) -> None:
    for key in obj:
        if key not in types:
            raise UserError(f"{where}{key}", f"is not a known field (expected {', '.join(types)})")
    for key in required:
        if key not in obj:
            raise UserError(f"{where}{key}", "is required")
    for key, value in obj.items():
        bad_bool = isinstance(value, bool) and bool not in types[key]
        if bad_bool or not isinstance(value, types[key]):
            expected = " or ".join("null" if t is type(None) else t.__name__ for t in types[key])
            raise UserError(f"{where}{key}", f"{json.dumps(value)} is not {expected}")


def parse_policy(obj: Any) -> PolicyData:
    """A policy from exported JSON, fully validated before anything is written."""
    if not isinstance(obj, dict):
        raise UserError(None, "a policy file holds one JSON object")
    _typed(obj, _POLICY_TYPES, ("name", "steps"), "")
    if obj.get("format", EXPORT_FORMAT) != EXPORT_FORMAT:
        raise UserError("format", f'"{obj["format"]}" is not {EXPORT_FORMAT}')
    if not obj["steps"]:
        raise UserError("steps", "a policy file needs at least one step")
    steps = []
    for i, raw in enumerate(obj["steps"], start=1):
        if not isinstance(raw, dict):
            raise UserError(f"steps[{i}]", "is not an object")
        _typed(raw, _STEP_TYPES, _STEP_REQUIRED, f"steps[{i}].")
        steps.append(StepData(**raw))
    return check_policy(PolicyData(
        name=obj["name"], description=obj.get("description"),
        group_by_contractor=obj.get("group_by_contractor", False), is_default=obj.get("is_default", False),
        steps=tuple(steps),
    ))


@dataclass(frozen=True)
class Imported:
    """An imported policy, and the default policy kept although the file marked the imported one as the default."""

    policy: Policy
    default_kept: str | None = None

    def note(self, how: str) -> str | None:
        """What to tell the user about the file's is_default; `how` says how to ask ("pass --make-default")."""
        if self.default_kept is None:
            return None
        return (f'the file marks "{self.policy.name}" as the default: kept "{self.default_kept}" as the default; '
                f'{how} to make "{self.policy.name}" the default')


def import_json(ctx: Ctx, content: str, *, replace: bool = False, make_default: bool = False,
                source: str = "file") -> Imported:
    """Create a policy from JSON, checked in full first (its templates too); a policy of the same name is
    replaced only when asked. Which policy is the default changes only with `make_default`, never because
    the file says is_default (an exported default policy says so)."""
    try:
        obj = json.loads(content)
    except json.JSONDecodeError as exc:
        raise UserError(source, f"line {exc.lineno}: not JSON ({exc.msg})") from exc
    data = parse_policy(obj)
    for i, step in enumerate(data.steps, start=1):
        check_step_template(ctx, step, f"steps[{i}]")
    existing = ctx.session.scalar(select(Policy).where(func.lower(Policy.name) == data.name.lower()))
    if existing is not None and not replace:
        raise UserError("name", f'a policy named "{existing.name}" exists already: use --replace to overwrite it')
    default = default_policy(ctx)
    kept = dataclasses.replace(data, is_default=existing is not None and existing.is_default)
    policy = create_policy(ctx, kept) if existing is None else update_policy(ctx, existing.name, kept)
    if make_default:
        set_default(ctx, policy.name)
    elif data.is_default and not kept.is_default and default is not None:
        return Imported(policy, default.name)
    return Imported(policy)
