"""Notes, tasks, calls, promises and the timeline through the command line."""

from __future__ import annotations

import datetime as dt

from helpers.cli_support import Cli, table_counts


def test_note_add(seeded: Cli) -> None:
    n = seeded.ok("note", "add", "--invoice", "FV/1/2026", "--text", "  Obiecali przelew w piątek ")
    assert isinstance(n["id"], int)
    assert (n["invoice"], n["contractor_id"], n["text"]) == ("FV/1/2026", 1, "Obiecali przelew w piątek")
    assert n["created_at"].startswith("2026-03-1")  # --today decides the day (local time zone aside)
    assert table_counts(seeded.db)["note"] == 1


def test_task_add_done_and_reopen(seeded: Cli) -> None:
    t = seeded.ok("task", "add", "--invoice", "FV/1/2026", "--due", "2026-03-20T10:00", "--text", "Oddzwonić")
    assert dt.datetime.fromisoformat(t["due_at"]).replace(tzinfo=None) == dt.datetime(2026, 3, 20, 10, 0)
    assert (t["invoice"], t["text"], t["assignee"], t["done"]) == ("FV/1/2026", "Oddzwonić", "tester", False)
    other = seeded.ok("task", "add", "--invoice", "FV/2/2026", "--due", "2026-03-21", "--text", "Wysłać kopię",
                      "--assignee", "anna")
    assert other["assignee"] == "anna"
    assert dt.datetime.fromisoformat(other["due_at"]).replace(tzinfo=None) == dt.datetime(2026, 3, 21, 9, 0)
    assert [x["id"] for x in seeded.ok("tasks")] == [t["id"], other["id"]]
    done = seeded.ok("task", "done", "--id", str(t["id"]))
    assert (done["id"], done["done"]) == (t["id"], True)
    assert [x["id"] for x in seeded.ok("tasks")] == [other["id"]]
    assert seeded.ok("task", "done", "--id", str(t["id"]), "--reopen")["done"] is False
    assert [x["id"] for x in seeded.ok("tasks")] == [t["id"], other["id"]]
    assert [x["id"] for x in seeded.ok("tasks", "--assignee", "anna")] == [other["id"]]


def test_tasks_due_by_includes_the_whole_day(seeded: Cli) -> None:
    ids = {}
    for when in ("2026-03-18T08:00", "2026-03-20T23:59", "2026-03-21T00:00", "2026-04-02T09:00"):
        ids[when] = seeded.ok("task", "add", "--invoice", "FV/1/2026", "--due", when, "--text", f"at {when}")["id"]
    assert [t["id"] for t in seeded.ok("tasks", "--due-by", "2026-03-20")] == [
        ids["2026-03-18T08:00"], ids["2026-03-20T23:59"]]
    assert len(seeded.ok("tasks", "--due-by", "2026-03-21")) == 3
    assert len(seeded.ok("tasks")) == 4
    assert seeded.ok("tasks", "--due-by", "2026-03-17") == []


def test_call_with_a_promise_pauses_the_invoice_until_the_promised_date(seeded: Cli) -> None:
    c = seeded.ok("call", "log", "--invoice", "FV/1/2026", "--outcome", "promised", "--duration", "125",
                  "--promise-date", "2026-03-25", "--promise-amount", "1000.00", "--notes", "Prezes obiecał")
    assert (c["invoice"], c["outcome"], c["duration_s"]) == ("FV/1/2026", "promised", 125)
    assert (c["promise_date"], c["promise_amount"], c["paused_until"]) == ("2026-03-25", "1000.00", "2026-03-25")
    shown = seeded.ok("invoice", "show", "FV/1/2026")
    assert shown["paused_until"] == "2026-03-25"
    assert shown["timeline"][0]["summary"] == (
        "Call (promised, 2:05): promised to pay 1000.00 PLN by 2026-03-25; reminders paused until then"
        " — Prezes obiecał")
    row = next(r for r in seeded.ok("invoices") if r["number"] == "FV/1/2026")
    assert row["paused_until"] == "2026-03-25"


def test_call_without_a_promise_does_not_pause(seeded: Cli) -> None:
    c = seeded.ok("call", "log", "--invoice", "FV/2/2026", "--outcome", "no-answer", "--duration", "0")
    assert (c["promise_date"], c["paused_until"]) == (None, None)
    assert table_counts(seeded.db)["call"] == 1


def test_disputed_call_marks_the_invoice(seeded: Cli) -> None:
    seeded.ok("call", "log", "--invoice", "FV/2/2026", "--outcome", "disputed", "--duration", "60")
    assert seeded.ok("invoice", "show", "FV/2/2026")["disputed"] is True


def test_a_broken_promise_becomes_a_follow_up_task(seeded: Cli) -> None:
    seeded.ok("call", "log", "--invoice", "FV/1/2026", "--outcome", "promised", "--duration", "30",
              "--promise-date", "2026-03-18")
    assert seeded.ok("tasks", today="2026-03-18") == []  # the promised day itself is not late yet
    late = seeded.ok("tasks", today="2026-03-19")
    assert [(t["invoice"], t["source"]) for t in late] == [("FV/1/2026", "broken-promise")]
    assert len(seeded.ok("tasks", today="2026-03-20")) == 1  # created once only


def test_timeline_of_an_invoice_and_of_a_contractor(seeded: Cli) -> None:
    seeded.ok("note", "add", "--invoice", "FV/4/2026", "--text", "Zapłacone, dziękujemy")
    events = seeded.ok("timeline", "--invoice", "FV/4/2026")
    assert [e["action"] for e in events] == ["note.added", "payment.allocated", "invoice.added"]
    assert all(e["user"] == "tester" for e in events)
    for e in events:
        assert dt.datetime.fromisoformat(e["at"]).tzinfo is not None
    contractor = seeded.ok("timeline", "--contractor", "2")
    actions = [e["action"] for e in contractor]
    assert actions[0] == "note.added" and actions[-1] == "contractor.added"
    assert actions.count("invoice.added") == 4
    assert all(e["contractor_id"] == 2 for e in contractor)
