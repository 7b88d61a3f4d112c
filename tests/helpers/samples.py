"""Where the real invoice and bank files exported by other programs are: ../shared/samples beside the
project (or COLLECTOR_SAMPLES). Tests that read them are skipped, saying so, where they are absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SAMPLES = Path(os.environ.get("COLLECTOR_SAMPLES") or Path(__file__).resolve().parents[2].parent / "shared" / "samples")
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"the shared sample files are not at {SAMPLES}")
