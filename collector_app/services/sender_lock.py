"""One outbox sender per ledger by an operating-system lock, which dies with its process (no stale lease)."""

from __future__ import annotations

import os
import sys
import threading
import zlib
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from collector_app.db.engine import Ledger

LOCK_SUFFIX = ".send-lock"
PG_LOCK_KEY = zlib.crc32(b"collector outbox sender")  # one advisory lock per PostgreSQL database
_MEMORY = threading.Lock()  # an in-memory ledger lives in one process


def lock_path(ledger_file: Path) -> Path:
    """`<ledger>.send-lock`, next to the SQLite ledger."""
    return ledger_file.with_name(ledger_file.name + LOCK_SUFFIX)


def _try_lock(fd: int) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


class SenderLock:
    """flock/msvcrt.locking on `<ledger>.send-lock`, or pg_try_advisory_lock; released when the process dies."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._fd: int | None = None
        self._pg: Connection | None = None
        self._memory = False

    def acquire(self) -> bool:
        """True when this process is now the ledger's only sender; never waits."""
        path = self.ledger.path
        if path is not None:
            fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                os.close(fd)
                return False
            self._fd = fd
            return True
        if make_url(self.ledger.url).get_backend_name() == "postgresql":
            conn = self.ledger.engine.connect()
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar():
                conn.close()
                return False
            self._pg = conn
            return True
        self._memory = _MEMORY.acquire(blocking=False)
        return self._memory

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                _unlock(fd)
            finally:
                os.close(fd)
        if self._pg is not None:
            conn, self._pg = self._pg, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                conn.commit()
            finally:
                conn.close()
        if self._memory:
            self._memory = False
            _MEMORY.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
