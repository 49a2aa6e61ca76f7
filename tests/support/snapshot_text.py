"""The text of a snapshot SVG, line by line, so a snapshot that does not match says in the
test's own output which lines differ (the HTML report stays on the machine that ran it)."""

from __future__ import annotations

import difflib
import html
import pickle
import re
from pathlib import Path
from typing import Any

# Rich draws each run of text as <text x=".." y="..">; a cell is 12.2 units wide (0.61 em at
# 20 units), and rows are told apart by y.
_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>')
_CELL = 12.2


def svg_lines(svg: str) -> list[str]:
    """The characters an SVG screenshot shows, one string per row, trailing spaces cut."""
    rows: dict[float, list[tuple[float, str]]] = {}
    for match in _TEXT.finditer(svg):
        # Rich writes each space as a no-break space so the SVG keeps it.
        x, y = float(match[1]), float(match[2])
        text = html.unescape(match[3]).replace("\xa0", " ")
        rows.setdefault(y, []).append((x, text))
    lines = []
    for y in sorted(rows):
        line = ""
        for x, text in sorted(rows[y]):
            line = line.ljust(round(x / _CELL)) + text
        lines.append(line.rstrip())
    return lines


def mismatch(report_data: Path) -> str:
    """What the snapshot plugin saved for a comparison (expected and actual SVG), told as a
    diff of their text; when the text is the same, says that only colours or styles differ."""
    data: tuple[Any, ...] = pickle.loads(report_data.read_bytes())
    expected, actual = str(data[1]), str(data[2])
    diff = list(
        difflib.unified_diff(
            svg_lines(expected), svg_lines(actual), "snapshot", "this run", lineterm="", n=1
        )
    )
    if not diff:
        return "the snapshot's text is the same: only colours or styles differ"
    return "\n".join(diff)
