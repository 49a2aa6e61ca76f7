"""A conversation about several programmes reads on the person's timeline with each
programme it addressed, each with its own outcome and barriers in its own file's words; a
conversation about cervical screening alone reads as it always has."""

from __future__ import annotations

from datetime import date

from freezegun import freeze_time

from outreach.services.conversations import Addressed, LogConversation, log_conversation
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import AddPerson, add_person
from outreach.services.profile import person_profile
from outreach.store.store import Store

TODAY = date(2025, 6, 1)


def _talk(store: Store, day: date, **fields: object) -> None:
    log_conversation(
        store,
        LogConversation(
            occurred_on=day,
            kind="one_to_one",
            mentors=["Mo"],
            setting="wing",
            person_ref="T1",
            **fields,  # type: ignore[arg-type]
        ),
    )


def test_each_programme_of_a_conversation_is_on_the_timeline(empty_store: Store) -> None:
    with freeze_time(TODAY):
        add_person(
            empty_store,
            AddPerson(
                ref="T1",
                display_name="Tia One",
                date_of_birth=date(1990, 1, 1),
                unit="Wing A",
                arrived_on=date(2024, 1, 1),
            ),
        )
        add_mentor(empty_store, AddMentor(name="Mo"))
        _talk(empty_store, date(2025, 5, 1), outcome="booked", barriers=["fear_anxiety"])
        _talk(
            empty_store,
            date(2025, 5, 2),
            outcome="booked",
            barriers=["fear_anxiety"],
            also=[
                Addressed("bbv-hepatitis-c", "informed_decline", ["needles", "stigma"]),
                Addressed("bbv-hiv", "accepted_offer"),
            ],
        )
        _talk(empty_store, date(2025, 5, 3), outcome="booked", programme="bbv-hepatitis-c")
        timeline = person_profile(empty_store, "T1", as_of=TODAY).timeline
    talks = [(t.on, t.summary) for t in timeline if t.kind == "conversation"]
    assert talks == [
        (date(2025, 5, 3), "one-to-one with Mo (on the wing); Hep C: booked a test"),
        (
            date(2025, 5, 2),
            "one-to-one with Mo (on the wing); Cervical screening: booked a test, barriers: "
            "fear or anxiety; Hep C: informed decline, barriers: stigma, fear of needles or "
            "blood tests; HIV: accepted the offer of a test",
        ),
        (
            date(2025, 5, 1),
            "one-to-one with Mo (on the wing); outcome: booked a test; barriers: fear or anxiety",
        ),
    ]
