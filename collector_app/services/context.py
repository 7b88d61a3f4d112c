"""What every service call needs: the session (one transaction), the clock and who acts."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from collector_app.domain.clock import Clock


def default_user() -> str:
    """The person acting: COLLECTOR_USER, else the operating-system login."""
    env = os.environ.get("COLLECTOR_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "user"


@dataclass(frozen=True)
class Ctx:
    session: Session
    clock: Clock
    user: str = field(default_factory=default_user)


@dataclass(frozen=True)
class Changes:
    """What a write touched, so a view refreshes only what moved."""

    invoices: frozenset[int] = frozenset()
    contractors: frozenset[int] = frozenset()
    payments: frozenset[int] = frozenset()
    tasks: frozenset[int] = frozenset()
    notes: frozenset[int] = frozenset()
    calls: frozenset[int] = frozenset()

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            self.invoices | other.invoices,
            self.contractors | other.contractors,
            self.payments | other.payments,
            self.tasks | other.tasks,
            self.notes | other.notes,
            self.calls | other.calls,
        )
