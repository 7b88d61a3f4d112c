"""Editing policies in place: steps added, changed, moved and deleted one at a time, each checked and recorded."""

from __future__ import annotations

import dataclasses
import json

import pytest
from helpers.ledger import at, contractor, events, expect_error, invoice
from sqlalchemy import select

from collector_app.db.models import Policy, PolicyStep, Segment
from collector_app.services import policies, templates_store
from collector_app.services.context import Ctx
from collector_app.services.policies import StepData
from collector_app.services.reminders import plan

STEP = StepData("Nudge", "due", 5, "email", "overdue_gentle")


def positions(ctx: Ctx, name: str) -> list[tuple[int, str]]:
    ctx.session.flush()
    policy = policies.get_policy(ctx, name)
    ctx.session.expire(policy, ["steps"])
    return [(s.position, s.name) for s in policy.steps]


def test_new_policy_gets_steps_at_a_position_and_they_move_up_and_down(ctx: Ctx) -> None:
    policies.new_policy(ctx, "Quarterly", "big clients", group_by_contractor=True)
    first = policies.add_step(ctx, "Quarterly", STEP)
    second = policies.add_step(ctx, "Quarterly", dataclasses.replace(STEP, name="Before", offset_days=-3,
                                                                     channel="sms", template="before_due"),
                               position=1)
    assert positions(ctx, "Quarterly") == [(1, "Before"), (2, "Nudge")]
    assert first.step_id is not None and second.step_id is not None
    policies.move_step(ctx, second.step_id, +1)
    assert positions(ctx, "Quarterly") == [(1, "Nudge"), (2, "Before")]
    assert policies.move_step(ctx, second.step_id, +1).summary == "nothing changed"  # already last
    policies.move_step(ctx, second.step_id, -1)
    assert positions(ctx, "Quarterly") == [(1, "Before"), (2, "Nudge")]
    assert [e.action for e in events(ctx) if e.entity == "policy"] == [
        "policy.created", "policy.step_added", "policy.step_added", "policy.step_moved", "policy.step_moved"]


def test_editing_a_step_checks_every_field_and_writes_nothing_when_refused(ctx: Ctx) -> None:
    step_id = policies.add_step(ctx, "Gentle", STEP).step_id
    assert step_id is not None
    for change, field in (
        ({"channel": "sms", "attach_invoice": True}, "step.attach_invoice"),
        ({"offset_days": -400}, "step.offset_days"),
        ({"repeat_every_days": 7}, "step.repeat_max"),
        ({"template": "no_such_template"}, "step.template"),
        ({"name": "final NOTICE"}, "step.name"),  # another step of Gentle is called that
        ({"name": " "}, "step.name"),
    ):
        with expect_error(field, ctx):
            policies.edit_step(ctx, step_id, dataclasses.replace(STEP, **change))  # type: ignore[arg-type]
    row = ctx.session.get_one(PolicyStep, step_id)
    assert (row.name, row.offset_days, row.channel) == ("Nudge", 5, "email")
    change = policies.edit_step(ctx, step_id, dataclasses.replace(STEP, offset_days=-1, anchor="promise",
                                                                  repeat_every_days=3, repeat_max=2,
                                                                  action="task", active=False))
    assert change.summary == 'Policy "Gentle": step "Nudge" changed'
    assert (row.anchor, row.offset_days, row.repeat_every_days, row.repeat_max, row.action, row.active) == (
        "promise", -1, 3, 2, "task", False)
    assert json.loads(events(ctx, "policy.step_changed")[0].details or "")["before"]["offset_days"] == 5


def test_a_template_offered_for_a_channel_must_have_the_blocks_the_channel_needs(ctx: Ctx) -> None:
    assert "overdue_first" in policies.available_templates(ctx, "sms")
    templates_store.save_template(ctx, "en", "thank_you",
                                  "{% block subject %}Thanks{% endblock %}{% block text %}Thank you.{% endblock %}")
    assert "thank_you" not in policies.available_templates(ctx, "sms")
    assert "thank_you" in policies.available_templates(ctx, "email")
    with expect_error("step.template", ctx):
        policies.add_step(ctx, "Gentle", dataclasses.replace(STEP, channel="sms", template="thank_you"))


def test_a_step_with_outbox_history_is_switched_off_instead_of_deleted(ctx: Ctx) -> None:
    c = contractor(ctx, email="a@b.example")
    invoice(ctx, c, "FV/1", "100.00", ctx.clock.today())
    plan(at(ctx, ctx.clock.today()))
    due_today = ctx.session.scalar(select(PolicyStep).join(Policy).where(Policy.name == "Standard",
                                                                         PolicyStep.name == "Due today"))
    assert due_today is not None
    change = policies.delete_step(ctx, due_today.id)
    assert "switched off" in change.summary
    assert positions(ctx, "Standard")[-1] == (8, "Due today") and not due_today.active
    unused = policies.add_step(ctx, "Standard", STEP).step_id
    assert unused is not None
    policies.delete_step(ctx, unused)
    assert ctx.session.get(PolicyStep, unused) is None
    assert [p for p, _ in positions(ctx, "Standard")] == list(range(1, 9))


def test_rename_group_and_default(ctx: Ctx) -> None:
    change = policies.set_details(ctx, "Gentle", new_name="Loyal", description=" for old friends ",
                                  group_by_contractor=True)
    assert change.summary == 'Policy "Loyal": name, description, group by contractor changed'
    p = policies.get_policy(ctx, "Loyal")
    assert (p.description, p.group_by_contractor) == ("for old friends", True)
    with expect_error("name", ctx):
        policies.set_details(ctx, "Loyal", new_name="firm", description=None, group_by_contractor=False)
    policies.set_default(ctx, "Loyal")
    assert [q.name for q in policies.list_policies(ctx) if q.is_default] == ["Loyal"]
    assert json.loads(events(ctx, "policy.default")[0].details or "") == {"previous": "Standard"}


def test_delete_refuses_a_policy_in_use_unless_its_followers_move(ctx: Ctx) -> None:
    policies.new_policy(ctx, "Temporary")
    ctx.session.add(Segment(name="VIP"))
    ctx.session.flush()
    policies.assign_to_segment(ctx, "VIP", "Temporary")
    c = contractor(ctx, email="a@b.example")
    policies.assign_to_contractor(ctx, str(c.id), "Temporary")
    with expect_error("policy", ctx) as err:
        policies.delete_policy(ctx, "Temporary")
    assert "1 segment(s) and 1 contractor(s)" in err.value.message
    with expect_error("reassign_to", ctx):
        policies.delete_policy(ctx, "Temporary", reassign_to="Temporary")
    policies.delete_policy(ctx, "Temporary", reassign_to="Gentle")
    gentle = policies.get_policy(ctx, "Gentle")
    assert policies.usage(ctx, gentle) == {"segments": 1, "contractors": 1}
    assert json.loads(events(ctx, "policy.deleted")[0].details or "")["reassigned_to"] == "Gentle"


@pytest.mark.parametrize("step_id", [0, 10_000])
def test_a_step_that_no_longer_exists_is_a_user_error(ctx: Ctx, step_id: int) -> None:
    with expect_error("step", ctx):
        policies.move_step(ctx, step_id, 1)


def test_what_deleting_would_do_is_known_before_asking(ctx: Ctx) -> None:
    """The Policies page asks the services first: a step's history, and whether a policy can be deleted at all."""
    c = contractor(ctx, email="a@b.example")
    invoice(ctx, c, "FV/1", "100.00", ctx.clock.today())
    plan(at(ctx, ctx.clock.today()))
    standard = {s.name: s.id for s in policies.get_policy(ctx, "Standard").steps}
    assert policies.step_has_history(ctx, standard["Due today"])
    assert not policies.step_has_history(ctx, standard["Final notice"])
    with expect_error("policy", ctx) as err:
        policies.check_deletable(ctx, "Standard")
    assert "default policy" in err.value.message
    policies.set_default(ctx, "Gentle")
    with expect_error("policy", ctx) as err:
        policies.check_deletable(ctx, "Standard")
    assert "outbox rows (its history)" in err.value.message
    with expect_error("policy", ctx):
        policies.delete_policy(ctx, "Standard", reassign_to="Firm")  # the same refusal, whatever it is told
    assert policies.check_deletable(ctx, "firm").name == "Firm"


def test_a_contractor_is_assigned_by_its_id_as_the_window_knows_it(ctx: Ctx) -> None:
    c = contractor(ctx, "Omega", "7010010191")
    policies.assign_to_contractor(ctx, c.id, "Firm")
    assert c.policy_id == policies.get_policy(ctx, "Firm").id
    policies.assign_to_contractor(ctx, "701-001-01-91", None)  # the CLI's tax id still finds it
    assert c.policy_id is None
    with expect_error("contractor", ctx):
        policies.assign_to_contractor(ctx, 10_000, "Firm")
