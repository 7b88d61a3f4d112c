"""Edited templates live in the ledger: sending and previewing use them, a bad edit is refused, revert restores."""

from __future__ import annotations

import pytest
from helpers.messages import firm, outbox_row, sample, step
from sqlalchemy import select

from collector_app.db.engine import Ledger
from collector_app.db.models import Event, Outbox, TemplateOverride
from collector_app.domain.clock import FixedClock
from collector_app.domain.errors import UserError
from collector_app.services import templates_store as store
from collector_app.services.context import Ctx
from collector_app.services.messages import compose, preview

EDITED = """{% block subject %}Edited reminder {{ invoice.number }}{% endblock %}
{% block text %}Pay {{ invoice.outstanding|money }} please.{% endblock %}
{% block html %}<p>Pay {{ invoice.number }}</p>{% endblock %}
{% block sms %}SMS {{ invoice.number }}{% endblock %}
"""


@pytest.fixture
def ledger_ctx(ctx: Ctx) -> Ctx:
    firm(ctx)
    return ctx


def test_a_saved_edit_is_what_compose_sends_and_revert_restores_the_shipped_text(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "en")
    row = outbox_row(ledger_ctx, s.invoice, step(ledger_ctx, "overdue_first"))
    assert compose(ledger_ctx, [row]).subject.startswith("Payment reminder")

    saved = store.save_template(ledger_ctx, "en", "overdue_first", EDITED, invoice_id=s.invoice.id)
    assert saved.overridden and saved.source == EDITED
    msg = compose(ledger_ctx, [row])
    assert msg.subject == "Edited reminder FV/2026/02/0007"
    assert msg.text.startswith("Pay €1,234.56 please.")
    assert preview(ledger_ctx, s.invoice.id, "overdue_first", "sms").text == "SMS FV/2026/02/0007"

    back = store.revert_template(ledger_ctx, "en", "overdue_first")
    assert not back.overridden and back.source == back.default
    assert compose(ledger_ctx, [row]).subject.startswith("Payment reminder")
    actions = ledger_ctx.session.scalars(select(Event.action).where(Event.entity == "template")).all()
    assert actions == ["template.saved", "template.reverted"]


def test_an_edit_of_one_language_leaves_the_others_alone(ledger_ctx: Ctx) -> None:
    pl = sample(ledger_ctx, "pl")
    store.save_template(ledger_ctx, "en", "overdue_first", EDITED)
    assert "Edited" not in preview(ledger_ctx, pl.invoice.id, "overdue_first", "email").subject
    flags = {(t.language, t.name): t.overridden for t in store.list_templates(ledger_ctx)}
    assert flags[("en", "overdue_first")] and not flags[("pl", "overdue_first")]
    assert "_parts" not in {t.name for t in store.list_templates(ledger_ctx)}


def test_another_process_sees_an_edit_after_the_refresh(ledger: Ledger, clock: FixedClock,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A sender with its own connection to the ledger (another process) reads the edit once its cache ages."""
    monkeypatch.setattr(store, "REFRESH_SECONDS", 1e9)  # the cache never ages until the test says so
    with ledger.transaction() as session:
        ctx = Ctx(session, clock, "tester")
        firm(ctx)
        s = sample(ctx, "en")
        row_id = outbox_row(ctx, s.invoice, step(ctx, "overdue_first")).id
    with ledger.transaction() as session:  # fills the cache with the shipped text
        ctx = Ctx(session, clock, "tester")
        assert compose(ctx, [session.get_one(Outbox, row_id)]).subject.startswith("Payment reminder")
    with ledger.transaction() as session:  # written behind the cache's back, as another process would
        session.add(TemplateOverride(language="en", name="overdue_first", source=EDITED,
                                     updated_at=clock.now(), updated_by="other"))
    with ledger.transaction() as session:
        ctx = Ctx(session, clock, "tester")
        assert compose(ctx, [session.get_one(Outbox, row_id)]).subject.startswith("Payment reminder")
        monkeypatch.setattr(store, "REFRESH_SECONDS", 0.0)
        assert compose(ctx, [session.get_one(Outbox, row_id)]).subject == "Edited reminder FV/2026/02/0007"


@pytest.mark.parametrize(("source", "expected"), [
    ("{% block subject %}Hi {{ invoice.number }{% endblock %}", "line 1"),
    ("{% block subject %}x{% endblock %}\n{% block text %}{{ nobody.name }}{% endblock %}",
     "line 2: 'nobody' is undefined"),
    ("{% block subject %}{{ invoice.__class__ }}{% endblock %}", "line 1: access to attribute"),
    ("\n{% block subject %}A\nBcc: x@evil.example{% endblock %}", "line 2: the subject renders with a line break"),
    ("   ", "empty"),
])
def test_a_bad_edit_is_refused_and_nothing_is_stored(ledger_ctx: Ctx, source: str, expected: str) -> None:
    s = sample(ledger_ctx, "en")
    with pytest.raises(UserError) as err:
        store.save_template(ledger_ctx, "en", "overdue_first", source, invoice_id=s.invoice.id)
    assert expected in err.value.message
    assert ledger_ctx.session.scalar(select(TemplateOverride)) is None


def test_syntax_error_reports_its_line(ledger_ctx: Ctx) -> None:
    sample(ledger_ctx, "en")
    with pytest.raises(UserError, match=r"line 3: Encountered unknown tag"):
        store.check_source(ledger_ctx, "en", "overdue_first", "{% block subject %}x{% endblock %}\n\n{% endif %}")


@pytest.mark.parametrize("with_invoice", [True, False])
def test_an_unknown_filter_or_test_in_a_branch_not_taken_is_found_with_its_line(
        ledger_ctx: Ctx, with_invoice: bool) -> None:
    """Jinja finds such a name only when its branch runs: for some debtor, at send time."""
    if with_invoice:
        sample(ledger_ctx, "en")
    for code, says in (("{{ 5|mony }}", "no filter named 'mony'"), ("{{ 5 is oddd }}", "no test named 'oddd'")):
        source = "{% block subject %}x{% endblock %}\n{% block text %}\n{% if not single %}" + code + \
                 "{% endif %}{% endblock %}"
        with pytest.raises(UserError, match=r"en/overdue_first\.j2, line 3: " + says):
            store.save_template(ledger_ctx, "en", "overdue_first", source)
    assert ledger_ctx.session.scalar(select(TemplateOverride)) is None


def test_unknown_language_or_template_and_reverting_an_unedited_one(ledger_ctx: Ctx) -> None:
    with pytest.raises(UserError, match="not a template language"):
        store.get_template(ledger_ctx, "de", "overdue_first")
    with pytest.raises(UserError, match="no template named"):
        store.get_template(ledger_ctx, "en", "nonexistent")
    with pytest.raises(UserError, match="not edited"):
        store.revert_template(ledger_ctx, "pl", "overdue_first")


def test_saving_the_same_text_twice_records_one_event(ledger_ctx: Ctx) -> None:
    sample(ledger_ctx, "en")
    store.save_template(ledger_ctx, "en", "thank_you", EDITED)
    store.save_template(ledger_ctx, "en", "thank_you", EDITED.replace("\n", "\r\n"))
    assert len(ledger_ctx.session.scalars(select(Event).where(Event.action == "template.saved")).all()) == 1


def test_a_demand_letter_text_is_not_offered_to_reminder_steps_nor_tried_on_an_invoice(ledger_ctx: Ctx) -> None:
    from collector_app.services import policies

    s = sample(ledger_ctx, "en")
    assert "demand_letter" in {t.name for t in store.list_templates(ledger_ctx)}
    assert all("demand_letter" not in policies.available_templates(ledger_ctx, ch) for ch in ("email", "letter"))
    source = store.get_template(ledger_ctx, "en", "demand_letter").source
    with pytest.raises(UserError, match="no letter yet"):
        store.preview(ledger_ctx, "en", "demand_letter", source, s.invoice.id)


def test_preview_gives_every_part_and_counts_the_sms(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "pl")
    p = store.preview(ledger_ctx, "pl", "overdue_first", store.get_template(ledger_ctx, "pl", "overdue_first").source,
                      s.invoice.id)
    assert p.invoice == "FV/2026/02/0007" and p.subject.startswith("Przypomnienie")
    assert "<" in p.html and "FV/2026/02/0007" in p.text
    assert "zl" in p.sms and "zł" not in p.sms  # folded to GSM, as it is sent
    assert p.sms_chars == len(p.sms) and p.sms_parts == 1 and not p.sms_refused
    long = "{% block subject %}x{% endblock %}{% block sms %}" + "Zaplac " * 200 + "{% endblock %}"
    q = store.preview(ledger_ctx, "pl", "overdue_first", long, s.invoice.id)
    assert q.sms_parts == 10 and q.sms_refused


NO_SMS = "{% block subject %}{{ invoice.number }}{% endblock %}{% block text %}Pay, please.{% endblock %}"


def test_a_text_without_a_block_that_a_step_using_it_needs_is_refused(ledger_ctx: Ctx) -> None:
    s = sample(ledger_ctx, "pl")
    with pytest.raises(UserError) as err:
        store.save_template(ledger_ctx, "pl", "overdue_first", NO_SMS, invoice_id=s.invoice.id)
    assert err.value.field == "template"
    assert err.value.message == ('pl/overdue_first.j2 has no "sms" block, which the sms channel needs '
                                 '(the step "First reminder (SMS)" of the policy "Standard" sends it)')
    assert ledger_ctx.session.scalar(select(TemplateOverride)) is None
    store.save_template(ledger_ctx, "pl", "thank_you", NO_SMS, invoice_id=s.invoice.id)  # only e-mailed


def with_sms(ctx: Ctx, name: str, sms: str) -> str:
    source = store.get_template(ctx, "pl", name).source
    start, end = source.index("{% block sms %}"), source.index("{% endblock %}", source.index("{% block sms %}"))
    return source[:start] + "{% block sms %}" + sms + source[end:]


@pytest.mark.parametrize(("name", "sms", "expected"), [
    ("before_due", "Zaplac fakture {{ invoice.number }}. " * 40, "the SMS needs 9 parts, at most 6 are sent"),
    ("thank_you", "Dziekujemy " * 100, "the SMS needs 8 parts, at most 6 are sent"),  # text nobody sends yet
    ("overdue_first", "{% if invoice.number == 'x' %}Zaplac{% endif %}", "the SMS text is empty"),
])
def test_an_sms_the_sms_channel_would_refuse_is_refused_at_save(
        ledger_ctx: Ctx, name: str, sms: str, expected: str) -> None:
    s = sample(ledger_ctx, "pl")
    with pytest.raises(UserError) as err:
        store.save_template(ledger_ctx, "pl", name, with_sms(ledger_ctx, name, sms), invoice_id=s.invoice.id)
    assert err.value.field == "template" and f"pl/{name}.j2, the sms block: {expected}" in err.value.message
    assert ledger_ctx.session.scalar(select(TemplateOverride)) is None


def test_a_switched_off_sms_step_does_not_hold_a_text_back(ledger_ctx: Ctx) -> None:
    from collector_app.db.models import PolicyStep

    s = sample(ledger_ctx, "pl")
    for row in ledger_ctx.session.scalars(select(PolicyStep).where(PolicyStep.template == "overdue_first",
                                                                   PolicyStep.channel == "sms")):
        row.active = False
    assert store.save_template(ledger_ctx, "pl", "overdue_first", NO_SMS, invoice_id=s.invoice.id).overridden
