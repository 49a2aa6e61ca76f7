"""Tables filled from the store, drawn at their final widths from the first frame."""

from __future__ import annotations

from rich.text import Text
from textual.render import measure
from textual.widgets import DataTable


def sized(table: DataTable[object]) -> None:
    """Size each auto-width column of ``table`` to its label and its cells now.

    Textual measures the cells a table is given only when the table is next idle: a frame
    drawn before then shows every cell cut to the column's old width, and a column never
    narrows after ``clear()`` (a shorter list keeps the widths of a longer one). Called once a
    table is filled; columns of a fixed width are left as they are."""
    console = table.app.console
    for column in table.ordered_columns:
        if not column.auto_width:
            continue
        # The cells outreach puts in a table are Rich Text (outreach.tui.text.row).
        cells = [c if isinstance(c, Text) else Text(str(c)) for c in table.get_column(column.key)]
        widths = [measure(console, cell, 1) for cell in cells]
        column.content_width = max([measure(console, column.label, 1), *widths])
    table.refresh()
