"""HTML report for a board: one self-contained file with the trend chart, the figures and notes.

No external CSS, scripts, fonts or images: it opens offline in any browser.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from outreach.exports.chart import TREND_MEASURE, trend_svg
from outreach.exports.measures import breakdown_label
from outreach.exports.notes import notes
from outreach.exports.rows import MONTH, TOTAL, PublishedRow
from outreach.exports.table import PublishedSummary
from outreach.rules.disclosure import Published

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #555; } .notes li { margin-bottom: 0.4rem; }
svg { max-width: 100%; height: auto; }
"""


def report_html(summary: PublishedSummary) -> str:
    """The whole report as one HTML document."""
    title = f"{summary.programme_title}: {summary.site}, {summary.period.label}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Counted as of {escape(summary.as_of.isoformat())}. '
        f"Disclosure control: <strong>{escape(summary.policy.name)}</strong>. "
        "A * marks a figure withheld because it is too small to publish safely.</p>",
        # A testing programme has no coverage trend: no empty chart for it.
        *(_trend(summary) if summary.measure_rows(TREND_MEASURE) else ()),
        "<h2>Summary</h2>",
        _table(summary, [r for r in summary.rows if r.breakdown == TOTAL]),
        "<h2>Breakdowns</h2>",
        _table(summary, [r for r in summary.rows if r.breakdown not in (TOTAL, MONTH)]),
        "<h2>Notes</h2>",
        '<ul class="notes">',
        *(f"<li>{escape(line)}</li>" for line in notes(summary)),
        "</ul></body></html>",
    ]
    return "\n".join(parts) + "\n"


def _trend(summary: PublishedSummary) -> tuple[str, ...]:
    return (
        "<h2>Coverage trend</h2>",
        trend_svg(summary),
        '<p class="meta">The shaded months are the period. A gap in the line is a month whose '
        "figures are withheld (*).</p>",
    )


def write_html(summary: PublishedSummary, path: Path) -> None:
    """Write the report of ``summary`` to ``path`` (UTF-8)."""
    path.write_text(report_html(summary), encoding="utf-8")


def _table(summary: PublishedSummary, rows: list[PublishedRow]) -> str:
    head = (
        "<tr><th>Measure</th><th>Breakdown</th><th>Category</th>"
        "<th>Value</th><th>Numerator</th><th>Denominator</th></tr>"
    )
    body = [
        "<tr>"
        f"<td>{escape(summary.info(row.measure).label)}</td>"
        f"<td>{escape(breakdown_label(row.breakdown))}</td>"
        f"<td>{escape(row.category)}</td>"
        f'<td class="n">{_text(row.value)}</td>'
        f'<td class="n">{_text(row.numerator)}</td>'
        f'<td class="n">{_text(row.denominator)}</td>'
        "</tr>"
        for row in rows
    ]
    return "<table>" + head + "".join(body) + "</table>"


def _text(published: Published | None) -> str:
    return "" if published is None else escape(published.text)
