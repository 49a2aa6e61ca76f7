"""The dashboard's programme switcher: ``n`` shows each programme in turn, then cervical
screening again; the key is named on the panel and in the help."""

from __future__ import annotations

from outreach.rules.cascade import load_cascade
from outreach.tui.screens.dashboard import DashboardScreen, programme_choices


def test_the_programmes_shown_are_cervical_first_then_every_other_file() -> None:
    assert programme_choices() == (
        "cervical-screening",
        "bbv-hepatitis-b",
        "bbv-hepatitis-c",
        "bbv-hiv",
        "bowel-screening",
    )


def test_the_switch_is_one_key_with_an_alternative_named_on_the_panel_it_changes() -> None:
    # Not in the footer, which at 80 columns has no room for it before "? Help": the panel
    # says "n: next programme" (tests/tui/test_tui_footers.py), and help lists it.
    binding = next(
        b for b in DashboardScreen.BINDINGS if getattr(b, "id", None) == "dashboard.programme"
    )
    assert (binding.key, binding.action, binding.description, binding.show) == (  # type: ignore[union-attr]
        "n,ctrl+n",
        "next_programme",
        "Next programme",
        False,
    )


def test_programme_lines_say_each_stage() -> None:
    from datetime import date

    from outreach.stats.cascade import (
        Cascade,
        CascadeCounts,
        MeasureFigure,
        ProgrammeFigures,
        StageFigure,
    )
    from outreach.stats.period import Period
    from outreach.tui.screens.dashboard import programme_lines

    hep_c = load_cascade("bbv-hepatitis-c")
    stages = tuple(
        StageFigure(
            s.key,
            s.label,
            10 - i,
            10 if i == 0 else 11 - i,
            1.0,
            s.within_days,
            None if s.within_days is None else 9 - i,
        )
        for i, s in enumerate(hep_c.stages)
    )
    measures = tuple(MeasureFigure(m.key, m.label, 8, 10, m.target) for m in hep_c.measures)
    counts = CascadeCounts(10, stages, measures)
    figures = ProgrammeFigures(
        hep_c,
        Cascade(
            hep_c.key,
            Period.year(2024),
            date(2024, 6, 14),
            counts,
            "unit",
            {"A": counts, "[/]": counts},
        ),
        None,
    )
    lines = [line.plain for line in programme_lines(figures)]
    assert lines[0] == "2024 to 14 Jun: 10 receptions"
    assert lines[2] == "Tested of receptions: 80.0% (8 of 10, target 95%)"
    assert lines[4] == "National tested 63.9% (47 English prisons): here +16.1 points"
    assert lines[6] == "Offered                    10 of 10  100.0%  1d      9 in 3d"
    assert lines[-1] == "A 80.0%  [/] 80.0%"  # equal rates: by name; markup stays text
