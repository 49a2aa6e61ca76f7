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
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).casefold())


SqlValue = str | bytes | int | float | None


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
