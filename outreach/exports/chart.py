"""The coverage trend chart as inline SVG: published monthly coverage, the target line and the
national line on a fixed 0-100% axis.

The chart is a handful of lines, dots and labels, so it is written directly as SVG text with
the standard library (``html.escape`` for every piece of text). Drawing it with matplotlib
took about 55 MB of memory (with numpy) and 0.2-0.9 s of CPU per export; this takes
neither.
"""

from __future__ import annotations

from html import escape

from outreach.exports.cells import xlsx_text
from outreach.exports.rows import MONTH, Kind
from outreach.exports.table import PublishedSummary

TREND_MEASURE = "coverage_trend"
TARGET_MEASURE = "coverage_target"

WIDTH, HEIGHT = 800, 360
"""The drawing's size in SVG units (it scales to the page: see the report's style)."""
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 36, 64
"""Margins around the plot: the axis labels left, the month labels below, the title above."""
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM

COVERAGE_COLOUR = "#1d4e89"
TARGET_COLOUR = "#2a7f3e"
NATIONAL_COLOUR = "#9a4d00"
PERIOD_COLOUR = "#e8eef6"
WITHHELD_TEXT = "Every month withheld (*)"


def x_at(index: float, months: int) -> float:
    """The x of the middle of month ``index`` of ``months`` (each month has an equal slot)."""
    return LEFT + (index + 0.5) * PLOT_WIDTH / months


def y_at(percent: float) -> float:
    """The y of ``percent`` on the fixed 0-100% axis."""
    return TOP + (100 - percent) * PLOT_HEIGHT / 100


def _n(value: float) -> str:
    """A coordinate with one decimal, so the same figures give the same text."""
    return f"{value:.1f}"


def _text(value: str) -> str:
    """Text a person typed (a site's name), safe inside SVG: escaped, and without the control
    characters XML cannot hold."""
    return escape(xlsx_text(value))


def trend_svg(summary: PublishedSummary) -> str:
    """An ``<svg>`` element: published monthly coverage, the target line and the national line.

    Only published percentages are drawn; a suppressed month is a gap in the line (a month
    between two gaps is a dot on its own). The months of the period are shaded.
    """
    rows = [row for row in summary.measure_rows(TREND_MEASURE, MONTH) if row.kind is Kind.rate]
    months = [row.category for row in rows]
    values = [None if row.value.value is None else float(row.value.value) for row in rows]
    title = f"Coverage at each month end, {summary.site}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{_text(title)}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>{_text(title)}</title>",
        f'<text x="{WIDTH / 2:g}" y="20" text-anchor="middle" font-size="14">{_text(title)}</text>',
    ]
    legend: list[tuple[str, str]] = []
    if months and summary.period.first_month in months:
        first = months.index(summary.period.first_month)
        left = LEFT + first * PLOT_WIDTH / len(months)
        parts.append(
            f'<rect x="{_n(left)}" y="{TOP}" width="{_n(LEFT + PLOT_WIDTH - left)}" '
            f'height="{PLOT_HEIGHT}" fill="{PERIOD_COLOUR}"/>'
        )
        legend.append(
            (
                f'<rect width="20" height="10" y="-8" fill="{PERIOD_COLOUR}"/>',
                summary.period.label,
            )
        )
    parts += _axes(months)
    if months and all(value is None for value in values):
        parts.append(
            f'<text x="{_n(LEFT + PLOT_WIDTH / 2)}" y="{_n(TOP + PLOT_HEIGHT / 2)}" '
            f'text-anchor="middle">{WITHHELD_TEXT}</text>'
        )
    parts += _coverage_line(values)
    legend.append(
        (
            f'<line x2="20" y1="-4" y2="-4" stroke="{COVERAGE_COLOUR}" stroke-width="2"/>',
            "Coverage",
        )
    )
    target = summary.total(TARGET_MEASURE)
    if target is not None and target.value.value is not None:
        dash = 'stroke-dasharray="6 4"'
        parts.append(_level(float(target.value.value), TARGET_COLOUR, dash))
        legend.append((_swatch(TARGET_COLOUR, dash), f"Target {target.value.text}%"))
    if summary.national_coverage is not None:
        dash = 'stroke-dasharray="2 3"'
        parts.append(_level(summary.national_coverage, NATIONAL_COLOUR, dash))
        legend.append(
            (_swatch(NATIONAL_COLOUR, dash), f"National {summary.national_coverage:.1f}%")
        )
    parts += _legend(legend)
    parts.append("</svg>")
    return "\n".join(parts)


def _axes(months: list[str]) -> list[str]:
    """The frame, the percentage grid and its labels every 20%, and the month labels."""
    parts = [
        f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_WIDTH}" height="{PLOT_HEIGHT}" '
        'fill="none" stroke="#444"/>'
    ]
    for percent in range(0, 101, 20):
        y = _n(y_at(percent))
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + PLOT_WIDTH}" y1="{y}" y2="{y}" '
            'stroke="#000" stroke-opacity="0.15"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{percent}</text>"
        )
    middle = _n(TOP + PLOT_HEIGHT / 2)
    parts.append(
        f'<text transform="translate(14 {middle}) rotate(-90)" text-anchor="middle">'
        "Coverage (%)</text>"
    )
    below = TOP + PLOT_HEIGHT + 14
    for index, month in enumerate(months):
        parts.append(
            f'<text transform="translate({_n(x_at(index, len(months)))} {below}) rotate(-45)" '
            f'text-anchor="end">{_text(month)}</text>'
        )
    return parts


def _coverage_line(values: list[float | None]) -> list[str]:
    """The coverage line, broken at each withheld month, with a dot on every published one."""
    runs: list[list[tuple[float, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((x_at(index, len(values)), y_at(value)))
    parts = []
    for run in runs:
        if len(run) > 1:
            points = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{COVERAGE_COLOUR}" '
                'stroke-width="2"/>'
            )
    for run in runs:
        for x, y in run:
            parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{COVERAGE_COLOUR}"/>')
    return parts


def _level(percent: float, colour: str, dash: str) -> str:
    """A horizontal line across the plot at ``percent``."""
    y = _n(y_at(percent))
    return (
        f'<line x1="{LEFT}" x2="{LEFT + PLOT_WIDTH}" y1="{y}" y2="{y}" stroke="{colour}" '
        f'stroke-width="1.5" {dash}/>'
    )


def _swatch(colour: str, dash: str) -> str:
    return f'<line x2="20" y1="-4" y2="-4" stroke="{colour}" stroke-width="1.5" {dash}/>'


def _legend(entries: list[tuple[str, str]]) -> list[str]:
    """The legend in the plot's lower right corner: a swatch and a label per entry."""
    line = 18
    width = 190
    height = line * len(entries) + 8
    left = LEFT + PLOT_WIDTH - width - 8
    top = TOP + PLOT_HEIGHT - height - 8
    parts = [
        f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="#fff" '
        'fill-opacity="0.9" stroke="#bbb"/>'
    ]
    for index, (swatch, label) in enumerate(entries):
        y = top + line * (index + 1)
        parts.append(
            f'<g transform="translate({left + 8} {y})">{swatch}'
            f'<text x="28">{_text(label)}</text></g>'
        )
    return parts
