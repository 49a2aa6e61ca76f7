"""Where the person was: a conversation in an on-site setting needs the person (or each
identified attendee of a group) resident that day, checked as on-site screening steps are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from freezegun import freeze_time
from sqlmodel import select

from outreach.model import Person
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.errors import ValidationError
from outreach.services.lookups import residence_read_ahead, residents_on, was_resident
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import (
    AddPerson,
    RecordArrival,
    RecordLeaving,
    add_person,
    record_arrival,
    record_leaving,
)
from outreach.store.store import Store
from tests.support.store_helpers import table_counts
from tests.support.stores import frozen_on, module_store

TODAY = "2025-06-01"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with freeze_time(TODAY):
        for opened in module_store(tmp_path_factory):
            # P1: resident 2024-01-01 to 2024-03-31, and again from 2024-06-01.
            add_person(
                opened,
                AddPerson(
                    ref="P1",
                    display_name="Person One",
                    date_of_birth=date(1990, 1, 1),
                    arrived_on=date(2024, 1, 1),
                ),
            )
            record_leaving(
                opened,
                RecordLeaving(person_ref="P1", left_on=date(2024, 3, 31), left_reason="released"),
            )
            record_arrival(opened, RecordArrival(person_ref="P1", arrived_on=date(2024, 6, 1)))
            # P2: resident from 2024-01-01, never left.
            add_person(
                opened,
                AddPerson(
                    ref="P2",
                    display_name="Person Two",
                    date_of_birth=date(1990, 1, 1),
                    arrived_on=date(2024, 1, 1),
                ),
            )
            add_mentor(opened, AddMentor(name="Mo", trained_on=date(2023, 1, 1)))
            yield opened


_today = frozen_on(TODAY)


def _talk(store: Store, on: date, setting: str, **more: object) -> int:
    values: dict[str, object] = {
        "occurred_on": on,
        "kind": "one_to_one",
        "person_ref": "P1",
        "mentors": ["Mo"],
        "setting": setting,
        "minutes": 20,
        "outcome": "undecided_more_time",
    }
    values.update(more)
    logged = log_conversation(store, LogConversation(**values))  # type: ignore[arg-type]
    assert logged.conversation.id is not None
    return logged.conversation.id


@pytest.mark.slow
@pytest.mark.parametrize(
    ("day", "setting"),
    [
        (date(2024, 4, 1), "wing"),  # the day after leaving
        (date(2024, 5, 31), "reception"),  # the day before coming back
        (date(2023, 12, 31), "on_site_clinic"),  # the day before the first arrival
        (date(2024, 4, 15), "education_room"),
        (date(2024, 4, 15), "group_room"),
    ],
)
def test_an_on_site_conversation_outside_every_stay_is_refused(
    store: Store, day: date, setting: str
) -> None:
    before = table_counts(store)
    with pytest.raises(ValidationError) as refused:
        _talk(store, day, setting)
    label = {
        "wing": "On the wing",
        "reception": "Reception",
        "on_site_clinic": "On-site clinic",
        "education_room": "Education room",
        "group_room": "Group room",
    }[setting]
    assert refused.value.field == "setting"
    assert refused.value.problem == (
        f"P1 was not resident on {day.isoformat()} (no stay covers it): "
        f"'{label}' is on site; correct the date, the person or the setting"
    )
    assert table_counts(store) == before


@pytest.mark.parametrize(
    ("day", "setting"),
    [
        (date(2024, 1, 1), "wing"),  # the day of arrival
        (date(2024, 3, 31), "wing"),  # the day of leaving counts, as for screening
        (date(2024, 6, 1), "on_site_clinic"),  # back again
        (date(2024, 4, 15), "escorted_outside"),  # not on site: no stay needed
        (date(2024, 4, 15), "other"),
    ],
)
def test_a_conversation_within_a_stay_or_off_site_is_logged(
    store: Store, day: date, setting: str
) -> None:
    before = table_counts(store)["conversation"]
    _talk(store, day, setting)
    assert table_counts(store)["conversation"] == before + 1


def test_a_group_session_checks_each_identified_attendee(store: Store) -> None:
    before = table_counts(store)
    with pytest.raises(ValidationError) as refused:
        _talk(
            store,
            date(2024, 4, 15),
            "group_room",
            kind="group",
            person_ref=None,
            attendees=6,
            attendee_refs=["P2", "P1"],
        )
    assert str(refused.value) == (
        "setting: P1 was not resident on 2024-04-15 (no stay covers it): "
        "'Group room' is on site; correct the date, the person or the setting"
    )
    assert table_counts(store) == before
    # Anonymous attendees are not checked; named ones all resident: logged.
    _talk(
        store,
        date(2024, 4, 15),
        "group_room",
        kind="group",
        person_ref=None,
        attendees=6,
        attendee_refs=["P2"],
    )
    _talk(store, date(2024, 4, 15), "wing", kind="group", person_ref=None, attendees=3)
    assert table_counts(store)["conversation"] == before["conversation"] + 2


def test_residents_on_answers_a_whole_set_of_people_and_days_by_the_one_rule(
    store: Store,
) -> None:
    with store.read() as session:
        ids = dict(session.exec(select(Person.ref, Person.id)).all())
        p1, p2 = ids["P1"], ids["P2"]
        asked = [
            (p1, date(2023, 12, 31)),  # the day before the first arrival
            (p1, date(2024, 1, 1)),  # the day of arrival
            (p1, date(2024, 3, 31)),  # the day of leaving
            (p1, date(2024, 4, 1)),  # the day after leaving
            (p1, date(2024, 5, 31)),  # the day before coming back
            (p1, date(2024, 6, 1)),  # back
            (p2, date(2023, 6, 1)),
            (p2, date(2025, 5, 1)),  # an open stay
            (999, date(2024, 2, 1)),  # nobody
        ]
        found = residents_on(session, asked)
        one_by_one = {pair for pair in asked if was_resident(session, *pair)}
        with residence_read_ahead(session, asked):
            read_ahead = {pair for pair in asked if was_resident(session, *pair)}
    assert found == {
        (p1, date(2024, 1, 1)),
        (p1, date(2024, 3, 31)),
        (p1, date(2024, 6, 1)),
        (p2, date(2025, 5, 1)),
    }
    assert one_by_one == found
    assert read_ahead == found
