"""The event trail: every change writes one row, from which the timelines are built."""

from __future__ import annotations

import json
from typing import Any

from collector_app.db.models import Event
from collector_app.services.context import Ctx


def record(
    ctx: Ctx,
    action: str,
    entity: str,
    entity_id: int | None,
    summary: str,
    *,
    invoice_id: int | None = None,
    contractor_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> Event:
    event = Event(**values(ctx, action, entity, entity_id, summary, invoice_id=invoice_id,
                           contractor_id=contractor_id, details=details))
    ctx.session.add(event)
    return event


def values(
    ctx: Ctx,
    action: str,
    entity: str,
    entity_id: int | None,
    summary: str,
    *,
    invoice_id: int | None = None,
    contractor_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An event row as column values, for hot paths that insert with one Core statement."""
    return {
        "at": ctx.clock.now(), "user": ctx.user, "action": action, "entity": entity, "entity_id": entity_id,
        "invoice_id": invoice_id, "contractor_id": contractor_id, "summary": summary,
        "details": json.dumps(details, default=str, ensure_ascii=False) if details else None,
    }
