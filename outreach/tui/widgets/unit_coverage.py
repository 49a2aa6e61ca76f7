"""Coverage by unit in compact rows, lowest first, each unit's target beside it.

One row per unit, so every unit of a prison fits beside the trend at 80x24; a unit below
its own target shows its coverage in the warning colour. Unit names are shown exactly as
stored (markup and controls written out, never acted on) and cut with "…" when too long.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from outreach.text import visible

RATE_WIDTH = 6
TARGET_WIDTH = 7


@dataclass(frozen=True)
class UnitLine:
    """A unit's coverage cell and its coverage target (None when it has none)."""

    name: str
    eligible: int
    covered: int
    target: float | None

    @property
    def rate(self) -> float | None:
        return 100.0 * self.covered / self.eligible if self.eligible else None


def lowest_first(units: list[UnitLine]) -> list[UnitLine]:
    """Units by coverage, lowest first; units with nobody eligible last; ties by name."""
    return sorted(
        units, key=lambda u: (u.rate is None, u.rate if u.rate is not None else 0.0, u.name)
    )


def unit_row(unit: UnitLine, width: int) -> Text:
    """``unit`` as one row ``width`` cells wide: name, coverage, target."""
    name_width = max(4, width - RATE_WIDTH - TARGET_WIDTH)
    name = Text(visible(unit.name))
    name.truncate(name_width, overflow="ellipsis", pad=True)
    rate = "–" if unit.rate is None else f"{unit.rate:.1f}%"
    below = unit.rate is not None and unit.target is not None and unit.rate < unit.target
    target = "" if unit.target is None else f"{unit.target:g}%"
    return Text.assemble(
        name,
        (f"{rate:>{RATE_WIDTH}}", "bold yellow" if below else ""),
        (f"{target:>{TARGET_WIDTH}}", "cyan"),
    )


class UnitCoverage(Static):
    """Coverage of each unit, a header row above them."""

    DEFAULT_CSS = "UnitCoverage { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._units: list[UnitLine] = []

    def show(self, units: list[UnitLine]) -> None:
        """Show ``units`` (in any order: they are shown lowest first)."""
        self._units = lowest_first(units)
        self._draw()

    @property
    def shown_units(self) -> list[UnitLine]:
        """The units in the order they are shown."""
        return list(self._units)

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = max(RATE_WIDTH + TARGET_WIDTH + 4, self.size.width)
        header = Text(" " * (width - RATE_WIDTH - TARGET_WIDTH), style="bold")
        header.append(f"{'now':>{RATE_WIDTH}}{'target':>{TARGET_WIDTH}}", style="bold")
        header.truncate(width)
        head = Text("Unit", style="bold")
        head.append_text(header[4:])
        rows = [unit_row(u, width) for u in self._units] or [Text("No one eligible yet")]
        self.update(Text("\n").join([head, *rows]))
