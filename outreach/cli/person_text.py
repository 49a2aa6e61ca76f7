"""A person's timeline as lines of at most 80 columns, for ``outreach person REF``."""

from __future__ import annotations

import textwrap

from outreach.services.profile import TimelineItem, printable

WIDTH = 80
"""Columns every line fits in."""

_INDENT = " " * len(f"  {'2024-01-01'}  {'conversation':<12}  ")


def timeline_lines(item: TimelineItem, width: int = WIDTH) -> list[str]:
    """The item's date, kind and summary, wrapped under the summary's first column, then its
    note (if any) on lines of its own, each shown safe for a terminal (:func:`printable`)."""
    first = f"  {item.on.isoformat()}  {item.kind.replace('_', ' '):<12}  "
    lines = textwrap.wrap(
        printable(item.summary).replace("\n", " "),
        width=width,
        initial_indent=first,
        subsequent_indent=_INDENT,
        break_on_hyphens=False,
    ) or [first.rstrip()]
    if item.note:
        for at, paragraph in enumerate(printable(item.note).split("\n")):
            lead = f"{_INDENT}note: " if at == 0 else f"{_INDENT}      "
            lines += textwrap.wrap(
                paragraph,
                width=width,
                initial_indent=lead,
                subsequent_indent=f"{_INDENT}      ",
                break_on_hyphens=False,
            ) or [lead.rstrip()]
    return lines
