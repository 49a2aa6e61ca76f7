"""The coverage trend chart of the HTML report: where each published figure is drawn,
worked out by hand from the chart's fixed geometry (a 728 x 260 plot whose top left corner is
at 56, 36; 0-100% top to bottom)."""

from __future__ import annotations

import re
from datetime import date

from outreach.exports.chart import trend_svg
from outreach.exports.rows import MONTH
from outreach.exports.table import AggregateTable, ExportPeriod, PublishedSummary
from outreach.rules.disclosure import NHS_HES_2018

Q3 = ExportPeriod(label="2024-Q3", kind="quarter", first_month="2024-07", last_month="2024-09")


def four_months(site: str = "HMP Test", *, withheld: bool = False) -> PublishedSummary:
    """June to September: 50%, a month too small to publish, 75% and 90%; target 80%."""
    table = AggregateTable(
        site=site,
        programme="cervical-screening",
        programme_title="Cervical screening",
        period=Q3,
        as_of=date(2024, 10, 15),
    )
    table.rate("coverage", 90, 100, initial_population=100)
    small = [(3, 4)] * 4 if withheld else [(50, 100), (3, 4), (75, 100), (90, 100)]
    for month, (covered, eligible) in zip(("06", "07", "08", "09"), small, strict=True):
        table.rate("coverage_trend", covered, eligible, MONTH, f"2024-{month}")
    table.set_value("coverage_target", 80.0)
    return table.publish(NHS_HES_2018)


def test_each_published_month_is_a_dot_where_its_percentage_is() -> None:
    summary = four_months()
    assert [row.value.value for row in summary.measure_rows("coverage_trend", MONTH)] == [
        50.0,
        None,
        75.0,
        90.0,
    ]
    svg = trend_svg(summary)
    # Four slots of 182: middles at 147, 329, 511, 693; y = 36 + (100 - percent) * 2.6.
    dots = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert dots == [("147.0", "166.0"), ("511.0", "101.0"), ("693.0", "62.0")]
    # The withheld July breaks the line: June stands alone, August joins September.
    assert re.findall(r'<polyline points="([^"]+)"', svg) == ["511.0,101.0 693.0,62.0"]
    # The quarter is shaded from July's slot (56 + 182) to the plot's right edge (784).
    assert '<rect x="238.0" y="36" width="546.0" height="260" fill="#e8eef6"/>' in svg
    # The target: a dashed line at 80% across the plot, named in the legend.
    assert '<line x1="56" x2="784" y1="88.0" y2="88.0" stroke="#2a7f3e"' in svg
    assert '<text x="28">Target 80.0%</text>' in svg and "2024-Q3" in svg
    assert "National" not in svg and "Every month withheld" not in svg


def test_the_month_labels_and_percentage_axis_are_fixed() -> None:
    svg = trend_svg(four_months())
    months = re.findall(r'rotate\(-45\)" text-anchor="end">([^<]+)<', svg)
    assert months == ["2024-06", "2024-07", "2024-08", "2024-09"]
    ticks = re.findall(r'dominant-baseline="middle">(\d+)</text>', svg)
    assert ticks == ["0", "20", "40", "60", "80", "100"]


def test_every_month_withheld_is_said_not_drawn() -> None:
    svg = trend_svg(four_months(withheld=True))
    assert "Every month withheld (*)" in svg
    assert "<circle" not in svg and "<polyline" not in svg


def test_the_site_name_is_text_not_markup() -> None:
    svg = trend_svg(four_months('<script>alert("x")</script>\x07 & Co'))
    assert "<script" not in svg and "\x07" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\ufffd &amp; Co" in svg


def test_the_same_figures_give_the_same_drawing() -> None:
    assert trend_svg(four_months()) == trend_svg(four_months())
