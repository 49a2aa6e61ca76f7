"""SQLite's memory statistics are off in a process that has loaded the engine (so two
readers never queue on the allocator's mutex); without that, they are on, as SQLite ships."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = "from outreach.store.library import memory_statistics_off; print(memory_statistics_off())"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith(("linux", "darwin")),
    reason="the library's functions are exported on Linux and macOS builds only",
)


def _probe(first: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", f"{first}\n{PROBE}"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_memory_statistics_are_off_once_the_engine_is_loaded() -> None:
    assert _probe("import outreach.store.engine") == "True"


def test_memory_statistics_are_on_as_shipped_without_the_engine() -> None:
    assert _probe("import sqlcipher3") == "False"


def test_turning_them_off_again_keeps_the_first_answer() -> None:
    first = "from outreach.store.library import turn_off_memory_statistics as t; t()"
    assert _probe(f"{first}; t(); t()") == "True"
