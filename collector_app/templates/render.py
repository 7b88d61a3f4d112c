"""Reminder texts come from user-editable files, so they render in a sandbox that cannot reach Python.

One `ImmutableSandboxedEnvironment` (StrictUndefined) over resources/templates/: each template is
`<lang>/<name>.j2` with the blocks `subject`, `text`, `html` and `sms`. The same file is compiled
twice: under its own name with no escaping (subject, text, SMS) and under "html:<lang>/<name>.j2"
with autoescape on, for the `html` block only. Shared macros of `<lang>/_parts.j2` reach every block
as `p`; Babel filters format money, dates and day counts for the template's language.
A ledger's edited texts (template_override) replace files through `environment_with(overrides)`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import (
    BaseLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UndefinedError,
    pass_context,
)
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from collector_app.domain.errors import UserError
from collector_app.domain.money import Money

LANGUAGES = ("pl", "cs", "en")
FALLBACK_LANGUAGE = "en"
BLOCKS = ("subject", "text", "html", "sms")
PARTS = "_parts.j2"
HTML_PREFIX = "html:"
RECHECK_SECONDS = 1.0  # how often a template file is looked at for an edit
MAX_RENDERED = 200_000  # characters of one rendered block: a reminder is a page, not a megabyte
# What template code itself can raise (text + number, a division by zero, an index out of range): the
# template author's fault, shown under the editor like a syntax error, not a crash.
_TEMPLATE_FAULTS = (TypeError, ValueError, ArithmeticError, LookupError, RecursionError)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_QUALIFIED = re.compile(r"'(?:\w+\.)+(\w+) object'")
_LOCALES = {"pl": "pl_PL", "cs": "cs_CZ", "en": "en_GB"}
# A day count in each language, by CLDR plural category (Babel decides the category).
_DAY_WORDS: dict[str, dict[str, str]] = {
    "pl": {"one": "dzień", "few": "dni", "many": "dni", "other": "dnia"},
    "cs": {"one": "den", "few": "dny", "many": "dne", "other": "dní"},
    "en": {"one": "day", "other": "days"},
}


def resources_dir() -> Path:
    """resources/ beside the package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def templates_dir() -> Path:
    return resources_dir() / "templates"


def language_of(code: str | None) -> str:
    """The template language for a contractor's language; English when it has none of ours."""
    norm = (code or "").strip().lower()
    return norm if norm in LANGUAGES else FALLBACK_LANGUAGE


@cache
def _babel_locale(name: str) -> Locale:
    return Locale.parse(name)


def locale_for(lang: str, currency: str | None = None) -> str:
    """Babel locale: pl_PL, cs_CZ; en_GB, or en_IE for euro amounts ("€1,234.56")."""
    if lang == "en" and currency == "EUR":
        return "en_IE"
    return _LOCALES.get(lang, _LOCALES[FALLBACK_LANGUAGE])


@lru_cache(maxsize=4096)
def format_money(amount: Decimal, currency: str, lang: str) -> str:
    """ "1 234,56 zł", "1 234,56 Kč", "€1,234.56", "PLN 1,234.56" (Babel's spaces are non-breaking)."""
    if not isinstance(amount, Decimal | int):
        raise TypeError(f"money is a Decimal, never {type(amount).__name__}")
    locale = _babel_locale(locale_for(lang, currency))
    if lang == "en" and currency not in ("EUR", "GBP", "USD"):
        # en_GB writes "PLN1,234.56"; an English reader expects the code apart from the number.
        return str(format_currency(amount, currency, "¤\u00a0#,##0.00", locale=locale, currency_digits=True))
    return str(format_currency(amount, currency, locale=locale))


@lru_cache(maxsize=4096)
def format_day(day: dt.date, lang: str, style: str = "long") -> str:
    """ "16 marca 2026", "16. března 2026", "16 March 2026" (style long); short/medium as Babel has them."""
    return str(format_date(day, style, locale=_babel_locale(locale_for(lang))))


def plural_form(count: int, lang: str) -> str:
    return str(_babel_locale(locale_for(lang)).plural_form(abs(count)))


@lru_cache(maxsize=1024)
def days_phrase(count: int, lang: str) -> str:
    """ "1 dzień", "5 dni"; "2 dny", "5 dní"; "1 day", "5 days"."""
    words = _DAY_WORDS.get(lang, _DAY_WORDS[FALLBACK_LANGUAGE])
    form = plural_form(count, lang)
    return f"{count}\u00a0{words.get(form, words['other'])}"


def _lang(context: Context) -> str:
    return language_of(str(context.get("lang", FALLBACK_LANGUAGE)))


@pass_context
def _money_filter(context: Context, value: Money | Decimal, currency: str | None = None) -> str:
    if isinstance(value, Money):
        return format_money(value.amount, value.currency, _lang(context))
    if currency is None:
        raise ValueError("money filter: an amount needs its currency, e.g. amount|money(currency)")
    return format_money(value, currency, _lang(context))


@pass_context
def _date_filter(context: Context, value: dt.date, style: str = "long") -> str:
    return format_day(value, _lang(context), style)


@pass_context
def _days_filter(context: Context, value: int) -> str:
    return days_phrase(int(value), _lang(context))


@pass_context
def _plural_filter(context: Context, value: int, **forms: str) -> str:
    """`n|plural(one="faktura", few="faktury", many="faktur")`: the form for n in the template's language."""
    form = plural_form(int(value), _lang(context))
    return forms.get(form) or forms.get("other") or forms.get("many") or next(iter(forms.values()), "")


class _Loader(BaseLoader):
    """Files under resources/templates/, each replaced by the ledger's edited text when it has one;
    "html:" names the same template compiled for HTML."""

    def __init__(self, root: Path, overrides: Mapping[str, str] | None = None) -> None:
        self._files = FileSystemLoader(str(root), encoding="utf-8")
        self._overrides = dict(overrides or {})

    def get_source(
        self, environment: Any, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        name = template.removeprefix(HTML_PREFIX)
        edited = self._overrides.get(name)
        if edited is not None:  # an environment holds one fixed set of overrides: never out of date
            return edited, None, lambda: True
        source, filename, uptodate = self._files.get_source(environment, name)
        return source, filename, _at_most_every(RECHECK_SECONDS, uptodate)


def _at_most_every(seconds: float, uptodate: Callable[[], bool]) -> Callable[[], bool]:
    """A file's up-to-date check (a stat) made once in `seconds`: a message gets its template several
    times, and a file edited on disk is still picked up within that time."""
    checked = time.monotonic()

    def throttled() -> bool:
        nonlocal checked
        now = time.monotonic()
        if now - checked < seconds:
            return True
        checked = now
        return uptodate()

    return throttled


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Repeating text or a list, or raising to a power, only as far as a reminder can need: "x" * 10**8
        would render a gigabyte per message."""
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_RENDERED:
                    raise SecurityError(f"text repeated to more than {MAX_RENDERED:,} characters")
        elif isinstance(right, int) and abs(right) > 100:
            raise SecurityError("a power above 100")
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """A public field of a frozen dataclass (the plain values templates are given) is data: it is
        handed over without the sandbox's checks, which look at the value's type every time (a message
        reads some sixty such fields). Anything else, or a field holding something callable, is checked."""
        if attribute in _public_fields(type(obj)):
            value = getattr(obj, attribute)
            if not callable(value):
                return value
        return super().getattr(obj, attribute)

    def join_path(self, template: str, parent: str) -> str:
        """Imports and includes stay in the parent's language folder and in its HTML mode."""
        prefix = HTML_PREFIX if parent.startswith(HTML_PREFIX) else ""
        folder = parent.removeprefix(HTML_PREFIX).rpartition("/")[0]
        name = template.removeprefix(HTML_PREFIX)
        return f"{prefix}{folder}/{name}" if folder and "/" not in name else f"{prefix}{name}"


_FIELDS: dict[type, frozenset[str]] = {}


def _public_fields(kind: type) -> frozenset[str]:
    """The fields of a frozen dataclass that do not start with "_"; nothing for any other type."""
    fields = _FIELDS.get(kind)
    if fields is None:
        params = getattr(kind, "__dataclass_params__", None)
        fields = frozenset(f.name for f in dataclasses.fields(kind) if not f.name.startswith("_")) \
            if params is not None and params.frozen else frozenset()
        _FIELDS[kind] = fields
    return fields


def _blank_none(value: Any) -> Any:
    """A missing optional value (no phone) prints as nothing, not as "None"."""
    return "" if value is None else value


def _autoescape(name: str | None) -> bool:
    return bool(name and name.startswith(HTML_PREFIX))


def make_environment(root: Path, overrides: Mapping[str, str] | None = None) -> ImmutableSandboxedEnvironment:
    """`overrides`: edited template text by loader name ("pl/overdue_first.j2"), used before the files."""
    env = _Environment(
        loader=_Loader(root, overrides),
        undefined=StrictUndefined,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,  # an edited file is picked up within RECHECK_SECONDS
        finalize=_blank_none,
    )
    env.filters.update(money=_money_filter, date=_date_filter, days=_days_filter, plural=_plural_filter)
    return env


@cache
def environment() -> ImmutableSandboxedEnvironment:
    """The one template environment of the program (compiled templates are cached in it)."""
    return make_environment(templates_dir())


def environment_with(overrides: Mapping[str, str]) -> ImmutableSandboxedEnvironment:
    """The environment for a ledger's edited templates over the shipped files (the shared one when none).

    One environment per distinct set of overrides, so each is compiled once; saving an edit makes a
    new set, hence a new environment, and the old one simply falls out of the cache.
    """
    if not overrides:
        return environment()
    return _override_environment(frozenset(overrides.items()))


@lru_cache(maxsize=16)
def _override_environment(overrides: frozenset[tuple[str, str]]) -> ImmutableSandboxedEnvironment:
    return make_environment(templates_dir(), dict(overrides))


def shipped_source(lang: str, name: str) -> str | None:
    """The text of a template as shipped with the program, or None when that language has no such file."""
    path = templates_dir() / language_of(lang) / f"{check_name(name)}.j2"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def shipped_names() -> list[str]:
    """Every template name shipped in any language (the shared macros of _parts.j2 are not one)."""
    root = templates_dir()
    return sorted({p.stem for lang in LANGUAGES for p in (root / lang).glob("*.j2") if _NAME_RE.match(p.stem)})


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise UserError("template", f'"{name}" is not a template name (lower-case letters, digits and _)')
    return name


def template_path(lang: str, name: str, env: ImmutableSandboxedEnvironment | None = None) -> str:
    """The loader name of a template: the language's own (edited or shipped) text, else the English one."""
    check_name(name)
    env = env or environment()
    for candidate in (language_of(lang), FALLBACK_LANGUAGE):
        path = f"{candidate}/{name}.j2"
        try:
            env.get_template(path)
        except TemplateNotFound:
            continue
        except TemplateSyntaxError as exc:
            raise UserError("template", f"{path}, line {exc.lineno}: {exc.message}") from exc
        return path
    raise UserError("template", f'no template "{name}" in {templates_dir()} (looked for {lang} and en)')


def render(
    lang: str,
    name: str,
    block: str,
    context: Mapping[str, Any],
    *,
    source: str | None = None,
    env: ImmutableSandboxedEnvironment | None = None,
) -> str:
    """One block of a template, rendered for the language; `source` renders unsaved text (the editor)."""
    return render_blocks(lang, name, (block,), context, source=source, env=env)[block]


def render_blocks(
    lang: str,
    name: str,
    blocks: Sequence[str],
    context: Mapping[str, Any],
    *,
    source: str | None = None,
    env: ImmutableSandboxedEnvironment | None = None,
) -> dict[str, str]:
    """Several blocks of one template with one context (a message needs subject, text and html).

    Any fault a template author can make (syntax, unknown variable, a blocked attribute) is a
    UserError naming the template; a block the template does not have renders as "".
    """
    unknown = [b for b in blocks if b not in BLOCKS]
    if unknown:
        raise ValueError(f"unknown block {unknown[0]!r}")
    env = env or environment()
    lang = language_of(lang)
    path = template_path(lang, name, env) if source is None else f"{lang}/{check_name(name)}.j2"
    parts_path = f"{path.partition('/')[0]}/{PARTS}"
    try:
        out: dict[str, str] = {}
        for html in sorted({b == "html" for b in blocks}):
            prefix = HTML_PREFIX if html else ""
            template = _template(env, prefix + path, source)
            values = {"lang": lang, **context}
            values["p"] = env.get_template(prefix + parts_path).make_module(values)
            for block in (b for b in blocks if (b == "html") == html):
                render_block = template.blocks.get(block)
                text = "".join(render_block(template.new_context(values))) if render_block else ""
                if len(text) > MAX_RENDERED:
                    raise UserError("template", f"{path}: the {block} block renders {len(text):,} characters "
                                                f"(at most {MAX_RENDERED:,})")
                out[block] = str(Markup(text)) if html else text
        return out
    except TemplateSyntaxError as exc:
        raise UserError("template", f"{path}, line {exc.lineno}: {exc.message}") from exc
    except SecurityError as exc:
        where = _where(exc, path)
        raise UserError("template", f"{where}: {exc} (templates may not reach into Python objects)") from exc
    except UndefinedError as exc:
        message = _QUALIFIED.sub(r"\1", exc.message or "undefined")  # "'a.b.InvoiceLine object'" → "InvoiceLine"
        raise UserError("template", f"{_where(exc, path)}: {message}") from exc
    except TemplateNotFound as exc:
        raise UserError("template", f"{path}: includes {exc.name}, which does not exist") from exc
    except TemplateRuntimeError as exc:  # an unknown filter or test inside a branch, found when it runs
        where = _unknown_name_line(env, path, source, str(exc)) or _where(exc, path)
        raise UserError("template", f"{where}: {exc}") from exc
    except _TEMPLATE_FAULTS as exc:
        where = _where(exc, path)
        if where == path:  # raised outside template code: a bug of the program, not of the template
            raise
        raise UserError("template", f"{where}: {type(exc).__name__}: {exc}") from exc


_UNKNOWN = re.compile(r"No (filter|test) named '(\w+)'")


def _unknown_name_line(env: ImmutableSandboxedEnvironment, path: str, source: str | None, message: str) -> str | None:
    """Where an unknown filter or test is written: Jinja reports such a name, inside a branch, at the start of
    its block (it looks filters up there), so the line is found in the text instead."""
    found = _UNKNOWN.search(message)
    if found is None:
        return None
    if source is None:
        assert env.loader is not None
        source = env.loader.get_source(env, path)[0]
    name = found.group(2)
    written = re.compile(rf"\|\s*{name}\b" if found.group(1) == "filter" else rf"\bis\s+(not\s+)?{name}\b")
    for number, line in enumerate(source.splitlines(), start=1):
        if written.search(line):
            return f"{path}, line {number}"
    return None


def _where(exc: BaseException, path: str) -> str:
    """ "en/overdue_first.j2, line 12": the template line the failing expression is on, when Jinja knows it."""
    where = path
    tb = exc.__traceback__
    while tb is not None:  # the deepest frame of compiled template code wins (a macro of _parts.j2, say)
        found = tb.tb_frame.f_globals
        info = found.get("debug_info")
        if isinstance(info, str) and "environment" in found and info:
            pairs = [tuple(int(n) for n in pair.split("=")) for pair in info.split("&")]
            line = next((t for t, code in reversed(pairs) if code <= tb.tb_lineno), 1)
            file = str(found.get("__file__", "<template>"))
            shown = path if file == "<template>" else "/".join(Path(file).parts[-2:])
            where = f"{shown}, line {line}"
        tb = tb.tb_next
    return where


def _template(env: ImmutableSandboxedEnvironment, name: str, source: str | None) -> Template:
    """A saved template, or unsaved text compiled under the same name (so with the same escaping)."""
    if source is None:
        return env.get_template(name)
    code = env.compile(source, name)
    return env.template_class.from_code(env, code, env.make_globals(None))
