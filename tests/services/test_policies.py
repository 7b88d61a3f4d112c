"""Reminder policies as data: the seeded three, validation naming the field, JSON round trip, assignment."""

from __future__ import annotations

import dataclasses
import json

import pytest
from helpers.ledger import contractor, events, expect_error
from sqlalchemy import func, select

from collector_app.db.models import Outbox, Policy, PolicyStep
from collector_app.services import policies
from collector_app.services.context import Ctx
from collector_app.services.policies import PolicyData, StepData

STEP = StepData("Reminder", "due", 3, "email", "overdue_first")


def test_three_policies_are_seeded_with_standard_as_the_default(ctx: Ctx) -> None:
    assert [p.name for p in policies.list_policies(ctx)] == ["Firm", "Gentle", "Standard"]
    default = policies.default_policy(ctx)
    assert default is not None and default.name == "Standard"
    std = [(s.anchor, s.offset_days, s.channel, s.template, s.repeat_every_days, s.repeat_max, s.action)
           for s in default.steps]
    assert std == [
        ("issue", 0, "email", "invoice_issued", None, None, "none"),
        ("due", -2, "sms", "before_due", None, None, "none"),
        ("due", 0, "email", "due_today", None, None, "none"),
        ("due", 2, "email", "overdue_first", None, None, "none"),
        ("due", 2, "sms", "overdue_first", None, None, "none"),
        ("due", 9, "email", "overdue_weekly", 7, 1, "none"),
        ("due", 21, "email", "overdue_final", None, None, "task"),
        ("paid", 0, "email", "thank_you", None, None, "none"),
    ]
    assert default.steps[0].attach_invoice
    firm = policies.get_policy(ctx, "firm")
    assert [s.action for s in firm.steps if s.action != "none"] == ["ready_for_demand"]


@pytest.mark.parametrize(("change", "field"), [
    ({"anchor": "sent"}, "steps[1].anchor"),
    ({"channel": "fax"}, "steps[1].channel"),
    ({"action": "sue"}, "steps[1].action"),
    ({"template": "../etc/passwd"}, "steps[1].template"),
    ({"offset_days": 400}, "steps[1].offset_days"),
    ({"repeat_every_days": 7}, "steps[1].repeat_max"),
    ({"repeat_every_days": 0, "repeat_max": 2}, "steps[1].repeat_every_days"),
    ({"repeat_every_days": 7, "repeat_max": 0}, "steps[1].repeat_max"),
    ({"channel": "sms", "attach_invoice": True}, "steps[1].attach_invoice"),
    ({"anchor": "paid", "action": "task"}, "steps[1].anchor"),
    ({"name": "  "}, "steps[1].name"),
])
def test_a_bad_step_is_refused_naming_its_field(ctx: Ctx, change: dict[str, object], field: str) -> None:
    with expect_error(field, ctx):
        policies.create_policy(ctx, PolicyData("Custom", steps=(dataclasses.replace(STEP, **change),)))  # type: ignore[arg-type]
    assert ctx.session.scalar(select(Policy).where(Policy.name == "Custom")) is None


def test_names_are_unique_for_policies_and_for_steps_within_one(ctx: Ctx) -> None:
    with expect_error("name", ctx):
        policies.create_policy(ctx, PolicyData("standard", steps=(STEP,)))
    with expect_error("steps[2].name", ctx):
        policies.create_policy(ctx, PolicyData("Custom", steps=(STEP, STEP)))


def test_create_update_delete_each_write_an_audit_event(ctx: Ctx) -> None:
    p = policies.create_policy(ctx, PolicyData("Custom", "mine", steps=(STEP,)))
    assert [s.name for s in p.steps] == ["Reminder"]
    later = StepData("Later", "due", 10, "sms", "overdue_first")
    p = policies.update_policy(ctx, "Custom", PolicyData("Custom", "mine", steps=(later, STEP)))
    assert [(s.position, s.name) for s in p.steps] == [(1, "Later"), (2, "Reminder")]
    policies.delete_policy(ctx, "Custom")
    assert [e.action for e in events(ctx) if e.entity == "policy"] == [
        "policy.created", "policy.updated", "policy.deleted"]


def test_an_update_keeps_a_step_with_outbox_history_switched_off(ctx: Ctx) -> None:
    from helpers.ledger import at, invoice

    from collector_app.services.reminders import plan

    c = contractor(ctx, email="a@b.example")
    invoice(ctx, c, "FV/1", "100.00", ctx.clock.today())
    plan(at(ctx, ctx.clock.today()))
    data = policies.policy_data(policies.get_policy(ctx, "Standard"))
    kept = tuple(s for s in data.steps if s.name != "Due today")
    p = policies.update_policy(ctx, "Standard", dataclasses.replace(data, steps=kept))
    assert [(s.name, s.active) for s in p.steps][-1] == ("Due today", False)
    assert ctx.session.scalar(select(func.count()).select_from(Outbox)) > 0
    with expect_error("policy", ctx):
        policies.delete_policy(ctx, "Standard")  # the default


def test_the_default_moves_only_by_making_another_policy_the_default(ctx: Ctx) -> None:
    gentle = policies.policy_data(policies.get_policy(ctx, "Gentle"))
    policies.update_policy(ctx, "Gentle", dataclasses.replace(gentle, is_default=True))
    assert [p.name for p in policies.list_policies(ctx) if p.is_default] == ["Gentle"]
    std = policies.policy_data(policies.get_policy(ctx, "Gentle"))
    with expect_error("is_default", ctx):
        policies.update_policy(ctx, "Gentle", dataclasses.replace(std, is_default=False))


def test_export_then_import_gives_the_same_policy(ctx: Ctx) -> None:
    exported = policies.export_json(ctx, "Firm")
    obj = json.loads(exported)
    assert obj["format"] == "collector-policy/1" and len(obj["steps"]) == 9
    obj["name"] = "Firm copy"
    copy = policies.import_json(ctx, json.dumps(obj)).policy
    again = policies.export_policy(ctx, "Firm copy")
    assert again == obj
    assert copy.id != policies.get_policy(ctx, "Firm").id


def test_import_of_an_existing_name_is_refused_unless_replace(ctx: Ctx) -> None:
    obj = policies.export_policy(ctx, "Gentle")
    obj["steps"] = obj["steps"][:2]
    with expect_error("name", ctx):
        policies.import_json(ctx, json.dumps(obj))
    p = policies.import_json(ctx, json.dumps(obj), replace=True).policy
    assert len([s for s in p.steps if s.active]) == 2


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda o: o["steps"][1].update(offset_days="5"), "steps[2].offset_days"),
    (lambda o: o["steps"][2].update(colour="red"), "steps[3].colour"),
    (lambda o: o["steps"][0].pop("channel"), "steps[1].channel"),
    (lambda o: o.update(is_default="yes"), "is_default"),
    (lambda o: o["steps"][3].update(channel="pigeon"), "steps[4].channel"),
    (lambda o: o.update(format="other/2"), "format"),
])
def test_import_validates_everything_before_writing(ctx: Ctx, mutate: object, field: str) -> None:
    obj = policies.export_policy(ctx, "Firm")
    obj["name"] = "New one"
    mutate(obj)  # type: ignore[operator]
    before = ctx.session.scalar(select(func.count()).select_from(PolicyStep))
    with expect_error(field, ctx):
        policies.import_json(ctx, json.dumps(obj))
    assert ctx.session.scalar(select(func.count()).select_from(PolicyStep)) == before


def test_import_of_text_that_is_not_json_names_the_line(ctx: Ctx) -> None:
    with expect_error("policy.json", ctx) as info:
        policies.import_json(ctx, "{\n  nope", source="policy.json")
    assert "line 2" in str(info.value)


def test_assign_to_segment_and_contractor(ctx: Ctx) -> None:
    c = contractor(ctx, segment="Wholesale")
    seg = policies.assign_to_segment(ctx, "wholesale", "Gentle")
    assert seg.policy_id == policies.get_policy(ctx, "Gentle").id
    policies.assign_to_contractor(ctx, str(c.id), "Firm")
    assert c.policy_id == policies.get_policy(ctx, "Firm").id
    policies.assign_to_contractor(ctx, str(c.id), None)
    assert c.policy_id is None
    assert len(events(ctx, "policy.assigned")) == 3
    assert policies.usage(ctx, policies.get_policy(ctx, "Gentle")) == {"segments": 1, "contractors": 0}
    with expect_error("segment", ctx):
        policies.assign_to_segment(ctx, "Nope", "Gentle")
    with expect_error("policy", ctx):
        policies.assign_to_contractor(ctx, str(c.id), "Nope")


def exported_as(ctx: Ctx, source: str, name: str) -> dict[str, object]:
    obj = policies.export_policy(ctx, source)
    obj["name"] = name
    return obj


@pytest.mark.parametrize(("mutate", "field", "expected"), [
    (lambda o: o["steps"][1].update(template="nonexistent_tpl"), "steps[2].template", "no such"),
    (lambda o: o["steps"][3].update(channel="sms", template="thank_you"), "steps[4].template",
     'pl/thank_you.j2 has no "sms" block'),
    (lambda o: o.update(steps=[]), "steps", "at least one step"),
])
def test_import_refuses_a_policy_whose_steps_could_not_be_sent(
        ctx: Ctx, mutate: object, field: str, expected: str) -> None:
    """Every step's template must have its channel's blocks in every language (the Policies page's check)."""
    from collector_app.services import templates_store

    templates_store.save_template(ctx, "pl", "thank_you",  # no SMS step sends it, so it may lack the SMS block
                                  "{% block subject %}Dzięki{% endblock %}{% block text %}Dziękujemy.{% endblock %}")
    obj = exported_as(ctx, "Standard", "Bad")
    mutate(obj)  # type: ignore[operator]
    before = ctx.session.scalar(select(func.count()).select_from(PolicyStep))
    with expect_error(field, ctx) as info:
        policies.import_json(ctx, json.dumps(obj))
    assert expected in info.value.message
    assert ctx.session.scalar(select(func.count()).select_from(PolicyStep)) == before
    assert [p.name for p in policies.list_policies(ctx) if p.is_default] == ["Standard"]


def test_a_letter_step_may_name_the_kind_of_letter_it_makes(ctx: Ctx) -> None:
    obj = exported_as(ctx, "Gentle", "With a letter")
    obj["steps"].append({"name": "Demand", "anchor": "due", "offset_days": 45,  # type: ignore[attr-defined]
                         "channel": "letter", "template": "demand"})
    assert policies.import_json(ctx, json.dumps(obj)).policy.steps[-1].template == "demand"


def test_import_never_moves_the_default_unless_asked(ctx: Ctx) -> None:
    obj = exported_as(ctx, "Standard", "Standard copy")
    assert obj["is_default"] is True  # what an export of the default says
    done = policies.import_json(ctx, json.dumps(obj))
    assert not done.policy.is_default and policies.default_policy(ctx).name == "Standard"  # type: ignore[union-attr]
    assert done.note("pass --make-default") == (
        'the file marks "Standard copy" as the default: kept "Standard" as the default; '
        'pass --make-default to make "Standard copy" the default')
    again = policies.import_json(ctx, json.dumps(obj), replace=True)
    assert not again.policy.is_default and again.note("x") is not None
    made = policies.import_json(ctx, json.dumps(obj), replace=True, make_default=True)
    assert made.policy.is_default and made.note("x") is None
    assert [p.name for p in policies.list_policies(ctx) if p.is_default] == ["Standard copy"]
    assert json.loads(events(ctx, "policy.default")[0].details or "")["previous"] == "Standard"
    obj["is_default"] = False  # re-importing the default keeps it the default
    assert policies.import_json(ctx, json.dumps(obj), replace=True).policy.is_default
    quiet = exported_as(ctx, "Gentle", "Gentle copy")
    assert policies.import_json(ctx, json.dumps(quiet), make_default=True).policy.is_default
