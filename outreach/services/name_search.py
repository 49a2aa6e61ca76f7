"""Which people a typed text finds (a reference starting with it, or a name containing it,
ignoring case, accents, and the spaces, apostrophes, hyphens and full stops in a name), written
as SQL that reads an index instead of every person.

The answer is always the one the plain test gives: a reference ``LIKE`` the text (A-Z case
ignored), or the name's :func:`outreach.wording.search_key` containing the text's
(:data:`outreach.wording.NAME_CONTAINS_SQL`). What changes is which people the test is run on.
References are read from a range of ``ix_person_ref_lower``; names from ``person_search``
(FTS5, trigram tokenizer, migrations 0013 and 0027), which holds each name's search key, so
every name the test accepts holds the text's trigrams: the index gives a superset and the test
keeps exactly the right people.

A trigram needs three characters, so one or two are read from ``person_pieces`` instead
(FTS5, migration 0031), which holds every one- and two-character piece of each name's search
key (:func:`outreach.wording.search_pieces`): a name holding the text holds it as a piece, so
again the index gives a superset (A-Z case aside, as ``LIKE`` ignores it) and the test keeps
exactly the right people. Only text whose key is empty (nothing but spaces, apostrophes,
hyphens and full stops: every name holds it) runs the test on everyone.
For text most people's names hold (``COMMON`` matches or more),
a caller that reads people in reference order and stops after a page is quicker walking that
order, so :func:`text_match` says so and such a caller may ask for the walk instead.

A caller that ranks every match (the pickers: residents first, then by name) cannot stop after
a page, so :func:`first_found` gives it at most a few hundred people to rank: every match when
the index finds no more than ``cap``, else the first ``cap`` the index gives (in its own
order: person id, and reference) and the word that more match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text as sql_text

from outreach.wording import NAME_CONTAINS_SQL, piece_token, search_key

MIN_INDEXED = 3
"""Shorter text than this (in characters of its search key) is read from ``person_pieces``
instead of the trigrams of ``person_search``."""

COMMON = 2000
"""From this many names holding the text, a paged list in reference order walks people."""

# Set to False to answer every search by the plain test on every person (tests compare).
USE_INDEX = True


def like_escape(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern written with ``ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def ascii_lower(text: str) -> str:
    """``text`` with A-Z lowered and nothing else changed, as SQLite's ``lower()``."""
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = {ord(c): ord(c) + 32 for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def _after(text: str) -> str | None:
    """The least string above every string that starts with ``text`` (in SQLite's binary
    order, which for UTF-8 is code point order), or None when there is none to write."""
    last = ord(text[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:
        last = 0xE000
    if last > 0x10FFFF:
        return None
    return text[:-1] + chr(last)


def fts_phrase(text: str) -> str:
    """An FTS5 query for ``text`` as one literal string in the names' search keys."""
    return 'name_key : "' + text.replace('"', '""') + '"'


def piece_phrase(text: str) -> str:
    """An FTS5 query for ``text`` (one or two characters) as one piece in ``person_pieces``."""
    return '"' + piece_token(text) + '"'


def _names(key: str, params: dict[str, Any]) -> str | None:
    """SQL for the ids of the people whose names may hold ``key`` (a search key), read from
    the index that fits its length, its parameter added to ``params``; None when the key is
    empty, which every name holds."""
    if len(key) >= MIN_INDEXED:
        params["fts"] = fts_phrase(key)
        return "SELECT rowid FROM person_search WHERE person_search MATCH :fts"
    if key:
        params["fts"] = piece_phrase(key)
        return "SELECT rowid FROM person_pieces WHERE person_pieces MATCH :fts"
    return None


def plain_test(person: str = "p") -> str:
    """The test itself: the reference starts with :prefix, or the name holds :within."""
    name = NAME_CONTAINS_SQL.format(column=f"{person}.display_name", needle=":within")
    return f"({person}.ref LIKE :prefix ESCAPE '\\' OR {name})"


def _ref_range(needle: str, params: dict[str, Any]) -> str:
    """SQL over ``r``: the references starting with ``needle`` ignoring A-Z case, as a range
    of ``ix_person_ref_lower`` (a superset of the LIKE); its parameters added to ``params``."""
    params["ref_from"] = ascii_lower(needle)
    upper = _after(params["ref_from"])
    refs = "lower(r.ref) >= :ref_from"
    if upper is not None:
        params["ref_below"] = upper
        refs += " AND lower(r.ref) < :ref_below"
    return refs


@dataclass(frozen=True)
class TextMatch:
    """``where``: SQL true for exactly the people the text finds; ``indexed``: whether it
    reads them from the indexes (a caller ordering by reference then writes ``+p.ref``, or
    SQLite walks every person in reference order to skip the sort, testing each)."""

    where: str
    indexed: bool


def text_match(
    conn: Any, needle: str, params: dict[str, Any], *, person: str = "p", paged: bool = False
) -> TextMatch:
    """The people ``needle`` finds, for a WHERE clause over ``person`` (an alias of the person
    table); its parameters are added to ``params``. ``conn`` (a SQLAlchemy connection) is
    asked how common the text is when ``paged``: the caller lists people in reference order a
    page at a time, and for common text walking that order is quicker than reading every
    match from the index."""
    key = search_key(needle)
    params["prefix"] = like_escape(needle) + "%"
    params["within"] = "%" + like_escape(key) + "%"
    test = plain_test(person)
    names = _names(key, params) if USE_INDEX else None
    if names is None:
        return TextMatch(test, indexed=False)
    if paged:
        found = conn.execute(
            sql_text(f"SELECT count(*) FROM ({names} LIMIT :common)"),
            {"fts": params["fts"], "common": COMMON},
        ).scalar_one()
        if found >= COMMON:
            return TextMatch(test, indexed=False)
    candidates = f"{names} UNION SELECT r.id FROM person r WHERE {_ref_range(needle, params)}"
    return TextMatch(f"({person}.id IN ({candidates}) AND {test})", indexed=True)


@dataclass(frozen=True)
class FirstFound:
    """``where``: SQL true for the people to rank; ``complete``: whether they are every
    person the text finds (else more than ``cap`` match and they are the index's first)."""

    where: str
    complete: bool


def first_found(
    conn: Any, needle: str, params: dict[str, Any], *, cap: int, person: str = "p"
) -> FirstFound:
    """At most about ``2 * cap`` of the people ``needle`` finds, for a WHERE clause over
    ``person``, read from the indexes with a limit so that very common text costs no more than
    rare: every match when the index finds no more than ``cap`` names and ``cap`` references
    (the answer :func:`text_match` gives), else the first ``cap`` of each in index order."""
    match = text_match(conn, needle, params, person=person)
    if not USE_INDEX:
        return FirstFound(match.where, complete=True)
    params["cap"] = cap
    test = plain_test("q")
    if not match.indexed:
        # Text every name holds: the first people (by id) the test accepts, read in one walk
        # that stops at once; all of them when no more than ``cap``.
        ids = [
            int(row[0])
            for row in conn.execute(
                sql_text(f"SELECT q.id FROM person q WHERE {test} LIMIT :cap + 1"), params
            )
        ]
        listed = ", ".join(str(i) for i in ids[:cap])
        return FirstFound(f"({person}.id IN ({listed}))", complete=len(ids) <= cap)
    names = f"{_names(search_key(needle), params)} LIMIT :cap + 1"
    refs = f"SELECT r.id FROM person r WHERE {_ref_range(needle, params)} LIMIT :cap + 1"
    counted = conn.execute(
        sql_text(f"SELECT (SELECT count(*) FROM ({names})), (SELECT count(*) FROM ({refs}))"),
        params,
    ).one()
    if max(counted) <= cap:
        return FirstFound(match.where, complete=True)
    first = (
        f"SELECT rowid FROM ({names.replace(':cap + 1', ':cap')}) "
        f"UNION SELECT id FROM ({refs.replace(':cap + 1', ':cap')})"
    )
    return FirstFound(f"({person}.id IN ({first}) AND {plain_test(person)})", complete=False)
