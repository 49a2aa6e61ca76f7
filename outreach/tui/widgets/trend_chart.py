"""The 12-month coverage trend as a line chart on a fixed percentage axis (textual-plotext).

The axis runs from 50% to 100% whatever the figures, so a drift from 93% to 91% looks like
the small drift it is; it widens downwards (in steps of 10) only when a figure falls below
50%. The target and the national figure are drawn as lines across the chart, each month is
labelled, and the chart takes the width it is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

AXIS_FLOOR = 50.0
COVERAGE_MARKER = "braille"
TARGET_MARKER = "─"
NATIONAL_MARKER = "·"


@dataclass(frozen=True)
class TrendPoint:
    """Coverage at one month end (``rate`` None when nobody was eligible)."""

    day: date
    rate: float | None


def axis_bottom(rates: list[float | None], *lines: float | None) -> float:
    """The bottom of the percentage axis: 50, or lower in steps of 10 when any figure (a
    point, the target or the national line) is below 50."""
    shown = [r for r in (*rates, *lines) if r is not None]
    lowest = min(shown, default=AXIS_FLOOR)
    return min(AXIS_FLOOR, math.floor(lowest / 10) * 10)


def axis_ticks(bottom: float, target: float | None) -> list[float]:
    """The values labelled on the axis: its bottom, its middle and 100%, and the target (so
    that its line can be read even where the coverage line, drawn over it, hides it); the
    middle is left out when it is within 10 points of the target."""
    middle = (bottom + 100) / 2
    ticks = {bottom, 100.0}
    if target is None or abs(target - middle) >= 10:
        ticks.add(middle)
    if target is not None and bottom < target < 100:
        ticks.add(target)
    return sorted(ticks)


class TrendChart(PlotextPlot):
    """Coverage by month end, with the target and the national figure as lines."""

    DEFAULT_CSS = "TrendChart { width: 1fr; height: 1fr; }"

    _points: tuple[TrendPoint, ...] = ()
    _target: float | None = None
    _national: float | None = None

    def show(
        self, points: list[TrendPoint], *, target: float | None, national: float | None
    ) -> None:
        """Draw ``points`` (oldest first) against ``target`` and ``national`` (percentages;
        a line is left out when its figure is None)."""
        self._points, self._target, self._national = tuple(points), target, national
        self.refresh()

    def render(self) -> RenderResult:
        # The figure is drawn afresh at every render, for the width it has now, so nothing
        # of an earlier drawing (at another width) carries over.
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        points, target, national = self._points, self._target, self._national
        xs = [float(x) for x in range(1, len(points) + 1)]
        rates = [p.rate for p in points]
        bottom = axis_bottom(rates, target, national)
        if xs:
            if national is not None:
                plt.plot(xs, [national] * len(xs), marker=NATIONAL_MARKER, color="gray")
            if target is not None:
                plt.plot(xs, [target] * len(xs), marker=TARGET_MARKER, color="cyan")
            known = [(x, r) for x, r in zip(xs, rates, strict=True) if r is not None]
            if known:
                plt.plot(
                    [x for x, _ in known],
                    [r for _, r in known],
                    marker=COVERAGE_MARKER,
                    color="green",
                )
        # No labels from plotext: it places them by object identity of characters ("is"),
        # which moved a label by a cell from one run to the next. They are drawn below.
        plt.xticks([], [])
        ticks = axis_ticks(bottom, target)
        plt.ylim(bottom, 100)
        plt.yticks(ticks, [f"{t:g}%" for t in ticks])
        plt.frame(False)
        width, height = self.size.width, max(2, self.size.height)
        self._plot.plotsize(width, height - 1)
        self._plot._set_size(width, height - 1)  # as PlotextPlot.render does, see there
        self._plot.theme(self._get_plotext_theme_name(self.app.theme))
        # plotext ends its drawing with a line break: the labels take the line after it.
        chart = Text.from_ansi(self._plot.build().removesuffix("\n"))
        offset = max(len(f"{t:g}%") for t in ticks)
        chart.append("\n")
        chart.append(label_line([p.day for p in points], offset=offset, width=width))
        return chart


def label_line(days: list[date], *, offset: int, width: int) -> str:
    """The month labels under a plot of ``len(days)`` points spread evenly from column
    ``offset`` to the last of ``width`` columns: every month when each gets 6 columns, else
    every other one counting back from the latest; a label that would touch the one before
    it is left out."""
    if not days:
        return ""
    span = width - offset - 1
    step = 1 if span >= 6 * len(days) else 2
    picked = list(range(len(days) - 1, -1, -step))[::-1]
    line = [" "] * width
    end = -1
    for index, label in zip(picked, month_labels([days[i] for i in picked]), strict=True):
        column = offset + (round(index * span / (len(days) - 1)) if len(days) > 1 else 0)
        start = min(max(0, column - len(label) // 2), width - len(label))
        if start <= end:
            continue
        line[start : start + len(label)] = label
        end = start + len(label)
    return "".join(line).rstrip()


def month_labels(days: list[date]) -> list[str]:
    """A label for each of ``days`` (in order): the month, with the year under the first and
    wherever the year changes, so that no label is ambiguous."""
    labels = []
    for i, day in enumerate(days):
        new_year = i == 0 or days[i - 1].year != day.year
        labels.append(f"{day:%b %y}" if new_year else f"{day:%b}")
    return labels
