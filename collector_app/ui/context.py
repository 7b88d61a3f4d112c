"""What every view is given: the open ledger, the clock and the acting user (no globals)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from collector_app.db.engine import Ledger
from collector_app.domain.clock import Clock
from collector_app.services.context import Ctx

T = TypeVar("T")


@dataclass
class AppContext:
    ledger: Ledger
    clock: Clock
    user: str

    @contextmanager
    def transaction(self) -> Iterator[Ctx]:
        """One service call = one transaction; an error rolls everything back."""
        with self.ledger.transaction() as session:
            yield Ctx(session, self.clock, self.user)

    def call(self, fn: Callable[[Ctx], T]) -> T:
        with self.transaction() as ctx:
            return fn(ctx)
