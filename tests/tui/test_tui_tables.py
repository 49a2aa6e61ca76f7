"""Tables are drawn at their final widths from the first frame (``outreach.tui.tables.sized``),
and narrow again when filled with shorter values."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from outreach.tui.tables import sized
from outreach.tui.text import row


class _Table(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table: DataTable[object] = self.query_one(DataTable)
        table.add_column("Name")
        table.add_column("Age", width=3)


def _lines(table: DataTable[object]) -> list[str]:
    return [table.render_line(y).text.rstrip() for y in (0, 1)]


@pytest.mark.asyncio
async def test_a_filled_table_is_at_its_widths_before_it_is_next_idle() -> None:
    app = _Table()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        table: DataTable[object] = app.query_one(DataTable)
        table.add_row(*row("Siobhán O'Neill", "34"))
        # Without sizing, the frame drawn now cuts the name to "Name"'s four cells.
        assert _lines(table)[1] == " Siob  34"
        table.clear()
        table.add_row(*row("Siobhán O'Neill", "34"))
        sized(table)
        # A cell of padding each side; "Age" stays at its fixed 3.
        assert _lines(table) == [" Name             Age", " Siobhán O'Neill  34"]


@pytest.mark.asyncio
async def test_a_table_filled_again_with_shorter_values_narrows() -> None:
    app = _Table()
    async with app.run_test(size=(40, 6)) as pilot:
        table: DataTable[object] = app.query_one(DataTable)
        table.add_row(*row("Siobhán O'Neill", "34"))
        sized(table)
        await pilot.pause()
        table.clear()
        table.add_row(*row("Ann", "5"))
        sized(table)
        await pilot.pause()
        # The column is as wide as its label again, not as the name it held before.
        assert _lines(table) == [" Name  Age", " Ann   5"]
