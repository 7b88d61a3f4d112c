"""Making ledger files (empty with the firm's data, or the demo) so that nothing half-made is left behind."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from collector_app.db.engine import Ledger, check_is_ledger_file, open_ledger
from collector_app.domain.clock import Clock
from collector_app.domain.errors import UserError
from collector_app.services.context import Ctx
from collector_app.services.firm import FirmChanges, set_firm

Progress = Callable[[str, int, int], None]
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def remove_ledger_file(path: Path) -> None:
    """Delete an SQLite file and its WAL/shared-memory companions, whichever exist."""
    for name in (path.name, *(path.name + suffix for suffix in SQLITE_SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            (path.parent / name).unlink()


def check_new_ledger_target(target: Path) -> Path:
    """Where a new ledger may be written: not over an existing non-empty file, into a folder that can exist."""
    target = target.expanduser().absolute()
    if target.is_dir():
        raise UserError("file", f"{target}: is a folder; give a file name such as ledger.db")
    if target.exists() and target.stat().st_size > 0:
        raise UserError("file", f"{target}: already exists; open it, or choose another name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError("file", f"{target.parent}: cannot create the folder ({exc.strerror})") from exc
    return target


@contextmanager
def _building(target: Path) -> Iterator[Ledger]:
    """A ledger built under `<target>.part` and renamed to `target` only when the block succeeds."""
    partial = target.with_name(target.name + ".part")
    remove_ledger_file(partial)
    ledger = open_ledger(partial)
    try:
        yield ledger
    except BaseException:
        ledger.close()
        remove_ledger_file(partial)
        raise
    ledger.close()  # the last connection checkpoints and removes the WAL file
    for suffix in SQLITE_SIDE_FILES:
        with contextlib.suppress(FileNotFoundError):
            (partial.parent / (partial.name + suffix)).unlink()
    partial.replace(target)


def create_ledger(target: Path, firm: FirmChanges, clock: Clock, user: str) -> Path:
    """A new, migrated ledger holding the firm's data; on any error (bad tax id, IBAN…) no file is left."""
    if not firm.name or not firm.name.strip():
        raise UserError("name", "the firm's name is required")
    target = check_new_ledger_target(target)
    with _building(target) as ledger, ledger.transaction() as session:
        set_firm(Ctx(session, clock, user), firm)
    return target


def build_demo_ledger(target: Path, clock: Clock, user: str, *, invoices: int, seed: int = 1,
                      progress: Progress | None = None) -> Path:
    """The demo ledger at `target`, built aside and moved into place when complete."""
    from collector_app.services.demo import DemoSpec, build_demo

    target = check_new_ledger_target(target)
    with _building(target) as ledger:
        build_demo(ledger, clock, DemoSpec(contractors=None, invoices=invoices, seed=seed), user=user,
                   progress=progress)
    return target


def check_existing_ledger(path: Path) -> Path:
    """A file the user chose to open: it must be a Collector ledger with data, not any other file."""
    path = path.expanduser().absolute()
    if not path.is_file():
        raise UserError("file", f"{path}: no such file")
    try:
        empty = check_is_ledger_file(path)
    except UserError as exc:  # the chosen file is at fault
        raise UserError("file", exc.message) from exc
    if empty:
        raise UserError("file", f"{path}: is empty, not a Collector ledger")
    return path
