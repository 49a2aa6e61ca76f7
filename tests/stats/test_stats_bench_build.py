"""The benchmark's bulk loader (indexes dropped for the load and built again after) leaves a
store identical to inserting the same rows with every index and trigger in place: the same
schema, the same rows in every table, the same rows kept by triggers, every index whole."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from outreach.bench.data import TABLES, batches, first_day, load
from outreach.model.identity import TRAVELLING
from outreach.store.store import Store
from tests.support.stores import new_store

PEOPLE = 300
# The synthetic tables, and what triggers keep from them.
COMPARED = (*TABLES, "first_contact", "person_search", "month_coverage")


@contextmanager
def raw_connection(store: Store) -> Iterator[Any]:
    with store.engine.connect() as conn:
        yield conn.connection.driver_connection


def snapshot(raw: Any) -> dict[str, Any]:
    schema = sorted(
        raw.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%'"
        ).fetchall()
    )
    rows = {}
    ids = {}
    for table in COMPARED:
        found = raw.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid")
        names = [d[0] for d in found.description]
        kept = [i for i, name in enumerate(names) if name not in ("uid", "origin")]
        ours = [i for i, name in enumerate(names) if name in ("uid", "origin")]
        fetched = found.fetchall()
        rows[table] = [tuple(row[i] for i in kept) for row in fetched]
        ids[table] = [tuple(row[i] for i in ours) for row in fetched]
    return {"schema": schema, "rows": rows, "ids": ids}


@pytest.mark.slow
def test_bulk_load_matches_inserting_row_by_row_with_every_index(tmp_path: Path) -> None:
    bulk = new_store(tmp_path / "bulk")
    plain = new_store(tmp_path / "row-by-row")
    try:
        with raw_connection(bulk) as raw:
            # Compared with itself: two new stores can list a table's foreign keys in
            # different orders (the migrations rebuild follow_up from a set).
            schema = snapshot(raw)["schema"]
            counts = load(raw, PEOPLE)
            site = raw.execute("SELECT store_id FROM site").fetchone()
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            got = snapshot(raw)
        with raw_connection(plain) as raw:
            raw.execute("BEGIN")
            for table, rows in batches(PEOPLE):
                raw.executemany(TABLES[table], rows)
            raw.execute("COMMIT")
            want = snapshot(raw)
    finally:
        bulk.close()
        plain.close()
    assert counts["person"] == PEOPLE
    assert counts["conversation"] == 5 * PEOPLE
    assert counts["screening_event"] == 2 * PEOPLE
    assert counts["follow_up"] == 3 * PEOPLE // 10
    assert got["schema"] == schema
    assert {t: len(r) for t, r in got["rows"].items()} == {
        t: len(r) for t, r in want["rows"].items()
    }
    assert got["rows"] == want["rows"]
    # Every loaded row of a travelling table has its own uid and this store as origin, as
    # the application's writes give them; the other tables have neither column.
    (origin,) = site
    for table in COMPARED:
        ids = got["ids"][table]
        if table in TRAVELLING:
            assert len({uid for uid, _ in ids}) == len(ids) == len(want["rows"][table])
            assert {o for _, o in ids} == {origin}
            assert all(uid is not None for uid, _ in ids)
        else:
            assert ids == [()] * len(ids)
    # The triggers ran during the load: one search row a person, a first contact for
    # each person with a one-to-one conversation.
    assert len(got["rows"]["person_search"]) == PEOPLE
    assert got["rows"]["first_contact"]


def test_people_only_load_leaves_activity_empty(tmp_path: Path) -> None:
    store = new_store(tmp_path / "people")
    try:
        with raw_connection(store) as raw:
            schema = snapshot(raw)["schema"]
            counts = load(raw, PEOPLE, tables=("unit", "mentor", "person", "stay"))
            after = snapshot(raw)["schema"]
            stored = {
                table: raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in TABLES
            }
    finally:
        store.close()
    assert stored == counts | {
        "screening_event": 0,
        "conversation": 0,
        "conversation_mentor": 0,
        "conversation_barrier": 0,
        "follow_up": 0,
    }
    assert stored["unit"] == 8
    assert stored["person"] == PEOPLE
    assert after == schema


def _rows(people: int, years: int) -> dict[str, list[tuple[Any, ...]]]:
    found: dict[str, list[tuple[Any, ...]]] = {}
    for table, chunk in batches(people, 42, years):
        found.setdefault(table, []).extend(chunk)
    return found


def test_a_shorter_history_keeps_the_counts_per_person_and_dates_them_in_its_years() -> None:
    ten, one = _rows(PEOPLE, 10), _rows(PEOPLE, 1)
    assert first_day(10) == date(2015, 1, 1)
    assert first_day(3) == date(2022, 1, 1)
    # Rows per person are fixed, but stays (one, or two for about one person in ten): their
    # dates take the random stream differently.
    fixed = set(TABLES) - {"stay"}
    assert {t: len(one[t]) for t in fixed} == {t: len(ten[t]) for t in fixed}
    assert PEOPLE < len(one["stay"]) < 1.2 * PEOPLE
    # Stays (arrived_on), conversations (occurred_on), follow-ups (due_on) fall in 2024;
    # screening events from three years before.
    assert min(row[2] for row in one["stay"]) >= "2024-01-01"
    assert min(row[1] for row in one["conversation"]) >= "2024-01-01"
    assert min(row[1] for row in one["follow_up"]) >= "2024-01-01"
    assert min(row[1] for row in one["screening_event"]) >= "2021-01-01"
    assert min(row[1] for row in ten["conversation"]) < "2016-01-01"
    assert max(row[1] for row in one["conversation"]) <= "2024-12-31"
    with pytest.raises(ValueError, match="at least one year"):
        first_day(0)
