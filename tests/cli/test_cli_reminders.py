"""`collector reminders plan` and `collector policy …` as scripts call them."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.cli_support import Cli, table_counts

FIELDS = {"id", "invoice", "contractor", "step", "occurrence", "channel", "recipient", "subject", "state",
          "attempts", "last_error", "planned_for", "sent_at"}


def test_plan_prints_the_rows_it_adds_and_a_second_run_adds_none(seeded: Cli) -> None:
    rows = seeded.ok("reminders", "plan")
    assert rows and all(set(r) >= FIELDS for r in rows)
    planned = {(r["invoice"], r["step"], r["recipient"]) for r in rows if r["state"] == "planned"}
    assert planned == {("FV/1/2026", "Final notice", "biuro@omega.example"),
                       ("FV/2/2026", "Final notice", "biuro@omega.example")}
    no_address = [r for r in rows if r["contractor"] == "Beta Bud S.A."]
    assert no_address and all(r["state"] == "skipped" and r["last_error"] for r in no_address)
    assert {r["invoice"] for r in rows} == {"FV/1/2026", "FV/2/2026", "FV/3/2026", "EU/1/2026"}
    assert seeded.ok("reminders", "plan") == []
    outbox = seeded.ok("outbox", "list")
    assert sorted(r["id"] for r in outbox) == sorted(r["id"] for r in rows)


def test_dry_run_previews_the_next_days_and_writes_nothing(seeded: Cli) -> None:
    before = table_counts(seeded.db)
    rows = seeded.ok("reminders", "plan", "--dry-run", "--days", "20")
    assert before == table_counts(seeded.db)
    assert {"2026-03-29", "2026-03-31"} <= {r["planned_for"] for r in rows}  # FV/3: SMS −2 and due day
    assert all(r["id"] is None for r in rows)
    text = seeded.ok("reminders", "plan", "--dry-run", as_json=False)
    assert "PLANNED_FOR" in text and "Final notice" in text


def test_days_without_dry_run_is_refused_in_one_line(seeded: Cli) -> None:
    before = table_counts(seeded.db)
    r = seeded.run("reminders", "plan", "--days", "3")
    assert r.rc == 2 and r.err.count("\n") == 1 and "days" in r.err
    assert before == table_counts(seeded.db)


def test_policy_list_show_export_import_round_trip(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init")
    names = [p["name"] for p in cli.ok("policy", "list")]
    assert names == ["Firm", "Gentle", "Standard"]
    shown = cli.ok("policy", "show", "Standard")
    assert shown["is_default"] and len(shown["steps"]) == 8
    out = tmp_path / "standard.json"
    cli.ok("policy", "export", "Standard", "--out", str(out))
    obj = json.loads(out.read_text(encoding="utf-8"))
    obj["name"], obj["is_default"] = "Standard copy", False
    out.write_text(json.dumps(obj), encoding="utf-8")
    imported = cli.ok("policy", "import", str(out))
    assert imported["name"] == "Standard copy" and imported["steps"] == shown["steps"]
    r = cli.run("policy", "import", str(out))
    assert r.rc == 2 and "--replace" in r.err
    assert cli.ok("policy", "import", str(out), "--replace")["name"] == "Standard copy"


def test_a_bad_policy_file_names_the_field_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "Bad", "steps": [
        {"name": "x", "anchor": "due", "offset_days": 1, "channel": "email", "template": "overdue_first"},
        {"name": "y", "anchor": "due", "offset_days": 2, "channel": "carrier-pigeon", "template": "x"},
    ]}), encoding="utf-8")
    before = table_counts(cli.db)
    r = cli.run("policy", "import", str(bad))
    assert r.rc == 2 and "steps[2].channel" in r.err and "Traceback" not in r.err
    assert before == table_counts(cli.db)


def test_policy_assign_to_a_segment_and_a_contractor(seeded: Cli) -> None:
    seeded.ok("contractor", "edit", "2", "--segment", "Builders")
    assert seeded.ok("policy", "assign", "--segment", "Builders", "Firm") == {"segment": "Builders", "policy": "Firm"}
    assert seeded.ok("policy", "assign", "--contractor", "1", "Gentle")["policy"] == "Gentle"
    listed = {p["name"]: p for p in seeded.ok("policy", "list")}
    assert (listed["Firm"]["segments"], listed["Gentle"]["contractors"]) == (1, 1)
    assert seeded.ok("policy", "assign", "--contractor", "1", "-")["policy"] is None
    r = seeded.run("policy", "assign", "--segment", "Builders", "Nope")
    assert r.rc == 2 and "policy" in r.err
