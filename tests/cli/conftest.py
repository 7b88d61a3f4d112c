"""Fixtures of the command-line tests: a ledger path in tmp_path, an in-process runner, a seeded ledger."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
from helpers.cli_support import Cli, seed


class _Buffers:
    """Enough of capsys for the session-scoped seed: main() writes into two throwaway buffers."""

    def __init__(self) -> None:
        self.out = io.StringIO()
        self.err = io.StringIO()

    def readouterr(self) -> tuple[str, str]:
        out, err = self.out.getvalue(), self.err.getvalue()
        for buf in (self.out, self.err):
            buf.seek(0)
            buf.truncate()
        return out, err


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    buffers = _Buffers()
    with contextlib.redirect_stdout(buffers.out), contextlib.redirect_stderr(buffers.err):
        seed(Cli(path, buffers))
    assert not Path(f"{path}-wal").exists(), "the ledger is closed, so its WAL is checkpointed"
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


@pytest.fixture
def cli(db: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db, capsys)


@pytest.fixture
def seeded(cli: Cli, seeded_template: Path) -> Cli:
    """A copy of the seeded ledger for this test only."""
    shutil.copyfile(seeded_template, cli.db)
    return cli
