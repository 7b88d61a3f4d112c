"""`collector template list|show|set|revert`: an edited text is what goes out; a bad one is refused whole."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers.cli_support import Cli
from helpers.ledger import contractor, invoice
from helpers.outbox_support import Recorder, configure, queue

from collector_app.db.engine import open_ledger
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.templates.render import LANGUAGES, shipped_names

TODAY = dt.date(2026, 3, 16)
EDITED = """{% block subject %}Edited: {{ invoice.number }} is {{ invoice.days_overdue|days }} late{% endblock %}
{% block text %}Please pay {{ invoice.outstanding|money }}.{% endblock %}
{% block sms %}Pay {{ invoice.number }}{% endblock %}
"""


def prepare(db: Path, port: int) -> None:
    ledger = open_ledger(db)
    try:
        with ledger.transaction() as s:
            ctx = Ctx(s, FixedClock(TODAY, dt.time(10)), "tester")
            configure(ctx, port)
            c = contractor(ctx, "Debtor", email="debtor@example.com", language="en")
            queue(ctx, invoice(ctx, c, "FV/1/2026", "100.00", TODAY - dt.timedelta(days=2)))
    finally:
        ledger.close()


def test_set_makes_the_edit_go_out_and_revert_restores_the_shipped_text(
        cli: Cli, server: tuple[Recorder, int], tmp_path: Path) -> None:
    recorder, port = server
    prepare(cli.db, port)
    shipped = cli.ok("template", "show", "en", "overdue_first", as_json=False)
    assert "{% block subject %}" in shipped
    edited = tmp_path / "first.j2"
    edited.write_text(EDITED, encoding="utf-8")
    assert cli.ok("template", "set", "en", "overdue_first", "--file", str(edited), "--invoice", "FV/1/2026") == {
        "language": "en", "name": "overdue_first", "overridden": True}
    assert cli.ok("template", "show", "en", "overdue_first")["source"] == EDITED
    assert cli.ok("template", "show", "en", "overdue_first", "--default", as_json=False) == shipped
    listed = cli.ok("template", "list", "--overridden")
    assert [(r["language"], r["name"], r["updated_by"]) for r in listed] == [("en", "overdue_first", "tester")]
    assert len(cli.ok("template", "list")) == len(shipped_names()) * len(LANGUAGES)

    assert cli.ok("outbox", "send")["sent"]
    msg = recorder.received[0].message
    assert msg["Subject"] == "Edited: FV/1/2026 is 2\u00a0days late"
    assert "Please pay PLN" in recorder.received[0].text

    assert cli.ok("template", "revert", "en", "overdue_first")["overridden"] is False
    assert cli.ok("template", "show", "en", "overdue_first", as_json=False) == shipped
    assert cli.ok("template", "list", "--overridden") == []


def test_a_bad_template_is_refused_in_one_line_and_nothing_is_written(cli: Cli, tmp_path: Path) -> None:
    prepare(cli.db, 25)
    bad = tmp_path / "bad.j2"
    bad.write_text("{% block subject %}x{% endblock %}\n{% block text %}\n{{ invoice.nmber }}{% endblock %}\n",
                   encoding="utf-8")
    cli.fails("template", "set", "en", "overdue_first", "--file", str(bad), field="template",
              expect=["line 3", "nmber"])
    bad.write_text("{% block subject %}{% if %}{% endblock %}", encoding="utf-8")
    cli.fails("template", "set", "en", "overdue_first", "--file", str(bad), field="template", expect="line 1")
    cli.fails("template", "set", "de", "overdue_first", "--file", str(bad), field="language")
    cli.fails("template", "set", "en", "overdue_first", "--file", str(tmp_path / "missing.j2"), field="file")
    cli.fails("template", "revert", "en", "overdue_first", field="template", expect="not edited")
    cli.fails("template", "show", "en", "no_such", field="template")


def test_a_template_a_step_could_never_send_is_refused(cli: Cli, tmp_path: Path) -> None:
    prepare(cli.db, 25)
    bad = tmp_path / "bad.j2"
    bad.write_text("{% block subject %}{{ invoice.number }}{% endblock %}{% block text %}x{% endblock %}",
                   encoding="utf-8")
    cli.fails("template", "set", "en", "overdue_first", "--file", str(bad), field="template",
              expect=['"sms" block', 'step "First reminder (SMS)"'])
    bad.write_text(EDITED.replace("Pay {{ invoice.number }}", "Pay {{ invoice.number }} now. " * 60),
                   encoding="utf-8")
    cli.fails("template", "set", "en", "before_due", "--file", str(bad), "--invoice", "FV/1/2026", field="template",
              expect=["the sms block", "parts, at most 6 are sent"])
    assert cli.ok("template", "list", "--overridden") == []
