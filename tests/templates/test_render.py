"""The template sandbox and its Babel filters: language-correct money, dates, day counts; no way out to Python."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.messages import TEMPLATES, norm
from jinja2 import Environment, meta

from collector_app.domain.errors import UserError
from collector_app.domain.money import Money
from collector_app.templates.render import (
    BLOCKS,
    LANGUAGES,
    days_phrase,
    environment,
    environment_with,
    format_day,
    format_money,
    language_of,
    render,
    templates_dir,
)

BASE = {"invoices": [], "single": True}


@pytest.mark.parametrize(("lang", "currency", "expected"), [
    ("pl", "PLN", "1 234,56 zł"),
    ("cs", "CZK", "1 234,56 Kč"),
    ("en", "EUR", "€1,234.56"),
    ("pl", "EUR", "1 234,56 €"),
    ("en", "PLN", "PLN 1,234.56"),
    ("en", "CZK", "CZK 1,234.56"),
    ("cs", "EUR", "1 234,56 €"),
])
def test_money_is_formatted_for_the_language(lang: str, currency: str, expected: str) -> None:
    out = format_money(Decimal("1234.56"), currency, lang)
    assert norm(out) == expected
    assert "\u00a0" in out or (lang == "en" and currency == "EUR")  # never broken across lines


def test_money_refuses_a_float() -> None:
    with pytest.raises(TypeError):
        format_money(1234.56, "PLN", "pl")  # type: ignore[arg-type]


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", "16 marca 2026"), ("cs", "16. března 2026"), ("en", "16 March 2026"),
])
def test_dates_are_written_out_in_the_language(lang: str, expected: str) -> None:
    assert format_day(dt.date(2026, 3, 16), lang) == expected


@pytest.mark.parametrize(("lang", "count", "expected"), [
    ("pl", 1, "1 dzień"), ("pl", 2, "2 dni"), ("pl", 5, "5 dni"), ("pl", 22, "22 dni"),
    ("cs", 1, "1 den"), ("cs", 3, "3 dny"), ("cs", 5, "5 dní"), ("cs", 21, "21 dní"),
    ("en", 1, "1 day"), ("en", 14, "14 days"),
])
def test_days_take_the_plural_form_of_the_language(lang: str, count: int, expected: str) -> None:
    assert norm(days_phrase(count, lang)) == expected


def test_filters_read_the_language_from_the_context() -> None:
    source = (
        "{% block text %}{{ m|money }} · {{ amount|money('CZK') }} · {{ d|date }} · {{ n|days }} · "
        "{{ n|plural(one='faktura', few='faktury', many='faktur') }}{% endblock %}"
    )
    ctx = {**BASE, "m": Money(Decimal("10"), "PLN"), "amount": Decimal("5.5"), "d": dt.date(2026, 1, 2), "n": 5}
    out = render("cs", "probe", "text", ctx, source=source)
    assert norm(out) == "10,00 PLN · 5,50 Kč · 2. ledna 2026 · 5 dní · faktur"


def test_unknown_language_falls_back_to_english() -> None:
    assert language_of("de") == "en"
    assert language_of(None) == "en"
    assert language_of(" PL ") == "pl"


@pytest.mark.parametrize("attack", [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ invoices.append(1) }}",
])
def test_the_sandbox_blocks_attribute_tricks(attack: str) -> None:
    with pytest.raises(UserError) as info:
        render("en", "evil", "text", BASE, source="{% block text %}" + attack + "{% endblock %}")
    assert info.value.field == "template"
    assert "en/evil.j2" in info.value.message


@dataclasses.dataclass(frozen=True)
class _Plain:
    number: str
    hook: Callable[[], str]
    fmt: Callable[..., str] = "{0.__class__.__mro__}".format
    _secret: str = "hidden"


@pytest.mark.parametrize("attack", [
    "{{ plain.hook.__globals__ }}",
    "{{ plain.hook.__code__ }}",
    "{{ plain._secret }}",
    "{{ plain.fmt(plain) }}",
    "{{ plain.__class__.__mro__ }}",
    "{{ plain.number.__class__.__subclasses__() }}",
])
def test_plain_value_fields_pass_but_nothing_behind_them_does(attack: str) -> None:
    """Fields of the frozen dataclasses templates are given are read without the sandbox's checks;
    a private field, a callable one, and anything reached through a field are still checked."""
    values = {**BASE, "plain": _Plain("FV/1", lambda: "x")}
    assert render("en", "ok", "text", values, source="{% block text %}{{ plain.number }}{% endblock %}") == "FV/1"
    with pytest.raises(UserError, match=r"en/evil\.j2"):
        render("en", "evil", "text", values, source="{% block text %}" + attack + "{% endblock %}")


def test_unknown_variable_is_an_error_naming_the_template() -> None:
    with pytest.raises(UserError, match=r"pl/typo\.j2, line 1: 'invoce' is undefined"):
        render("pl", "typo", "text", BASE, source="{% block text %}{{ invoce.number }}{% endblock %}")


def test_a_runtime_error_names_the_line_it_is_on() -> None:
    source = "{% block subject %}x{% endblock %}\n{% block text %}\nDear client,\n\n{{ invoce.number }}{% endblock %}"
    with pytest.raises(UserError, match=r"pl/typo\.j2, line 5: 'invoce' is undefined"):
        render("pl", "typo", "text", BASE, source=source)


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("{% if single %}{{ 5|mony }}{% endif %}", "No filter named 'mony'"),  # found only when the branch runs
        ("{{ 'FV' + 1 }}", "TypeError"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{{ [1, 2][5] }}", "has no element 5"),
        ("{% if single %}{{ 5 is oddd }}{% endif %}", "No test named 'oddd'"),
    ],
)
def test_faults_found_while_rendering_name_their_line(code: str, says: str) -> None:
    source = "{% block subject %}x{% endblock %}\n{% block text %}\nDear client,\n" + code + "{% endblock %}"
    with pytest.raises(UserError, match=r"en/typo\.j2, line 4: .*" + says):
        render("en", "typo", "text", BASE, source=source)


@pytest.mark.parametrize("code", ["{{ 'x' * 100000000 }}", "{{ 100000000 * ['x'] }}", "{{ 10 ** 100000000 }}",
                                  "{{ '{0:>300000}'.format('x') }}", "{{ 'x'|center(300000) }}"])
def test_a_template_cannot_render_a_huge_message(code: str) -> None:
    with pytest.raises(UserError, match=r"en/huge\.j2"):
        render("en", "huge", "text", BASE, source="{% block text %}" + code + "{% endblock %}")


def test_a_syntax_error_names_template_and_line() -> None:
    with pytest.raises(UserError, match=r"en/broken\.j2, line 2"):
        render("en", "broken", "text", BASE, source="{% block text %}\n{% if %}{% endblock %}")


@pytest.mark.parametrize("name", ["../../etc/passwd", "Overdue", "a/b", ""])
def test_template_names_cannot_reach_outside_the_folder(name: str) -> None:
    with pytest.raises(UserError) as info:
        render("en", name, "text", BASE)
    assert info.value.field == "template"


def test_a_missing_template_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no template"):
        render("pl", "no_such_template", "text", BASE)


def test_html_block_is_escaped_and_text_block_is_not() -> None:
    source = "{% block text %}{{ name }}{% endblock %}{% block html %}<p>{{ name }}</p>{% endblock %}"
    ctx = {**BASE, "name": "Kowalski & Syn <script>"}
    assert render("en", "esc", "text", ctx, source=source) == "Kowalski & Syn <script>"
    assert render("en", "esc", "html", ctx, source=source) == "<p>Kowalski &amp; Syn &lt;script&gt;</p>"


def test_a_missing_block_renders_empty() -> None:
    assert render("en", "short", "html", BASE, source="{% block text %}x{% endblock %}") == ""


def test_none_prints_as_nothing() -> None:
    assert render("en", "n", "text", {**BASE, "x": None}, source="{% block text %}[{{ x }}]{% endblock %}") == "[]"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_exists_with_all_blocks(lang: str, name: str) -> None:
    path = templates_dir() / lang / f"{name}.j2"
    source = path.read_text(encoding="utf-8")
    env = Environment()
    parsed = env.parse(source)
    blocks = {node.name for node in parsed.find_all(__import__("jinja2").nodes.Block)}
    assert blocks == set(BLOCKS), path
    assert not list(meta.find_referenced_templates(parsed))  # shared parts come in as `p`, never by path


def test_templates_dir_is_beside_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert (templates_dir() / "en" / "_parts.j2").is_file()
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert templates_dir() == tmp_path / "resources" / "templates"


def test_an_environment_with_overrides_reads_the_edited_text_before_the_file() -> None:
    edited = {"en/thank_you.j2": "{% block subject %}Thanks, edited{% endblock %}"}
    env = environment_with(edited)
    assert render("en", "thank_you", "subject", BASE, env=env) == "Thanks, edited"
    assert environment_with(dict(edited)) is env  # compiled once per distinct set of edits
    assert environment_with({}) is environment()
    shipped = {**BASE, "invoice": None, "credited_only": False}
    assert render("en", "thank_you", "subject", shipped, env=environment()) != "Thanks, edited"
    assert render("cs", "thank_you", "subject", shipped, env=env) != "Thanks, edited"  # Czech has its own file


def test_html_of_an_edited_template_is_still_escaped() -> None:
    env = environment_with({"en/thank_you.j2": "{% block html %}<p>{{ firm }}</p>{% endblock %}"})
    out = render("en", "thank_you", "html", {**BASE, "firm": "<script>x</script>"}, env=env)
    assert out == "<p>&lt;script&gt;x&lt;/script&gt;</p>"


def test_a_template_file_edited_on_disk_is_read_again_after_the_recheck_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is looked at once per RECHECK_SECONDS, not on every message that renders it."""
    from collector_app.templates import render as render_module

    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "_parts.j2").write_text("", encoding="utf-8")
    file = tmp_path / "en" / "note.j2"
    file.write_text("{% block text %}first{% endblock %}", encoding="utf-8")
    now = [100.0]
    monkeypatch.setattr(render_module.time, "monotonic", lambda: now[0])
    env = render_module.make_environment(tmp_path)
    assert render("en", "note", "text", BASE, env=env) == "first"
    file.write_text("{% block text %}second, longer{% endblock %}", encoding="utf-8")
    now[0] += render_module.RECHECK_SECONDS / 2
    assert render("en", "note", "text", BASE, env=env) == "first"  # within the recheck time
    now[0] += render_module.RECHECK_SECONDS
    assert render("en", "note", "text", BASE, env=env) == "second, longer"
