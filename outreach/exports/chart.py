"""The coverage trend chart as inline SVG, drawn in memory with matplotlib (no pyplot, no files)."""

from __future__ import annotations

import io
import re

from outreach.exports.rows import MONTH, Kind
from outreach.exports.table import PublishedSummary

TREND_MEASURE = "coverage_trend"
TARGET_MEASURE = "coverage_target"
_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def trend_svg(summary: PublishedSummary) -> str:
    """An ``<svg>`` element: published monthly coverage, the target line and the national line.

    Only published percentages are drawn; a suppressed month is a gap in the line.
    """
    # matplotlib (about 50 MB with numpy) is loaded only when a chart is drawn.
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    rows = [row for row in summary.measure_rows(TREND_MEASURE, MONTH) if row.kind is Kind.rate]
    months = [row.category for row in rows]
    values = [
        float(row.value.value) if row.value.value is not None else float("nan") for row in rows
    ]
    # A fixed salt and no date keep the SVG the same for the same figures.
    with rc_context({"svg.hashsalt": "outreach", "svg.fonttype": "none", "font.size": 9}):
        figure = Figure(figsize=(8, 3.6), dpi=100)
        axes = figure.add_subplot()
        positions = list(range(len(months)))
        if summary.period.first_month in months:
            first = months.index(summary.period.first_month)
            axes.axvspan(
                first - 0.5, len(months) - 0.5, color="#e8eef6", label=summary.period.label
            )
        if months and all(value != value for value in values):  # every month is NaN
            axes.text(0.5, 0.5, "Every month withheld (*)", transform=axes.transAxes, ha="center")
        axes.plot(positions, values, marker="o", color="#1d4e89", label="Coverage")
        target = summary.total(TARGET_MEASURE)
        if target is not None and target.value.value is not None:
            axes.axhline(
                float(target.value.value),
                color="#2a7f3e",
                linestyle="--",
                label=f"Target {target.value.text}%",
            )
        if summary.national_coverage is not None:
            axes.axhline(
                summary.national_coverage,
                color="#9a4d00",
                linestyle=":",
                label=f"National {summary.national_coverage:.1f}%",
            )
        axes.set_ylim(0, 100)
        axes.set_ylabel("Coverage (%)")
        axes.set_xticks(positions, months, rotation=45, ha="right")
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="lower right")
        axes.set_title(f"Coverage at each month end, {summary.site}")
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _PROLOG.sub("", buffer.getvalue(), count=1)
