"""Templates the user edited live in the ledger (a bundled program cannot write its resources): read, save, revert.

The shipped file stays the default; an edit is a `template_override` row that the renderer reads
before the file. `environment(ctx)` is what composing and previewing render with: a per-ledger
cache, dropped when this process saves or reverts (right away and again after the commit) and
re-read after REFRESH_SECONDS, so a sender in another process picks up an edit within that time.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from collector_app.db.models import Invoice, Policy, PolicyStep, TemplateOverride
from collector_app.domain.errors import UserError
from collector_app.services import audit
from collector_app.services.context import Ctx
from collector_app.templates.render import (
    BLOCKS,
    LANGUAGES,
    environment_with,
    render_blocks,
    shipped_names,
    shipped_source,
)

REFRESH_SECONDS = 10.0
# Templates worded for something other than invoices: tried on the latest letter of the register.
DEMAND_TEMPLATES = frozenset({"demand_letter"})
MAX_SOURCE = 100_000
_UNSAFE_HEADER = re.compile(r"[\r\n\x00]")
_SUBJECT_BLOCK = re.compile(r"{%-?\s*block\s+subject\b")
_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[Engine, tuple[float, ImmutableSandboxedEnvironment]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class TemplateInfo:
    """One template of one language as the list shows it."""

    language: str
    name: str
    overridden: bool
    shipped: bool  # the language has its own shipped file (else the English one is the default)
    updated_at: dt.datetime | None
    updated_by: str | None

    def as_dict(self) -> dict[str, Any]:
        at = self.updated_at.astimezone().isoformat(timespec="minutes") if self.updated_at else None
        return {"language": self.language, "name": self.name, "overridden": self.overridden,
                "shipped": self.shipped, "updated_at": at, "updated_by": self.updated_by}


@dataclass(frozen=True)
class TemplateText:
    """The text in force for a template (edited or shipped) and the shipped default it replaces."""

    language: str
    name: str
    source: str
    default: str
    overridden: bool


# --- the environment composing and previewing render with ---------------------------------------

def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def environment(ctx: Ctx) -> ImmutableSandboxedEnvironment:
    """The template environment of ctx's ledger: its edited templates over the shipped files."""
    engine = _engine(ctx.session)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(engine)
    if cached is not None and now - cached[0] < REFRESH_SECONDS:
        return cached[1]
    rows = ctx.session.execute(select(TemplateOverride.language, TemplateOverride.name, TemplateOverride.source))
    env = environment_with({f"{lang}/{name}.j2": source for lang, name, source in rows})
    with _lock:
        _cache[engine] = (now, env)
    return env


def invalidate(session: Session) -> None:
    """Forget the cached templates of the session's ledger now and once its transaction commits."""
    engine = _engine(session)

    def drop(*_args: Any) -> None:
        with _lock:
            _cache.pop(engine, None)

    drop()
    event.listen(session, "after_commit", drop, once=True)


# --- reading ------------------------------------------------------------------------------------

def _check(language: str, name: str) -> tuple[str, str]:
    lang = language.strip().lower()
    if lang not in LANGUAGES:
        raise UserError("language", f'"{language}" is not a template language (expected {", ".join(LANGUAGES)})')
    if name not in shipped_names():
        raise UserError("template", f'no template named "{name}" (known: {", ".join(shipped_names())})')
    return lang, name


def _override(ctx: Ctx, lang: str, name: str) -> TemplateOverride | None:
    return ctx.session.scalar(select(TemplateOverride).where(TemplateOverride.language == lang,
                                                             TemplateOverride.name == name))


def default_source(lang: str, name: str) -> str:
    """The shipped text: the language's own file, else the English one it falls back to."""
    text = shipped_source(lang, name) or shipped_source("en", name)
    if text is None:
        raise UserError("template", f'no shipped template "{name}"')
    return text


def list_templates(ctx: Ctx) -> list[TemplateInfo]:
    """Every shipped template in every language, with whether the ledger holds an edited text of it."""
    edited = {(o.language, o.name): o for o in ctx.session.scalars(select(TemplateOverride))}
    out = []
    for lang in LANGUAGES:
        for name in shipped_names():
            o = edited.get((lang, name))
            out.append(TemplateInfo(lang, name, o is not None, shipped_source(lang, name) is not None,
                                    o.updated_at if o else None, o.updated_by if o else None))
    return out


def get_template(ctx: Ctx, language: str, name: str) -> TemplateText:
    lang, name = _check(language, name)
    default = default_source(lang, name)
    o = _override(ctx, lang, name)
    return TemplateText(lang, name, o.source if o else default, default, o is not None)


# --- checking and writing -------------------------------------------------------------------------

def sample_invoice_id(ctx: Ctx, language: str | None = None) -> int | None:
    """An invoice to try a template on: the most overdue open one (of a contractor in `language` if any)."""
    from collector_app.db.models import Contractor

    base = (select(Invoice.id).join(Contractor, Contractor.id == Invoice.contractor_id)  # open: never a credit note
            .where(Invoice.gross > Invoice.paid).order_by(Invoice.due_date, Invoice.id).limit(1))
    if language:
        found = ctx.session.scalar(base.where(Contractor.language == language))
        if found is not None:
            return found
    return ctx.session.scalar(base)


def _check_names(env: ImmutableSandboxedEnvironment, tree: nodes.Template, path: str) -> None:
    """Every filter and test the text uses exists, in branches a sample invoice would not take too (Jinja
    finds an unknown name there only when the branch runs, for some debtor, at send time)."""
    for kind, known, found in (("filter", env.filters, tree.find_all(nodes.Filter)),
                               ("test", env.tests, tree.find_all(nodes.Test))):
        for node in found:
            if node.name not in known:
                raise UserError("template", f"{path}, line {node.lineno}: no {kind} named '{node.name}'")


def check_source(ctx: Ctx, language: str, name: str, source: str, invoice_id: int | None = None) -> dict[str, str]:
    """Render every block of unsaved text against an invoice (or only compile it when the ledger has none).

    Returns the rendered blocks; any fault is a UserError with the line where Jinja knows it.
    """
    from collector_app.services.firm import get_firm
    from collector_app.services.messages import template_context

    lang, name = _check(language, name)
    if not source.strip():
        raise UserError("source", "the template is empty")
    if len(source) > MAX_SOURCE:
        raise UserError("source", f"the template is longer than {MAX_SOURCE} characters")
    env = environment(ctx)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        raise UserError("template", f"{lang}/{name}.j2, line {exc.lineno}: {exc.message}") from exc
    _check_names(env, tree, f"{lang}/{name}.j2")
    firm = get_firm(ctx)
    if firm is None:
        return {}
    if name in DEMAND_TEMPLATES:
        sample = _sample_demand(ctx)
        if sample is None:
            return {}
        context = sample[1]
    else:
        invoice_id = invoice_id if invoice_id is not None else sample_invoice_id(ctx, lang)
        invoice = ctx.session.get(Invoice, invoice_id) if invoice_id is not None else None
        if invoice is None:
            return {}
        context = template_context(ctx, firm, invoice.contractor, [invoice])
    out = render_blocks(lang, name, BLOCKS, context, source=source, env=env)
    if _UNSAFE_HEADER.search(out["subject"].strip()):
        line = next((n for n, text in enumerate(source.split("\n"), start=1) if _SUBJECT_BLOCK.search(text)), 1)
        raise UserError("template", f"{lang}/{name}.j2, line {line}: the subject renders with a line break, "
                        "which must never reach a mail header")
    return out


def _sample_demand(ctx: Ctx) -> tuple[str, dict[str, Any], str] | None:
    """The latest letter of the demand register as a template sees it: (number, context, contractor)."""
    from collector_app.db.models import Demand
    from collector_app.services.demands import email_context

    demand = ctx.session.scalar(select(Demand).order_by(Demand.id.desc()).limit(1))
    if demand is None:
        return None
    return demand.number, email_context(ctx, demand), demand.contractor.name


def is_reminder_template(name: str) -> bool:
    """Whether a policy step may send it (a demand letter's text needs a letter, not an invoice)."""
    return name not in DEMAND_TEMPLATES


@dataclass(frozen=True)
class TemplatePreview:
    """What the editor shows: the blocks rendered for one invoice, the SMS as it would be sent."""

    invoice: str
    contractor: str
    subject: str
    text: str
    html: str
    sms: str
    sms_chars: int
    sms_parts: int
    sms_refused: bool  # longer than the SMS channel sends


def preview(ctx: Ctx, language: str, name: str, source: str, invoice_id: int | None) -> TemplatePreview:
    """Unsaved text rendered against a real invoice, as of today; a template fault is a UserError with its line."""
    from collector_app.channels.base import PermanentError
    from collector_app.channels.sms import MAX_PARTS, split_sms
    from collector_app.services.messages import gsm_length, sms_text

    if name in DEMAND_TEMPLATES:
        demand = _sample_demand(ctx)
        if demand is None:
            raise UserError("invoice", "the demand register has no letter yet to try this template on")
        shown, who = f"{demand[0]} ({demand[2]})", demand[2]
    else:
        invoice = ctx.session.get(Invoice, invoice_id) if invoice_id is not None else None
        if invoice is None:
            raise UserError("invoice", "the ledger has no invoice to try the template on: pick or add one")
        shown, who, invoice_id = invoice.number, invoice.contractor.name, invoice.id
    out = check_source(ctx, language, name, source, invoice_id)
    if not out:
        raise UserError("firm", "the firm's details are not set, and every template names the firm")
    sms = sms_text(out["sms"])
    try:
        parts = len(split_sms(sms, max_parts=1000).parts) if sms else 0
    except PermanentError:
        parts = 0
    return TemplatePreview(shown, who, out["subject"].strip(), out["text"].strip(),
                           out["html"].strip(), sms, gsm_length(sms), parts, parts > MAX_PARTS)


def _steps_using(ctx: Ctx, name: str) -> list[tuple[str, str, str]]:
    """(policy, step, channel) of every active policy step that sends template `name`."""
    rows = ctx.session.execute(
        select(Policy.name, PolicyStep.name, PolicyStep.channel).join(Policy, Policy.id == PolicyStep.policy_id)
        .where(PolicyStep.template == name, PolicyStep.active).order_by(Policy.name, PolicyStep.position))
    return [(policy, step, channel) for policy, step, channel in rows]


def _check_sendable(ctx: Ctx, lang: str, name: str, source: str, rendered: dict[str, str]) -> None:
    """Refuse a text that could never be sent: a block that a step using the template needs is missing
    (the same check the Policies page makes), or its SMS, as rendered, is one the SMS channel refuses."""
    from collector_app.services.policies import blocks_fault

    path, steps = f"{lang}/{name}.j2", _steps_using(ctx, name)
    blocks = {node.name for node in environment(ctx).parse(source).find_all(nodes.Block)}
    for policy, step, channel in steps:
        fault = blocks_fault(path, channel, blocks)
        if fault is not None:
            raise UserError("template", f'{fault} (the step "{step}" of the policy "{policy}" sends it)')
    by_sms = next((f' (the step "{step}" of the policy "{policy}" sends it)'
                   for policy, step, channel in steps if channel == "sms"), None)
    if rendered:  # nothing is rendered before the ledger has its firm and an invoice
        from collector_app.services.messages import sms_text

        _check_sms(path, sms_text(rendered["sms"]), by_sms)


def _check_sms(path: str, sms: str, used_by: str | None) -> None:
    """The SMS channel's own check (empty, more than MAX_PARTS parts) on an SMS a step sends or that has text."""
    from collector_app.channels.base import PermanentError
    from collector_app.channels.sms import MAX_PARTS, split_sms

    if not sms and used_by is None:
        return  # no SMS text, and no step sends one
    try:
        split_sms(sms, MAX_PARTS)
    except PermanentError as exc:
        reason = str(exc).removeprefix("refused before sending: ")
        raise UserError("template", f"{path}, the sms block: {reason}{used_by or ''}") from None


def find_invoices(ctx: Ctx, text: str, limit: int = 20) -> list[tuple[int, str]]:
    """Invoices whose number contains `text` (all when empty), open ones first: (id, "number — contractor (lang)")."""
    from collector_app.db.models import Contractor

    query = (select(Invoice.id, Invoice.number, Contractor.name, Contractor.language, Invoice.kind)
             .join(Contractor, Contractor.id == Invoice.contractor_id))
    clean = text.strip()
    if clean:
        escaped = clean.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Invoice.number.ilike(f"%{escaped}%", escape="\\"))
    # Open ones, most overdue first, then settled ones, latest first: each walks its partial due-date
    # index (a filter on kind would make SQLite sort the whole table); credit notes are dropped here.
    rows = list(ctx.session.execute(
        query.where(Invoice.gross > Invoice.paid).order_by(Invoice.due_date, Invoice.id).limit(limit)))
    if len(rows) < limit:
        rows += ctx.session.execute(query.where(Invoice.gross <= Invoice.paid)
                                    .order_by(Invoice.due_date.desc(), Invoice.id.desc()).limit(2 * limit))
    found = [(i, f"{number} — {who} ({lang})") for i, number, who, lang, kind in rows if kind == "invoice"]
    return found[:limit]


def save_template(ctx: Ctx, language: str, name: str, source: str, *, invoice_id: int | None = None) -> TemplateText:
    """Store an edited text after rendering it against an invoice; nothing is stored when it fails."""
    lang, name = _check(language, name)
    source = source.replace("\r\n", "\n")
    _check_sendable(ctx, lang, name, source, check_source(ctx, lang, name, source, invoice_id))
    row = _override(ctx, lang, name)
    if row is not None and row.source == source:
        return get_template(ctx, lang, name)
    if row is None:
        row = TemplateOverride(language=lang, name=name, source=source)
        ctx.session.add(row)
    row.source, row.updated_at, row.updated_by = source, ctx.clock.now(), ctx.user
    ctx.session.flush()
    invalidate(ctx.session)
    audit.record(ctx, "template.saved", "template", row.id, f"Template {lang}/{name} edited",
                 details={"language": lang, "name": name, "chars": len(source)})
    return get_template(ctx, lang, name)


def revert_template(ctx: Ctx, language: str, name: str) -> TemplateText:
    """Back to the shipped text; the edited one is kept in the event's details."""
    lang, name = _check(language, name)
    row = _override(ctx, lang, name)
    if row is None:
        raise UserError("template", f"{lang}/{name} is not edited: it is the shipped text already")
    audit.record(ctx, "template.reverted", "template", row.id, f"Template {lang}/{name} back to the shipped text",
                 details={"language": lang, "name": name, "previous": row.source})
    ctx.session.delete(row)
    ctx.session.flush()
    invalidate(ctx.session)
    return get_template(ctx, lang, name)
