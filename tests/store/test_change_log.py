"""Change capture (migration 0022): every write to a travelling row is logged in its own
transaction, with changed fields only, references as uids, a rising clock and this store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from outreach.clock import now
from outreach.model import Decision, Person, Stay
from outreach.store import changes
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, new_store


def _log(store: Store) -> list[tuple[Any, ...]]:
    with store.read() as session:
        return [
            tuple(r)
            for r in session.connection().exec_driver_sql(
                "SELECT tbl, uid, op, data, hlc, origin FROM change_log ORDER BY seq"
            )
        ]


def _store_id(store: Store) -> str:
    with store.read() as session:
        return str(session.connection().exec_driver_sql("SELECT store_id FROM site").scalar())


def test_insert_update_and_delete_are_logged_field_by_field(store: Store) -> None:
    with store.write() as session:
        person = Person(
            ref="A1", display_name="Ann [b]", date_of_birth=date(1990, 2, 3), created_at=now()
        )
        session.add(person)
        session.flush()
        session.add(Stay(person_id=person.id, arrived_on=date(2024, 1, 5)))
    with store.write() as session:
        found = session.exec(select(Person)).one()
        found.display_name = "Ann B"
        found.language = "pl"
    with store.write() as session:
        session.delete(session.exec(select(Stay)).one())
    with store.write() as session:  # a write that changes nothing is not logged
        found = session.exec(select(Person)).one()
        found.display_name = "Ann B"
    log = _log(store)
    with store.read() as session:
        person_uid, created = (
            session.connection().exec_driver_sql("SELECT uid, created_at FROM person").one()
        )
    assert [(t, op) for t, _, op, *_ in log] == [
        ("person", "insert"),
        ("stay", "insert"),
        ("person", "update"),
        ("stay", "delete"),
    ]
    assert json.loads(log[0][3]) == {
        "ref": "A1",
        "display_name": "Ann [b]",
        "date_of_birth": "1990-02-03",
        "has_cervix": "unknown",
        "language": None,
        "created_at": created,
        **dict.fromkeys(
            ("ethnicity", "disability", "learning_disability", "first_language", "interpreter"),
            "not_stated",
        ),
    }
    assert log[0][1] == person_uid
    assert json.loads(log[1][3]) == {
        "person_id": person_uid,
        "unit_id": None,
        "arrived_on": "2024-01-05",
        "left_on": None,
        "left_reason": None,
    }
    assert json.loads(log[2][3]) == {"display_name": "Ann B", "language": "pl"}
    assert log[3][3] is None and log[3][1] == log[1][1]
    clocks = [hlc for *_, hlc, _ in log]
    assert clocks == sorted(set(clocks))
    assert {origin for *_, origin in log} == {_store_id(store)}


def test_changes_applied_from_another_store_are_not_logged_again(store: Store) -> None:
    with store.write() as session:
        session.connection().exec_driver_sql("UPDATE sync_clock SET applying = 1")
        session.add(
            Person(ref="B1", display_name="Bea", date_of_birth=date(1985, 1, 1), created_at=now())
        )
        session.flush()
        session.connection().exec_driver_sql("UPDATE sync_clock SET applying = 0")
    assert _log(store) == []


@pytest.mark.slow
def test_the_migration_logs_the_rows_a_store_already_held(tmp_path: Path) -> None:
    old = new_store(tmp_path / "s", revision="0021")
    with old.write() as session:
        for i in range(3):
            session.add(
                Person(
                    ref=f"R{i}",
                    display_name=f"P{i}",
                    date_of_birth=date(1980, 1, 1),
                    created_at=now(),
                )
            )
    old.close()
    with Store.unlock(tmp_path / "s", user="ana", passphrase=PASSPHRASE) as migrated:
        log = _log(migrated)
        with migrated.read() as session:
            uids = list(
                session.connection().exec_driver_sql("SELECT uid FROM person ORDER BY id").scalars()
            )
    assert [(t, u, op) for t, u, op, *_ in log] == [("person", u, "insert") for u in uids]
    assert [json.loads(d)["ref"] for *_, d, _, _ in log] == ["R0", "R1", "R2"]


def _sync_finding(store: Store) -> tuple[bool, str]:
    from outreach.store.check import check_store

    found = [
        f
        for f in check_store(store.folder, store._data_key, store._keyfile)
        if f.name == "sync state"
    ]
    assert len(found) == 1
    return found[0].ok, found[0].detail


def test_check_finds_rows_the_log_lacks_and_a_missing_trigger(store: Store) -> None:
    with store.write() as session:
        session.add(
            Person(ref="A1", display_name="Ann", date_of_birth=date(1990, 1, 1), created_at=now())
        )
    assert _sync_finding(store) == (True, "every shared row has its id and is in the change log")
    with store.write() as session:
        conn = session.connection()
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 1")
        conn.exec_driver_sql(
            "INSERT INTO person (ref, display_name, date_of_birth, has_cervix, created_at, "
            "uid, origin) VALUES ('A2', 'Bea', '1990-01-01', 'yes', '2024-01-01', 'u-2', 'x')"
        )
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 0")
        conn.exec_driver_sql("DROP TRIGGER change_log_stay_update")
    assert _sync_finding(store) == (
        False,
        "1 row of person not in the change log; stay changes are not logged (update)",
    )


def test_check_finds_a_row_changed_behind_the_logs_back(store: Store) -> None:
    with store.write() as session:
        session.add(
            Person(ref="A1", display_name="Ann", date_of_birth=date(1990, 1, 1), created_at=now())
        )
        session.add(
            Person(ref="A2", display_name="Bea", date_of_birth=date(1990, 1, 1), created_at=now())
        )
    with store.write() as session:  # a name corrected through the application: logged
        person = session.exec(select(Person).where(Person.ref == "A2")).one()
        person.display_name = "Bea Smith"
        session.add(person)
    assert _sync_finding(store) == (True, "every shared row has its id and is in the change log")
    with store.write() as session:  # the same, and a date of birth, with the triggers quiet
        conn = session.connection()
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 1")
        conn.exec_driver_sql(
            "UPDATE person SET display_name = 'Bea Jones', date_of_birth = '1991-01-01' "
            "WHERE ref = 'A2'"
        )
        conn.exec_driver_sql("UPDATE person SET display_name = 'Ann Other' WHERE ref = 'A1'")
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 0")
    assert _sync_finding(store) == (
        False,
        "2 rows of person differ from the change log (date_of_birth, display_name)",
    )


def test_check_finds_a_row_the_log_holds_but_the_store_lost(store: Store) -> None:
    with store.write() as session:
        session.add(
            Person(ref="A1", display_name="Ann", date_of_birth=date(1990, 1, 1), created_at=now())
        )
    with store.write() as session:
        conn = session.connection()
        conn.exec_driver_sql("DROP TRIGGER change_log_person_delete")
        conn.exec_driver_sql("DELETE FROM person")
        conn.exec_driver_sql(changes.trigger_sql(conn, "person", "delete"))
    assert _sync_finding(store) == (
        False,
        "1 row of person in the change log but not in the store",
    )


def test_check_finds_a_gap_in_the_change_log(store: Store) -> None:
    with store.write() as session:
        for i in range(4):
            session.add(
                Person(
                    ref=f"A{i}",
                    display_name="Ann",
                    date_of_birth=date(1990, 1, 1),
                    created_at=now(),
                )
            )
    with store.write() as session:
        conn = session.connection()
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 1")
        # the second and third changes taken out of the log, and their rows with them
        conn.exec_driver_sql(
            "DELETE FROM person WHERE uid IN (SELECT uid FROM change_log WHERE seq IN (2, 3))"
        )
        conn.exec_driver_sql("DELETE FROM change_log WHERE seq IN (2, 3)")
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 0")
    assert _sync_finding(store) == (
        False,
        "2 changes missing from the change log between 1 and 4 (a paired store would never "
        "receive them)",
    )


def test_check_accepts_a_record_logged_by_an_account_this_store_lacks(store: Store) -> None:
    with store.write() as session:
        person = Person(
            ref="A1", display_name="Ann", date_of_birth=date(1990, 1, 1), created_at=now()
        )
        session.add(person)
        session.flush()
        session.add(
            Decision(
                person_id=person.id,
                kind="informed_decline",
                decided_on=date(2024, 1, 2),
                logged_by=store.actor.id,
                created_at=now(),
            )
        )
    with store.write() as session:  # as a decision from a laptop whose nurse has no account here
        conn = session.connection()
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 1")
        conn.exec_driver_sql("UPDATE decision SET logged_by = NULL")
        conn.exec_driver_sql(
            "UPDATE change_log SET data = json_set(data, '$.logged_by', 'nurse elsewhere') "
            "WHERE tbl = 'decision'"
        )
        conn.exec_driver_sql("UPDATE sync_clock SET applying = 0")
    assert _sync_finding(store) == (True, "every shared row has its id and is in the change log")
    with store.write() as session:  # but one naming an account this store has is drift
        session.connection().exec_driver_sql(
            "UPDATE change_log SET data = json_set(data, '$.logged_by', 'ana') "
            "WHERE tbl = 'decision'"
        )
    assert _sync_finding(store) == (
        False,
        "1 row of decision differs from the change log (logged_by)",
    )
