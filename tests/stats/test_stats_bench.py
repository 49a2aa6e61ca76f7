"""The benchmark runs on a tiny store and its figures agree with the hand SQL (main returns 0
only then); speed figures are not asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.bench.__main__ import main


def test_the_benchmark_runs_on_a_tiny_store(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--quick", "--sizes", "200", "--cache", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "200 people" in out
    assert "dashboard" in out
    assert "peak memory" in out
