"""Reminder policies as data the user edits: validation, JSON export/import, assignment to segments and contractors."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select, update

from collector_app.db.models import POLICY_ACTIONS, POLICY_ANCHORS, Contractor, Outbox, Policy, PolicyStep, Segment
from collector_app.domain.errors import UserError
from collector_app.services import audit
from collector_app.services.context import Ctx
from collector_app.services.contractors import find_contractor

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


def delete_policy(ctx: Ctx, name: str) -> None:
    policy = get_policy(ctx, name)
    if policy.is_default:
        raise UserError("policy", f'"{policy.name}" is the default policy: make another one the default first')
    planned = ctx.session.scalar(
        select(func.count()).select_from(Outbox).join(PolicyStep, PolicyStep.id == Outbox.step_id)
        .where(PolicyStep.policy_id == policy.id)) or 0
    if planned:
        raise UserError("policy", f'"{policy.name}" has {planned} outbox rows (its history): '
                        "deactivate its steps or reassign its contractors instead")
    for model in (Segment, Contractor):
        ctx.session.execute(update(model).where(model.policy_id == policy.id).values(policy_id=None))
    audit.record(ctx, "policy.deleted", "policy", policy.id, f'Policy "{policy.name}" deleted',
                 details=_as_json_obj(policy_data(policy)))
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


def assign_to_contractor(ctx: Ctx, contractor: str, policy_name: str | None) -> Contractor:
    """Override the segment's policy for one contractor (None: back to the segment's or the default)."""
    c = find_contractor(ctx, contractor)
    policy = get_policy(ctx, policy_name) if policy_name else None
    c.policy_id = policy.id if policy else None
    what = f'policy "{policy.name}"' if policy else "its segment's policy"
    audit.record(ctx, "policy.assigned", "contractor", c.id, f"Reminders follow {what}", contractor_id=c.id,
                 details={"policy": policy.name if policy else None})
    ctx.session.flush()
    return c


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


def import_json(ctx: Ctx, content: str, *, replace: bool = False, source: str = "file") -> Policy:
    """Create a policy from JSON; a policy of the same name is replaced only when asked."""
    try:
        obj = json.loads(content)
    except json.JSONDecodeError as exc:
        raise UserError(source, f"line {exc.lineno}: not JSON ({exc.msg})") from exc
    data = parse_policy(obj)
    existing = ctx.session.scalar(select(Policy).where(func.lower(Policy.name) == data.name.lower()))
    if existing is None:
        return create_policy(ctx, data)
    if not replace:
        raise UserError("name", f'a policy named "{existing.name}" exists already: use --replace to overwrite it')
    if existing.is_default and not data.is_default:
        data = PolicyData(data.name, data.description, data.group_by_contractor, True, data.steps)
    return update_policy(ctx, existing.name, data)
