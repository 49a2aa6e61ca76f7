"""How names are compared and counts are worded, the same everywhere (every layer may use it).

:func:`fold` is the one way a name is compared, in Python and in SQL: the store registers it
as the SQL function ``fold()`` on every connection (``outreach.store.engine.connect``), because
SQLite's own ``lower()`` and ``LIKE`` fold A-Z only and would miss "Émile" typed "émile".
:func:`search_key` is looser, for finding a person from part of a name typed any way: it also
drops accents and the spaces, apostrophes, hyphens and full stops between the parts of a name
(registered as the SQL function ``search_key()``). :func:`search_pieces` lists the one- and
two-character pieces of a name's key, for the index that answers text too short for trigrams
(registered as the SQL function ``search_pieces()``).
"""

from __future__ import annotations

import unicodedata
from itertools import pairwise


def fold(text: str) -> str:
    """``text`` for caseless comparison: Unicode case folding between canonical
    decomposition and composition (``NFC(casefold(NFD(text)))``), so that "Émile", "ÉMILE"
    and "émile", typed precomposed or as E + combining accent, all give the same string."""
    if text.isascii():
        return text.lower()  # the same answer for ASCII, without normalising
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).casefold())


# Letters that carry their mark within the letter, so decomposition (NFKD) leaves them whole:
# each reads as the plain letter a person without that keyboard would type.
_PLAIN_LETTERS = str.maketrans(
    {
        "ı": "i",  # Turkish dotless i (İ decomposes to I and a dot above by itself)
        "ł": "l",  # Polish
        "đ": "d",  # Vietnamese, Croatian
        "ð": "d",  # Icelandic
        "ø": "o",  # Danish, Norwegian
        "ħ": "h",  # Maltese
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
    }
)

SEARCH_SEPARATORS = " '-."
"""The printable ASCII characters :func:`search_key` drops; beyond ASCII it also drops every
other space, dash (Unicode category Pd) and apostrophe (``’ ‘ ʼ ʻ``)."""

_APOSTROPHES = frozenset("'\u2019\u2018\u02bc\u02bb")
_ASCII_SEPARATORS = str.maketrans("", "", SEARCH_SEPARATORS)


def _kept(char: str) -> bool:
    if char.isspace() or char in _APOSTROPHES or char == ".":
        return False
    # Mn: the accents NFKD sets apart from their letters; Pd: hyphens and dashes.
    return unicodedata.category(char) not in ("Mn", "Pd")


def search_key(text: str) -> str:
    """``text`` as a search compares it: case folded, accents dropped (NFKD, then every
    combining mark removed; the few letters that carry their mark within, such as Turkish ı,
    Polish ł, Vietnamese đ and Danish ø, read as i, l, d and o), and the spaces, apostrophes,
    hyphens and full stops between the parts of a name dropped. "SIOBHAN", "siobhan" and
    "Siobhán" all give "siobhan"; "O'NEILL", "oneill" and "o neill" all give "oneill"."""
    if text.isascii():
        return text.lower().translate(_ASCII_SEPARATORS)
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    plain = decomposed.translate(_PLAIN_LETTERS)
    return "".join(char for char in plain if _kept(char))


SEARCH_KEY_SQL = (
    "CASE WHEN {column} GLOB '*[^ -~]*' THEN search_key({column}) ELSE "
    "replace(replace(replace(replace({column}, ' ', ''), '''', ''), '-', ''), '.', '') END"
)
"""SQL for :func:`search_key` of ``column``, A-Z case aside (``LIKE`` ignores it). The SQL
function is called only for names with a character outside printable ASCII, since a Python
call per row would cost several times a whole search on a large store; for the others
SQLite's ``replace()`` drops :data:`SEARCH_SEPARATORS`."""

SqlValue = str | bytes | int | float | None

NAME_CONTAINS_SQL = "(" + SEARCH_KEY_SQL + " LIKE {needle} ESCAPE '\\')"
"""SQL for "the name in ``column`` contains the pattern ``needle``" (a LIKE pattern made from
:func:`search_key` of what was typed), comparing the name's :func:`search_key`."""


_CHAR_WORDS: dict[str, str] = {}
_CHAR_WORDS_KEPT = 4096  # distinct characters remembered (names use a few hundred)


def _char_word(char: str) -> str:
    word = _CHAR_WORDS.get(char)
    if word is None:
        point = ord(char)
        if 0x41 <= point <= 0x5A:  # A-Z: LIKE ignores their case
            point += 0x20
        word = f"{point:06x}"
        if len(_CHAR_WORDS) < _CHAR_WORDS_KEPT:
            _CHAR_WORDS[char] = word
    return word


def piece_token(piece: str) -> str:
    """The word the short-text index holds for ``piece`` (one or two characters of a search
    key): each character's code point as six hex digits, A-Z lowered first, since ``LIKE``
    ignores A-Z case. Hex digits are one word to any FTS5 tokenizer whatever the characters
    were (a bracket or a space would otherwise split or vanish), and a fixed width keeps one
    character's word from being the start of another's."""
    return "".join(_char_word(char) for char in piece)


def search_pieces(name: str) -> str:
    """Every distinct one- and two-character piece of :func:`search_key` of ``name``, as
    :func:`piece_token` words separated by spaces, in the order first met (so the same name
    always gives the same text): "Ann" gives the words of "a", "n", "an" and "nn"."""
    # Made from each character's word (a dict look-up) rather than a word per piece: a sixth
    # of the CPU, which counts when a migration runs it for every person.
    words = [_char_word(char) for char in search_key(name)]
    pairs = [first + second for first, second in pairwise(words)]
    return " ".join(dict.fromkeys(words + pairs))


def fold_sql(value: SqlValue) -> SqlValue:
    """:func:`fold` as the SQL function ``fold()``: text is folded, NULL and other values
    pass through unchanged."""
    return fold(value) if isinstance(value, str) else value


def search_key_sql(value: SqlValue) -> SqlValue:
    """:func:`search_key` as the SQL function ``search_key()``: text gives its key, NULL and
    other values pass through unchanged."""
    return search_key(value) if isinstance(value, str) else value


def search_pieces_sql(value: SqlValue) -> SqlValue:
    """:func:`search_pieces` as the SQL function ``search_pieces()``: text gives its pieces,
    NULL and other values pass through unchanged."""
    return search_pieces(value) if isinstance(value, str) else value


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` and the noun in the number it needs: "1 target", "2 targets", "0 days".

    ``plural`` defaults to ``singular`` + "s"; give it for irregular nouns ("1 person",
    "3 people")."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count} {noun}"
