"""`collector policy new|set|default|delete|step …`: the Policies page's edits from a terminal, checked as there."""

from __future__ import annotations

from typing import Any

from helpers.cli_support import Cli


def steps(cli: Cli, policy: str) -> list[dict[str, Any]]:
    return list(cli.ok("policy", "show", policy)["steps"])


def test_a_policy_is_built_edited_and_reordered_step_by_step(cli: Cli) -> None:
    cli.ok("init")
    cli.ok("policy", "new", "Trial", "--description", "for new clients")
    cli.ok("policy", "step", "add", "Trial", "--name", "Nudge", "--anchor", "due", "--offset", "3",
           "--channel", "email", "--template", "overdue_first")
    cli.ok("policy", "step", "add", "Trial", "--name", "Weekly", "--anchor", "due", "--offset", "10",
           "--channel", "email", "--template", "overdue_weekly", "--repeat-every", "7", "--repeat-max", "2")
    cli.ok("policy", "step", "add", "Trial", "--name", "Before", "--anchor", "due", "--offset", "-2",
           "--channel", "sms", "--template", "before_due", "--position", "1")
    assert [s["name"] for s in steps(cli, "Trial")] == ["Before", "Nudge", "Weekly"]

    changed = cli.ok("policy", "step", "edit", "Trial", "nudge", "--offset", "4", "--attach-invoice", "yes")
    assert changed["change"] == 'Policy "Trial": step "Nudge" changed'
    cli.ok("policy", "step", "edit", "Trial", "3", "--no-repeat", "--action", "task")
    cli.ok("policy", "step", "move", "Trial", "Weekly", "--to", "1")
    shown = steps(cli, "Trial")
    assert [(s["position"], s["name"]) for s in shown] == [(1, "Weekly"), (2, "Before"), (3, "Nudge")]
    weekly, _, nudge = shown
    assert (weekly["repeat_every_days"], weekly["repeat_max"], weekly["action"]) == (None, None, "task")
    assert (nudge["offset_days"], nudge["attach_invoice"], nudge["template"]) == (4, True, "overdue_first")
    assert cli.ok("policy", "step", "edit", "Trial", "Nudge", "--offset", "4")["change"] == "nothing changed"

    cli.ok("policy", "step", "delete", "Trial", "Before")
    assert [s["name"] for s in steps(cli, "Trial")] == ["Weekly", "Nudge"]
    renamed = cli.ok("policy", "set", "Trial", "--rename", "Trial B", "--group-by-contractor", "yes")
    assert renamed["policy"] == "Trial B"
    shown_policy = cli.ok("policy", "show", "Trial B")
    assert shown_policy["group_by_contractor"] is True and shown_policy["description"] == "for new clients"


def test_a_step_with_outbox_history_is_switched_off_not_deleted(cli: Cli) -> None:
    cli.ok("init")
    cli.ok("firm", "set", "--name", "Firma", "--country", "PL", "--currency", "PLN")
    cli.ok("contractor", "add", "--name", "Omega", "--email", "omega@example.com")
    cli.ok("invoice", "add", "--contractor", "1", "--number", "FV/1/2026", "--issued", "2026-03-01",
           "--due", "2026-03-14", "--gross", "100.00")
    planned = cli.ok("reminders", "plan")
    assert any(r["step"] == "First reminder" for r in planned)
    done = cli.ok("policy", "step", "delete", "Standard", "First reminder")
    assert "switched off" in done["change"]
    kept = [s for s in steps(cli, "Standard") if s["name"] == "First reminder"]
    assert len(kept) == 1 and kept[0]["active"] is False
    cli.ok("policy", "step", "edit", "Standard", "First reminder", "--active", "yes")
    assert [s["active"] for s in steps(cli, "Standard") if s["name"] == "First reminder"] == [True]


def test_default_and_delete_follow_the_pages_rules(cli: Cli) -> None:
    cli.ok("init")
    cli.ok("contractor", "add", "--name", "Omega")
    cli.ok("policy", "assign", "--contractor", "1", "Gentle")
    cli.fails("policy", "delete", "Standard", field="policy", expect="default policy")
    cli.fails("policy", "delete", "Gentle", field="policy", expect="choose the policy they follow instead")
    cli.fails("policy", "delete", "Gentle", "--reassign-to", "Gentle", field="reassign_to")
    gone = cli.ok("policy", "delete", "Gentle", "--reassign-to", "Firm")
    assert gone == {"policy": "Gentle", "deleted": True, "reassigned_to": "Firm"}
    assert cli.ok("policy", "show", "Firm")["contractors"] == 1
    cli.ok("policy", "default", "Firm")
    assert [p["name"] for p in cli.ok("policy", "list") if p["is_default"]] == ["Firm"]
    cli.ok("policy", "delete", "Standard")
    assert [p["name"] for p in cli.ok("policy", "list")] == ["Firm"]


def test_bad_edits_name_the_field_and_write_nothing(cli: Cli) -> None:
    cli.ok("init")
    cli.fails("policy", "step", "add", "Standard", "--name", "X", "--anchor", "due", field="--offset",
              expect="required")
    cli.fails("policy", "step", "add", "Standard", "--name", "X", "--anchor", "due", "--offset", "1",
              "--channel", "fax", "--template", "overdue_first", field="channel", expect='"fax"')
    cli.fails("policy", "step", "edit", "Standard", "9", "--offset", "1", field="step",
              expect=['no step "9"', "1 Invoice"])
    cli.fails("policy", "step", "edit", "Standard", "Due today", "--template", "no_such_template",
              field="template")
    cli.fails("policy", "step", "edit", "Standard", "Weekly reminder", "--repeat-max", "3", "--no-repeat",
              field="--no-repeat", expect="cannot go with")
    cli.fails("policy", "set", "Gentle", "--rename", "Firm", field="name")
    cli.fails("policy", "new", "Standard", field="name")
    cli.fails("policy", "step", "edit", "Standard", "1", "--active", "maybe", field="--active", expect="yes or no")
