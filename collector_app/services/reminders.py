"""Planning reminders into the outbox: set-based SQL over the open invoices, idempotent by the unique key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Date, bindparam, case, func, select, text
from sqlalchemy.sql.elements import TextClause

from collector_app.db.base import UTCDateTime
from collector_app.db.engine import large_page_cache
from collector_app.db.models import Outbox, Policy, PolicyStep, Task
from collector_app.domain.errors import UserError
from collector_app.services import audit, settings
from collector_app.services import plan_watermark as watermark
from collector_app.services.context import Ctx
from collector_app.services.escalation import TASK_SOURCE
from collector_app.services.policies import MAX_REPEATS
from collector_app.services.users import current_user

LAST_PLAN_KEY = "reminders.last_plan"
CATCH_UP = "catch-up: a later step was due"
OVERTAKEN = "catch-up: not sent before a later step came due"
NO_ADDRESS = {
    "email": "no e-mail address for the contractor or its contact persons",
    "sms": "no phone number for the contractor or its contact persons",
    "letter": "no postal address for the contractor",
}


def row_reason(state: str, last_error: str | None, covers: int, planned_for: dt.date) -> str | None:
    """Why a row is where it is, as `outbox list` and the windows say it.

    A catch-up record stores no text (a first plan of a million invoices writes almost as many of them,
    and the text cost it a second): it is worded here from the steps it covers, the latest on its day.
    """
    if last_error is not None or state != "skipped":
        return last_error
    if covers <= 1:
        return CATCH_UP
    return f"catch-up: {covers} steps due up to {planned_for.isoformat()} were overtaken by a later one"


class PlannedRow(NamedTuple):
    """One outbox row as `reminders plan` and `outbox list` print it (a tuple: plans can be large)."""

    id: int | None
    invoice: str
    contractor: str
    contractor_id: int
    step: str
    occurrence: int
    channel: str
    recipient: str | None
    subject: str | None
    state: str
    attempts: int
    last_error: str | None
    planned_for: dt.date
    sent_at: dt.datetime | None
    covers: int = 1  # a catch-up row stands for this many overtaken steps
    group_key: str | None = None  # set when its policy sends one message per contractor
    invoice_id: int | None = None
    step_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "invoice": self.invoice, "contractor": self.contractor,
            "contractor_id": self.contractor_id, "step": self.step, "occurrence": self.occurrence,
            "channel": self.channel, "recipient": self.recipient, "subject": self.subject,
            "state": self.state, "attempts": self.attempts, "last_error": self.last_error,
            "planned_for": self.planned_for.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None, "covers": self.covers,
        }


# --- SQL ---------------------------------------------------------------------------------

def _date_add(dialect: str, date_expr: str, days_expr: str) -> str:
    if dialect == "sqlite":
        return f"date({date_expr}, ({days_expr}) || ' days')"
    return f"(CAST({date_expr} AS DATE) + ({days_expr}))"


def _first(column: str) -> str:
    """The contractor's own address, else its first contact person's that has one."""
    return (f"COALESCE(NULLIF(c.{column}, ''), (SELECT p.{column} FROM contact_person p "
            f"WHERE p.contractor_id = c.id AND COALESCE(p.{column}, '') <> '' ORDER BY p.id LIMIT 1))")


def _candidates(dialect: str) -> str:
    """The invoices an incremental run looks at: those for which something may have changed since the
    last run (the watermark `:wm_*`). Anything else would plan exactly what it planned last time.

    - a step's date fell in (last run, today]: one range on the issue/due-date index (or the calls'
      promise dates) per step and occurrence;
    - the ledger moved: new invoices, allocations and calls (id ranges), and every invoice or contractor
      named by an event since (disputes, pauses, policy assignments, payments…);
    - a pause ended: invoice or contractor paused until a day in [last run, today).
    """
    def window(column: str) -> str:
        return (f"{column} > {_date_add(dialect, ':wm_day', '-sk.shift')} "
                f"AND {column} <= {_date_add(dialect, ':today', '-sk.shift')}")

    return f"""
cand(id) AS MATERIALIZED (
  SELECT i.id FROM sk CROSS JOIN invoice i WHERE sk.anchor = 'due' AND {window("i.due_date")}
  UNION SELECT i.id FROM sk CROSS JOIN invoice i WHERE sk.anchor = 'issue' AND {window("i.issue_date")}
  UNION SELECT k.invoice_id FROM sk CROSS JOIN call k WHERE sk.anchor = 'promise' AND {window("k.promise_date")}
  UNION SELECT i.id FROM invoice i WHERE i.id > :wm_invoice
  UNION SELECT a.invoice_id FROM allocation a WHERE a.id > :wm_allocation
  UNION SELECT k.invoice_id FROM call k WHERE k.id > :wm_call AND k.invoice_id IS NOT NULL
  UNION SELECT e.invoice_id FROM event e WHERE e.id > :wm_event AND e.invoice_id IS NOT NULL
  UNION SELECT i.id FROM event e JOIN invoice i ON i.contractor_id = e.contractor_id
        WHERE e.id > :wm_event AND e.invoice_id IS NULL
  UNION SELECT i.id FROM invoice i WHERE i.paused_until >= :wm_day AND i.paused_until < :today
  UNION SELECT i.id FROM contractor c JOIN invoice i ON i.contractor_id = c.id
        WHERE c.paused_until >= :wm_day AND c.paused_until < :today
),"""


_EPOCH = dt.date(1970, 1, 1)  # day numbers count from here, in SQL (_day) and in the parameters


def _day(dialect: str, expr: str) -> str:
    """A date as a whole day number (days since 1970-01-01): step dates become integer sums."""
    if dialect == "sqlite":
        return f"CAST(julianday({expr}) - 2440587.5 AS INTEGER)"
    return f"(CAST({expr} AS DATE) - DATE '1970-01-01')"


def _from_day(dialect: str, expr: str) -> str:
    if dialect == "sqlite":
        return f"date(({expr}) * 86400, 'unixepoch')"
    return f"(DATE '1970-01-01' + CAST({expr} AS INTEGER))"


# Invoices with the same key plan the same steps on the same days: the steps are worked out once per key.
# An invoice with outbox rows is a key of its own (`history`), as what it lacks is its own.
_KEY = "policy_id, issue_day, due_day, promise_key, promise_n, last_key, resume_key, history"


def _key(alias: str) -> str:
    return ", ".join(f"{alias}.{column}" for column in _KEY.split(", "))


# The n-th promise's occurrences of a step are (n-1) * PROMISE_STRIDE + 1, 2, …: a constant (a step repeats at
# most MAX_REPEATS times), so a repeat count changed anywhere never renumbers the follow-ups already planned.
PROMISE_STRIDE = 1 + MAX_REPEATS
_PICK = 100_000  # a catch-up row names its latest overtaken step: MAX(day * _PICK + rank) decodes to it


def _plan_cte(dialect: str, incremental: bool = False) -> str:
    """CTEs ending in `planned_rows`: every due (invoice, step, occurrence) the outbox lacks, with its state.

    The open invoices come off the partial index (gross > paid), joined to the steps of the effective
    policy (the contractor's own, else its segment's, else the default); step dates are day numbers.
    Catch-up: only the steps on the invoice's latest due date are planned; the earlier ones it lacks
    (later than the invoice's last row: a step dated on or before it, added, renamed or reached through
    another policy since, came too late) become ONE skipped row that `covers` them all. Rows after
    today exist only in a preview (`:horizon_day`). `incremental` limits the run to the invoices
    `_candidates` names.
    """
    def day(expr: str) -> str:
        return _day(dialect, expr)

    def history(inv: str) -> str:  # not a column of inv: SQLite would run the last_key subquery twice
        return f"CASE WHEN {inv}.last_key = -1 THEN 0 ELSE {inv}.invoice_id END"

    def occurrence(keys: str, steps: str) -> str:
        """A promise-anchored step fires once per promise: the n-th promise's occurrences come after the
        (n-1)-th's, so a later broken promise is followed up too (the unique key stays per occurrence)."""
        return (f"CASE WHEN {steps}.anchor = 'promise' THEN ({keys}.promise_n - 1) * {PROMISE_STRIDE} + {steps}.k "
                f"ELSE {steps}.k END")

    promises = ("(SELECT COUNT(*) FROM call k WHERE k.invoice_id = o.invoice_id AND k.promise_date IS NOT NULL)")
    promise = ("(SELECT k.promise_date FROM call k WHERE k.invoice_id = o.invoice_id "
               "AND k.promise_date IS NOT NULL ORDER BY k.started_at DESC, k.id DESC LIMIT 1)")
    step_day = ("CASE sk.anchor WHEN 'issue' THEN k.issue_day WHEN 'due' THEN k.due_day "
                "ELSE NULLIF(k.promise_key, -1) END + sk.shift")
    paid_day = "date(a.created_at)" if dialect == "sqlite" else "CAST(a.created_at AS DATE)"
    ordered = "CROSS JOIN" if dialect == "sqlite" else "JOIN"  # SQLite: the left side drives the join
    paid_on = (f"(SELECT MAX(COALESCE(y.date, {paid_day})) FROM allocation a "
               "LEFT JOIN payment y ON y.id = a.payment_id WHERE a.invoice_id = inv.invoice_id)")
    recipient = (f"CASE r.channel WHEN 'email' THEN {_first('email')} WHEN 'sms' THEN {_first('phone')} "
                 "ELSE NULLIF(TRIM(COALESCE(c.address, '') || ' ' || COALESCE(c.postal_code, '') || ' ' "
                 "|| COALESCE(c.city, '')), '') END")
    effective = "COALESCE(c.policy_id, g.policy_id, :default_policy)"
    shift = "s.offset_days + (n.k - 1) * COALESCE(s.repeat_every_days, 0)"
    # A preview also shows invoices whose pause ends inside it: their steps up to the day after the pause
    # catch up on that day (`resume_key`), as the daily runs will. A real run plans no paused invoice (-1).
    pause_end = ("CASE WHEN c.paused_until IS NULL OR i.paused_until >= c.paused_until THEN i.paused_until "
                 "ELSE c.paused_until END")
    resume = f"CASE WHEN {pause_end} >= :today THEN {day(pause_end)} + 1 ELSE -1 END"
    start = "CASE WHEN resume_key > :today_day THEN resume_key ELSE :today_day END"
    return f"""
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < :max_occ),
sk AS MATERIALIZED (
  SELECT s.id AS step_id, s.policy_id, s.anchor, s.channel, n.k, {shift} AS shift, p.group_by_contractor,
         ROW_NUMBER() OVER (ORDER BY s.id, n.k) AS rank
  FROM policy_step s
  JOIN policy p ON p.id = s.policy_id
  JOIN n ON n.k <= CASE WHEN s.repeat_every_days > 0 AND s.repeat_max > 0 THEN 1 + s.repeat_max ELSE 1 END
  WHERE s.active
),
{_candidates(dialect) if incremental else ""}
open_inv AS (
  SELECT i.id AS invoice_id, i.contractor_id, i.issue_date, i.due_date, {effective} AS policy_id,
         {resume} AS resume_key
  FROM {f"cand {ordered} invoice i ON i.id = cand.id" if incremental else "invoice i"}
  JOIN contractor c ON c.id = i.contractor_id
  LEFT JOIN segment g ON g.id = c.segment_id
  WHERE i.gross > i.paid AND i.kind <> 'credit_note'  -- "<>": the open partial index stays the way in
    AND NOT i.disputed AND NOT i.handed_over AND NOT i.under_plan
    AND (i.paused_until IS NULL OR i.paused_until < :pause_limit)
    AND (c.paused_until IS NULL OR c.paused_until < :pause_limit)
),
inv AS MATERIALIZED (
  SELECT o.invoice_id, o.contractor_id, o.policy_id, {day("o.issue_date")} AS issue_day,
         {day("o.due_date")} AS due_day, COALESCE(CASE WHEN :has_promise THEN {day(promise)} END, -1) AS promise_key,
         CASE WHEN :has_promise THEN {promises} ELSE 0 END AS promise_n,
         COALESCE({day("(SELECT MAX(x.planned_for) FROM outbox x WHERE x.invoice_id = o.invoice_id)")}, -1) AS last_key,
         o.resume_key
  FROM open_inv o
  ORDER BY o.invoice_id  -- rows then reach the outbox's unique index in its order: appends, not scatters
),
keys AS MATERIALIZED (
  SELECT DISTINCT policy_id, issue_day, due_day, promise_key, promise_n, last_key, resume_key,
         {history("inv")} AS history
  FROM inv
),
kp AS MATERIALIZED (
  SELECT k.*, sk.step_id, {occurrence("k", "sk")} AS occurrence, sk.channel, sk.rank, sk.group_by_contractor,
         {step_day} AS day
  FROM keys k JOIN sk ON sk.policy_id = k.policy_id AND sk.anchor <> 'paid'
  WHERE {step_day} <= :horizon_day AND {step_day} > k.last_key
    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.invoice_id = k.history AND o.step_id = sk.step_id
                    AND o.occurrence = {occurrence("k", "sk")})
),
kl AS MATERIALIZED (
  SELECT {_KEY}, MAX(day) AS latest FROM kp WHERE day <= {start} GROUP BY {_KEY}
),
key_rows AS MATERIALIZED (
  SELECT {_key("p")}, p.step_id, p.occurrence, p.channel, CASE WHEN p.day < p.resume_key THEN p.resume_key
         ELSE p.day END AS day, p.group_by_contractor, 1 AS covers, NULL AS first_day
  FROM kp p LEFT JOIN kl USING ({_KEY}) WHERE p.day > {start.replace("resume_key", "p.resume_key")}
    OR p.day = kl.latest
  UNION ALL
  SELECT {_key("g")}, s.step_id, {occurrence("g", "s")}, s.channel, g.pick / {_PICK},
         false, g.covers, g.first_day
  FROM (SELECT {_key("p")}, COUNT(*) AS covers,
               MIN(p.day) AS first_day, MAX(p.day * {_PICK} + p.rank) AS pick
        FROM kp p JOIN kl USING ({_KEY}) WHERE p.day < kl.latest GROUP BY {_key("p")}) g
  JOIN sk s ON s.rank = g.pick % {_PICK}
),
settled AS (
  SELECT DISTINCT i.id AS invoice_id, i.contractor_id, {effective} AS policy_id
  FROM {f"cand {ordered} outbox o ON o.invoice_id = cand.id" if incremental else "outbox o"}
  JOIN policy_step rs ON rs.id = o.step_id AND rs.anchor IN ('due', 'promise')
  JOIN invoice i ON i.id = o.invoice_id
  JOIN contractor c ON c.id = i.contractor_id
  LEFT JOIN segment g ON g.id = c.segment_id
  WHERE o.state IN ('planned', 'sending', 'sent', 'uncertain') AND i.gross <= i.paid
    AND i.kind <> 'credit_note'
    AND EXISTS (SELECT 1 FROM allocation pa WHERE pa.invoice_id = i.id AND pa.payment_id IS NOT NULL)
),
new_rows AS (
  SELECT a.invoice_id, a.contractor_id, r.step_id, r.occurrence, r.channel, r.day, r.group_by_contractor,
         r.covers, r.first_day
  FROM inv a {ordered} key_rows r ON r.policy_id = a.policy_id AND r.issue_day = a.issue_day
   AND r.due_day = a.due_day AND r.promise_key = a.promise_key AND r.promise_n = a.promise_n
   AND r.last_key = a.last_key
   AND r.resume_key = a.resume_key AND r.history = {history("a")}
  UNION ALL
  SELECT inv.invoice_id, inv.contractor_id, sk.step_id, 1, sk.channel,
         {day(f"COALESCE({paid_on}, :today)")} + sk.shift, sk.group_by_contractor, 1, NULL
  FROM settled inv JOIN sk ON sk.policy_id = inv.policy_id AND sk.anchor = 'paid'
  WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.invoice_id = inv.invoice_id AND o.step_id = sk.step_id
                    AND o.occurrence = 1)
),
addressed AS (
  SELECT r.*, {_from_day(dialect, "r.day")} AS planned_for,
         CASE WHEN r.first_day IS NULL THEN {recipient} END AS recipient
  FROM new_rows r JOIN contractor c ON c.id = r.contractor_id
),
planned_rows AS (
  SELECT invoice_id, contractor_id, step_id, occurrence, channel, recipient, planned_for, covers,
         CASE WHEN first_day IS NULL AND recipient IS NOT NULL THEN 'planned' ELSE 'skipped' END AS state,
         CASE WHEN first_day IS NOT NULL THEN NULL  -- a catch-up record: worded by row_reason()
              WHEN recipient IS NULL THEN CASE channel WHEN 'email' THEN '{NO_ADDRESS["email"]}'
                   WHEN 'sms' THEN '{NO_ADDRESS["sms"]}' ELSE '{NO_ADDRESS["letter"]}' END
         END AS last_error,
         CASE WHEN group_by_contractor AND first_day IS NULL THEN
              CAST(contractor_id AS VARCHAR) || ':' || CAST(step_id AS VARCHAR) || ':' || CAST(planned_for AS VARCHAR)
         END AS group_key
  FROM addressed
)
"""


_COLUMNS = ("invoice_id, contractor_id, step_id, occurrence, channel, recipient, planned_for, state, last_error, "
            "group_key, covers")


def _params(stmt: TextClause) -> TextClause:
    return stmt.bindparams(bindparam("today", type_=Date()), bindparam("pause_limit", type_=Date()))


def _insert_sql(dialect: str, incremental: bool) -> TextClause:
    stmt = _params(text(
        _plan_cte(dialect, incremental)
        + f"INSERT INTO outbox ({_COLUMNS}, attempts, created_at) "
        + f"SELECT {_COLUMNS}, 0, :now FROM planned_rows WHERE true "
        + "ON CONFLICT (invoice_id, step_id, occurrence) DO NOTHING"
    ).bindparams(bindparam("now", type_=UTCDateTime())))
    return stmt.bindparams(bindparam("wm_day", type_=Date())) if incremental else stmt


def _preview_sql(dialect: str) -> TextClause:
    return _params(text(
        _plan_cte(dialect)
        + "SELECT NULL AS id, i.number AS invoice, c.name AS contractor, r.contractor_id, s.name AS step, "
        + "r.occurrence, r.channel, r.recipient, NULL AS subject, r.state, 0 AS attempts, r.last_error, "
        + "r.planned_for, NULL AS sent_at, r.covers, r.group_key, r.invoice_id, r.step_id FROM planned_rows r "
        + "JOIN invoice i ON i.id = r.invoice_id JOIN contractor c ON c.id = r.contractor_id "
        + "JOIN policy_step s ON s.id = r.step_id "
        + "ORDER BY r.planned_for, c.name, i.number, s.position, r.occurrence"
    ))


# A row still waiting (outside business hours, a retry, the computer off) when a later step of its invoice
# is planned would go out late next to it ("due today" a week after the due date): it is skipped instead.
# Only rows that existed before this run can be waiting; the id range keeps the scan to them. A thank-you
# overtakes nothing: the reminders before it are cancelled as paid when their turn comes.
def _overtake_sql(dialect: str) -> TextClause:
    """Driven by this run's rows (the id range), each joined to its invoice's older rows by the unique key's
    index; on SQLite "+" keeps the planner off the (state, planned_for) index, which walks every planned row."""
    off = "+" if dialect == "sqlite" else ""
    return text(
        "UPDATE outbox SET state = 'skipped', last_error = :why, next_attempt_at = NULL WHERE id IN ("
        "  SELECT o.id FROM (SELECT n.invoice_id, MAX(n.planned_for) AS latest FROM outbox n"
        f"                   WHERE n.id > :after AND {off}n.state = 'planned'"
        "                    AND n.step_id IN (SELECT id FROM policy_step WHERE anchor <> 'paid')"
        "                    GROUP BY n.invoice_id) l"
        "  JOIN outbox o ON o.invoice_id = l.invoice_id"
        f"  WHERE o.id <= :after AND {off}o.state = 'planned' AND o.step_id IS NOT NULL"
        f"  AND {off}o.planned_for < l.latest"
        ") RETURNING id"
    )


_NEW_ROWS = (
    "SELECT o.id, i.number AS invoice, c.name AS contractor, o.contractor_id, s.name AS step, o.occurrence, "
    "o.channel, o.recipient, o.subject, o.state, o.attempts, o.last_error, o.planned_for, o.sent_at, o.covers, "
    "o.group_key, o.invoice_id, o.step_id "
    "FROM outbox o JOIN invoice i ON i.id = o.invoice_id JOIN contractor c ON c.id = o.contractor_id "
    "JOIN policy_step s ON s.id = o.step_id WHERE o.id > {after:d} OR o.id IN ({overtaken}) ORDER BY o.id"
)

@dataclass(frozen=True)
class PlanSummary:
    """What a planning run added: outbox ids above `after`; `incremental` when it used the watermark."""

    after: int
    planned: int
    skipped: int
    incremental: bool
    overtaken: tuple[int, ...] = ()  # rows planned earlier, still waiting, skipped for a later step


def plan(ctx: Ctx, *, dry_run: bool = False, days: int = 0, full: bool = False) -> list[PlannedRow]:
    """Insert the due reminders up to today (or, with dry_run, show those due in the next `days` days).

    Returns the rows added (skipped ones included). Call it first in its transaction: on SQLite its
    first statement takes the write lock, which a transaction that has already read may not get.
    """
    if days < 0:
        raise UserError("days", "must not be negative")
    if days and not dry_run:
        raise UserError("days", "only widens a --dry-run preview; a real run plans up to today")
    if dry_run:
        dialect = ctx.session.get_bind().dialect.name
        return [_row(r) for r in ctx.session.execute(_preview_sql(dialect), _base_params(ctx, days))]
    summary = plan_rows(ctx, full=full)
    return _new_rows(ctx, summary.after, summary.overtaken)


def plan_rows(ctx: Ctx, *, full: bool = False) -> PlanSummary:
    """Plan into the outbox and return only the counts (the background planner's way: a first plan of a
    large ledger adds millions of rows that nobody needs as Python objects).

    After the first run only the invoices something may have changed for are looked at (see
    `_candidates`); a changed policy, segment assignment or default policy, a clock set back, or `full`
    makes the run look at every open invoice again.
    """
    today, now = ctx.clock.today(), ctx.clock.now()
    session = ctx.session
    dialect = session.get_bind().dialect.name
    _take_write_lock(ctx, now)
    last = None if full else watermark.load(ctx)
    digest = watermark.policies(ctx)  # planning changes no policy: the same digest holds at the end
    incremental = last is not None and last.day <= today and last.policies == digest
    params = _base_params(ctx, 0) | {"now": now}
    if incremental:
        assert last is not None
        params |= last.params()
    after = session.scalar(select(func.coalesce(func.max(Outbox.id), 0))) or 0
    with large_page_cache(session):
        session.execute(_insert_sql(dialect, incremental), params)
        planned, skipped, missing = _added(ctx, after)
    overtaken = _overtake(ctx, after) if planned and after else ()
    if planned or skipped:
        _after_insert(ctx, missing, now)
        audit.record(ctx, "reminders.planned", "outbox", None,
                     f"Reminders planned: {planned}, skipped: {skipped + len(overtaken)}",
                     details={"planned": planned, "skipped": skipped, "overtaken": len(overtaken), "today": today})
    # Taken after this run's own writes (escalation events need no second look): the write lock taken
    # first keeps anyone else from writing in between on SQLite.
    now_mark = watermark.current(ctx, digest)
    watermark.save(ctx, now_mark._replace(lag=last.ids() if last is not None else None))
    return PlanSummary(after, planned, skipped, incremental, overtaken)


def _overtake(ctx: Ctx, after: int) -> tuple[int, ...]:
    """Skip the rows planned before this run that a row it planned for their invoice overtakes."""
    sql = _overtake_sql(ctx.session.get_bind().dialect.name)
    return tuple(ctx.session.execute(sql, {"after": after, "why": OVERTAKEN}).scalars())


def _base_params(ctx: Ctx, days: int) -> dict[str, Any]:
    today = ctx.clock.today()
    today_day = (today - _EPOCH).days
    return {
        "today": today, "today_day": today_day, "horizon_day": today_day + days,
        "pause_limit": today + dt.timedelta(days=days),
        "default_policy": ctx.session.scalar(
            select(Policy.id).where(Policy.is_default).order_by(Policy.id).limit(1)),
        "max_occ": _max_occurrences(ctx),
        "has_promise": (ctx.session.scalar(select(func.count()).select_from(PolicyStep).where(
            PolicyStep.active, PolicyStep.anchor == "promise")) or 0) > 0,
    }


# One pass over the rows a run added, without a GROUP BY (which costs a first plan of 1M invoices a second
# more); "state || ''" is not the indexed column, so the pass walks the id range, not ix_outbox_state_planned.
_ADDED = text(
    "SELECT COALESCE(SUM(CASE WHEN o.state || '' = 'planned' THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN o.state || '' = 'planned' THEN 0 ELSE o.covers END), 0), "
    "COALESCE(SUM(CASE WHEN o.last_error IN (:e, :s, :l) THEN 1 ELSE 0 END), 0) FROM outbox o WHERE o.id > :after"
)
_MISSING = text(
    "SELECT DISTINCT o.contractor_id, o.channel FROM outbox o WHERE o.id > :after AND o.last_error IN (:e, :s, :l) "
    "ORDER BY 1, 2"
)


def _added(ctx: Ctx, after: int) -> tuple[int, int, list[tuple[int, str]]]:
    """Planned and skipped counts of the rows above `after`, and the (contractor, channel) pairs that
    were skipped for want of an address (looked for only when there are some)."""
    params = {"after": after, "e": NO_ADDRESS["email"], "s": NO_ADDRESS["sms"], "l": NO_ADDRESS["letter"]}
    planned, skipped, unaddressed = ctx.session.execute(_ADDED, params).one()
    missing = [(int(c), str(ch)) for c, ch in ctx.session.execute(_MISSING, params)] if unaddressed else []
    return int(planned), int(skipped), missing


def _take_write_lock(ctx: Ctx, now: dt.datetime) -> None:
    """The run's first statement writes, so SQLite takes the write lock before anything is read.

    Two planners then queue instead of both computing the same rows; the unique key with
    ON CONFLICT DO NOTHING keeps the outbox free of duplicates either way.
    """
    settings.write_value_first(ctx, LAST_PLAN_KEY, now.isoformat())


def _max_occurrences(ctx: Ctx) -> int:
    repeats = case(
        ((PolicyStep.repeat_every_days > 0) & (PolicyStep.repeat_max > 0), 1 + PolicyStep.repeat_max), else_=1)
    return int(ctx.session.scalar(select(func.max(repeats)).where(PolicyStep.active)) or 1)


def _new_rows(ctx: Ctx, after: int, overtaken: tuple[int, ...] = ()) -> list[PlannedRow]:
    """The rows this run inserted or skipped, read through the driver's cursor: a first plan can add a million."""
    dbapi = ctx.session.connection().connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        skipped_now = ", ".join(str(int(i)) for i in overtaken) or "NULL"
        cursor.execute(_NEW_ROWS.format(after=int(after), overtaken=skipped_now))
        days: dict[Any, dt.date] = {}
        return [_row(r, days) for r in cursor.fetchall()]
    finally:
        cursor.close()


def _row(r: Any, days: dict[Any, dt.date] | None = None) -> PlannedRow:
    """A result row as a PlannedRow; `days` memoises the few distinct dates of a large plan."""
    raw = r[12]
    if isinstance(raw, dt.date):
        day = raw
    elif days is None:
        day = dt.date.fromisoformat(raw)
    else:
        day = days.get(raw) or days.setdefault(raw, dt.date.fromisoformat(raw))
    return PlannedRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
                      row_reason(r[9], r[11], r[14], day), day, r[13], r[14], r[15], r[16], r[17])


def _after_insert(ctx: Ctx, missing: list[tuple[int, str]], now: dt.datetime) -> None:
    """One task per missing address (escalating steps act when they are sent: services/escalation.py)."""
    me = current_user(ctx).id
    for contractor_id, channel in missing:
        _address_task(ctx, contractor_id, channel, now, me)


def _address_task(ctx: Ctx, contractor_id: int, channel: str, now: dt.datetime, me: int) -> None:
    """Ask the collector for the missing address, once per contractor and channel."""
    name, collector = ctx.session.execute(
        text("SELECT name, collector_id FROM contractor WHERE id = :id"), {"id": contractor_id}).one()
    what = {"email": "an e-mail address", "sms": "a phone number"}.get(channel, "a postal address")
    task_text = f"Add {what} for {name}: {channel} reminders are skipped without it"
    exists = ctx.session.scalar(select(Task.id).where(
        Task.contractor_id == contractor_id, Task.source == TASK_SOURCE, Task.text == task_text).limit(1))
    if exists is not None:
        return
    task = Task(contractor_id=contractor_id, text=task_text, due_at=now, assignee_id=collector or me,
                source=TASK_SOURCE, created_at=now)
    ctx.session.add(task)
    ctx.session.flush()
    audit.record(ctx, "task.added", "task", task.id, f"Task: {task_text}", contractor_id=contractor_id)
