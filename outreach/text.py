"""Text a person typed is data: refused at the boundary when it holds characters that act on a
terminal or reorder what is shown, and made visible, never obeyed, wherever it is shown.

Names, units, references and notes come from forms, the command line and spreadsheets. A
control character (an escape sequence that retitles or clears the terminal, a NUL that breaks
a workbook) or a bidirectional override (which shows text in another order than it is stored)
in them is refused with a clear message; text already stored is shown with each such character
written out as ``\\uXXXX``, which is also a valid JSON escape for the same character.
"""

from __future__ import annotations

import re
import unicodedata

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Arabic letter mark, LRM, RLM, the embeddings and overrides (U+202A-E) and isolates."""

_CONTROLS = "\x00-\x1f\x7f-\x9f"  # C0, DEL and C1: every Unicode "Cc" character
_SEPARATORS = "\u2028\u2029"  # line and paragraph separators: a new line to some terminals
_IN_LINE = re.compile(f"[{_CONTROLS}{BIDI_CONTROLS}{_SEPARATORS}]")
_IN_NOTE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}{_SEPARATORS}]")

SITE_LIMIT = 200
"""The longest site name accepted, in characters (other limits: outreach.rules.limits)."""


def line_problem(text: str, *, limit: int | None = None) -> str | None:
    """Why ``text`` cannot be a one-line value (a name, unit, reference), or None when it can.

    The reason names the character by code point and never repeats the text itself. Lengths
    are checked here only when ``limit`` is given.
    """
    found = _IN_LINE.search(text)
    if found is not None:
        return _why(found.group())
    if limit is not None and len(text) > limit:
        return f"at most {limit} characters"
    return None


def note_problem(text: str) -> str | None:
    """Why ``text`` cannot be a note, or None: a note may hold tabs and line breaks (its
    length is checked against outreach.rules.limits.NOTE_MAX by the services)."""
    found = _IN_NOTE.search(text.replace("\r\n", "\n"))
    if found is not None:
        return _why(found.group())
    return None


def visible(text: str) -> str:
    """``text`` with every control character, bidirectional control and line separator
    written out as ``\\uXXXX``: one line, shown exactly as stored, never acted on."""
    return _IN_LINE.sub(_escaped, text)


def visible_lines(text: str) -> str:
    """As :func:`visible`, but line breaks and tabs are kept: for output made of lines."""
    return _IN_NOTE.sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"


def _why(char: str) -> str:
    point = f"U+{ord(char):04X}"
    if char in BIDI_CONTROLS:
        kind = "a bidirectional control"
    elif char == "\x00":
        kind = "a NUL character"
    elif char in _SEPARATORS:
        kind = "a line separator"
    else:
        kind = "a control character"
    name = unicodedata.name(char, "")
    described = f"{point} {name}" if name else point
    return f"holds {kind} ({described}) that cannot be shown safely: type plain text"
