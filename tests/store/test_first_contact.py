"""first_contact: each person's first identified conversation, kept by triggers in the same
transaction as every write to conversations and attendees, filled in by migration 0006 for a
store that already has conversations, and compared afresh by ``outreach check``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from outreach.cli import app
from outreach.model import Conversation, ConversationAttendee, Person
from outreach.store.store import Store
from tests.support.store_helpers import raw
from tests.support.stores import PASSPHRASE, new_store

CREATED = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("first") / "store"
    store = new_store(folder)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def store(shared: Store) -> Store:
    with shared.write() as session:
        for table in ("conversation_attendee", "conversation", "person"):
            session.execute(text(f"DELETE FROM {table}"))
    return shared


def _people(store: Store, count: int) -> list[int]:
    with store.write() as session:
        people = [
            Person(
                ref=f"R{n}",
                display_name=f"P {n}",
                date_of_birth=date(1990, 1, 1),
                created_at=CREATED,
            )
            for n in range(count)
        ]
        session.add_all(people)
        session.flush()
        return [p.id for p in people if p.id is not None]


def _talk(
    store: Store, day: date, person: int | None = None, attendees: tuple[int, ...] = ()
) -> int:
    with store.write() as session:
        conv = Conversation(
            occurred_on=day,
            kind="one_to_one" if person else "group",
            person_id=person,
            attendees=max(1, len(attendees)),
            setting="wing",
            outcome="booked",
            created_at=CREATED,
        )
        session.add(conv)
        session.flush()
        assert conv.id is not None
        for who in attendees:
            session.add(ConversationAttendee(conversation_id=conv.id, person_id=who))
        return conv.id


def _first(store: Store) -> dict[int, str]:
    with store.read() as session:
        rows = session.execute(text("SELECT person_id, first_on FROM first_contact")).all()
    return {person: str(day) for person, day in rows}


def _run(store: Store, sql: str, **params: object) -> None:
    with store.write() as session:
        session.execute(text(sql), params)


@pytest.mark.slow
def test_a_one_to_one_sets_the_first_contact_and_only_an_earlier_one_moves_it(
    store: Store,
) -> None:
    (a,) = _people(store, 1)
    _talk(store, date(2024, 3, 5), a)
    assert _first(store) == {a: "2024-03-05"}
    _talk(store, date(2024, 4, 1), a)
    assert _first(store) == {a: "2024-03-05"}
    _talk(store, date(2024, 1, 10), a)
    assert _first(store) == {a: "2024-01-10"}


def test_a_listed_attendee_of_a_group_session_is_first_contacted_that_day(store: Store) -> None:
    a, b, c = _people(store, 3)
    _talk(store, date(2024, 2, 1), attendees=(a, b))
    _talk(store, date(2024, 1, 20), b)
    assert _first(store) == {a: "2024-02-01", b: "2024-01-20"}
    assert c not in _first(store)


def test_deleting_a_conversation_falls_back_to_the_next_earliest_or_removes_the_row(
    store: Store,
) -> None:
    a, b = _people(store, 2)
    early = _talk(store, date(2024, 1, 10), a)
    _talk(store, date(2024, 5, 2), a)
    only = _talk(store, date(2024, 6, 1), b)
    _run(store, "DELETE FROM conversation WHERE id IN (:early, :only)", early=early, only=only)
    assert _first(store) == {a: "2024-05-02"}


def test_deleting_a_group_session_recomputes_its_attendees(store: Store) -> None:
    a, b = _people(store, 2)
    group = _talk(store, date(2024, 2, 1), attendees=(a, b))
    _talk(store, date(2024, 3, 3), a)
    # The attendee rows go by ON DELETE CASCADE, after the session's own row.
    _run(store, "DELETE FROM conversation WHERE id = :id", id=group)
    assert _first(store) == {a: "2024-03-03"}


def test_moving_a_conversation_recomputes_its_person_and_attendees(store: Store) -> None:
    a, b, c = _people(store, 3)
    one = _talk(store, date(2024, 2, 1), a)
    _talk(store, date(2024, 3, 1), a)
    group = _talk(store, date(2024, 2, 10), attendees=(b,))
    _talk(store, date(2024, 2, 20), b)
    _run(store, "UPDATE conversation SET occurred_on = '2024-04-01' WHERE id = :id", id=one)
    _run(store, "UPDATE conversation SET occurred_on = '2024-05-01' WHERE id = :id", id=group)
    assert _first(store) == {a: "2024-03-01", b: "2024-02-20"}
    _run(store, "UPDATE conversation SET person_id = :c WHERE id = :id", c=c, id=one)
    assert _first(store) == {a: "2024-03-01", b: "2024-02-20", c: "2024-04-01"}


def test_removing_an_attendee_recomputes_them(store: Store) -> None:
    a, b = _people(store, 2)
    group = _talk(store, date(2024, 2, 1), attendees=(a, b))
    _run(
        store,
        "DELETE FROM conversation_attendee WHERE conversation_id = :id AND person_id = :a",
        id=group,
        a=a,
    )
    assert _first(store) == {b: "2024-02-01"}


@pytest.mark.slow
def test_migrating_a_store_with_conversations_fills_first_contact(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    old = new_store(folder, revision="0005")
    key = old._data_key
    old.close()
    # Written in the columns revision 0005 had (today's models have more).
    conn = raw(folder, key)
    try:
        for n in range(3):
            conn.execute(
                "INSERT INTO person (id, ref, display_name, date_of_birth, has_cervix, "
                "created_at) VALUES (?, ?, ?, '1990-01-01', 'unknown', ?)",
                (n + 1, f"R{n}", f"P {n}", CREATED.isoformat(" ")),
            )
        a, b, c = 1, 2, 3
        for cid, day, person, kind in (
            (1, "2024-03-05", a, "one_to_one"),
            (2, "2024-01-07", a, "one_to_one"),
            (3, "2024-02-02", None, "group"),
        ):
            conn.execute(
                "INSERT INTO conversation (id, occurred_on, kind, person_id, attendees, "
                "setting, minutes, outcome, created_at) VALUES (?, ?, ?, ?, 1, 'wing', 0, "
                "'booked', ?)",
                (cid, day, kind, person, CREATED.isoformat(" ")),
            )
        conn.execute("UPDATE conversation SET attendees = 2 WHERE id = 3")
        conn.execute("INSERT INTO conversation_attendee VALUES (3, ?), (3, ?)", (a, b))
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    assert "first_contact" not in tables

    store = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    try:
        assert _first(store) == {a: "2024-01-07", b: "2024-02-02"}
        assert c not in _first(store)
        _talk(store, date(2023, 12, 1), attendees=(c,))
        assert _first(store)[c] == "2023-12-01"
    finally:
        store.close()


@pytest.mark.slow
def test_check_names_first_contacts_that_disagree_with_the_conversations(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    store = new_store(folder)
    a, b = _people(store, 2)
    _talk(store, date(2024, 3, 5), a)
    _talk(store, date(2024, 4, 5), b)
    key = store._data_key
    store.close()

    def check() -> str:
        result = CliRunner().invoke(
            app, ["check", "--store", str(folder)], env={"OUTREACH_PASSPHRASE": PASSPHRASE}
        )
        (line,) = [x for x in result.output.splitlines() if "first contacts" in x]
        return line

    assert check().startswith("ok") and check().endswith("agree with the conversations")
    conn = raw(folder, key)
    try:
        conn.execute("UPDATE first_contact SET first_on = '2024-03-06' WHERE person_id = ?", (a,))
        conn.execute("DELETE FROM first_contact WHERE person_id = ?", (b,))
    finally:
        conn.close()
    assert check().startswith("FAIL")
    # a's row differs (counted once on each side) and b's is missing.
    assert check().endswith("3 rows disagree with the conversations they are derived from")


@pytest.mark.slow
def test_check_counts_one_disagreeing_first_contact_in_the_singular(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    store = new_store(folder)
    (a,) = _people(store, 1)
    _talk(store, date(2024, 3, 5), a)
    key = store._data_key
    store.close()
    conn = raw(folder, key)
    try:
        conn.execute("DELETE FROM first_contact WHERE person_id = ?", (a,))
    finally:
        conn.close()
    result = CliRunner().invoke(
        app, ["check", "--store", str(folder)], env={"OUTREACH_PASSPHRASE": PASSPHRASE}
    )
    (line,) = [x for x in result.output.splitlines() if "first contacts" in x]
    assert line.endswith("1 row disagrees with the conversation it is derived from")
