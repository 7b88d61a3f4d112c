"""`collector policy show` as text: every step column, the attached invoice too (as the Policies page shows)."""

from __future__ import annotations

from helpers.cli_support import Cli


def test_policy_show_says_which_step_attaches_the_invoice(cli: Cli) -> None:
    cli.ok("init")
    steps = cli.ok("policy", "show", "Standard")["steps"]
    header, *rows = cli.ok("policy", "show", "Standard", as_json=False).split("\n\n", 1)[1].splitlines()
    start, end = header.index("ATTACH_INVOICE"), header.index("REPEAT_EVERY_DAYS")
    assert header.index("TEMPLATE") < start
    shown = [row[start:end].strip() for row in rows]
    assert shown == [str(s["attach_invoice"]) for s in steps] and shown.count("True") == 1
