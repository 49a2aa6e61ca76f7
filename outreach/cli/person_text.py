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


def equity_line(equity: dict[str, str], width: int = WIDTH) -> str:
    """The person's equity fields in one paragraph of lines of at most ``width`` columns:
    "  ethnic group: Irish (White); disability: no; ..." (labels, never free text)."""
    from outreach.rules.equity import equity_field

    parts = []
    for key, code in equity.items():
        field = equity_field(key)
        said = field.label_of(code)
        group = field.group_labels.get(field.groups.get(code, ""))
        said = f"{said} ({group})" if group else said
        parts.append(f"{field.label.lower()}: {said if field.stated(code) else said.lower()}")
    return "\n".join(
        textwrap.wrap("; ".join(parts), width=width, initial_indent="  ", subsequent_indent="    ")
    )
