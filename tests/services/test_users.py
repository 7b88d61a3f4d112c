"""Users are made on first mention, also when two sessions mention a new login at the same moment."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from collector_app.db.engine import Ledger
from collector_app.db.models import User
from collector_app.domain.clock import FixedClock
from collector_app.services.context import Ctx
from collector_app.services.users import user_by_login


def test_a_login_another_session_added_meanwhile_is_taken_not_refused(
        ledger: Ledger, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window's worker and its GUI thread both saw no user "anna" and both add her: the second one's
    INSERT meets the unique login and takes the row the first one committed."""
    first = ledger.sessions()
    try:
        real_scalar = first.scalar
        looks: list[object] = []

        def scalar(*args: Any, **kwargs: Any) -> Any:
            looks.append(args[0])
            if len(looks) == 1:  # what it read before the other session committed
                with ledger.transaction() as other:
                    user_by_login(Ctx(other, clock, "tester"), "anna")
                return None
            return real_scalar(*args, **kwargs)

        monkeypatch.setattr(first, "scalar", scalar)
        user = user_by_login(Ctx(first, clock, "tester"), "anna")
        first.commit()
        assert user.login == "anna" and len(looks) == 2
    finally:
        first.close()
    with ledger.transaction() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.login == "anna")) == 1
