"""The region benchmark runs end to end at a tiny size and prints its figures (it times
nothing here: its figures are read from a real run, see README "Speed")."""

from __future__ import annotations

import pytest

from outreach.bench.region import main


def test_the_benchmark_prints_each_figure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sites", "3", "--quarters", "2", "--adds", "1"]) == 0
    printed = capsys.readouterr().out
    assert "setup: 3 sites x 2 quarters = 6 submissions of 81 exact rows" in printed
    assert "region add: 1 sealed files" in printed
    assert "roll-up: 2 quarters x 3 sites summed and published in" in printed
    assert "export: 2021-Q2, every format, signed, in" in printed
