"""Where the last planning run stopped, so the next one looks only at what may have changed since."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, NamedTuple

from sqlalchemy import text

from collector_app.services import settings
from collector_app.services.context import Ctx

KEY = "reminders.watermark"

# Everything that decides which policy an invoice follows and what its steps are. These tables are
# small; when their content changes, every open invoice is planned again (policy edits apply to
# invoices already open).
_POLICY_STATE = (
    "SELECT id, is_default, group_by_contractor FROM policy ORDER BY id",
    "SELECT id, policy_id, position, anchor, offset_days, channel, repeat_every_days, repeat_max, action, active "
    "FROM policy_step ORDER BY id",
    "SELECT id, policy_id FROM segment ORDER BY id",
)
_MAXIMA = (
    "SELECT (SELECT COALESCE(MAX(id), 0) FROM event), (SELECT COALESCE(MAX(id), 0) FROM invoice), "
    "(SELECT COALESCE(MAX(id), 0) FROM allocation), (SELECT COALESCE(MAX(id), 0) FROM call)"
)


class Watermark(NamedTuple):
    """`event`…`call` are the highest ids when the run ended; `lag` the same ids one run earlier.

    The next run looks at ids above `lag`, not above the latest: a row whose id was taken before a run
    but committed after it (possible on PostgreSQL, where ids are not handed out under the write lock)
    is then still seen by the following run. The price is looking twice at one interval's changes."""

    day: dt.date
    event: int
    invoice: int
    allocation: int
    call: int
    policies: str
    lag: tuple[int, int, int, int] | None = None

    def ids(self) -> tuple[int, int, int, int]:
        return self.event, self.invoice, self.allocation, self.call

    def params(self) -> dict[str, Any]:
        event, invoice, allocation, call = self.lag or self.ids()
        return {"wm_day": self.day, "wm_event": event, "wm_invoice": invoice, "wm_allocation": allocation,
                "wm_call": call}


def current(ctx: Ctx, digest: str) -> Watermark:
    """The ledger as it is now, dated today; `digest` is policies(ctx), which the caller already has."""
    event, invoice, allocation, call = ctx.session.execute(text(_MAXIMA)).one()
    return Watermark(ctx.clock.today(), int(event), int(invoice), int(allocation), int(call), digest)


def load(ctx: Ctx) -> Watermark | None:
    raw = ctx.session.execute(text("SELECT value FROM setting WHERE key = :key"), {"key": KEY}).scalar()
    if raw is None:
        return None
    try:
        obj = json.loads(raw)
        lag = obj.get("lag")
        return Watermark(dt.date.fromisoformat(obj["day"]), int(obj["event"]), int(obj["invoice"]),
                         int(obj["allocation"]), int(obj["call"]), str(obj["policies"]),
                         (int(lag[0]), int(lag[1]), int(lag[2]), int(lag[3])) if lag else None)
    except (ValueError, KeyError, TypeError):  # written by another version: plan everything once
        return None


def save(ctx: Ctx, mark: Watermark) -> None:
    value = json.dumps({"day": mark.day.isoformat(), "event": mark.event, "invoice": mark.invoice,
                        "allocation": mark.allocation, "call": mark.call, "policies": mark.policies,
                        "lag": list(mark.lag) if mark.lag else None})
    settings.write_value_first(ctx, KEY, value)


def forget(ctx: Ctx) -> None:
    """The next run plans every open invoice (after a restore, an import that bypassed the events…)."""
    ctx.session.execute(text("DELETE FROM setting WHERE key = :key"), {"key": KEY})


def policies(ctx: Ctx) -> str:
    """A digest of the policies, their steps and the segments' assignments."""
    digest = hashlib.sha256()
    for query in _POLICY_STATE:
        digest.update(b"|")
        for row in ctx.session.execute(text(query)):
            digest.update(repr(tuple(bool(v) if isinstance(v, bool) else v for v in row)).encode())
    return digest.hexdigest()
