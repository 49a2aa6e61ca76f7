"""The benchmark still runs (a tiny store only: speed figures are not asserted)."""

from __future__ import annotations

import pytest

from outreach.bench.__main__ import main


def test_the_benchmark_runs_on_a_tiny_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "--sizes", "200"]) == 0
    out = capsys.readouterr().out
    assert "200 people" in out
    assert "dashboard" in out
    assert "peak memory" in out
