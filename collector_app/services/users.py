"""Users are created on first mention, so a task can be assigned to a colleague by login."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from collector_app.db.models import User
from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx


def user_by_login(ctx: Ctx, login: str, *, field: str = "assignee") -> User:
    name = login.strip()
    if not name or len(name) > 64:
        raise UserError(field, f'"{login}" is not a user login (1–64 characters expected)')
    user = ctx.session.scalar(select(User).where(User.login == name))
    if user is None:
        # the window's worker and its GUI thread may add a new login at the same moment: the second one's
        # insert does nothing and both read the one row (a savepoint would not do: on SQLite its release
        # commits when it opened the transaction, so a refused command would keep the row)
        insert = sqlite_insert if ctx.session.get_bind().dialect.name == "sqlite" else postgresql_insert
        ctx.session.execute(insert(User).values(login=name).on_conflict_do_nothing(index_elements=["login"]))
        user = ctx.session.scalar(select(User).where(User.login == name))
        assert user is not None
    return user


def current_user(ctx: Ctx) -> User:
    return user_by_login(ctx, ctx.user, field="user")
