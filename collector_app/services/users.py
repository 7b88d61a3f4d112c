"""Users are created on first mention, so a task can be assigned to a colleague by login."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from collector_app.db.models import User
from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx


def user_by_login(ctx: Ctx, login: str, *, field: str = "assignee") -> User:
    name = login.strip()
    if not name or len(name) > 64:
        raise UserError(field, f'"{login}" is not a user login (1–64 characters expected)')
    user = ctx.session.scalar(select(User).where(User.login == name))
    if user is None:
        try:
            with ctx.session.begin_nested():  # the window's worker and its GUI thread may add a new login at once
                user = User(login=name)
                ctx.session.add(user)
        except IntegrityError:
            user = ctx.session.scalar(select(User).where(User.login == name))
            if user is None:
                raise
    return user


def current_user(ctx: Ctx) -> User:
    return user_by_login(ctx, ctx.user, field="user")
