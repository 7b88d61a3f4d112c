"""Open tasks read cheaply for the Tasks page (in pages) and the notifier (ids from the due-date index)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, func, select

from collector_app.db.models import Invoice, Task, User
from collector_app.services.activity import TaskRow, local_midnight_after
from collector_app.services.context import Ctx

# id, due_at, text, assignee login, invoice number, invoice id, contractor id, source (outer joins: may be None)
_Row = tuple[int, dt.datetime, str, str, str, int | None, int | None, str]


def _open_due_by(due_by: dt.date | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Task.done_at.is_(None)]
    if due_by is not None:
        conds.append(Task.due_at < local_midnight_after(due_by))
    return conds


def _rows(where: Sequence[ColumnElement[bool]]) -> Select[_Row]:
    return (
        select(Task.id, Task.due_at, Task.text, User.login, Invoice.number, Task.invoice_id, Task.contractor_id,
               Task.source)
        .outerjoin(User, User.id == Task.assignee_id)
        .outerjoin(Invoice, Invoice.id == Task.invoice_id)
        .where(*where)
    )


def _task_row(r: _Row) -> TaskRow:
    task_id, due_at, text, login, number, invoice_id, contractor_id, source = r
    return TaskRow(task_id, due_at, text, login, number, invoice_id, contractor_id, source, None)


def task_page(ctx: Ctx, *, due_by: dt.date | None = None, limit: int | None = None,
              offset: int = 0) -> list[TaskRow]:
    """Open tasks due by the end of a (local) day, or all open ones; oldest due first, one page."""
    query = _rows(_open_due_by(due_by)).order_by(Task.due_at, Task.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_task_row(r._tuple()) for r in ctx.session.execute(query)]


def task_counts(ctx: Ctx, now: dt.datetime, due_by: dt.date | None = None) -> tuple[int, int]:
    """How many open tasks (due by the day, or all) there are, and how many of them are overdue now."""
    total = ctx.session.scalar(select(func.count()).select_from(Task).where(*_open_due_by(due_by))) or 0
    overdue = ctx.session.scalar(
        select(func.count()).select_from(Task).where(Task.done_at.is_(None), Task.due_at < now)
    ) or 0
    return int(total), int(overdue)


def due_task_ids(ctx: Ctx, now: dt.datetime) -> list[int]:
    """Ids of the open tasks whose time has come, straight off the open-tasks due-date index."""
    query = select(Task.id).where(Task.done_at.is_(None), Task.due_at <= now).order_by(Task.due_at, Task.id)
    return list(ctx.session.scalars(query))


def tasks_by_id(ctx: Ctx, ids: Sequence[int]) -> list[TaskRow]:
    """Those tasks (open or not), oldest due first."""
    if not ids:
        return []
    query = _rows([Task.id.in_(list(ids))]).order_by(Task.due_at, Task.id)
    return [_task_row(r._tuple()) for r in ctx.session.execute(query)]
