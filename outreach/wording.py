"""How names are compared and counts are worded, the same everywhere (every layer may use it).

:func:`fold` is the one way a name is compared, in Python and in SQL: the store registers it
as the SQL function ``fold()`` on every connection (``outreach.store.engine.connect``), because
SQLite's own ``lower()`` and ``LIKE`` fold A-Z only and would miss "Émile" typed "émile".
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """``text`` for caseless comparison: Unicode case folding between canonical
    decomposition and composition (``NFC(casefold(NFD(text)))``), so that "Émile", "ÉMILE"
    and "émile", typed precomposed or as E + combining accent, all give the same string."""
    if text.isascii():
        return text.lower()  # the same answer for ASCII, without normalising
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).casefold())


SqlValue = str | bytes | int | float | None

NAME_CONTAINS_SQL = (
    "({column} LIKE {needle} ESCAPE '\\' OR ({column} GLOB '*[^ -~]*' "
    "AND fold({column}) LIKE {needle} ESCAPE '\\'))"
)
"""SQL for "the name in ``column`` contains the folded pattern ``needle``" (a LIKE pattern
made from :func:`fold` of what was typed). The answer is fold()'s, but fold() is called only
for names with a character outside printable ASCII: for the others SQLite's own LIKE, which
folds A-Z, already gives the same answer, and a Python call per row would cost several times
the whole search on a large store."""


def fold_sql(value: SqlValue) -> SqlValue:
    """:func:`fold` as the SQL function ``fold()``: text is folded, NULL and other values
    pass through unchanged."""
    return fold(value) if isinstance(value, str) else value


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` and the noun in the number it needs: "1 target", "2 targets", "0 days".

    ``plural`` defaults to ``singular`` + "s"; give it for irregular nouns ("1 person",
    "3 people")."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count} {noun}"
