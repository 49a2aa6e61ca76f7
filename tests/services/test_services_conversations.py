"""Logging conversations: checks against the programme's code lists, mentors and people, and
the follow-ups and decisions a conversation sets in motion."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from freezegun import freeze_time
from sqlmodel import select

from outreach.model import (
    Conversation,
    ConversationAttendee,
    ConversationBarrier,
    ConversationMentor,
    Decision,
    FollowUp,
)
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.errors import ValidationError
from outreach.services.mentors import (
    AddMentor,
    SetMentorActive,
    add_mentor,
    list_mentors,
    set_mentor_active,
)
from outreach.services.people import AddPerson, add_person
from outreach.store.store import Store
from tests.support.service_helpers import assert_no_value_in_audit, last_audit
from tests.support.store_helpers import table_counts
from tests.support.stores import frozen_on, module_store

TODAY = "2025-06-01"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with freeze_time(TODAY):
        for opened in module_store(tmp_path_factory):
            for ref in ("C1", "C2", "C3", "C4", "C5", "C6"):
                add_person(
                    opened,
                    AddPerson(
                        ref=ref,
                        display_name=f"Person {ref}",
                        date_of_birth=date(1990, 1, 1),
                        arrived_on=date(2024, 1, 1),
                    ),
                )
            add_mentor(opened, AddMentor(name="Mo", trained_on=date(2023, 1, 1)))
            add_mentor(opened, AddMentor(name="Pat", active_from=date(2024, 1, 1)))
            add_mentor(
                opened,
                AddMentor(name="Old", active_from=date(2020, 1, 1), active_to=date(2024, 12, 31)),
            )
            yield opened


_today = frozen_on(TODAY)


def _one_to_one(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "occurred_on": date(2025, 5, 2),
        "kind": "one_to_one",
        "person_ref": "C1",
        "mentors": ["Mo"],
        "setting": "wing",
        "minutes": 25,
        "barriers": ["fear_anxiety"],
        "outcome": "booked",
    }
    values.update(overrides)
    return values


@pytest.mark.slow
def test_a_one_to_one_is_stored_with_its_mentors_barriers_and_next_step(store: Store) -> None:
    logged = log_conversation(
        store,
        LogConversation(
            **_one_to_one(  # type: ignore[arg-type]
                mentors=["Mo", "pat"],
                barriers=["fear_anxiety", "pain_discomfort", "fear_anxiety"],
                next_step_on=date(2025, 5, 16),
                note="Secret worries about the clinic",
            )
        ),
    )
    cid = logged.conversation.id
    with store.read() as session:
        c = session.get(Conversation, cid)
        mentors = sorted(
            m.mentor_id
            for m in session.exec(
                select(ConversationMentor).where(ConversationMentor.conversation_id == cid)
            )
        )
        barriers = sorted(
            b.code
            for b in session.exec(
                select(ConversationBarrier).where(ConversationBarrier.conversation_id == cid)
            )
        )
        follow_up = session.exec(select(FollowUp).where(FollowUp.id == logged.follow_up.id)).one()  # type: ignore[union-attr]
    assert c is not None
    assert (c.occurred_on, c.kind, c.attendees, c.setting, c.minutes, c.outcome) == (
        date(2025, 5, 2),
        "one_to_one",
        1,
        "wing",
        25,
        "booked",
    )
    assert (c.next_step_on, c.note, c.logged_by) == (
        date(2025, 5, 16),
        "Secret worries about the clinic",
        store.actor.id,
    )
    assert mentors == [1, 2]
    assert barriers == ["fear_anxiety", "pain_discomfort"]
    assert (follow_up.reason, follow_up.due_on, follow_up.status, follow_up.person_id) == (
        "next_step",
        date(2025, 5, 16),
        "open",
        c.person_id,
    )
    [row] = last_audit(store)
    assert (row.action, row.entity, row.entity_id) == ("conversation.log", "conversation", cid)
    assert row.fields == (
        "attendees,barriers,follow_up,kind,mentors,minutes,next_step_on,note,occurred_on,"
        "outcome,person_id,setting"
    )
    assert_no_value_in_audit(store, "Secret worries", "fear_anxiety", "Person C1", "booked")


def test_a_group_session_records_its_count_and_named_attendees(store: Store) -> None:
    logged = log_conversation(
        store,
        LogConversation(
            occurred_on=date(2025, 5, 3),
            kind="group",
            attendees=8,
            attendee_refs=["C2", "c3"],
            mentors=["Pat"],
            setting="group_room",
            minutes=60,
            outcome="undecided_more_time",
        ),
    )
    with store.read() as session:
        named = session.exec(
            select(ConversationAttendee).where(
                ConversationAttendee.conversation_id == logged.conversation.id
            )
        ).all()
    assert (logged.conversation.attendees, logged.conversation.person_id) == (8, None)
    assert len(named) == 2
    assert logged.follow_up is None and logged.decision is None


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"person_ref": "ZZZ"}, "person_ref", "no person with reference 'ZZZ'"),
        ({"barriers": ["fear_anxiety", "boredom"]}, "barriers", "'boredom' is not a barrier code"),
        ({"outcome": "maybe"}, "outcome", "'maybe' is not an outcome code"),
        ({"setting": "garden"}, "setting", "'garden' is not a setting code"),
        ({"mentors": ["Old"]}, "mentor", "Old was not active on 2025-05-02"),
        ({"mentors": ["Nobody"]}, "mentor", "no mentor named 'Nobody'"),
        ({"mentors": []}, "mentor", "at least one mentor"),
        ({"minutes": -5}, "minutes", "-5 is not between 1 and 480 (0 or empty: not recorded)"),
        ({"minutes": 481}, "minutes", "481 is not between 1 and 480 (0 or empty: not recorded)"),
        ({"note": "x" * 501}, "note", "501 characters; at most 500"),
        ({"occurred_on": date(2025, 6, 2)}, "occurred_on", "in the future"),
        ({"next_step_on": date(2025, 5, 1)}, "next_step_on", "before the conversation"),
        ({"kind": "chat"}, "kind", "'chat' is not one of"),
        ({"person_ref": None}, "person_ref", "needs a person"),
        ({"kind": "group", "person_ref": None}, "attendees", "at least 1 attendee"),
        (
            {"kind": "group", "person_ref": None, "attendees": 1, "attendee_refs": ["C1", "C2"]},
            "attendee_refs",
            "2 named but 1 attended",
        ),
        (
            {"kind": "group", "person_ref": None, "attendees": 3, "next_step_on": date(2025, 6, 1)},
            "next_step_on",
            "a next step is one person's: log a one-to-one with each person to follow up",
        ),
        (
            {"kind": "group", "person_ref": None, "attendees": 3, "outcome": "informed_decline"},
            "outcome",
            "log a one-to-one",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    store: Store, overrides: dict[str, object], field: str, words: str
) -> None:
    before = table_counts(store)
    with pytest.raises(ValidationError) as caught:
        log_conversation(store, LogConversation(**_one_to_one(**overrides)))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert words in str(caught.value)
    assert table_counts(store) == before


def test_an_informed_decline_outcome_records_the_decision_and_schedules_the_revisit(
    store: Store,
) -> None:
    logged = log_conversation(
        store,
        LogConversation(
            **_one_to_one(
                person_ref="C4",
                outcome="informed_decline",  # type: ignore[arg-type]
                next_step_on=date(2025, 11, 2),
            )
        ),
    )
    assert logged.decision is not None and logged.follow_up is not None
    assert (logged.decision.kind, logged.decision.decided_on, logged.decision.revisit_on) == (
        "informed_decline",
        date(2025, 5, 2),
        date(2025, 11, 2),
    )
    assert (logged.follow_up.reason, logged.follow_up.due_on) == ("revisit", date(2025, 11, 2))


def test_an_informed_decline_without_a_date_is_revisited_after_the_first_deferral_step(
    store: Store,
) -> None:
    logged = log_conversation(
        store,
        LogConversation(
            **_one_to_one(
                person_ref="C5",
                outcome="informed_decline",  # type: ignore[arg-type]
                occurred_on=date(2025, 2, 28),
            )
        ),
    )
    assert logged.decision is not None
    assert logged.decision.revisit_on == date(2025, 8, 28)


def test_a_do_not_approach_outcome_with_a_next_step_is_refused(store: Store) -> None:
    before = table_counts(store)
    with pytest.raises(ValidationError) as refused:
        log_conversation(
            store,
            LogConversation(
                **_one_to_one(
                    person_ref="C6",
                    outcome="do_not_approach",  # type: ignore[arg-type]
                    next_step_on=date(2025, 6, 1),
                )
            ),
        )
    assert str(refused.value) == (
        "next_step_on: the person asked not to be approached: a next step cannot be set"
    )
    assert table_counts(store) == before


def test_a_next_step_for_a_person_marked_do_not_approach_is_refused(store: Store) -> None:
    first = log_conversation(
        store, LogConversation(**_one_to_one(person_ref="C6", outcome="do_not_approach"))
    )
    assert first.decision is not None and first.decision.kind == "do_not_approach"
    assert first.follow_up is None
    before = table_counts(store)
    with pytest.raises(ValidationError) as refused:
        log_conversation(
            store,
            LogConversation(
                **_one_to_one(
                    person_ref="C6",
                    occurred_on=date(2025, 5, 20),  # type: ignore[arg-type]
                    next_step_on=date(2025, 6, 20),
                )
            ),
        )
    assert refused.value.field == "next_step_on"
    assert refused.value.problem == (
        "C6 is marked do not approach: a next step cannot be set "
        "(record 'approach again' first if the person has changed their mind)"
    )
    assert table_counts(store) == before
    # Without a next step the conversation is logged, and still nothing is scheduled.
    later = log_conversation(
        store, LogConversation(**_one_to_one(person_ref="C6", occurred_on=date(2025, 5, 20)))
    )
    assert later.follow_up is None
    with store.read() as session:
        open_rows = session.exec(select(FollowUp).where(FollowUp.person_id == 6)).all()
        decisions = session.exec(select(Decision).where(Decision.person_id == 6)).all()
    assert open_rows == []
    assert [d.kind for d in decisions] == ["do_not_approach"]


def test_mentors_are_listed_with_whether_they_are_active(store: Store) -> None:
    rows = list_mentors(store, as_of=date(2025, 6, 1))
    listed = [(r.name, r.active) for r in rows if r.name in {"Mo", "Old", "Pat"}]
    assert listed == [("Mo", True), ("Old", False), ("Pat", True)]


def test_ending_a_mentor_makes_them_inactive_after_their_last_day(store: Store) -> None:
    add_mentor(store, AddMentor(name="Sam", active_from=date(2024, 1, 1)))
    set_mentor_active(store, SetMentorActive(name="sam", active=False, on=date(2025, 3, 31)))
    [row] = last_audit(store)
    assert (row.action, row.fields) == ("mentor.set_active", "active_to")
    active = {r.name: r.active for r in list_mentors(store, as_of=date(2025, 3, 31))}
    after = {r.name: r.active for r in list_mentors(store, as_of=date(2025, 4, 1))}
    assert (active["Sam"], after["Sam"]) == (True, False)


def test_a_mentor_name_is_unique_ignoring_case(store: Store) -> None:
    before = table_counts(store)
    with pytest.raises(ValidationError) as caught:
        add_mentor(store, AddMentor(name="mo"))
    assert caught.value.field == "name"
    assert table_counts(store) == before
