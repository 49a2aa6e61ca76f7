"""Columns of plain text for the commands' output, laid out by ``rich``.

Each table is rendered without colour, borders or terminal codes (whatever the output is),
two spaces between columns, no wider than the width given (80 by default): the columns that
may wrap do so inside themselves, the others keep each cell on one line. Cells are taken as
plain text (``rich.text.Text``), so a name holding ``[b]`` or ``[/]`` is shown as typed, and
control characters are written out as ``\\uXXXX`` before the columns are measured, so a stored
escape sequence is shown, never acted on, and does not throw the columns out of line.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from outreach.text import visible

WIDTH = 80


def plain_table(
    rows: Iterable[Sequence[str]],
    *,
    headings: Sequence[str] | None = None,
    wrap: Sequence[int] = (-1,),
    width: int = WIDTH,
    min_wrap: int = 1,
    right: Sequence[int] = (),
) -> list[str]:
    """The rows as aligned columns (under ``headings`` when given), one string per line, with
    no trailing spaces. Only the columns at the indexes in ``wrap`` (default: the last) wrap
    to keep the table within ``width``; a word longer than its column is broken. When the
    other columns leave the wrapping columns fewer than ``min_wrap`` characters (their words
    would be broken into shreds), their cells are written under their row instead, indented
    four spaces and after their heading, wrapped within ``width``. The columns at the indexes
    in ``right`` (numbers) are aligned right."""
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    lines = [list(row) for row in rows]
    if not lines and headings is None:
        return []
    count = len(headings) if headings is not None else max((len(r) for r in lines), default=0)
    wrapping = {index % count for index in wrap} if count else set()
    fixed = [index for index in range(count) if index not in wrapping]
    taken = sum(
        max(
            [cell_len(row[index]) for row in lines if index < len(row)]
            + [cell_len(headings[index]) if headings is not None else 0]
        )
        + 2
        for index in fixed
    )
    aligned_right = {index % count for index in right} if count else set()
    if wrapping and fixed and width - taken < min_wrap:
        return _stacked(lines, headings, fixed, sorted(wrapping), width, aligned_right)
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
            justify="right" if index in aligned_right else "left",
        )
    for row in lines:
        table.add_row(*(Text(visible(cell)) for cell in row))
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


def _stacked(
    lines: list[list[str]],
    headings: Sequence[str] | None,
    fixed: list[int],
    wrapping: list[int],
    width: int,
    right: set[int],
) -> list[str]:
    """The fixed columns as one aligned line a row, each never cut short (a line may then pass
    ``width``), those in ``right`` aligned right; the wrapping columns' cells under it, after
    their heading, indented four spaces and wrapped within ``width``."""
    import textwrap

    from rich.cells import cell_len

    def cell(row: Sequence[str], index: int) -> str:
        return row[index] if index < len(row) else ""

    table = [[cell(headings, i) for i in fixed]] if headings is not None else []
    table += [[cell(row, i) for i in fixed] for row in lines]
    widths = [max(cell_len(line[n]) for line in table) for n in range(len(fixed))]

    def aligned(cells: list[str]) -> str:
        padded = (
            " " * (w - cell_len(text)) + text
            if index in right
            else text + " " * (w - cell_len(text))
            for index, text, w in zip(fixed, cells, widths, strict=True)
        )
        return "  ".join(padded).rstrip()

    out = [aligned(table[0])] if headings is not None else []
    for row in lines:
        out.append(aligned([cell(row, i) for i in fixed]))
        for index in wrapping:
            text = cell(row, index)
            if not text:
                continue
            label = f"{headings[index]}: " if headings is not None else ""
            out.extend(
                textwrap.wrap(
                    label + text,
                    width=width,
                    initial_indent="    ",
                    subsequent_indent="    ",
                    break_on_hyphens=False,
                )
            )
    return out
