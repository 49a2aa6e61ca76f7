"""Columns of plain text for the commands' output, laid out by ``rich``.

Each table is rendered without colour, borders or terminal codes (whatever the output is),
two spaces between columns, no wider than the width given (80 by default): the columns that
may wrap do so inside themselves, the others keep each cell on one line. Cells are taken as
plain text (``rich.text.Text``), so a name holding ``[b]`` or ``[/]`` is shown as typed.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

WIDTH = 80


def plain_table(
    rows: Iterable[Sequence[str]],
    *,
    headings: Sequence[str] | None = None,
    wrap: Sequence[int] = (-1,),
    width: int = WIDTH,
) -> list[str]:
    """The rows as aligned columns (under ``headings`` when given), one string per line, with
    no trailing spaces. Only the columns at the indexes in ``wrap`` (default: the last) wrap
    to keep the table within ``width``; a word longer than its column is broken."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    lines = [list(row) for row in rows]
    if not lines and headings is None:
        return []
    count = len(headings) if headings is not None else max((len(r) for r in lines), default=0)
    wrapping = {index % count for index in wrap} if count else set()
    table = Table(
        box=None,
        show_header=headings is not None,
        header_style="",
        pad_edge=False,
        padding=(0, 1),
    )
    for index in range(count):
        table.add_column(
            headings[index] if headings is not None else "",
            no_wrap=index not in wrapping,
            overflow="fold",
        )
    for row in lines:
        table.add_row(*(Text(cell) for cell in row))
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        color_system=None,
        force_terminal=False,
        no_color=True,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )
    console.print(table)
    return [line.rstrip() for line in out.getvalue().splitlines()]
