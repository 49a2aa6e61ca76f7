"""Rounding a person can see before publishing: the preview shows each published figure beside
the exact one it came from (on screen only), marks the figures rounding moves across their
target, and "more people needed" with no figure says "no figure yet", never 0."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from outreach.cli import app
from outreach.exports.preview import NO_FIGURE, preview_rows
from outreach.exports.table import AggregateTable, ExportPeriod
from outreach.rules.disclosure import NHS_HES_2018, NO_DISCLOSURE_CONTROL
from outreach.services.targets import SetTarget, set_target
from outreach.stats.progress import progress
from outreach.stats.targets import TargetRow
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE

MARCH = ExportPeriod(label="2024-03", kind="month", first_month="2024-03", last_month="2024-03")


def _table() -> AggregateTable:
    table = AggregateTable(
        site="HMP Test",
        programme="cervical-screening",
        programme_title="Cervical screening",
        period=MARCH,
        as_of=date(2024, 4, 15),
    )
    # The site: 372 of 420 (88.6%) publishes as 370 of 420 (88.1%): below 90% both ways.
    table.rate("coverage", 372, 420)
    # Hawthorn: 49 of 52 (94.2%) publishes as 50 of 50 (100.0%): across a 95% unit target.
    table.rate("coverage", 49, 52, "unit", "Hawthorn House")
    # Willow: 66 of 73 (90.4%) publishes as 65 of 75 (86.7%): across the site's 90% target.
    table.rate("coverage", 66, 73, "unit", "Willow House")
    table.set_value("coverage_target", 90.0)
    table.set_value("coverage_target", 95.0, "unit", "Hawthorn House")
    table.needed("coverage_target_needed", 90.0, "coverage", 372, 420)
    table.needed("coverage_target_needed", 95.0, "coverage", 49, 52, "unit", "Hawthorn House")
    # Nobody offered a test: no uptake and no figure for the people needed.
    table.rate("uptake", 0, 0, initial_population=0, exclusions=0)
    table.set_value("uptake_target", 80.0)
    table.needed("uptake_target_needed", 80.0, "uptake", 0, 0)
    return table


def _rows() -> dict[tuple[str, str, str], tuple[str, str, bool]]:
    table = _table()
    rows = preview_rows(table.publish(NHS_HES_2018), table.publish(NO_DISCLOSURE_CONTROL))
    return {
        (r.measure, r.breakdown, r.category): (r.value, r.exact, r.crosses_target) for r in rows
    }


def test_each_published_figure_is_shown_beside_the_exact_one() -> None:
    rows = _rows()
    assert rows[("coverage", "total", "all")] == ("88.1", "88.6", False)
    assert rows[("coverage.covered", "total", "all")] == ("370", "372", False)
    assert rows[("coverage.eligible", "total", "all")] == ("420", "420", False)
    assert rows[("coverage.eligible", "unit", "Hawthorn House")] == ("50", "52", False)


def test_a_unit_rate_rounded_across_its_own_target_is_marked() -> None:
    assert _rows()[("coverage", "unit", "Hawthorn House")] == ("100.0", "94.2", True)


def test_a_unit_without_a_target_of_its_own_is_read_against_the_site_target() -> None:
    assert _rows()[("coverage", "unit", "Willow House")] == ("86.7", "90.4", True)


def test_people_needed_that_rounding_brings_to_0_is_marked() -> None:
    rows = _rows()
    # Exact: ceil(95% of 52) - 49 = 1; published: ceil(95% of 50) - 50 < 0, so 0.
    assert rows[("coverage_target_needed", "unit", "Hawthorn House")] == ("0", "1", True)
    # ceil(90% of 420) = 378: 378 - 370 = 8 published, 378 - 372 = 6 exact; both above 0.
    assert rows[("coverage_target_needed", "total", "all")] == ("8", "6", False)


def test_people_needed_with_nobody_in_the_denominator_has_no_figure_not_0() -> None:
    rows = _rows()
    assert rows[("uptake_target_needed", "total", "all")] == ("*", NO_FIGURE, False)
    assert rows[("uptake", "total", "all")] == ("*", NO_FIGURE, False)


def test_progress_with_nobody_in_the_denominator_needs_no_figure() -> None:
    target = TargetRow(
        1, "cervical-screening", "uptake", 80.0, None, None, date(2025, 3, 31), None, None
    )
    shown = progress(target, numerator=0, denominator=0, as_of=date(2024, 6, 1))
    assert (shown.value, shown.needed, shown.on_track) == (None, None, None)


@pytest.mark.slow
@freeze_time("2024-08-31")
def test_stats_say_no_figure_yet_for_a_target_nobody_is_counted_for(
    store: Store, store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_target(store, SetTarget(measure="uptake", value=80, target_on=date(2025, 3, 31)))
    store.close()
    monkeypatch.setenv("OUTREACH_PASSPHRASE", PASSPHRASE)
    runner = CliRunner()
    data = json.loads(runner.invoke(app, ["stats", "--json", "--store", str(store_dir)]).output)
    [target] = data["targets"]
    assert (target["value"], target["needed"], target["on_track"]) == (None, None, None)
    plain = runner.invoke(app, ["stats", "--store", str(store_dir)]).output
    [line] = [line for line in plain.splitlines() if line.startswith("  uptake:")]
    assert line.endswith("no figure yet (line 80.0%); more people needed: no figure yet")


def test_the_dashboard_says_no_figure_yet_rather_than_target_reached() -> None:
    from outreach.tui.screens.dashboard import _needed_line

    target = TargetRow(
        1, "cervical-screening", "coverage", 90.0, None, None, date(2027, 12, 31), None, None
    )
    nobody = progress(target, numerator=0, denominator=0, as_of=date(2026, 12, 6))
    assert _needed_line(nobody) == "Target of 90% by 31 Dec 2027: no figure yet (no one eligible)."
    met = progress(target, numerator=9, denominator=10, as_of=date(2026, 12, 6))
    assert _needed_line(met) == "Target of 90% by 31 Dec 2027 reached."
