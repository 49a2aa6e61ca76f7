"""Horizontal bars made of block characters: coverage beside target, baseline and national."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

FULL = "█"
EMPTY = "─"


def bar_line(label: str, percent: float | None, *, width: int, style: str = "") -> Text:
    """``label`` padded to 10, a bar ``width`` cells wide filled to ``percent``, the value."""
    line = Text(f"{label:<10} ")
    if percent is None:
        line.append(EMPTY * width, style="dim")
        line.append("    –")
        return line
    filled = max(0, min(width, round(width * percent / 100)))
    line.append(FULL * filled, style=style)
    line.append(EMPTY * (width - filled), style="dim")
    line.append(f" {percent:5.1f}%")
    return line


class CoverageBars(Static):
    """Bars for named percentages; rows are ``(label, percent or None, style)``."""

    DEFAULT_CSS = "CoverageBars { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._rows: list[tuple[str, float | None, str]] = []

    def show(self, rows: list[tuple[str, float | None, str]]) -> None:
        self._rows = rows
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        # Label (10) + space + bar + value (8): the bar takes what is left, 10 cells at least.
        width = max(10, min(50, self.size.width - 19))
        text = Text("\n").join(
            bar_line(label, pct, width=width, style=style) for label, pct, style in self._rows
        )
        self.update(text)
