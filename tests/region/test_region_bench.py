"""The region benchmark runs end to end at a tiny size and prints its figures (it times
nothing here: its figures are read from a real run, see README "Speed")."""

from __future__ import annotations

import pytest

from outreach.bench.region import main


@pytest.mark.slow
def test_the_benchmark_prints_each_figure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sites", "3", "--quarters", "2", "--adds", "1"]) == 0
    printed = capsys.readouterr().out
    assert (
        "setup: 3 sites x 2 quarters x 5 programmes = 30 submissions (exact rows each: "
        "bbv-hepatitis-b 715, bbv-hepatitis-c 845, bbv-hiv 845, bowel-screening 715, "
        "cervical-screening 81)"
    ) in printed
    assert "region add: 1 sealed files" in printed
    for key in ("bbv-hepatitis-c", "cervical-screening"):
        assert f"roll-up of {key}: 2 quarters x 3 sites summed and published in" in printed
        assert f"export of {key}: 2021-Q2, every format, signed, in" in printed
    assert "roll-up: every programme, every quarter, in" in printed


def test_the_benchmark_takes_the_programmes_it_is_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--sites", "2", "--quarters", "1", "--adds", "0", "--programmes", "bbv-hiv"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "2 sites x 1 quarters x 1 programmes = 2 submissions (exact rows each: bbv-hiv 845)" in (
        printed
    )
    assert "roll-up of cervical-screening" not in printed
