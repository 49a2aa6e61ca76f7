"""The limits stated once in outreach.rules.limits apply the same way to the services (and so
the forms and the commands) and to CSV import: note and name length, minutes, a resident's age
on arrival."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time

from outreach.imports.files import RowError
from outreach.imports.pipeline import import_conversations, import_people
from outreach.rules import limits
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.errors import ValidationError
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import AddPerson, RecordArrival, add_person, record_arrival
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.store.store import Store
from tests.support.store_helpers import table_counts
from tests.support.stores import as_template, copy_of, frozen_on, new_store

TODAY = "2025-06-01"


_today = frozen_on(TODAY)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("limits") / "store"
    with freeze_time(TODAY):
        opened = new_store(folder)
        add_person(
            opened,
            AddPerson(
                ref="L1",
                display_name="Lee One",
                date_of_birth=date(1990, 1, 1),
                arrived_on=date(2024, 1, 1),
            ),
        )
        add_mentor(opened, AddMentor(name="Mo", trained_on=date(2023, 1, 1)))
    return as_template(opened)


@pytest.fixture
def store(template: Store, tmp_path: Path) -> Iterator[Store]:
    with copy_of(template, tmp_path / "copy") as copy:
        yield copy


def test_the_limits() -> None:
    assert (limits.NOTE_MAX, limits.NAME_MAX, limits.REF_MAX) == (500, 100, 40)
    assert (limits.MINUTES_MIN, limits.MINUTES_MAX) == (1, 480)
    assert (limits.RESIDENT_AGE_MIN, limits.RESIDENT_AGE_MAX) == (18, 110)


@pytest.mark.parametrize(
    ("minutes", "problem"),
    [
        (0, None),
        (1, None),
        (480, None),
        (481, "481 is not between 1 and 480 (0 or empty: not recorded)"),
        (-1, "-1 is not between 1 and 480 (0 or empty: not recorded)"),
    ],
)
def test_minutes(minutes: int, problem: str | None) -> None:
    assert limits.minutes_problem(minutes) == problem


def test_text_length_ignores_surrounding_space() -> None:
    assert limits.text_problem("  " + "x" * 100 + "  ", 100) is None
    assert limits.text_problem("x" * 101, 100) == "101 characters; at most 100"


@pytest.mark.parametrize(
    ("born", "arrived", "problem"),
    [
        (date(2000, 3, 1), date(2018, 3, 1), None),  # 18 on the day
        (date(2000, 3, 2), date(2018, 3, 1), "aged 17 on arriving (2018-03-01)"),
        (date(1910, 1, 1), date(2020, 12, 31), None),  # 110
        (date(1909, 1, 1), date(2020, 1, 1), "aged 111 on arriving (2020-01-01)"),
    ],
)
def test_age_on_arrival(born: date, arrived: date, problem: str | None) -> None:
    found = limits.arrival_age_problem(born, arrived)
    if problem is None:
        assert found is None
    else:
        assert found == f"{problem}: a resident is 18 to 110; check the date of birth"


def _refused(store: Store, call: object, command: object) -> ValidationError:
    before = table_counts(store)
    with pytest.raises(ValidationError) as refused:
        call(store, command)  # type: ignore[operator]
    assert table_counts(store) == before
    return refused.value


@pytest.mark.slow
def test_names_and_references_longer_than_the_limit_are_refused(store: Store) -> None:
    person = {"date_of_birth": date(1990, 1, 1), "arrived_on": date(2024, 1, 1)}
    error = _refused(store, add_person, AddPerson(ref="L2", display_name="N" * 101, **person))  # type: ignore[arg-type]
    assert str(error) == "display_name: 101 characters; at most 100"
    error = _refused(store, add_person, AddPerson(ref="R" * 41, display_name="Ok", **person))  # type: ignore[arg-type]
    assert str(error) == "ref: 41 characters; at most 40"
    error = _refused(store, add_mentor, AddMentor(name="M" * 101))
    assert str(error) == "name: 101 characters; at most 100"
    add_person(store, AddPerson(ref="L2", display_name="N" * 100, **person))  # type: ignore[arg-type]
    add_mentor(store, AddMentor(name="M" * 100))


def test_a_resident_too_young_or_old_on_arrival_is_refused(store: Store) -> None:
    error = _refused(
        store,
        add_person,
        AddPerson(
            ref="L3",
            display_name="Too Young",
            date_of_birth=date(2008, 6, 2),
            arrived_on=date(2025, 6, 1),
        ),
    )
    assert str(error) == (
        "date_of_birth: aged 16 on arriving (2025-06-01): a resident is 18 to 110; "
        "check the date of birth"
    )
    # Without an arrival the person is not a resident: no age is implied.
    add_person(store, AddPerson(ref="L3", display_name="Not Yet", date_of_birth=date(2008, 6, 2)))
    error = _refused(
        store, record_arrival, RecordArrival(person_ref="L3", arrived_on=date(2025, 6, 1))
    )
    assert error.field == "arrived_on"
    assert error.problem.startswith("aged 16 on arriving (2025-06-01)")


def test_notes_longer_than_the_limit_are_refused_everywhere(store: Store) -> None:
    long_note = "n" * 501
    error = _refused(
        store,
        log_conversation,
        LogConversation(
            occurred_on=date(2025, 5, 1),
            kind="one_to_one",
            person_ref="L1",
            mentors=["Mo"],
            setting="wing",
            outcome="booked",
            note=long_note,
        ),
    )
    assert str(error) == "note: 501 characters; at most 500"
    error = _refused(
        store,
        record_screening_event,
        RecordScreeningEvent(
            person_ref="L1", occurred_on=date(2025, 5, 1), event="offered", note=long_note
        ),
    )
    assert str(error) == "note: 501 characters; at most 500"
    error = _refused(
        store,
        record_decision,
        RecordDecision(
            person_ref="L1", kind="do_not_approach", decided_on=date(2025, 5, 1), note=long_note
        ),
    )
    assert str(error) == "note: 501 characters; at most 500"


def test_an_import_names_the_line_of_each_limit_broken(store: Store) -> None:
    people = (
        "ref,name,date_of_birth,arrived\n"
        f"P1,{'N' * 101},1990-01-01,2024-01-01\n"
        "P2,Too Young,2010-01-01,2024-01-01\n"
        "P3,Fine,1990-01-01,2024-01-01\n"
    )
    report = import_people(store, people.encode())
    assert report.errors == [
        RowError(2, "name", "101 characters; at most 100"),
        RowError(
            3,
            "date_of_birth",
            "aged 14 on arriving (2024-01-01): a resident is 18 to 110; check the date of birth",
        ),
    ]
    assert not report.written
    assert import_people(
        store, b"ref,name,date_of_birth,arrived\nP3,Fine,1990-01-01,2024-01-01\n"
    ).written
    talks = (
        "ref,date,mentor,kind,attendees,minutes,setting,barriers,outcome,next_step,note\n"
        "P3,2024-06-03,Mo,one_to_one,,481,wing,,booked,,\n"
        f"P3,2024-06-04,Mo,one_to_one,,20,wing,,booked,,{'n' * 501}\n"
        "P3,2024-06-05,Mo,one_to_one,,0,wing,,not_available,,\n"
    )
    report = import_conversations(store, talks.encode())
    assert report.errors == [
        RowError(2, "minutes", "481 is not between 1 and 480 (0 or empty: not recorded)"),
        RowError(3, "note", "501 characters; at most 500"),
    ]
    assert not report.written
