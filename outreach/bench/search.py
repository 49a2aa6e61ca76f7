"""Search as a person types it, timed: the people list (a page of 50 in reference order, with
each person's status) and the person picker (residents first, then by name) for text of every
kind: a name, the start of references, text in many names, text in most names, and one or
two characters found in many names or in none. Each answer is first checked against the one
testing every person gives (``outreach.services.name_search.USE_INDEX`` off), for the people
list and the picker; where more match than the picker ranks, each person it shows is checked
to be a match."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from outreach.bench.data import AS_OF
from outreach.services import name_search
from outreach.services.matching import match_people
from outreach.services.search import search_people
from outreach.store.store import Store
from outreach.wording import search_key

Row = tuple[str, float | None, float | None, float | None, str]


def texts(size: int) -> list[tuple[str, str]]:
    """What is typed, and what kind of text it is, for a bench store of ``size`` people
    (named ``Person N``, referenced ``R`` and seven digits)."""
    return [
        ("a name", f"Person {size // 2}"),
        ("reference start", f"R{size // 2:07d}"[:6]),
        ("in many names", "person 1"),
        ("in every name", "person"),
        ("1 char, many", "7"),
        ("2 chars, many", "12"),
        ("1 char, none", "z"),
        ("2 chars, none", "zq"),
        ("3 chars, none", "zqx"),
    ]


@contextmanager
def _scanning() -> Iterator[None]:
    name_search.USE_INDEX = False
    try:
        yield
    finally:
        name_search.USE_INDEX = True


def _list(store: Store, needle: str) -> list[str]:
    return [row.ref for row in search_people(store, text=needle, as_of=AS_OF, limit=50).rows]


def _pick(store: Store, needle: str) -> list[str]:
    return [row.ref for row in match_people(store, text=needle, as_of=AS_OF).rows]


def _median_ms(action: Callable[[], object], runs: int, clock: Callable[[], float]) -> float:
    times = []
    for _ in range(runs):
        start = clock()
        action()
        times.append(clock() - start)
    return statistics.median(times) * 1000


def time_searches(
    store: Store, size: int, runs: int, clock: Callable[[], float] = time.process_time
) -> list[Row]:
    """A row per text for the people list and for the picker: the application's median time
    (the picker's "hand" column empty: it ranks, which the hand SQL does not)."""
    rows: list[Row] = []
    for kind, needle in texts(size):
        listed = _list(store, needle)
        picked = match_people(store, text=needle, as_of=AS_OF)
        with _scanning():
            same_list = listed == _list(store, needle)
            same_pick = [m.ref for m in picked.rows] == _pick(store, needle)
        if picked.more_than is not None:
            # Only the first matches were ranked: each one shown must be a match.
            key = search_key(needle)
            same_pick = all(
                key in search_key(m.name) or m.ref.lower().startswith(needle.lower())
                for m in picked.rows
            )
        more = f", more than {picked.more_than}" if picked.more_than is not None else ""
        for name, action, same, note in (
            ("list", lambda n=needle: _list(store, n), same_list, f"{len(listed)} shown"),
            ("picker", lambda n=needle: _pick(store, n), same_pick, f"{len(picked.rows)}{more}"),
        ):
            ms = _median_ms(action, runs, clock)
            check = "" if same else "DIFFERENT FROM TESTING EVERYONE: "
            rows.append((f"{name}: {kind}", ms, None, None, f"{check}{needle!r}: {note}"))
    return rows
