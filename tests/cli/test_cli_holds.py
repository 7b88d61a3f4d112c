"""Stopping reminders by hand from the command line: pause, dispute, payment plan, hand-over, contractor pause."""

from __future__ import annotations

import pytest
from helpers.cli_support import Cli


@pytest.fixture
def one_overdue(cli: Cli) -> Cli:
    """One overdue invoice (due 2026-03-02, today 2026-03-16) of a contractor with an e-mail address."""
    cli.ok("init")
    cli.ok("contractor", "add", "--name", "Omega Handel Sp. z o.o.", "--email", "biuro@omega.example")
    cli.ok("invoice", "add", "--contractor", "1", "--number", "FV/1/2026", "--issued", "2026-02-16",
           "--due", "2026-03-02", "--gross", "1230.00")
    return cli


def planned(cli: Cli, today: str) -> list[str]:
    return [r["step"] for r in cli.ok("reminders", "plan", "--dry-run", today=today) if r["state"] == "planned"]


def test_a_manual_pause_stops_reminders_until_its_last_day_then_they_catch_up(one_overdue: Cli) -> None:
    cli = one_overdue
    shown = cli.ok("invoice", "pause", "FV/1/2026", "--until", "2026-03-20", "--reason", "owner on holiday")
    assert (shown["paused_until"], shown["pause_reason"]) == ("2026-03-20", "owner on holiday")
    assert planned(cli, "2026-03-20") == []
    assert planned(cli, "2026-03-21") != []
    timeline = cli.ok("invoice", "show", "FV/1/2026")["timeline"]
    assert any("paused until 2026-03-20: owner on holiday" in e["summary"] for e in timeline)
    assert cli.ok("invoice", "resume", "FV/1/2026")["paused_until"] is None
    assert planned(cli, "2026-03-16") != []
    cli.fails("invoice", "resume", "FV/1/2026", field="invoice", expect="not paused")


def test_pause_input_is_checked(one_overdue: Cli) -> None:
    cli = one_overdue
    cli.fails("invoice", "pause", "FV/1/2026", "--until", "2026-03-01", "--reason", "x", field="until",
              expect="in the past")
    cli.fails("invoice", "pause", "FV/1/2026", "--until", "2026-13-01", "--reason", "x", field="until")
    cli.fails("invoice", "pause", "FV/1/2026", "--until", "2026-03-20", "--reason", "  ", field="reason")
    cli.fails("invoice", "pause", "FV/9/2026", "--until", "2026-03-20", "--reason", "x", field="invoice")


def test_a_dispute_stops_reminders_and_files_a_task_until_resolved(one_overdue: Cli) -> None:
    cli = one_overdue
    cli.fails("invoice", "dispute", "FV/1/2026", field="reason")
    assert cli.ok("invoice", "dispute", "FV/1/2026", "--reason", "goods damaged")["disputed"] is True
    assert planned(cli, "2026-03-16") == []
    tasks = cli.ok("tasks", "--due-by", "2026-03-16")
    assert [t["text"] for t in tasks] == ["Settle the dispute on FV/1/2026: goods damaged"]
    cli.fails("invoice", "dispute", "FV/1/2026", "--reason", "again", field="invoice", expect="already")
    assert cli.ok("invoice", "dispute", "FV/1/2026", "--resolved")["disputed"] is False
    assert planned(cli, "2026-03-16") != []
    assert cli.ok("tasks", "--due-by", "2026-03-16") == []  # settled: its task is done too


@pytest.mark.parametrize(("command", "on", "off", "field"), [
    ("payment-plan", ["--reason", "3 instalments of 410.00"], ["--end"], "under_plan"),
    ("hand-over", ["--reason", "Windykacja Sp. z o.o."], ["--take-back"], "handed_over"),
])
def test_a_payment_plan_or_a_hand_over_stops_reminders_until_ended(one_overdue: Cli, command: str, on: list[str],
                                                                    off: list[str], field: str) -> None:
    cli = one_overdue
    assert cli.ok("invoice", command, "FV/1/2026", *on)[field] is True
    assert planned(cli, "2026-03-16") == []
    assert cli.ok("invoice", command, "FV/1/2026", *off)[field] is False
    assert planned(cli, "2026-03-16") != []


def test_a_contractor_pause_covers_all_its_invoices(one_overdue: Cli) -> None:
    cli = one_overdue
    out = cli.ok("contractor", "pause", "1", "--until", "2026-03-18", "--reason", "restructuring talks")
    assert (out["paused_until"], out["pause_reason"]) == ("2026-03-18", "restructuring talks")
    assert planned(cli, "2026-03-18") == []
    assert planned(cli, "2026-03-19") != []
    cli.ok("contractor", "resume", "1")
    assert planned(cli, "2026-03-16") != []


def test_the_daily_run_after_a_resume_plans_the_invoice_again(one_overdue: Cli) -> None:
    cli = one_overdue
    cli.ok("invoice", "pause", "FV/1/2026", "--until", "2026-03-31", "--reason", "waiting for the insurer")
    assert cli.ok("reminders", "plan") == []  # today 2026-03-16: the first (full) run sees the pause
    cli.ok("invoice", "resume", "FV/1/2026", today="2026-03-17")
    rows = cli.ok("reminders", "plan", today="2026-03-17")  # an incremental run: the resume is news
    assert [r["state"] for r in rows if r["state"] == "planned"] != []


def test_a_credit_note_has_no_reminders_to_stop(one_overdue: Cli) -> None:
    cli = one_overdue
    cli.ok("invoice", "add", "--contractor", "1", "--number", "KOR/1/2026", "--issued", "2026-03-03",
           "--gross", "-100.00", "--credit-note-for", "FV/1/2026")
    cli.fails("invoice", "pause", "KOR/1/2026", "--until", "2026-03-20", "--reason", "x", field="invoice",
              expect="credit note")
    cli.fails("invoice", "dispute", "KOR/1/2026", "--reason", "x", field="invoice", expect="credit note")
