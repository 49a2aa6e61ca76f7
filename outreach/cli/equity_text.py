"""``outreach stats --by FIELD`` as lines for a person: each measure overall, then each group
of the field that has anyone in it, with its rate and its gap to the site in points."""

from __future__ import annotations

from outreach.cli.tables import plain_table
from outreach.stats.equity import EquityFigures, GroupFigure, MeasureBreakdown


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _gap(group: GroupFigure) -> str:
    return "-" if group.gap is None else f"{group.gap:+.1f}"


def measure_lines(measure: MeasureBreakdown) -> list[str]:
    """The measure's overall line and a table of its groups with anyone in them (with no
    gap for a finding such as positivity)."""
    found = " (what the tests found: a difference here is not a gap)" if measure.finding else ""
    lines = [
        f"{measure.label}: {measure.numerator} of {measure.denominator}, "
        f"{_rate(measure.rate)}{found}"
    ]
    shown = [g for g in measure.groups if g.denominator]
    if not shown:
        return [*lines, "  nobody counted yet"]
    rows = [
        (g.label, f"{g.numerator}/{g.denominator}", _rate(g.rate), "" if found else _gap(g))
        for g in shown
    ]
    table = plain_table(rows, headings=("group", "n/of", "rate", "gap (pts)"), wrap=(0,), width=78)
    return [*lines, *(f"  {line}" for line in table)]


def equity_lines(figures: EquityFigures) -> list[str]:
    """Every measure by the field, then the groups furthest below the site (those too
    small to publish after the others)."""
    lines = [
        f"{figures.title} by {figures.label.lower()}: period {figures.period}, "
        f"as of {figures.as_of.isoformat()}"
    ]
    for measure in figures.measures:
        lines += ["", *measure_lines(measure)]
    missed = figures.missed()
    lines += ["", "Furthest below the site:" if missed else "No group is below the site."]
    for item in missed[:5]:
        small = " (too small to publish)" if item.small else ""
        lines.append(f"  {item.measure}: {item.group.label} {_gap(item.group)} points{small}")
    return lines
