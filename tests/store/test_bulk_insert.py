"""Rows inserted many at a time (imports) are logged for sync exactly as the per-row triggers
log a row inserted alone: same fields, references as uids, this store, a rising clock."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, insert
from sqlalchemy.exc import IntegrityError

from outreach.model import Person, Stay, Unit
from outreach.model.identity import new_uid, new_uids
from outreach.store.bulk import insert_logged
from outreach.store.check import check_store
from outreach.store.store import Store
from tests.support.store_helpers import pieces_held

CREATED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def _person(ref: str, person_id: int) -> dict[str, Any]:
    return {
        "id": person_id,
        "ref": ref,
        "display_name": f"Name {ref} [b]",
        "date_of_birth": date(1990, 2, 3),
        "has_cervix": "yes",
        "language": None,
        "created_at": CREATED,
    }


def _log(conn: Connection) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in conn.exec_driver_sql(
            "SELECT tbl, uid, op, data, hlc, origin FROM change_log ORDER BY seq"
        )
    ]


def _uids(conn: Connection, table: str) -> list[str]:
    return list(conn.exec_driver_sql(f"SELECT uid FROM {table} ORDER BY id").scalars())


def test_bulk_rows_are_logged_as_the_trigger_logs_a_row_inserted_alone(store: Store) -> None:
    with store.write() as session:
        conn = session.connection()
        conn.execute(insert(Unit.__table__), [{"name": "Beech"}])  # type: ignore[attr-defined]
        unit_id = conn.exec_driver_sql("SELECT id FROM unit").scalar()
        # One person and stay through the triggers, then two of each many at a time.
        conn.execute(insert(Person.__table__), [_person("A1", 1)])  # type: ignore[attr-defined]
        stay = {"unit_id": unit_id, "arrived_on": date(2024, 1, 5), "left_on": None}
        conn.execute(insert(Stay.__table__), [{"person_id": 1, **stay}])  # type: ignore[attr-defined]
        insert_logged(conn, Person, [_person("B2", 2), _person("C3", 3)])
        insert_logged(
            conn,
            Stay,
            [{"person_id": 2, **stay}, {"person_id": 3, **stay, "left_on": date(2024, 2, 1)}],
        )
        log = _log(conn)
        people, stays = _uids(conn, "person"), _uids(conn, "stay")
        unit_uid = conn.exec_driver_sql("SELECT uid FROM unit").scalar()
        store_id = conn.exec_driver_sql("SELECT store_id FROM site").scalar()
        last = conn.exec_driver_sql("SELECT last, applying FROM sync_clock").one()
        origins = conn.exec_driver_sql("SELECT DISTINCT origin FROM person").scalars().all()
    assert [(t, u, op) for t, u, op, *_ in log] == [
        ("unit", unit_uid, "insert"),
        ("person", people[0], "insert"),
        ("stay", stays[0], "insert"),
        ("person", people[1], "insert"),
        ("person", people[2], "insert"),
        ("stay", stays[1], "insert"),
        ("stay", stays[2], "insert"),
    ]
    data = [json.loads(d) for *_, d, _, _ in log]
    # The bulk person rows carry the same fields as the one the trigger logged.
    for ref, logged in zip(("B2", "C3"), data[3:5], strict=True):
        assert logged == {**data[1], "ref": ref, "display_name": f"Name {ref} [b]"}
    assert data[1]["ref"] == "A1" and data[1]["has_cervix"] == "yes"
    assert data[1]["created_at"] == "2025-01-02 03:04:05.000000"
    # References travel as uids, as the trigger writes them.
    assert data[2] == {
        "person_id": people[0],
        "unit_id": unit_uid,
        "arrived_on": "2024-01-05",
        "left_on": None,
        "left_reason": None,
    }
    assert data[5] == {**data[2], "person_id": people[1]}
    assert data[6] == {**data[2], "person_id": people[2], "left_on": "2024-02-01"}
    clocks = [hlc for *_, hlc, _ in log]
    assert clocks == sorted(set(clocks))
    # The bulk rows' clocks follow one another, and the store's clock ends on the last.
    assert clocks[4] == clocks[3] + 1 and clocks[6] == clocks[5] + 1
    assert tuple(last) == (clocks[-1], 0)
    assert {origin for *_, origin in log} == {store_id}
    assert origins == [store_id]
    # outreach check agrees: every row logged, each as stored, no gap in the log.
    found = [
        f
        for f in check_store(store.folder, store._data_key, store._keyfile)
        if f.name == "sync state"
    ]
    assert [(f.ok, f.detail) for f in found] == [
        (True, "every shared row has its id and is in the change log")
    ]


def test_bulk_rows_applied_from_another_store_are_not_logged_again(store: Store) -> None:
    with store.write() as session:
        conn = session.connection()
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 1")
        insert_logged(conn, Person, [_person("B2", 2)])
        still = conn.exec_driver_sql("SELECT applying FROM sync_clock").scalar()
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 0")
        assert _log(conn) == []
        assert still == 1
        assert _uids(conn, "person") != []


def test_ids_made_together_are_uuid7_and_sort_in_the_order_made() -> None:
    made = [new_uid(), *new_uids(5000), new_uid()]
    assert made == sorted(made)
    assert len(set(made)) == 5002
    for text in made:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 7, uuid.RFC_4122)


def _names(conn: Connection) -> list[tuple[int, str]]:
    return [tuple(r) for r in conn.exec_driver_sql("SELECT rowid, name_key FROM person_search")]


def _trigger(conn: Connection) -> tuple[Any, ...]:
    return tuple(
        conn.exec_driver_sql(
            "SELECT name, tbl_name, sql FROM sqlite_master "
            "WHERE name IN ('person_search_insert', 'person_pieces_insert') ORDER BY name"
        ).all()
    )


def test_bulk_people_fill_the_name_index_as_the_trigger_fills_it_row_by_row(store: Store) -> None:
    names = ["Siobhán O'Neill", "ANNE-MARIE St. John", "Zoë [b]"]
    with store.write() as session:
        conn = session.connection()
        trigger = _trigger(conn)
        # Row by row through the trigger, then the same names many at a time.
        for n, name in enumerate(names, start=1):
            conn.execute(
                insert(Person.__table__),  # type: ignore[attr-defined]
                [{**_person(f"A{n}", n), "display_name": name}],
            )
        alone = _names(conn)
        pieces_alone = pieces_held(conn)
        insert_logged(
            conn,
            Person,
            [{**_person(f"B{n}", 10 + n), "display_name": name} for n, name in enumerate(names)],
        )
        together = [row for row in _names(conn) if row[0] >= 10]
        pieces = pieces_held(conn)
        after = _trigger(conn)
        # One more person alone: the trigger is back and fills the index again.
        conn.execute(insert(Person.__table__), [_person("C1", 20)])  # type: ignore[attr-defined]
        last = _names(conn)[-1]
        last_pieces = pieces_held(conn)[20]
    # Keys worked by hand: case folded, accents, apostrophes, hyphens, full stops and spaces
    # dropped, brackets kept.
    assert alone == [(1, "siobhanoneill"), (2, "annemariestjohn"), (3, "zoe[b]")]
    assert together == [(10, "siobhanoneill"), (11, "annemariestjohn"), (12, "zoe[b]")]
    assert after == trigger
    assert len(trigger) == 2
    assert last == (20, "namec1[b]")
    # The short-text index holds the same pieces for the rows inserted together as the
    # trigger wrote for each alone; "zoe[b]" by hand.
    assert [pieces[n] for n in (10, 11, 12)] == [pieces_alone[n] for n in (1, 2, 3)]
    assert pieces[12] == {*"zoe[b]", "zo", "oe", "e[", "[b", "b]"}
    assert last_pieces == {*"namec1[b]", "na", "am", "me", "ec", "c1", "1[", "[b", "b]"}


def test_a_failed_bulk_insert_leaves_the_name_index_trigger_in_place(store: Store) -> None:
    with store.write() as session:
        conn = session.connection()
        trigger = _trigger(conn)
        with pytest.raises(IntegrityError):
            # The second row's reference repeats the first: the insert fails part way.
            insert_logged(conn, Person, [_person("A1", 1), _person("A1", 2)])
        assert _trigger(conn) == trigger
        assert conn.exec_driver_sql("SELECT applying FROM sync_clock").scalar() == 0


def _stored(conn: Connection, table: str, ids: list[int]) -> list[tuple[Any, ...]]:
    """Every column but the row's own ids, with the type SQLite holds each value as."""
    columns = [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({table})")]
    shown = ", ".join(f'typeof("{c}"), "{c}"' for c in columns if c not in ("id", "uid", "ref"))
    marks = ", ".join("?" for _ in ids)
    found = conn.exec_driver_sql(
        f"SELECT {shown} FROM {table} WHERE id IN ({marks}) ORDER BY id", tuple(ids)
    )
    return [tuple(row) for row in found]


def test_bulk_rows_hold_the_values_and_types_an_orm_insert_stores(store: Store) -> None:
    # Dates, a date and time with its zone, an empty cell, equity codes left to their
    # defaults by one path and given by the other: stored the same either way.
    person = {**_person("A1", 1), "display_name": 'O\'Neill "Zoë" [/]', "language": "cy"}
    with store.write() as session:
        conn = session.connection()
        conn.execute(insert(Unit.__table__), [{"name": "Beech"}])  # type: ignore[attr-defined]
        conn.execute(insert(Person.__table__), [person])  # type: ignore[attr-defined]
        stay = {"unit_id": 1, "arrived_on": date(2024, 1, 5), "left_on": date(2024, 3, 1)}
        conn.execute(
            insert(Stay.__table__),  # type: ignore[attr-defined]
            [{"person_id": 1, **stay, "left_reason": "released"}],
        )
        codes = {"ethnicity": "not_stated", "disability": "not_stated", "interpreter": "not_stated"}
        codes |= {"learning_disability": "not_stated", "first_language": "not_stated"}
        insert_logged(conn, Person, [{**person, **codes, "id": 2, "ref": "B2"}])
        insert_logged(conn, Stay, [{"person_id": 2, **stay, "left_reason": "released"}])
        people = _stored(conn, "person", [1, 2])
        stays = _stored(conn, "stay", [1, 2])
    assert people[0] == people[1]
    assert stays[0][2:] == stays[1][2:]  # all but the person
    # Worked by hand: text dates, the time as SQLAlchemy writes it for SQLite.
    assert people[0][:8] == (
        "text",
        'O\'Neill "Zoë" [/]',
        "text",
        "1990-02-03",
        "text",
        "yes",
        "text",
        "cy",
    )
    assert people[0][8:10] == ("text", "2025-01-02 03:04:05.000000")
    assert stays[0][2:10] == (
        "integer",
        1,
        "text",
        "2024-01-05",
        "text",
        "2024-03-01",
        "text",
        "released",
    )
