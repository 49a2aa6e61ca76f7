"""Text from the store as the screen shows it: never read as markup, never obeyed.

Names, units, references, notes, mentors, sites, folders and error messages may hold anything
a person typed. Textual reads ``[`` as the start of markup (a unit named ``Wing [/] X`` raised
a MarkupError right after unlock) and passes an escape character through to the terminal. So
no such value is put into a markup string: widgets and notifications get a
:class:`~textual.content.Content` (table cells a Rich ``Text``) built here, in which control
characters are written out as ``\\uXXXX`` (:func:`outreach.text.visible`).
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from outreach.text import visible, visible_lines


def shown(value: object) -> Content:
    """``value`` as one line of plain text: shown exactly as stored, markup included."""
    return Content(visible(str(value)))


def shown_lines(text: str) -> Content:
    """``text`` as plain text of several lines (a status block, an error message)."""
    return Content(visible_lines(text))


def row(*values: object) -> list[Text]:
    """A table row of plain-text cells (Rich ``Text``, which the table measures for width)."""
    return [Text(visible(str(v))) for v in values]


def markup(template: str, **values: object) -> Content:
    """Our own ``template`` markup with each ``$name`` replaced by ``values[name]`` as plain
    text: ``markup("[b]$name[/b]", name="Wing [/] X")`` shows the brackets."""
    return Content.from_markup(template, **{k: visible(str(v)) for k, v in values.items()})
