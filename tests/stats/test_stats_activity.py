"""Conversations, barriers, outcomes, days to test and follow-ups, worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from outreach.model import (
    Conversation,
    ConversationAttendee,
    ConversationBarrier,
    ConversationMentor,
    FollowUp,
    Mentor,
)
from outreach.stats.activity import activity
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.cohort import Cohort
from tests.support.stores import clear

CREATED = datetime(2024, 1, 1, tzinfo=UTC)
MARCH = Period.parse("2024-03")
MAY = Period.parse("2024-05")


@pytest.fixture(scope="module")
def built(shared_store: Store) -> Store:
    clear(shared_store)
    with shared_store.write() as session:
        c = Cohort(session)
        a, b, d = (c.person(date(1990, 1, 1)) for _ in range(3))
        ann, bea = Mentor(name="Ann"), Mentor(name="Bea")
        session.add_all([ann, bea])
        session.flush()

        def talk(
            day: date, person: int | None, mentors: list[Mentor], barriers: list[str], **kw: object
        ) -> int:
            conv = Conversation(
                occurred_on=day,
                person_id=person,
                setting=kw.get("setting", "wing"),
                outcome=kw.get("outcome", "booked"),
                minutes=kw.get("minutes", 10),
                kind="group" if person is None else "one_to_one",
                attendees=kw.get("attendees", 1),
                created_at=CREATED,
            )
            session.add(conv)
            session.flush()
            assert conv.id is not None
            for m in mentors:
                session.add(ConversationMentor(conversation_id=conv.id, mentor_id=m.id))
            for code in barriers:
                session.add(ConversationBarrier(conversation_id=conv.id, code=code))
            return conv.id

        # a: first met in February, again in March (not a first conversation in March).
        talk(date(2024, 2, 1), a, [ann], [])
        talk(date(2024, 3, 1), a, [ann, bea], ["fear_anxiety"], minutes=30)
        # b: first met 5 March, tested 15 March (10 days).
        talk(
            date(2024, 3, 5),
            b,
            [bea],
            ["fear_anxiety", "past_trauma"],
            outcome="undecided_more_time",
        )
        c.event(b, date(2024, 3, 15), "test", hpv="negative")
        # d: first met in a group on 10 March as an identified attendee, tested 30 March (20).
        g = talk(
            date(2024, 3, 10),
            None,
            [bea],
            ["fear_anxiety"],
            attendees=6,
            setting="group_room",
            minutes=45,
        )
        session.add(ConversationAttendee(conversation_id=g, person_id=d))
        c.event(d, date(2024, 3, 30), "test", hpv="positive", cytology="normal")
        # e: first met 10 May; the adequate test of 5 May (before) and the inadequate one of
        # 12 May do not end the wait, the adequate test of 20 May does (10 days).
        e = c.person(date(1990, 1, 1))
        talk(date(2024, 5, 10), e, [ann], [])
        c.event(e, date(2024, 5, 5), "test", hpv="negative")
        c.event(e, date(2024, 5, 12), "test", cytology="inadequate")
        c.event(e, date(2024, 5, 20), "test", hpv="negative")
        # Follow-ups: open and overdue; open not yet due; done on time; done late; done after as-of.
        for due, status, done in [
            (date(2024, 3, 20), "open", None),
            (date(2024, 4, 20), "open", None),
            (date(2024, 3, 10), "done", date(2024, 3, 9)),
            (date(2024, 3, 10), "done", date(2024, 3, 12)),
            (date(2024, 3, 10), "done", date(2024, 4, 5)),
        ]:
            session.add(
                FollowUp(
                    person_id=a,
                    opened_on=date(2024, 2, 1),
                    due_on=due,
                    original_due_on=due,
                    reason="revisit",
                    status=status,
                    done_on=done,
                    created_at=CREATED,
                )
            )
        # Open follow-ups of people not resident on 31 March: one left on 15 March, one left
        # on 31 March itself (resident until the day before).
        for left in (date(2024, 3, 15), date(2024, 3, 31)):
            gone = c.person(date(1990, 1, 1), stays=((date(2024, 1, 1), left, "A"),))
            session.add(
                FollowUp(
                    person_id=gone,
                    opened_on=date(2024, 2, 1),
                    due_on=date(2024, 3, 1),
                    original_due_on=date(2024, 3, 1),
                    reason="revisit",
                    status="open",
                    created_at=CREATED,
                )
            )
    return shared_store


def test_conversations_in_the_period(built: Store) -> None:
    with built.read() as session:
        conv = activity(session, MARCH, as_of=date(2024, 3, 31)).conversations
    assert (conv.count, conv.one_to_one, conv.group, conv.attendees, conv.minutes) == (
        3,
        2,
        1,
        8,
        85,
    )
    assert conv.people == 3
    assert conv.by_mentor == {"Ann": (1, 30), "Bea": (3, 85)}
    assert conv.by_setting == {"group_room": (1, 45), "wing": (2, 40)}


def test_barriers_count_conversations_and_people(built: Store) -> None:
    with built.read() as session:
        got = activity(session, MARCH, as_of=date(2024, 3, 31))
    assert got.barriers == {"fear_anxiety": (3, 3), "past_trauma": (1, 1)}
    assert got.outcomes == {"booked": 2, "undecided_more_time": 1}


def test_median_days_from_first_conversation_to_test(built: Store) -> None:
    with built.read() as session:
        wait = activity(session, MARCH, as_of=date(2024, 3, 31)).days_to_test
    # b (10 days) and d (20 days) were first met in March; a was first met in February.
    assert (wait.people, wait.tested, wait.median_days) == (2, 2, 15.0)


def test_the_wait_ends_at_the_first_adequate_test_on_or_after_the_first_conversation(
    built: Store,
) -> None:
    with built.read() as session:
        wait = activity(session, MAY, as_of=date(2024, 5, 31)).days_to_test
    assert (wait.people, wait.tested, wait.median_days) == (1, 1, 10.0)


def test_a_test_after_as_of_does_not_end_the_wait(built: Store) -> None:
    with built.read() as session:
        wait = activity(session, MAY, as_of=date(2024, 5, 15)).days_to_test
    assert (wait.people, wait.tested, wait.median_days) == (1, 0, None)


def test_follow_ups_open_overdue_and_on_time(built: Store) -> None:
    with built.read() as session:
        fu = activity(session, MARCH, as_of=date(2024, 3, 31)).follow_ups
    # Open on 31 March (a is resident): the two open ones and the one done on 5 April;
    # overdue: due 20 March and due 10 March (done later). Completed in March: 2, on time: 1.
    assert (fu.open, fu.overdue, fu.completed, fu.completed_on_time) == (3, 2, 2, 1)


def test_follow_ups_of_people_who_have_left_are_counted_apart(built: Store) -> None:
    with built.read() as session:
        fu = activity(session, MARCH, as_of=date(2024, 3, 31)).follow_ups
    # The two leavers' follow-ups (due 1 March) are neither open nor overdue among residents.
    assert fu.open_left == 2


def test_a_leaver_follow_up_counts_while_they_were_resident(built: Store) -> None:
    with built.read() as session:
        fu = activity(session, MARCH, as_of=date(2024, 3, 14)).follow_ups
    # On 14 March both leavers are resident, each with a follow-up due 1 March: open and
    # overdue. a's: due 20 March and due 20 April are open, not overdue; of the three due
    # 10 March, those done 9 and 12 March are closed, the one done 5 April is open and
    # overdue. Open: 2 + 3 = 5; overdue: 2 + 1 = 3.
    assert (fu.open, fu.overdue, fu.open_left) == (5, 3, 0)
