"""Deterministic synthetic stores for the benchmark: a region over ten years.

For ``n`` people: ~1.1 n stays (residents on a day are ~5% of everyone, stays average six
months), 2 n screening events, 5 n conversations with a mentor each, barriers on 40% of them,
0.3 n follow-ups. Rows are generated in chunks so memory stays flat however large ``n`` is;
the same seed gives the same rows, so the keyed store and the plain copy hold the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterator
from datetime import date, timedelta
from typing import Any

from outreach.model.identity import TRAVELLING, new_uid
from outreach.rules.programme import load_programme

AS_OF = date(2024, 12, 31)
YEARS = 10
"""Years of history a store holds by default: stays, conversations and follow-ups from
1 January of the first year to ``AS_OF``; screening events from three years earlier."""


def first_day(years: int = YEARS) -> date:
    """The first day of a history of ``years`` years ending on ``AS_OF``."""
    if years < 1:
        raise ValueError("a store holds at least one year of history")
    return date(AS_OF.year - years + 1, 1, 1)


FIRST = first_day()
CREATED = "2025-01-01 00:00:00.000000"
CHUNK = 20_000
Row = tuple[Any, ...]

TABLES: dict[str, str] = {
    "unit": "INSERT INTO unit (id, name) VALUES (?, ?)",
    "mentor": "INSERT INTO mentor (id, name) VALUES (?, ?)",
    "person": "INSERT INTO person (id, ref, display_name, date_of_birth, has_cervix, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?)",
    "stay": "INSERT INTO stay (person_id, unit_id, arrived_on, left_on, left_reason)"
    " VALUES (?, ?, ?, ?, ?)",
    "screening_event": "INSERT INTO screening_event (person_id, programme, occurred_on, event,"
    " hpv, cytology, reason, created_at) VALUES (?, 'cervical-screening', ?, ?, ?, ?, ?, ?)",
    "conversation": "INSERT INTO conversation (id, occurred_on, kind, person_id, attendees,"
    " setting, minutes, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "conversation_mentor": "INSERT INTO conversation_mentor (conversation_id, mentor_id)"
    " VALUES (?, ?)",
    "conversation_barrier": "INSERT INTO conversation_barrier (conversation_id, code)"
    " VALUES (?, ?)",
    "follow_up": "INSERT INTO follow_up (person_id, programme, due_on, reason, status, done_on,"
    " created_at, opened_on, original_due_on) VALUES (?, 'cervical-screening', ?, ?, ?, ?, ?, ?,"
    " ?)",
}


def _day(rng: random.Random, first: date = FIRST, last: date = AS_OF) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _chunks(rows: Iterator[Row]) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _people(n: int, seed: int, first: date = FIRST) -> Iterator[Row]:
    rng = random.Random(seed)
    for i in range(1, n + 1):
        born = _day(rng, date(1950, 1, 1), date(2003, 12, 31)).isoformat()
        cervix = rng.choices(["yes", "no", "unknown"], [95, 2, 3])[0]
        yield (i, f"R{i:07d}", f"Person {i}", born, cervix, CREATED)


def _stays(n: int, seed: int, first: date = FIRST) -> Iterator[Row]:
    rng = random.Random(seed + 1)
    for person in range(1, n + 1):
        for _ in range(2 if rng.random() < 0.1 else 1):
            arrived = _day(rng, first)
            left = arrived + timedelta(days=int(rng.expovariate(1 / 180)))
            gone = left <= AS_OF
            yield (
                person,
                rng.randint(1, 8),
                arrived.isoformat(),
                left.isoformat() if gone else None,
                "released" if gone else None,
            )


def _events(n: int, seed: int, first: date = FIRST) -> Iterator[Row]:
    rng = random.Random(seed + 2)
    kinds = ["test", "offered", "ceased", "colposcopy_referred", "colposcopy_attended"]
    for _ in range(2 * n):
        kind = rng.choices(kinds, [60, 30, 2, 4, 4])[0]
        hpv = cytology = reason = None
        if kind == "test":
            hpv = rng.choices(["negative", "positive", "unavailable", None], [80, 12, 3, 5])[0]
            cytology = "normal" if hpv in ("positive", None) else None
        elif kind == "ceased":
            reason = rng.choice(["no_cervix", "informed_choice", "radiotherapy", "other"])
        day = _day(rng, date(first.year - 3, 1, 1)).isoformat()
        yield (rng.randint(1, n), day, kind, hpv, cytology, reason, CREATED)


def _conversations(n: int, seed: int, first: date = FIRST) -> Iterator[Row]:
    rng = random.Random(seed + 3)
    programme = load_programme()
    settings, outcomes = list(programme.settings), list(programme.outcome_codes)
    for cid in range(1, 5 * n + 1):
        group = rng.random() < 0.1
        yield (
            cid,
            _day(rng, first).isoformat(),
            "group" if group else "one_to_one",
            None if group else rng.randint(1, n),
            rng.randint(3, 12) if group else 1,
            rng.choice(settings),
            rng.randint(5, 60),
            rng.choice(outcomes),
            CREATED,
        )


def _mentor_links(n: int, seed: int, first: date = FIRST) -> Iterator[Row]:
    rng = random.Random(seed + 4)
    mentors = mentor_count(n)
    for cid in range(1, 5 * n + 1):
        yield (cid, rng.randint(1, mentors))


def _barriers(n: int, seed: int, first: date = FIRST) -> Iterator[Row]:
    rng = random.Random(seed + 5)
    codes = list(load_programme().barrier_codes)
    for cid in range(1, 5 * n + 1):
        if rng.random() < 0.4:
            for code in rng.sample(codes, rng.randint(1, 2)):
                yield (cid, code)


def _follow_ups(n: int, seed: int, first: date = FIRST) -> Iterator[Row]:
    rng = random.Random(seed + 6)
    for _ in range(3 * n // 10):
        due = _day(rng, first)
        status = rng.choices(["open", "done", "cancelled"], [30, 60, 10])[0]
        done = (
            (due + timedelta(days=rng.randint(-20, 40))).isoformat() if status == "done" else None
        )
        opened = due - timedelta(days=30)
        created = f"{opened.isoformat()} 09:00:00.000000"
        yield (
            rng.randint(1, n),
            due.isoformat(),
            "repeat_test",
            status,
            done,
            created,
            opened.isoformat(),
            due.isoformat(),
        )


def mentor_count(n: int) -> int:
    return max(3, n // 1000)


def batches(n: int, seed: int = 42, years: int = YEARS) -> Iterator[tuple[str, list[Row]]]:
    """(table, rows) chunks for a store of ``n`` people with ``years`` years of history,
    parents before children. The screening events, conversations (with their mentors and
    barriers) and follow-ups per person do not depend on ``years``, nor the stays but for
    chance (their dates draw on the same random stream): a store of ``n * years / 10``
    people over ``years`` years has about the residents on a day and the conversations in a
    month of one of ``n`` people over ten."""
    yield "unit", [(i, f"Unit {i}") for i in range(1, 9)]
    yield "mentor", [(i, f"Mentor {i}") for i in range(1, mentor_count(n) + 1)]
    first = first_day(years)
    makers: list[tuple[str, Callable[[int, int, date], Iterator[Row]]]] = [
        ("person", _people),
        ("stay", _stays),
        ("screening_event", _events),
        ("conversation", _conversations),
        ("conversation_mentor", _mentor_links),
        ("conversation_barrier", _barriers),
        ("follow_up", _follow_ups),
    ]
    for table, make in makers:
        for chunk in _chunks(make(n, seed, first)):
            yield table, chunk


# Pages of cache while loading (KiB, as PRAGMA cache_size takes a negative number): enough
# for the sorts that build each index at a million people to stay in memory.
LOAD_CACHE_KIB = 512 * 1024


def load(
    conn: Any,
    n: int,
    seed: int = 42,
    *,
    tables: Collection[str] | None = None,
    years: int = YEARS,
) -> dict[str, int]:
    """Insert a store of ``n`` people through DB-API ``conn`` (autocommit mode) in one
    transaction with executemany, then ANALYZE; returns rows per table. With ``tables``, only
    those tables' rows (a people-only store: ``unit, mentor, person, stay``); ``years``: the
    years of history (:func:`batches`).

    The schema comes out as the migrations made it: the same tables, indexes and triggers,
    each from its own CREATE statement. Inside the transaction the explicit indexes are
    dropped before the rows go in and created again afterwards from the statements
    ``sqlite_master`` held, because building an index by sorting its rows once is far cheaper
    than keeping a dozen B-trees up to date in random order row by row, which is what made
    200,000 people take 27-40 minutes (each insert touched a page of every index, nearly
    always one the cache had evicted, to be decrypted and encrypted again). Triggers stay on,
    so what they keep (first contacts, the person search index) is written exactly as the
    application writes it; the indexes SQLite makes for keys and UNIQUE constraints stay too
    (the rows arrive in their order). Each row of a travelling table gets a ``uid`` and the
    store's ``origin``, as SQLAlchemy's column defaults give every row the application
    writes."""
    counts: dict[str, int] = {}
    (kept_cache,) = conn.execute("PRAGMA cache_size").fetchone()
    conn.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
    try:
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "ORDER BY rowid"
        ).fetchall()
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        for table, rows in batches(n, seed, years):
            if tables is not None and table not in tables:
                continue
            conn.executemany(TABLES[table], rows)
            counts[table] = counts.get(table, 0) + len(rows)
        _give_ids(conn, counts)
        for _, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.execute(f"PRAGMA cache_size = {kept_cache}")
    return counts


def _give_ids(conn: Any, counts: dict[str, int]) -> None:
    """A new uid (and the store's id as origin, when the store has a site row) for each row
    loaded into a travelling table, before the unique index on uid is built again."""
    origin = conn.execute("SELECT store_id FROM site LIMIT 1").fetchone()
    for table in TRAVELLING:
        if not counts.get(table):
            continue
        last = 0
        while True:
            # A page of rowids at a time, read before they are updated.
            rowids = conn.execute(
                f"SELECT rowid FROM {table} WHERE uid IS NULL AND rowid > ? ORDER BY rowid "
                f"LIMIT {CHUNK}",
                (last,),
            ).fetchall()
            if not rowids:
                break
            conn.executemany(
                f"UPDATE {table} SET uid = ?, origin = ? WHERE rowid = ?",
                [(new_uid(), origin and origin[0], rowid) for (rowid,) in rowids],
            )
            last = rowids[-1][0]
